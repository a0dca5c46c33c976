package reports

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestLaTeXCompiles runs pdflatex (when installed; Debian:
// texlive-latex-base texlive-latex-recommended) on every table in every
// style inside a two-column article with booktabs, and checks that the
// compact styles fit the column: the tabular's measured width is at most
// \columnwidth.
func TestLaTeXCompiles(t *testing.T) {
	pdflatex, err := exec.LookPath("pdflatex")
	if err != nil {
		t.Skip("pdflatex not installed (apt-get install -y texlive-latex-base texlive-latex-recommended); LaTeX compile check skipped")
	}
	rep := buildTest(t, Options{})
	dir := t.TempDir()
	var doc strings.Builder
	doc.WriteString("\\documentclass[twocolumn,10pt]{article}\n\\usepackage{booktabs}\n\\newsavebox{\\tb}\n\\begin{document}\n\\typeout{COLWIDTH=\\the\\columnwidth}\n")
	type entry struct{ name, style string }
	var entries []entry
	for _, tb := range append(append([]Table(nil), rep.Tables...), rep.Sweeps...) {
		for _, style := range []string{LaTeXFull, LaTeXOurs, LaTeXPaper} {
			name := fmt.Sprintf("t%d", len(entries))
			var b strings.Builder
			if err := WriteLaTeXStyle(&b, tb, style); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+".tex"), []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			entries = append(entries, entry{tb.Title + " (" + style + ")", style})
			fmt.Fprintf(&doc, "\\sbox{\\tb}{\\input{%s}}\\typeout{TABWIDTH %s=\\the\\wd\\tb}\n\\noindent\\usebox{\\tb}\\par\n", name, name)
		}
	}
	doc.WriteString("\\end{document}\n")
	if err := os.WriteFile(filepath.Join(dir, "doc.tex"), []byte(doc.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pdflatex failed: %v\n%s", err, out)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "doc.log"))
	pt := func(s string) float64 {
		v, err := strconv.ParseFloat(strings.TrimSuffix(s, "pt"), 64)
		if err != nil {
			t.Fatalf("width %q: %v", s, err)
		}
		return v
	}
	col := regexp.MustCompile(`COLWIDTH=([0-9.]+pt)`).FindSubmatch(log)
	if col == nil {
		t.Fatalf("no column width in the log:\n%s", log)
	}
	colW := pt(string(col[1]))
	widths := regexp.MustCompile(`TABWIDTH t([0-9]+)=([0-9.]+pt)`).FindAllSubmatch(log, -1)
	if len(widths) != len(entries) {
		t.Fatalf("%d table widths in the log, want %d", len(widths), len(entries))
	}
	for _, m := range widths {
		i, _ := strconv.Atoi(string(m[1]))
		w := pt(string(m[2]))
		e := entries[i]
		t.Logf("%s: %.1f pt (column %.1f pt)", e.name, w, colW)
		if e.style != LaTeXFull && w > colW {
			t.Errorf("%s is %.1f pt wide, more than the column (%.1f pt)", e.name, w, colW)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "doc.pdf")); err != nil {
		t.Errorf("no PDF written: %v", err)
	}
}
