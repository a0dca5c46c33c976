package all_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/methods"
	_ "nmfbench/methods/all"
)

// quick gives every method a small budget so that the conformance suite
// stays fast; any method not listed runs its defaults.
var quick = map[string]string{
	"NMF":   "{max_iter: 15}",
	"GNMF":  "{max_iter: 15}",
	"NCP":   "{max_iter: 15}",
	"GNCP":  "{max_iter: 15}",
	"SDNMF": "{max_iter: 4, scaling_iters: 3}",
	"GWNTF": "{max_iter: 4}",
	"WNMF":  "{max_iter: 2, inner_iter: 5}",
}

func problem(d *datasets.Dataset, seed uint64) *methods.Problem {
	return &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 1)), Memo: &methods.Memo{}, DataKey: d.Name}
}

// TestConformance runs every registered method through the registry on a
// small synthetic image dataset (81 samples: several 32-sample chunks where a
// method splits its work) and checks the contract: it runs, returns a
// finite n × r embedding, is deterministic for a seed, follows the trace
// convention, stops on a cancelled context, and rejects invalid parameters
// with an error naming the parameter.
func TestConformance(t *testing.T) {
	d, err := datasets.Synthetic(datasets.SyntheticConfig{Name: "conf", Kind: datasets.KindBlobs, Height: 8, Width: 8, Classes: 3, PerClass: 27, Seed: 5, MaxShift: 1, Contrast: 0.2, Noise: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	names := methods.Default.Names()
	for _, want := range []string{"GNCP", "GNMF", "GWNTF", "Kmeans", "NCP", "NMF", "SDNMF", "Spectral", "WNMF"} {
		if !methods.Default.Has(want) {
			t.Errorf("method %s is not registered", want)
		}
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if name == "External" {
				t.Skip("External runs a user's program, which a spec must name; methods/external tests the same contract with its own programs")
			}
			c, err := methods.Default.BuildYAML(name, quick[name])
			if err != nil {
				t.Fatal(err)
			}
			if c.Version < 1 {
				t.Errorf("version %d; want ≥ 1", c.Version)
			}
			var iters []int
			p := problem(d, 7)
			p.Progress = func(it int, f float64) { iters = append(iters, it) }
			res, err := c.Fit(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			r, k := res.Embedding.Dims()
			if r != d.Samples() || k < 1 {
				t.Fatalf("embedding is %d×%d; want %d rows", r, k, d.Samples())
			}
			for i := 0; i < r; i++ {
				for _, v := range res.Embedding.RawRowView(i) {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("embedding has a non-finite entry %v", v)
					}
				}
			}
			if err := res.CheckTrace(); err != nil {
				t.Errorf("trace convention: %v", err)
			}
			if len(res.Objective) > 0 && len(iters) != res.Iterations {
				t.Errorf("Progress called %d times for %d iterations", len(iters), res.Iterations)
			}
			// Deterministic for a seed, whatever the memo holds and however many
			// goroutines the method may use.
			p3 := problem(d, 7)
			p3.Threads = 3
			again, err := c.Fit(context.Background(), p3)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(res.Embedding, again.Embedding) || !reflect.DeepEqual(res.Objective, again.Objective) {
				t.Error("two fits with the same seed differ")
			}
			// A cancelled context stops the method with the context's error.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if _, err := c.Fit(ctx, problem(d, 7)); !errors.Is(err, context.Canceled) {
				t.Errorf("cancelled fit: error %v, want context.Canceled", err)
			}
			// Invalid parameters are rejected with an error naming them.
			for _, info := range methods.Default.Infos() {
				if info.Name != name {
					continue
				}
				for _, prm := range info.Params {
					bad := badValue(prm)
					if bad == "" {
						continue
					}
					_, err := methods.Default.BuildYAML(name, "{"+prm.Name+": "+bad+"}")
					if err == nil || !strings.Contains(err.Error(), prm.Name) {
						t.Errorf("%s: %s = %s: error %v, want one naming the parameter", name, prm.Name, bad, err)
					}
				}
				if _, err := methods.Default.BuildYAML(name, "{no_such_parameter: 1}"); err == nil || !strings.Contains(err.Error(), "no_such_parameter") {
					t.Errorf("unknown parameter: error %v", err)
				}
			}
		})
	}
}

// badValue returns a YAML value that the parameter must reject, or "" when
// every value of its type is valid.
func badValue(p methods.Param) string {
	switch {
	case p.Choices != nil:
		return "not_a_choice"
	case p.Type == "int":
		return "-1"
	case p.Type == "float64":
		return ".nan"
	}
	return ""
}
