package gemm

import "gonum.org/v1/gonum/blas"

// Available reports whether the built-in kernel can run here (cgo build on
// amd64, CPU with AVX-512F).
func Available() bool { return available }

// Dgemm computes c = alpha·op(a)·op(b) + beta·c with the built-in kernel, with
// the arguments of blas.Float64's Dgemm, and reports whether it did: false
// (c untouched) when the kernel is not available, an argument is out of
// range (the caller's BLAS then reports it) or the pack buffers could not be
// allocated.
func Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) bool {
	if !available || !valid(tA, tB, m, n, k, a, lda, b, ldb, c, ldc) {
		return false
	}
	if m == 0 || n == 0 {
		return true
	}
	return dgemm(tA != blas.NoTrans, tB != blas.NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// maxDim bounds every dimension and leading dimension passed to the C
// kernel (its int arguments).
const maxDim = 1<<31 - 1

// valid checks the arguments as the reference BLAS does (sizes, leading
// dimensions, slice lengths), so that the kernel never reads or writes
// outside the slices.
func valid(tA, tB blas.Transpose, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int) bool {
	okT := func(t blas.Transpose) bool { return t == blas.NoTrans || t == blas.Trans || t == blas.ConjTrans }
	if !okT(tA) || !okT(tB) || m < 0 || n < 0 || k < 0 || m > maxDim || n > maxDim || k > maxDim {
		return false
	}
	ar, ac, br, bc := OperandDims(tA, tB, m, n, k)
	if lda < max(1, ac) || ldb < max(1, bc) || ldc < max(1, n) || lda > maxDim || ldb > maxDim || ldc > maxDim {
		return false
	}
	need := func(s []float64, rows, cols, ld int) bool {
		return rows == 0 || cols == 0 || len(s) >= ld*(rows-1)+cols
	}
	return need(a, ar, ac, lda) && need(b, br, bc, ldb) && need(c, m, n, ldc)
}

// OperandDims returns the stored shapes of A (ar × ac) and B (br × bc) of a
// DGEMM C (m × n) = op(A)·op(B) with inner dimension k: op(A) is m × k, so A
// is k × m when transposed, and likewise for B.
func OperandDims(tA, tB blas.Transpose, m, n, k int) (ar, ac, br, bc int) {
	ar, ac = m, k
	if tA != blas.NoTrans {
		ar, ac = k, m
	}
	br, bc = k, n
	if tB != blas.NoTrans {
		br, bc = n, k
	}
	return ar, ac, br, bc
}

// Implementation is a blas.Float64 whose Dgemm is the built-in kernel where
// it is available and every other routine (and Dgemm otherwise) that of
// Float64.
type Implementation struct {
	blas.Float64
}

// Dgemm computes c = alpha·op(a)·op(b) + beta·c (see the package comment).
func (impl Implementation) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
		return
	}
	impl.Float64.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
