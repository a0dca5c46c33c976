// Package graph builds the sample affinity graphs of the graph-regularized
// factorizations (GNMF, GNCP, SDNMF, GWNTF) and provides the sparse kernels
// their multiplicative updates need.
//
// The contract:
//
//   - KNN builds the p-nearest-neighbour graph W of Deng Cai's constructW
//     (NeighborMode 'KNN'): exact neighbours by Euclidean distance, self
//     excluded, ties broken towards the lower sample index, weights Binary,
//     HeatKernel or Cosine, symmetrized as W = max(W, Wᵀ). Distances are
//     computed in row blocks with one BLAS matrix product per block
//     (‖x‖² − 2xᵀy + ‖y‖²), so the cost is one n × n × d Gemm.
//   - CSR stores W (n × n, nonnegative) in compressed sparse rows together
//     with its degrees D_ii = Σ_j W_ij, and multiplies it, D and the graph
//     Laplacian L = D − W into dense n × r matrices in O(nnz·r).
//
// A *CSR satisfies the baselines' Affinity interface (MulDense, Degrees).
// All types are safe for concurrent reads once built; nothing is mutated
// after construction.
package graph

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// CSR is a square sparse matrix of nonnegative weights in compressed sparse
// row form, typically a symmetric affinity graph W. Row i holds the columns
// Col[RowPtr[i]:RowPtr[i+1]] (strictly increasing) with weights Val[…].
type CSR struct {
	n      int
	rowPtr []int
	col    []int
	val    []float64
	deg    []float64
}

// NewCSR builds an n × n CSR matrix from its arrays, which it keeps (no copy).
// rowPtr has n+1 nondecreasing entries starting at 0; the columns of each row
// are strictly increasing and in [0, n); the weights are finite and
// nonnegative.
func NewCSR(n int, rowPtr, col []int, val []float64) (*CSR, error) {
	if n < 0 {
		return nil, fmt.Errorf("graph: negative size %d", n)
	}
	if len(rowPtr) != n+1 {
		return nil, fmt.Errorf("graph: row pointer has %d entries, want n+1 = %d", len(rowPtr), n+1)
	}
	if rowPtr[0] != 0 {
		return nil, fmt.Errorf("graph: row pointer starts at %d, want 0", rowPtr[0])
	}
	if len(col) != len(val) || rowPtr[n] != len(col) {
		return nil, fmt.Errorf("graph: %d columns and %d weights for %d stored entries", len(col), len(val), rowPtr[n])
	}
	for i := 0; i < n; i++ {
		if rowPtr[i+1] < rowPtr[i] {
			return nil, fmt.Errorf("graph: row pointer decreases at row %d", i)
		}
	}
	deg := make([]float64, n)
	for i := 0; i < n; i++ {
		lo, hi := rowPtr[i], rowPtr[i+1]
		for k := lo; k < hi; k++ {
			j, w := col[k], val[k]
			if j < 0 || j >= n {
				return nil, fmt.Errorf("graph: row %d has column %d outside [0, %d)", i, j, n)
			}
			if k > lo && j <= col[k-1] {
				return nil, fmt.Errorf("graph: row %d columns not strictly increasing at column %d", i, j)
			}
			if !(w >= 0) || math.IsInf(w, 1) {
				return nil, fmt.Errorf("graph: weight W[%d,%d] = %v; weights must be finite and nonnegative", i, j, w)
			}
			deg[i] += w
		}
	}
	return &CSR{n: n, rowPtr: rowPtr, col: col, val: val, deg: deg}, nil
}

// FromDense returns the CSR form of the square matrix w, keeping the entries
// that are not zero. It is meant for tests and small graphs.
func FromDense(w mat.Matrix) (*CSR, error) {
	r, c := w.Dims()
	if r != c {
		return nil, fmt.Errorf("graph: affinity matrix is %d×%d, want square", r, c)
	}
	rowPtr := make([]int, r+1)
	var col []int
	var val []float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := w.At(i, j); v != 0 {
				col = append(col, j)
				val = append(val, v)
			}
		}
		rowPtr[i+1] = len(col)
	}
	return NewCSR(r, rowPtr, col, val)
}

