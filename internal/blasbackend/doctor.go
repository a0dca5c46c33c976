package blasbackend

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Shape is one DGEMM of the workload: C (M×N) = A (M×K) · B (K×N).
type Shape struct {
	Name    string
	M, K, N int
	// MinPeak is the fraction of the FMA peak the doctor expects (0: none).
	MinPeak float64
}

// Flops is the floating-point operation count of one product, 2·M·K·N.
func (s Shape) Flops() float64 { return 2 * float64(s.M) * float64(s.K) * float64(s.N) }

func (s Shape) String() string { return fmt.Sprintf("%d×%d×%d", s.M, s.K, s.N) }

// WorkloadShapes are the DGEMMs that dominate the benchmarks (written M×K×N):
// a big product (1024 features, 1440 COIL20 samples), the rank-r products of
// the multiplicative updates on COIL20 (r = 20) and PIE_pose27 (2856 samples,
// r = 68), and the small-kernel product of the batched Sinkhorn iterations
// (a 32×32 grid kernel on 2856·32 columns).
var WorkloadShapes = []Shape{
	{Name: "big", M: 1024, K: 1024, N: 1440, MinPeak: 0.60},
	{Name: "rank-r COIL20", M: 1024, K: 1440, N: 20, MinPeak: 0.30},
	{Name: "rank-r PIE", M: 2856, K: 1024, N: 68, MinPeak: 0.30},
	{Name: "Sinkhorn", M: 32, K: 32, N: 91392},
}

// MeasureDgemm returns the DGEMM rate of impl on sh in GFLOP/s, the best and
// the median of runs of at least 50 ms each over about d (at least three).
// It does not change the thread count.
func MeasureDgemm(impl blas.Float64, sh Shape, d time.Duration) (best, median float64) {
	a, b, c := make([]float64, sh.M*sh.K), make([]float64, sh.K*sh.N), make([]float64, sh.M*sh.N)
	for i := range a {
		a[i] = float64(i%7) / 7
	}
	for i := range b {
		b[i] = float64(i%5) / 5
	}
	call := func() { impl.Dgemm(blas.NoTrans, blas.NoTrans, sh.M, sh.N, sh.K, 1, a, sh.K, b, sh.N, 0, c, sh.N) }
	t := time.Now()
	call() // warm up; sizes the batches
	per := time.Since(t)
	batch := 1
	if per < 50*time.Millisecond {
		batch = int(50*time.Millisecond/max(per, time.Microsecond)) + 1
	}
	var rates []float64
	deadline := time.Now().Add(d)
	for len(rates) < 3 || time.Now().Before(deadline) && len(rates) < 100 {
		t := time.Now()
		for range batch {
			call()
		}
		rates = append(rates, sh.Flops()*float64(batch)/time.Since(t).Seconds()/1e9)
	}
	slices.Sort(rates)
	return rates[len(rates)-1], rates[len(rates)/2]
}

// DoctorOptions configures Doctor.
type DoctorOptions struct {
	Shapes      []Shape       // default WorkloadShapes
	Time        time.Duration // measuring time per shape and per FMA width; default 1 s
	Elementwise func() string // optional: one line on the elementwise kernels
}

// Rate is one measured DGEMM.
type Rate struct {
	Shape        Shape
	GFLOPS       float64 // best run
	Median       float64 // median run
	FractionPeak float64 // GFLOPS / peak (0 if the peak is unknown)
	Backend      float64 // the backend's own DGEMM, best run, when the built-in one is active (else 0)
}

// Verdict is Doctor's conclusion.
type Verdict struct {
	OK      bool
	Advice  []string // what to do, most important first; empty when OK
	Info    Info
	CPU     string
	Feat    Features
	PeakZMM float64 // measured FMA rate on 512-bit registers, GFLOP/s per core (0: none)
	PeakYMM float64 // the same on 256-bit registers
	Peak    float64 // max of the two; 0 if not measured (no cgo)
	Rates   []Rate
	Verify  error // Verify of the active BLAS
}

// Line is the final verdict line: "OK" or what to do.
func (v Verdict) Line() string {
	if v.OK {
		return "OK"
	}
	return strings.Join(v.Advice, "; ")
}

