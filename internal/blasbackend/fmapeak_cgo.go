//go:build cgo && amd64

package blasbackend

// #cgo CFLAGS: -O2
// #include <immintrin.h>
//
// // n iterations of 16 independent FMA chains on 512-bit registers:
// // 16·8·2 = 256 flops per iteration. a = a·x + y converges to 1, so the
// // values stay normal. Enough chains to cover latency × pipes (4 × 2).
// __attribute__((target("avx512f")))
// static double fma_zmm(long n) {
// 	__m512d x = _mm512_set1_pd(0.9999999), y = _mm512_set1_pd(1e-7);
// 	// Distinct starting values, or the compiler merges identical chains.
// 	__m512d a0 = _mm512_set1_pd(1.00), a1 = _mm512_set1_pd(1.01), a2 = _mm512_set1_pd(1.02), a3 = _mm512_set1_pd(1.03);
// 	__m512d a4 = _mm512_set1_pd(1.04), a5 = _mm512_set1_pd(1.05), a6 = _mm512_set1_pd(1.06), a7 = _mm512_set1_pd(1.07);
// 	__m512d a8 = _mm512_set1_pd(1.08), a9 = _mm512_set1_pd(1.09), a10 = _mm512_set1_pd(1.10), a11 = _mm512_set1_pd(1.11);
// 	__m512d a12 = _mm512_set1_pd(1.12), a13 = _mm512_set1_pd(1.13), a14 = _mm512_set1_pd(1.14), a15 = _mm512_set1_pd(1.15);
// 	for (long i = 0; i < n; i++) {
// 		a0 = _mm512_fmadd_pd(a0, x, y); a1 = _mm512_fmadd_pd(a1, x, y);
// 		a2 = _mm512_fmadd_pd(a2, x, y); a3 = _mm512_fmadd_pd(a3, x, y);
// 		a4 = _mm512_fmadd_pd(a4, x, y); a5 = _mm512_fmadd_pd(a5, x, y);
// 		a6 = _mm512_fmadd_pd(a6, x, y); a7 = _mm512_fmadd_pd(a7, x, y);
// 		a8 = _mm512_fmadd_pd(a8, x, y); a9 = _mm512_fmadd_pd(a9, x, y);
// 		a10 = _mm512_fmadd_pd(a10, x, y); a11 = _mm512_fmadd_pd(a11, x, y);
// 		a12 = _mm512_fmadd_pd(a12, x, y); a13 = _mm512_fmadd_pd(a13, x, y);
// 		a14 = _mm512_fmadd_pd(a14, x, y); a15 = _mm512_fmadd_pd(a15, x, y);
// 	}
// 	a0 = _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(a0, a1), _mm512_add_pd(a2, a3)), _mm512_add_pd(_mm512_add_pd(a4, a5), _mm512_add_pd(a6, a7)));
// 	a8 = _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(a8, a9), _mm512_add_pd(a10, a11)), _mm512_add_pd(_mm512_add_pd(a12, a13), _mm512_add_pd(a14, a15)));
// 	return _mm512_reduce_add_pd(_mm512_add_pd(a0, a8));
// }
//
// // The same with 12 chains on 256-bit registers (AVX2 has 16 of them):
// // 12·4·2 = 96 flops per iteration.
// __attribute__((target("avx2,fma")))
// static double fma_ymm(long n) {
// 	__m256d x = _mm256_set1_pd(0.9999999), y = _mm256_set1_pd(1e-7);
// 	__m256d a0 = _mm256_set1_pd(1.00), a1 = _mm256_set1_pd(1.01), a2 = _mm256_set1_pd(1.02), a3 = _mm256_set1_pd(1.03);
// 	__m256d a4 = _mm256_set1_pd(1.04), a5 = _mm256_set1_pd(1.05), a6 = _mm256_set1_pd(1.06), a7 = _mm256_set1_pd(1.07);
// 	__m256d a8 = _mm256_set1_pd(1.08), a9 = _mm256_set1_pd(1.09), a10 = _mm256_set1_pd(1.10), a11 = _mm256_set1_pd(1.11);
// 	for (long i = 0; i < n; i++) {
// 		a0 = _mm256_fmadd_pd(a0, x, y); a1 = _mm256_fmadd_pd(a1, x, y);
// 		a2 = _mm256_fmadd_pd(a2, x, y); a3 = _mm256_fmadd_pd(a3, x, y);
// 		a4 = _mm256_fmadd_pd(a4, x, y); a5 = _mm256_fmadd_pd(a5, x, y);
// 		a6 = _mm256_fmadd_pd(a6, x, y); a7 = _mm256_fmadd_pd(a7, x, y);
// 		a8 = _mm256_fmadd_pd(a8, x, y); a9 = _mm256_fmadd_pd(a9, x, y);
// 		a10 = _mm256_fmadd_pd(a10, x, y); a11 = _mm256_fmadd_pd(a11, x, y);
// 	}
// 	a0 = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(a2, a3)), _mm256_add_pd(_mm256_add_pd(a4, a5), _mm256_add_pd(a6, a7)));
// 	a8 = _mm256_add_pd(_mm256_add_pd(a8, a9), _mm256_add_pd(a10, a11));
// 	a0 = _mm256_add_pd(a0, a8);
// 	double t[4];
// 	_mm256_storeu_pd(t, a0);
// 	return t[0] + t[1] + t[2] + t[3];
// }
import "C"

import (
	"runtime"
	"time"
)

// fmaSink keeps the kernels' results alive.
var fmaSink float64

// fmaPeak measures this core's double-precision FMA rate in GFLOP/s with
// independent FMA chains on 512-bit (zmm) and 256-bit (ymm) registers, best
// of a few runs of about d/reps each, on the calling thread (locked).
// A width the CPU lacks is reported as 0.
func fmaPeak(d time.Duration, f Features) (zmm, ymm float64, ok bool) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	measure := func(kernel func(n C.long) C.double, flopsPerIter float64) float64 {
		n := C.long(1 << 16)
		var best float64
		deadline := time.Now().Add(d)
		for runs := 0; runs < 3 || runs < 50 && time.Now().Before(deadline); {
			t := time.Now()
			fmaSink += float64(kernel(n))
			el := time.Since(t).Seconds()
			if el < 0.02 { // grow to ~20 ms a run
				n *= 2
				continue
			}
			runs++
			if r := flopsPerIter * float64(n) / el / 1e9; r > best {
				best = r
			}
		}
		return best
	}
	if f.AVX512F {
		zmm = measure(func(n C.long) C.double { return C.fma_zmm(n) }, 256)
	}
	if f.AVX2 && f.FMA {
		ymm = measure(func(n C.long) C.double { return C.fma_ymm(n) }, 96)
	}
	return zmm, ymm, true
}
