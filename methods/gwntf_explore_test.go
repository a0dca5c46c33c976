package methods

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
)

func TestGWNTFExploreScaling(t *testing.T) {
	if os.Getenv("GWNTF_EXPLORE") == "" {
		t.Skip()
	}
	ctx := context.Background()
	d, err := datasets.Load(ctx, os.Getenv("NMFBENCH_DATA"), "COIL20")
	if err != nil {
		t.Skip(err)
	}
	prm := defaultGWNTFParams
	p := &Problem{Data: d, K: 20, RNG: rand.New(rand.NewPCG(1, 2))}
	s, err := newGWNTFSolver(ctx, p, prm, nil)
	if err != nil {
		t.Fatal(err)
	}
	// a few KL-NCP-like iterations so that X̂ resembles the data
	for it := 0; it < 30; it++ {
		copy(s.psi[0].RawMatrix().Data, s.X[0].RawMatrix().Data)
		copy(s.psi[1].RawMatrix().Data, s.X[1].RawMatrix().Data)
		if err := s.updateFactors(); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	xh := s.reconstruct(n)
	ref := mat.NewDense(s.dims[n], s.size/s.dims[n], nil)
	s.ot[n].prm.SinkhornIters = 3000
	jref, _ := s.ot[n].solve(ctx, ref)
	_ = xh
	psi := mat.NewDense(s.dims[n], s.size/s.dims[n], nil)
	for _, S := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000} {
		s.ot[n].prm.SinkhornIters = S
		j, _ := s.ot[n].solve(ctx, psi)
		var l1, l1ref, mx float64
		a, b := psi.RawMatrix().Data, ref.RawMatrix().Data
		for i := range a {
			l1 += math.Abs(a[i] - b[i])
			l1ref += b[i]
			if b[i] > 1e-3 {
				mx = math.Max(mx, math.Abs(a[i]-b[i])/b[i])
			}
		}
		fmt.Printf("S=%4d  J=%.8g (ref %.8g)  |Ψ−Ψ*|₁/|Ψ*|₁=%.3g  max rel (Ψ*>1e-3)=%.3g\n", S, j, jref, l1/l1ref, mx)
	}
	// how far is Ψ* from X and from X̂?
	var dx, dxh, tot float64
	a, x, h := ref.RawMatrix().Data, s.X[n].RawMatrix().Data, xh.RawMatrix().Data
	for i := range a {
		dx += math.Abs(a[i] - x[i])
		dxh += math.Abs(a[i] - h[i])
		tot += x[i]
	}
	fmt.Printf("|Ψ*−X|₁/|X|₁=%.3g  |Ψ*−X̂|₁/|X|₁=%.3g\n", dx/tot, dxh/tot)
}
