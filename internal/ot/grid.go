package ot

import (
	"fmt"
	"math"
	"unsafe"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot/vmath"
)

func addr(p *float64) uintptr { return uintptr(unsafe.Pointer(p)) }

// GridCost is the ground cost between the pixels of an H × W image,
// C((r,c), (r',c')) = (|r − r'|^P + |c − c'|^P)/s, with s = 1, or s the
// largest value (H−1)^P + (W−1)^P when Normalize is set. Pixels are indexed
// column-major: pixel (r, c) is bin c·H + r, as in package datasets. P = 1 is
// the Manhattan distance of SDNMF (which normalizes), P = 2 the squared
// Euclidean distance.
type GridCost struct {
	H, W      int
	P         float64
	Normalize bool
}

// Validate checks that the grid is nonempty and P positive and finite.
func (g GridCost) Validate() error {
	if g.H < 1 || g.W < 1 {
		return fmt.Errorf("ot: grid %d×%d; want positive height and width", g.H, g.W)
	}
	if !(g.P > 0) || math.IsInf(g.P, 1) {
		return fmt.Errorf("ot: grid cost exponent %v; want a finite P > 0", g.P)
	}
	return nil
}

// Scale returns the divisor s of the cost.
func (g GridCost) Scale() float64 {
	if !g.Normalize {
		return 1
	}
	s := math.Pow(float64(g.H-1), g.P) + math.Pow(float64(g.W-1), g.P)
	if s == 0 {
		return 1 // a single pixel: the cost is 0 anyway
	}
	return s
}

// axis returns the n × n per-axis cost |i − j|^P / s.
func (g GridCost) axis(n int) *mat.Dense { return LineCost(n, g.P, g.Scale()) }

// LineCost returns the ground cost C(i, j) = |i − j|^q / scale between the
// positions 0…m−1 of one image axis (scale = (m − 1)^q normalises it by its
// maximum; for m = 1 the cost is the zero 1 × 1 matrix). It is the one
// pixel-grid cost of nmfbench: GridCost builds its axes from it.
func LineCost(m int, q, scale float64) *mat.Dense {
	c := mat.NewDense(m, m, nil)
	if m == 1 || scale == 0 {
		return c
	}
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			c.Set(i, j, math.Pow(math.Abs(float64(i-j)), q)/scale)
		}
	}
	return c
}

// Matrix returns the full (H·W) × (H·W) cost matrix.
func (g GridCost) Matrix() *mat.Dense {
	d := g.H * g.W
	rows, cols := g.axis(g.H), g.axis(g.W)
	c := mat.NewDense(d, d, nil)
	for c1 := 0; c1 < g.W; c1++ {
		for r1 := 0; r1 < g.H; r1++ {
			for c2 := 0; c2 < g.W; c2++ {
				for r2 := 0; r2 < g.H; r2++ {
					c.Set(c1*g.H+r1, c2*g.H+r2, rows.At(r1, r2)+cols.At(c1, c2))
				}
			}
		}
	}
	return c
}

// Grid is the separable Kernel of a GridCost: K = e^(−shift)·K_col ⊗ K_row
// with K_row = exp(−λ|Δr|^P/s) (H × H) and K_col = exp(−λ|Δc|^P/s) (W × W),
// each a Line kernel (shift 0). It is symmetric, so Apply ignores trans.
type Grid struct {
	cost          GridCost
	lambda, shift float64
	row, col      *Line   // factors
	scale         float64 // e^(−shift)
	h, w          int
}

// NewGrid returns the separable kernel exp(−λ·C − shift) of the grid cost C.
func NewGrid(c GridCost, lambda, shift float64) (*Grid, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := checkGibbs(lambda, shift); err != nil {
		return nil, err
	}
	g := &Grid{cost: c, lambda: lambda, shift: shift, h: c.H, w: c.W, scale: math.Exp(-shift)}
	var err error
	if g.row, err = NewLine(c.H, c.P, c.Scale(), lambda, 0); err != nil {
		return nil, err
	}
	if g.col, err = NewLine(c.W, c.P, c.Scale(), lambda, 0); err != nil {
		return nil, err
	}
	return g, nil
}

// Cost returns the grid cost the kernel was built from.
func (g *Grid) Cost() GridCost { return g.cost }

// Dims returns (H·W, H·W).
func (g *Grid) Dims() (m1, m2 int) { return g.h * g.w, g.h * g.w }

// WorkLen returns the scratch length for n histograms.
func (g *Grid) WorkLen(n int) int { return g.h*g.w*n + 2*g.h*n }

