package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"nmfbench/methods"
)

func cmdMethods(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("methods", "methods", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	for _, in := range methods.Default.Infos() {
		fmt.Fprintf(stdout, "%s — %s\n", in.Name, in.Summary)
		if len(in.Params) == 0 {
			fmt.Fprintf(stdout, "  (no parameters)\n\n")
			continue
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "  param\ttype\tdefault\tmeaning\n")
		for _, p := range in.Params {
			fmt.Fprintf(tw, "  %s\t%s\t%v\t%s\n", p.Name, p.Type, p.Default, p.Doc)
		}
		tw.Flush()
		fmt.Fprintln(stdout)
	}
	return nil
}
