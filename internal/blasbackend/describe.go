package blasbackend

import (
	"fmt"
	"os"
	"strings"
)

// Info describes the BLAS of this process, for provenance records and run
// headers.
type Info struct {
	Backend      string            `json:"backend"`                 // Name()
	Core         string            `json:"core,omitempty"`          // core OpenBLAS loaded (Core())
	DetectedCore string            `json:"detected_core,omitempty"` // DetectCore(): best core the CPU supports
	CoreSource   string            `json:"core_source"`             // who chose Core: Source* constants
	CoreAuto     bool              `json:"core_auto"`               // OPENBLAS_CORETYPE was set by Ensure
	Verified     bool              `json:"verified"`                // Ensure ran and Verify passed (always with pure Go)
	VerifyError  string            `json:"verify_error,omitempty"`  // Verify's error, if it failed
	Env          map[string]string `json:"env,omitempty"`           // Env()
	Threads      int               `json:"blas_threads"`            // OpenBLAS threads (0: pure Go)
	// GEMM names the DGEMM when it is not the backend's: GemmBuiltin for
	// package gemm's kernel ("" means the backend's own Dgemm).
	GEMM            string `json:"gemm,omitempty"`
	GEMMVerifyError string `json:"gemm_verify_error,omitempty"` // why the built-in DGEMM was rejected
}

// Describe returns the BLAS description of this process. Call it after
// Ensure (and after SetThreads, for the thread count).
func Describe() Info {
	state.Lock()
	ensured, source, verr, fellBack := state.ensured, state.source, state.verifyErr, state.fellBack
	state.Unlock()
	in := Info{Backend: Name(), Env: Env(), Threads: Threads(), DetectedCore: DetectCore()}
	if openblas {
		in.Core = Core()
		if fellBack {
			in.Threads = 0
		}
	}
	if !ensured { // who chose the core, from the environment alone
		s := Situation{OpenBLAS: openblas, Chosen: in.Core, Detected: in.DetectedCore, Env: map[string]string{}}
		for _, k := range []string{EnvCoreType, EnvAutoMarker} {
			if v, ok := os.LookupEnv(k); ok {
				s.Env[k] = v
			}
		}
		source = Decide(s).Source
	}
	in.CoreSource = source
	in.CoreAuto = source == SourceAuto
	in.Verified = ensured && verr == ""
	in.VerifyError = verr
	gemmState.Lock()
	if gemmState.builtin {
		in.GEMM = GemmBuiltin
	}
	in.GEMMVerifyError = gemmState.verifyErr
	gemmState.Unlock()
	return in
}

// String is a one-line summary for run headers, e.g.
// "openblas via netlib, core SkylakeX (set automatically), 1 BLAS thread(s), NMFBENCH_CORETYPE_AUTO=SkylakeX, OPENBLAS_CORETYPE=SkylakeX".
func (in Info) String() string {
	var b strings.Builder
	b.WriteString(in.Backend)
	if in.GEMM != "" {
		fmt.Fprintf(&b, ", DGEMM %s", in.GEMM)
	}
	if in.Core != "" {
		fmt.Fprintf(&b, ", core %s", in.Core)
		switch in.CoreSource {
		case SourceAuto:
			b.WriteString(" (set automatically)")
		case SourceUser:
			b.WriteString(" (OPENBLAS_CORETYPE set by user)")
		case SourceAutoFailed:
			b.WriteString(" (automatic core failed verification)")
		}
		if in.DetectedCore != "" && betterCore(in.Core, in.DetectedCore) {
			fmt.Fprintf(&b, " [CPU supports %s]", in.DetectedCore)
		}
		fmt.Fprintf(&b, ", %d BLAS thread(s)", in.Threads)
	}
	if in.VerifyError != "" {
		b.WriteString(", VERIFICATION FAILED")
	}
	if in.GEMMVerifyError != "" {
		b.WriteString(", built-in DGEMM failed verification")
	}
	for _, k := range sortedKeys(in.Env) {
		fmt.Fprintf(&b, ", %s=%s", k, in.Env[k])
	}
	return b.String()
}
