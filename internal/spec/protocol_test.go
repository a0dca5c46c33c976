package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"nmfbench/methods"
)

// expandBuiltin parses a spec and expands it against the built-in methods,
// with test identities for the datasets.
func expandBuiltin(t *testing.T, body string) *Plan {
	t.Helper()
	s, err := Parse([]byte(body))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	plan, err := s.Expand(methods.Default, ident, Filter{})
	if err != nil {
		t.Fatalf("expand: %v", err)
	}
	return plan
}

// runOf returns the first run of the row label in the plan.
func runOf(t *testing.T, p *Plan, label string) Run {
	t.Helper()
	for _, r := range p.Runs {
		for _, l := range r.Labels {
			if l.Name == label {
				return r
			}
		}
	}
	t.Fatalf("no run of %q", label)
	return Run{}
}

const protocolSpec = `name: p
seed: 3
seeds: 2
protocol: %s
%s
preprocess: [scale01]
datasets:
  - name: COIL20
methods:
  - method: Kmeans
  - method: NMF
    params: {loss: frobenius}
  - label: NMF500
    method: NMF
    params: {max_iter: 500}
  - label: NMFsweep
    method: NMF
    sweep: {param: max_iter, values: [50]}
  - label: NMFown
    method: NMF
    preprocess: [scale01]
    kmeans: {replicates: 3}
  - method: GNMF
  - method: NCP
`

func TestProtocolFillsOnlyUnset(t *testing.T) {
	cases := []struct {
		protocol, kmeans string
		label            string
		pre              []string
		replicates       int
		params           map[string]float64 // resolved numeric parameters to check
	}{
		{"lineage", "", "Kmeans", []string{"l2rows"}, 20, nil},
		{"lineage", "", "NMF", []string{"l2rows"}, 20, map[string]float64{"max_iter": 100, "tol": 0}},
		{"lineage", "", "NMF500", []string{"l2rows"}, 20, map[string]float64{"max_iter": 500, "tol": 0}},
		{"lineage", "", "NMFsweep[max_iter=50]", []string{"l2rows"}, 20, map[string]float64{"max_iter": 50}},
		{"lineage", "", "NMFown", []string{"scale01"}, 3, map[string]float64{"max_iter": 100}},
		{"lineage", "", "GNMF", []string{"l2rows"}, 20, map[string]float64{"restarts": 10, "restart_iter": 30, "max_iter": 100}},
		{"lineage", "", "NCP", []string{"scale01"}, DefaultKMeansReplicates, map[string]float64{"max_iter": 500}},
		{"lineage", "kmeans: {replicates: 5}", "NCP", []string{"scale01"}, 5, nil},
		{"paper-literal", "", "Kmeans", []string{"scale01"}, 1, nil},
		{"paper-literal", "", "NMF", []string{"scale01"}, 1, map[string]float64{"max_iter": 500}},
		{"paper-literal", "", "NMFown", []string{"scale01"}, 3, nil},
		{"paper-literal", "kmeans: {replicates: 7}", "GNMF", []string{"scale01"}, 7, map[string]float64{"restarts": 1}},
		{"default", "", "GNMF", []string{"scale01"}, DefaultKMeansReplicates, map[string]float64{"restarts": 1}},
		{"Lineage", "", "Kmeans", []string{"l2rows"}, 20, nil}, // names are case-insensitive
		{"lineage-single", "", "Kmeans", []string{"l2rows"}, 1, nil},
		{"lineage-single", "", "NMF", []string{"l2rows"}, 1, map[string]float64{"max_iter": 100, "tol": 0}},
		{"lineage-single", "", "GNMF", []string{"l2rows"}, 1, map[string]float64{"restarts": 10}},
		{"lineage-single", "", "NCP", []string{"scale01"}, 1, map[string]float64{"max_iter": 500}},
		{"lineage-single", "kmeans: {replicates: 4}", "NMF", []string{"l2rows"}, 4, nil},
	}
	for _, c := range cases {
		t.Run(c.protocol+"/"+c.label+"/"+c.kmeans, func(t *testing.T) {
			plan := expandBuiltin(t, fmt.Sprintf(protocolSpec, c.protocol, c.kmeans))
			r := runOf(t, plan, c.label)
			if !slices.Equal(r.Preprocess, c.pre) {
				t.Errorf("preprocess %v, want %v", r.Preprocess, c.pre)
			}
			if r.KMeans.Replicates != c.replicates {
				t.Errorf("k-means replicates %d, want %d", r.KMeans.Replicates, c.replicates)
			}
			if r.Protocol != strings.ToLower(c.protocol) {
				t.Errorf("protocol %q, want %q", r.Protocol, strings.ToLower(c.protocol))
			}
			for k, want := range c.params {
				got, ok := r.Method.Params[k].(float64)
				if !ok {
					if i, isInt := r.Method.Params[k].(int); isInt {
						got, ok = float64(i), true
					}
				}
				if !ok || got != want {
					t.Errorf("param %s = %v, want %v (params %v)", k, r.Method.Params[k], want, r.Method.Params)
				}
			}
		})
	}
}

