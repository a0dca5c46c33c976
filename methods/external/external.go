// Package external registers External: a method implemented by any program
// — a Python, MATLAB/Octave, Julia or R script, a compiled binary — run under
// the same protocol as the built-in methods (same preprocessed data, seeds,
// k-means, metrics, store and reports).
//
// For each run, Fit makes a private temporary directory holding the
// preprocessed data X.npy (n × d float64, C order) and run.json (the run's
// seed, rank, class count, image height and width, tensor shape, thread
// budget, the resolved parameters and the paths of the files to write); it
// starts the command (an argv, never a shell string) in that directory with
// a clean environment (see Env) in its own process group, and waits for it.
// The program writes embedding.npy (n × r, finite) and optionally trace.json
// (objective per iteration and its timestamps) and factors/NAME.npy. Fit
// reads those declared outputs and nothing else, checks them, and returns
// them as a methods.Result; the runner then clusters and scores as for every
// method. A failure of any kind — program not found, non-zero exit (with the
// last 40 lines of its standard error), missing or malformed output, time
// out, cancellation — is an error worded for the user, and the directory is
// removed afterwards unless NMFBENCH_EXTERNAL_KEEP=1 is set in runexp's
// environment.
//
// On cancellation of the context (runexp interrupted, or the run's deadline)
// and at the method's own timeout, the whole process group receives SIGTERM,
// then SIGKILL after the grace period; processes the program left behind in
// its group are killed when it exits.
//
// The protocol is specified in docs/external.md; examples/external holds a
// Python helper module and two programs that follow it.
package external

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/npy"
	"nmfbench/methods"
)

// Protocol is the version of the run directory's layout, written to
// run.json as "protocol".
const Protocol = 1

// StderrLines is the number of trailing lines of the program's standard
// error kept in the error of a failed run.
const StderrLines = 40

// KeepEnv is the environment variable of runexp that, set to 1, keeps every
// run directory (for debugging) instead of removing it.
const KeepEnv = "NMFBENCH_EXTERNAL_KEEP"

// Params configures External.
type Params struct {
	Command []string       `yaml:"command" doc:"program and arguments (an argv list, never a shell string); arguments naming files are hashed into the configuration; {run} and {dir} are replaced by the paths of run.json and the run directory"`
	Rank    int            `yaml:"rank" symbol:"r" doc:"factorization rank passed to the program; 0 means the number of classes"`
	MaxIter int            `yaml:"max_iter" doc:"iteration budget passed to the program"`
	Tol     float64        `yaml:"tol" doc:"stopping tolerance passed to the program (its meaning is the program's)"`
	Args    map[string]any `yaml:"args" doc:"further parameters passed to the program in run.json's params, as JSON"`
	Files   []string       `yaml:"files" doc:"further files whose SHA-256 enters the configuration hash (modules the program imports)"`
	Env     []string       `yaml:"env" doc:"environment of the program beyond the clean default: NAME copies runexp's variable, NAME=value sets it"`
	Version string         `yaml:"version" doc:"free-form version of the program; changing it reruns its runs"`
	Timeout float64        `yaml:"timeout" doc:"seconds after which the program is killed (0: no limit beyond the run's)"`
	Grace   float64        `yaml:"grace" doc:"seconds between SIGTERM and SIGKILL when the program is stopped"`

	planned string // the identity when the spec was expanded (set by identity)
}

// Defaults: no command (a spec must give one), the built-in NMF's budget.
var Defaults = Params{MaxIter: 500, Tol: 1e-5, Grace: 5}

var (
	envName    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	factorName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)
	reserved   = map[string]bool{"rank": true, "max_iter": true, "tol": true}
)

