package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"nmfbench/metrics"
	"nmfbench/reports"
	"nmfbench/results"
)

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "report [flags]", stderr)
	db := fs.String("db", defaultDB, "SQLite results database to read")
	out := fs.String("out", "reports/out", "directory the tables, plots and index.html are written to")
	cols := fs.String("columns", metrics.PaperMapping().String(), "report columns as Name=score,… (scores: acc, purity, mi_bits, mi_nats, nmi_arithmetic, nmi_geometric, nmi_max, nmi_min, ami_arithmetic, ami_max)")
	ref := fs.String("reference-method", "", `method label every other method is tested against (Wilcoxon signed-rank, paired by repetition); default GWNTF when present, "none" for no tests`)
	noPlots := fs.Bool("no-plots", false, "write tables, provenance and index.html only")
	if err := parse(fs, args); err != nil {
		return err
	}
	mapping, err := metrics.ParseMapping(*cols)
	if err != nil {
		return specError{fmt.Errorf("--columns: %w", err)}
	}
	if _, err := os.Stat(*db); err != nil {
		return specError{fmt.Errorf("results database %s not found: run a spec first (runexp run SPEC --db %s)", *db, *db)}
	}
	store, err := results.OpenReadOnly(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	paths, err := reports.Write(ctx, store, reports.Options{OutDir: *out, Columns: mapping, ReferenceMethod: *ref, NoPlots: *noPlots})
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}
