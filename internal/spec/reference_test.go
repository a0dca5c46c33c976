package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

func writeRef(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ref.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReferenceCauses(t *testing.T) {
	vals, err := LoadReference(writeRef(t, `source: s
units: percent
tables:
  D:
    A: {ACC: 50, NMI: 60}
    B: {ACC: 70}
causes:
  D:
    A: {"*": "row note", NMI: "  cell note  "}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range vals {
		got[v.Method+"/"+v.Metric] = v.Cause
	}
	want := map[string]string{"A/ACC": "row note", "A/NMI": "cell note", "B/ACC": ""}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: cause %q, want %q", k, got[k], w)
		}
	}
	for _, c := range []struct{ causes, want string }{
		{"  D:\n    C: {ACC: x}\n", "causes: D/C names no row"},
		{"  E:\n    A: {ACC: x}\n", "causes: E/A names no row"},
		{"  D:\n    A: {MI: x}\n", "causes: D/A/MI names no cell"},
		{"  D:\n    A: {ACC: \" \"}\n", "causes: D/A/ACC is empty"},
		{"  D:\n    A: {ACC: [x]}\n", "line"},
	} {
		_, err := LoadReference(writeRef(t, "units: percent\ntables:\n  D:\n    A: {ACC: 50}\ncauses:\n"+c.causes))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("causes %q: error %v, want %q", c.causes, err, c.want)
		}
	}
}

// The paper's reference file loads, and every cell of it has a value.
func TestPaperTablesLoad(t *testing.T) {
	vals, err := LoadReference("../../experiments/paper_tables.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != 56 {
		t.Fatalf("%d reference values, want 56 (2 datasets × 7 methods × 4 columns)", len(vals))
	}
	withCause := 0
	for _, v := range vals {
		if v.Cause != "" {
			withCause++
			if !strings.Contains(v.Cause, "docs/fidelity.md#") {
				t.Errorf("%s/%s/%s: cause %q does not point at docs/fidelity.md", v.Dataset, v.Method, v.Metric, v.Cause)
			}
		}
	}
	if withCause == 0 {
		t.Error("no cause notes in experiments/paper_tables.yaml")
	}
	// Every docs/fidelity.md#anchor a note names is a heading of that page
	// (GitHub's anchors: lower case, spaces to '-', punctuation but '-' and
	// '_' dropped).
	doc, err := os.ReadFile("../../docs/fidelity.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			anchors[githubAnchor(h)] = true
		}
	}
	for _, v := range vals {
		_, a, ok := strings.Cut(v.Cause, "docs/fidelity.md#")
		if !ok {
			continue
		}
		a = strings.TrimRight(strings.Fields(a)[0], ").,;")
		if !anchors[a] {
			t.Errorf("%s/%s/%s: docs/fidelity.md has no heading for #%s", v.Dataset, v.Method, v.Metric, a)
		}
	}
}

func githubAnchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(h)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
