package spectral

// Tests and benchmarks use the same BLAS backend as runexp (OpenBLAS when
// built with -tags netlib).
import _ "nmfbench/internal/blasbackend"
