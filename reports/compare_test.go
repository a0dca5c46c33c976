package reports

import (
	"math"
	"sort"
	"strings"
	"testing"

	"nmfbench/metrics"
	"nmfbench/results"
)

// naiveSignedRankP is the exact two-sided p-value of the signed-rank test
// by enumerating all 2ⁿ sign patterns (differences must be nonzero and of
// distinct magnitude).
func naiveSignedRankP(d []float64) (wPlus, p float64) {
	n := len(d)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return math.Abs(d[idx[a]]) < math.Abs(d[idx[b]]) })
	rank := make([]int, n)
	for r, i := range idx {
		rank[i] = r + 1
	}
	obs := 0
	for i, v := range d {
		if v > 0 {
			obs += rank[i]
		}
	}
	lo, hi := 0, 0
	for mask := 0; mask < 1<<n; mask++ {
		w := 0
		for k := 0; k < n; k++ {
			if mask&(1<<k) != 0 {
				w += k + 1
			}
		}
		if w <= obs {
			lo++
		}
		if w >= obs {
			hi++
		}
	}
	return float64(obs), math.Min(1, 2*float64(min(lo, hi))/float64(int(1)<<n))
}

func TestPairByRepetition(t *testing.T) {
	a := Row{Reps: []int{0, 1, 2, 4, 7}, Cells: []Cell{{Values: []float64{10, 11, 12, 14, 17}}}}
	b := Row{Reps: []int{4, 0, 3, 2, 7}, Cells: []Cell{{Values: []float64{24, 20, 23, math.NaN(), 27}}}}
	x, y, reps := Pair(a, b, 0)
	// Rep 1 only in a, rep 3 only in b, rep 2 is NaN in b.
	wantReps := []int{0, 4, 7}
	if len(reps) != len(wantReps) {
		t.Fatalf("paired reps %v, want %v", reps, wantReps)
	}
	for i, r := range wantReps {
		if reps[i] != r || x[i] != float64(10+r) || y[i] != float64(20+r) {
			t.Errorf("pair %d: rep %d (%v, %v); want rep %d (%d, %d)", i, reps[i], x[i], y[i], r, 10+r, 20+r)
		}
	}
}

func TestCompareKnownExample(t *testing.T) {
	// R's ?wilcox.test paired example (V = 40, exact p = 0.03906), with the
	// second sample stored in a shuffled repetition order: only pairing by
	// repetition index reproduces R's numbers.
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	a := Row{Label: "ref", Reps: []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, Cells: []Cell{{Values: x}}}
	order := []int{8, 3, 0, 5, 1, 7, 2, 6, 4}
	b := Row{Label: "other", Cells: []Cell{{}}}
	for _, r := range order {
		b.Reps = append(b.Reps, r)
		b.Cells[0].Values = append(b.Cells[0].Values, y[r])
	}
	c := Compare(a, b, 0)
	if c.Err != "" || c.Pairs != 9 || c.WPlus != 40 || !c.Exact || math.Abs(c.P-10.0/256) > 1e-15 {
		t.Errorf("Compare = %+v; want 9 pairs, V = 40, exact p = 10/256", c)
	}
	// Effect size: the median of y − x over the pairs is the fifth of the
	// nine sorted differences, 1.06 − 1.55 = −0.49.
	if math.Abs(c.MedianDiff-(-0.49)) > 1e-12 || c.MinP != 2.0/512 || c.Underpowered() {
		t.Errorf("median difference %v, min p %v, underpowered %v; want −0.49, 2/512, false", c.MedianDiff, c.MinP, c.Underpowered())
	}
	if got := (Cell{Test: &c}).Marker(); got != "†" {
		t.Errorf("marker %q, want † (0.01 ≤ p < 0.05)", got)
	}
	none := Compare(a, Row{Reps: []int{20}, Cells: []Cell{{Values: []float64{1}}}}, 0)
	if none.Err == "" || !math.IsNaN(none.P) || (Cell{Test: &none}).Marker() != "" {
		t.Errorf("no common repetitions: %+v, want an Err, NaN p and no marker", none)
	}
}

