package gwntf

import (
	"context"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot"
	"nmfbench/internal/ot/vmath"
)

// scalingFloor bounds the scaling denominators Kv and Kᵀu from below. It is active
// only where they vanish, i.e. on data fibres that are entirely zero, whose
// plans are empty whatever v is (Ψ = v ⊛ Kᵀu = 0 there).
const scalingFloor = 1e-300

// modeScaling is the unbalanced-OT state of one mode: the batched scaling of
// every fibre of X₍ₙ₎ (source) against the same fibre of X̂₍ₙ₎ (target).
type modeScaling struct {
	sc     *ot.Scaling
	prm    Params
	m1, m2 float64 // 1/Iₙ: Algorithm 1's start V = 𝟏/Iₙ
	iters  int     // scaling rounds done by the latest solve
	logs   [6][]float64
}

// newModeScaling prepares the scaling of mode n with kernel k, data unfolding
// x and the target buffer xhat (whose contents change every outer iteration).
func newModeScaling(k ot.Kernel, x, xhat *mat.Dense, prm Params) (*modeScaling, error) {
	sc, err := ot.NewScaling(k, x, xhat, ot.Options{
		Phi: ot.Exponent(prm.MarginalWeightData, prm.Entropic), Psi: ot.Exponent(prm.MarginalWeightModel, prm.Entropic), Floor: scalingFloor,
	})
	if err != nil {
		return nil, err
	}
	m1, m2 := k.Dims()
	g := &modeScaling{sc: sc, prm: prm, m1: 1 / float64(m1), m2: 1 / float64(m2)}
	for i := range g.logs {
		g.logs[i] = make([]float64, logChunk)
	}
	return g, nil
}

const logChunk = 2048

// solve runs the scaling of Algorithm 1 against the current contents of the
// target buffer — scaling_iters rounds (or fewer when scaling_tol is met)
// from V = 𝟏/Iₙ (or the previous V with warm_start), then a final U update —
// writes Ψ(Tₙ) = V ⊛ KᵀU into psi and returns the mode's term of J,
//
//	(1/λ)(⟨Φ, log U⟩ + ⟨Ψ, log V⟩ − ΣΦ) + α D_KL(Φ‖X₍ₙ₎) + β D_KL(Ψ‖X̂₍ₙ₎),
//
// with Φ = U ⊛ KV (docs/gwntf.md).
func (g *modeScaling) solve(ctx context.Context, psi *mat.Dense) (float64, error) {
	sc := g.sc
	if !g.prm.WarmStart {
		sc.Reset(g.m1, g.m2)
	}
	it, _, err := sc.Iterate(ctx, g.prm.ScalingIters, g.prm.ScalingTol)
	g.iters = it
	if err != nil {
		return 0, err
	}
	if err := sc.UpdateU(); err != nil { // KV = K·V, U = (X ⊘ KV)^φ
		return 0, err
	}
	sc.ColMarginal(psi) // KTU = KᵀU, Ψ = V ⊛ KTU
	return g.objective(psi), nil
}

// objective evaluates the mode's term of J at the current scalings, with
// vectorised logarithms over chunks (no allocation).
func (g *modeScaling) objective(psi *mat.Dense) float64 {
	sc := g.sc
	U, V := sc.U.RawMatrix().Data, sc.V.RawMatrix().Data
	KV, KTU := sc.KV.RawMatrix().Data, sc.KTU.RawMatrix().Data
	X, Xh := sc.A.RawMatrix().Data, sc.B.RawMatrix().Data
	P := psi.RawMatrix().Data
	lam, alpha, beta := g.prm.Entropic, g.prm.MarginalWeightData, g.prm.MarginalWeightModel
	var ent, klA, klB float64
	for lo := 0; lo < len(U); lo += logChunk {
		hi := min(lo+logChunk, len(U))
		lu, lv, lkv, lktu, lx, lxh := g.logs[0][:hi-lo], g.logs[1][:hi-lo], g.logs[2][:hi-lo], g.logs[3][:hi-lo], g.logs[4][:hi-lo], g.logs[5][:hi-lo]
		vmath.Log(lu, U[lo:hi])
		vmath.Log(lv, V[lo:hi])
		vmath.Log(lkv, KV[lo:hi])
		vmath.Log(lktu, KTU[lo:hi])
		vmath.Log(lx, X[lo:hi])
		vmath.Log(lxh, Xh[lo:hi])
		for k := range lu {
			i := lo + k
			klA += X[i]
			klB += Xh[i]
			if u := U[i]; u > 0 { // Φ = 0 where U = 0 (zero data)
				phi := u * KV[i]
				ent += phi * (lu[k] - 1)
				klA += phi*(lu[k]+lkv[k]-lx[k]) - phi
			}
			if p := P[i]; p > 0 { // Ψ = 0 on all-zero data fibres
				ent += p * lv[k]
				klB += p*(lv[k]+lktu[k]-lxh[k]) - p
			}
		}
	}
	return ent/lam + alpha*klA + beta*klB
}
