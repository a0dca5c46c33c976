//go:build cgo && amd64

// AVX-512 kernels of package vmath: Pow, DivPow, Exp and Log eight lanes at a
// time, written with intrinsics and compiled for AVX-512F + AVX-512DQ only
// (target attribute); vmath_cpu tells Go whether the running CPU has them.
//
// These kernels use a different (table-driven) algorithm from kernel.c and
// generic.go, chosen for fewer operations per element, so their results are
// not bit-identical to the portable path; they are deterministic (no
// reassociation, no dependence on the position of an element in the slice:
// the tail is computed by the same vector code under a mask) and accurate to
// about one ulp (see doc.go). -std=c11 turns off contraction: every fused
// multiply-add is an explicit _mm512_f*madd_pd.
//
// log x, x = 2^k·m, m in [0.75, 1.5) (vgetmantpd / vgetexppd, subnormals
// included):
//   j = round(16m) in 12..24, c_j the centre of its bin (1 for j = 16),
//   invc = 1/c_j rounded, logc = −log(invc) as logc_hi + logc_lo with logc_hi
//   a multiple of 2^-33 (so that k·LN2HI + logc_hi is exact),
//   r = m·invc − 1, |r| ≤ 1/26 (r = m − 1 exactly when j = 16),
//   log x = (k·LN2HI + logc_hi) + r  +  [k·LN2LO + logc_lo + r²·Q(r)],
//   Q the degree-8 polynomial closest to (log1p(r) − r)/r² in the sense of
//   max |r²·(Q − exact)| (testdata/gen_poly.py; below 4.3e-20 ≈ 2^-64,
//   where the Taylor polynomial to r¹¹ left 8.8e-19), the first sum split
//   exactly (Fast2Sum). The tables are 16 doubles, looked up with vpermt2pd
//   on j mod 16.
// exp t = 2^(n/16)·e^r, n = round(16t/ln2), r = t − n·ln2/16 (Cody–Waite),
//   |r| ≤ ln2/32, e^r − 1 its Taylor polynomial to degree 7 (truncation
//   below 2^-59), 2^(i/16) = T_i·(1 + TL_i) from a 16-entry table,
//   2^floor(n/16) applied with vscalefpd (exact overflow to +Inf and gradual
//   underflow to subnormals and 0, one rounding).
// Pow and DivPow hand y·log x to exp as an unnormalized pair ph + pl
// (ph = y·hi rounded, pl = y·lo plus its rounding error), with n chosen from
// ph + pl; the special inputs (0, +Inf, NaN, negative) need no selects (see
// powprep8). DivPow computes the quotients of a block in a pass of their
// own, so that the division's latency stays off the logarithm's chain.

#include <immintrin.h>
#include <stdint.h>

#include "kernel.h"

#define AVX512 __attribute__((target("avx512f,avx512dq")))
#define INLINE static inline __attribute__((always_inline)) AVX512

static const double SHIFT = 0x1.8p52;
static const double LN2HI = 0x1.62e42feep-1;
static const double LN2LO = 0x1.a39ef35793c76p-33;

