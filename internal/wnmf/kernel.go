package wnmf

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot"
)

// Kernel is the Gibbs kernel K = exp(−C/ε) of a ground cost C on m bins,
// applied to m × n matrices column by column. It is either dense (any cost)
// or separable (the normalised squared Euclidean cost of a rectangular grid,
// applied as two small products along the grid axes).
type Kernel struct {
	m   int
	eps float64

	// Dense form: k = exp(−C/ε), logk = −C/ε, both m × m.
	k, logk *mat.Dense

	// Grid form: h × w grid, bin (r, c) at index c*h + r; kh (h × h) and
	// kw (w × w) are the 1-D kernels, gamma = 1/(ε·mean(C_raw)) so that
	// −C_ij/ε = −gamma·((r−r')² + (c−c')²).
	h, w   int
	kh, kw *mat.Dense
	gamma  float64
}

// GridCostMean is the mean over all m² pairs of bins of the squared Euclidean
// distance (r−r')² + (c−c')² on an h × w grid of unit spacing: (h²−1)/6 + (w²−1)/6.
func GridCostMean(h, w int) float64 {
	return float64(h*h-1)/6 + float64(w*w-1)/6
}

// GridCost returns the m × m cost of an h × w grid, m = h·w, bin (r, c) at
// index c*h + r: squared Euclidean distance divided by its mean over all
// pairs, as the seed normalises it (C = C / mean(C)).
func GridCost(h, w int) (*mat.Dense, error) {
	if h < 1 || w < 1 || h*w < 2 {
		return nil, fmt.Errorf("wnmf: grid %d×%d has fewer than two bins", h, w)
	}
	c := ot.GridCost{H: h, W: w, P: 2}.Matrix() // (r−r')² + (c−c')², the grid cost shared with SDNMF
	c.Scale(1/GridCostMean(h, w), c)
	return c, nil
}

// NewDenseKernel returns the kernel of an arbitrary m × m cost c (finite,
// nonnegative) at regularisation eps > 0. It stores two m × m matrices.
func NewDenseKernel(c *mat.Dense, eps float64) (*Kernel, error) {
	if err := checkEps(eps); err != nil {
		return nil, err
	}
	if c == nil || c.IsEmpty() {
		return nil, errors.New("wnmf: empty cost matrix")
	}
	m, mc := c.Dims()
	if m != mc {
		return nil, fmt.Errorf("wnmf: cost matrix is %d×%d, want square", m, mc)
	}
	kern := &Kernel{m: m, eps: eps, k: mat.NewDense(m, m, nil), logk: mat.NewDense(m, m, nil)}
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			v := c.At(i, j)
			if !(v >= 0) || math.IsInf(v, 1) {
				return nil, fmt.Errorf("wnmf: cost[%d,%d] = %v; need finite nonnegative costs", i, j, v)
			}
			kern.logk.Set(i, j, -v/eps)
			kern.k.Set(i, j, math.Exp(-v/eps))
		}
	}
	return kern, nil
}

// NewGridKernel returns the separable kernel of GridCost(h, w) at
// regularisation eps > 0; it never forms the m × m matrix.
func NewGridKernel(h, w int, eps float64) (*Kernel, error) {
	if err := checkEps(eps); err != nil {
		return nil, err
	}
	if h < 1 || w < 1 || h*w < 2 {
		return nil, fmt.Errorf("wnmf: grid %d×%d has fewer than two bins", h, w)
	}
	gamma := 1 / (eps * GridCostMean(h, w))
	oneD := func(n int) *mat.Dense {
		k := ot.LineCost(n, 2, 1) // (i − j)²
		k.Apply(func(_, _ int, c float64) float64 { return math.Exp(-gamma * c) }, k)
		return k
	}
	return &Kernel{m: h * w, eps: eps, h: h, w: w, kh: oneD(h), kw: oneD(w), gamma: gamma}, nil
}

func checkEps(eps float64) error {
	if !(eps > 0) || math.IsInf(eps, 1) {
		return fmt.Errorf("wnmf: regularisation ε = %v, want a finite positive number", eps)
	}
	return nil
}

// Size returns the number of bins m.
func (k *Kernel) Size() int { return k.m }

// Eps returns the entropic regularisation ε the kernel was built for.
func (k *Kernel) Eps() float64 { return k.eps }

// logRow writes −C_ij/ε for j = 0..m−1 into dst (len m).
func (k *Kernel) logRow(dst []float64, i int) {
	if k.logk != nil {
		copy(dst, k.logk.RawRowView(i))
		return
	}
	ri, ci := i%k.h, i/k.h
	for j := range dst {
		dr, dc := float64(ri-j%k.h), float64(ci-j/k.h)
		dst[j] = -k.gamma * (dr*dr + dc*dc)
	}
}

// apply computes dst = K·src (trans false) or Kᵀ·src (trans true) for
// m × n row-major src and dst with stride n; tmp must hold m·n values and
// must not alias src or dst. For the grid kernel, index c*h + r makes a
// contiguous row-major m × n matrix a w × (h·n) matrix along the grid's
// column axis and a stack of w contiguous h × n blocks along its row axis, so
// K·src = (K_w ⊗ K_h)·src is one GEMM plus w small GEMMs.
func (k *Kernel) apply(dst, src []float64, n int, trans bool, tmp []float64) {
	m := k.m
	if k.k != nil {
		t := blas.NoTrans
		if trans {
			t = blas.Trans
		}
		kr := k.k.RawMatrix()
		blas64.Gemm(t, blas.NoTrans, 1, kr,
			blas64.General{Rows: m, Cols: n, Stride: n, Data: src[:m*n]}, 0,
			blas64.General{Rows: m, Cols: n, Stride: n, Data: dst[:m*n]})
		return
	}
	// Both 1-D kernels are symmetric, so trans is irrelevant.
	h, w := k.h, k.w
	mid := src
	if w > 1 {
		mid = tmp
		if h == 1 {
			mid = dst
		}
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, k.kw.RawMatrix(),
			blas64.General{Rows: w, Cols: h * n, Stride: h * n, Data: src[:m*n]}, 0,
			blas64.General{Rows: w, Cols: h * n, Stride: h * n, Data: mid[:m*n]})
	}
	if h == 1 {
		return
	}
	khr := k.kh.RawMatrix()
	for c := 0; c < w; c++ {
		off := c * h * n
		blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, khr,
			blas64.General{Rows: h, Cols: n, Stride: n, Data: mid[off : off+h*n]}, 0,
			blas64.General{Rows: h, Cols: n, Stride: n, Data: dst[off : off+h*n]})
	}
}
