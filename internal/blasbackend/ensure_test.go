package blasbackend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
)

// helperEnv selects a helper mode of the test binary (see TestMain): the
// end-to-end tests run the test binary itself as the program that calls
// Ensure, so that its re-execution and environment are real.
const helperEnv = "NMFBENCH_BLASBACKEND_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode, ok := os.LookupEnv(helperEnv); ok {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

// helperReport is what a helper process prints on stdout.
type helperReport struct {
	Info        Info
	CoreType    string
	CoreTypeSet bool
	Marker      string
	Gonum       bool // blas64 is gonum's pure-Go implementation
}

func helperMain(mode string) int {
	cfg := defaultConfig()
	_, autoChild := os.LookupEnv(EnvAutoMarker)
	switch mode {
	case "ensure": // the real Ensure
	case "pretend-generic", "bad-auto":
		// OpenBLAS "loaded" a generic core in the first process.
		cfg.chosen = func() string {
			if autoChild {
				return Core()
			}
			return "Prescott"
		}
		if mode == "bad-auto" { // the automatically chosen core computes wrong results
			cfg.impl = func() blas.Float64 {
				ct, ctSet := os.LookupEnv(EnvCoreType)
				if m, _ := os.LookupEnv(EnvAutoMarker); ctSet && m == ct {
					return perturbedBLAS{blas64.Implementation(), 1e-9}
				}
				return blas64.Implementation()
			}
		}
	case "bad-always":
		cfg.impl = func() blas.Float64 { return perturbedBLAS{blas64.Implementation(), 1e-9} }
	default:
		fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
		return 2
	}
	ensure(cfg)
	r := helperReport{Info: Describe()}
	r.CoreType, r.CoreTypeSet = os.LookupEnv(EnvCoreType)
	r.Marker = os.Getenv(EnvAutoMarker)
	_, r.Gonum = backendBLAS().(gonum.Implementation)
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		return 1
	}
	return 0
}

// runHelper runs the test binary in a helper mode with the given
// OPENBLAS_CORETYPE ("-" for unset) and returns its report and stderr.
func runHelper(t *testing.T, mode, coreType string) (helperReport, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, EnvCoreType+"=") && !strings.HasPrefix(kv, EnvAutoMarker+"=") && !strings.HasPrefix(kv, helperEnv+"=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, helperEnv+"="+mode)
	if coreType != "-" {
		cmd.Env = append(cmd.Env, EnvCoreType+"="+coreType)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("helper %s: %v\nstderr:\n%s", mode, err, stderr.String())
	}
	var r helperReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("helper %s: %v\nstdout:\n%s\nstderr:\n%s", mode, err, stdout.String(), stderr.String())
	}
	t.Logf("helper %s (OPENBLAS_CORETYPE=%s): %s; stderr: %q", mode, coreType, r.Info, stderr.String())
	return r, stderr.String()
}

// perturbedBLAS is a wrong BLAS: its Dgemm changes the last element of C by
// the relative amount eps.
type perturbedBLAS struct {
	blas.Float64
	eps float64
}

func (p perturbedBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	p.Float64.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	if m > 0 && n > 0 {
		c[(m-1)*ldc+n-1] *= 1 + p.eps
	}
}

// paddingBLAS writes past the last column of C's first row.
type paddingBLAS struct{ blas.Float64 }

func (p paddingBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	p.Float64.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	c[n] = 42
}

