package external

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/npy"
	"nmfbench/methods"
)

// The test binary doubles as the external program: started with
// NMFBENCH_TEST_HELPER=mode in its environment (the spec's env), it acts out
// one behaviour of a method instead of running the tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("NMFBENCH_TEST_HELPER"); mode != "" {
		os.Exit(helper(mode))
	}
	os.Exit(m.Run())
}

// helper is the external program of the tests.
func helper(mode string) int {
	dir := os.Getenv("NMFBENCH_RUN_DIR")
	b, err := os.ReadFile(os.Getenv("NMFBENCH_RUN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var rf RunFile
	if err := json.Unmarshal(b, &rf); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if out := os.Getenv("DUMP"); out != "" {
		// Show the test what the program was given.
		env, _ := json.Marshal(os.Environ())
		os.WriteFile(filepath.Join(out, "run.json"), b, 0o644)
		os.WriteFile(filepath.Join(out, "env.json"), env, 0o644)
		wd, _ := os.Getwd()
		os.WriteFile(filepath.Join(out, "cwd"), []byte(wd), 0o644)
	}
	X, _, err := npy.ReadFile(rf.Inputs["X"], 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	n, d := X.Dims()
	r := rf.Rank
	emb := mat.NewDense(n, r, nil)
	rng := rand.New(rand.NewPCG(rf.Seed, 9))
	for i := 0; i < n; i++ {
		for j := 0; j < r; j++ {
			emb.Set(i, j, X.At(i, j%d)+0.01*rng.Float64())
		}
	}
	embPath := rf.Outputs["embedding"]
	write := func(m mat.Matrix) int {
		if err := npy.WriteFile(embPath, m); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		return 0
	}
	trace := func(s string) int {
		if err := os.WriteFile(rf.Outputs["trace"], []byte(s), 0o644); err != nil {
			return 2
		}
		return write(emb)
	}
	switch mode {
	case "ok":
		obj := []float64{10, 5, 4, 3.5}
		tb, _ := json.Marshal(map[string]any{"objective": obj, "seconds": []float64{0, 0.1, 0.2, 0.3}, "converged": true, "info": map[string]any{"x": 1}})
		os.WriteFile(rf.Outputs["trace"], tb, 0o644)
		os.WriteFile(filepath.Join(rf.Outputs["factors"], "U.npy"), mustNpy(mat.NewDense(d, r, nil)), 0o644)
		os.WriteFile(filepath.Join(dir, "stray.npy"), []byte("not read"), 0o644)
		return write(emb)
	case "stderr":
		for i := 1; i <= 100; i++ {
			fmt.Fprintf(os.Stderr, "line %d\n", i)
		}
		return 3
	case "silent-fail":
		return 1
	case "none":
		return 0
	case "garbage":
		os.WriteFile(embPath, []byte("embedding: 1 2 3\n"), 0o644)
		return 0
	case "nan":
		emb.Set(n-1, 0, math.NaN())
		return write(emb)
	case "inf":
		emb.Set(0, r-1, math.Inf(-1))
		return write(emb)
	case "rows":
		return write(mat.NewDense(n+1, r, nil))
	case "transposed":
		return write(emb.T())
	case "vector":
		f, _ := os.Create(embPath)
		npyRaw(f, "<f8", fmt.Sprintf("(%d,)", n), make([]byte, 8*n))
		f.Close()
		return 0
	case "dtype":
		f, _ := os.Create(embPath)
		npyRaw(f, "|b1", fmt.Sprintf("(%d, 1)", n), make([]byte, n))
		f.Close()
		return 0
	case "symlink":
		os.Symlink(rf.Inputs["X"], embPath)
		return 0
	case "trace-nan":
		return trace(`{"objective": [1, NaN]}`)
	case "trace-convention":
		return trace(`{"objective": [3, 2, 1], "seconds": [0, 1]}`)
	case "trace-iterations":
		return trace(`{"objective": [3, 2, 1], "seconds": [0, 1, 2], "iterations": 5}`)
	case "trace-key":
		return trace(`{"objectives": [3, 2, 1]}`)
	case "trace-json":
		return trace(`{"objective": [3, 2`)
	case "factor-name":
		os.WriteFile(filepath.Join(rf.Outputs["factors"], "U.txt"), []byte("x"), 0o644)
		return write(emb)
	case "factor-nan":
		u := mat.NewDense(2, 2, []float64{1, math.NaN(), 3, 4})
		os.WriteFile(filepath.Join(rf.Outputs["factors"], "U.npy"), mustNpy(u), 0o644)
		return write(emb)
	case "hang", "hang-ignore-term":
		if mode == "hang-ignore-term" {
			signalIgnoreTerm()
		}
		// A child in the same process group, which must die with us.
		child := os.Getenv("CHILD_PIDFILE")
		attr := &os.ProcAttr{Env: append(os.Environ(), "NMFBENCH_TEST_HELPER=sleep"), Files: []*os.File{nil, nil, os.Stderr}}
		p, err := os.StartProcess(os.Args[0], []string{os.Args[0]}, attr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		os.WriteFile(child+".tmp", []byte(strconv.Itoa(p.Pid)+" "+strconv.Itoa(os.Getpid())), 0o644)
		os.Rename(child+".tmp", child)
		time.Sleep(time.Hour)
		return 0
	case "sleep":
		if os.Getenv("IGNORE_TERM") == "1" {
			signalIgnoreTerm()
		}
		time.Sleep(time.Hour)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper mode", mode)
	return 2
}

func signalIgnoreTerm() { signal.Ignore(syscall.SIGTERM) }

func mustNpy(m mat.Matrix) []byte {
	var b bytes.Buffer
	if err := npy.Write(&b, m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// npyRaw writes a .npy file with the given header fields and data bytes.
func npyRaw(f *os.File, descr, shape string, data []byte) {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }\n", descr, shape)
	f.Write([]byte("\x93NUMPY\x01\x00"))
	binary.Write(f, binary.LittleEndian, uint16(len(dict)))
	f.WriteString(dict)
	f.Write(data)
}

func data(t *testing.T) *datasets.Dataset {
	t.Helper()
	d, err := datasets.Synthetic(datasets.SyntheticConfig{Name: "ext", Kind: datasets.KindBlobs, Height: 6, Width: 5, Classes: 3, PerClass: 10, Seed: 3, MaxShift: 1, Contrast: 0.2, Noise: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func problem(d *datasets.Dataset, seed uint64) *methods.Problem {
	return &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 1)), Threads: 2}
}

// build resolves External with the test binary as its program in mode.
func build(t *testing.T, mode string, extra string) *methods.Configured {
	t.Helper()
	if !strings.Contains(extra, "env:") {
		extra += ", env: [NMFBENCH_TEST_HELPER=" + mode + "]"
	}
	c, err := methods.Default.BuildYAML("External", fmt.Sprintf("{command: [%q], rank: 4, max_iter: 3%s}", os.Args[0], extra))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFit(t *testing.T) {
	d := data(t)
	dump := t.TempDir()
	t.Setenv("NMFBENCH_SECRET", "must not leak")
	t.Setenv("PASSED", "through")
	c := build(t, "ok", fmt.Sprintf(", env: [NMFBENCH_TEST_HELPER=ok, DUMP=%s, PASSED], args: {alpha: 0.5, mode: fast, nested: {a: [1, 2]}}", dump))
	var progress []int
	p := problem(d, 7)
	p.Progress = func(it int, _ float64) { progress = append(progress, it) }
	res, err := c.Fit(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if r, k := res.Embedding.Dims(); r != d.Samples() || k != 4 {
		t.Errorf("embedding %d×%d; want %d×4", r, k, d.Samples())
	}
	if !reflect.DeepEqual(res.Objective, []float64{10, 5, 4, 3.5}) || res.Iterations != 3 || !res.Converged() {
		t.Errorf("trace %v, %d iterations, status %v", res.Objective, res.Iterations, res.Status)
	}
	if !reflect.DeepEqual(progress, []int{1, 2, 3}) {
		t.Errorf("progress calls %v", progress)
	}
	if u := res.Factors["U"]; u == nil || len(res.Factors) != 1 {
		t.Errorf("factors %v", res.Factors)
	} else if r, k := u.Dims(); r != d.Features() || k != 4 {
		t.Errorf("factor U %d×%d", r, k)
	}
	// What the program was given.
	var rf RunFile
	b, _ := os.ReadFile(filepath.Join(dump, "run.json"))
	if err := json.Unmarshal(b, &rf); err != nil {
		t.Fatal(err)
	}
	if rf.Protocol != Protocol || rf.Rank != 4 || rf.Classes != 3 || rf.Samples != 30 || rf.Features != 30 || rf.ImageHeight != 6 || rf.ImageWidth != 5 ||
		!reflect.DeepEqual(rf.TensorShape, []int{6, 5, 30}) || rf.Threads != 2 || rf.Seed >= 1<<32 || rf.Dataset != "ext" {
		t.Errorf("run.json: %s", b)
	}
	wantParams := map[string]any{"rank": 4.0, "max_iter": 3.0, "tol": 1e-5, "alpha": 0.5, "mode": "fast", "nested": map[string]any{"a": []any{1.0, 2.0}}}
	if !reflect.DeepEqual(rf.Params, wantParams) {
		t.Errorf("params %v; want %v", rf.Params, wantParams)
	}
	if seed := problem(d, 7).RNG.Uint64() >> 32; rf.Seed != seed {
		t.Errorf("seed %d; want %d (the run stream's first draw)", rf.Seed, seed)
	}
	var env []string
	b, _ = os.ReadFile(filepath.Join(dump, "env.json"))
	json.Unmarshal(b, &env)
	joined := strings.Join(env, "\n")
	for _, want := range []string{"PASSED=through", "OMP_NUM_THREADS=2", "OPENBLAS_NUM_THREADS=2", "NMFBENCH_PROTOCOL=1", "LC_ALL=C.UTF-8", "PATH="} {
		if !strings.Contains(joined, want) {
			t.Errorf("environment lacks %s:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "NMFBENCH_SECRET") {
		t.Errorf("runexp's environment leaked into the program's:\n%s", joined)
	}
	cwd, _ := os.ReadFile(filepath.Join(dump, "cwd"))
	if !strings.HasPrefix(string(cwd), os.TempDir()) || !strings.Contains(string(cwd), "nmfbench-external-") {
		t.Errorf("program ran in %s; want its run directory", cwd)
	}
	if _, err := os.Stat(string(cwd)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("run directory %s was not removed (%v)", cwd, err)
	}
	// Deterministic for a seed; another seed gives another run.
	again, err := c.Fit(context.Background(), problem(d, 7))
	if err != nil || !mat.Equal(again.Embedding, res.Embedding) {
		t.Errorf("same seed, different embedding (%v)", err)
	}
	other, err := c.Fit(context.Background(), problem(d, 8))
	if err != nil || mat.Equal(other.Embedding, res.Embedding) {
		t.Errorf("another seed, same embedding (%v)", err)
	}
}

// TestFailures: every way a program can fail gives an error a person can
// act on.
func TestFailures(t *testing.T) {
	d := data(t)
	for _, c := range []struct {
		mode, extra string
		want        []string
		not         []string
	}{
		{"stderr", "", []string{"exit status 3", "last lines of its standard error", "line 61\n", "line 100"}, []string{"line 60\n"}},
		{"silent-fail", "", []string{"exit status 1", "nothing on standard error"}, nil},
		{"none", "", []string{"wrote no embedding.npy", "n = 30"}, nil},
		{"garbage", "", []string{"embedding.npy", "not a valid .npy file", "magic"}, nil},
		{"nan", "", []string{"embedding.npy has entry (29, 0) = NaN", "finite"}, nil},
		{"inf", "", []string{"entry (0, 3) = -Inf"}, nil},
		{"rows", "", []string{"shape [31 4]", "want 30 rows"}, nil},
		{"transposed", "", []string{"shape [4 30]", "transposed"}, nil},
		{"vector", "", []string{"shape [30]", "2-D"}, nil},
		{"dtype", "", []string{"dtype \"|b1\" (boolean) is not supported"}, nil},
		{"symlink", "", []string{"not a regular file"}, nil},
		{"trace-nan", "", []string{"trace.json"}, nil},
		{"trace-convention", "", []string{"trace.json", "3 objective values but 2 timestamps"}, nil},
		{"trace-iterations", "", []string{"trace.json", "for 5 iterations"}, nil},
		{"trace-key", "", []string{"trace.json", "unknown field \"objectives\""}, nil},
		{"trace-json", "", []string{"trace.json", "unexpected EOF"}, nil},
		{"factor-name", "", []string{"U.txt", "NAME.npy"}, nil},
		{"factor-nan", "", []string{"factor U.npy has entry (0, 1) = NaN"}, nil},
	} {
		t.Run(c.mode, func(t *testing.T) {
			_, err := build(t, c.mode, c.extra).Fit(context.Background(), problem(d, 1))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error()+"\n", w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, w := range c.not {
				if strings.Contains(err.Error()+"\n", w) {
					t.Errorf("error has %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestMissingProgram(t *testing.T) {
	d := data(t)
	dir := t.TempDir()
	plain := filepath.Join(dir, "not-executable.sh")
	os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644)
	for cmd, want := range map[string]string{
		"[no-such-interpreter-nmfbench, script.py]": `command[0] "no-such-interpreter-nmfbench" was not found on PATH`,
		"[./no/such/program]":                       `command[0] "./no/such/program": stat ./no/such/program: no such file or directory`,
		"[" + strconv.Quote(dir) + "]":              "is a directory",
		"[" + strconv.Quote(plain) + "]":            "permission denied",
	} {
		c, err := methods.Default.BuildYAML("External", "{command: "+cmd+"}")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Fit(context.Background(), problem(d, 1))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v; want %q", cmd, err, want)
		}
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// pids waits for the helper's pid file: the child's pid and the program's.
func pids(t *testing.T, path string) (child, parent int) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if b, err := os.ReadFile(path); err == nil {
			f := strings.Fields(string(b))
			child, _ = strconv.Atoi(f[0])
			parent, _ = strconv.Atoi(f[1])
			return child, parent
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the program did not start its child")
	return 0, 0
}

func gone(t *testing.T, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		ok := false
		for i := 0; i < 200; i++ {
			if !alive(pid) {
				ok = true
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if !ok {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("process %d survived", pid)
		}
	}
}

// TestTimeoutKillsGroup: a hung program is killed at its timeout with its
// children; one that ignores SIGTERM gets SIGKILL after the grace period.
// The 2 s timeout leaves a loaded machine time to start the program (a
// race-instrumented test binary) and its child before the timeout.
func TestTimeoutKillsGroup(t *testing.T) {
	d := data(t)
	for _, c := range []struct {
		mode      string
		grace     float64
		minElapse time.Duration
	}{
		{"hang", 5, 2 * time.Second},
		{"hang-ignore-term", 1, 3 * time.Second},
	} {
		t.Run(c.mode, func(t *testing.T) {
			pidfile := filepath.Join(t.TempDir(), "pids")
			cfg := build(t, c.mode, fmt.Sprintf(", env: [NMFBENCH_TEST_HELPER=%s, CHILD_PIDFILE=%s, IGNORE_TERM=%d], timeout: 2, grace: %g", c.mode, pidfile, map[bool]int{true: 1}[c.mode == "hang-ignore-term"], c.grace))
			start := time.Now()
			_, err := cfg.Fit(context.Background(), problem(d, 1))
			elapsed := time.Since(start)
			if err == nil || !strings.Contains(err.Error(), "timed out after 2s") || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v; want a timeout", err)
			}
			if elapsed < c.minElapse || elapsed > 60*time.Second {
				t.Errorf("stopped after %v; want at least %v (timeout, plus the grace period when SIGTERM is ignored)", elapsed, c.minElapse)
			}
			child, parent := pids(t, pidfile)
			gone(t, child, parent)
		})
	}
}

// TestCancelKillsGroup: cancelling the context (runexp interrupted, the
// run's deadline) stops the program and its children with the context's
// error.
func TestCancelKillsGroup(t *testing.T) {
	d := data(t)
	pidfile := filepath.Join(t.TempDir(), "pids")
	cfg := build(t, "hang", fmt.Sprintf(", env: [NMFBENCH_TEST_HELPER=hang, CHILD_PIDFILE=%s], grace: 2", pidfile))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { _, err := cfg.Fit(ctx, problem(d, 1)); errc <- err }()
	child, parent := pids(t, pidfile)
	if !alive(child) || !alive(parent) {
		t.Fatal("program not running")
	}
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "SIGTERM") {
			t.Errorf("error %v; want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Fit did not return after cancellation")
	}
	gone(t, child, parent)
	// Already cancelled: nothing is started.
	if _, err := cfg.Fit(ctx, problem(d, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before the start: %v", err)
	}
}

func TestKeepDir(t *testing.T) {
	d := data(t)
	t.Setenv(KeepEnv, "1")
	_, err := build(t, "silent-fail", "").Fit(context.Background(), problem(d, 1))
	if err == nil || !strings.Contains(err.Error(), "run directory kept: ") {
		t.Fatalf("error %v", err)
	}
	dir := err.Error()[strings.Index(err.Error(), "kept: ")+6 : len(err.Error())-1]
	defer os.RemoveAll(dir)
	for _, f := range []string{"run/X.npy", "run/run.json", "stderr.txt", "harness.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("kept directory lacks %s: %v", f, err)
		}
	}
}

func TestValidate(t *testing.T) {
	for params, want := range map[string]string{
		"{}":                                     "command: External needs the program",
		"{command: []}":                          "command: External needs the program",
		"{command: [python3 script.py]}":         "is one string",
		"{command: [python3, '']}":               "command[1]",
		"{command: [x], rank: -1}":               "rank",
		"{command: [x], max_iter: 0}":            "max_iter",
		"{command: [x], tol: .nan}":              "tol",
		"{command: [x], timeout: -1}":            "timeout",
		"{command: [x], grace: .inf}":            "grace",
		"{command: [x], env: ['1X=2']}":          "env[0]",
		"{command: [x], env: [OMP_NUM_THREADS]}": "set by the harness",
		"{command: [x], args: {rank: 3}}":        "args: \"rank\" is a parameter of External",
		"{command: [x], files: ['']}":            "files[0]",
		"{command: x}":                           "command",
		"{command: [x], no_such: 1}":             "no_such",
	} {
		_, err := methods.Default.BuildYAML("External", params)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v; want %q", params, err, want)
		}
	}
}

// TestIdentity: the configuration identity covers the script files named in
// the command and in files; editing one changes it, and a file edited
// between planning and running fails the run.
func TestIdentity(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "m.py")
	mod := filepath.Join(dir, "helper.py")
	os.WriteFile(script, []byte("print(1)\n"), 0o644)
	os.WriteFile(mod, []byte("x = 1\n"), 0o644)
	spec := fmt.Sprintf("{command: [python3, %q, --flag], files: [%q, %q]}", script, mod, filepath.Join(dir, "absent.py"))
	a, err := methods.Default.BuildYAML("External", spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{script + " sha256:", mod + " sha256:", "absent.py absent"} {
		if !strings.Contains(a.Identity, want) {
			t.Errorf("identity %q lacks %q", a.Identity, want)
		}
	}
	if strings.Contains(a.Identity, "python3 ") || strings.Contains(a.Identity, "--flag") {
		t.Errorf("identity %q hashes a non-file argument", a.Identity)
	}
	same, _ := methods.Default.BuildYAML("External", spec)
	if same.Identity != a.Identity {
		t.Error("identity is not deterministic")
	}
	os.WriteFile(script, []byte("print(2)\n"), 0o644)
	edited, _ := methods.Default.BuildYAML("External", spec)
	if edited.Identity == a.Identity {
		t.Error("editing the script left the identity unchanged")
	}
	os.WriteFile(mod, []byte("x = 2\n"), 0o644)
	if mod2, _ := methods.Default.BuildYAML("External", spec); mod2.Identity == edited.Identity {
		t.Error("editing a listed file left the identity unchanged")
	}
	// A run planned before an edit fails instead of running the new script
	// under the old hash.
	os.WriteFile(script, []byte("print(3)\n"), 0o644)
	_, err = a.Fit(context.Background(), problem(data(t), 1))
	if err == nil || !strings.Contains(err.Error(), "changed while the run was prepared") {
		t.Errorf("stale plan: error %v", err)
	}
	// No files: no identity (the configuration hash is that of the params).
	if c, _ := methods.Default.BuildYAML("External", "{command: [/bin/true]}"); c.Identity != "" {
		t.Errorf("identity %q for a command naming no file", c.Identity)
	}
}
