package gwntf

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot"
	"nmfbench/methods"
)

// relDiffMat returns max |a − b| / max |b|.
func relDiffMat(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, math.Inf(1)) / mat.Norm(b, math.Inf(1))
}

// TestGWNTFRecursiveKernelMatchesDense runs GWNTF twice from the same seed on
// data large enough for the blocked scaling (12 × 10 images, 200 samples,
// with all-zero fibres), once with the recursive line kernels of the pixel
// modes (the default) and once with the dense kernels exp(−λC − 1) of the same
// costs: the objective traces agree to 1e-10 relative and the embeddings to
// 1e-9.
func TestGWNTFRecursiveKernelMatchesDense(t *testing.T) {
	ctx := context.Background()
	d := gwTestData(12, 10, 200, 21, true)
	prm := Defaults
	prm.Rank, prm.Neighbors, prm.MaxIter = 4, 3, 30
	run := func(dense bool) *methods.Result {
		s := gwTestSolver(t, d, prm)
		for m := 0; m < 2; m++ {
			l, ok := s.ot[m].k.(*ot.Line)
			if !ok || !l.Recursive() {
				t.Fatalf("mode %d: kernel %T is not the recursive line kernel", m+1, s.ot[m].k)
			}
			if s.ot[m].blk == nil {
				t.Fatalf("mode %d: scaling not blocked", m+1)
			}
			if dense {
				k, err := ot.NewDense(ot.LineCost(s.dims[m], 1, float64(s.dims[m]-1)), prm.Entropic, 1)
				if err != nil {
					t.Fatal(err)
				}
				s.ot[m].k, s.ot[m].blk.K = k, k
				if s.ot[m].rem != nil {
					s.ot[m].rem.K = k
				}
			}
		}
		res, err := s.run(ctx, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	rec, den := run(false), run(true)
	if len(rec.Objective) != len(den.Objective) {
		t.Fatalf("%d and %d objective values", len(rec.Objective), len(den.Objective))
	}
	var worst float64
	for i, j := range den.Objective {
		worst = max(worst, math.Abs(rec.Objective[i]-j)/math.Abs(j))
	}
	e := relDiffMat(rec.Embedding, den.Embedding)
	t.Logf("recursive vs dense kernel: objective trace %.2g, embedding %.2g (relative)", worst, e)
	if worst > 1e-10 {
		t.Errorf("objective traces differ by %.2g relative; want ≤ 1e-10", worst)
	}
	if e > 1e-9 {
		t.Errorf("embeddings differ by %.2g relative; want ≤ 1e-9", e)
	}
}

// TestGWNTFBlockedScalingMatchesWhole checks that the column-blocked scaling
// (including a narrower last block) gives the same V, U and Ψ as the scaling
// of the whole unfolding, bit for bit, and the same mode term of J to 1e-12,
// warm and cold started.
func TestGWNTFBlockedScalingMatchesWhole(t *testing.T) {
	ctx := context.Background()
	d := gwTestData(12, 10, 90, 22, true) // mode 1: 12 × 900 in blocks of 682 and 218 columns
	for _, warm := range []bool{true, false} {
		// export: the blocked solve also writes U and V of the whole
		// unfolding (compared below); without it (as in fits) Ψ and J must
		// not change.
		for _, export := range []bool{false, true} {
			prm := Defaults
			prm.Rank, prm.GraphWeight, prm.WarmStart = 3, 0, warm
			s := gwTestSolver(t, d, prm)
			for n := 0; n < 2; n++ {
				g := s.ot[n]
				if g.blk == nil || g.rem == nil {
					t.Fatalf("mode %d: expected a blocked scaling with a remainder block", n+1)
				}
				g.exportWhole = export
				s.model(n)
				// Two solves, so that the warm start matters.
				var Jb, Jw float64
				psiB := mat.NewDense(s.dims[n], s.size/s.dims[n], nil)
				if g.sc != nil {
					t.Fatalf("mode %d: a blocked mode built the whole-unfolding state before it was asked for", n+1)
				}
				whole, err := g.whole() // for the unblocked comparison below
				if err != nil {
					t.Fatal(err)
				}
				v0 := mat.DenseCopyOf(whole.V)
				for k := 0; k < 2; k++ {
					var err error
					if Jb, err = g.solve(ctx, psiB); err != nil {
						t.Fatal(err)
					}
				}
				uB, vB := mat.DenseCopyOf(whole.U), mat.DenseCopyOf(whole.V)
				whole.V.Copy(v0)
				blk := g.blk
				g.blk = nil // whole-unfolding path
				psiW := mat.NewDense(s.dims[n], s.size/s.dims[n], nil)
				for k := 0; k < 2; k++ {
					var err error
					if Jw, err = g.solve(ctx, psiW); err != nil {
						t.Fatal(err)
					}
				}
				g.blk = blk
				cmp := map[string][2]*mat.Dense{"Ψ": {psiB, psiW}}
				if export {
					cmp["U"], cmp["V"] = [2]*mat.Dense{uB, whole.U}, [2]*mat.Dense{vB, whole.V}
				}
				for name, p := range cmp {
					if !mat.Equal(p[0], p[1]) {
						t.Errorf("warm=%v export=%v mode %d: blocked %s differs from the whole-unfolding one by %.2g", warm, export, n+1, name, relDiffMat(p[0], p[1]))
					}
				}
				if math.Abs(Jb-Jw) > 1e-12*math.Abs(Jw) {
					t.Errorf("warm=%v export=%v mode %d: J term %.15g blocked, %.15g whole", warm, export, n+1, Jb, Jw)
				}
			}
		}
	}
}

// TestGWNTFPixelProductsMatchKhatriRao checks the pixel-mode reconstruction
// and MTTKRP without the Khatri–Rao matrix (model, mttkrp) against
// A⁽ⁿ⁾A⁽⁻ⁿ⁾ᵀ and Q A⁽⁻ⁿ⁾ with tensor.KhatriRao (reconstruct).
func TestGWNTFPixelProductsMatchKhatriRao(t *testing.T) {
	d := gwTestData(7, 5, 11, 23, false)
	prm := Defaults
	prm.Rank = 4
	s := gwTestSolver(t, d, prm)
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 3; n++ {
		s.changed()
		got := mat.DenseCopyOf(s.model(n))
		s.changed()
		want := mat.DenseCopyOf(s.reconstruct(n))
		if e := relDiffMat(got, want); e > 1e-14 {
			t.Errorf("mode %d: model differs from A·KRᵀ by %.2g", n+1, e)
		}
		q := gwRandomTarget(s, n, rng)
		s.mttkrp(n, q)
		var w mat.Dense
		w.Mul(q, s.kr[n])
		if e := relDiffMat(s.num[n], &w); e > 1e-14 {
			t.Errorf("mode %d: mttkrp differs from Q·KR by %.2g", n+1, e)
		}
	}
}