func TestMarkerThresholds(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want string
	}{{0.0001, "‡"}, {0.00999, "‡"}, {0.01, "†"}, {0.0499, "†"}, {0.05, ""}, {0.7, ""}} {
		if got := (Cell{Test: &Comparison{P: tc.p}}).Marker(); got != tc.want {
			t.Errorf("p = %v: marker %q, want %q", tc.p, got, tc.want)
		}
	}
	if (Cell{}).Marker() != "" {
		t.Errorf("a cell without a test has a marker")
	}
}

func TestReportTestsAgainstReference(t *testing.T) {
	rep := buildTest(t, Options{})
	coil := tableOf(t, rep, "COIL20")
	if coil.Reference != "GWNTF" {
		t.Fatalf("default reference %q, want GWNTF", coil.Reference)
	}
	if toy := tableOf(t, rep, "toy"); toy.Reference != "" || hasTests(toy) {
		t.Errorf("toy has no GWNTF row, so no tests; got reference %q", toy.Reference)
	}
	ref := rowOf(t, coil, "GWNTF")
	for _, c := range ref.Cells {
		if c.Test != nil {
			t.Errorf("the reference row carries a test: %+v", c.Test)
		}
	}
	cols := coil.Columns
	checked := 0
	for _, label := range []string{"Kmeans", "NMF", "NMF (KL)"} {
		row := rowOf(t, coil, label)
		for j, c := range cols {
			cell := row.Cells[j]
			// Naive pairing from the generating formulas.
			var d []float64
			for rp := 0; rp < testReps; rp++ {
				if label == "NMF" && rp == 3 {
					continue
				}
				v, ok := testScore(label, rp)[c.Field]
				if !ok {
					continue
				}
				d = append(d, testScore("GWNTF", rp)[c.Field]-v)
			}
			if len(d) == 0 {
				if cell.Test == nil || cell.Test.Err == "" || cell.Marker() != "" {
					t.Errorf("%s %s without scores: test %+v, want an error and no marker", label, c.Name, cell.Test)
				}
				continue
			}
			if !distinctNonzero(d) {
				continue // the naive reference handles untied samples only
			}
			checked++
			w, p := naiveSignedRankP(d)
			if cell.Test == nil || cell.Test.Pairs != len(d) || cell.Test.WPlus != w || math.Abs(cell.Test.P-p) > 1e-12 {
				t.Errorf("%s %s: test %+v; want %d pairs, W+ = %v, p = %v", label, c.Name, cell.Test, len(d), w, p)
			}
		}
	}
	if checked != 11 {
		t.Errorf("compared %d cells with the naive test, want 11 (3 rows × 4 columns, NMF has no purity)", checked)
	}
	// The designed outcomes: Kmeans ACC (8 pairs, all below) p = 2/2⁸ → ‡;
	// NMF ACC (7 pairs, rep 3 failed) p = 2/2⁷ → †; NMF NMI alternates → no mark.
	for _, tc := range []struct {
		label  string
		col    int
		p      float64
		marker string
	}{{"Kmeans", 0, 2.0 / 256, "‡"}, {"NMF", 0, 2.0 / 128, "†"}, {"NMF", 1, 1, ""}} {
		c := rowOf(t, coil, tc.label).Cells[tc.col]
		if c.Test == nil || math.Abs(c.Test.P-tc.p) > 1e-15 || c.Marker() != tc.marker {
			t.Errorf("%s column %d: test %+v marker %q; want p = %v, marker %q", tc.label, tc.col, c.Test, c.Marker(), tc.p, tc.marker)
		}
	}
}

func distinctNonzero(d []float64) bool {
	seen := map[float64]bool{}
	for _, v := range d {
		a := math.Round(math.Abs(v)*1e9) / 1e9
		if a == 0 || seen[a] {
			return false
		}
		seen[a] = true
	}
	return true
}

func TestReferenceOption(t *testing.T) {
	s := newTestStore(t)
	for _, tc := range []struct {
		ref, want, err string
	}{
		{"", "GWNTF", ""},
		{"nmf", "NMF", ""}, // labels match ignoring case
		{NoReference, "", ""},
		{"Nope", "", `reference method "Nope" is not a method label`},
	} {
		rep, err := Build(t.Context(), s, Options{ReferenceMethod: tc.ref})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), "GWNTF") {
				t.Errorf("reference %q: err = %v, want %q listing the labels", tc.ref, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("reference %q: %v", tc.ref, err)
		}
		coil := tableOf(t, rep, "COIL20")
		if coil.Reference != tc.want || hasTests(coil) != (tc.want != "") {
			t.Errorf("reference %q: table reference %q (tests %v), want %q", tc.ref, coil.Reference, hasTests(coil), tc.want)
		}
	}
}

