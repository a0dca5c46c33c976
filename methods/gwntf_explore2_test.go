package methods

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
)

// TestGWNTFExploreWarm compares, on the first classes of COIL20, the
// trajectory of warm-started short scalings with cold-started converged ones.
func TestGWNTFExploreWarm(t *testing.T) {
	if os.Getenv("GWNTF_EXPLORE2") == "" {
		t.Skip()
	}
	ctx := context.Background()
	full, err := datasets.Load(ctx, os.Getenv("NMFBENCH_DATA"), "COIL20")
	if err != nil {
		t.Skip(err)
	}
	nc, _ := strconv.Atoi(os.Getenv("GWNTF_EXPLORE2"))
	n := 72 * nc
	d := &datasets.Dataset{Name: "coil-sub", X: mat.DenseCopyOf(full.X.Slice(0, n, 0, 1024)), Labels: full.Labels[:n], Classes: nc, Height: 32, Width: 32}
	outer := 30
	run := func(prm GWNTFParams) (*mat.Dense, []float64) {
		prm.MaxIter = outer
		p := &Problem{Data: d, K: nc, RNG: rand.New(rand.NewPCG(7, 7)), Memo: &Memo{}, DataKey: "sub"}
		res, err := fitGWNTF(ctx, p, prm)
		if err != nil {
			t.Fatal(err)
		}
		return res.Embedding, res.Objective
	}
	ref := defaultGWNTFParams
	ref.WarmStart, ref.SinkhornIters, ref.SinkhornTol = false, 3000, 1e-9
	eRef, jRef := run(ref)
	for _, S := range []int{1, 2, 5, 10, 20} {
		for _, warm := range []bool{true, false} {
			prm := defaultGWNTFParams
			prm.WarmStart, prm.SinkhornIters = warm, S
			e, j := run(prm)
			var diff mat.Dense
			diff.Sub(e, eRef)
			fmt.Printf("S=%2d warm=%v: ‖E−E*‖/‖E*‖ = %.3g   J[1] %.8g vs %.8g   J[end] %.8g vs %.8g\n", S, warm,
				mat.Norm(&diff, 2)/mat.Norm(eRef, 2), j[0], jRef[0], j[len(j)-1], jRef[len(jRef)-1])
		}
	}
	_ = math.Abs
}
