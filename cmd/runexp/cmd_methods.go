package main

import (
	"context"
	"fmt"
	"io"
	"maps"
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
			typ := p.Type
			if p.Choices != nil {
				typ = strings.Join(p.Choices, "|")
			}
			sym := p.Symbol
			if sym == "" {
				sym = "·"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\t%s\n", p.Name, sym, typ, p.Default, p.Doc)
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
