package spec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nmfbench/methods"
	_ "nmfbench/methods/all" // the experiments' specs name the built-in methods
)

type testParams struct {
	Rank  int     `yaml:"rank" doc:"rank"`
	Alpha float64 `yaml:"alpha" doc:"weight"`
}

func testRegistry() *methods.Registry {
	r := &methods.Registry{}
	methods.RegisterIn(r, methods.Definition[testParams]{Name: "M", Summary: "test method", Version: 1, Defaults: testParams{Alpha: 1},
		Fit: func(ctx context.Context, p *methods.Problem, prm testParams) (*methods.Result, error) {
			return nil, nil
		}})
	return r
}

func ident(name string) (string, error) { return "sha-" + name, nil }

const good = `name: t
seed: 7
seeds: 3
datasets:
  - name: A
  - name: B
    preprocess: [l2rows]
preprocess: [scale01]
methods:
  - method: M
  - label: M2
    method: M
    params: {alpha: 2}
  - method: Later
    planned: "not built yet"
`

func TestExpand(t *testing.T) {
	s, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Expand(testRegistry(), ident, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(plan.Runs), 2*2*3; got != want {
		t.Fatalf("%d runs, want %d", got, want)
	}
	if len(plan.Notices) != 1 || !strings.Contains(plan.Notices[0], "not built yet") {
		t.Errorf("notices = %q", plan.Notices)
	}
	hashes := map[string]bool{}
	for _, r := range plan.Runs {
		if hashes[r.ConfigHash] {
			t.Fatalf("duplicate config hash for %+v", r)
		}
		hashes[r.ConfigHash] = true
		if r.Seed != DeriveSeed(7, r.Dataset, r.Rep) {
			t.Errorf("seed of %s/%s/%d not derived", r.Dataset, r.Label, r.Rep)
		}
		wantPre := "scale01"
		if r.Dataset == "B" {
			wantPre = "l2rows"
		}
		if strings.Join(r.Preprocess, ",") != wantPre {
			t.Errorf("%s preprocess %v, want %s", r.Dataset, r.Preprocess, wantPre)
		}
		if r.Label == "M2" && r.Method.Params["alpha"] != 2.0 {
			t.Errorf("M2 params %v", r.Method.Params)
		}
	}
	// Same spec ⇒ same hashes; a changed parameter ⇒ different hashes.
	plan2, _ := s.Expand(testRegistry(), ident, Filter{})
	for i := range plan.Runs {
		if plan.Runs[i].ConfigHash != plan2.Runs[i].ConfigHash {
			t.Fatal("configuration hash not deterministic")
		}
	}
	s3, _ := Parse([]byte(strings.Replace(good, "alpha: 2", "alpha: 3", 1)))
	plan3, _ := s3.Expand(testRegistry(), ident, Filter{})
	for i := range plan.Runs {
		if plan.Runs[i].Label == "M2" && plan.Runs[i].ConfigHash == plan3.Runs[i].ConfigHash {
			t.Fatal("a parameter change kept the configuration hash")
		}
	}
	// A different dataset identity (file content) changes every hash.
	plan4, _ := s.Expand(testRegistry(), func(n string) (string, error) { return "other", nil }, Filter{})
	if plan4.Runs[0].ConfigHash == plan.Runs[0].ConfigHash {
		t.Fatal("dataset identity does not enter the hash")
	}
}

func TestFilterAndSweep(t *testing.T) {
	s, err := Parse([]byte(good + `  - label: S
    method: M
    params: {rank: 4}
    sweep: {param: alpha, values: [0.1, 10]}
`))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Expand(testRegistry(), ident, Filter{Datasets: []string{"a"}, Methods: []string{"S"}, Seeds: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Runs) != 2*2 {
		t.Fatalf("%d runs, want 4", len(plan.Runs))
	}
	want := map[string]float64{"S[alpha=0.1]": 0.1, "S[alpha=10]": 10}
	for _, r := range plan.Runs {
		if r.Dataset != "A" || r.Rep > 1 || r.Method.Params["alpha"] != want[r.Label] || r.Method.Params["rank"] != 4.0 {
			t.Errorf("unexpected run %s %s rep %d params %v", r.Dataset, r.Label, r.Rep, r.Method.Params)
		}
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"unknown top key", good + "colour: red\n", `line 16: unknown key "colour" in the spec`},
		{"unknown nested key", strings.Replace(good, "  - name: A", "  - name: A\n    size: 3", 1), `line 6: unknown key "size" in datasets[0]`},
		{"unknown method", strings.Replace(good, "method: Later\n    planned: \"not built yet\"", "method: Nope", 1), `line 14: methods[2].method: unknown method "Nope"`},
		{"unknown param", strings.Replace(good, "alpha: 2", "beta: 2", 1), `line 13: M has no parameter "beta"`},
		{"bad param type", strings.Replace(good, "alpha: 2", "alpha: lots", 1), `M parameter alpha`},
		{"duplicate label", strings.Replace(good, "label: M2", "label: M", 1), `method label "M" is used twice`},
		{"duplicate dataset", strings.Replace(good, "name: B", "name: A", 1), `dataset "A" is listed twice`},
		{"bad seeds", strings.Replace(good, "seeds: 3", "seeds: -1", 1), "seeds = -1: must be a whole count"},
		{"no name", strings.Replace(good, "name: t\n", "", 1), "a spec needs a name"},
		{"bad metric", good + "metrics: {ACC: accuracy}\n", `unknown score "accuracy"`},
		{"bad yaml", "name: [", "yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse([]byte(tc.body))
			if err == nil {
				_, err = s.Expand(testRegistry(), ident, Filter{})
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	s, _ := Parse([]byte(good))
	if _, err := s.Expand(testRegistry(), ident, Filter{Datasets: []string{"Z"}}); err == nil || !strings.Contains(err.Error(), `"Z" is not a dataset of spec`) {
		t.Errorf("unknown filter dataset: %v", err)
	}
}

func TestLoadNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(p, []byte(good+"extra: 1\n"), 0o644)
	_, _, err := Load(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+": line 16") {
		t.Fatalf("error %v does not name file and line", err)
	}
}

func TestReferenceFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ref.yaml")
	os.WriteFile(p, []byte("source: paper\nunits: percent\ntables:\n  A:\n    M: {ACC: 54.03}\n"), 0o644)
	refs, err := LoadReference(p)
	if err != nil || len(refs) != 1 || refs[0].Value != 0.5403 || refs[0].Metric != "ACC" {
		t.Fatalf("refs %v err %v", refs, err)
	}
	os.WriteFile(p, []byte("source: paper\nunits: percent\ntables:\n  A:\n    M: {ACC: 154}\n"), 0o644)
	if _, err := LoadReference(p); err == nil {
		t.Fatal("out-of-range value accepted")
	}
}

// TestRepoSpecs parses every spec shipped in experiments/.
func TestRepoSpecs(t *testing.T) {
	files, _ := filepath.Glob("../../experiments/*.yaml")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_tables.yaml") {
			if _, err := LoadReference(f); err != nil {
				t.Error(err)
			}
			continue
		}
		n++
		s, _, err := Load(f)
		if err != nil {
			t.Error(err)
			continue
		}
		if _, err := s.Expand(methods.Default, ident, Filter{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if n == 0 {
		t.Fatal("no specs found in experiments/")
	}
}

func TestSweepLabels(t *testing.T) {
	two := good + `  - label: S
    method: M
    sweep: {param: alpha, values: [1, 2]}
  - label: S
    method: M
    sweep: {param: rank, values: [1, 2]}
`
	s, err := Parse([]byte(two))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Expand(testRegistry(), ident, Filter{Methods: []string{"S"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(plan.Labels, " "); got != "S[alpha=1] S[alpha=2] S[rank=1] S[rank=2]" {
		t.Fatalf("labels %q", got)
	}
	clash := strings.Replace(two, "param: rank", "param: alpha", 1)
	s, err = Parse([]byte(clash))
	if err == nil {
		_, err = s.Expand(testRegistry(), ident, Filter{})
	}
	if err == nil || !strings.Contains(err.Error(), `row label "S[alpha=1]" is produced twice`) {
		t.Fatalf("clashing sweeps: %v", err)
	}
}

// TestIdentityIgnoresLabel: two entries that differ only in their label get
// the same seed and configuration hash, so renaming a table row reruns
// nothing; every method of a repetition gets the same seed (common random
// numbers); and entries that resolve to the same run are planned once and
// listed under both labels.
func TestIdentityIgnoresLabel(t *testing.T) {
	renamed := strings.Replace(good, "label: M2", "label: Renamed", 1)
	a, _ := Parse([]byte(good))
	b, err := Parse([]byte(renamed))
	if err != nil {
		t.Fatal(err)
	}
	pa, _ := a.Expand(testRegistry(), ident, Filter{})
	pb, err := b.Expand(testRegistry(), ident, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pa.Runs) != len(pb.Runs) {
		t.Fatalf("%d and %d runs", len(pa.Runs), len(pb.Runs))
	}
	seeds := map[string]uint64{}
	for i := range pa.Runs {
		ra, rb := pa.Runs[i], pb.Runs[i]
		if ra.ConfigHash != rb.ConfigHash || ra.Seed != rb.Seed {
			t.Fatalf("renaming %s changed its identity", ra.Label)
		}
		key := fmt.Sprintf("%s/%d", ra.Dataset, ra.Rep)
		if s, ok := seeds[key]; ok && s != ra.Seed {
			t.Fatalf("%s: methods of one repetition get different seeds", key)
		}
		seeds[key] = ra.Seed
	}
	// A second entry with M's defaults under another label is the same run.
	dup, err := Parse([]byte(good + "  - label: M again\n    method: M\n    params: {alpha: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	pd, err := dup.Expand(testRegistry(), ident, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(pd.Runs) != len(pa.Runs) {
		t.Fatalf("duplicate entry planned %d runs, want %d (run once)", len(pd.Runs), len(pa.Runs))
	}
	both := 0
	for _, r := range pd.Runs {
		if r.Label == "M" {
			if len(r.Labels) != 2 || r.Labels[1].Name != "M again" {
				t.Fatalf("labels of the shared run: %+v", r.Labels)
			}
			both++
		}
	}
	if both != 2*3 {
		t.Fatalf("%d shared runs, want 6", both)
	}
}

// TestSweepValuesAsData: sweep points carry their parameter and value.
func TestSweepValuesAsData(t *testing.T) {
	s, err := Parse([]byte(good + "  - label: S\n    method: M\n    sweep: {param: alpha, values: [0.5, 3]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.Expand(testRegistry(), ident, Filter{Methods: []string{"S"}, Seeds: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range plan.Runs {
		l := r.Labels[0]
		if l.SweepParam != "alpha" || (l.SweepValue != "0.5" && l.SweepValue != "3") {
			t.Fatalf("sweep label %+v", l)
		}
	}
}

func TestKMeansSettings(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"kmeans: {replicates: 0}\n", "kmeans.replicates = 0"},
		{"kmeans: {max_iter: 0}\n", "kmeans.max_iter = 0"},
		{"kmeans: {tol: .nan}\n", "kmeans.tol"},
		{"kmeans: {tol: -1}\n", "kmeans.tol"},
	} {
		if _, err := Parse([]byte(good + tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.body, err, tc.want)
		}
	}
	s, err := Parse([]byte(good + "kmeans: {tol: 0, replicates: 1}\n"))
	if err != nil || s.KMeans != (KMeans{Replicates: 1, MaxIter: DefaultKMeansMaxIter, Tol: 0}) {
		t.Fatalf("explicit tol 0 and one replicate: %+v, %v", s.KMeans, err)
	}
}
