package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/assign"
)

// FactorMatchScore compares two CP models of the same shape and rank R up to
// the permutation and scaling (including sign) of their components:
//
//	FMS = max_π (1/R) Σ_r ∏_n |⟨a_r⁽ⁿ⁾, b_π(r)⁽ⁿ⁾⟩| / (‖a_r⁽ⁿ⁾‖ ‖b_π(r)⁽ⁿ⁾‖),
//
// the congruence form of Acar et al. (2011) without the weight penalty. It
// returns the score (in [0, 1]; 1 for equal models) and the best matching,
// perm[r] = π(r), found with the Hungarian algorithm. A zero column scores 0.
func FactorMatchScore(a, b []*mat.Dense) (float64, []int, error) {
	if len(a) != len(b) || len(a) == 0 {
		return 0, nil, fmt.Errorf("tensor: comparing CP models with %d and %d factors", len(a), len(b))
	}
	_, R := a[0].Dims()
	for k := range a {
		ra, ca := a[k].Dims()
		rb, cb := b[k].Dims()
		if ra != rb || ca != R || cb != R {
			return 0, nil, fmt.Errorf("tensor: factor %d is %d×%d in one model and %d×%d in the other (rank %d)", k, ra, ca, rb, cb, R)
		}
	}
	score := mat.NewDense(R, R, nil)
	for r := 0; r < R; r++ {
		for s := 0; s < R; s++ {
			score.Set(r, s, 1)
		}
	}
	for k := range a {
		ca, cb := unitColumns(a[k]), unitColumns(b[k])
		var c mat.Dense
		c.Mul(ca.T(), cb)
		for r := 0; r < R; r++ {
			for s := 0; s < R; s++ {
				score.Set(r, s, score.At(r, s)*math.Abs(c.At(r, s)))
			}
		}
	}
	perm := assign.SolveFunc(R, R, func(i, j int) float64 { return -score.At(i, j) })
	var sum float64
	for r, s := range perm {
		sum += score.At(r, s)
	}
	return sum / float64(R), perm, nil
}

// unitColumns returns a copy of m with columns scaled to unit L2 norm (zero
// columns stay zero).
func unitColumns(m *mat.Dense) *mat.Dense {
	out := mat.DenseCopyOf(m)
	_, c := out.Dims()
	for j := 0; j < c; j++ {
		col := mat.Col(nil, j, out)
		if nr := floats.Norm(col, 2); nr > 0 {
			floats.Scale(1/nr, col)
			out.SetCol(j, col)
		}
	}
	return out
}
