//go:build cgo && amd64

package gemm

// #cgo CFLAGS: -O2 -std=c11
// #include "kernel.h"
import "C"

import "unsafe"

var available = C.gemm_cpu() != 0

func b2i(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func ptr(s []float64) *C.double {
	if len(s) == 0 {
		return nil
	}
	return (*C.double)(unsafe.Pointer(unsafe.SliceData(s)))
}

func dgemm(tA, tB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) bool {
	return C.gemm_dgemm(b2i(tA), b2i(tB), C.int(m), C.int(n), C.int(k), C.double(alpha), ptr(a), C.int(lda),
		ptr(b), C.int(ldb), C.double(beta), ptr(c), C.int(ldc)) == 0
}