// Doctor diagnoses the BLAS setup and writes a report to w: backend, OpenBLAS
// core loaded and detected, CPU model and features, threads, a verification
// of DGEMM against gonum, the measured FMA peak of one core, the one-thread
// DGEMM rate on each workload shape and its fraction of that peak, and a
// last line "verdict: OK" or what to do. It takes about
// (2 + len(shapes))·opts.Time. The BLAS thread count is set to 1 during the
// measurements (GOMAXPROCS for the pure-Go backend) and restored.
func Doctor(ctx context.Context, w io.Writer, opts DoctorOptions) (Verdict, error) {
	if opts.Shapes == nil {
		opts.Shapes = WorkloadShapes
	}
	if opts.Time <= 0 {
		opts.Time = time.Second
	}
	v := Verdict{Info: Describe(), CPU: cpuModel(), Feat: CPUFeatures()}
	in := v.Info
	p := func(label, format string, a ...any) {
		fmt.Fprintf(w, "%-14s %s\n", label+":", fmt.Sprintf(format, a...))
	}

	backend := in.Backend
	if c := Config(); c != "" {
		backend += " (" + c + ")"
	}
	p("backend", "%s", backend)
	if openblas {
		src := map[string]string{
			SourceOpenBLAS: "OpenBLAS's own choice", SourceUser: "OPENBLAS_CORETYPE set by the user",
			SourceAuto: "set automatically by Ensure", SourceAutoFailed: "OpenBLAS's own choice; the automatic one failed verification",
		}[in.CoreSource]
		kind := ""
		if IsGenericCore(in.Core) {
			kind = ", a generic fallback"
		}
		p("OpenBLAS core", "%s (%s%s)", in.Core, src, kind)
	}
	det := in.DetectedCore
	if det == "" {
		det = "none (no AVX2+FMA)"
	}
	p("detected core", "%s (best OpenBLAS core for this CPU's features)", det)
	p("CPU", "%s, %d logical CPUs", v.CPU, runtime.NumCPU())
	f := v.Feat
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	p("features", "avx2 %s, fma %s, avx512f %s, avx512bw %s, avx512dq %s, avx512vl %s",
		yn(f.AVX2), yn(f.FMA), yn(f.AVX512F), yn(f.AVX512BW), yn(f.AVX512DQ), yn(f.AVX512VL))
	threads := "n/a (pure Go)"
	if openblas && in.Threads > 0 {
		threads = fmt.Sprint(in.Threads)
	}
	p("threads", "GOMAXPROCS %d, BLAS threads %s; measured with 1", runtime.GOMAXPROCS(0), threads)
	var env []string
	for _, k := range sortedKeys(in.Env) {
		env = append(env, k+"="+in.Env[k])
	}
	if len(env) == 0 {
		env = []string{"(no OPENBLAS_* variables set)"}
	}
	p("environment", "%s", strings.Join(env, " "))
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		p("load average", "%s (other processes lower the rates below)", strings.Join(strings.Fields(string(la))[:3], " "))
	}

	impl := blas64.Implementation()
	base := backendBLAS()
	builtin := in.GEMM != ""
	switch {
	case builtin:
		p("DGEMM", "%s; the other BLAS routines: %s (%s=blas for the BLAS's own DGEMM)", in.GEMM, in.Backend, EnvGemm)
	case in.GEMMVerifyError != "":
		p("DGEMM", "the backend's: the built-in AVX-512 kernel FAILED verification (%s)", in.GEMMVerifyError)
	default:
		p("DGEMM", "the backend's (%s)", gemmReason(f))
	}
	v.Verify = Verify(impl)
	if v.Verify != nil {
		p("verification", "FAILED: %v", v.Verify)
	} else {
		p("verification", "DGEMM agrees with gonum's pure-Go BLAS to %g relative (%d shapes)", VerifyTol, len(verifyShapes))
	}
	if builtin {
		if err := Verify(base); err != nil {
			p("verification", "the backend's own DGEMM FAILED: %v", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return v, err
	}

	// One thread for the measurements.
	if openblas && !strings.Contains(in.Backend, "pure Go") {
		prev := Threads()
		SetThreads(1)
		defer SetThreads(prev)
	} else {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}

	zmm, ymm, ok := fmaPeak(opts.Time, f)
	v.PeakZMM, v.PeakYMM = zmm, ymm
	v.Peak = max(zmm, ymm)
	if ok {
		p("FMA peak", "%.1f GFLOP/s per core, measured (independent FMA chains, C under cgo): 512-bit %s, 256-bit %s",
			v.Peak, gf(zmm), gf(ymm))
	} else {
		p("FMA peak", "not measured (needs cgo on amd64)")
	}
	if err := ctx.Err(); err != nil {
		return v, err
	}

	head := "DGEMM, 1 thread, GFLOP/s best (median) and % of the FMA peak"
	if builtin {
		head += "; [the backend's own DGEMM]"
	}
	fmt.Fprintln(w, head+":")
	var slow []string
	for _, sh := range opts.Shapes {
		best, med := MeasureDgemm(impl, sh, opts.Time)
		r := Rate{Shape: sh, GFLOPS: best, Median: med}
		line := fmt.Sprintf("  %-14s %-16s %6.1f (%5.1f)", sh.Name, sh.String(), best, med)
		if v.Peak > 0 {
			r.FractionPeak = best / v.Peak
			line += fmt.Sprintf("  %5.1f%%", 100*r.FractionPeak)
			if sh.MinPeak > 0 {
				status := "ok"
				if r.FractionPeak < sh.MinPeak {
					status = "LOW"
					slow = append(slow, fmt.Sprintf("%s %.0f%% < %.0f%%", sh, 100*r.FractionPeak, 100*sh.MinPeak))
				}
				line += fmt.Sprintf("  (want ≥ %.0f%%: %s)", 100*sh.MinPeak, status)
			}
		}
		if builtin {
			b, _ := MeasureDgemm(base, sh, opts.Time)
			r.Backend = b
			line += fmt.Sprintf("  [%.1f]", b)
		}
		fmt.Fprintln(w, line)
		v.Rates = append(v.Rates, r)
		if err := ctx.Err(); err != nil {
			return v, err
		}
	}
	if opts.Elementwise != nil {
		p("elementwise", "%s", opts.Elementwise())
	}

	if builtin && in.DetectedCore != "" && betterCore(in.Core, in.DetectedCore) {
		p("note", "OpenBLAS core %s is below the %s this CPU supports; it now computes only the BLAS calls other than DGEMM (below 1 %% of the run time in CPU profiles of GWNTF, SDNMF and NCP)", in.Core, in.DetectedCore)
	}
	v.Advice = advice(in, v.Verify, slow)
	v.OK = len(v.Advice) == 0
	fmt.Fprintf(w, "verdict: %s\n", v.Line())
	return v, nil
}

// advice turns the findings into what to do, most important first.
func advice(in Info, verr error, slow []string) []string {
	var out []string
	if !openblas || strings.Contains(in.Backend, "pure Go") {
		if !openblas {
			return []string{"install libopenblas-dev and pkg-config (make deps) and rebuild with make (build tag netlib) for 4–5× faster products"}
		}
		return []string{fmt.Sprintf("OpenBLAS failed verification (%s) and the pure-Go BLAS is in use: set OPENBLAS_CORETYPE to another core (e.g. Haswell) or reinstall libopenblas-dev", in.VerifyError)}
	}
	ct, ctSet := in.Env[EnvCoreType]
	if verr != nil {
		if ctSet {
			out = append(out, fmt.Sprintf("unset OPENBLAS_CORETYPE (=%s): core %s computes wrong DGEMM results", ct, in.Core))
		} else {
			out = append(out, fmt.Sprintf("OpenBLAS core %s computes wrong DGEMM results: set OPENBLAS_CORETYPE=Haswell or rebuild without OpenBLAS", in.Core))
		}
	}
	if in.DetectedCore != "" && betterCore(in.Core, in.DetectedCore) && in.GEMM == "" {
		switch {
		case ctSet && in.CoreSource == SourceUser:
			out = append(out, fmt.Sprintf("set OPENBLAS_CORETYPE=%s (it is set to %s, kernels this CPU outruns; or unset it)", in.DetectedCore, ct))
		default:
			out = append(out, fmt.Sprintf("set OPENBLAS_CORETYPE=%s (OpenBLAS loaded %s; programs that call blasbackend.Ensure() first do this themselves)", in.DetectedCore, in.Core))
		}
	}
	if len(slow) > 0 && len(out) == 0 {
		out = append(out, fmt.Sprintf("DGEMM below target (%s): re-run on an idle machine (check top); if it persists the %s kernels are slow on this CPU — try another OPENBLAS_CORETYPE or a newer OpenBLAS",
			strings.Join(slow, ", "), in.Core))
	}
	return out
}

func gf(x float64) string {
	if x == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", x)
}

// cpuModel returns the CPU's model name, family and model from
// /proc/cpuinfo, or GOARCH when that is unavailable.
func cpuModel() string {
	fh, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer fh.Close()
	var name, family, model, mhz string
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		k, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			if name != "" {
				break // first processor only
			}
			continue
		}
		switch strings.TrimSpace(k) {
		case "model name":
			name = strings.TrimSpace(val)
		case "cpu family":
			family = strings.TrimSpace(val)
		case "model":
			model = strings.TrimSpace(val)
		case "cpu MHz":
			mhz = strings.TrimSpace(val)
		}
	}
	if name == "" {
		return runtime.GOARCH
	}
	s := name
	if family != "" {
		s += fmt.Sprintf(" (family %s, model %s)", family, model)
	}
	if mhz != "" {
		s += ", " + strings.SplitN(mhz, ".", 2)[0] + " MHz nominal"
	}
	return s
}

// gemmReason says why the built-in DGEMM is not in use.
func gemmReason(f Features) string {
	gemmState.Lock()
	off := gemmState.off
	gemmState.Unlock()
	switch {
	case off != "":
		return off
	case !f.AVX512F:
		return "the built-in kernel needs AVX-512F, which this CPU lacks"
	}
	return "the built-in kernel needs cgo on amd64"
}
