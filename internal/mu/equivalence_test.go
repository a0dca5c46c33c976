package mu

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestStepMatchesReference checks that the optimized Factorization (KL:
// reconstruction in row and column blocks fused with the ratio, the
// objective fused with the next numerator; Frobenius: VᵀV reused) gives the
// same iterates and objective values, bit for bit, as the implementation
// before the change (reference_test.go), on random data whose sizes are not
// multiples of the block sizes, with and without the graph term and with
// Objective called after every step or only sometimes.
func TestStepMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 3))
	for _, sz := range []struct{ n, d, r int }{{300, 270, 5}, {75, 70, 5}, {133, 129, 3}, {10, 8, 2}} {
		g := randomAffinity(rng, sz.n)
		Xt := randomNonneg(rng, sz.n, sz.d)
		for _, cfg := range []Config{
			{Loss: KL}, {Loss: Frobenius},
			{Loss: KL, Graph: g, Lambda: 0.3}, {Loss: Frobenius, Graph: g, Lambda: 0.3},
			{Loss: KL, Eps: 1e-3},
		} {
			U, V := RandomInit(rng, Xt, sz.r)
			Ur, Vr := mat.DenseCopyOf(U), mat.DenseCopyOf(V)
			f, err := New(Xt, U, V, cfg)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := newRef(Xt, Ur, Vr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if o, or := f.Objective(), ref.Objective(); o != or {
				t.Fatalf("%v %s: initial objective %.17g, reference %.17g", sz, cfg.Loss, o, or)
			}
			for it := 1; it <= 12; it++ {
				f.Step()
				ref.Step()
				if !mat.Equal(U, Ur) || !mat.Equal(V, Vr) {
					t.Fatalf("%v %s graph=%v: iteration %d: factors differ from the reference", sz, cfg.Loss, cfg.Graph != nil, it)
				}
				if it%4 == 3 {
					continue // a step without an objective evaluation
				}
				if o, or := f.Objective(), ref.Objective(); o != or {
					t.Fatalf("%v %s: iteration %d: objective %.17g, reference %.17g", sz, cfg.Loss, it, o, or)
				}
			}
		}
	}
}

// TestStepMatchesReferencePIE repeats the comparison at the sizes of the
// benchmark datasets (PIE_pose27: 2856 × 1024, r = 68; COIL20: 1440 × 1024,
// r = 20), where BLAS takes its blocked paths.
func TestStepMatchesReferencePIE(t *testing.T) {
	if testing.Short() {
		t.Skip("large sizes")
	}
	rng := rand.New(rand.NewPCG(5, 9))
	for _, sz := range []struct{ n, d, r int }{{2856, 1024, 68}, {1440, 1024, 20}} {
		Xt := randomNonneg(rng, sz.n, sz.d)
		for _, loss := range []Loss{KL, Frobenius} {
			U, V := RandomInit(rng, Xt, sz.r)
			Ur, Vr := mat.DenseCopyOf(U), mat.DenseCopyOf(V)
			f, _ := New(Xt, U, V, Config{Loss: loss})
			ref, _ := newRef(Xt, Ur, Vr, Config{Loss: loss})
			for it := 0; it < 3; it++ {
				if o, or := f.Objective(), ref.Objective(); o != or {
					t.Fatalf("%v %s: iteration %d: objective %.17g, reference %.17g", sz, loss, it, o, or)
				}
				f.Step()
				ref.Step()
				if !mat.Equal(U, Ur) || !mat.Equal(V, Vr) {
					t.Fatalf("%v %s: iteration %d: factors differ from the reference", sz, loss, it+1)
				}
			}
		}
	}
}
