package reports

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestMarkdown(t *testing.T) {
	rep := buildTest(t, Options{})
	coil := tableOf(t, rep, "COIL20")
	var b bytes.Buffer
	if err := WriteMarkdown(&b, coil); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	// Expected cells recomputed from the generating formulas.
	var gw, km []float64
	for r := 0; r < testReps; r++ {
		gw = append(gw, testScore("GWNTF", r)["acc"])
		km = append(km, testScore("Kmeans", r)["acc"])
	}
	gm, gs := naiveMeanStd(gw)
	kmm, kms := naiveMeanStd(km)
	for _, want := range []string{
		"### COIL20\n",
		"| Method | runs | ACC (%) | paper | Δ | NMI (%) | paper | Δ | MI (%) | paper | Δ | Purity (%) | paper | Δ | s/run |",
		// bold best, published value and difference
		fmt.Sprintf("| GWNTF | 8 | **%.2f ± %.2f** | 78.23 | %+.2f |", 100*gm, 100*gs, 100*(gm-0.7823)),
		// significance marker after the cell; a negative difference
		fmt.Sprintf("| Kmeans | 8 | %.2f ± %.2f ‡ | 54.03 | %+.2f |", 100*kmm, 100*kms, 100*(kmm-0.5403)),
		"| NMF | 7 (1 failed) |",
		// missing scores and missing published values show a dash
		"| – ± – | – | – |",
		"| SDNMF | 0 (2 failed) | – ± – | – | – |",
		"#### Paired tests against GWNTF",
		"| Kmeans | 8 | 0.008 ‡ |",
		"| NMF | 7 | 0.016 † | ",
		"† p < 0.05, ‡ p < 0.01: two-sided Wilcoxon signed-rank test against GWNTF",
		"Paper: GWNTF paper, Table 1.",
		"- NMF: diverged\n- SDNMF: not built\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "NaN") {
		t.Errorf("Markdown shows NaN:\n%s", md)
	}
	if _, tests, _ := strings.Cut(md, "#### Paired tests"); strings.Contains(tests, "| GWNTF |") {
		t.Errorf("the reference row appears in the tests table:\n%s", tests)
	}
	// Every table line has the same number of cells as the heading.
	lines := strings.Split(md, "\n")
	head := strings.Count(lines[2], "|")
	for _, l := range lines[3:] {
		if l == "" {
			break
		}
		if strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") != head {
			t.Errorf("line %q has %d cells, heading %d", l, strings.Count(l, "|"), head)
		}
	}
	// Without published values the paper and Δ columns are left out.
	b.Reset()
	if err := WriteMarkdown(&b, tableOf(t, rep, "toy")); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "paper") || strings.Contains(b.String(), "Δ") {
		t.Errorf("toy has no published values but shows the columns:\n%s", b.String())
	}
}

