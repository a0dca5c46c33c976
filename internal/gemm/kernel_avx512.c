//go:build cgo && amd64

// The AVX-512 DGEMM of package gemm: C = α·op(A)·op(B) + β·C for row-major
// matrices, blocked as in BLIS (Van Zee & van de Geijn 2015): op(B) is
// packed KC rows at a time into panels NR = 8, 16 or 24 columns wide,
// op(A) MC rows at a time into panels of MR = 8 rows, and an 8 × NR
// micro-kernel keeps its tile of C in 8·NR/8 zmm registers for the whole
// KC-long product. Every entry of C is therefore summed in the same order —
// p = 0, 1, …, KC−1 by fused multiply-adds, chunk after chunk of KC — whatever
// its position, the matrix sizes or the tile it falls in (edge tiles are
// zero-padded in the packs and stored under a mask): the result depends on
// (k, α, β) and the operands only. Compiled for AVX-512F alone (target
// attribute); gemm_cpu tells Go whether the CPU has it.

#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel.h"

#define AVX512 __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline)) AVX512

enum { MR = 8, KC = 256, MC = 96, NC = 3072 };

int gemm_cpu(void) {
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
}

// Per-thread pack buffers, grown on demand and kept: a cgo call runs on one
// OS thread from start to end, so concurrent calls from several goroutines
// never share them.
static __thread double *packA, *packB;
static __thread size_t capA, capB;

static int grow(double **buf, size_t *cap, size_t n) {
	if (*cap >= n) return 0;
	free(*buf);
	*buf = aligned_alloc(64, ((n * sizeof(double) + 63) / 64) * 64);
	*cap = *buf ? n : 0;
	return *buf ? 0 : -1;
}

// panelWidth is the packed width of a B panel with rem columns left: the
// smallest multiple of 8 holding them, at most 24.
static inline int panelWidth(int rem) { return rem > 16 ? 24 : rem > 8 ? 16 : 8; }

// packB packs op(B)[p0:p0+kc, j0:j0+nc] into consecutive panels, each kc
// rows of panelWidth values (zero beyond the matrix). Where op(B) = B, each
// row is read once, front to back, with masked vector loads and scattered
// into the panels; the transposed case gathers.
static AVX512 void pack_b(int transB, const double *b, int ldb, int p0, int kc, int j0, int nc, double *dst) {
	if (!transB) {
		// Row p of op(B) is read once, front to back, and scattered into
		// the panels (panel j starts at dst + j·kc: every panel but the
		// last two is 24 wide).
		for (int p = 0; p < kc; p++) {
			const double *src = b + (size_t)(p0 + p) * ldb + j0;
			for (int j = 0; j < nc;) {
				int w = panelWidth(nc - j), v = nc - j < w ? nc - j : w;
				double *d = dst + (size_t)j * kc + (size_t)p * w;
				for (int q = 0; q < w; q += 8) {
					int left = v - q;
					__mmask8 m = left >= 8 ? 0xff : left <= 0 ? 0 : (__mmask8)(0xff >> (8 - left));
					_mm512_storeu_pd(d + q, _mm512_maskz_loadu_pd(m, src + j + q));
				}
				j += w;
			}
		}
		return;
	}
	for (int j = 0; j < nc;) {
		int w = panelWidth(nc - j), v = nc - j < w ? nc - j : w;
		for (int p = 0; p < kc; p++, dst += w) {
			const double *src = b + (size_t)(j0 + j) * ldb + p0 + p;
			int q = 0;
			for (; q < v; q++) dst[q] = src[(size_t)q * ldb];
			for (; q < w; q++) dst[q] = 0;
		}
		j += w;
	}
}

