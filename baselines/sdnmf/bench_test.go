package sdnmf

import (
	"context"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/cputime"
	"nmfbench/internal/graph"
	"nmfbench/internal/mu"
	"nmfbench/internal/ot"
)

// pieSizedSDNMF returns an SDNMF state on random data of PIE_pose27's size
// (2856 images of 32 × 32, r = 68, p = 5 graph) with the default parameters.
func pieSizedSDNMF(b *testing.B, threads int) *sdnmfState {
	rng := rand.New(rand.NewPCG(8, 8))
	const n, h, w, r = 2856, 32, 32, 68
	X := mat.NewDense(n, h*w, nil)
	for i := range X.RawMatrix().Data {
		X.RawMatrix().Data[i] = rng.Float64()
	}
	g, err := graph.KNN(context.Background(), X, graph.Options{K: 5})
	if err != nil {
		b.Fatal(err)
	}
	k, err := ot.NewGrid(ot.GridCost{H: h, W: w, P: 1, Normalize: true}, Defaults.Entropic, 1)
	if err != nil {
		b.Fatal(err)
	}
	U, V := mu.UniformInit(rng, h*w, n, r, 1)
	s, err := newSDNMFStateThreads(X, U, V, k, g, Defaults, threads)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSDNMFIterationPIE times one outer SDNMF iteration (15 scaling
// rounds, both updates, the objective) at PIE_pose27's size on one worker
// (as one run of runexp -j 2 on two cores) and on two.
func BenchmarkSDNMFIterationPIE(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(map[int]string{1: "threads=1", 2: "threads=2"}[threads], func(b *testing.B) {
			s := pieSizedSDNMF(b, threads)
			stop := cputime.Report(b)
			for b.Loop() {
				if _, err := s.iterate(); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}
