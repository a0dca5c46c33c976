package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type refCase struct {
	Name  string             `json:"name"`
	Truth []int              `json:"truth"`
	Pred  []int              `json:"pred"`
	Want  map[string]float64 `json:"-"`
}

// loadReference reads a metrics.json file of scikit-learn reference values.
func loadReference(t *testing.T, path string) []refCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Cases []map[string]json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []refCase
	for _, m := range raw.Cases {
		var c refCase
		c.Want = map[string]float64{}
		for k, v := range m {
			var err error
			switch k {
			case "name":
				err = json.Unmarshal(v, &c.Name)
			case "truth":
				err = json.Unmarshal(v, &c.Truth)
			case "pred":
				err = json.Unmarshal(v, &c.Pred)
			default:
				var f float64
				err = json.Unmarshal(v, &f)
				c.Want[k] = f
			}
			if err != nil {
				t.Fatalf("%s: field %s: %v", path, k, err)
			}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return out
}

// referenceFiles returns the repository's copy of the reference values and,
// when found by walking up from the package directory, the shared original.
func referenceFiles() []string {
	files := []string{filepath.Join("testdata", "metrics.json")}
	dir, err := filepath.Abs(".")
	if err != nil {
		return files
	}
	for {
		p := filepath.Join(dir, "shared", "testdata", "metrics.json")
		if _, err := os.Stat(p); err == nil {
			return append(files, p)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return files
		}
		dir = parent
	}
}

// TestScikitLearnReference checks every score of every case against
// scikit-learn 1.2.1 to 1e-9 relative (exact equality where the reference is 0).
func TestScikitLearnReference(t *testing.T) {
	for _, path := range referenceFiles() {
		cases := loadReference(t, path)
		worst := 0.0
		for _, c := range cases {
			s, err := Evaluate(c.Truth, c.Pred)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if len(c.Want) != len(FieldNames()) {
				t.Errorf("%s: reference has %d scores, want %d", c.Name, len(c.Want), len(FieldNames()))
			}
			for field, want := range c.Want {
				got, err := s.Get(field)
				if err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				if want != 0 {
					worst = math.Max(worst, math.Abs(got-want)/math.Abs(want))
				}
				if math.Abs(got-want) > 1e-9*math.Abs(want) {
					t.Errorf("%s (%s): %s = %.17g, scikit-learn %.17g (rel err %.2g)", c.Name, filepath.Base(filepath.Dir(filepath.Dir(path))), field, got, want, math.Abs(got-want)/math.Abs(want))
				}
			}
		}
		t.Logf("%s: %d cases, largest relative error %.2g", path, len(cases), worst)
	}
}

// naive scores from their textbook definitions, for small labellings.
func naiveACC(truth, pred []int) float64 {
	classes, _ := distinct(truth)
	clusters, _ := distinct(pred)
	// Enumerate every injective map of the smaller label set into the larger.
	best := 0
	small, large := clusters, classes
	swap := false
	if len(small) > len(large) {
		small, large, swap = large, small, true
	}
	used := make([]bool, len(large))
	perm := make([]int, len(small))
	var rec func(k int)
	rec = func(k int) {
		if k == len(small) {
			hits := 0
			for s := range truth {
				for a := range small {
					x, y := small[a], large[perm[a]]
					if swap {
						x, y = y, x
					}
					// x is a cluster, y the class it maps to.
					if pred[s] == x && truth[s] == y {
						hits++
					}
				}
			}
			best = max(best, hits)
			return
		}
		for j := range large {
			if !used[j] {
				used[j] = true
				perm[k] = j
				rec(k + 1)
				used[j] = false
			}
		}
	}
	rec(0)
	return float64(best) / float64(len(truth))
}

func naiveMI(truth, pred []int) (mi, hu, hv float64) {
	n := float64(len(truth))
	pu, pv, puv := map[int]float64{}, map[int]float64{}, map[[2]int]float64{}
	for s := range truth {
		pu[truth[s]] += 1 / n
		pv[pred[s]] += 1 / n
		puv[[2]int{truth[s], pred[s]}] += 1 / n
	}
	for k, p := range puv {
		mi += p * math.Log(p/(pu[k[0]]*pv[k[1]]))
	}
	for _, p := range pu {
		hu -= p * math.Log(p)
	}
	for _, p := range pv {
		hv -= p * math.Log(p)
	}
	return mi, hu, hv
}

// permutations calls f with every permutation of p (Heap's algorithm).
func permutations(p []int, f func([]int)) {
	var rec func(k int)
	rec = func(k int) {
		if k == 1 {
			f(p)
			return
		}
		for i := 0; i < k; i++ {
			rec(k - 1)
			if k%2 == 0 {
				p[i], p[k-1] = p[k-1], p[i]
			} else {
				p[0], p[k-1] = p[k-1], p[0]
			}
		}
	}
	rec(len(p))
}

// TestAgainstDefinitions compares every score with a naive implementation of
// its definition on small random labellings; the expected MI is the exact
// average of the MI over all n! permutations of the predicted labels, which is
// what the hypergeometric model means.
func TestAgainstDefinitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for trial := 0; trial < 60; trial++ {
		n := 2 + rng.IntN(6) // ≤ 7, so 7! = 5040 permutations
		kt, kp := 1+rng.IntN(4), 1+rng.IntN(4)
		truth, pred := make([]int, n), make([]int, n)
		for s := range truth {
			truth[s] = 10*rng.IntN(kt) - 7
			pred[s] = 3 + rng.IntN(kp)*rng.IntN(3)
		}
		c, err := NewContingency(truth, pred)
		if err != nil {
			t.Fatal(err)
		}
		s := c.Scores()
		mi, hu, hv := naiveMI(truth, pred)
		var emi float64
		count := 0
		perm := append([]int(nil), pred...)
		permutations(perm, func(p []int) {
			m, _, _ := naiveMI(truth, p)
			emi += m
			count++
		})
		emi /= float64(count)

		check := func(name string, got, want float64) {
			t.Helper()
			if math.Abs(got-want) > 1e-12*(1+math.Abs(want)) {
				t.Errorf("truth %v pred %v: %s = %.15g, definition gives %.15g", truth, pred, name, got, want)
			}
		}
		check("acc", s["acc"], naiveACC(truth, pred))
		// Purity: each predicted cluster credited with its majority class.
		maj := map[int]map[int]int{}
		for i := range truth {
			if maj[pred[i]] == nil {
				maj[pred[i]] = map[int]int{}
			}
			maj[pred[i]][truth[i]]++
		}
		pur := 0
		for _, m := range maj {
			b := 0
			for _, v := range m {
				b = max(b, v)
			}
			pur += b
		}
		check("purity", s["purity"], float64(pur)/float64(n))
		check("mi_nats", s["mi_nats"], math.Max(mi, 0))
		check("mi_bits", s["mi_bits"], math.Max(mi, 0)/math.Log(2))
		check("emi", c.ExpectedMutualInfo(), emi)
		gu, gv := c.Entropies()
		check("h_true", gu, hu)
		check("h_pred", gv, hv)

		single := len(c.Classes) == 1 || len(c.Clusters) == 1
		both := len(c.Classes) == 1 && len(c.Clusters) == 1
		norms := map[string]float64{"arithmetic": (hu + hv) / 2, "geometric": math.Sqrt(hu * hv), "max": math.Max(hu, hv), "min": math.Min(hu, hv)}
		for name, den := range norms {
			want := mi / den
			switch {
			case both:
				want = 1
			case single || math.Abs(mi) < 1e-15:
				want = 0
			}
			got, _ := s.Get("nmi_" + name)
			check("nmi_"+name, got, want)
			if name == "arithmetic" || name == "max" {
				wantAMI := (mi - emi) / (den - emi)
				switch {
				case both:
					wantAMI = 1
				case single:
					wantAMI = 0
				}
				if !both && !single && math.Abs(den-emi) < 1e-9 {
					continue // ill-conditioned, clamped as scikit-learn does
				}
				got, _ := s.Get("ami_" + name)
				check("ami_"+name, got, wantAMI)
			}
		}
	}
}