// Slot j mod 16 for j = round(16m), m in [0.75, 1.5); slots 9–11 are unused.
// Generated with mpmath at 300 bits (logc = −log(invc) of the double invc).
static const double LOG_INVC[16] = {0x1.0000000000000p+0, 0x1.e1e1e1e1e1e1ep-1, 0x1.c71c71c71c71cp-1, 0x1.af286bca1af28p-1, 0x1.999999999999ap-1, 0x1.8618618618618p-1, 0x1.745d1745d1746p-1, 0x1.642c8590b2164p-1, 0x1.58ed2308158edp-1, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x1.0000000000000p+0, 0x1.4e5e0a72f0539p+0, 0x1.3b13b13b13b14p+0, 0x1.2492492492492p+0, 0x1.1111111111111p+0};
static const double LOG_LOGC_HI[16] = {0x0.0p+0, 0x1.f0a30c0000000p-5, 0x1.e27076e000000p-4, 0x1.5ff3070c00000p-3, 0x1.c8ff7c7800000p-3, 0x1.1675caba00000p-2, 0x1.4618bc2200000p-2, 0x1.739d7f6c00000p-2, 0x1.947941c200000p-2, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, -0x1.1178e82200000p-2, -0x1.a93ed3c800000p-3, -0x1.1178e82400000p-3, -0x1.08598b5800000p-4};
static const double LOG_LOGC_LO[16] = {0x0.0p+0, 0x1.162a8617cc971p-37, 0x1.57974f4f54400p-35, -0x1.86c2a378c1df6p-35, 0x1.a9a1fac25d81fp-35, 0x1.74c1e07398fabp-35, -0x1.d09f017a42642p-37, -0x1.0bfe38c76ceb0p-36, 0x1.16fb224cdd148p-38, 0x0.0p+0, 0x0.0p+0, 0x0.0p+0, -0x1.f91e9b8ce2d08p-36, -0x1.5b3cade57d4efp-36, 0x1.81b8621cc74bep-35, -0x1.e3a0588a3fd9cp-36};
// T_i = 2^(i/16) rounded, TL_i = (2^(i/16) − T_i)/T_i rounded.
static const double EXP_T[16] = {0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0, 0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0, 0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0, 0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
static const double EXP_TL[16] = {0x0.0p+0, 0x1.79aa65d837b6dp-54, -0x1.01b15eaa59348p-55, 0x1.68efde3a8a894p-54, 0x1.34d754db0abb6p-55, 0x1.59f48a72a4c6dp-55, 0x1.690cebb7aafb0p-56, 0x1.063e1e21c5409p-54, -0x1.3b3efbf5e2228p-54, -0x1.b32dcb94da51dp-56, 0x1.db72fc1f0eab4p-55, 0x1.1affc2b91ce27p-56, 0x1.c1a7792cb3387p-55, 0x1.36eae30af0cb3p-56, 0x1.4a385a63d07a7p-56, -0x1.ff7128fd391f0p-55};

// The tables in registers: each 16-entry table is two zmm halves.
typedef struct {
	__m512d ic0, ic1, lh0, lh1, ll0, ll1, t0, t1, tl0, tl1;
} tabs;

INLINE tabs load_tabs(void) {
	tabs t;
	t.ic0 = _mm512_loadu_pd(LOG_INVC);
	t.ic1 = _mm512_loadu_pd(LOG_INVC + 8);
	t.lh0 = _mm512_loadu_pd(LOG_LOGC_HI);
	t.lh1 = _mm512_loadu_pd(LOG_LOGC_HI + 8);
	t.ll0 = _mm512_loadu_pd(LOG_LOGC_LO);
	t.ll1 = _mm512_loadu_pd(LOG_LOGC_LO + 8);
	t.t0 = _mm512_loadu_pd(EXP_T);
	t.t1 = _mm512_loadu_pd(EXP_T + 8);
	t.tl0 = _mm512_loadu_pd(EXP_TL);
	t.tl1 = _mm512_loadu_pd(EXP_TL + 8);
	return t;
}

#define C8(v) _mm512_set1_pd(v)
#define CLASS_ZERO_PINF 0x0e // +0, −0, +Inf
#define CLASS_NONFINITE 0x99 // QNaN, SNaN, +Inf, −Inf

// log8 returns log x ≈ *hi + *lo (not normalized: |lo| < 2^-10·|hi| or so)
// and *e = getexp(x) (−Inf for 0, +Inf for +Inf). Negative x and NaN give NaN
// in hi and lo; ±0 and +Inf give hi = −Inf and +Inf (k = getexp(x) = ∓Inf
// and r finite) with lo NaN (Inf − Inf), which powprep8 relies on.
INLINE void log8(__m512d x, const tabs *T, __m512d *hi, __m512d *lo, __m512d *e) {
	__m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_nan);
	__m512d ex = _mm512_getexp_pd(x);
	// k = ex − getexp(m): one more where m < 1 (false for NaN m).
	__m512d k = _mm512_mask_add_pd(ex, _mm512_cmp_pd_mask(m, C8(1.0), _CMP_LT_OQ), ex, C8(1.0));
	// m + 1.5·2^48 rounds m to a multiple of 2^-4: the low bits are round(16m).
	__m512i j = _mm512_castpd_si512(_mm512_add_pd(m, C8(0x1.8p48)));
	__m512d invc = _mm512_permutex2var_pd(T->ic0, j, T->ic1);
	__m512d lch = _mm512_permutex2var_pd(T->lh0, j, T->lh1);
	__m512d lcl = _mm512_permutex2var_pd(T->ll0, j, T->ll1);
	__m512d r = _mm512_fmsub_pd(m, invc, C8(1.0));
	__m512d t1 = _mm512_fmadd_pd(k, C8(LN2HI), lch); // exact
	__m512d t2 = _mm512_add_pd(t1, r);
	__m512d l1 = _mm512_fmadd_pd(k, C8(LN2LO), lcl);
	__m512d l2 = _mm512_add_pd(_mm512_sub_pd(t1, t2), r); // |t1| ≥ |r| or t1 = 0
	__m512d r2 = _mm512_mul_pd(r, r);
	// Q(r) ≈ (log1p(r) − r)/r² = −1/2 + r/3 − r²/4 + …: the degree-8
	// polynomial with Q(0) = −1/2 minimizing max |r²·(Q − exact)| on
	// |r| ≤ 1/25.5 (testdata/gen_poly.py; 4.3e-20 with these double
	// coefficients, where the Taylor polynomial to r⁹ leaves 8.8e-19), by pairs
	// (c_2i + c_2i+1·r) and Horner in r² (fewer multiplications than Estrin's
	// scheme; the two-pass loops hide the longer dependency chain).
	__m512d p01 = _mm512_fmadd_pd(r, C8(0x1.555555555517ep-2), C8(-0.5));
	__m512d p23 = _mm512_fmadd_pd(r, C8(0x1.999999a388f3cp-3), C8(-0x1.ffffffffff241p-3));
	__m512d p45 = _mm512_fmadd_pd(r, C8(0x1.24920518bd287p-3), C8(-0x1.555555635dae0p-3));
	__m512d p67 = _mm512_fmadd_pd(r, C8(0x1.c8984100e9023p-4), C8(-0x1.ffff5f0da836bp-4));
	__m512d q = _mm512_fmadd_pd(r2, C8(-0x1.9b2005d2b8669p-4), p67);
	q = _mm512_fmadd_pd(r2, q, p45);
	q = _mm512_fmadd_pd(r2, q, p23);
	q = _mm512_fmadd_pd(r2, q, p01);
	*hi = t2;
	*lo = _mm512_fmadd_pd(r2, q, _mm512_add_pd(l1, l2));
	*e = ex;
}

