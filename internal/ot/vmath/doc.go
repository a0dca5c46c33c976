// Package vmath provides fast elementwise exp, log and fractional power over
// float64 slices, the inner kernels of the entropic optimal-transport scaling
// iterations (u = (a ⊘ Kv)^φ), together with the small-matrix products along
// one axis of a 3-way array (AxisMul, and AxisExp for Toeplitz kernels q^|i−l|)
// that apply separable Gibbs kernels, and DotLog for KL divergences.
//
// Contract: Pow, DivPow, Exp and Log are accurate to a few units in the last
// place over the whole float64 range, for inputs x ≥ 0 (subnormals, 0 and
// +Inf included): against 60-digit references the worst relative error of
// Pow is about 5e-16 for |y| ≤ 1, and the tests require agreement with
// math.Pow to 1e-13 (math.Pow itself is off by up to 3e-14). Negative or NaN x give
// NaN, where math.Pow would return a value for integer exponents. Results are
// deterministic: the C kernels (built with cgo) and the pure-Go fallback
// perform the same IEEE operations in the same order and agree bit for bit on
// every CPU. The functions are safe for concurrent use and allocate nothing;
// dst may be the same slice as an input (exact aliasing), but must not
// otherwise overlap one.
//
// Method: x^y = exp(y·log x) evaluated with a double-double logarithm
// (log x = k·ln2 + 2·atanh((m−1)/(m+1)) for x = 2^k·m, m ∈ [√½, √2), series
// to s¹⁹) and an exact product y·log x (fused multiply-add), followed by a
// Cody–Waite reduced exponential with a degree-13 Taylor polynomial. Keeping
// log x to about 2^-60 absolute is what makes the result accurate for tiny x:
// with a plain double logarithm, log(1e-300) ≈ −690.8 carries an absolute
// error up to 5.7e-14, which exp turns into the same relative error.
//
// With cgo the loops are C compiled for three instruction sets (AVX-512,
// AVX2 + FMA, baseline x86-64), chosen at load time for the running CPU, so a
// binary built here runs on any x86-64 machine; gcc vectorizes them (no
// tables, no branches). Without cgo a pure-Go version of the same code is
// used (about 9× slower).
package vmath