// TestInvariance checks that scores do not depend on the label values or the
// sample order, and that the symmetric scores are symmetric.
func TestInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	n := 300
	truth, pred := make([]int, n), make([]int, n)
	for i := range truth {
		truth[i] = rng.IntN(6)
		if rng.Float64() < 0.6 {
			pred[i] = truth[i] % 5
		} else {
			pred[i] = rng.IntN(5)
		}
	}
	base, err := Evaluate(truth, pred)
	if err != nil {
		t.Fatal(err)
	}
	// Relabel with an arbitrary injective map and shuffle the samples.
	relT, relP := make([]int, n), make([]int, n)
	order := rng.Perm(n)
	for i, k := range order {
		relT[i] = 1000 - 37*truth[k]
		relP[i] = pred[k]*pred[k] - 3
	}
	other, err := Evaluate(relT, relP)
	if err != nil {
		t.Fatal(err)
	}
	swapped, err := Evaluate(pred, truth)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range FieldNames() {
		a, _ := base.Get(f)
		b, _ := other.Get(f)
		if math.Abs(a-b) > 1e-12 {
			t.Errorf("%s changed under relabelling: %v vs %v", f, a, b)
		}
		if f == "purity" || f == "nmi_min" || f == "nmi_max" || f == "ami_max" {
			continue
		}
		c, _ := swapped.Get(f)
		if math.Abs(a-c) > 1e-12 {
			t.Errorf("%s not symmetric: %v vs %v", f, a, c)
		}
	}
	// The min/max normalizations are symmetric too (they only use both entropies).
	if math.Abs(base["nmi_max"]-swapped["nmi_max"]) > 1e-12 || math.Abs(base["ami_max"]-swapped["ami_max"]) > 1e-12 {
		t.Errorf("max-normalized scores not symmetric")
	}
}

