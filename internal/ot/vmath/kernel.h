// Declarations of the C kernels of package vmath (see kernel.c).
#ifndef NMFBENCH_VMATH_KERNEL_H
#define NMFBENCH_VMATH_KERNEL_H

void vmath_pow(double *dst, const double *x, long n, double y);
long vmath_divpow(double *dst, const double *a, const double *b, long n, double y, double floor);
void vmath_exp(double *dst, const double *x, long n);
void vmath_log(double *dst, const double *x, long n);
void vmath_axismul(double *dst, const double *src, const double *k, long outer, long m, long inner, double alpha);
void vmath_axisexp(double *dst, const double *src, double q, long outer, long m, long inner, double alpha);
double vmath_dotlog(const double *w, const double *x, const double *y, long n);

#endif
