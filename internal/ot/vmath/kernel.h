// Declarations of the C kernels of package vmath (see kernel.c).
#ifndef NMFBENCH_VMATH_KERNEL_H
#define NMFBENCH_VMATH_KERNEL_H

// Which path the CPU supports: 2 AVX-512 (F, DQ), 1 AVX2 + FMA, 0 neither.
int vmath_cpu(void);

// The "avx2" path (kernel.c): bit-identical to the Go code in generic.go.
void vmath_pow_avx2(double *dst, const double *x, long n, double y);
long vmath_divpow_avx2(double *dst, const double *a, const double *b, long n, double y, double floor);
void vmath_exp_avx2(double *dst, const double *x, long n);
void vmath_log_avx2(double *dst, const double *x, long n);

// The "avx512" path (kernel_avx512.c).
void vmath_pow_avx512(double *dst, const double *x, long n, double y);
long vmath_divpow_avx512(double *dst, const double *a, const double *b, long n, double y, double floor);
void vmath_exp_avx512(double *dst, const double *x, long n);
void vmath_log_avx512(double *dst, const double *x, long n);

// Compiled for AVX-512, AVX2 and baseline x86-64 (target_clones); every clone
// gives the same bits.
void vmath_axismul(double *dst, const double *src, const double *k, long outer, long m, long inner, double alpha);
void vmath_axisexp(double *dst, const double *src, double q, long outer, long m, long inner, double alpha);
double vmath_dotlog(const double *w, const double *x, const double *y, long n);

#endif
void vmath_quot(double *dst, const double *a, const double *b, long n);
double vmath_dotlog_avx512(const double *w, const double *x, const double *y, long n);
void vmath_axisexp_avx512(double *dst, const double *src, double q, long outer, long m, long inner, double alpha);