// packA packs op(A)[i0:i0+mc, p0:p0+kc] into panels of MR rows: per panel,
// kc groups of MR values (zero beyond the matrix). In the transposed case
// each stored row p holds the mc values of column p of op(A) contiguously:
// it is read once, front to back, with masked vector loads and scattered
// into the panels (reading panel by panel would revisit every row mc/8
// times with a stride of lda, which a power-of-two lda maps onto a few cache
// sets). The plain case is only used for a last panel of fewer than MR rows.
static AVX512 void pack_a(int transA, const double *a, int lda, int i0, int mc, int p0, int kc, double *dst) {
	if (transA) {
		for (int p = 0; p < kc; p++) {
			const double *src = a + (size_t)(p0 + p) * lda + i0;
			for (int i = 0; i < mc; i += MR) {
				int left = mc - i;
				__mmask8 m = left >= MR ? 0xff : (__mmask8)(0xff >> (MR - left));
				_mm512_storeu_pd(dst + (size_t)(i / MR) * MR * kc + (size_t)p * MR, _mm512_maskz_loadu_pd(m, src + i));
			}
		}
		return;
	}
	for (int i = 0; i < mc; i += MR, dst += (size_t)MR * kc) {
		int v = mc - i < MR ? mc - i : MR;
		for (int p = 0; p < kc; p++) {
			const double *src = a + (size_t)(i0 + i) * lda + p0 + p;
			double *d = dst + (size_t)p * MR;
			int q = 0;
			for (; q < v; q++) d[q] = src[(size_t)q * lda];
			for (; q < MR; q++) d[q] = 0;
		}
	}
}

// store writes one register row of the tile: C = α·acc (+ β·C on the
// first chunk when β ≠ 0), or C += α·acc on later chunks.
INLINE void store(double *c, __mmask8 m, __m512d acc, __m512d alpha, __m512d beta, int mode) {
	__m512d r;
	switch (mode) {
	case 0: // first chunk, β = 0: C is not read
		r = _mm512_mul_pd(alpha, acc);
		break;
	case 1: // first chunk, β ≠ 0
		r = _mm512_fmadd_pd(beta, _mm512_maskz_loadu_pd(m, c), _mm512_mul_pd(alpha, acc));
		break;
	default: // later chunks
		r = _mm512_fmadd_pd(alpha, acc, _mm512_maskz_loadu_pd(m, c));
	}
	_mm512_mask_storeu_pd(c, m, r);
}

// The micro-kernels: an 8 × 8·NV tile of C from an A panel and a B panel
// (kc × 8·NV); rows ≥ mr are not stored, the last vector of each row under
// mask last. The A panel is either packed (kc groups of 8 values: the
// transposed case and edge tiles) or read in place from eight row pointers
// (op(A) = A row-major: no packing, which matters when n is small and every
// panel of A is used once or twice).
#define ROW(i, AV) \
	do { \
		__m512d a = _mm512_set1_pd(AV); \
		c##i##0 = _mm512_fmadd_pd(a, b0, c##i##0); \
		if (NV > 1) c##i##1 = _mm512_fmadd_pd(a, b1, c##i##1); \
		if (NV > 2) c##i##2 = _mm512_fmadd_pd(a, b2, c##i##2); \
	} while (0)

