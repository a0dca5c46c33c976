package blasbackend

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"syscall"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"nmfbench/internal/gemm"
)

// Environment variables read and written by Ensure.
const (
	// EnvCoreType is OpenBLAS's own variable: the kernel set ("core") to use
	// instead of the one it detects. OpenBLAS reads it once, when the library
	// is loaded, which is why Ensure re-executes the program to change it.
	EnvCoreType = "OPENBLAS_CORETYPE"
	// EnvAutoMarker is set by Ensure on the re-executed program: the core it
	// chose ("SkylakeX"), or "failed:" and that core when the core failed
	// verification and the program was re-executed with OpenBLAS's own choice.
	// A process that finds it set never re-executes to change the core.
	EnvAutoMarker = "NMFBENCH_CORETYPE_AUTO"
)

const markerFailed = "failed:"

// Core sources: who chose the OpenBLAS core of this process.
const (
	SourceNone       = "n/a"         // not linked to OpenBLAS
	SourceOpenBLAS   = "openblas"    // OpenBLAS's own detection
	SourceUser       = "user"        // OPENBLAS_CORETYPE set by the user
	SourceAuto       = "auto"        // OPENBLAS_CORETYPE set by Ensure
	SourceAutoFailed = "auto-failed" // Ensure's choice failed verification; OpenBLAS's own again
)

// Situation is what Decide needs to know about the process.
type Situation struct {
	OpenBLAS bool              // linked to OpenBLAS (build tag netlib, cgo)
	Chosen   string            // Core(): the core OpenBLAS loaded
	Detected string            // DetectCore(): the best core the CPU supports
	Env      map[string]string // OPENBLAS_CORETYPE and NMFBENCH_CORETYPE_AUTO if set (present = set, even if empty)
	// VerifyErr is nil when deciding at start-up, and the error of Verify
	// when deciding what to do after a failed verification.
	VerifyErr error
}

// Action is what Ensure does.
type Action int

const (
	Keep              Action = iota // carry on with the current BLAS
	ReexecWithCore                  // re-exec with OPENBLAS_CORETYPE=Decision.Core and the marker
	ReexecWithoutCore               // re-exec without OPENBLAS_CORETYPE, with the marker
	UseGonum                        // switch this process to gonum's pure-Go BLAS
)