func TestDetectCore(t *testing.T) {
	all := Features{AVX: true, AVX2: true, FMA: true, AVX512F: true, AVX512BW: true, AVX512DQ: true, AVX512VL: true}
	noVL := all
	noVL.AVX512VL = false
	noFMA := Features{AVX: true, AVX2: true}
	for _, c := range []struct {
		f    Features
		want string
	}{
		{all, "SkylakeX"},
		{noVL, "Haswell"}, // AVX-512F without VL (Knights Landing): AVX2 kernels
		{Features{AVX: true, AVX2: true, FMA: true}, "Haswell"},
		{noFMA, ""},
		{Features{AVX: true}, ""},
		{Features{}, ""},
	} {
		if got := detectCore(c.f); got != c.want {
			t.Errorf("detectCore(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
	t.Logf("this CPU: %+v → %q; OpenBLAS loaded %q", CPUFeatures(), DetectCore(), Core())
}

func TestCoreTiers(t *testing.T) {
	for _, c := range GenericCores {
		if !IsGenericCore(c) || !IsGenericCore(strings.ToUpper(c)) {
			t.Errorf("IsGenericCore(%q) = false", c)
		}
	}
	for _, c := range []string{"Haswell", "SkylakeX", "Zen", "Cooperlake", "Sandybridge", "", "n/a", "Zen5", "ARMV8"} {
		if IsGenericCore(c) {
			t.Errorf("IsGenericCore(%q) = true", c)
		}
	}
	for _, c := range []struct {
		chosen, detected string
		want             bool
	}{
		{"Prescott", "SkylakeX", true},
		{"Prescott", "Haswell", true},
		{"Opteron(SSE3)", "Haswell", true},
		{"Nehalem", "Haswell", true},
		{"Sandybridge", "Haswell", true},
		{"Haswell", "SkylakeX", true},
		{"Zen", "SkylakeX", true},
		{"Haswell", "Haswell", false},
		{"SkylakeX", "Haswell", false},
		{"Cooperlake", "SkylakeX", false},
		{"SapphireRapids", "SkylakeX", false},
		{"Zen5", "SkylakeX", false}, // unknown names are never replaced
		{"Prescott", "", false},
		{"", "SkylakeX", false},
	} {
		if got := betterCore(c.chosen, c.detected); got != c.want {
			t.Errorf("betterCore(%q, %q) = %v, want %v", c.chosen, c.detected, got, c.want)
		}
	}
}

func TestDecide(t *testing.T) {
	bad := errors.New("C[0,0] differs")
	env := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	ct, mk := EnvCoreType, EnvAutoMarker
	for _, c := range []struct {
		name string
		s    Situation
		want Decision
	}{
		{"pure Go", Situation{Chosen: "", Detected: "SkylakeX", Env: env()},
			Decision{Action: Keep, Source: SourceNone}},
		{"pure Go ignores failure", Situation{Detected: "SkylakeX", Env: env(), VerifyErr: bad},
			Decision{Action: Keep, Source: SourceNone}},
		{"generic fallback upgraded", Situation{OpenBLAS: true, Chosen: "Prescott", Detected: "SkylakeX", Env: env()},
			Decision{Action: ReexecWithCore, Core: "SkylakeX", Marker: "SkylakeX", Source: SourceOpenBLAS}},
		{"generic fallback to Haswell", Situation{OpenBLAS: true, Chosen: "Core2", Detected: "Haswell", Env: env()},
			Decision{Action: ReexecWithCore, Core: "Haswell", Marker: "Haswell", Source: SourceOpenBLAS}},
		{"AVX2 core on AVX-512 CPU upgraded", Situation{OpenBLAS: true, Chosen: "Haswell", Detected: "SkylakeX", Env: env()},
			Decision{Action: ReexecWithCore, Core: "SkylakeX", Marker: "SkylakeX", Source: SourceOpenBLAS}},
		{"native core kept", Situation{OpenBLAS: true, Chosen: "SkylakeX", Detected: "SkylakeX", Env: env()},
			Decision{Action: Keep, Source: SourceOpenBLAS}},
		{"Cooperlake kept", Situation{OpenBLAS: true, Chosen: "Cooperlake", Detected: "SkylakeX", Env: env()},
			Decision{Action: Keep, Source: SourceOpenBLAS}},
		{"unknown core kept", Situation{OpenBLAS: true, Chosen: "Zen5", Detected: "SkylakeX", Env: env()},
			Decision{Action: Keep, Source: SourceOpenBLAS}},
		{"nothing detected", Situation{OpenBLAS: true, Chosen: "Prescott", Detected: "", Env: env()},
			Decision{Action: Keep, Source: SourceOpenBLAS}},
		{"user value respected", Situation{OpenBLAS: true, Chosen: "Prescott", Detected: "SkylakeX", Env: env(ct, "Prescott")},
			Decision{Action: Keep, Source: SourceUser}},
		{"user empty value respected", Situation{OpenBLAS: true, Chosen: "Cooperlake", Detected: "SkylakeX", Env: env(ct, "")},
			Decision{Action: Keep, Source: SourceUser}},
		{"user value differing from marker respected", Situation{OpenBLAS: true, Chosen: "Prescott", Detected: "SkylakeX", Env: env(ct, "Prescott", mk, "SkylakeX")},
			Decision{Action: Keep, Source: SourceUser}},
		{"re-executed child does not loop", Situation{OpenBLAS: true, Chosen: "Prescott", Detected: "SkylakeX", Env: env(ct, "SkylakeX", mk, "SkylakeX")},
			Decision{Action: Keep, Source: SourceAuto}},
		{"after failed verification no loop", Situation{OpenBLAS: true, Chosen: "Prescott", Detected: "SkylakeX", Env: env(mk, "failed:SkylakeX")},
			Decision{Action: Keep, Source: SourceAutoFailed}},
		{"stray marker: no re-exec", Situation{OpenBLAS: true, Chosen: "Prescott", Detected: "SkylakeX", Env: env(mk, "SkylakeX")},
			Decision{Action: Keep, Source: SourceOpenBLAS}},
		// After a failed verification.
		{"auto core fails: back to OpenBLAS's choice", Situation{OpenBLAS: true, Chosen: "SkylakeX", Detected: "SkylakeX", Env: env(ct, "SkylakeX", mk, "SkylakeX"), VerifyErr: bad},
			Decision{Action: ReexecWithoutCore, Marker: "failed:SkylakeX", Source: SourceAuto}},
		{"OpenBLAS's core fails: gonum", Situation{OpenBLAS: true, Chosen: "SkylakeX", Detected: "SkylakeX", Env: env(), VerifyErr: bad},
			Decision{Action: UseGonum, Source: SourceOpenBLAS}},
		{"OpenBLAS's core fails after auto failed: gonum", Situation{OpenBLAS: true, Chosen: "Prescott", Detected: "SkylakeX", Env: env(mk, "failed:SkylakeX"), VerifyErr: bad},
			Decision{Action: UseGonum, Source: SourceAutoFailed}},
		{"user core fails: warn only", Situation{OpenBLAS: true, Chosen: "Haswell", Detected: "SkylakeX", Env: env(ct, "Haswell"), VerifyErr: bad},
			Decision{Action: Keep, Source: SourceUser}},
	} {
		got := Decide(c.s)
		if (got.Warning != "") != (c.s.VerifyErr != nil && c.s.OpenBLAS) {
			t.Errorf("%s: warning %q", c.name, got.Warning)
		}
		if got.Warning != "" && (!strings.Contains(got.Warning, c.s.Chosen) || !strings.Contains(got.Warning, bad.Error())) {
			t.Errorf("%s: warning %q does not name the core %s and the error", c.name, got.Warning, c.s.Chosen)
		}
		got.Warning = ""
		if got != c.want {
			t.Errorf("%s: Decide(%+v) = %+v, want %+v", c.name, c.s, got, c.want)
		}
	}
}

func TestVerify(t *testing.T) {
	if err := Verify(gonum.Implementation{}); err != nil {
		t.Fatalf("gonum against itself: %v", err)
	}
	if err := Verify(blas64.Implementation()); err != nil {
		t.Fatalf("active BLAS (%s, core %s): %v", Name(), Core(), err)
	}
	if err := Verify(perturbedBLAS{gonum.Implementation{}, 1e-14}); err != nil {
		t.Errorf("a 1e-14 relative change (rounding) rejected: %v", err)
	}
	for _, wrong := range []blas.Float64{
		perturbedBLAS{gonum.Implementation{}, 1e-9},
		perturbedBLAS{blas64.Implementation(), 1e-11},
		paddingBLAS{gonum.Implementation{}},
	} {
		err := Verify(wrong)
		if err == nil {
			t.Errorf("%T accepted", wrong)
			continue
		}
		t.Logf("%T: %v", wrong, err)
	}
}

// fakeExec records the re-execution Ensure asks for and fails it.
type fakeExec struct {
	called bool
	argv0  string
	env    []string
}

func (f *fakeExec) exec(argv0 string, argv, envv []string) error {
	f.called, f.argv0, f.env = true, argv0, envv
	return errors.New("exec not permitted")
}

func testConfig(chosen, detected string, env map[string]string, impl blas.Float64, fx *fakeExec, stderr io.Writer) ensureConfig {
	return ensureConfig{
		openblas: true,
		chosen:   func() string { return chosen },
		detected: func() string { return detected },
		lookup:   func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		environ: func() []string {
			out := []string{"HOME=/root"}
			for k, v := range env {
				out = append(out, k+"="+v)
			}
			return out
		},
		exec:   fx.exec,
		impl:   func() blas.Float64 { return impl },
		stderr: stderr,
	}
}

// TestEnsureFallsBackOnMismatch: a BLAS that disagrees with gonum, and no
// way to re-execute, leaves the process on gonum's BLAS with a warning.
func TestEnsureFallsBackOnMismatch(t *testing.T) {
	active := blas64.Implementation()
	defer blas64.Use(active)
	defer install(defaultBLAS(), os.LookupEnv, io.Discard) // the gemm state of init
	defer setState("", "", false)
	wrong := perturbedBLAS{active, 1e-9}

	for _, c := range []struct {
		name     string
		env      map[string]string
		wantExec bool
	}{
		{"OpenBLAS's own core", map[string]string{}, false},
		{"automatic core, exec impossible", map[string]string{EnvCoreType: "SkylakeX", EnvAutoMarker: "SkylakeX"}, true},
	} {
		blas64.Use(active)
		var stderr bytes.Buffer
		fx := &fakeExec{}
		ensure(testConfig("SkylakeX", "SkylakeX", c.env, wrong, fx, &stderr))
		if _, ok := backendBLAS().(gonum.Implementation); !ok {
			t.Errorf("%s: blas64 is %T after a failed verification, want gonum", c.name, blas64.Implementation())
		}
		if fx.called != c.wantExec {
			t.Errorf("%s: exec called %v, want %v", c.name, fx.called, c.wantExec)
		}
		if c.wantExec {
			env := strings.Join(fx.env, " ")
			if strings.Contains(env, EnvCoreType+"=") || !strings.Contains(env, EnvAutoMarker+"=failed:SkylakeX") || fx.argv0 != "/proc/self/exe" {
				t.Errorf("%s: re-exec %s with env %q", c.name, fx.argv0, env)
			}
		}
		if w := stderr.String(); !strings.Contains(w, "warning") || !strings.Contains(w, "SkylakeX") || !strings.Contains(w, "relative error") {
			t.Errorf("%s: stderr %q lacks a warning naming the core and the error", c.name, w)
		}
		in := Describe()
		if in.Verified || in.VerifyError == "" || !strings.Contains(in.Backend, "pure Go") {
			t.Errorf("%s: Describe() = %+v after fallback", c.name, in)
		}
		t.Logf("%s: %s", c.name, stderr.String())
	}
}

// TestEnsureRespectsUserCore: a user-set OPENBLAS_CORETYPE is kept — no
// re-exec even when generic, no switch to gonum even when wrong.
func TestEnsureRespectsUserCore(t *testing.T) {
	active := blas64.Implementation()
	defer blas64.Use(active)
	defer install(defaultBLAS(), os.LookupEnv, io.Discard) // the gemm state of init
	defer setState("", "", false)
	for _, impl := range []blas.Float64{active, perturbedBLAS{active, 1e-9}} {
		var stderr bytes.Buffer
		fx := &fakeExec{}
		ensure(testConfig("Prescott", "SkylakeX", map[string]string{EnvCoreType: "Prescott"}, impl, fx, &stderr))
		if fx.called {
			t.Errorf("%T: re-exec with %q despite the user's OPENBLAS_CORETYPE", impl, fx.env)
		}
		if blas64.Implementation() != active {
			t.Errorf("%T: BLAS changed to %T", impl, blas64.Implementation())
		}
		_, wrong := impl.(perturbedBLAS)
		if w := stderr.String(); wrong != strings.Contains(w, "warning") {
			t.Errorf("%T: stderr %q", impl, w)
		}
	}
}

// TestEnsureUpgradesGeneric: a generic core with no OPENBLAS_CORETYPE asks
// for a re-exec with the detected core and the marker; when exec fails the
// process carries on (verified) and says what to set.
func TestEnsureUpgradesGeneric(t *testing.T) {
	active := blas64.Implementation()
	defer blas64.Use(active)
	defer install(defaultBLAS(), os.LookupEnv, io.Discard) // the gemm state of init
	defer setState("", "", false)
	var stderr bytes.Buffer
	fx := &fakeExec{}
	ensure(testConfig("Prescott", "SkylakeX", map[string]string{"OPENBLAS_NUM_THREADS": "1"}, active, fx, &stderr))
	env := strings.Join(fx.env, " ")
	if !fx.called || !strings.Contains(env, EnvCoreType+"=SkylakeX") || !strings.Contains(env, EnvAutoMarker+"=SkylakeX") || !strings.Contains(env, "OPENBLAS_NUM_THREADS=1") {
		t.Errorf("exec called %v with env %q", fx.called, env)
	}
	if !strings.Contains(stderr.String(), "set OPENBLAS_CORETYPE=SkylakeX") || blas64.Implementation() != active {
		t.Errorf("after a failed exec: stderr %q, BLAS %T", stderr.String(), blas64.Implementation())
	}
}

// TestEnsureEndToEndUserCore runs the test binary as a program calling
// Ensure with OPENBLAS_CORETYPE=Prescott (a generic core Ensure would
// otherwise replace) and checks the value reaches it unchanged and is used.
func TestEnsureEndToEndUserCore(t *testing.T) {
	r, _ := runHelper(t, "ensure", "Prescott")
	if !r.CoreTypeSet || r.CoreType != "Prescott" || r.Marker != "" {
		t.Errorf("child saw OPENBLAS_CORETYPE=%q (set %v), marker %q; want Prescott unchanged, no marker", r.CoreType, r.CoreTypeSet, r.Marker)
	}
	if openblas {
		if r.Info.Core != "Prescott" || r.Info.CoreSource != SourceUser || r.Info.CoreAuto || !r.Info.Verified {
			t.Errorf("child: %+v; want core Prescott chosen by the user, verified", r.Info)
		}
	}
}

// TestEnsureEndToEndUpgrade: with OpenBLAS "loading" a generic core (the
// helper pretends Core() is Prescott in the first process) and no
// OPENBLAS_CORETYPE, Ensure re-executes the binary with the detected core.
func TestEnsureEndToEndUpgrade(t *testing.T) {
	if !openblas || DetectCore() == "" {
		t.Skip("needs OpenBLAS and a CPU with AVX2+FMA")
	}
	r, _ := runHelper(t, "pretend-generic", "-")
	det := DetectCore()
	if r.CoreType != det || r.Marker != det || r.Info.Core != det || !r.Info.CoreAuto || !r.Info.Verified {
		t.Errorf("re-executed child: OPENBLAS_CORETYPE=%q marker %q info %+v; want core %s set automatically and verified", r.CoreType, r.Marker, r.Info, det)
	}
	// The real Ensure, unset variable: whatever OpenBLAS picks, the outcome
	// must match Decide.
	r, _ = runHelper(t, "ensure", "-")
	if r.Info.CoreAuto && r.Info.Core != det || !r.Info.CoreAuto && betterCore(r.Info.Core, det) || !r.Info.Verified {
		t.Errorf("real Ensure with OPENBLAS_CORETYPE unset: %+v; want the detected core %s or better, verified", r.Info, det)
	}
}

// TestEnsureEndToEndBadAutoCore: the automatically chosen core fails
// verification; the child re-executes once more without OPENBLAS_CORETYPE
// and the grandchild runs OpenBLAS's own choice, with a warning.
func TestEnsureEndToEndBadAutoCore(t *testing.T) {
	if !openblas || DetectCore() == "" {
		t.Skip("needs OpenBLAS and a CPU with AVX2+FMA")
	}
	r, stderr := runHelper(t, "bad-auto", "-")
	det := DetectCore()
	if r.CoreTypeSet || r.Marker != "failed:"+det || r.Info.CoreSource != SourceAutoFailed || r.Info.CoreAuto || r.Gonum || !r.Info.Verified {
		t.Errorf("grandchild: OPENBLAS_CORETYPE set %v, marker %q, gonum %v, info %+v", r.CoreTypeSet, r.Marker, r.Gonum, r.Info)
	}
	if !strings.Contains(stderr, "warning") || !strings.Contains(stderr, det) || !strings.Contains(stderr, "relative error") {
		t.Errorf("stderr %q lacks the warning naming core %s and the error", stderr, det)
	}
}

// TestEnsureEndToEndBadUserCore: a user-set core that fails verification is
// kept (warning only).
func TestEnsureEndToEndBadUserCore(t *testing.T) {
	if !openblas {
		t.Skip("needs OpenBLAS")
	}
	r, stderr := runHelper(t, "bad-always", "Haswell")
	if r.CoreType != "Haswell" || r.Info.Core != "Haswell" || r.Gonum || r.Info.Verified || r.Info.CoreSource != SourceUser {
		t.Errorf("child: OPENBLAS_CORETYPE=%q gonum %v info %+v", r.CoreType, r.Gonum, r.Info)
	}
	if !strings.Contains(stderr, "set by you") {
		t.Errorf("stderr %q", stderr)
	}
}
