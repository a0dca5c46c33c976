// Package wnmf implements Wasserstein non-negative matrix factorisation
// (W-NMF) of Rolet, Cuturi and Peyré, "Fast Dictionary Learning with a
// Smoothed Wasserstein Loss", AISTATS 2016, in the dual form used by the
// OptimalTransport.jl example "Wasserstein non-negative matrix factorisation".
//
// Given m × n data X whose columns are histograms (nonnegative, summing to 1)
// and a ground cost C on the m bins, W-NMF seeks D (m × k) and Λ (k × n), both
// with columns on the probability simplex, minimising
//
//	J(D, Λ) = Σ_l OT_ε(X_l, (DΛ)_l) + ρ₁ E(Λ) + ρ₂ E(D),            (1)
//
// where OT_ε(p, q) = min_{T ≥ 0, T1 = p, Tᵀ1 = q} ⟨T, C⟩ + ε Σ_ij T_ij log T_ij
// is entropic optimal transport and E(A) = Σ_ij A_ij log A_ij is the negative
// entropy of the simplex columns (the seed's "−1" per entry only shifts J by
// a constant). J is minimised by alternating the two convex subproblems in D
// and Λ, each solved through its smooth unconstrained dual (Rolet et al.
// Theorems 3 and 4) with L-BFGS:
//
//	min_G Σ_l OT*_ε(X_l, G_l) + ρ₁ Σ_l E*(−(DᵀG)_l/ρ₁),   Λ = softmax(−DᵀG/ρ₁),  (2)
//	min_G Σ_l OT*_ε(X_l, G_l) + ρ₂ Σ_j E*(−(GΛᵀ)_j/ρ₂),   D = softmax(−GΛᵀ/ρ₂),  (3)
//
// with E* = logsumexp (column-wise) and the semi-dual
//
//	OT*_ε(p, g) = ε Σ_i p_i (log Σ_j exp((g_j − C_ij)/ε) − log p_i).     (4)
//
// Contract: X columns must be histograms; the cost must be finite and
// nonnegative. All log-sum-exp reductions are stabilised; the kernel products
// K·exp(G/ε) are batched over columns with BLAS and fall back to an exact
// log-domain reduction for the few entries where the shifted product
// underflows (see Dual). Nothing here panics on bad input: constructors and
// Factorize return errors.
package wnmf
