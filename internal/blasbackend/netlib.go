//go:build netlib && cgo

package blasbackend

// #cgo pkg-config: openblas
// void openblas_set_num_threads(int num_threads);
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

const name = "openblas via netlib"

func init() { blas64.Use(netlib.Implementation{}) }

// SetThreads sets the number of OpenBLAS threads. Runs executed in parallel
// use 1, so that workers do not oversubscribe the cores.
func SetThreads(n int) {
	if n >= 1 {
		C.openblas_set_num_threads(C.int(n))
	}
}
