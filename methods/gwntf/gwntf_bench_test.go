package gwntf

import (
	"context"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/graph"
	"nmfbench/methods"
)

// gwSizedSolver returns a solver on random 32 × 32 images (n samples, about
// 30 % zero pixels, rank R) with the given parameters: n = 1440, R = 20 is
// COIL20's size, n = 2856, R = 68 PIE_pose27's.
func gwSizedSolver(b *testing.B, n, R int, prm Params) *gwntfSolver {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	x := mat.NewDense(n, 1024, nil)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = i % R
		for j := 0; j < 1024; j++ {
			if v := rng.Float64(); v > 0.3 {
				x.Set(i, j, v)
			}
		}
	}
	d := &datasets.Dataset{Name: "bench", X: x, Labels: labels, Classes: R, Height: 32, Width: 32}
	var g *graph.CSR
	if prm.GraphWeight > 0 {
		var err error
		if g, err = graph.KNN(context.Background(), x, graph.Options{K: prm.Neighbors}); err != nil {
			b.Fatal(err)
		}
	}
	s, err := newGWNTFSolver(context.Background(), &methods.Problem{Data: d, K: R, RNG: rng}, prm, g)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchOuter times one outer iteration (scaling of every mode with the
// objective, the three factor updates, the L1 normalisation), as run does.
func benchOuter(b *testing.B, n, R int) {
	s := gwSizedSolver(b, n, R, Defaults)
	ctx := context.Background()
	if _, err := s.scaleAll(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.updateFactors(); err != nil {
			b.Fatal(err)
		}
		s.absorbL1()
		if _, err := s.scaleAll(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGWNTFOuterPIE is one outer iteration at PIE_pose27's size
// (2856 images of 32 × 32, rank 68).
func BenchmarkGWNTFOuterPIE(b *testing.B) { benchOuter(b, 2856, 68) }

// BenchmarkGWNTFOuterCOIL is one outer iteration at COIL20's size (1440
// images of 32 × 32, rank 20).
func BenchmarkGWNTFOuterCOIL(b *testing.B) { benchOuter(b, 1440, 20) }