// Apply sets dst = K·src. Seen as a W × H × n array, src is multiplied by
// e^(−shift)·K_col along its first axis and by K_row along its second, each
// pass one call of vmath.AxisMul (2·d·n·(H+W) flops, cache-blocked, no
// threads). For the linear cost (P = 1) the factors are Toeplitz matrices
// q^|Δ| and the passes are vmath.AxisExp recursions, O(1) per entry (see
// Line).
func (g *Grid) Apply(dst, src *mat.Dense, _ bool, work []float64) {
	d := g.h * g.w
	n := checkBatch(dst, src, d, d)
	if n == 0 {
		return
	}
	if len(work) < d*n {
		work = make([]float64, d*n)
	}
	sd, t, dd := src.RawMatrix().Data[:d*n], work[:d*n], dst.RawMatrix().Data[:d*n]
	g.col.axisApply(t, sd, 1, g.h*n, g.scale)
	g.row.axisApply(dd, t, g.w, n, 1)
}

// applyGEMM is Apply with BLAS: one GEMM K_col·S over the W × (H·n) view of
// src, then W GEMMs K_row·T_c on the H × n blocks. Kept for the benchmarks
// and as a cross-check.
func (g *Grid) applyGEMM(dst, src *mat.Dense, work []float64) {
	d := g.h * g.w
	n := checkBatch(dst, src, d, d)
	if n == 0 {
		return
	}
	if len(work) < d*n {
		work = make([]float64, d*n)
	}
	hn := g.h * n
	s := blas64.General{Rows: g.w, Cols: hn, Stride: hn, Data: src.RawMatrix().Data[:d*n]}
	t := blas64.General{Rows: g.w, Cols: hn, Stride: hn, Data: work[:d*n]}
	blas64.Gemm(blas.NoTrans, blas.NoTrans, g.scale, g.col.dense.k.RawMatrix(), s, 0, t)
	dd := dst.RawMatrix().Data
	for c := 0; c < g.w; c++ {
		tc := blas64.General{Rows: g.h, Cols: n, Stride: n, Data: work[c*hn : (c+1)*hn]}
		dc := blas64.General{Rows: g.h, Cols: n, Stride: n, Data: dd[c*hn : (c+1)*hn]}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, g.row.dense.k.RawMatrix(), tc, 0, dc)
	}
}

// LogApply sets dst_ij = log Σ_k K_ik exp(src_kj), reducing along the image
// columns, then the rows, each with a max-shifted log-sum-exp:
// d·n·(H+W) exponentials.
func (g *Grid) LogApply(dst, src *mat.Dense, _ bool, work []float64) {
	d := g.h * g.w
	n := checkBatch(dst, src, d, d)
	if n == 0 {
		return
	}
	if len(work) < g.WorkLen(n) {
		work = make([]float64, g.WorkLen(n))
	}
	hn := g.h * n
	t := work[:d*n]
	mx := work[d*n : d*n+hn]
	e := work[d*n+hn : d*n+2*hn]
	sd := src.RawMatrix().Data[:d*n]
	// Along the image columns: blocks of H·n contiguous values per column c.
	logLSE(t, sd, g.col.logK(), g.w, hn, -g.shift, mx, e)
	// Along the image rows: within each column block, rows of n values.
	dd := dst.RawMatrix().Data
	for c := 0; c < g.w; c++ {
		logLSE(dd[c*hn:(c+1)*hn], t[c*hn:(c+1)*hn], g.row.logK(), g.h, n, 0, mx[:n], e[:n])
	}
}

// logLSE sets, for the m blocks of length l of src and dst,
// dst_a = add + log Σ_b exp(logK_ab + src_b) elementwise over the l entries,
// using mx and e (length l) as scratch.
func logLSE(dst, src []float64, logK *mat.Dense, m, l int, add float64, mx, e []float64) {
	lk := logK.RawMatrix()
	for a := 0; a < m; a++ {
		krow := lk.Data[a*lk.Stride : a*lk.Stride+m]
		for i := range mx {
			mx[i] = math.Inf(-1)
		}
		for b := 0; b < m; b++ {
			kb := krow[b]
			sb := src[b*l : (b+1)*l]
			for i, v := range sb {
				if v+kb > mx[i] {
					mx[i] = v + kb
				}
			}
		}
		out := dst[a*l : (a+1)*l]
		clear(out)
		for b := 0; b < m; b++ {
			kb := krow[b]
			sb := src[b*l : (b+1)*l]
			for i, v := range sb {
				e[i] = v + kb - mx[i]
			}
			vmath.Exp(e, e)
			for i, v := range e {
				out[i] += v
			}
		}
		vmath.Log(out, out)
		for i, v := range out {
			if math.IsInf(mx[i], -1) {
				out[i] = mx[i]
				continue
			}
			out[i] = v + mx[i] + add
		}
	}
}

// Matrix returns the full (H·W) × (H·W) kernel.
func (g *Grid) Matrix() *mat.Dense {
	d := g.h * g.w
	k := mat.NewDense(d, d, nil)
	for c1 := 0; c1 < g.w; c1++ {
		for r1 := 0; r1 < g.h; r1++ {
			for c2 := 0; c2 < g.w; c2++ {
				for r2 := 0; r2 < g.h; r2++ {
					k.Set(c1*g.h+r1, c2*g.h+r2, math.Exp(g.row.logK().At(r1, r2)+g.col.logK().At(c1, c2)-g.shift))
				}
			}
		}
	}
	return k
}