func TestMinPossibleP(t *testing.T) {
	for n, want := range map[int]float64{0: 1, 1: 1, 4: 0.125, 5: 0.0625, 6: 0.03125} {
		if got := MinPossibleP(n); got != want {
			t.Errorf("MinPossibleP(%d) = %v, want %v", n, got, want)
		}
	}
	// The exact test does reach it: all differences on one side.
	c := Compare(Row{Label: "ref", Reps: []int{0, 1, 2, 3}, Cells: []Cell{{Values: []float64{1, 2, 3, 4}}}},
		Row{Reps: []int{0, 1, 2, 3}, Cells: []Cell{{Values: []float64{0, 0.5, 1.3, 3.8}}}}, 0)
	if c.P != 0.125 || !c.Underpowered() {
		t.Errorf("4 one-sided pairs: p %v underpowered %v; want 0.125, true", c.P, c.Underpowered())
	}
}

func TestMeanCI(t *testing.T) {
	// t(0.975, 4) = 2.7764451051977987 (R: qt(0.975, 4)).
	lo, hi := meanCI(10, 2, 5)
	h := 2.7764451051977987 * 2 / math.Sqrt(5)
	if math.Abs(lo-(10-h)) > 1e-9 || math.Abs(hi-(10+h)) > 1e-9 {
		t.Errorf("meanCI(10, 2, 5) = [%v, %v], want 10 ± %v", lo, hi, h)
	}
	if lo, hi := meanCI(1, math.NaN(), 1); !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("one value: [%v, %v], want NaN", lo, hi)
	}
}

func TestTestNotes(t *testing.T) {
	rep := &Report{Tables: []Table{{Dataset: "d", Columns: metrics.Mapping{{Name: "ACC", Field: "acc"}},
		Rows: []Row{
			{Label: "A", OK: 4, Reps: []int{0, 1, 2, 3}, Cells: []Cell{{Values: []float64{1, 2, 3, 4}}}},
			{Label: "B", OK: 4, Reps: []int{0, 1, 2, 3}, Cells: []Cell{{Values: []float64{0, 1, 2, 3}}}},
		}}}}
	if err := rep.compare("", "--versus"); err != nil {
		t.Fatal(err)
	}
	if n := rep.Tables[0].TestNote; !strings.Contains(n, "default reference method GWNTF is not in this table") || !strings.Contains(n, "--versus") {
		t.Errorf("no GWNTF: note %q", n)
	}
	if err := rep.compare("A", "--versus"); err != nil {
		t.Fatal(err)
	}
	if n := rep.Tables[0].TestNote; !strings.Contains(n, "Underpowered: with at most 4 pairs") || !strings.Contains(n, "0.125") {
		t.Errorf("4 pairs: note %q", n)
	}
	rep.Tables[0].TestNote = ""
	if err := rep.compare("none", "--versus"); err != nil {
		t.Fatal(err)
	}
	if n := rep.Tables[0].TestNote; !strings.Contains(n, "off") {
		t.Errorf("none: note %q", n)
	}
}

func TestSpecVersus(t *testing.T) {
	one := results.SpecRecord{Path: "a.yaml", Body: "name: a\nreport:\n  versus: NMF\n"}
	plain := results.SpecRecord{Path: "b.yaml", Body: "name: b\n"}
	other := results.SpecRecord{Path: "c.yaml", Body: "name: c\nreport: {versus: GNMF}\n"}
	if v, err := specVersus([]results.SpecRecord{plain, one}); v != "NMF" || err != nil {
		t.Errorf("specVersus = %q, %v; want NMF", v, err)
	}
	if v, err := specVersus([]results.SpecRecord{plain}); v != "" || err != nil {
		t.Errorf("no report key: %q, %v", v, err)
	}
	if _, err := specVersus([]results.SpecRecord{one, other}); err == nil || !strings.Contains(err.Error(), "--versus") {
		t.Errorf("two references: err %v", err)
	}
}