// exp_core returns 2^(kd) · e^r for kd = n/16 (as computed by the
// reductions below, ki its bits: n mod 16 in the low four), |r| ≲ ln2/32.
INLINE __m512d exp_core(__m512d kd, __m512i ki, __m512d r, const tabs *T) {
	__m512d th = _mm512_permutex2var_pd(T->t0, ki, T->t1);
	__m512d tl = _mm512_permutex2var_pd(T->tl0, ki, T->tl1);
	// e^r − 1 = r + r²·(1/2 + r/6 + … + r⁵/7!), by Estrin's scheme.
	__m512d r2 = _mm512_mul_pd(r, r);
	__m512d e01 = _mm512_fmadd_pd(r, C8(0x1.5555555555555p-3), C8(0.5));
	__m512d e23 = _mm512_fmadd_pd(r, C8(0x1.1111111111111p-7), C8(0x1.5555555555555p-5));
	__m512d e45 = _mm512_fmadd_pd(r, C8(0x1.a01a01a01a01ap-13), C8(0x1.6c16c16c16c17p-10));
	__m512d t = _mm512_fmadd_pd(r2, e45, e23);
	t = _mm512_fmadd_pd(r2, t, e01);
	__m512d q = _mm512_fmadd_pd(r2, t, r);
	__m512d p = _mm512_fmadd_pd(th, _mm512_add_pd(q, tl), th);
	return _mm512_scalef_pd(p, kd); // p·2^floor(n/16)
}

// The reduction: kd = n/16 with n = round(16t/ln2), computed as
// t·(1/ln2) + 1.5·2^48 rounded to a multiple of 2^-4 (the same rounding as
// 16t/ln2 + 1.5·2^52 to an integer: the constants differ by 16 exactly), so
// that kd scales directly (vscalefpd takes floor(kd)) and kd·LN2HI is exact.
static const double SHIFT48 = 0x1.8p48;
static const double INVLN2 = 0x1.71547652b82fep0;