func TestDegenerate(t *testing.T) {
	perfect := Scores{"acc": 1, "purity": 1, "nmi_arithmetic": 1, "nmi_geometric": 1, "nmi_max": 1, "nmi_min": 1, "ami_arithmetic": 1, "ami_max": 1}
	tests := []struct {
		name        string
		truth, pred []int
		want        Scores
		skipMI      bool
	}{
		{"both single", []int{4, 4, 4}, []int{9, 9, 9}, Scores{"acc": 1, "purity": 1, "nmi_arithmetic": 1, "nmi_geometric": 1, "nmi_max": 1, "nmi_min": 1, "ami_arithmetic": 1, "ami_max": 1}, false},
		{"one sample", []int{0}, []int{5}, Scores{"acc": 1, "purity": 1, "nmi_arithmetic": 1, "nmi_geometric": 1, "nmi_max": 1, "nmi_min": 1, "ami_arithmetic": 1, "ami_max": 1}, false},
		{"pred single", []int{1, 2, 1, 2}, []int{0, 0, 0, 0}, Scores{"acc": 0.5, "purity": 0.5}, false},
		{"truth single", []int{1, 1, 1, 1}, []int{0, 1, 2, 3}, Scores{"acc": 0.25, "purity": 1}, false},
		{"perfect", []int{1, 1, 2, 2, 3, 3}, []int{7, 7, -1, -1, 0, 0}, perfect, true},
	}
	for _, tc := range tests {
		got, err := Evaluate(tc.truth, tc.pred)
		if err != nil {
			t.Fatal(err)
		}
		if tc.skipMI {
			got["mi_bits"], got["mi_nats"] = 0, 0
		}
		for _, f := range FieldNames() {
			g, _ := got.Get(f)
			w, _ := tc.want.Get(f)
			if math.Abs(g-w) > 1e-15 {
				t.Errorf("%s: %s = %v, want %v", tc.name, f, g, w)
			}
		}
	}
}

func TestEvaluateErrors(t *testing.T) {
	if _, err := Evaluate([]int{1, 2}, []int{1}); err == nil || !strings.Contains(err.Error(), "2 true labels but 1 predicted") {
		t.Errorf("length mismatch: error %v", err)
	}
	if _, err := Evaluate(nil, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty input: error %v, want ErrEmpty", err)
	}
}

// TestTable checks that the table of metrics is consistent: distinct
// names, a unit and scale for each, every score computed by Evaluate.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	got, err := Evaluate([]int{1, 1, 2, 2}, []int{1, 2, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range All() {
		if seen[m.Name] || m.Name != strings.ToLower(m.Name) {
			t.Errorf("metric name %q repeated or not lower case", m.Name)
		}
		seen[m.Name] = true
		if m.Doc == "" || m.Unit == "" || !(m.Scale > 0) {
			t.Errorf("%s: missing doc, unit or scale", m.Name)
		}
		if (m.Unit == "%") != (m.Scale == 100) {
			t.Errorf("%s: unit %q with scale %v", m.Name, m.Unit, m.Scale)
		}
		if _, ok := got[m.Name]; !ok {
			t.Errorf("%s not computed by Evaluate", m.Name)
		}
		if l, ok := Lookup(strings.ToUpper(m.Name)); !ok || l.Name != m.Name {
			t.Errorf("Lookup(%q) failed", m.Name)
		}
	}
	if len(got) != len(All()) || len(FieldNames()) != len(All()) {
		t.Errorf("Evaluate returns %d scores, the table has %d", len(got), len(All()))
	}
	if _, err := got.Get("accuracy"); err == nil {
		t.Error("unknown score accepted")
	}
}

