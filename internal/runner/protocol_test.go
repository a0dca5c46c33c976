package runner

import (
	"context"
	"sync/atomic"
	"testing"
)

// Per-method preprocessing and k-means settings reach the run, and every
// stored run records its protocol preset and resolved k-means stage.
func TestPerMethodSettingsStored(t *testing.T) {
	st := openStore(t)
	p := plan(t, `name: per-method
seed: 5
seeds: 2
protocol: paper-literal
datasets: [{name: synthetic}]
methods:
  - method: T
  - label: T20
    method: T
    preprocess: [l2rows]
    kmeans: {replicates: 20}
`, testRegistry(new(atomic.Int64), 0, nil))
	if _, err := Execute(context.Background(), p, Options{Workers: 2, Store: st, Data: synthSource{}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ pre, km string }{
		"T":   {"", `{"replicates":1,"max_iter":100,"tol":0.000001}`},
		"T20": {"l2rows", `{"replicates":20,"max_iter":100,"tol":0.000001}`},
	}
	runs := byHash(t, st)
	if len(runs) != 4 {
		t.Fatalf("%d runs stored, want 4", len(runs))
	}
	for _, r := range runs {
		w := want[r.Label]
		if r.Preprocess != w.pre || r.KMeans != w.km || r.Protocol != "paper-literal" {
			t.Errorf("%s rep %d: preprocess %q, kmeans %s, protocol %q; want %q, %s, paper-literal", r.Label, r.Rep, r.Preprocess, r.KMeans, r.Protocol, w.pre, w.km)
		}
	}
}