// exp8 returns exp x; NaN x gives NaN, large |x| +Inf or 0.
INLINE __m512d exp8(__m512d x, const tabs *T) {
	// min/max return their second operand when one is NaN: NaN passes.
	x = _mm512_max_pd(C8(-1400.0), _mm512_min_pd(C8(1400.0), x));
	__m512d kd = _mm512_fmadd_pd(x, C8(INVLN2), C8(SHIFT48));
	__m512i ki = _mm512_castpd_si512(kd);
	kd = _mm512_sub_pd(kd, C8(SHIFT48));
	__m512d r = _mm512_fnmadd_pd(kd, C8(LN2HI), x); // kd·LN2HI exact
	r = _mm512_fnmadd_pd(kd, C8(LN2LO), r);
	return exp_core(kd, ki, r, T);
}

// exp2p8 returns exp(ph + pl) for the unnormalized pair of powprep8
// (|pl| ≤ |ph|/30 or so, both clamped there). n is chosen from ph + pl
// rounded; ph − kd·LN2HI is exact (both are multiples of
// min(ulp ph, 2^-37) and the difference is below |pl| + ln2/32), and pl is
// added before the small kd·LN2LO, so that r is rounded only where it is
// small.
INLINE __m512d exp2p8(__m512d ph, __m512d pl, const tabs *T) {
	__m512d s = _mm512_add_pd(ph, pl);
	__m512d kd = _mm512_fmadd_pd(s, C8(INVLN2), C8(SHIFT48));
	__m512i ki = _mm512_castpd_si512(kd);
	kd = _mm512_sub_pd(kd, C8(SHIFT48));
	__m512d r = _mm512_fnmadd_pd(kd, C8(LN2HI), ph);
	r = _mm512_add_pd(r, pl);
	r = _mm512_fnmadd_pd(kd, C8(LN2LO), r);
	return exp_core(kd, ki, r, T);
}

// powprep8 returns y·log x as an unnormalized pair ph + pl for exp2p8, for
// finite y ≠ 0: ph = y·hi rounded, pl = y·lo + the rounding error of y·hi
// (exact), so ph + pl is y·log x to about 2^-62 relative plus the error of
// log8; ph is clamped to ±1400 (exp saturates to 0 or +Inf there) and pl to
// ±64 (|pl| ≤ |ph|/30 below that). The special cases need no selects: for
// x = ±0 and +Inf, hi = −Inf and +Inf, so ph = ±Inf with the sign of
// y·log x, clamped to ±1400, while lo is NaN, which the clamp of pl turns
// into 64 (vminpd returns its second operand for a NaN): exp2p8 then gives 0
// or +Inf as it should. Negative x and NaN give NaN in ph, which its clamp
// passes.
INLINE void powprep8(__m512d x, __m512d y, const tabs *T, __m512d *ph, __m512d *pl) {
	__m512d hi, lo, e;
	log8(x, T, &hi, &lo, &e);
	__m512d h = _mm512_mul_pd(y, hi);
	__m512d l = _mm512_fmadd_pd(y, lo, _mm512_fmsub_pd(y, hi, h));
	*ph = _mm512_max_pd(C8(-1400.0), _mm512_min_pd(C8(1400.0), h));  // NaN passes
	*pl = _mm512_max_pd(_mm512_min_pd(l, C8(64.0)), C8(-64.0));      // NaN gives 64
}

// The two-pass loops: the logarithm and the product over a block into ph/pl
// on the stack, then exp over the block. The work per element is the same as
// in one pass (so the masked tail, done in one pass, gives the same bits),
// but each pass has a dependency chain half as long, which lets the
// out-of-order core overlap more vectors.
#define BLK 256

int vmath_cpu(void) {
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) {
		return 2;
	}
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		return 1;
	}
	return 0;
}

static inline __mmask8 tailmask(long n) { return (__mmask8)((1u << n) - 1); }

// powfull8 is y·log x for exp2p8, special cases included: for x = 0 and
// x = +Inf, ph = y·getexp(x) = ±Inf (exp gives 0 or +Inf), clamped.
INLINE void powfull8(__m512d x, __m512d y, const tabs *T, __m512d *ph, __m512d *pl) { powprep8(x, y, T, ph, pl); }

