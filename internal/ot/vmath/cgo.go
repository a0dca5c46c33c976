//go:build cgo && amd64

package vmath

// #cgo CFLAGS: -O3 -std=c11
// #cgo LDFLAGS: -lm
// #include "kernel.h"
import "C"

import "unsafe"

// Native reports whether the C kernels are in use (cgo build) rather than the
// pure-Go fallback.
const Native = true

func supportedPath() int { return int(C.vmath_cpu()) }

func ptr(s []float64) *C.double { return (*C.double)(unsafe.Pointer(unsafe.SliceData(s))) }

func powImpl(dst, x []float64, y float64) {
	if len(dst) == 0 {
		return
	}
	switch active {
	case pathAVX512:
		C.vmath_pow_avx512(ptr(dst), ptr(x), C.long(len(dst)), C.double(y))
	case pathAVX2:
		C.vmath_pow_avx2(ptr(dst), ptr(x), C.long(len(dst)), C.double(y))
	default:
		powGo(dst, x, y)
	}
}

func divPowImpl(dst, a, b []float64, y, floor float64) int {
	switch active {
	case pathAVX512:
		return int(C.vmath_divpow_avx512(ptr(dst), ptr(a), ptr(b), C.long(len(dst)), C.double(y), C.double(floor)))
	case pathAVX2:
		return int(C.vmath_divpow_avx2(ptr(dst), ptr(a), ptr(b), C.long(len(dst)), C.double(y), C.double(floor)))
	}
	return divPowGo(dst, a, b, y, floor)
}

func expImpl(dst, x []float64) {
	if len(dst) == 0 {
		return
	}
	switch active {
	case pathAVX512:
		C.vmath_exp_avx512(ptr(dst), ptr(x), C.long(len(dst)))
	case pathAVX2:
		C.vmath_exp_avx2(ptr(dst), ptr(x), C.long(len(dst)))
	default:
		expGo(dst, x)
	}
}

func logImpl(dst, x []float64) {
	if len(dst) == 0 {
		return
	}
	switch active {
	case pathAVX512:
		C.vmath_log_avx512(ptr(dst), ptr(x), C.long(len(dst)))
	case pathAVX2:
		C.vmath_log_avx2(ptr(dst), ptr(x), C.long(len(dst)))
	default:
		logGo(dst, x)
	}
}

// The axis products and DotLog give the same bits on every path: the C
// clones (picked by the dynamic loader) unless the portable path is forced.

func axisMulImpl(dst, src, k []float64, outer, m, inner int, alpha float64) {
	if active == pathPortable {
		axisMulGo(dst, src, k, outer, m, inner, alpha)
		return
	}
	C.vmath_axismul(ptr(dst), ptr(src), ptr(k), C.long(outer), C.long(m), C.long(inner), C.double(alpha))
}

func axisExpImpl(dst, src []float64, q float64, outer, m, inner int, alpha float64) {
	if active == pathPortable {
		axisExpGo(dst, src, q, outer, m, inner, alpha)
		return
	}
	// The register-carried recursions win while a tile spans the whole inner
	// axis or most of it (inner ≤ 128: 0.20–0.28 against 0.31–0.43 ns per
	// element); for longer rows the row-at-a-time loop streams better.
	if active == pathAVX512 && inner <= 128 {
		C.vmath_axisexp_avx512(ptr(dst), ptr(src), C.double(q), C.long(outer), C.long(m), C.long(inner), C.double(alpha))
		return
	}
	C.vmath_axisexp(ptr(dst), ptr(src), C.double(q), C.long(outer), C.long(m), C.long(inner), C.double(alpha))
}

func dotLogImpl(w, x, y []float64) float64 {
	if active == pathPortable {
		return dotLogGo(w, x, y)
	}
	var yp *C.double
	if y != nil {
		yp = ptr(y)
	}
	if active == pathAVX512 {
		return float64(C.vmath_dotlog_avx512(ptr(w), ptr(x), yp, C.long(len(w))))
	}
	return float64(C.vmath_dotlog(ptr(w), ptr(x), yp, C.long(len(w))))
}

func quotImpl(dst, a, b []float64) {
	if active == pathPortable {
		quotGo(dst, a, b)
		return
	}
	C.vmath_quot(ptr(dst), ptr(a), ptr(b), C.long(len(dst)))
}
