//go:build cgo

package vmath

// #cgo CFLAGS: -O3 -std=c11
// #cgo LDFLAGS: -lm
// #include "kernel.h"
import "C"

import "unsafe"

// Native reports whether the C kernels are in use (cgo build) rather than the
// pure-Go fallback.
const Native = true

func ptr(s []float64) *C.double { return (*C.double)(unsafe.Pointer(unsafe.SliceData(s))) }

func powImpl(dst, x []float64, y float64) {
	if len(dst) > 0 {
		C.vmath_pow(ptr(dst), ptr(x), C.long(len(dst)), C.double(y))
	}
}

func divPowImpl(dst, a, b []float64, y, floor float64) int {
	return int(C.vmath_divpow(ptr(dst), ptr(a), ptr(b), C.long(len(dst)), C.double(y), C.double(floor)))
}

func expImpl(dst, x []float64) {
	if len(dst) > 0 {
		C.vmath_exp(ptr(dst), ptr(x), C.long(len(dst)))
	}
}

func logImpl(dst, x []float64) {
	if len(dst) > 0 {
		C.vmath_log(ptr(dst), ptr(x), C.long(len(dst)))
	}
}

func axisMulImpl(dst, src, k []float64, outer, m, inner int, alpha float64) {
	C.vmath_axismul(ptr(dst), ptr(src), ptr(k), C.long(outer), C.long(m), C.long(inner), C.double(alpha))
}

func axisExpImpl(dst, src []float64, q float64, outer, m, inner int, alpha float64) {
	C.vmath_axisexp(ptr(dst), ptr(src), C.double(q), C.long(outer), C.long(m), C.long(inner), C.double(alpha))
}

func dotLogImpl(w, x, y []float64) float64 {
	var yp *C.double
	if y != nil {
		yp = ptr(y)
	}
	return float64(C.vmath_dotlog(ptr(w), ptr(x), yp, C.long(len(w))))
}