AVX512 void vmath_pow_avx512(double *dst, const double *x, long n, double y) {
	tabs T = load_tabs();
	__m512d yv = _mm512_set1_pd(y);
	double bh[BLK], bl[BLK];
	long i = 0;
	for (; i + 8 <= n; i += BLK) {
		long m = n - i < BLK ? (n - i) & ~7L : BLK;
		for (long t = 0; t < m; t += 8) {
			__m512d h, l;
			powfull8(_mm512_loadu_pd(x + i + t), yv, &T, &h, &l);
			_mm512_storeu_pd(bh + t, h);
			_mm512_storeu_pd(bl + t, l);
		}
		for (long t = 0; t < m; t += 8) {
			_mm512_storeu_pd(dst + i + t, exp2p8(_mm512_loadu_pd(bh + t), _mm512_loadu_pd(bl + t), &T));
		}
		if (m < BLK) {
			i += m;
			break;
		}
	}
	if (i < n) {
		__mmask8 k = tailmask(n - i);
		__m512d h, l;
		powfull8(_mm512_maskz_loadu_pd(k, x + i), yv, &T, &h, &l);
		_mm512_mask_storeu_pd(dst + i, k, exp2p8(h, l, &T));
	}
}

// quot8 is a / max(b, floor), and 0 where a = 0 (whatever b is): powfull8
// then gives 0 there (y > 0 for DivPow), as DivPow requires.
INLINE __m512d quot8(__m512d a, __m512d b, __m512d floor) {
	b = _mm512_max_pd(floor, b); // NaN b stays NaN
	__mmask8 nz = _mm512_cmp_pd_mask(a, _mm512_setzero_pd(), _CMP_NEQ_UQ);
	return _mm512_maskz_div_pd(nz, a, b);
}

// DivPow runs three passes over each block: the quotients into ph, then
// powfull8 in place into ph/pl, then exp2p8; the division's long latency is
// thus off the dependency chains of the other two.
AVX512 long vmath_divpow_avx512(double *dst, const double *a, const double *b, long n, double y, double floor) {
	tabs T = load_tabs();
	__m512d yv = _mm512_set1_pd(y), fv = _mm512_set1_pd(floor);
	double bh[BLK], bl[BLK];
	long bad = 0, i = 0;
	for (; i + 8 <= n; i += BLK) {
		long m = n - i < BLK ? (n - i) & ~7L : BLK;
		for (long t = 0; t < m; t += 8) {
			_mm512_storeu_pd(bh + t, quot8(_mm512_loadu_pd(a + i + t), _mm512_loadu_pd(b + i + t), fv));
		}
		for (long t = 0; t < m; t += 8) {
			__m512d h, l;
			powfull8(_mm512_loadu_pd(bh + t), yv, &T, &h, &l);
			_mm512_storeu_pd(bh + t, h);
			_mm512_storeu_pd(bl + t, l);
		}
		for (long t = 0; t < m; t += 8) {
			__m512d r = exp2p8(_mm512_loadu_pd(bh + t), _mm512_loadu_pd(bl + t), &T);
			_mm512_storeu_pd(dst + i + t, r);
			bad += __builtin_popcount(_mm512_fpclass_pd_mask(r, CLASS_NONFINITE));
		}
		if (m < BLK) {
			i += m;
			break;
		}
	}
	if (i < n) {
		__mmask8 k = tailmask(n - i);
		__m512d h, l;
		powfull8(quot8(_mm512_maskz_loadu_pd(k, a + i), _mm512_maskz_loadu_pd(k, b + i), fv), yv, &T, &h, &l);
		__m512d r = exp2p8(h, l, &T);
		_mm512_mask_storeu_pd(dst + i, k, r);
		bad += __builtin_popcount(_mm512_mask_fpclass_pd_mask(k, r, CLASS_NONFINITE));
	}
	return bad;
}

INLINE __m512d expv8(__m512d x, const tabs *T) { return exp8(x, T); }