func (a Action) String() string {
	switch a {
	case Keep:
		return "keep"
	case ReexecWithCore:
		return "re-exec with core"
	case ReexecWithoutCore:
		return "re-exec without core"
	case UseGonum:
		return "use gonum"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Decision is Decide's answer.
type Decision struct {
	Action  Action
	Core    string // OPENBLAS_CORETYPE for ReexecWithCore
	Marker  string // NMFBENCH_CORETYPE_AUTO for the re-executed program
	Source  string // who chose the current core (Source* constants)
	Warning string // to print on stderr; "" for none
}

// Decide is Ensure's decision rule, a pure function of the situation:
//
//   - Not linked to OpenBLAS: keep.
//   - OPENBLAS_CORETYPE set by the user (set, and not equal to the marker's
//     core): always kept, never overridden; after a failed verification only
//     a warning.
//   - Start-up, no OPENBLAS_CORETYPE, no marker, and the chosen core's
//     instruction-set tier below the detected core's (a generic fallback
//     such as Prescott on an AVX2/AVX-512 CPU, or Haswell on an AVX-512
//     CPU): re-exec with OPENBLAS_CORETYPE=<detected>, marker <detected>.
//     A marker already present means this process is the re-executed one:
//     never again.
//   - Verification failed with the core Ensure chose: re-exec without
//     OPENBLAS_CORETYPE, marker "failed:<core>", with a warning.
//   - Verification failed with OpenBLAS's own choice: pure-Go BLAS, warning.
func Decide(s Situation) Decision {
	if !s.OpenBLAS {
		return Decision{Action: Keep, Source: SourceNone}
	}
	ct, ctSet := s.Env[EnvCoreType]
	marker, mSet := s.Env[EnvAutoMarker]
	var src string
	switch {
	case mSet && ctSet && marker == ct:
		src = SourceAuto
	case ctSet:
		src = SourceUser
	case mSet && strings.HasPrefix(marker, markerFailed):
		src = SourceAutoFailed
	default:
		src = SourceOpenBLAS
	}
	d := Decision{Action: Keep, Source: src}
	if s.VerifyErr == nil {
		if src == SourceOpenBLAS && !mSet && betterCore(s.Chosen, s.Detected) {
			d.Action, d.Core, d.Marker = ReexecWithCore, s.Detected, s.Detected
		}
		return d
	}
	switch src {
	case SourceUser:
		d.Warning = fmt.Sprintf("OpenBLAS core %s (OPENBLAS_CORETYPE=%q, set by you) gives wrong DGEMM results: %v; kept because you set it — unset OPENBLAS_CORETYPE", s.Chosen, ct, s.VerifyErr)
	case SourceAuto:
		d.Action, d.Marker = ReexecWithoutCore, markerFailed+ct
		d.Warning = fmt.Sprintf("OpenBLAS core %s (chosen automatically) gives wrong DGEMM results: %v; re-running with OpenBLAS's own core choice", s.Chosen, s.VerifyErr)
	default:
		d.Action = UseGonum
		d.Warning = fmt.Sprintf("OpenBLAS core %s gives wrong DGEMM results: %v; using gonum's pure-Go BLAS (slow)", s.Chosen, s.VerifyErr)
	}
	return d
}

// verifyShapes are Verify's products: m, n, k, transposes. Square and
// non-square, every transpose combination, sizes that leave partial
// micro-kernel tiles, one above OpenBLAS's small-matrix path.
var verifyShapes = []struct {
	m, n, k int
	tA, tB  blas.Transpose
}{
	{17, 23, 31, blas.NoTrans, blas.NoTrans},
	{64, 3, 129, blas.Trans, blas.NoTrans},
	{5, 70, 40, blas.NoTrans, blas.Trans},
	{33, 33, 257, blas.Trans, blas.Trans},
	{1, 1, 1000, blas.NoTrans, blas.NoTrans},
	{150, 130, 200, blas.NoTrans, blas.NoTrans},
}

// VerifyTol is the relative tolerance of Verify: each element of C must agree
// with gonum's to 1e-12 of |alpha|·(|A||B|) + |beta|·|C| at that element.
const VerifyTol = 1e-12

// Verify computes C = alpha·op(A)·op(B) + beta·C with impl and with gonum's
// pure-Go BLAS on random matrices of a few shapes (non-square, transposed,
// row-major strides wider than the rows) and returns an error naming the
// first shape and element where they differ by more than VerifyTol relative.
// It takes a few milliseconds.
func Verify(impl blas.Float64) error {
	rng := rand.New(rand.NewPCG(0x6e6d66, 0x626c6173))
	ref := gonum.Implementation{}
	const alpha, beta = 0.75, -0.5
	for _, sh := range verifyShapes {
		ar, ac, br, bc := gemm.OperandDims(sh.tA, sh.tB, sh.m, sh.n, sh.k)
		lda, ldb, ldc := ac+1, bc+2, sh.n+3
		a, b, c := randSlice(rng, ar*lda), randSlice(rng, br*ldb), randSlice(rng, sh.m*ldc)
		want := append([]float64(nil), c...)
		got := append([]float64(nil), c...)
		impl.Dgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, alpha, a, lda, b, ldb, beta, got, ldc)
		ref.Dgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, alpha, a, lda, b, ldb, beta, want, ldc)
		// scale = |alpha|·|A||B| + |beta|·|C|, the size of the terms summed.
		scale := absSlice(c)
		ref.Dgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, math.Abs(alpha), absSlice(a), lda, absSlice(b), ldb, math.Abs(beta), scale, ldc)
		for i := 0; i < sh.m; i++ {
			for j := 0; j < sh.n; j++ {
				p := i*ldc + j
				if d := math.Abs(got[p] - want[p]); !(d <= VerifyTol*scale[p]) {
					return fmt.Errorf("DGEMM %c%c m=%d n=%d k=%d: C[%d,%d] = %.17g, gonum %.17g (relative error %.2g > %g)",
						tc(sh.tA), tc(sh.tB), sh.m, sh.n, sh.k, i, j, got[p], want[p], d/scale[p], VerifyTol)
				}
			}
		}
		for p := range got { // padding between rows must be untouched
			if p%ldc >= sh.n && got[p] != c[p] {
				return fmt.Errorf("DGEMM %c%c m=%d n=%d k=%d wrote outside C (index %d)", tc(sh.tA), tc(sh.tB), sh.m, sh.n, sh.k, p)
			}
		}
	}
	return nil
}

func tc(t blas.Transpose) byte {
	if t == blas.Trans {
		return 'T'
	}
	return 'N'
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

func absSlice(s []float64) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = math.Abs(v)
	}
	return out
}

// state is what Ensure found and did, for Describe and Name.
var state struct {
	sync.Mutex
	ensured   bool
	source    string
	verifyErr string
	fellBack  bool // switched to gonum's pure-Go BLAS
}

