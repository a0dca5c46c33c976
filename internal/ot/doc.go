// Package ot solves entropic optimal-transport problems for many histograms at
// once: balanced Sinkhorn and the unbalanced (KL-relaxed marginals) scaling
// iterations used by SDNMF and GWNTF.
//
// # Conventions
//
// A batch of n histograms is a matrix whose columns are the histograms: a is
// m1 × n, b is m2 × n, and column j of a is transported to column j of b with
// the same Gibbs kernel
//
//	K = exp(−λ·C − shift)  (m1 × m2, elementwise),
//
// for a ground cost C. POT's (M, reg) convention is λ = 1/reg, shift = 0; the
// GWNTF paper's K = exp(−λC − 1) (Eq. 12) is shift = 1, which is POT's
// unbalanced problem with reg = 1/λ and M = C + 1/λ. The plan of column j is
// T_j = diag(u_j) K diag(v_j) with the scalings u (m1 × n) and v (m2 × n).
//
// The scaling iterations (Chizat et al. 2018; GWNTF Algorithm 1, SDNMF Eq. 9)
// are
//
//	u ← (a ⊘ K v)^φ,   v ← (b ⊘ Kᵀ u)^ψ,
//
// elementwise over the whole batch, with φ = ψ = 1 for balanced Sinkhorn and
// φ = ρ_a/(ρ_a + 1/λ), ψ = ρ_b/(ρ_b + 1/λ) when the marginal constraints are
// replaced by ρ·KL penalties (ρ = reg_m in POT, α, β in GWNTF, γ in SDNMF).
//
// # Kernels
//
// Kernel applies K or Kᵀ to a whole batch. Dense stores K (one GEMM per
// product); Grid is the separable kernel of a cost that is a sum of per-axis
// costs on an H × W pixel grid, C = (|Δrow|^p + |Δcol|^p)/s, for which
// K = e^(−shift)·K_col ⊗ K_row. Histograms are column-major vectorised images
// (pixel (r, c) at index c·H + r, as in package datasets), so the d × n batch
// (d = H·W), stored row major, is a W × H × n array: K_col acts along its first
// axis and K_row along its second (vmath.AxisMul, 2dn(H+W) flops instead of
// 2d²n), and for p = 1 both factors are Toeplitz matrices q^|Δ| applied by
// first-order recursions (vmath.AxisExp, O(dn)).
//
// # Numerics
//
// Kernel entries reach e^−101 at λ = 100, so everything is float64 and the
// fractional powers come from package vmath (accurate to ~1e-15, fused with
// the division). Scaling.UpdateU and UpdateV return an error naming the number
// of entries when a division by an underflowed Kv or Kᵀu yields +Inf or NaN, so
// that callers fail the run rather than store garbage; an optional Floor
// bounds the denominators from below, as the SDNMF reference code does.
// LogScaling runs the same iterations on log u, log v with stabilised
// log-sum-exp reductions and never underflows, at the price of one exp per
// kernel entry and histogram.
//
// All types are safe for concurrent use by several goroutines only when each
// goroutine has its own Scaling / LogScaling; kernels are immutable after
// construction and may be shared (e.g. cached with methods.Cached).
package ot
