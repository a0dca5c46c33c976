package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"nmfbench/metrics"
	"nmfbench/reports"
	"nmfbench/results"
)

// dbList is a repeatable --db flag; each value may be a glob.
type dbList struct {
	values []string
	set    bool
}

func (d *dbList) String() string { return strings.Join(d.values, ", ") }

func (d *dbList) Set(v string) error {
	if !d.set {
		d.values, d.set = nil, true // the first --db replaces the default
	}
	d.values = append(d.values, v)
	return nil
}

// expand resolves the globs of the list to existing files, in command-line
// order, each file once; a pattern that matches nothing (or a plain path
// that does not exist) is an error naming it.
func (d *dbList) expand() ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, v := range d.values {
		matches := []string{v}
		if strings.ContainsAny(v, "*?[") {
			m, err := filepath.Glob(v)
			if err != nil {
				return nil, fmt.Errorf("--db %s: %w", v, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("--db %s matches no file", v)
			}
			slices.Sort(m)
			matches = m
		}
		for _, p := range matches {
			if _, err := os.Stat(p); err != nil {
				return nil, fmt.Errorf("results database %s not found: run a spec first (runexp run SPEC --db %s)", p, p)
			}
			abs, err := filepath.Abs(p)
			if err != nil {
				abs = p
			}
			if !seen[abs] {
				seen[abs] = true
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "report [--db DB]… [flags]", stderr)
	dbs := &dbList{values: []string{defaultDB}}
	fs.Var(dbs, "db", "SQLite results database to read (default "+defaultDB+"); repeat it or give a glob (quote it: --db 'shards/*.db') to read several databases as one")
	out := fs.String("out", "reports/out", "directory the tables, plots and index.html are written to")
	cols := fs.String("columns", metrics.PaperMapping().String(), "report columns as Name=score,… (scores: acc, purity, mi_bits, mi_nats, nmi_arithmetic, nmi_geometric, nmi_max, nmi_min, ami_arithmetic, ami_max)")
	versus := fs.String("versus", "", `method label every other method is tested against (Wilcoxon signed-rank, paired by repetition); default: the spec's report.versus, else GWNTF when present; "none" for no tests`)
	ref := fs.String("reference-method", "", "the same as --versus (older name)")
	noPlots := fs.Bool("no-plots", false, "write tables, provenance and index.html only")
	latex := fs.String("latex", reports.LaTeXFull, "style of DATASET.tex: full (ours ± sd, paper, Δ per metric), ours (ours ± sd only), paper (ours ± sd with the paper's value in parentheses); the other two are written as DATASET_ours.tex and DATASET_paper.tex")
	conv := fs.String("convergence", reports.ConvergenceLog, "convergence figures: log (relative objective (f − f*)/(f₀ − f*) on a log axis) or linear (the same on a linear axis)")
	width := fs.String("figure-width", reports.WidthTwoColumn, "figure size: two (two-column, 6.9 in wide) or one (one column, 3.3 in wide)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return specError{fmt.Errorf("report takes no arguments (got %q); databases are given with --db", fs.Args())}
	}
	mapping, err := metrics.ParseMapping(*cols)
	if err != nil {
		return specError{fmt.Errorf("--columns: %w", err)}
	}
	if *versus != "" && *ref != "" && !strings.EqualFold(*versus, *ref) {
		return specError{fmt.Errorf("--versus %q and --reference-method %q disagree; give one", *versus, *ref)}
	}
	if *versus == "" {
		*versus = *ref
	}
	opt := reports.Options{OutDir: *out, Columns: mapping, ReferenceMethod: *versus, NoPlots: *noPlots,
		LaTeX: *latex, Convergence: *conv, FigureWidth: *width}
	if err := opt.Validate(); err != nil {
		return specError{err}
	}
	paths, err := dbs.expand()
	if err != nil {
		return specError{err}
	}
	dbPath := paths[0]
	if len(paths) > 1 {
		tmp, cleanup, err := mergeForReport(ctx, paths)
		if err != nil {
			return err
		}
		defer cleanup()
		dbPath = tmp
		opt.Databases = paths
	}
	store, err := results.OpenReadOnly(dbPath)
	if err != nil {
		return err
	}
	defer store.Close()
	written, err := reports.Write(ctx, store, opt)
	if err != nil {
		return err
	}
	for _, p := range written {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// mergeForReport merges several databases into a temporary one with
// results.Merge (removed by cleanup). Reading them "as one" must not pick a
// winner silently: a configuration stored with different outcomes in two
// inputs, or a published value or dataset description the inputs disagree
// on, is an error that points to runexp merge, whose rule is documented.
func mergeForReport(ctx context.Context, paths []string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "nmfbench-report-*")
	if err != nil {
		return "", nil, fmt.Errorf("temporary database: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	tmp := filepath.Join(dir, "merged.db")
	st, err := results.Merge(ctx, tmp, paths, results.MergeOptions{})
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("read %d databases as one: %w", len(paths), err)
	}
	var conflicts []string
	if st.OKOverFailed > 0 {
		conflicts = append(conflicts, fmt.Sprintf("%d configuration(s) ok in one database and failed in another", st.OKOverFailed))
	}
	if st.Later > 0 {
		conflicts = append(conflicts, fmt.Sprintf("%d configuration(s) computed in more than one database at different times", st.Later))
	}
	if st.ReferenceConflicts > 0 {
		conflicts = append(conflicts, fmt.Sprintf("%d published value(s) that differ", st.ReferenceConflicts))
	}
	if st.DatasetConflicts > 0 {
		conflicts = append(conflicts, fmt.Sprintf("%d dataset description(s) that differ", st.DatasetConflicts))
	}
	if len(conflicts) > 0 {
		cleanup()
		return "", nil, specError{fmt.Errorf("the databases %s overlap: %s; merge them with `runexp merge -o OUT.db %s` (ok beats failed, then the later run; docs/cluster.md) and report from OUT.db",
			strings.Join(paths, ", "), strings.Join(conflicts, "; "), strings.Join(paths, " "))}
	}
	return tmp, cleanup, nil
}
