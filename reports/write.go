package reports

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"nmfbench/metrics"
	"nmfbench/results"
)

// Options configures Build and Write.
type Options struct {
	OutDir  string          // directory the files are written to (created)
	Columns metrics.Mapping // report columns; empty: metrics.PaperMapping
	// ReferenceMethod is the method label every other row is tested
	// against; "" means DefaultReference when present, NoReference disables
	// the tests.
	ReferenceMethod string
	// NoPlots skips the figures (tables, provenance and HTML only).
	NoPlots bool
	// Workers bounds the goroutines rendering figures (≤ 0: GOMAXPROCS).
	Workers int
	// Now is the clock stamped on the report (nil: time.Now).
	Now func() time.Time
	// LaTeX is the style of DATASET.tex (LaTeXFull when ""); the other
	// styles are written beside it as DATASET_STYLE.tex.
	LaTeX string
	// Convergence is the y axis of the convergence figures: ConvergenceLog
	// (default) or ConvergenceLinear, both of the relative objective.
	Convergence string
	// FigureWidth is WidthTwoColumn (6.9 in, default) or WidthOneColumn
	// (3.3 in).
	FigureWidth string
	// Databases, when set, names the databases the store was merged from,
	// shown as the provenance instead of the store's (temporary) path.
	Databases []string
}

// LaTeX table styles (Options.LaTeX, runexp report --latex).
const (
	LaTeXFull  = "full"  // per metric: ours (mean ± sd), paper, Δ
	LaTeXOurs  = "ours"  // per metric: ours (mean ± sd) only; one column wide
	LaTeXPaper = "paper" // per metric: mean ± sd with the paper's value in parentheses
)

// Convergence axes (Options.Convergence, runexp report --convergence).
const (
	ConvergenceLog    = "log"
	ConvergenceLinear = "linear"
)

// Figure widths (Options.FigureWidth, runexp report --figure-width).
const (
	WidthTwoColumn = "two" // 6.9 in: a figure across both columns (or one wide column)
	WidthOneColumn = "one" // 3.3 in: one column of a two-column paper
)

// Validate checks the option values a user types.
func (o Options) Validate() error {
	check := func(flag, v string, allowed ...string) error {
		if v == "" || slices.Contains(allowed, v) {
			return nil
		}
		return fmt.Errorf("--%s %q: want one of %s", flag, v, strings.Join(allowed, ", "))
	}
	if err := check("latex", o.LaTeX, LaTeXFull, LaTeXOurs, LaTeXPaper); err != nil {
		return err
	}
	if err := check("convergence", o.Convergence, ConvergenceLog, ConvergenceLinear); err != nil {
		return err
	}
	return check("figure-width", o.FigureWidth, WidthTwoColumn, WidthOneColumn)
}

