// Package blasbackend selects the BLAS implementation used by gonum for the
// whole process and reports which one is active.
//
// A plain build uses gonum's pure-Go BLAS. Built with the tag netlib (and cgo),
// importing this package routes gonum's blas64 calls through
// gonum.org/v1/netlib to OpenBLAS. The Makefile sets the tag when pkg-config
// finds openblas. Programs import this package for its side effect and record
// Name() with every run.
package blasbackend

import "os"

// Name returns a short description of the active BLAS backend, e.g.
// "gonum (pure Go)" or "openblas via netlib".
func Name() string { return name }

// Env returns the OpenBLAS-related environment variables that influence
// results or speed, for provenance records.
func Env() map[string]string {
	out := map[string]string{}
	for _, k := range []string{"OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "GOMAXPROCS"} {
		if v, ok := os.LookupEnv(k); ok {
			out[k] = v
		}
	}
	return out
}