func TestCSVRoundTrip(t *testing.T) {
	rep := buildTest(t, Options{})
	for _, tb := range append(append([]Table(nil), rep.Tables...), rep.Sweeps...) {
		var b bytes.Buffer
		if err := WriteCSV(&b, tb); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatalf("%s: CSV does not parse: %v", tb.Title, err)
		}
		head := recs[0]
		wantLen := 8 + 10*len(tb.Columns)
		if tb.Sweep != nil {
			wantLen += 2
		}
		if len(head) != wantLen || len(recs) != len(tb.Rows)+1 {
			t.Fatalf("%s: %d columns × %d records, want %d × %d", tb.Title, len(head), len(recs), wantLen, len(tb.Rows)+1)
		}
		col := map[string]int{}
		for i, h := range head {
			col[h] = i
		}
		for i, r := range tb.Rows {
			rec := recs[i+1]
			if rec[col["method"]] != r.Label || rec[col["dataset"]] != tb.Dataset || rec[col["runs"]] != strconv.Itoa(r.OK) || rec[col["failed"]] != strconv.Itoa(r.Failed) {
				t.Errorf("%s row %d: %v", tb.Title, i, rec[:6])
			}
			for j, c := range tb.Columns {
				cell := r.Cells[j]
				check := func(field string, want float64) {
					s := rec[col[c.Name+"_"+field]]
					if math.IsNaN(want) {
						if s != "" {
							t.Errorf("%s %s %s_%s = %q, want empty", tb.Title, r.Label, c.Name, field, s)
						}
						return
					}
					got, err := strconv.ParseFloat(s, 64)
					if err != nil || got != want {
						t.Errorf("%s %s %s_%s = %q, want %v exactly", tb.Title, r.Label, c.Name, field, s, want)
					}
				}
				check("mean", cell.Mean)
				check("std", cell.Std)
				check("paper", cell.Paper)
				check("diff", cell.Diff())
				p := math.NaN()
				if cell.Test != nil && cell.Test.Err == "" {
					p = cell.Test.P
				}
				check("p", p)
				check("ci_low", cell.CILow)
				check("ci_high", cell.CIHigh)
				md := math.NaN()
				if cell.Test != nil && cell.Test.Err == "" {
					md = cell.Test.MedianDiff
				}
				check("median_diff", md)
				if got, want := rec[col[c.Name+"_best"]] == "1", cell.Best; got != want {
					t.Errorf("%s %s %s_best: %v, want %v", tb.Title, r.Label, c.Name, got, want)
				}
			}
			if rec[col["params"]] != r.Params || rec[col["method_name"]] != r.Method {
				t.Errorf("%s row %d: method_name %q params %q, want %q %q", tb.Title, i, rec[col["method_name"]], rec[col["params"]], r.Method, r.Params)
			}
			if tb.Sweep != nil && (rec[col["param"]] != "lambda" || rec[col["value"]] != r.Sweep.Value) {
				t.Errorf("sweep row %d: param %q value %q", i, rec[col["param"]], rec[col["value"]])
			}
		}
		if strings.Contains(b.String(), "NaN") {
			t.Errorf("%s: CSV holds NaN", tb.Title)
		}
	}
}

func TestLaTeX(t *testing.T) {
	rep := buildTest(t, Options{})
	for _, tb := range append(append([]Table(nil), rep.Tables...), rep.Sweeps...) {
		var b bytes.Buffer
		if err := WriteLaTeX(&b, tb); err != nil {
			t.Fatal(err)
		}
		tex := b.String()
		for i, r := range tex {
			if r > 126 || (r < 32 && r != '\n') {
				t.Fatalf("%s: non-ASCII %q at byte %d:\n%s", tb.Title, r, i, tex)
			}
		}
		if strings.Contains(tex, "NaN") {
			t.Errorf("%s: LaTeX shows NaN", tb.Title)
		}
		for _, rule := range []string{`\toprule`, `\midrule`, `\bottomrule`, `\begin{tabular}`, `\end{tabular}`} {
			if n := strings.Count(tex, rule); n != 1 {
				t.Errorf("%s: %s appears %d times", tb.Title, rule, n)
			}
		}
		// Braces balance (escaped braces aside) and never go negative; math
		// mode toggles evenly on every line.
		depth := 0
		body := strings.NewReplacer(`\{`, "", `\}`, "", `\$`, "").Replace(tex)
		for _, line := range strings.Split(body, "\n") {
			if strings.HasPrefix(line, "%") {
				continue
			}
			if strings.Count(line, "$")%2 != 0 {
				t.Errorf("%s: unbalanced $ in %q", tb.Title, line)
			}
			for _, r := range line {
				switch r {
				case '{':
					depth++
				case '}':
					depth--
					if depth < 0 {
						t.Fatalf("%s: '}' without '{' in %q", tb.Title, line)
					}
				}
			}
		}
		if depth != 0 {
			t.Errorf("%s: %d unclosed braces", tb.Title, depth)
		}
		// Every row has as many cells as the column specification.
		spec := tex[strings.Index(tex, `\begin{tabular}{`)+len(`\begin{tabular}{`):]
		spec = spec[:strings.Index(spec, "}")]
		inBody := false
		rows := 0
		for _, line := range strings.Split(tex, "\n") {
			switch {
			case line == `\midrule`:
				inBody = true
				continue
			case line == `\bottomrule`:
				inBody = false
			}
			if inBody {
				rows++
				if n := strings.Count(strings.ReplaceAll(line, `\&`, ""), "&") + 1; n != len(spec) || !strings.HasSuffix(line, `\\`) {
					t.Errorf("%s: row %q has %d cells, the tabular %d", tb.Title, line, n, len(spec))
				}
			}
		}
		if rows != len(tb.Rows) {
			t.Errorf("%s: %d body rows, want %d", tb.Title, rows, len(tb.Rows))
		}
		if tb.Dataset == "COIL20" && tb.Sweep == nil {
			for _, want := range []string{`$^{\ddagger}$`, `$^{\dagger}$`, `\mathbf{`, ` & -- & --`, `\cmidrule(lr){3-5}`, `NMF (KL) & 8`, `SDNMF & 0 (2 failed) & --`} {
				if !strings.Contains(tex, want) {
					t.Errorf("COIL20 LaTeX lacks %q:\n%s", want, tex)
				}
			}
		}
	}
}

