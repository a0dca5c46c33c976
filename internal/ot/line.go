package ot

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot/vmath"
)

// Line is the Gibbs kernel K_ij = exp(−λ·|i − j|^q/scale − shift) of the
// line cost LineCost(m, q, scale) between the positions 0…m−1 of one image
// axis (m × m, symmetric, so Apply ignores trans). It is the pixel-mode kernel
// of GWNTF and each of the two factors of a Grid.
//
// For the linear cost (q = 1) K = e^(−shift)·r^|i−j| with r = e^(−λ/scale), a
// symmetric Toeplitz matrix, and K·x is a forward and a backward first-order
// recursion along the axis (vmath.AxisExp):
//
//	f_i = x_i + r·f_{i−1},  g_i = r·(x_{i+1} + g_{i+1}),  (K·x)_i = e^(−shift)·(f_i + g_i),
//
// 3 flops per entry instead of 2m. Every term is nonnegative for nonnegative
// x, so there is no cancellation: the relative error of an output is at most
// a few ulps times m, the same as a dense product's, as long as no partial
// sum is subnormal. Where r^k·x underflows the recursion flushes to
// subnormals and zero exactly where the dense kernel entries themselves
// underflow; both then carry absolute errors of order m·2^−1074·max x, so the
// two agree to 1e−12 relative on every output above the underflow threshold
// (tested). The recursion is used only when r is a normal float64
// (λ/scale ≤ 708): for larger λ/scale already r carries fewer than 53
// significant bits and Line falls back to the dense product (Recursive
// reports which). Other q use the dense m × m matrix (one GEMM per batch,
// vmath.AxisMul inside a Grid).
type Line struct {
	m         int
	q         float64
	dense     *Dense  // exp(−λC − shift): Matrix, LogApply and the non-recursive products
	ratio     float64 // r = e^(−λ/scale) (q = 1)
	alpha     float64 // e^(−shift)
	recursive bool
}

// NewLine returns the kernel exp(−λ·LineCost(m, q, scale) − shift).
func NewLine(m int, q, scale, lambda, shift float64) (*Line, error) {
	if m < 1 {
		return nil, fmt.Errorf("ot: line of %d positions; want at least 1", m)
	}
	if !(q > 0) || math.IsInf(q, 1) {
		return nil, fmt.Errorf("ot: line cost exponent %v; want a finite q > 0", q)
	}
	if !(scale >= 0) || math.IsInf(scale, 1) {
		return nil, fmt.Errorf("ot: line cost scale %v; want a finite value ≥ 0", scale)
	}
	d, err := NewDense(LineCost(m, q, scale), lambda, shift)
	if err != nil {
		return nil, err
	}
	l := &Line{m: m, q: q, dense: d, alpha: math.Exp(-shift)}
	if q == 1 && m > 1 && scale > 0 {
		l.ratio = math.Exp(-lambda / scale)
		// r must be normal for full relative precision of r^k, and
		// e^(−shift) must be normal for the final scaling.
		l.recursive = l.ratio >= minNormal && l.alpha >= minNormal && !math.IsInf(l.alpha, 1)
	}
	return l, nil
}

// minNormal is the smallest positive normal float64, 2^−1022.
const minNormal = 0x1p-1022

// Recursive reports whether Apply uses the O(m) recursions (q = 1 and
// λ/scale small enough that r = e^(−λ/scale) is a normal number) rather than
// the dense product.
func (l *Line) Recursive() bool { return l.recursive }

// Dims returns (m, m).
func (l *Line) Dims() (m1, m2 int) { return l.m, l.m }

// WorkLen returns the scratch length for n histograms (that of LogApply; the
// products need none).
func (l *Line) WorkLen(n int) int { return l.dense.WorkLen(n) }

// Apply sets dst = K·src (K is symmetric: trans is ignored), by the
// recursions when Recursive, else with one GEMM.
func (l *Line) Apply(dst, src *mat.Dense, trans bool, work []float64) {
	if !l.recursive {
		l.dense.Apply(dst, src, trans, work)
		return
	}
	n := checkBatch(dst, src, l.m, l.m)
	if n == 0 {
		return
	}
	vmath.AxisExp(dst.RawMatrix().Data[:l.m*n], src.RawMatrix().Data[:l.m*n], l.ratio, 1, l.m, n, l.alpha)
}

// axisApply applies K along the middle axis of the outer × m × inner arrays
// src and dst: dst[o,i,t] = alpha·Σ_l K_il·src[o,l,t], by the recursions when
// Recursive, else by vmath.AxisMul. Used by Grid for its two factors.
func (l *Line) axisApply(dst, src []float64, outer, inner int, alpha float64) {
	if l.recursive {
		vmath.AxisExp(dst, src, l.ratio, outer, l.m, inner, alpha*l.alpha)
		return
	}
	vmath.AxisMul(dst, src, l.dense.k.RawMatrix().Data, outer, l.m, inner, alpha)
}

// LogApply sets dst_ij = log Σ_k K_ik exp(src_kj) with the dense log kernel
// (max-shifted sums, m²·n exponentials; see Dense.LogApply).
func (l *Line) LogApply(dst, src *mat.Dense, trans bool, work []float64) {
	l.dense.LogApply(dst, src, trans, work)
}

// Matrix returns K as a dense m × m matrix.
func (l *Line) Matrix() *mat.Dense { return l.dense.Matrix() }

// logK returns log K = −λC − shift (not a copy).
func (l *Line) logK() *mat.Dense { return l.dense.logK }
