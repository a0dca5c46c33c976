// Package blasbackend selects the BLAS implementation used by gonum for the
// whole process, makes sure it is the fast and correct one, and reports which
// one is active.
//
// A plain build uses gonum's pure-Go BLAS. Built with the tag netlib (and cgo),
// importing this package routes gonum's blas64 calls through
// gonum.org/v1/netlib to OpenBLAS. The Makefile sets the tag when pkg-config
// finds openblas.
//
// Programs call Ensure first thing in main: OpenBLAS's DYNAMIC_ARCH builds
// pick their kernels ("core") from the CPU model, and an OpenBLAS older than
// the CPU falls back to generic SSE3 kernels 3–8× slower than the AVX2 or
// AVX-512 ones the CPU runs; Ensure re-executes the program with
// OPENBLAS_CORETYPE set to the right core and verifies DGEMM against gonum.
// On CPUs with AVX-512F, DGEMM itself is package gemm's built-in kernel
// (EnvGemm chooses), verified against gonum at start-up; every other routine
// is the backend's. Describe (or Name and Env) is recorded with every run, and Doctor prints a
// diagnosis with measured DGEMM rates against the CPU's FMA peak.
package blasbackend

import (
	"os"
	"sort"
	"strings"
)

// Name returns a short description of the active BLAS backend, e.g.
// "gonum (pure Go)" or "openblas via netlib".
func Name() string {
	state.Lock()
	defer state.Unlock()
	if state.fellBack {
		return "gonum (pure Go; OpenBLAS failed verification)"
	}
	return name
}

// Env returns the environment variables that influence BLAS results or
// speed, for provenance records: every OPENBLAS_* variable, OMP_NUM_THREADS,
// GOMAXPROCS, Ensure's NMFBENCH_CORETYPE_AUTO marker and NMFBENCH_GEMM, those
// that are set.
func Env() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "OPENBLAS_") {
			out[k] = v
		}
	}
	for _, k := range []string{"OMP_NUM_THREADS", "GOMAXPROCS", EnvAutoMarker, EnvGemm} {
		if v, ok := os.LookupEnv(k); ok {
			out[k] = v
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
