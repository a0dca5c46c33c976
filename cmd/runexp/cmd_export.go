package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"nmfbench/results/export"
)

// cmdExport writes the tables of a results database (opened read-only) as
// CSV, JSON Lines or Parquet files in a directory, with every factor also
// as a .npy file and a manifest.json of tables, columns and row counts
// (results/export; the columns are documented in docs/results.md).
func cmdExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "export [--db PATH] --out DIR [--format csv|jsonl|parquet]", stderr)
	db := fs.String("db", defaultDB, "SQLite results database to read (not modified)")
	out := fs.String("out", "", "directory to write the tables into (created; files of the same names are replaced)")
	format := fs.String("format", export.CSV, "file format: "+strings.Join(export.Formats, ", "))
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "runexp export: unexpected argument %q (the database is given with --db)\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	if *out == "" {
		fmt.Fprintf(stderr, "runexp export: --out DIR is required\n")
		fs.Usage()
		return errUsage
	}
	if !slices.Contains(export.Formats, *format) {
		return specError{fmt.Errorf("--format %q: choose one of %s", *format, strings.Join(export.Formats, ", "))}
	}
	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("results database %s not found: run a spec first (runexp run SPEC --db %s)", *db, *db)
	}
	m, err := export.Export(ctx, *db, *out, *format)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "table\tfile\trows\n")
	for _, t := range m.Tables {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", t.Name, t.File, t.Rows)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d factor .npy file(s) under %s/factors; columns and types in %s/manifest.json (see docs/results.md)\n", m.FactorFiles, *out, *out)
	return nil
}
