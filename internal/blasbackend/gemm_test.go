package blasbackend

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestInstallGemm: NMFBENCH_GEMM chooses the DGEMM; a built-in kernel that
// fails verification is not installed (warning, recorded); an unusable
// setting warns and is reported; every outcome is in Describe.
func TestInstallGemm(t *testing.T) {
	defer install(defaultBLAS(), os.LookupEnv, io.Discard) // the state of init
	base := gonum.Implementation{}
	good := func(b blas.Float64) blas.Float64 { return perturbedBLAS{b, 0} }
	bad := func(b blas.Float64) blas.Float64 { return perturbedBLAS{b, 1e-9} }
	for _, c := range []struct {
		name        string
		env         string // "-" for unset
		available   bool
		wrap        func(blas.Float64) blas.Float64
		wantBuiltin bool
		wantWarn    string
	}{
		{"unset", "-", true, good, true, ""},
		{"auto", "auto", true, good, true, ""},
		{"builtin", "builtin", true, good, true, ""},
		{"blas", "blas", true, good, false, ""},
		{"no AVX-512", "-", false, good, false, ""},
		{"builtin without AVX-512", "builtin", false, good, false, "needs cgo on amd64 and AVX-512F"},
		{"unknown value", "fast", true, good, true, `"fast" is not one of auto, builtin, blas`},
		{"verification fails", "-", true, bad, false, "failed verification"},
	} {
		var stderr bytes.Buffer
		lookup := func(k string) (string, bool) {
			if k == EnvGemm && c.env != "-" {
				return c.env, true
			}
			return "", false
		}
		installWith(base, lookup, &stderr, c.available, c.wrap)
		_, isWrapped := blas64.Implementation().(perturbedBLAS)
		if GemmBuiltinActive() != c.wantBuiltin || isWrapped != c.wantBuiltin {
			t.Errorf("%s: built-in active %v (blas64 %T), want %v", c.name, GemmBuiltinActive(), blas64.Implementation(), c.wantBuiltin)
		}
		if _, ok := backendBLAS().(gonum.Implementation); !ok {
			t.Errorf("%s: backend BLAS is %T, want the one given", c.name, backendBLAS())
		}
		if w := stderr.String(); c.wantWarn == "" && w != "" || c.wantWarn != "" && !strings.Contains(w, c.wantWarn) {
			t.Errorf("%s: stderr %q, want %q", c.name, w, c.wantWarn)
		}
		in := Describe()
		if (in.GEMM == GemmBuiltin) != c.wantBuiltin {
			t.Errorf("%s: Describe().GEMM = %q", c.name, in.GEMM)
		}
		if c.name == "verification fails" && (in.GEMMVerifyError == "" || !strings.Contains(in.String(), "built-in DGEMM failed verification")) {
			t.Errorf("%s: Describe() = %+v, %q: the failed verification is not reported", c.name, in, in.String())
		}
		if c.wantBuiltin && !strings.Contains(in.String(), "DGEMM built-in AVX-512") {
			t.Errorf("%s: run header %q does not name the DGEMM", c.name, in.String())
		}
	}
}
