// Package vmath provides fast elementwise exp, log and fractional power over
// float64 slices, the inner kernels of the entropic optimal-transport scaling
// iterations (u = (a ⊘ Kv)^φ), together with the small-matrix products along
// one axis of a 3-way array (AxisMul, and AxisExp for Toeplitz kernels q^|i−l|)
// that apply separable Gibbs kernels, and DotLog for KL divergences.
//
// Contract: Pow, DivPow, Exp and Log are accurate to a few units in the last
// place over the whole float64 range, for inputs x ≥ 0 (subnormals, 0 and
// +Inf included), and the tests require agreement with math.Pow, math.Exp
// and math.Log to 1e-13 on every path (math.Pow itself is off by up to
// 3e-14). Negative or NaN x give NaN, where math.Pow would return a value
// for integer exponents. The functions are safe for concurrent use and
// allocate nothing; dst may be the same slice as an input (exact aliasing),
// but must not otherwise overlap one.
//
// Dispatch: Pow, DivPow, Exp and Log run on one of three paths, chosen once
// at initialization, the fastest the CPU and the build support:
//
//   - "avx512" (cgo, amd64, CPU with AVX-512F and AVX-512DQ): kernel_avx512.c,
//     8 lanes with intrinsics and a table-driven algorithm (below);
//   - "avx2" (cgo, amd64, CPU with AVX2 and FMA): kernel.c, 4 lanes,
//     vectorized by gcc;
//   - "portable" (otherwise, and always without cgo): the Go code of
//     generic.go.
//
// Path reports the active path. The environment variable NMFBENCH_VMATH
// (EnvPath) set to "portable", "avx2" or "avx512" caps the choice at that
// path, e.g. NMFBENCH_VMATH=portable forces the Go code; other values are
// ignored. Results are deterministic on each path: an element's result
// depends only on its inputs (not on the slice length, position or the
// call), on every CPU that runs the path. The avx2 and portable paths
// perform the same IEEE operations in the same order and agree bit for bit;
// the avx512 path uses a different algorithm and differs from them by up to
// two ulps (5e-16 relative; more for Pow with large |y|, where it is the more
// accurate one). DotLog follows the path too (on avx512 with Log's avx512
// logarithm, its terms in eight lanes; twice as fast as the portable
// double-double one), so its sums differ between avx512 and the others at
// rounding level. AxisMul, AxisExp and Quot give the same bits on every path
// (C clones picked by the dynamic loader, or the Go code when the portable
// path is forced).
//
// Accuracy, measured against 400-bit references (TestHighPrecisionReference:
// log and exp over the whole range, x^y for seven exponents), maximum
// relative error: avx512 Exp 1.1e-16, Log 1.1e-16, Pow 1.1e-16 for
// |y| ≤ 7 and 2.1e-16 for y = 100; portable and avx2 Exp 1.1e-16, Log
// 2.7e-16, Pow 1.4e-16 for |y| ≤ 1.5, 3.2e-16 for y = 7 and 3.1e-15 for
// y = 100 (their log is kept to about 6e-17 absolute, which the exponent
// multiplies).
//
// Method, portable and avx2: x^y = exp(y·log x) evaluated with a
// double-double logarithm (log x = k·ln2 + 2·atanh((m−1)/(m+1)) for
// x = 2^k·m, m ∈ [√½, √2), series to s¹⁹) and an exact product y·log x
// (fused multiply-add), followed by a Cody–Waite reduced exponential with a
// degree-13 Taylor polynomial. Keeping log x to about 2^-60 absolute is what
// makes the result accurate for tiny x: with a plain double logarithm,
// log(1e-300) ≈ −690.8 carries an absolute error up to 5.7e-14, which exp
// turns into the same relative error.
//
// Method, avx512: the same structure without divisions (other than DivPow's
// a/b) and with shorter polynomials: x = 2^k·m, m ∈ [0.75, 1.5) by
// vgetmantpd/vgetexppd; a 16-entry table (looked up with vpermt2pd) gives
// c ≈ m with 1/c and −log c in double-double, r = m/c − 1 (|r| ≤ 1/26, and
// exactly m − 1 near 1, so Log stays accurate relative to a tiny result),
// log1p(r) − r by a fitted degree-10 polynomial (r² times a degree-8 one,
// error below 2^-64); exp by 2^(i/16) from a second 16-entry table, a
// degree-7 Taylor polynomial on |r| ≤ ln2/32 and vscalefpd for the power of
// two (correct overflow and gradual underflow). Pow runs two passes over
// blocks of 256 elements (log and product into a stack buffer, then exp),
// which halves the dependency chain; DivPow three (the quotients first).
package vmath
