package gwntf

import (
	"context"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot"
	"nmfbench/internal/ot/vmath"
)

// scalingFloor bounds the scaling denominators Kv and Kᵀu from below. It is active
// only where they vanish, i.e. on data fibres that are entirely zero, whose
// plans are empty whatever v is (Ψ = v ⊛ Kᵀu = 0 there).
const scalingFloor = 1e-300

// blockEntries is the size of the column blocks of the blocked scaling
// (entries per block buffer: 64 KiB, so that the seven block matrices and the
// logarithm chunks stay in a 1 MiB L2 cache), and maxBlockRows the largest
// fibre length that is blocked (the pixel modes; the sample mode with its
// n × n kernel runs on the whole unfolding).
const (
	blockEntries = 8192
	maxBlockRows = 256
)

// modeScaling is the unbalanced-OT state of one mode: the batched scaling of
// every fibre of X₍ₙ₎ (source) against the same fibre of X̂₍ₙ₎ (target).
//
// The fibres are independent: every scaling round, the kernel product and
// the objective act column by column. With a fixed number of rounds
// (scaling_tol = 0) and short fibres, solve therefore runs all rounds on one
// block of columns at a time, copied into cache-sized buffers (blk, or rem
// for the last, narrower block), instead of streaming the whole unfolding
// from memory twice per round: the same operations on every entry, in the
// same order, so U, V and Ψ are bit for bit those of the unblocked
// iteration (the recursive kernel and DivPow are columnwise; only the
// summation order of the objective changes). The blocked path keeps the
// data and the warm-start V of every block in block-contiguous storage
// (xBlk, vBlk), which the block state points at in turn, so that only the
// target X̂ is copied in and Ψ out. The whole-unfolding state (U, V, KV, KᵀU:
// four unfoldings' worth of memory) exists only for the unblocked path; a
// blocked mode builds it only on request (whole, for tests and exportWhole).
type modeScaling struct {
	sc       *ot.Scaling // whole-unfolding state; nil until whole() in a blocked mode
	k        ot.Kernel
	x, xhat  *mat.Dense // data unfolding and target buffer
	opt      ot.Options
	prm      Params
	m1, m2   float64     // 1/Iₙ: Algorithm 1's start V = 𝟏/Iₙ
	iters    int         // scaling rounds done by the latest solve
	phi      []float64   // Φ of one chunk (objective)
	blk, rem *ot.Scaling // block states (nil: no blocking)
	psiBlk   [2]*mat.Dense
	// xBlk[j] and vBlk[j] are the data and the scaling V of block j.
	xBlk, vBlk []*mat.Dense
	// exportWhole makes the blocked solve also write U and V into sc.U and
	// sc.V (tests compare them with the unblocked path, or build plans).
	exportWhole bool
}

// newModeScaling prepares the scaling of mode n with kernel k, data unfolding
// x and the target buffer xhat (whose contents change every outer iteration);
// the elementwise steps run on workers goroutines (the run's share of the
// cores, methods.Problem.Goroutines: 1 unless the runner grants more).
func newModeScaling(k ot.Kernel, x, xhat *mat.Dense, prm Params, workers int) (*modeScaling, error) {
	opt := ot.Options{
		Phi: ot.Exponent(prm.MarginalWeightData, prm.Entropic), Psi: ot.Exponent(prm.MarginalWeightModel, prm.Entropic), Floor: scalingFloor,
		Workers: workers,
	}
	// The checks of ot.NewScaling, which a blocked mode does not call on x.
	if err := ot.CheckMarginals(k, x, xhat); err != nil {
		return nil, err
	}
	m1, m2 := k.Dims()
	_, n := x.Dims()
	g := &modeScaling{k: k, x: x, xhat: xhat, opt: opt, prm: prm, m1: 1 / float64(m1), m2: 1 / float64(m2)}
	g.phi = make([]float64, logChunk)
	// Blocks only for a fixed number of rounds (scaling_tol = 0): a global
	// stopping rule needs the whole unfolding, so solve never blocks then.
	tb := blockEntries / max(m1, m2)
	if !(prm.ScalingTol == 0 && m1 <= maxBlockRows && m2 <= maxBlockRows && tb < n) {
		if _, err := g.whole(); err != nil {
			return nil, err
		}
		return g, nil
	}
	var err error
	if g.blk, err = blockScaling(k, m1, m2, tb, opt); err != nil {
		return nil, err
	}
	g.psiBlk[0] = mat.NewDense(m2, tb, nil)
	if r := n % tb; r > 0 {
		if g.rem, err = blockScaling(k, m1, m2, r, opt); err != nil {
			return nil, err
		}
		g.psiBlk[1] = mat.NewDense(m2, r, nil)
	}
	for j0 := 0; j0 < n; j0 += tb {
		w := min(tb, n-j0)
		xb, vb := mat.NewDense(m1, w, nil), mat.NewDense(m2, w, nil)
		copyCols(xb, x, j0)
		fillDense(vb, g.m2) // the start 𝟏/Iₙ, as ot.NewScaling's
		g.xBlk, g.vBlk = append(g.xBlk, xb), append(g.vBlk, vb)
	}
	return g, nil
}