// Write builds the report from the store and writes it to opt.OutDir: per
// dataset DATASET.md, .csv and .tex (in opt.LaTeX's style, the other two
// styles as DATASET_STYLE.tex; DATASET_sweep_METHOD_PARAM.* per sweep),
// runs.csv with every run, ranking.md, .csv and ranking.html when there
// are two datasets or more, tables.md with every table, provenance.md, the
// figures as figures/NAME.png (300 dpi), .svg and .pdf, and index.html
// showing everything with the figures embedded and every file linked. It returns the paths written. Files of earlier reports
// that this one does not rewrite are left in place.
func Write(ctx context.Context, store *results.Store, opt Options) ([]string, error) {
	rep, err := Build(ctx, store, opt)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opt.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create report directory: %w", err)
	}
	var paths []string
	write := func(name string, f func(io.Writer) error) error {
		p := filepath.Join(opt.OutDir, name)
		var b bytes.Buffer
		if err := f(&b); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
		if err := writeAtomic(p, b.Bytes()); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		paths = append(paths, p)
		return nil
	}
	style := opt.LaTeX
	if style == "" {
		style = LaTeXFull
	}
	var all bytes.Buffer
	for _, t := range append(append([]Table(nil), rep.Tables...), rep.Sweeps...) {
		base := tableFile(t)
		for _, f := range []struct {
			ext   string
			write func(io.Writer, Table) error
		}{{".md", WriteMarkdown}, {".csv", WriteCSV}, {".tex", func(w io.Writer, t Table) error { return WriteLaTeXStyle(w, t, style) }}} {
			if err := write(base+f.ext, func(w io.Writer) error { return f.write(w, t) }); err != nil {
				return paths, err
			}
		}
		if t.Sweep == nil {
			for _, other := range []string{LaTeXFull, LaTeXOurs, LaTeXPaper} {
				if other == style {
					continue
				}
				if err := write(base+"_"+other+".tex", func(w io.Writer) error { return WriteLaTeXStyle(w, t, other) }); err != nil {
					return paths, err
				}
			}
		}
		WriteMarkdown(&all, t)
		all.WriteString("\n")
	}
	if err := write("runs.csv", func(w io.Writer) error { return WriteRunsCSV(w, rep) }); err != nil {
		return paths, err
	}
	if rep.Ranking != nil {
		if err := write("ranking.md", func(w io.Writer) error { return WriteRankingMarkdown(w, rep.Ranking) }); err != nil {
			return paths, err
		}
		if err := write("ranking.csv", func(w io.Writer) error { return WriteRankingCSV(w, rep.Ranking) }); err != nil {
			return paths, err
		}
		WriteRankingMarkdown(&all, rep.Ranking)
		all.WriteString("\n")
	}
	WriteProvenance(&all, rep.Provenance)
	if err := write("tables.md", func(w io.Writer) error { _, err := w.Write(all.Bytes()); return err }); err != nil {
		return paths, err
	}
	if err := write("provenance.md", func(w io.Writer) error { return WriteProvenance(w, rep.Provenance) }); err != nil {
		return paths, err
	}
	var figs []Figure
	var notes []string
	if !opt.NoPlots {
		figs, notes, err = rep.Figures(ctx, store, opt.Workers)
		if err != nil {
			return paths, err
		}
		if err := os.MkdirAll(filepath.Join(opt.OutDir, "figures"), 0o755); err != nil {
			return paths, fmt.Errorf("create figure directory: %w", err)
		}
		for _, f := range figs {
			for _, out := range []struct {
				ext  string
				data []byte
			}{{".png", f.PNG}, {".svg", f.SVG}, {".pdf", f.PDF}} {
				if out.data == nil {
					continue
				}
				if err := write(filepath.Join("figures", f.Name+out.ext), func(w io.Writer) error { _, err := w.Write(out.data); return err }); err != nil {
					return paths, err
				}
			}
		}
	}
	files := filesOf(paths, opt.OutDir)
	if rep.Ranking != nil {
		if err := write("ranking.html", func(w io.Writer) error { return WriteRankingHTML(w, rep, figs) }); err != nil {
			return paths, err
		}
		files = append(files, "ranking.html")
	}
	if ok, err := writeFidelity(ctx, store, rep, write); err != nil { // fidelity.go
		return paths, err
	} else if ok {
		files = append(files, "fidelity.html", "fidelity.md")
	}
	files = append(files, "index.html")
	if err := write("index.html", func(w io.Writer) error { return WriteHTML(w, rep, figs, notes, files) }); err != nil {
		return paths, err
	}
	return paths, nil
}

// filesOf returns the paths relative to dir, with forward slashes.
func filesOf(paths []string, dir string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if r, err := filepath.Rel(dir, p); err == nil {
			out = append(out, filepath.ToSlash(r))
		}
	}
	return out
}

// tableFile is the base file name of a table.
func tableFile(t Table) string {
	if t.Sweep != nil {
		return fileName(t.Dataset) + "_sweep_" + fileName(t.Sweep.Base) + "_" + fileName(t.Sweep.Param)
	}
	return fileName(t.Dataset)
}

// writeAtomic writes data to a temporary file beside path and renames it
// into place, so that a full disk or a crash never leaves a truncated file
// under the report's name.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return fmt.Errorf("%s: %w", path, werr)
	}
	return nil
}

// maxFileStem bounds the characters of a name in a file name.
const maxFileStem = 48

// fileName makes a name safe and short as a file name: letters, digits,
// '-', '.' and '_' are kept, anything else becomes '_'; a name that had to
// be cut to maxFileStem characters gets a short hash of the full name, so
// that two long labels never share a file.
func fileName(s string) string {
	full := s
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		}
		return '_'
	}, s)
	s = strings.Trim(s, "_.")
	if len(s) > maxFileStem {
		h := sha256.Sum256([]byte(full))
		s = strings.TrimRight(s[:maxFileStem], "_.") + "_" + hex.EncodeToString(h[:4])
	}
	if s == "" {
		return "unnamed"
	}
	return s
}