// ensureConfig holds Ensure's dependencies, replaced in tests.
type ensureConfig struct {
	openblas bool
	chosen   func() string
	detected func() string
	lookup   func(string) (string, bool)
	environ  func() []string
	exec     func(argv0 string, argv, envv []string) error
	impl     func() blas.Float64 // the BLAS to verify
	stderr   io.Writer
}

func defaultConfig() ensureConfig {
	return ensureConfig{
		openblas: openblas,
		chosen:   Core,
		detected: DetectCore,
		lookup:   os.LookupEnv,
		environ:  os.Environ,
		exec:     syscall.Exec,
		impl:     backendBLAS,
		stderr:   os.Stderr,
	}
}

// Ensure makes sure the process runs the best OpenBLAS kernels this CPU
// supports, and that they compute correctly. Call it first thing in main,
// before any other work (it may re-execute the program). With OpenBLAS:
//
//   - If OpenBLAS loaded a core below the one the CPU supports (a generic
//     fallback such as Prescott, see GenericCores, or AVX2 kernels on an
//     AVX-512 CPU) and OPENBLAS_CORETYPE is not set, it re-executes
//     /proc/self/exe with the same arguments and OPENBLAS_CORETYPE=<core>,
//     NMFBENCH_CORETYPE_AUTO=<core>.
//   - It then checks DGEMM against gonum's pure-Go BLAS (Verify, a few
//     milliseconds). If the core it chose disagrees, it re-executes without
//     OPENBLAS_CORETYPE (marker "failed:<core>"); if OpenBLAS's own choice
//     disagrees or re-executing is impossible, it switches to gonum's BLAS.
//     Each case prints a warning on stderr.
//   - A value of OPENBLAS_CORETYPE set by the user is never changed; a
//     failed verification is then only a warning.
//
// Without OpenBLAS it does nothing. Describe reports the outcome.
func Ensure() { ensure(defaultConfig()) }

func ensure(cfg ensureConfig) {
	s := Situation{OpenBLAS: cfg.openblas, Env: map[string]string{}}
	if cfg.openblas {
		s.Chosen, s.Detected = cfg.chosen(), cfg.detected()
		for _, k := range []string{EnvCoreType, EnvAutoMarker} {
			if v, ok := cfg.lookup(k); ok {
				s.Env[k] = v
			}
		}
	}
	d := Decide(s)
	setState(d.Source, "", false)
	if !cfg.openblas {
		return
	}
	if d.Action == ReexecWithCore {
		err := reexec(cfg, d)
		fmt.Fprintf(cfg.stderr, "blasbackend: could not re-execute with OPENBLAS_CORETYPE=%s (%v); continuing with OpenBLAS core %s — set OPENBLAS_CORETYPE=%s yourself for the faster kernels\n",
			d.Core, err, s.Chosen, d.Core)
	}
	err := Verify(cfg.impl())
	if err == nil {
		return
	}
	s.VerifyErr = err
	d = Decide(s)
	setState(d.Source, err.Error(), false)
	if d.Warning != "" {
		fmt.Fprintf(cfg.stderr, "blasbackend: warning: %s\n", d.Warning)
	}
	if d.Action == ReexecWithoutCore {
		err := reexec(cfg, d)
		fmt.Fprintf(cfg.stderr, "blasbackend: warning: could not re-execute (%v); using gonum's pure-Go BLAS\n", err)
		d.Action = UseGonum
	}
	if d.Action == UseGonum {
		install(gonum.Implementation{}, cfg.lookup, cfg.stderr)
		setState(d.Source, err.Error(), true)
	}
}

// reexec replaces the process by /proc/self/exe with the same arguments and
// the environment changed as d says. It returns only on failure.
func reexec(cfg ensureConfig, d Decision) error {
	var env []string
	for _, kv := range cfg.environ() {
		if strings.HasPrefix(kv, EnvCoreType+"=") || strings.HasPrefix(kv, EnvAutoMarker+"=") {
			continue
		}
		env = append(env, kv)
	}
	if d.Action == ReexecWithCore {
		env = append(env, EnvCoreType+"="+d.Core)
	}
	env = append(env, EnvAutoMarker+"="+d.Marker)
	return cfg.exec("/proc/self/exe", os.Args, env)
}

func setState(source, verifyErr string, fellBack bool) {
	state.Lock()
	defer state.Unlock()
	state.ensured, state.source, state.verifyErr, state.fellBack = true, source, verifyErr, fellBack
}