AVX512 void vmath_exp_avx512(double *dst, const double *x, long n) {
	tabs T = load_tabs();
	long i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512d r0 = expv8(_mm512_loadu_pd(x + i), &T);
		__m512d r1 = expv8(_mm512_loadu_pd(x + i + 8), &T);
		_mm512_storeu_pd(dst + i, r0);
		_mm512_storeu_pd(dst + i + 8, r1);
	}
	for (; i < n; i += 8) {
		__mmask8 k = n - i >= 8 ? (__mmask8)0xff : tailmask(n - i);
		_mm512_mask_storeu_pd(dst + i, k, expv8(_mm512_maskz_loadu_pd(k, x + i), &T));
	}
}

INLINE __m512d logv8(__m512d x, const tabs *T) {
	__m512d hi, lo, e;
	log8(x, T, &hi, &lo, &e);
	// getexp gives the results for 0 (−Inf) and +Inf.
	return _mm512_mask_mov_pd(_mm512_add_pd(hi, lo), _mm512_fpclass_pd_mask(x, CLASS_ZERO_PINF), e);
}

AVX512 void vmath_log_avx512(double *dst, const double *x, long n) {
	tabs T = load_tabs();
	long i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512d r0 = logv8(_mm512_loadu_pd(x + i), &T);
		__m512d r1 = logv8(_mm512_loadu_pd(x + i + 8), &T);
		_mm512_storeu_pd(dst + i, r0);
		_mm512_storeu_pd(dst + i + 8, r1);
	}
	for (; i < n; i += 8) {
		__mmask8 k = n - i >= 8 ? (__mmask8)0xff : tailmask(n - i);
		_mm512_mask_storeu_pd(dst + i, k, logv8(_mm512_maskz_loadu_pd(k, x + i), &T));
	}
}

// vmath_dotlog_avx512 is vmath_dotlog with the logarithm of logv8 (Log's
// avx512 path) instead of the portable double-double one: Σ w_i·log(x_i/y_i)
// over w_i ≠ 0 (y = NULL: Σ w_i·log x_i). Element i is added to lane i mod 8
// of accumulator (i/8) mod 2; the accumulators are added lane by lane, then
// lanes j and j+4, then the four sums as (s0 + s1) + (s2 + s3): the result
// depends on the inputs and n only.
AVX512 double vmath_dotlog_avx512(const double *w, const double *x, const double *y, long n) {
	tabs T = load_tabs();
	__m512d acc0 = _mm512_setzero_pd(), acc1 = acc0;
	long i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512d w0 = _mm512_loadu_pd(w + i), w1 = _mm512_loadu_pd(w + i + 8);
		__m512d q0 = _mm512_loadu_pd(x + i), q1 = _mm512_loadu_pd(x + i + 8);
		if (y != 0) {
			q0 = _mm512_div_pd(q0, _mm512_loadu_pd(y + i));
			q1 = _mm512_div_pd(q1, _mm512_loadu_pd(y + i + 8));
		}
		__m512d l0 = logv8(q0, &T), l1 = logv8(q1, &T);
		__mmask8 k0 = _mm512_cmp_pd_mask(w0, _mm512_setzero_pd(), _CMP_NEQ_UQ);
		__mmask8 k1 = _mm512_cmp_pd_mask(w1, _mm512_setzero_pd(), _CMP_NEQ_UQ);
		acc0 = _mm512_mask_add_pd(acc0, k0, acc0, _mm512_mul_pd(w0, l0));
		acc1 = _mm512_mask_add_pd(acc1, k1, acc1, _mm512_mul_pd(w1, l1));
	}
	for (int a = 0; i < n; i += 8, a ^= 1) {
		__mmask8 k = n - i >= 8 ? (__mmask8)0xff : tailmask(n - i);
		__m512d wv = _mm512_maskz_loadu_pd(k, w + i);
		__m512d q = _mm512_maskz_loadu_pd(k, x + i);
		if (y != 0) {
			q = _mm512_maskz_div_pd(k, q, _mm512_mask_loadu_pd(_mm512_set1_pd(1), k, y + i));
		}
		__m512d l = logv8(q, &T);
		__mmask8 keep = k & _mm512_cmp_pd_mask(wv, _mm512_setzero_pd(), _CMP_NEQ_UQ);
		if (a == 0) {
			acc0 = _mm512_mask_add_pd(acc0, keep, acc0, _mm512_mul_pd(wv, l));
		} else {
			acc1 = _mm512_mask_add_pd(acc1, keep, acc1, _mm512_mul_pd(wv, l));
		}
	}
	double s[8];
	_mm512_storeu_pd(s, _mm512_add_pd(acc0, acc1));
	return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

