// Declarations of the C kernels of package gemm (kernel_avx512.c).
int gemm_cpu(void);
int gemm_dgemm(int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda, const double *b,
               int ldb, double beta, double *c, int ldc);
