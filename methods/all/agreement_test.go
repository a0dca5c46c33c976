package all_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"

	"nmfbench/datasets"
	"nmfbench/internal/blasbackend"
	"nmfbench/methods"
	_ "nmfbench/methods/all"
)

// TestBackendsAgree fits NMF (both losses) with the active backend and with
// gonum's pure-Go BLAS, on the same data and seed, and requires the
// embeddings to agree to 1e-9 relative. Under a plain build both are the
// pure-Go backend and the test checks determinism only.
func TestBackendsAgree(t *testing.T) {
	t.Logf("active backend: %s", blasbackend.Name())
	d, err := datasets.Load(context.Background(), "", "synthetic")
	if err != nil {
		t.Fatal(err)
	}
	active := blas64.Implementation()
	defer blas64.Use(active)
	for _, loss := range []string{"frobenius", "kl"} {
		fit := func() []float64 {
			c, err := methods.Default.BuildYAML("NMF", "{loss: "+loss+", max_iter: 100, tol: 0}")
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Fit(context.Background(), &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(5, 6))})
			if err != nil {
				t.Fatal(err)
			}
			return append([]float64(nil), res.Embedding.RawMatrix().Data...)
		}
		blas64.Use(active)
		a := fit()
		blas64.Use(gonum.Implementation{})
		b := fit()
		var maxRel float64
		for i := range a {
			rel := math.Abs(a[i]-b[i]) / math.Max(math.Abs(b[i]), 1e-3)
			maxRel = math.Max(maxRel, rel)
		}
		t.Logf("%s: max relative difference between backends %.3g", loss, maxRel)
		if maxRel > 1e-9 {
			t.Errorf("%s: backends disagree by %.3g (relative) after 100 iterations", loss, maxRel)
		}
	}
}
