//go:build cgo && amd64

// Elementwise exp, log and fractional-power kernels for package vmath.
//
// The elementwise kernels here (vmath_pow_avx2, vmath_divpow_avx2,
// vmath_exp_avx2, vmath_log_avx2) are the "avx2" dispatch path: compiled for
// AVX2 + FMA only (target attribute) and chosen from Go when the CPU has them
// (vmath_cpu in kernel_avx512.c). The axis products and DotLog are compiled
// three times (target_clones: x86-64-v4, x86-64-v3 and the baseline); the
// dynamic loader picks the clone, and all clones give the same bits. The loops
// are written so that gcc vectorizes them: no table lookups, no branches (only
// selects), integer work limited to shifts and masks on the bit patterns.
//
// The file is compiled with -std=c11, which disables floating-point
// contraction: every fused multiply-add is an explicit __builtin_fma, every
// other operation is rounded separately. The Go implementation in generic.go
// performs the same operations in the same order, so both give bit-identical
// results on every CPU (the baseline clone computes fma in software).
//
// Algorithm (see doc.go for the error analysis):
//   log x = k·ln2 + log m,  x = 2^k·m,  m in [sqrt(1/2), sqrt 2),
//   log m = 2 atanh(s) = 2s + 2s³/3 + … + 2s¹⁹/19,  s = (m−1)/(m+1),
//   kept as a double-double hi + lo;
//   x^y = exp(y·hi + y·lo) with the product y·hi split exactly by an fma;
//   exp(t) = 2^j·p(r),  j = round(t/ln2),  r = t − j·ln2 (Cody–Waite, two
//   constants), p the degree-13 Taylor polynomial of e^r on |r| ≤ ln2/2.

#include <stdint.h>
#include <string.h>
#include <float.h>

#include "kernel.h"

// Let gcc if-convert selects around divisions (FP exception flags are never
// inspected); results are unchanged.
#pragma GCC optimize("no-trapping-math", "no-math-errno")

#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define AVX2 __attribute__((target("avx2,fma")))

static inline uint64_t bits(double x) {
	uint64_t u;
	memcpy(&u, &x, sizeof u);
	return u;
}

static inline double frombits(uint64_t u) {
	double x;
	memcpy(&x, &u, sizeof x);
	return x;
}

// ln2 split so that k·LN2HI is exact for |k| < 2^21 (LN2HI has 32 significant bits).
static const double LN2HI = 0x1.62e42feep-1;
static const double LN2LO = 0x1.a39ef35793c76p-33;
static const double INVLN2 = 0x1.71547652b82fep0;
static const double SQRT2 = 0x1.6a09e667f3bcdp0;
static const double SHIFT = 0x1.8p52; // adding and subtracting rounds to an integer
static const double TWO52 = 0x1p52;

