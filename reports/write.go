package reports

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"nmfbench/metrics"
	"nmfbench/results"
)

// Options configures Write.
type Options struct {
	OutDir  string          // directory the files are written to (created)
	Columns metrics.Mapping // report columns; empty: metrics.PaperMapping
}

// Write builds the tables from the store and writes, per dataset, Markdown,
// CSV and LaTeX files, plus tables.md with every dataset. It returns the
// paths written.
func Write(ctx context.Context, store *results.Store, opt Options) ([]string, error) {
	if len(opt.Columns) == 0 {
		opt.Columns = metrics.PaperMapping()
	}
	tables, err := BuildTables(ctx, store, opt.Columns)
	if err != nil {
		return nil, err
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("the database %s holds no runs: run a spec first (runexp run SPEC)", store.Path())
	}
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create report directory: %w", err)
	}
	var paths []string
	var all strings.Builder
	for _, t := range tables {
		base := filepath.Join(opt.OutDir, fileName(t.Dataset))
		for _, f := range []struct {
			ext   string
			write func(io.Writer, Table) error
		}{{".md", WriteMarkdown}, {".csv", WriteCSV}, {".tex", WriteLaTeX}} {
			p := base + f.ext
			if err := writeFile(p, func(w io.Writer) error { return f.write(w, t) }); err != nil {
				return paths, err
			}
			paths = append(paths, p)
		}
		WriteMarkdown(&all, t)
		all.WriteString("\n")
	}
	p := filepath.Join(opt.OutDir, "tables.md")
	if err := os.WriteFile(p, []byte(all.String()), 0o644); err != nil {
		return paths, fmt.Errorf("write %s: %w", p, err)
	}
	return append(paths, p), nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// fileName makes a dataset name safe as a file name.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ' ' || r == ':' {
			return '_'
		}
		return r
	}, s)
}

// WriteMarkdown writes t as a Markdown table: mean ± std in %, the published
// value in parentheses, the number of ok runs and the mean fit time.
func WriteMarkdown(w io.Writer, t Table) error {
	fmt.Fprintf(w, "### %s\n\n", t.Dataset)
	fmt.Fprintf(w, "| Method | runs |")
	for _, c := range t.Columns {
		fmt.Fprintf(w, " %s (%%) | paper |", c.Name)
	}
	fmt.Fprintf(w, " fit s |\n|---|---:|")
	for range t.Columns {
		fmt.Fprintf(w, "---:|---:|")
	}
	fmt.Fprintf(w, "---:|\n")
	for _, r := range t.Rows {
		runs := strconv.Itoa(r.OK)
		if r.Failed > 0 {
			runs += fmt.Sprintf(" (+%d failed)", r.Failed)
		}
		fmt.Fprintf(w, "| %s | %s |", r.Label, runs)
		for _, c := range r.Cells {
			fmt.Fprintf(w, " %s ± %s | %s |", pct(c.Mean), pct(c.Std), pct(c.Paper))
		}
		fmt.Fprintf(w, " %.2f |\n", r.FitSec)
	}
	fmt.Fprintf(w, "\nColumns: %s. Mean ± sample std over runs, in %%.", t.Columns.String())
	if t.Source != "" {
		fmt.Fprintf(w, " Paper: %s.", t.Source)
	}
	fmt.Fprintln(w)
	if len(t.Errors) > 0 {
		fmt.Fprintf(w, "\nFailures:\n")
		for _, e := range t.Errors {
			fmt.Fprintf(w, "- %s\n", e)
		}
	}
	return nil
}

// WriteCSV writes t with one line per method: mean, std and paper value of
// each column (fractions in [0,1]), runs ok and failed, mean fit seconds.
func WriteCSV(w io.Writer, t Table) error {
	cw := csv.NewWriter(w)
	head := []string{"dataset", "method", "runs", "failed"}
	for _, c := range t.Columns {
		head = append(head, c.Name+"_mean", c.Name+"_std", c.Name+"_paper")
	}
	head = append(head, "fit_seconds")
	cw.Write(head)
	num := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', 10, 64)
	}
	for _, r := range t.Rows {
		rec := []string{t.Dataset, r.Label, strconv.Itoa(r.OK), strconv.Itoa(r.Failed)}
		for _, c := range r.Cells {
			rec = append(rec, num(c.Mean), num(c.Std), num(c.Paper))
		}
		rec = append(rec, num(r.FitSec))
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// WriteLaTeX writes t as a booktabs tabular, ready for \input.
func WriteLaTeX(w io.Writer, t Table) error {
	fmt.Fprintf(w, "%% %s: mean $\\pm$ std over runs (%%), paper's value in parentheses.\n", t.Dataset)
	fmt.Fprintf(w, "\\begin{tabular}{l%s}\n\\toprule\n", strings.Repeat("c", len(t.Columns)))
	fmt.Fprintf(w, "Method")
	for _, c := range t.Columns {
		fmt.Fprintf(w, " & %s (\\%%)", texEscape(c.Name))
	}
	fmt.Fprintf(w, " \\\\\n\\midrule\n")
	for _, r := range t.Rows {
		fmt.Fprintf(w, "%s", texEscape(r.Label))
		for _, c := range r.Cells {
			fmt.Fprintf(w, " & $%s \\pm %s$ (%s)", pct(c.Mean), pct(c.Std), pct(c.Paper))
		}
		fmt.Fprintf(w, " \\\\\n")
	}
	fmt.Fprintf(w, "\\bottomrule\n\\end{tabular}\n")
	return nil
}

func texEscape(s string) string {
	r := strings.NewReplacer(`\`, `\textbackslash{}`, "_", `\_`, "%", `\%`, "&", `\&`, "#", `\#`, "$", `\$`, "{", `\{`, "}", `\}`)
	return r.Replace(s)
}