// Dims returns the matrix dimensions n, n.
func (g *CSR) Dims() (r, c int) { return g.n, g.n }

// N returns the number of vertices (samples).
func (g *CSR) N() int { return g.n }

// NNZ returns the number of stored (nonzero) entries.
func (g *CSR) NNZ() int { return len(g.col) }

// Row returns the column indices and weights of row i. The slices are the
// matrix's storage and must not be modified.
func (g *CSR) Row(i int) (cols []int, weights []float64) {
	lo, hi := g.rowPtr[i], g.rowPtr[i+1]
	return g.col[lo:hi:hi], g.val[lo:hi:hi]
}

// At returns W[i, j].
func (g *CSR) At(i, j int) float64 {
	if i < 0 || i >= g.n || j < 0 || j >= g.n {
		panic(mat.ErrIndexOutOfRange)
	}
	cols, w := g.Row(i)
	lo, hi := 0, len(cols)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case cols[m] == j:
			return w[m]
		case cols[m] < j:
			lo = m + 1
		default:
			hi = m
		}
	}
	return 0
}

// T returns the transpose as a mat.Matrix (a view, for gonum interop).
func (g *CSR) T() mat.Matrix { return mat.Transpose{Matrix: g} }

// Degrees returns the degrees D_ii = Σ_j W_ij. The slice is shared storage and
// must not be modified.
func (g *CSR) Degrees() []float64 { return g.deg }

// Dense returns W as a dense matrix.
func (g *CSR) Dense() *mat.Dense {
	if g.n == 0 {
		return &mat.Dense{}
	}
	d := mat.NewDense(g.n, g.n, nil)
	for i := 0; i < g.n; i++ {
		cols, w := g.Row(i)
		for k, j := range cols {
			d.Set(i, j, w[k])
		}
	}
	return d
}

// IsSymmetric reports whether W[i,j] == W[j,i] for every stored entry.
func (g *CSR) IsSymmetric() bool {
	for i := 0; i < g.n; i++ {
		cols, w := g.Row(i)
		for k, j := range cols {
			if g.At(j, i) != w[k] {
				return false
			}
		}
	}
	return true
}

// MulDense sets dst = W·b for an n × r matrix b. dst must be empty (it is then
// sized) or n × r, and must not share memory with b. It panics on a shape
// mismatch, as gonum's products do.
func (g *CSR) MulDense(dst *mat.Dense, b mat.Matrix) {
	g.mul(dst, b, 1, false)
}

// MulDegree sets dst = D·b, with D the diagonal degree matrix.
func (g *CSR) MulDegree(dst *mat.Dense, b mat.Matrix) {
	br, c := prepare(g.n, dst, b)
	dr := dst.RawMatrix()
	for i := 0; i < g.n; i++ {
		drow := dr.Data[i*dr.Stride : i*dr.Stride+c]
		floats.ScaleTo(drow, g.deg[i], br.Data[i*br.Stride:i*br.Stride+c])
	}
}

// MulLaplacian sets dst = L·b = (D − W)·b.
func (g *CSR) MulLaplacian(dst *mat.Dense, b mat.Matrix) {
	g.mul(dst, b, -1, true)
}

// mul sets dst = sign·W·b, plus D·b when addDegree.
func (g *CSR) mul(dst *mat.Dense, b mat.Matrix, sign float64, addDegree bool) {
	br, c := prepare(g.n, dst, b)
	dr := dst.RawMatrix()
	for i := 0; i < g.n; i++ {
		drow := dr.Data[i*dr.Stride : i*dr.Stride+c]
		if addDegree {
			floats.ScaleTo(drow, g.deg[i], br.Data[i*br.Stride:i*br.Stride+c])
		} else {
			clear(drow)
		}
		for k := g.rowPtr[i]; k < g.rowPtr[i+1]; k++ {
			j := g.col[k]
			floats.AddScaled(drow, sign*g.val[k], br.Data[j*br.Stride:j*br.Stride+c])
		}
	}
}

