//go:build !(netlib && cgo)

package blasbackend

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

const (
	name     = "gonum (pure Go)"
	openblas = false
)

// SetThreads is a no-op for the pure-Go backend, whose GEMM parallelism
// does not change results.
func SetThreads(n int) {}

// Threads returns the number of OpenBLAS threads (0 for the pure-Go backend).
func Threads() int { return 0 }

// Core returns the OpenBLAS core (kernel set) loaded, e.g. "SkylakeX",
// "Haswell" or "Prescott", as openblas_get_corename reports it; "n/a" for
// the pure-Go backend.
func Core() string { return "n/a" }

// Config returns OpenBLAS's build configuration string; "" for the pure-Go
// backend.
func Config() string { return "" }

// defaultBLAS is the backend gonum uses (install adds the DGEMM).
func defaultBLAS() blas.Float64 { return gonum.Implementation{} }
