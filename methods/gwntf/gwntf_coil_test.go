package gwntf_test

import (
	"context"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"nmfbench/datasets"
	_ "nmfbench/internal/blasbackend"
	"nmfbench/internal/cputime"
	"nmfbench/internal/kmeans"
	"nmfbench/methods"
	_ "nmfbench/methods/gwntf"
	"nmfbench/metrics"
)

// gwRunOnce fits a configured method on d with the given seed and scores a
// 10-replicate k-means of its embedding; it fails the test on error.
func gwRunOnce(ctx context.Context, t testing.TB, c *methods.Configured, d *datasets.Dataset, memo *methods.Memo, seed uint64) (metrics.Scores, *methods.Result, time.Duration) {
	t.Helper()
	sc, res, el, err := gwFitScore(ctx, c, d, memo, seed)
	if err != nil {
		t.Fatalf("%s seed %d: %v", c.Name, seed, err)
	}
	return sc, res, el
}

// gwFitScore is gwRunOnce returning the error; the duration is CPU time.
func gwFitScore(ctx context.Context, c *methods.Configured, d *datasets.Dataset, memo *methods.Memo, seed uint64) (metrics.Scores, *methods.Result, time.Duration, error) {
	p := &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 0x5eed)), Memo: memo, DataKey: d.Name}
	cpu0 := cputime.Now()
	res, err := c.Fit(ctx, p)
	el := cputime.Now() - cpu0
	if err != nil {
		return nil, nil, el, err
	}
	km, err := kmeans.Cluster(ctx, res.Embedding, kmeans.Options{K: d.Classes, Replicates: 10}, rand.New(rand.NewPCG(seed, 0xc1)))
	if err != nil {
		return nil, nil, el, err
	}
	sc, err := metrics.Evaluate(d.Labels, km.Labels)
	return sc, res, el, err
}

// TestGWNTFCOIL20 fits the default GWNTF once on COIL20 (skipped with -short
// or without the data) and checks that the run is clean and clusters far
// above chance: ACC ≥ 0.6 and NMI ≥ 0.8 (measured over seeds 1–10: ACC
// 0.69–0.81, NMI 0.85–0.92; docs/gwntf.md).
func TestGWNTFCOIL20(t *testing.T) {
	if testing.Short() {
		t.Skip("one 100-iteration GWNTF run on COIL20 (about 40 CPU-seconds)")
	}
	ctx := context.Background()
	d, err := datasets.Load(ctx, os.Getenv("NMFBENCH_DATA"), "COIL20")
	if err != nil {
		t.Skip(err)
	}
	c, err := methods.Default.Build("GWNTF", nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, res, el := gwRunOnce(ctx, t, c, d, &methods.Memo{}, 1)
	t.Logf("COIL20 seed 1: ACC %.4f NMI %.4f Purity %.4f, %.1f CPU-s, J %.6g → %.6g", sc["acc"], sc["nmi_arithmetic"], sc["purity"], el.Seconds(), res.Objective[0], res.Objective[len(res.Objective)-1])
	if sc["acc"] < 0.6 || sc["nmi_arithmetic"] < 0.8 {
		t.Errorf("COIL20: ACC %.3f, NMI %.3f; expected at least 0.6 and 0.8", sc["acc"], sc["nmi_arithmetic"])
	}
	// Objective[0] is the initial objective (methods.Result), so 100
	// iterations give 101 values.
	if n := len(res.Objective); n != 101 || res.Iterations != 100 {
		t.Errorf("%d iterations, %d objective values; want 100 and 101", res.Iterations, n)
	}
}
