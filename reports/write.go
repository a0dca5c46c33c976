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
}

// Write builds the report from the store and writes it to opt.OutDir: per
// dataset DATASET.md, .csv and .tex (and DATASET_sweep_METHOD_PARAM.* per
// sweep), tables.md with every table, provenance.md, the figures as
// figures/NAME.png and .svg, and index.html showing everything with the
// figures embedded. It returns the paths written. Files of earlier reports
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
	var all bytes.Buffer
	for _, t := range append(append([]Table(nil), rep.Tables...), rep.Sweeps...) {
		base := tableFile(t)
		for _, f := range []struct {
			ext   string
			write func(io.Writer, Table) error
		}{{".md", WriteMarkdown}, {".csv", WriteCSV}, {".tex", WriteLaTeX}} {
			if err := write(base+f.ext, func(w io.Writer) error { return f.write(w, t) }); err != nil {
				return paths, err
			}
		}
		WriteMarkdown(&all, t)
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
			}{{".png", f.PNG}, {".svg", f.SVG}} {
				if out.data == nil {
					continue
				}
				if err := write(filepath.Join("figures", f.Name+out.ext), func(w io.Writer) error { _, err := w.Write(out.data); return err }); err != nil {
					return paths, err
				}
			}
		}
	}
	if err := write("index.html", func(w io.Writer) error { return WriteHTML(w, rep, figs, notes) }); err != nil {
		return paths, err
	}
	return paths, nil
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
