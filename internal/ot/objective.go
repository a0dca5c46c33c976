package ot

import (
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot/vmath"
)

// EntropicCost returns Σ_j ⟨T_j, C⟩ + (1/λ) Σ_ik T_j,ik (log T_j,ik − 1) for
// the plans T_j = diag(u_j) K diag(v_j) with K = exp(−λC − shift), from the
// scalings and the plans' marginals alone (rowMarg = u ∘ Kv, colMarg =
// v ∘ Kᵀu, e.g. from RowMarginal and ColMarginal). Since
// log T_ik = log u_i + log v_k − λC_ik − shift, the cost terms cancel:
//
//	(1/λ)·[Σ rowMarg·log u + Σ colMarg·log v − (1 + shift)·Σ rowMarg],
//
// with 0·log 0 = 0. It costs O((m1 + m2)·n) instead of O(m1·m2·n).
func EntropicCost(u, v, rowMarg, colMarg *mat.Dense, lambda, shift float64) float64 {
	s := vmath.DotLog(rawData(rowMarg), rawData(u), nil) + vmath.DotLog(rawData(colMarg), rawData(v), nil)
	mass := floats.Sum(rawData(rowMarg))
	return (s - (1+shift)*mass) / lambda
}
