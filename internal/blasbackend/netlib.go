//go:build netlib && cgo

package blasbackend

// #cgo pkg-config: openblas
// void openblas_set_num_threads(int num_threads);
// int openblas_get_num_threads(void);
// char* openblas_get_corename(void);
// char* openblas_get_config(void);
import "C"

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

const (
	name     = "openblas via netlib"
	openblas = true
)

// defaultBLAS is the backend gonum uses (install adds the DGEMM).
func defaultBLAS() blas.Float64 { return netlib.Implementation{} }

// SetThreads sets the number of OpenBLAS threads. Runs executed in parallel
// use 1, so that workers do not oversubscribe the cores.
func SetThreads(n int) {
	if n >= 1 {
		C.openblas_set_num_threads(C.int(n))
	}
}

// Threads returns the number of OpenBLAS threads (0 for the pure-Go backend).
func Threads() int { return int(C.openblas_get_num_threads()) }

// Core returns the OpenBLAS core (kernel set) loaded, e.g. "SkylakeX",
// "Haswell" or "Prescott", as openblas_get_corename reports it; "n/a" for
// the pure-Go backend.
func Core() string { return C.GoString(C.openblas_get_corename()) }

// Config returns OpenBLAS's build configuration string; "" for the pure-Go
// backend.
func Config() string { return C.GoString(C.openblas_get_config()) }