// A run resolved from a preset and the same run written out by hand are one
// run: the configuration hash sees the resolved settings, not the preset.
func TestProtocolHashEqualsHandWritten(t *testing.T) {
	preset := expandBuiltin(t, `name: a
seed: 9
protocol: lineage
preprocess: [scale01]
datasets: [{name: COIL20}]
methods:
  - method: GNMF
    params: {graph_weight: 100}
  - method: SDNMF
`)
	hand := expandBuiltin(t, `name: b
seed: 9
preprocess: [scale01]
datasets: [{name: COIL20}]
methods:
  - method: GNMF
    preprocess: [l2rows]
    kmeans: {replicates: 20}
    params: {graph_weight: 100, max_iter: 100, tol: 0, restarts: 10, restart_iter: 30}
  - method: SDNMF
    kmeans: {replicates: 20}
`)
	for i := range preset.Runs {
		if preset.Runs[i].ConfigHash != hand.Runs[i].ConfigHash {
			t.Errorf("run %d (%s): preset hash %s, hand-written %s", i, preset.Runs[i].Label, preset.Runs[i].ConfigHash, hand.Runs[i].ConfigHash)
		}
	}
	// paper-literal is one k-means replicate for every method.
	literal := expandBuiltin(t, "name: c\nseed: 9\nprotocol: paper-literal\npreprocess: [scale01]\ndatasets: [{name: COIL20}]\nmethods: [{method: NCP}]\n")
	byHand := expandBuiltin(t, "name: d\nseed: 9\nkmeans: {replicates: 1}\npreprocess: [scale01]\ndatasets: [{name: COIL20}]\nmethods: [{method: NCP}]\n")
	if literal.Runs[0].ConfigHash != byHand.Runs[0].ConfigHash {
		t.Errorf("paper-literal hash %s, hand-written %s", literal.Runs[0].ConfigHash, byHand.Runs[0].ConfigHash)
	}
	// lineage-single is lineage's inputs with one k-means run, written out.
	single := expandBuiltin(t, "name: g\nseed: 9\nprotocol: lineage-single\npreprocess: [scale01]\ndatasets: [{name: COIL20}]\nmethods: [{method: NMF, params: {loss: frobenius}}, {method: SDNMF}]\n")
	singleHand := expandBuiltin(t, "name: h\nseed: 9\npreprocess: [scale01]\ndatasets: [{name: COIL20}]\nmethods:\n  - {method: NMF, params: {loss: frobenius, max_iter: 100, tol: 0}, preprocess: [l2rows], kmeans: {replicates: 1}}\n  - {method: SDNMF, kmeans: {replicates: 1}}\n")
	for i := range single.Runs {
		if single.Runs[i].ConfigHash != singleHand.Runs[i].ConfigHash {
			t.Errorf("lineage-single run %d (%s): hash %s, hand-written %s", i, single.Runs[i].Label, single.Runs[i].ConfigHash, singleHand.Runs[i].ConfigHash)
		}
	}
	// And the default preset changes nothing.
	def := expandBuiltin(t, "name: e\nseed: 9\nprotocol: default\npreprocess: [scale01]\ndatasets: [{name: COIL20}]\nmethods: [{method: NCP}]\n")
	none := expandBuiltin(t, "name: f\nseed: 9\npreprocess: [scale01]\ndatasets: [{name: COIL20}]\nmethods: [{method: NCP}]\n")
	if def.Runs[0].ConfigHash != none.Runs[0].ConfigHash {
		t.Errorf("default preset hash %s, no preset %s", def.Runs[0].ConfigHash, none.Runs[0].ConfigHash)
	}
}