// vmath_axisexp_avx512 is vmath_axisexp with the recursions carried in
// registers: the inner axis is cut into tiles of up to eight vectors (64
// values), and for each tile the forward recursion runs down the m rows and
// the backward one back up with f and g in zmm registers, instead of
// re-reading the previous row from memory in a loop gcc vectorizes one row
// at a time. Each element sees the same operations in the same order as in
// vmath_axisexp (fma(q, f, s) forward; alpha·(f + g) and q·(s + g) backward,
// contraction off), so the results are bit for bit the same. Go calls it for
// inner ≤ 128 only: with longer rows a tile's m rows lie a multiple of 4 KiB
// apart and the backward pass misses in L1 (0.57 against 0.34–0.39 ns per
// element at inner = 1024 and 8192).
//
// axtile runs one tile of TV vectors (a constant after inlining, so that f
// and g stay in registers), the last one under mask last.
INLINE void axtile(const double *si, double *di, long m, long inner, __m512d qv, __m512d av, const int TV,
                   __mmask8 last) {
	__m512d f[8], g[8];
	__mmask8 mk[8];
	for (int v = 0; v < TV; v++) {
		mk[v] = v == TV - 1 ? last : (__mmask8)0xff;
		f[v] = _mm512_maskz_loadu_pd(mk[v], si + 8 * v);
		_mm512_mask_storeu_pd(di + 8 * v, mk[v], f[v]);
	}
	for (long i = 1; i < m; i++) {
		si += inner;
		di += inner;
		for (int v = 0; v < TV; v++) {
			f[v] = _mm512_fmadd_pd(qv, f[v], _mm512_maskz_loadu_pd(mk[v], si + 8 * v));
			_mm512_mask_storeu_pd(di + 8 * v, mk[v], f[v]);
		}
	}
	for (int v = 0; v < TV; v++) {
		g[v] = _mm512_setzero_pd();
	}
	for (long i = m - 1; i >= 0; i--) {
		for (int v = 0; v < TV; v++) {
			__m512d fv = _mm512_maskz_loadu_pd(mk[v], di + 8 * v);
			__m512d sv = _mm512_maskz_loadu_pd(mk[v], si + 8 * v);
			_mm512_mask_storeu_pd(di + 8 * v, mk[v], _mm512_mul_pd(av, _mm512_add_pd(fv, g[v])));
			g[v] = _mm512_mul_pd(qv, _mm512_add_pd(sv, g[v]));
		}
		si -= inner;
		di -= inner;
	}
}

AVX512 void vmath_axisexp_avx512(double *dst, const double *src, double q, long outer, long m, long inner,
                                 double alpha) {
	__m512d qv = _mm512_set1_pd(q), av = _mm512_set1_pd(alpha);
	long nv = (inner + 7) / 8; // vectors per row, the last one masked
	__mmask8 lastm = (inner % 8) ? tailmask(inner % 8) : (__mmask8)0xff;
	for (long o = 0; o < outer; o++) {
		const double *s = src + o * m * inner;
		double *d = dst + o * m * inner;
		for (long v0 = 0; v0 < nv; v0 += 8) {
			int tv = nv - v0 < 8 ? (int)(nv - v0) : 8;
			__mmask8 last = v0 + tv == nv ? lastm : (__mmask8)0xff;
			const double *si = s + v0 * 8;
			double *di = d + v0 * 8;
			switch (tv) {
			case 8: axtile(si, di, m, inner, qv, av, 8, last); break;
			case 7: axtile(si, di, m, inner, qv, av, 7, last); break;
			case 6: axtile(si, di, m, inner, qv, av, 6, last); break;
			case 5: axtile(si, di, m, inner, qv, av, 5, last); break;
			case 4: axtile(si, di, m, inner, qv, av, 4, last); break;
			case 3: axtile(si, di, m, inner, qv, av, 3, last); break;
			case 2: axtile(si, di, m, inner, qv, av, 2, last); break;
			default: axtile(si, di, m, inner, qv, av, 1, last);
			}
		}
	}
}
