package mu

// Tests and benchmarks use the same BLAS backend as runexp (OpenBLAS when
// built with -tags netlib), with one BLAS thread as every run does: the
// blocked KL products reproduce the unblocked ones bit for bit under that
// rule (a multithreaded GEMM partitions, and so rounds, differently).
import "nmfbench/internal/blasbackend"

func init() { blasbackend.SetThreads(1) }