// whole returns the whole-unfolding scaling state, building it on first use
// (with NewScaling's start U = 𝟏/Iₙ, V = 𝟏/Iₙ, which the blocks share).
func (g *modeScaling) whole() (*ot.Scaling, error) {
	if g.sc == nil {
		sc, err := ot.NewScaling(g.k, g.x, g.xhat, g.opt)
		if err != nil {
			return nil, err
		}
		g.sc = sc
	}
	return g.sc, nil
}

// fillDense sets every entry of the contiguous matrix m to v.
func fillDense(m *mat.Dense, v float64) {
	d := m.RawMatrix().Data
	for i := range d {
		d[i] = v
	}
}

// blockScaling returns a Scaling over fresh m1 × cols and m2 × cols buffers.
func blockScaling(k ot.Kernel, m1, m2, cols int, opt ot.Options) (*ot.Scaling, error) {
	return ot.NewScaling(k, mat.NewDense(m1, cols, nil), mat.NewDense(m2, cols, nil), opt)
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
	if g.blk != nil {
		return g.solveBlocked(ctx, psi)
	}
	sc, err := g.whole()
	if err != nil {
		return 0, err
	}
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
	return g.objective(sc, psi), nil
}

// solveBlocked is solve with a fixed number of rounds, one column block at a
// time (see modeScaling). The block state reads the block's data and keeps
// its V in xBlk and vBlk; U and V of the whole unfolding (g.whole) are
// written only with exportWhole.
func (g *modeScaling) solveBlocked(ctx context.Context, psi *mat.Dense) (float64, error) {
	var sc *ot.Scaling
	if g.exportWhole {
		var err error
		if sc, err = g.whole(); err != nil {
			return 0, err
		}
	}
	var J float64
	for j, j0 := 0, 0; j < len(g.xBlk); j++ {
		b, pb := g.blk, g.psiBlk[0]
		_, w := g.xBlk[j].Dims()
		if _, bw := b.U.Dims(); bw != w {
			b, pb = g.rem, g.psiBlk[1]
		}
		b.A, b.V = g.xBlk[j], g.vBlk[j]
		copyCols(b.B, g.xhat, j0)
		if !g.prm.WarmStart {
			b.Reset(g.m1, g.m2)
		}
		it, _, err := b.Iterate(ctx, g.prm.ScalingIters, 0)
		g.iters = it
		if err != nil {
			return 0, err
		}
		if err := b.UpdateU(); err != nil {
			return 0, err
		}
		b.ColMarginal(pb)
		J += g.objective(b, pb)
		putCols(psi, pb, j0)
		if sc != nil {
			putCols(sc.U, b.U, j0)
			putCols(sc.V, b.V, j0)
		}
		j0 += w
	}
	return J, nil
}

// copyCols sets dst (r × w, contiguous) to the columns j0 … j0+w−1 of src.
func copyCols(dst, src *mat.Dense, j0 int) {
	r, w := dst.Dims()
	d, s := dst.RawMatrix().Data, src.RawMatrix()
	for i := 0; i < r; i++ {
		copy(d[i*w:(i+1)*w], s.Data[i*s.Stride+j0:i*s.Stride+j0+w])
	}
}

// putCols sets the columns j0 … j0+w−1 of dst to src (r × w, contiguous).
func putCols(dst, src *mat.Dense, j0 int) {
	r, w := src.Dims()
	s, d := src.RawMatrix().Data, dst.RawMatrix()
	for i := 0; i < r; i++ {
		copy(d.Data[i*d.Stride+j0:i*d.Stride+j0+w], s[i*w:(i+1)*w])
	}
}

// objective evaluates the mode's term of J at the current scalings of sc
// (the whole unfolding or one block) and its column marginal Ψ = psi, in
// chunks (no allocation), as
//
//	(1/λ)(Σ Φ log U − ΣΦ + Σ Ψ log V) + α(Σ Φ log(Φ/X) − ΣΦ + ΣX) + β(Σ Ψ log(Ψ/X̂) − ΣΨ + ΣX̂)
//
// with Φ = U ⊛ KV; log Φ = log U + log KV, so this is the closed form of
// solve. vmath.DotLog skips the zero weights (0 log 0 = 0: Φ = 0 where the
// data are 0, Ψ = 0 on all-zero data fibres).
func (g *modeScaling) objective(sc *ot.Scaling, psi *mat.Dense) float64 {
	U, V := sc.U.RawMatrix().Data, sc.V.RawMatrix().Data
	KV := sc.KV.RawMatrix().Data
	X, Xh := sc.A.RawMatrix().Data, sc.B.RawMatrix().Data
	P := psi.RawMatrix().Data
	lam, alpha, beta := g.prm.Entropic, g.prm.MarginalWeightData, g.prm.MarginalWeightModel
	var ent, klA, klB float64
	for lo := 0; lo < len(U); lo += logChunk {
		hi := min(lo+logChunk, len(U))
		phi := g.phi[:hi-lo]
		floats.MulTo(phi, U[lo:hi], KV[lo:hi])
		sPhi, sPsi := floats.Sum(phi), floats.Sum(P[lo:hi])
		ent += vmath.DotLog(phi, U[lo:hi], nil) - sPhi + vmath.DotLog(P[lo:hi], V[lo:hi], nil)
		klA += vmath.DotLog(phi, phi, X[lo:hi]) - sPhi + floats.Sum(X[lo:hi])
		klB += vmath.DotLog(P[lo:hi], P[lo:hi], Xh[lo:hi]) - sPsi + floats.Sum(Xh[lo:hi])
	}
	return ent/lam + alpha*klA + beta*klB
}