func TestMethodPreprocessAndKMeans(t *testing.T) {
	plan := expandBuiltin(t, `name: m
seed: 1
preprocess: [scale01]
datasets: [{name: COIL20}, {name: PIE_pose27, preprocess: [scale01, l1rows]}]
methods:
  - method: Kmeans
  - label: Kmeans raw
    method: Kmeans
    preprocess: []
  - label: Kmeans L2
    method: Kmeans
    preprocess: [l2rows]
    kmeans: {replicates: 1}
`)
	want := map[string]struct {
		pre []string
		rep int
	}{
		"COIL20/Kmeans":        {[]string{"scale01"}, 10},
		"COIL20/Kmeans raw":    {[]string{}, 10},
		"COIL20/Kmeans L2":     {[]string{"l2rows"}, 1},
		"PIE_pose27/Kmeans":    {[]string{"scale01", "l1rows"}, 10},
		"PIE_pose27/Kmeans L2": {[]string{"l2rows"}, 1},
	}
	hashes := map[string]bool{}
	for _, r := range plan.Runs {
		hashes[r.ConfigHash] = true
		w, ok := want[r.Dataset+"/"+r.Label]
		if !ok {
			continue
		}
		if !slices.Equal(r.Preprocess, w.pre) || r.KMeans.Replicates != w.rep {
			t.Errorf("%s/%s: preprocess %v, %d replicates; want %v, %d", r.Dataset, r.Label, r.Preprocess, r.KMeans.Replicates, w.pre, w.rep)
		}
		if r.KMeans.MaxIter != DefaultKMeansMaxIter || r.KMeans.Tol != DefaultKMeansTol {
			t.Errorf("%s/%s: k-means %+v: omitted fields must take the defaults", r.Dataset, r.Label, r.KMeans)
		}
	}
	if len(hashes) != len(plan.Runs) {
		t.Errorf("%d distinct hashes for %d runs: per-method settings must enter the hash", len(hashes), len(plan.Runs))
	}
	if got := (Run{}).KMeansOr(plan.Spec.KMeans); got != plan.Spec.KMeans {
		t.Errorf("KMeansOr of a hand-built run = %+v, want the spec's %+v", got, plan.Spec.KMeans)
	}
	if got := plan.Spec.KMeans.JSON(); got != `{"replicates":10,"max_iter":100,"tol":0.000001}` {
		t.Errorf("KMeans.JSON() = %s", got)
	}
}

func TestProtocolErrors(t *testing.T) {
	cases := []struct{ body, want string }{
		{"name: x\nprotocol: lineag\ndatasets: [{name: COIL20}]\nmethods: [{method: NMF}]\n", `line 2: protocol: unknown protocol preset "lineag" (known: default, lineage, lineage-single, paper-literal`},
		{"name: x\ndatasets: [{name: COIL20}]\nmethods:\n  - method: NMF\n    preprocess: [l2row]\n", `line 4: methods[0].preprocess: unknown preprocessing step "l2row"`},
		{"name: x\ndatasets: [{name: COIL20}]\nmethods:\n  - method: NMF\n    kmeans: {replicates: 0}\n", "kmeans.replicates = 0"},
		{"name: x\ndatasets: [{name: COIL20}]\nmethods:\n  - method: NMF\n    kmeans: {restarts: 2}\n", `unknown key "restarts"`},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v; want an error containing %q", c.body, err, c.want)
		}
	}
}

// The presets' parameters must be valid for their methods, and the specs in
// experiments/ that name a preset must expand.
func TestProtocolsBuild(t *testing.T) {
	for name, p := range Protocols() {
		if p.Name != name || p.Summary == "" {
			t.Errorf("preset %q: name %q, summary %q", name, p.Name, p.Summary)
		}
		for m, mp := range p.Methods {
			if !methods.Default.Has(m) {
				t.Errorf("preset %s names unknown method %s", name, m)
			}
			if mp.Source == "" {
				t.Errorf("preset %s, method %s: no source documented", name, m)
			}
		}
	}
	files, _ := filepath.Glob("../../experiments/paper_*.yaml")
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(body), "\nprotocol:") {
			continue
		}
		s, _, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := s.Expand(methods.Default, ident, Filter{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func ExampleLookupProtocol() {
	p, _ := LookupProtocol("paper-literal")
	fmt.Println(p.Name, p.KMeans.Replicates)
	l, _ := LookupProtocol("lineage")
	fmt.Println(l.Methods["GNMF"].Preprocess, l.Methods["GNMF"].KMeans.Replicates)
	// Output:
	// paper-literal 1
	// [l2rows] 20
}
