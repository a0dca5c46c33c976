package blasbackend

import (
	"fmt"
	"io"
	"os"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"nmfbench/internal/gemm"
)

// EnvGemm selects the DGEMM: "auto" (the default: the built-in AVX-512
// kernel of package gemm where the CPU has AVX-512F, else the BLAS's),
// "builtin" (the same, with a warning where it cannot run) or "blas" (always
// the BLAS's own Dgemm). Every other BLAS routine is always the backend's.
const EnvGemm = "NMFBENCH_GEMM"

// GemmBuiltin is Info.GEMM when the built-in kernel computes DGEMM.
const GemmBuiltin = "built-in AVX-512 (internal/gemm)"

// install makes base, with the DGEMM EnvGemm selects, gonum's BLAS for the
// process. The built-in kernel is verified against gonum's pure-Go DGEMM
// first (Verify); if it disagrees, base's Dgemm stays, with a warning on
// stderr. It records the outcome for Describe.
func install(base blas.Float64, lookup func(string) (string, bool), stderr io.Writer) {
	installWith(base, lookup, stderr, gemm.Available(), func(b blas.Float64) blas.Float64 { return gemm.Implementation{Float64: b} })
}

// installWith is install with the kernel's availability and the wrapper
// that adds it to a BLAS given (tests replace them).
func installWith(base blas.Float64, lookup func(string) (string, bool), stderr io.Writer, available bool, wrap func(blas.Float64) blas.Float64) {
	mode, _ := lookup(EnvGemm)
	use, why := false, ""
	switch mode {
	case "", "auto":
		use = available
	case "builtin":
		use = available
		if !use {
			fmt.Fprintf(stderr, "blasbackend: warning: %s=builtin, but the built-in DGEMM needs cgo on amd64 and AVX-512F; using the BLAS's Dgemm\n", EnvGemm)
		}
	case "blas":
		why = EnvGemm + "=blas"
	default:
		fmt.Fprintf(stderr, "blasbackend: warning: %s=%q is not one of auto, builtin, blas; using auto\n", EnvGemm, mode)
		use = available
	}
	impl, builtin, verr := base, false, ""
	if use {
		g := wrap(base)
		if err := Verify(g); err != nil {
			verr = err.Error()
			fmt.Fprintf(stderr, "blasbackend: warning: the built-in DGEMM failed verification (%v); using the BLAS's Dgemm\n", err)
		} else {
			impl, builtin = g, true
		}
	}
	blas64.Use(impl)
	gemmState.Lock()
	defer gemmState.Unlock()
	gemmState.builtin, gemmState.verifyErr, gemmState.off, gemmState.base = builtin, verr, why, base
}

// backendBLAS returns the backend's own implementation (without the
// built-in DGEMM), whose Dgemm Ensure verifies as the check of the OpenBLAS
// core.
func backendBLAS() blas.Float64 {
	gemmState.Lock()
	defer gemmState.Unlock()
	return gemmState.base
}

// gemmState is what install chose.
var gemmState struct {
	sync.Mutex
	builtin   bool
	verifyErr string
	off       string // why the built-in kernel is not in use although available ("" otherwise)
	base      blas.Float64
}

func init() { install(defaultBLAS(), os.LookupEnv, os.Stderr) }

// GemmBuiltinActive reports whether DGEMM is computed by the built-in
// kernel (package gemm) rather than by the backend.
func GemmBuiltinActive() bool {
	gemmState.Lock()
	defer gemmState.Unlock()
	return gemmState.builtin
}