// Validate checks the parameter values.
func (p *Params) Validate() error {
	if len(p.Command) == 0 {
		return fmt.Errorf("command: External needs the program to run, e.g. command: [python3, examples/external/numpy_nmf.py]")
	}
	for i, a := range p.Command {
		if a == "" || strings.ContainsRune(a, 0) {
			return fmt.Errorf("command[%d]: empty or NUL-containing argument", i)
		}
	}
	if len(p.Command) == 1 && strings.ContainsAny(p.Command[0], " \t") {
		return fmt.Errorf("command: %q is one string; give the program and its arguments as a list, e.g. [python3, script.py] (no shell is used)", p.Command[0])
	}
	for k := range p.Args {
		if reserved[k] {
			return fmt.Errorf("args: %q is a parameter of External itself; set it beside command, not in args", k)
		}
	}
	if _, err := json.Marshal(p.Args); err != nil {
		return fmt.Errorf("args: not representable as JSON: %v", err)
	}
	for i, e := range p.Env {
		name, _, _ := strings.Cut(e, "=")
		if !envName.MatchString(name) {
			return fmt.Errorf("env[%d]: %q is not NAME or NAME=value", i, e)
		}
		if fixedEnv[name] {
			return fmt.Errorf("env[%d]: %s is set by the harness", i, name)
		}
	}
	for i, f := range p.Files {
		if f == "" {
			return fmt.Errorf("files[%d]: empty path", i)
		}
	}
	return methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckIters("max_iter", p.MaxIter, 1),
		methods.CheckNonNegative("tol", p.Tol),
		methods.CheckNonNegative("timeout", p.Timeout),
		methods.CheckNonNegative("grace", p.Grace),
	)
}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "External",
		Summary:  "any program (Python, MATLAB/Octave, Julia, …) run under the harness's protocol: it reads X.npy and run.json from $NMFBENCH_RUN_DIR and writes embedding.npy (n × r), optionally trace.json and factors/*.npy; see docs/external.md",
		Version:  1,
		Defaults: Defaults,
		Fit:      fit,
		Identity: func(p *Params) (string, error) {
			id, err := Identity(*p)
			p.planned = id
			return id, err
		},
	})
}

// Identity returns the SHA-256 of every file the command names (each
// argument that is an existing regular file, and argv[0] when it is a
// relative path such as ./method.jl) and of Files, as "path sha256:HEX"
// entries joined by "; ". A file that does not exist is recorded as absent:
// the plan can be made where the scripts are not (its runs then fail with a
// message naming the file).
func Identity(p Params) (string, error) {
	var parts []string
	for _, f := range scriptFiles(p) {
		parts = append(parts, f+" "+fileDigest(f))
	}
	return strings.Join(parts, "; "), nil
}

// scriptFiles lists the files Identity hashes, in command order then Files.
func scriptFiles(p Params) []string {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for i, a := range p.Command {
		if strings.Contains(a, "{run}") || strings.Contains(a, "{dir}") {
			continue
		}
		if i == 0 {
			if !filepath.IsAbs(a) && strings.ContainsRune(a, filepath.Separator) && isFile(a) {
				add(a)
			}
			continue
		}
		if isFile(a) {
			add(a)
		}
	}
	for _, f := range p.Files {
		add(f)
	}
	return out
}

