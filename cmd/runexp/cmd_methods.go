package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"

	"nmfbench/methods"
)

func cmdMethods(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("methods", "methods", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, in := range methods.Default.Infos() {
		fmt.Fprintf(stdout, "%s (version %d) — %s\n", in.Name, in.Version, in.Summary)
		if len(in.Params) == 0 {
			fmt.Fprintf(stdout, "  (no parameters)\n\n")
			continue
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  param\tsymbol\ttype\tdefault\tmeaning\n")
		for _, p := range in.Params {
			typ := strings.NewReplacer("map[string]interface {}", "mapping", "[]string", "list of string").Replace(p.Type)
			if p.Choices != nil {
				typ = strings.Join(p.Choices, "|")
			}
			sym := p.Symbol
			if sym == "" {
				sym = "·"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", p.Name, sym, typ, defaultText(p.Default), p.Doc)
		}
		tw.Flush()
		if len(in.Renamed) > 0 {
			var old []string
			for _, k := range slices.Sorted(maps.Keys(in.Renamed)) {
				old = append(old, k+" → "+in.Renamed[k])
			}
			fmt.Fprintf(stdout, "  renamed: %s\n", strings.Join(old, ", "))
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// defaultText shows a parameter's default: "(none)" for an empty list, map
// or nil, JSON for other lists and maps, the value itself otherwise.
func defaultText(v any) string {
	rv := reflect.ValueOf(v)
	switch {
	case v == nil:
		return "(none)"
	case rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map:
		if rv.Len() == 0 {
			return "(none)"
		}
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}