#define STOREROW(i) \
	if (i < mr) { \
		double *ci = c + (size_t)i * ldc; \
		store(ci, NV == 1 ? last : 0xff, c##i##0, va, vb, mode); \
		if (NV > 1) store(ci + 8, NV == 2 ? last : 0xff, c##i##1, va, vb, mode); \
		if (NV > 2) store(ci + 16, last, c##i##2, va, vb, mode); \
	}

#define DECL(i) __m512d c##i##0 = _mm512_setzero_pd(), c##i##1 = c##i##0, c##i##2 = c##i##0

#define LOADB \
	__m512d b0 = _mm512_loadu_pd(bp), b1 = b0, b2 = b0; \
	if (NV > 1) b1 = _mm512_loadu_pd(bp + 8); \
	if (NV > 2) b2 = _mm512_loadu_pd(bp + 16); \
	bp += 8 * NV

#define STOREALL \
	__m512d va = _mm512_set1_pd(alpha), vb = _mm512_set1_pd(beta); \
	STOREROW(0) STOREROW(1) STOREROW(2) STOREROW(3) STOREROW(4) STOREROW(5) STOREROW(6) STOREROW(7)

#define KERNEL(NAME, NVAL) \
	static AVX512 void NAME(int kc, const double *restrict ap, const double *restrict bp, double *c, size_t ldc, int mr, \
	                        __mmask8 last, double alpha, double beta, int mode) { \
		enum { NV = NVAL }; \
		DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5); DECL(6); DECL(7); \
		for (int p = 0; p < kc; p++, ap += MR) { \
			LOADB; \
			ROW(0, ap[0]); ROW(1, ap[1]); ROW(2, ap[2]); ROW(3, ap[3]); \
			ROW(4, ap[4]); ROW(5, ap[5]); ROW(6, ap[6]); ROW(7, ap[7]); \
		} \
		STOREALL \
	} \
	static AVX512 void NAME##rows(int kc, const double *restrict a, size_t lda, const double *restrict bp, double *c, \
	                              size_t ldc, int mr, __mmask8 last, double alpha, double beta, int mode) { \
		enum { NV = NVAL }; \
		const double *a0 = a, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda, *a4 = a3 + lda, *a5 = a4 + lda, \
		             *a6 = a5 + lda, *a7 = a6 + lda; \
		DECL(0); DECL(1); DECL(2); DECL(3); DECL(4); DECL(5); DECL(6); DECL(7); \
		for (int p = 0; p < kc; p++) { \
			LOADB; \
			ROW(0, a0[p]); ROW(1, a1[p]); ROW(2, a2[p]); ROW(3, a3[p]); \
			ROW(4, a4[p]); ROW(5, a5[p]); ROW(6, a6[p]); ROW(7, a7[p]); \
		} \
		STOREALL \
	}

KERNEL(kern1, 1)
KERNEL(kern2, 2)
KERNEL(kern3, 3)

int gemm_dgemm(int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda, const double *b,
               int ldb, double beta, double *c, int ldc) {
	if (m <= 0 || n <= 0) return 0;
	if (k <= 0 || alpha == 0) { // C = β·C
		for (int i = 0; i < m; i++)
			for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] = beta == 0 ? 0 : beta * c[(size_t)i * ldc + j];
		return 0;
	}
	int kcMax = k < KC ? k : KC, ncMax = n < NC ? n : NC, mcMax = m < MC ? m : MC;
	if (grow(&packB, &capB, (size_t)kcMax * (ncMax + 24)) || grow(&packA, &capA, (size_t)kcMax * (mcMax + MR))) return -1;
	for (int j0 = 0; j0 < n; j0 += NC) {
		int nc = n - j0 < NC ? n - j0 : NC;
		for (int p0 = 0; p0 < k; p0 += KC) {
			int kc = k - p0 < KC ? k - p0 : KC;
			int mode = p0 > 0 ? 2 : beta == 0 ? 0 : 1;
			pack_b(transB, b, ldb, p0, kc, j0, nc, packB);
			for (int i0 = 0; i0 < m; i0 += MC) {
				int mc = m - i0 < MC ? m - i0 : MC;
				// op(A) row-major: full 8-row panels are read in place; the
				// transposed case, and the last panel when it has fewer than 8
				// rows, are packed.
				int direct = !transA, mfull = direct ? (mc / MR) * MR : 0;
				if (mfull < mc) pack_a(transA, a, lda, i0 + mfull, mc - mfull, p0, kc, packA);
				const double *bp = packB;
				for (int j = 0; j < nc;) {
					int w = panelWidth(nc - j), v = nc - j < w ? nc - j : w;
					int nv = w / 8;
					__mmask8 last = (__mmask8)(0xff >> (8 - (v - 8 * (nv - 1))));
					const double *ap = packA;
					for (int i = 0; i < mc; i += MR) {
						int mr = mc - i < MR ? mc - i : MR;
						double *ct = c + (size_t)(i0 + i) * ldc + j0 + j;
						if (i < mfull) {
							const double *ar = a + (size_t)(i0 + i) * lda + p0;
							switch (nv) {
							case 3: kern3rows(kc, ar, lda, bp, ct, ldc, mr, last, alpha, beta, mode); break;
							case 2: kern2rows(kc, ar, lda, bp, ct, ldc, mr, last, alpha, beta, mode); break;
							default: kern1rows(kc, ar, lda, bp, ct, ldc, mr, last, alpha, beta, mode);
							}
							continue;
						}
						switch (nv) {
						case 3: kern3(kc, ap, bp, ct, ldc, mr, last, alpha, beta, mode); break;
						case 2: kern2(kc, ap, bp, ct, ldc, mr, last, alpha, beta, mode); break;
						default: kern1(kc, ap, bp, ct, ldc, mr, last, alpha, beta, mode);
						}
						ap += (size_t)MR * kc;
					}
					bp += (size_t)w * kc;
					j += w;
				}
			}
		}
	}
	return 0;
}