// LaplacianQuadratic returns tr(Vᵀ L V) = ½ Σ_ij W_ij ‖v_i − v_j‖² for an
// n × r matrix V (rows v_i), the smoothness penalty of GNMF and GNCP.
// It allocates nothing.
func (g *CSR) LaplacianQuadratic(v mat.Matrix) float64 {
	r, c := v.Dims()
	if r != g.n {
		panic(mat.ErrShape)
	}
	vr, ok := rawOf(v)
	if !ok {
		vr = mat.DenseCopyOf(v).RawMatrix()
	}
	// tr(VᵀDV) − tr(VᵀWV) = Σ_i D_ii‖v_i‖² − Σ_ij W_ij v_iᵀv_j.
	var s float64
	for i := 0; i < g.n; i++ {
		vi := vr.Data[i*vr.Stride : i*vr.Stride+c]
		acc := g.deg[i] * floats.Dot(vi, vi)
		for k := g.rowPtr[i]; k < g.rowPtr[i+1]; k++ {
			j := g.col[k]
			acc -= g.val[k] * floats.Dot(vi, vr.Data[j*vr.Stride:j*vr.Stride+c])
		}
		s += acc
	}
	return s
}

// AddMUTerm adds the graph term of a multiplicative update for the penalty
// λ tr(VᵀLV) = λ tr(VᵀDV) − λ tr(VᵀWV) to its numerator and denominator:
// num += λ·W·v and den += λ·D·v (GNMF, GNCP and SDNMF's V update). work
// (n × r, not sharing memory with v) receives W·v.
func (g *CSR) AddMUTerm(num, den, v, work *mat.Dense, lambda float64) {
	g.MulDense(work, v)
	vr, nr, dr, wr := v.RawMatrix(), num.RawMatrix(), den.RawMatrix(), work.RawMatrix()
	if nr.Rows != g.n || dr.Rows != g.n || nr.Cols != vr.Cols || dr.Cols != vr.Cols {
		panic(mat.ErrShape)
	}
	c := vr.Cols
	for i := 0; i < g.n; i++ {
		floats.AddScaled(nr.Data[i*nr.Stride:i*nr.Stride+c], lambda, wr.Data[i*wr.Stride:i*wr.Stride+c])
		floats.AddScaled(dr.Data[i*dr.Stride:i*dr.Stride+c], lambda*g.deg[i], vr.Data[i*vr.Stride:i*vr.Stride+c])
	}
}

// prepare checks shapes, sizes an empty dst, and returns b's raw storage
// (copying b only when it is not a raw row-major matrix).
func prepare(n int, dst *mat.Dense, b mat.Matrix) (blas64.General, int) {
	r, c := b.Dims()
	if r != n {
		panic(fmt.Sprintf("graph: multiplying a %d-vertex graph by a %d-row matrix", n, r))
	}
	if dst.IsEmpty() {
		dst.ReuseAs(n, c)
	} else if dr, dc := dst.Dims(); dr != n || dc != c {
		panic(fmt.Sprintf("graph: destination is %d×%d, want %d×%d", dr, dc, n, c))
	}
	br, ok := rawOf(b)
	if !ok {
		br = mat.DenseCopyOf(b).RawMatrix()
	}
	if overlaps(dst.RawMatrix().Data, br.Data) {
		panic(errAlias)
	}
	return br, c
}

var errAlias = errors.New("graph: destination shares memory with the operand")

// rawOf returns the row-major storage of m when it exposes one.
func rawOf(m mat.Matrix) (blas64.General, bool) {
	if rm, ok := m.(mat.RawMatrixer); ok {
		return rm.RawMatrix(), true
	}
	return blas64.General{}, false
}

// overlaps reports whether two slices share any element of backing memory.
func overlaps(a, b []float64) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0 := uintptr(unsafe.Pointer(&a[0]))
	b0 := uintptr(unsafe.Pointer(&b[0]))
	const sz = unsafe.Sizeof(float64(0))
	return a0 < b0+uintptr(len(b))*sz && b0 < a0+uintptr(len(a))*sz
}
