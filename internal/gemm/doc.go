// Package gemm provides a built-in DGEMM for AVX-512 CPUs, C = α·op(A)·op(B)
// + β·C on row-major matrices, and Implementation, a blas.Float64 that uses
// it for Dgemm and delegates every other routine to another BLAS.
//
// It exists because a distribution's OpenBLAS may run an AVX-512 CPU with
// its AVX2 kernels (a core chosen by OPENBLAS_CORETYPE, which nmfbench never
// overrides, or an OpenBLAS older than the CPU): on the 2-core Zen 5 of
// docs/performance.md the Haswell core reaches 30–49 GFLOP/s on the
// factorization shapes and this kernel 70–90. The kernel is blocked as in
// BLIS (packed panels of op(B), an 8 × 24 register tile, op(A) read in place
// when it is not transposed) and single-threaded: parallelism comes from the
// runner.
//
// Every entry of C is summed in one order, p = 0 … k−1 by fused
// multiply-adds in chunks of 256, whatever the matrix sizes or the entry's
// position, so that a product computed in blocks of rows or columns equals
// the whole product bit for bit (package mu relies on this). Results differ
// from other BLAS libraries at rounding level only.
//
// The package imports no application package. Without cgo, or on a CPU
// without AVX-512F, Available is false and Implementation delegates
// everything.
package gemm