func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func fileDigest(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "absent"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unreadable"
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// fixedEnv are the variables the harness sets for the program.
var fixedEnv = map[string]bool{
	"NMFBENCH_RUN": true, "NMFBENCH_RUN_DIR": true, "NMFBENCH_PROTOCOL": true,
	"OMP_NUM_THREADS": true, "OPENBLAS_NUM_THREADS": true, "MKL_NUM_THREADS": true, "JULIA_NUM_THREADS": true,
	"TMPDIR": true,
}

// passEnv are copied from runexp's environment when set: the search path
// and machine-level BLAS configuration, which are not method parameters.
var passEnv = []string{"PATH", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"}

// Env returns the environment of the program: PATH, OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE copied from runexp's (when set), LC_ALL=C.UTF-8, TMPDIR
// inside the run directory, the protocol's variables NMFBENCH_RUN (run.json),
// NMFBENCH_RUN_DIR and NMFBENCH_PROTOCOL, the thread budget in
// OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS and
// JULIA_NUM_THREADS, then the spec's env entries.
func Env(spec []string, dir, tmp string, threads int) []string {
	env := []string{}
	for _, k := range passEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	t := strconv.Itoa(max(1, threads))
	env = append(env, "LC_ALL=C.UTF-8", "TMPDIR="+tmp,
		"NMFBENCH_RUN="+filepath.Join(dir, "run.json"), "NMFBENCH_RUN_DIR="+dir, "NMFBENCH_PROTOCOL="+strconv.Itoa(Protocol),
		"OMP_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t, "MKL_NUM_THREADS="+t, "JULIA_NUM_THREADS="+t)
	for _, e := range spec {
		name, val, set := strings.Cut(e, "=")
		if !set {
			v, ok := os.LookupEnv(name)
			if !ok {
				continue
			}
			val = v
		}
		// A later entry replaces an earlier one of the same name.
		for i := range env {
			if strings.HasPrefix(env[i], name+"=") {
				env = append(env[:i], env[i+1:]...)
				break
			}
		}
		env = append(env, name+"="+val)
	}
	return env
}

// RunFile is the content of run.json.
type RunFile struct {
	Protocol int    `json:"protocol"`
	Dataset  string `json:"dataset"`
	// Seed is in [0, 2³²): usable as numpy, scikit-learn, MATLAB and Julia
	// seeds alike. It is drawn from the run's random stream.
	Seed     uint64 `json:"seed"`
	Rank     int    `json:"rank"`
	Classes  int    `json:"classes"`
	Samples  int    `json:"samples"`
	Features int    `json:"features"`
	// ImageHeight and ImageWidth are 0 when the samples are not images.
	ImageHeight int `json:"image_height"`
	ImageWidth  int `json:"image_width"`
	// TensorShape is [height, width, n] for image data, null otherwise: the
	// H × W × n tensor 𝒳[r, c, i] = X[i, c·H + r] whose mode-3 unfolding is X
	// (a row of X is the column-major vectorisation of an image, as
	// MATLAB's reshape(X(i,:), H, W) reads it; see docs/datasets.md).
	TensorShape []int `json:"tensor_shape"`
	Threads     int   `json:"threads"`
	// Params holds rank (resolved), max_iter, tol and every entry of args.
	Params  map[string]any    `json:"params"`
	Inputs  map[string]string `json:"inputs"`
	Outputs map[string]string `json:"outputs"`
}

// Trace is the content of trace.json; every field is optional.
type Trace struct {
	// Objective[0] is the objective of the initial factors, Objective[t]
	// after iteration t.
	Objective []float64 `json:"objective"`
	// Seconds[t] is when Objective[t] was known, in seconds since the
	// program started its fit.
	Seconds []float64 `json:"seconds"`
	// Iterations defaults to len(Objective) − 1.
	Iterations *int `json:"iterations"`
	// Converged says the program's stopping rule, not the budget, ended it.
	Converged bool `json:"converged"`
	// Info is free-form (timings, messages); it is not stored.
	Info json.RawMessage `json:"info"`
}

// size limits of what is read back.
const (
	maxTrace   = 16 << 20
	maxFactors = 16
	maxFactor  = 64 << 20
)

// Timing is how long the parts of one run took, written to harness.json in
// a kept run directory.
type Timing struct {
	WriteSeconds   float64 `json:"write_seconds"`   // X.npy and run.json
	ProcessSeconds float64 `json:"process_seconds"` // the program, start to exit
	ReadSeconds    float64 `json:"read_seconds"`    // outputs read and checked
}

func fit(ctx context.Context, p *methods.Problem, prm Params) (*methods.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("not started: %w", err)
	}
	root, err := os.MkdirTemp("", "nmfbench-external-")
	if err != nil {
		return nil, fmt.Errorf("making the run directory: %w", err)
	}
	keep := os.Getenv(KeepEnv) == "1"
	defer func() {
		if keep {
			fmt.Fprintf(os.Stderr, "external: kept run directory %s\n", root)
			return
		}
		os.RemoveAll(root)
	}()
	res, tm, err := run(ctx, p, prm, root)
	if keep {
		b, _ := json.MarshalIndent(tm, "", "  ")
		os.WriteFile(filepath.Join(root, "harness.json"), b, 0o644)
	}
	if err != nil && keep {
		err = fmt.Errorf("%w (run directory kept: %s)", err, root)
	}
	return res, err
}

func run(ctx context.Context, p *methods.Problem, prm Params, root string) (*methods.Result, Timing, error) {
	var tm Timing
	dir := filepath.Join(root, "run")
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(filepath.Join(dir, "factors"), 0o700); err != nil {
		return nil, tm, err
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return nil, tm, err
	}
	t0 := time.Now()
	argv, err := resolve(prm.Command, dir)
	if err != nil {
		return nil, tm, err
	}
	if now, _ := Identity(prm); now != prm.planned {
		return nil, tm, fmt.Errorf("a file of the command changed while the run was prepared (%s); run again so that the configuration hash matches the files", now)
	}
	d := p.Data
	n, nf := d.X.Dims()
	r := p.Rank(prm.Rank)
	params := map[string]any{}
	for k, v := range prm.Args {
		params[k] = v
	}
	params["rank"], params["max_iter"], params["tol"] = r, prm.MaxIter, prm.Tol
	rf := RunFile{
		Protocol: Protocol, Dataset: d.Name, Seed: p.RNG.Uint64() >> 32, Rank: r, Classes: d.Classes,
		Samples: n, Features: nf, Threads: p.Goroutines(), Params: params,
		Inputs: map[string]string{"X": filepath.Join(dir, "X.npy")},
		Outputs: map[string]string{
			"embedding": filepath.Join(dir, "embedding.npy"),
			"trace":     filepath.Join(dir, "trace.json"),
			"factors":   filepath.Join(dir, "factors"),
		},
	}
	if d.IsImage() {
		rf.ImageHeight, rf.ImageWidth = d.Height, d.Width
		rf.TensorShape = []int{d.Height, d.Width, n}
	}
	if err := npy.WriteFile(rf.Inputs["X"], d.X); err != nil {
		return nil, tm, fmt.Errorf("writing the data for the program: %w", err)
	}
	b, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return nil, tm, err
	}
	if err := os.WriteFile(filepath.Join(dir, "run.json"), b, 0o600); err != nil {
		return nil, tm, err
	}
	tm.WriteSeconds = time.Since(t0).Seconds()

	t1 := time.Now()
	err = execute(ctx, prm, argv, dir, tmp, root, p.Goroutines())
	tm.ProcessSeconds = time.Since(t1).Seconds()
	if err != nil {
		return nil, tm, err
	}

	t2 := time.Now()
	res, err := readOutputs(p, rf, n, nf)
	tm.ReadSeconds = time.Since(t2).Seconds()
	return res, tm, err
}

// resolve looks the program up and makes file arguments absolute (the
// program runs in its run directory), substituting {run} and {dir}.
func resolve(command []string, dir string) ([]string, error) {
	argv := make([]string, len(command))
	for i, a := range command {
		a = strings.ReplaceAll(a, "{run}", filepath.Join(dir, "run.json"))
		a = strings.ReplaceAll(a, "{dir}", dir)
		if i > 0 && isFile(a) && !filepath.IsAbs(a) {
			if abs, err := filepath.Abs(a); err == nil {
				a = abs
			}
		}
		argv[i] = a
	}
	prog := argv[0]
	path, err := exec.LookPath(prog)
	if err != nil {
		if strings.ContainsRune(prog, filepath.Separator) {
			return nil, fmt.Errorf("command[0] %q: %v", prog, unwrapExec(err))
		}
		return nil, fmt.Errorf("command[0] %q was not found on PATH (%s); install it or give its full path", prog, os.Getenv("PATH"))
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	argv[0] = path
	return argv, nil
}

func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// execute runs argv in its own process group and waits for it, stopping
// the group on cancellation or timeout.
func execute(ctx context.Context, prm Params, argv []string, dir, tmp, root string, threads int) error {
	stderrPath := filepath.Join(root, "stderr.txt")
	stderr, err := os.Create(stderrPath)
	if err != nil {
		return err
	}
	defer stderr.Close()
	stdout, err := os.Create(filepath.Join(root, "stdout.txt"))
	if err != nil {
		return err
	}
	defer stdout.Close()
	cmd := &exec.Cmd{
		Path: argv[0], Args: argv, Dir: dir, Env: Env(prm.Env, dir, tmp, threads),
		Stdout: stdout, Stderr: stderr, // files, so that Wait never waits on a pipe a child holds
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", strings.Join(prm.Command, " "), unwrapExec(err))
	}
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var timeout <-chan time.Time
	if prm.Timeout > 0 {
		t := time.NewTimer(time.Duration(prm.Timeout * float64(time.Second)))
		defer t.Stop()
		timeout = t.C
	}
	grace := time.Duration(prm.Grace * float64(time.Second))
	var waitErr error
	var stopped error // why the harness stopped the program
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		stopped = ctx.Err()
		waitErr = stop(pgid, done, grace)
	case <-timeout:
		stopped = errTimeout
		waitErr = stop(pgid, done, grace)
	}
	// Whatever the program left running in its group goes with it.
	syscall.Kill(-pgid, syscall.SIGKILL)
	how := fmt.Sprintf("its process group was sent SIGTERM, then SIGKILL after %gs", prm.Grace)
	switch {
	case errors.Is(stopped, errTimeout):
		return fmt.Errorf("%s timed out after %gs (timeout); %s: %w", prm.Command[0], prm.Timeout, how, context.DeadlineExceeded)
	case stopped != nil:
		return fmt.Errorf("%s stopped (%v); %s: %w", prm.Command[0], stopped, how, stopped)
	case waitErr != nil:
		tail := tailLines(stderrPath, StderrLines)
		msg := fmt.Sprintf("%s failed: %v", strings.Join(prm.Command, " "), waitErr)
		if tail != "" {
			msg += "; last lines of its standard error:\n" + tail
		} else {
			msg += " (nothing on standard error)"
		}
		return errors.New(msg)
	}
	return nil
}

var errTimeout = errors.New("timeout")

// stop sends SIGTERM to the group, then SIGKILL after grace, and returns
// the program's exit status.
func stop(pgid int, done <-chan error, grace time.Duration) error {
	syscall.Kill(-pgid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	return <-done
}

// tailLines returns the last n lines of the file (at most its last 64 KiB).
func tailLines(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	const maxTail = 64 << 10
	if st, err := f.Stat(); err == nil && st.Size() > maxTail {
		f.Seek(st.Size()-maxTail, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	lines := strings.Split(strings.TrimRight(strings.ToValidUTF8(string(b), "?"), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// regular checks that path is a regular file (not a symbolic link).
func regular(path, what string) (bool, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !st.Mode().IsRegular() {
		return false, fmt.Errorf("the program's %s %s is not a regular file (%s); write the file itself", what, filepath.Base(path), st.Mode().Type())
	}
	return true, nil
}

func readOutputs(p *methods.Problem, rf RunFile, n, nf int) (*methods.Result, error) {
	embPath := rf.Outputs["embedding"]
	ok, err := regular(embPath, "embedding")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("the program exited normally but wrote no embedding.npy (an n × r array, n = %d samples, at the path in run.json's outputs.embedding)", n)
	}
	maxBytes := int64(n)*int64(max(nf, 1024))*8 + 1<<16
	emb, h, err := npy.ReadFile(embPath, maxBytes)
	if err != nil {
		return nil, fmt.Errorf("the program's embedding: %w", err)
	}
	if len(h.Shape) != 2 {
		return nil, fmt.Errorf("the program's embedding.npy has shape %v; want a 2-D array of %d rows (samples) × r", h.Shape, n)
	}
	if rows, _ := emb.Dims(); rows != n {
		return nil, fmt.Errorf("the program's embedding.npy has shape %v; want %d rows, one per sample (is it transposed?)", h.Shape, n)
	}
	if err := finite(emb, "embedding.npy"); err != nil {
		return nil, err
	}
	res := &methods.Result{Embedding: emb}
	if err := readTrace(rf.Outputs["trace"], res); err != nil {
		return nil, err
	}
	for i, v := range res.Objective {
		if i > 0 && p.Progress != nil {
			p.Progress(i, v)
		}
	}
	factors, err := readFactors(rf.Outputs["factors"])
	if err != nil {
		return nil, err
	}
	res.Factors = factors
	return res, nil
}

func finite(m *mat.Dense, name string) error {
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j, v := range m.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("the program's %s has entry (%d, %d) = %v; every entry must be finite", name, i, j, v)
			}
		}
	}
	_ = c
	return nil
}

func readTrace(path string, res *methods.Result) error {
	ok, err := regular(path, "trace")
	if err != nil || !ok {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTrace+1))
	if err != nil {
		return err
	}
	if len(b) > maxTrace {
		return fmt.Errorf("the program's trace.json exceeds %d bytes", maxTrace)
	}
	var t Trace
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return fmt.Errorf("the program's trace.json: %v (want {\"objective\": [...], \"seconds\": [...], \"iterations\": n, \"converged\": bool}, every key optional)", err)
	}
	for i, v := range t.Objective {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("the program's trace.json: objective[%d] is %v", i, v)
		}
	}
	for i, v := range t.Seconds {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("the program's trace.json: seconds[%d] is %v", i, v)
		}
	}
	res.Objective, res.Seconds = t.Objective, t.Seconds
	switch {
	case t.Iterations != nil:
		if *t.Iterations < 0 {
			return fmt.Errorf("the program's trace.json: iterations is %d", *t.Iterations)
		}
		res.Iterations = *t.Iterations
	case len(t.Objective) > 0:
		res.Iterations = len(t.Objective) - 1
	}
	switch {
	case t.Converged:
		res.Status = methods.Converged
	case res.Iterations > 0:
		res.Status = methods.IterationLimit
	}
	if err := res.CheckTrace(); err != nil {
		return fmt.Errorf("the program's trace.json: %w", err)
	}
	return nil
}

func readFactors(dir string) (map[string]*mat.Dense, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the program's factors directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		name, isNpy := strings.CutSuffix(e.Name(), ".npy")
		if !isNpy || !factorName.MatchString(name) {
			return nil, fmt.Errorf("the program's factors directory holds %q; want only NAME.npy files (NAME: a letter, then letters, digits or _)", e.Name())
		}
		names = append(names, name)
	}
	if len(names) > maxFactors {
		return nil, fmt.Errorf("the program wrote %d factors; at most %d are stored", len(names), maxFactors)
	}
	sort.Strings(names)
	var out map[string]*mat.Dense
	for _, name := range names {
		path := filepath.Join(dir, name+".npy")
		if _, err := regular(path, "factor"); err != nil {
			return nil, err
		}
		m, h, err := npy.ReadFile(path, maxFactor)
		if err != nil {
			return nil, fmt.Errorf("the program's factor %s: %w", name, err)
		}
		if len(h.Shape) != 2 {
			return nil, fmt.Errorf("the program's factor %s.npy has shape %v; want a 2-D array", name, h.Shape)
		}
		if err := finite(m, "factor "+name+".npy"); err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]*mat.Dense{}
		}
		out[name] = m
	}
	return out, nil
}