func TestMapping(t *testing.T) {
	pm := PaperMapping()
	if got := pm.String(); got != "ACC=acc,NMI=nmi_geometric,MI=nmi_max,Purity=purity" {
		t.Errorf("PaperMapping = %s", got)
	}
	parsed, err := ParseMapping(" ACC=acc, NMI=NMI_Geometric ,MI=nmi_max,Purity=purity ")
	if err != nil || !reflect.DeepEqual(parsed, pm) {
		t.Errorf("ParseMapping = %v, %v; want %v", parsed, err, pm)
	}
	bare, err := ParseMapping("ami_max")
	if err != nil || !reflect.DeepEqual(bare, Mapping{{Name: "ami_max", Field: "ami_max"}}) {
		t.Errorf("bare field: %v, %v", bare, err)
	}
	for _, bad := range []string{"", "NMI=nmi", "A=acc,A=purity", "=acc"} {
		if _, err := ParseMapping(bad); err == nil {
			t.Errorf("ParseMapping(%q) succeeded", bad)
		}
	}
	s := Scores{"acc": 0.9, "purity": 0.8, "nmi_geometric": 0.7, "nmi_max": 0.6, "nmi_arithmetic": 0.5}
	vals, err := pm.Values(s)
	if err != nil || !reflect.DeepEqual(vals, []float64{0.9, 0.7, 0.6, 0.8}) {
		t.Errorf("Values = %v, %v", vals, err)
	}
	if !reflect.DeepEqual(pm.Names(), []string{"ACC", "NMI", "MI", "Purity"}) {
		t.Errorf("Names = %v", pm.Names())
	}
	alt, err := pm.With("NMI", "nmi_arithmetic")
	if err != nil || alt[1].Field != "nmi_arithmetic" || pm[1].Field != "nmi_geometric" || len(alt) != 4 {
		t.Errorf("With replace: %v, %v (original now %v)", alt, err, pm)
	}
	alt, err = pm.With("AMI", "ami_arithmetic")
	if err != nil || len(alt) != 5 || alt[4] != (Column{"AMI", "ami_arithmetic"}) {
		t.Errorf("With append: %v, %v", alt, err)
	}
	if _, err := pm.With("X", "bogus"); err == nil {
		t.Errorf("With unknown field succeeded")
	}
}

func TestMappingYAML(t *testing.T) {
	var spec struct {
		Columns Mapping `yaml:"columns"`
	}
	src := "columns: {Acc: acc, NMI: nmi_arithmetic, MI: nmi_max}\n"
	if err := yaml.Unmarshal([]byte(src), &spec); err != nil {
		t.Fatal(err)
	}
	want := Mapping{{"Acc", "acc"}, {"NMI", "nmi_arithmetic"}, {"MI", "nmi_max"}}
	if !reflect.DeepEqual(spec.Columns, want) {
		t.Errorf("mapping form: %v, want %v", spec.Columns, want)
	}
	if err := yaml.Unmarshal([]byte("columns: ACC=acc,NMI=nmi_arithmetic,MI=nmi_max\n"), &spec); err != nil || !reflect.DeepEqual(spec.Columns, Mapping{{"ACC", "acc"}, {"NMI", "nmi_arithmetic"}, {"MI", "nmi_max"}}) {
		t.Errorf("string form: %v, %v", spec.Columns, err)
	}
	out, err := yaml.Marshal(struct {
		Columns Mapping `yaml:"columns"`
	}{want})
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Columns Mapping `yaml:"columns"`
	}
	if err := yaml.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back.Columns, want) {
		t.Errorf("round trip via %q: %v, %v", out, back.Columns, err)
	}
	err = yaml.Unmarshal([]byte("x: 1\ncolumns:\n  ACC: acc\n  NMI: nmi\n"), &spec)
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("bad field: error %v, want one naming line 4", err)
	}
	if err := yaml.Unmarshal([]byte("columns: [acc]\n"), &spec); err == nil {
		t.Errorf("sequence accepted")
	}
}

func BenchmarkEvaluate(b *testing.B) {
	for _, sz := range []struct{ n, k int }{{1440, 20}, {2856, 68}} {
		rng := rand.New(rand.NewPCG(1, uint64(sz.k)))
		truth, pred := make([]int, sz.n), make([]int, sz.n)
		for i := range truth {
			truth[i] = i % sz.k
			pred[i] = truth[i]
			if rng.Float64() < 0.3 {
				pred[i] = rng.IntN(sz.k)
			}
		}
		b.Run(fmt.Sprintf("n=%d_k=%d", sz.n, sz.k), func(b *testing.B) {
			for b.Loop() {
				if _, err := Evaluate(truth, pred); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
