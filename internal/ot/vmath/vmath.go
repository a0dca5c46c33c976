package vmath

import (
	"fmt"
	"math"
)

// Pow sets dst[i] = x[i]^y for every i, for x[i] ≥ 0 (see the package
// contract for other x). It panics if the slices differ in length.
func Pow(dst, x []float64, y float64) {
	checkLen("Pow", len(dst), len(x))
	switch {
	case y == 0:
		for i := range dst {
			dst[i] = 1 // math.Pow(x, 0) = 1 for every x, NaN included
		}
	case y == 1:
		copy(dst, x)
	case math.IsInf(y, 0) || math.IsNaN(y):
		for i, v := range x {
			dst[i] = math.Pow(v, y)
		}
	default:
		powImpl(dst, x, y)
	}
}

// DivPow sets dst[i] = (a[i] / max(b[i], floor))^y, the fused form of an
// unbalanced Sinkhorn scaling update, with dst[i] = 0 wherever a[i] == 0 (an
// empty bin gets no mass whatever its denominator). It requires y > 0 and
// returns the number of results that are not finite (+Inf from a zero or
// underflowed denominator, NaN from a NaN input), so that callers can fail
// instead of storing them. Use floor = 0 for no flooring. It panics if the
// slices differ in length or y is not positive and finite.
func DivPow(dst, a, b []float64, y, floor float64) int {
	checkLen("DivPow", len(dst), len(a))
	checkLen("DivPow", len(dst), len(b))
	if !(y > 0) || math.IsInf(y, 1) {
		panic(fmt.Sprintf("vmath: DivPow exponent %v; want a finite y > 0", y))
	}
	if len(dst) == 0 {
		return 0
	}
	return divPowImpl(dst, a, b, y, floor)
}

// Exp sets dst[i] = e^x[i] for every i. It panics if the slices differ in
// length.
func Exp(dst, x []float64) {
	checkLen("Exp", len(dst), len(x))
	expImpl(dst, x)
}

// Log sets dst[i] = log x[i] for every i (−Inf for 0, NaN for negative x). It
// panics if the slices differ in length.
func Log(dst, x []float64) {
	checkLen("Log", len(dst), len(x))
	logImpl(dst, x)
}

func checkLen(fn string, n, m int) {
	if n != m {
		panic(fmt.Sprintf("vmath: %s: slice lengths %d and %d differ", fn, n, m))
	}
}

// AxisMul applies the m × m matrix k (row-major) along the middle axis of
// the outer × m × inner arrays src and dst (row-major, last index fastest):
//
//	dst[o,i,t] = alpha · Σ_l k[i,l] · src[o,l,t].
//
// It is a batch of products k·S_o with the m × inner slabs S_o, computed with
// register blocking (four rows of k by eight t), no threads and no BLAS. dst
// must not overlap src or k. It panics on inconsistent lengths.
func AxisMul(dst, src, k []float64, outer, m, inner int, alpha float64) {
	checkAxis("AxisMul", dst, src, outer, m, inner)
	if len(k) != m*m {
		panic(fmt.Sprintf("vmath: AxisMul: matrix has %d entries, want %d×%d", len(k), m, m))
	}
	if outer*m*inner == 0 {
		return
	}
	axisMulImpl(dst, src, k, outer, m, inner, alpha)
}

// AxisExp is AxisMul for the symmetric Toeplitz matrix k[i,l] = q^|i−l|, the
// Gibbs kernel exp(−λ|i−l|/s) of a linear cost along the axis (q = e^(−λ/s)).
// It runs a forward and a backward first-order recursion,
//
//	f_i = s_i + q·f_{i−1},  g_i = q·(s_{i+1} + g_{i+1}),  dst_i = alpha·(f_i + g_i),
//
// so the cost is O(outer·m·inner) instead of O(outer·m²·inner). For
// nonnegative src every term is nonnegative and each output is accurate to a
// few ulps times m. q must be in [0, 1].
func AxisExp(dst, src []float64, q float64, outer, m, inner int, alpha float64) {
	checkAxis("AxisExp", dst, src, outer, m, inner)
	if !(q >= 0 && q <= 1) {
		panic(fmt.Sprintf("vmath: AxisExp: ratio q = %v; want 0 ≤ q ≤ 1", q))
	}
	if outer*m*inner == 0 {
		return
	}
	axisExpImpl(dst, src, q, outer, m, inner, alpha)
}

func checkAxis(fn string, dst, src []float64, outer, m, inner int) {
	if outer < 0 || m < 0 || inner < 0 {
		panic(fmt.Sprintf("vmath: %s: negative shape %d×%d×%d", fn, outer, m, inner))
	}
	n := outer * m * inner
	if len(dst) != n || len(src) != n {
		panic(fmt.Sprintf("vmath: %s: slices of %d and %d elements for a %d×%d×%d array", fn, len(dst), len(src), outer, m, inner))
	}
}

// Quot sets dst_i = a_i / b_i, and 0 where a_i = 0 (whatever b_i is): the
// ratio of two nonnegative arrays in which 0/0 counts as 0. Division is
// correctly rounded on every path, so the results are bit for bit those of
// the scalar loop. It panics if the slices differ in length.
func Quot(dst, a, b []float64) {
	checkLen("Quot", len(dst), len(a))
	checkLen("Quot", len(dst), len(b))
	if len(dst) == 0 {
		return
	}
	quotImpl(dst, a, b)
}

// DotLog returns Σ_i w_i·log(x_i / y_i) over the i with w_i ≠ 0 (so that
// 0·log 0 = 0), or Σ_i w_i·log x_i when y is nil: the building block of KL
// divergences and entropies. The logarithms are Log's (of the active path);
// the terms are summed in interleaved partial sums (four, eight on avx512),
// so the result is deterministic. It panics if the slices differ in length.
func DotLog(w, x, y []float64) float64 {
	checkLen("DotLog", len(w), len(x))
	if y != nil {
		checkLen("DotLog", len(w), len(y))
	}
	if len(w) == 0 {
		return 0
	}
	return dotLogImpl(w, x, y)
}