// logdd returns log x = *lo + hi as a double-double for finite x > 0
// (subnormals included). Other inputs give unspecified values; callers select
// the special-case results themselves.
static inline double logdd(double x, double *lo) {
	int sub = x < 0x1p-1022;
	double xs = sub ? x * TWO52 : x;
	double kadj = sub ? -52.0 : 0.0;
	uint64_t ix = bits(xs);
	// Biased exponent as a double, via the 2^52 trick (no int→float conversion).
	double e = frombits((ix >> 52) | 0x4330000000000000ULL) - TWO52;
	double m = frombits((ix & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
	int big = m > SQRT2;
	m = big ? m * 0.5 : m;
	double k = (e - 1023.0) + (kadj + (big ? 1.0 : 0.0));
	double f = m - 1.0; // exact: m in [sqrt(1/2), sqrt 2)
	double s = f / (m + 1.0);
	double z = s * s;
	double p = 0x1.af286bca1af28p-4; // 2/19
	p = __builtin_fma(p, z, 0x1.e1e1e1e1e1e1ep-4); // 2/17
	p = __builtin_fma(p, z, 0x1.1111111111111p-3); // 2/15
	p = __builtin_fma(p, z, 0x1.3b13b13b13b14p-3); // 2/13
	p = __builtin_fma(p, z, 0x1.745d1745d1746p-3); // 2/11
	p = __builtin_fma(p, z, 0x1.c71c71c71c71cp-3); // 2/9
	p = __builtin_fma(p, z, 0x1.2492492492492p-2); // 2/7
	p = __builtin_fma(p, z, 0x1.999999999999ap-2); // 2/5
	p = __builtin_fma(p, z, 0x1.5555555555555p-1); // 2/3
	double lm = __builtin_fma(s * z, p, 2.0 * s); // log m
	double t = k * LN2HI; // exact
	double hi = t + lm;
	double l = (t - hi) + lm; // Fast2Sum: |t| ≥ |lm| whenever t ≠ 0
	*lo = __builtin_fma(k, LN2LO, l);
	return hi;
}

// expdd returns exp(hi + lo) for |lo| ≤ 2^-40·|hi| or so; overflow gives +Inf,
// underflow 0 or a subnormal. hi must not be NaN.
static inline double expdd(double hi, double lo) {
	// Beyond ±1400 exp saturates; lo is dropped with the clamp, since for
	// a huge exponent (Pow(5e-324, 1e300)) it is huge or NaN itself.
	if (hi > 1400.0) { hi = 1400.0; lo = 0.0; }
	if (hi < -1400.0) { hi = -1400.0; lo = 0.0; }
	double j = (hi * INVLN2 + SHIFT) - SHIFT;
	double r = __builtin_fma(-j, LN2HI, hi);
	r = __builtin_fma(-j, LN2LO, r);
	r = r + lo;
	double p = 0x1.6124613a86d09p-33; // 1/13!
	p = __builtin_fma(p, r, 0x1.1eed8eff8d898p-29); // 1/12!
	p = __builtin_fma(p, r, 0x1.ae64567f544e4p-26); // 1/11!
	p = __builtin_fma(p, r, 0x1.27e4fb7789f5cp-22); // 1/10!
	p = __builtin_fma(p, r, 0x1.71de3a556c734p-19); // 1/9!
	p = __builtin_fma(p, r, 0x1.a01a01a01a01ap-16); // 1/8!
	p = __builtin_fma(p, r, 0x1.a01a01a01a01ap-13); // 1/7!
	p = __builtin_fma(p, r, 0x1.6c16c16c16c17p-10); // 1/6!
	p = __builtin_fma(p, r, 0x1.1111111111111p-7);  // 1/5!
	p = __builtin_fma(p, r, 0x1.5555555555555p-5);  // 1/4!
	p = __builtin_fma(p, r, 0x1.5555555555555p-3);  // 1/3!
	p = __builtin_fma(p, r, 0.5);
	p = __builtin_fma(p, r, 1.0);
	p = __builtin_fma(p, r, 1.0);
	// 2^j as 2^j1·2^j2 so that both factors are normal for |j| ≤ 2020.
	double j1 = (j * 0.5 + SHIFT) - SHIFT;
	double j2 = j - j1;
	double s1 = frombits(bits(j1 + (1023.0 + TWO52)) << 52);
	double s2 = frombits(bits(j2 + (1023.0 + TWO52)) << 52);
	return (p * s1) * s2;
}

// powpos returns x^y for y > 0 following math.Pow's special cases for x ≥ 0,
// and NaN for x < 0 or NaN.
static inline double powpos(double x, double y) {
	double lo;
	double hi = logdd(x, &lo);
	double yh = y * hi;
	double yl = __builtin_fma(y, lo, __builtin_fma(y, hi, -yh));
	double r = expdd(yh, yl);
	r = x == 0.0 ? 0.0 : r;
	r = x == __builtin_inf() ? __builtin_inf() : r;
	r = (x < 0.0 || x != x) ? __builtin_nan("") : r;
	return r;
}

// powgen is powpos for any finite y ≠ 0.
static inline double powgen(double x, double y) {
	double lo;
	double hi = logdd(x, &lo);
	double yh = y * hi;
	double yl = __builtin_fma(y, lo, __builtin_fma(y, hi, -yh));
	double r = expdd(yh, yl);
	double big = y > 0.0 ? __builtin_inf() : 0.0;
	r = x == 0.0 ? (y > 0.0 ? 0.0 : __builtin_inf()) : r;
	r = x == __builtin_inf() ? big : r;
	r = (x < 0.0 || x != x) ? __builtin_nan("") : r;
	return r;
}

AVX2 void vmath_pow_avx2(double *dst, const double *x, long n, double y) {
	if (y > 0.0) {
		for (long i = 0; i < n; i++) {
			dst[i] = powpos(x[i], y);
		}
		return;
	}
	for (long i = 0; i < n; i++) {
		dst[i] = powgen(x[i], y);
	}
}

AVX2 long vmath_divpow_avx2(double *dst, const double *a, const double *b, long n, double y, double floor) {
	long bad = 0;
	for (long i = 0; i < n; i++) {
		double ai = a[i];
		double bi = b[i];
		bi = bi < floor ? floor : bi;
		double r = powpos(ai / bi, y);
		r = ai == 0.0 ? 0.0 : r;
		dst[i] = r;
		bad += !(r <= DBL_MAX);
	}
	return bad;
}

AVX2 void vmath_exp_avx2(double *dst, const double *x, long n) {
	for (long i = 0; i < n; i++) {
		double xi = x[i];
		double r = expdd(xi != xi ? 0.0 : xi, 0.0);
		dst[i] = xi != xi ? xi : r;
	}
}

AVX2 void vmath_log_avx2(double *dst, const double *x, long n) {
	for (long i = 0; i < n; i++) {
		double xi = x[i];
		double lo;
		double hi = logdd(xi, &lo);
		double r = hi + lo;
		r = xi == 0.0 ? -__builtin_inf() : r;
		r = xi == __builtin_inf() ? xi : r;
		r = (xi < 0.0 || xi != xi) ? __builtin_nan("") : r;
		dst[i] = r;
	}
}

// vmath_axismul sets dst[o][i][t] = alpha·Σ_l k[i][l]·src[o][l][t] for
// o < outer, i, l < m, t < inner (row-major, t fastest): the m × m matrix k
// applied to every m × inner slab. Four output rows by eight t are kept in
// eight 4-wide vector registers while l runs, so every loaded src vector
// feeds four multiply-adds. Each output is alpha times the sum over
// increasing l of the rounded products, starting from 0 (no fma, so every
// clone and the Go fallback round identically).
typedef double v4d __attribute__((vector_size(32)));
typedef double v4du __attribute__((vector_size(32), aligned(8), may_alias));

CLONES void vmath_axismul(double *dst, const double *src, const double *k, long outer, long m, long inner, double alpha) {
	for (long o = 0; o < outer; o++) {
		const double *s = src + o * m * inner;
		double *d = dst + o * m * inner;
		long i = 0;
		for (; i + 4 <= m; i += 4) {
			const double *k0 = k + i * m, *k1 = k0 + m, *k2 = k1 + m, *k3 = k2 + m;
			double *d0 = d + i * inner, *d1 = d0 + inner, *d2 = d1 + inner, *d3 = d2 + inner;
			long t = 0;
			for (; t + 8 <= inner; t += 8) {
				v4d z = {0, 0, 0, 0};
				v4d a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
				for (long l = 0; l < m; l++) {
					v4d s0 = *(const v4du *)(s + l * inner + t);
					v4d s1 = *(const v4du *)(s + l * inner + t + 4);
					double c0 = k0[l], c1 = k1[l], c2 = k2[l], c3 = k3[l];
					a00 += c0 * s0;
					a01 += c0 * s1;
					a10 += c1 * s0;
					a11 += c1 * s1;
					a20 += c2 * s0;
					a21 += c2 * s1;
					a30 += c3 * s0;
					a31 += c3 * s1;
				}
				*(v4du *)(d0 + t) = alpha * a00;
				*(v4du *)(d0 + t + 4) = alpha * a01;
				*(v4du *)(d1 + t) = alpha * a10;
				*(v4du *)(d1 + t + 4) = alpha * a11;
				*(v4du *)(d2 + t) = alpha * a20;
				*(v4du *)(d2 + t + 4) = alpha * a21;
				*(v4du *)(d3 + t) = alpha * a30;
				*(v4du *)(d3 + t + 4) = alpha * a31;
			}
			for (; t < inner; t++) {
				double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
				for (long l = 0; l < m; l++) {
					double v = s[l * inner + t];
					a0 += k0[l] * v;
					a1 += k1[l] * v;
					a2 += k2[l] * v;
					a3 += k3[l] * v;
				}
				d0[t] = alpha * a0;
				d1[t] = alpha * a1;
				d2[t] = alpha * a2;
				d3[t] = alpha * a3;
			}
		}
		for (; i < m; i++) {
			const double *k0 = k + i * m;
			for (long t = 0; t < inner; t++) {
				double a0 = 0;
				for (long l = 0; l < m; l++) {
					a0 += k0[l] * s[l * inner + t];
				}
				d[i * inner + t] = alpha * a0;
			}
		}
	}
}

// vmath_axisexp is vmath_axismul for k[i][l] = q^|i−l|, by two first-order
// recursions along the middle axis (O(1) work per element instead of O(m)):
//   f_i = s_i + q·f_{i−1} (f_0 = s_0),   g_i = q·(s_{i+1} + g_{i+1}) (g_{m−1} = 0),
//   d_i = alpha·(f_i + g_i).
// All terms are nonnegative for nonnegative src, so the relative error of each
// output is a few ulps times m.
#define EX_T 256
CLONES void vmath_axisexp(double *dst, const double *src, double q, long outer, long m, long inner, double alpha) {
	double g[EX_T];
	for (long o = 0; o < outer; o++) {
		const double *s = src + o * m * inner;
		double *d = dst + o * m * inner;
		for (long t0 = 0; t0 < inner; t0 += EX_T) {
			long tl = inner - t0 < EX_T ? inner - t0 : EX_T;
			for (long t = 0; t < tl; t++) {
				d[t0 + t] = s[t0 + t];
			}
			for (long i = 1; i < m; i++) {
				const double *si = s + i * inner + t0;
				const double *dp = d + (i - 1) * inner + t0;
				double *di = d + i * inner + t0;
				for (long t = 0; t < tl; t++) {
					di[t] = __builtin_fma(q, dp[t], si[t]);
				}
			}
			for (long t = 0; t < tl; t++) {
				g[t] = 0;
			}
			for (long i = m - 1; i >= 0; i--) {
				const double *si = s + i * inner + t0;
				double *di = d + i * inner + t0;
				for (long t = 0; t < tl; t++) {
					double gi = g[t];
					di[t] = alpha * (di[t] + gi);
					g[t] = q * (si[t] + gi);
				}
			}
		}
	}
}

// vmath_dotlog returns Σ_{i: w_i ≠ 0} w_i·log(x_i / y_i) (y_i = 1 when y is
// NULL). Term i is added to partial sum i mod 4; the partial sums are combined
// as (s0 + s1) + (s2 + s3), so the result does not depend on the clone.
typedef long v4l __attribute__((vector_size(32)));
#define DL_B 256
CLONES double vmath_dotlog(const double *w, const double *x, const double *y, long n) {
	double l[DL_B];
	v4d acc = {0, 0, 0, 0};
	for (long b0 = 0; b0 < n; b0 += DL_B) {
		long bl = n - b0 < DL_B ? n - b0 : DL_B;
		if (y != 0) {
			for (long i = 0; i < bl; i++) {
				l[i] = x[b0 + i] / y[b0 + i];
			}
		} else {
			for (long i = 0; i < bl; i++) {
				l[i] = x[b0 + i];
			}
		}
		for (long i = 0; i < bl; i++) {
			double q = l[i];
			double lo;
			double hi = logdd(q, &lo);
			double r = hi + lo;
			r = q == 0.0 ? -__builtin_inf() : r;
			r = q == __builtin_inf() ? q : r;
			r = (q < 0.0 || q != q) ? __builtin_nan("") : r;
			l[i] = r;
		}
		long i = 0;
		for (; i + 4 <= bl; i += 4) {
			v4d wv = *(const v4du *)(w + b0 + i);
			v4d lv = *(const v4du *)(l + i);
			v4d t = wv * lv;
			v4l keep = (v4l)(wv != 0.0);
			acc += (v4d)((v4l)t & keep);
		}
		for (; i < bl; i++) { // only in the last block
			double t = w[b0 + i] != 0.0 ? w[b0 + i] * l[i] : 0.0;
			acc[i % 4] += t;
		}
	}
	return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

// vmath_quot sets dst = a / b, 0 where a = 0; the compiler turns the select
// into a blend (the lanes where a = 0 may compute 0/0, which is discarded),
// and IEEE division is correctly rounded in every vector width.
CLONES void vmath_quot(double *dst, const double *a, const double *b, long n) {
	for (long i = 0; i < n; i++) {
		double v = a[i];
		dst[i] = v == 0.0 ? 0.0 : v / b[i];
	}
}