func TestTexText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"NMF_KL & co", `NMF\_KL \& co`},
		{"GNMF[λ=10]", `GNMF[$\lambda$=10]`},
		{"50% {x}", `50\% \{x\}`},
		{"Tables 1–2", "Tables 1--2"},
		{"新", "?"},
	} {
		if got := texText(tc.in); got != tc.want {
			t.Errorf("texText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNumberFormats(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{num(0.5792, "acc", dash), "57.92"},
		{signed(0, "acc", dash), "0.00"},
		{num(math.NaN(), "acc", dash), "–"},
		{num(math.Inf(1), "acc", texDash), "--"},
		{num(1.2345, "mi_bits", dash), "1.23"},
		{signed(-0.00001, "acc", dash), "0.00"},
		{signed(0.0123, "acc", dash), "+1.23"},
		{signed(-0.0123, "acc", dash), "-1.23"},
		{pValue(0.0390625), "0.039"},
		{pValue(0.0001234), "1.2e-04"},
		{pValue(math.NaN()), "–"},
		{secs(math.NaN(), dash), "–"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestEscapingAndFileNames(t *testing.T) {
	for in, want := range map[string]string{
		"a|b":                 `a\|b`,
		"<script>x</script>":  "&lt;script&gt;x&lt;/script&gt;",
		"two\nlines\r\tend":   "two lines  end",
		"nul\x00byte":         "nulbyte",
		"GNMF (λ=1e4) & more": "GNMF (λ=1e4) &amp; more",
	} {
		if got := mdEscape(in); got != want {
			t.Errorf("mdEscape(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		`=HYPERLINK("http://x")`: `'=HYPERLINK("http://x")`,
		"+1+2":                   "'+1+2",
		"@SUM(A1)":               "'@SUM(A1)",
		"-cmd":                   "'-cmd",
		"-1":                     "-1",
		"1e-3":                   "1e-3",
		"NMF (KL)":               "NMF (KL)",
	} {
		if got := csvText(in); got != want {
			t.Errorf("csvText(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("very long label ", 40)
	a, b := fileName(long+"A"), fileName(long+"B")
	if len(a) > maxFileStem+9 || a == b {
		t.Errorf("long labels give file names %q and %q", a, b)
	}
	if got := fileName("COIL20"); got != "COIL20" {
		t.Errorf("fileName(COIL20) = %q", got)
	}
	if got := drawText(long, 10); len([]rune(got)) != 10 || !strings.HasSuffix(got, "…") {
		t.Errorf("drawText cut to %q", got)
	}
}

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.md")
	if err := writeAtomic(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := writeAtomic(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	entries, _ := os.ReadDir(dir)
	if string(b) != "two" || len(entries) != 1 {
		t.Fatalf("content %q, %d files", b, len(entries))
	}
	if err := writeAtomic(filepath.Join(dir, "missing", "x.md"), []byte("x")); err == nil {
		t.Error("write into a missing directory succeeded")
	}
}
