package sdnmf

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/graph"
	"nmfbench/internal/mu"
	"nmfbench/internal/ot"
)

// TestSDNMFMatchesReference checks that the optimized iteration (cached first
// ν, ratio fused into the transport chunks, one goroutine per thread) gives
// bit-identical factors to the implementation before the change
// (reference_test.go) on random data of several chunks (the last one
// narrower), for both update schemes, with and without the floor and on 1
// to 3 threads. The objective agrees to 1e-12 relative: the reference split
// its final KL sum into one partial sum per worker, the new code into a fixed
// number of parts (so that it no longer depends on the thread count, which
// the second half checks bit for bit); only that summation order differs.
func TestSDNMFMatchesReference(t *testing.T) {
	const n, h, w, r = 75, 6, 5, 4
	rng := rand.New(rand.NewPCG(21, 4))
	X := mat.NewDense(n, h*w, nil)
	for i := range X.RawMatrix().Data {
		X.RawMatrix().Data[i] = rng.Float64()
	}
	g, err := graph.KNN(context.Background(), X, graph.Options{K: 4})
	if err != nil {
		t.Fatal(err)
	}
	k, err := ot.NewGrid(ot.GridCost{H: h, W: w, P: 1, Normalize: true}, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		update  Update
		floor   float64
		threads int
	}{
		{"reference", Reference, 1e-6, 1},
		{"reference/3 threads", Reference, 1e-6, 3},
		{"fresh", Fresh, 1e-6, 1},
		{"no floor", Reference, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prm := Defaults
			prm.Update, prm.Floor = tc.update, tc.floor
			init := rand.New(rand.NewPCG(3, 3))
			U0, V0 := mu.UniformInit(init, h*w, n, r, 1)
			Ur, Vr := mat.DenseCopyOf(U0), mat.DenseCopyOf(V0)
			ref, err := newRefSDNMFState(X, Ur, Vr, k, g, prm)
			if err != nil {
				t.Fatal(err)
			}
			ref.workers = ref.workers[:1]
			for len(ref.workers) < tc.threads {
				ref.workers = append(ref.workers, &refSDNMFWorker{sc: map[int]*ot.Scaling{}, t1: map[int]*mat.Dense{}, t2: map[int]*mat.Dense{}})
			}
			ref.rangeSums = make([]float64, tc.threads)
			s, err := newSDNMFStateThreads(X, U0, V0, k, g, prm, tc.threads)
			if err != nil {
				t.Fatal(err)
			}
			f0r, err := ref.initialObjective()
			if err != nil {
				t.Fatal(err)
			}
			f0, err := s.initialObjective()
			if err != nil {
				t.Fatal(err)
			}
			near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Abs(b) }
			if !near(f0, f0r) {
				t.Fatalf("initial objective %.17g, reference %.17g", f0, f0r)
			}
			for it := 1; it <= 6; it++ {
				or, err := ref.iterate()
				if err != nil {
					t.Fatal(err)
				}
				o, err := s.iterate()
				if err != nil {
					t.Fatal(err)
				}
				if !mat.Equal(s.U, ref.U) || !mat.Equal(s.V, ref.V) {
					t.Fatalf("iteration %d: factors differ from the reference", it)
				}
				if !near(o, or) {
					t.Fatalf("iteration %d: objective %.17g, reference %.17g", it, o, or)
				}
			}
		})
	}
	// The objective does not depend on the thread count.
	run := func(threads int) []float64 {
		U, V := mu.UniformInit(rand.New(rand.NewPCG(3, 3)), h*w, n, r, 1)
		s, err := newSDNMFStateThreads(X, U, V, k, g, Defaults, threads)
		if err != nil {
			t.Fatal(err)
		}
		var obj []float64
		for range 4 {
			o, err := s.iterate()
			if err != nil {
				t.Fatal(err)
			}
			obj = append(obj, o)
		}
		return obj
	}
	o1, o2 := run(1), run(3)
	for i := range o1 {
		if o1[i] != o2[i] {
			t.Errorf("iteration %d: objective %.17g on 1 thread, %.17g on 3", i+1, o1[i], o2[i])
		}
	}
}
