package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"nmfbench/results"
)

// TestEndToEnd runs a spec on the synthetic dataset, re-runs it (resume:
// nothing to do), and builds the report from the database.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "s.yaml")
	os.WriteFile(specPath, []byte(`name: e2e
seeds: 2
datasets: [{name: synthetic}]
methods:
  - method: Kmeans
  - method: NMF
    params: {max_iter: 50}
`), 0o644)
	db := filepath.Join(dir, "r.db")
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"run", specPath, "--db", db, "-j", "2"}, &out, &errb); code != 0 {
		t.Fatalf("run exited %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"run", "--db", db, specPath}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "4 of 4 runs already stored") {
		t.Fatalf("second run exited %d: %s", code, errb.String())
	}
	rep := filepath.Join(dir, "rep")
	out.Reset()
	if code := run(ctx, []string{"report", "--db", db, "--out", rep}, &out, &errb); code != 0 {
		t.Fatalf("report exited %d: %s", code, errb.String())
	}
	md, err := os.ReadFile(filepath.Join(rep, "synthetic.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Kmeans | 2 |", "| NMF | 2 |", "±"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	for _, ext := range []string{".csv", ".tex"} {
		if _, err := os.Stat(filepath.Join(rep, "synthetic"+ext)); err != nil {
			t.Error(err)
		}
	}
}

func TestCLIErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"run"}, 2, "Usage: runexp run"},
		{[]string{"run", filepath.Join(dir, "missing.yaml")}, 2, "read spec"},
		{[]string{"report", "--db", filepath.Join(dir, "none.db")}, 2, "not found: run a spec first"},
		{[]string{"report", "--columns", "ACC=bogus"}, 2, `unknown score "bogus"`},
		{[]string{"methods", "--help"}, 0, "Usage: runexp methods"},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		code := run(ctx, tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
			t.Errorf("%v: exit %d output %q; want exit %d containing %q", tc.args, code, out.String()+errb.String(), tc.code, tc.want)
		}
	}
}

// TestMain lets the test binary act as runexp itself (for signal tests).
func TestMain(m *testing.M) {
	if os.Getenv("RUNEXP_TEST_AS_MAIN") == "1" {
		os.Args = append([]string{"runexp"}, strings.Split(os.Getenv("RUNEXP_TEST_ARGS"), "\x1f")...)
		main()
		return
	}
	os.Exit(m.Run())
}

// TestInterruptExitsWith130: SIGINT stops a run gracefully with exit code
// 130 (stored runs kept); a second signal exits at once, also with 130.
func TestInterruptExitsWith130(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "slow.yaml")
	os.WriteFile(specPath, []byte("name: slow\nseeds: 200\ndatasets: [{name: synthetic}]\nmethods:\n  - method: NMF\n    params: {max_iter: 20000, tol: 0}\n"), 0o644)
	for _, signals := range []int{1, 2} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "RUNEXP_TEST_AS_MAIN=1",
			"RUNEXP_TEST_ARGS="+strings.Join([]string{"run", specPath, "--db", filepath.Join(dir, fmt.Sprintf("r%d.db", signals)), "-j", "1"}, "\x1f"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond)
		for i := 0; i < signals; i++ {
			cmd.Process.Signal(os.Interrupt)
			time.Sleep(100 * time.Millisecond)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%d signal(s): runexp did not exit", signals)
		}
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("%d signal(s): exit code %d, want 130; stderr:\n%s", signals, code, stderr.String())
		}
	}
}

// TestWorkerCountBitIdentical: -j 1, -j 2 and -j 3 store bit-identical
// results — every score, label, objective trace and factor — for every run.
func TestWorkerCountBitIdentical(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "j.yaml")
	os.WriteFile(specPath, []byte(`name: j
seeds: 2
datasets: [{name: synthetic}]
methods:
  - method: Kmeans
  - method: NMF
    params: {max_iter: 40}
  - label: NMF (KL)
    method: NMF
    params: {loss: kl, max_iter: 40}
  - method: GNMF
    params: {max_iter: 30}
  - method: NCP
    params: {max_iter: 30}
  - method: SDNMF
    params: {max_iter: 5}
  - method: GWNTF
    params: {max_iter: 5}
`), 0o644)
	var ref map[string]storedRun
	for _, j := range []string{"1", "2", "3"} {
		db := filepath.Join(dir, "r"+j+".db")
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"run", specPath, "--db", db, "-j", j}, &out, &errb); code != 0 {
			t.Fatalf("-j %s exited %d: %s", j, code, errb.String())
		}
		got := storedRuns(t, db)
		if ref == nil {
			ref = got
			if len(ref) != 14 {
				t.Fatalf("%d runs stored, want 14", len(ref))
			}
			continue
		}
		for h, a := range ref {
			b, ok := got[h]
			if !ok || !reflect.DeepEqual(a, b) {
				t.Fatalf("-j %s: run %s differs from -j 1", j, h)
			}
		}
	}
}

// TestKillNineLosesNothing kills runexp with SIGKILL at several random
// moments of a plan, resumes each time, and checks that the final database
// holds every run exactly once, each complete (scores, labels, trace) and
// bit-identical to a clean uninterrupted run.
func TestKillNineLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts runexp several times")
	}
	dir := t.TempDir()
	specPath := filepath.Join(dir, "k.yaml")
	os.WriteFile(specPath, []byte(`name: kill
seeds: 6
datasets: [{name: synthetic}]
methods:
  - method: NMF
    params: {max_iter: 400, tol: 0}
  - label: NMF (KL)
    method: NMF
    params: {loss: kl, max_iter: 200, tol: 0}
  - method: GNMF
    params: {max_iter: 300, tol: 0}
`), 0o644)
	start := func(db string) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "RUNEXP_TEST_AS_MAIN=1",
			"RUNEXP_TEST_ARGS="+strings.Join([]string{"run", specPath, "--db", db, "-j", "2"}, "\x1f"))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	clean := filepath.Join(dir, "clean.db")
	if err := start(clean).Wait(); err != nil {
		t.Fatal(err)
	}
	killed := filepath.Join(dir, "killed.db")
	rng := rand.New(rand.NewPCG(1, 2))
	kills := 0
	for attempt := 0; attempt < 20; attempt++ {
		cmd := start(killed)
		time.Sleep(time.Duration(30+rng.IntN(300)) * time.Millisecond)
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			kills++
		}
		cmd.Wait()
	}
	if err := start(killed).Wait(); err != nil {
		t.Fatalf("final resume: %v", err)
	}
	want, got := storedRuns(t, clean), storedRuns(t, killed)
	if len(got) != len(want) || len(want) != 18 {
		t.Fatalf("%d runs after %d kills, %d in the clean run (want 18)", len(got), kills, len(want))
	}
	for h, a := range want {
		b, ok := got[h]
		if !ok || !reflect.DeepEqual(a, b) {
			t.Fatalf("run %s differs after %d kills", h, kills)
		}
	}
	t.Logf("%d kills, every run stored once and identical to the clean run", kills)
}

type storedRun struct {
	metrics map[string]float64
	labels  []int
	obj     []float64
	factors []results.Factor
}

// storedRuns reads every run of a database with its trace and factors.
func storedRuns(t *testing.T, db string) map[string]storedRun {
	t.Helper()
	s, err := results.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(context.Background(), results.Query{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storedRun{}
	for _, r := range runs {
		if r.Status != results.StatusOK || len(r.Metrics) == 0 || len(r.Labels) == 0 {
			t.Fatalf("run %s incomplete: status %s, %d scores, %d labels", r.ConfigHash, r.Status, len(r.Metrics), len(r.Labels))
		}
		obj, _, err := s.Trace(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := s.Factors(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[r.ConfigHash]; dup {
			t.Fatalf("run %s stored twice", r.ConfigHash)
		}
		out[r.ConfigHash] = storedRun{r.Metrics, r.Labels, obj, fs}
	}
	return out
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "g.yaml")
	os.WriteFile(good, []byte("name: g\ndatasets: [{name: synthetic}]\nmethods: [{method: Kmeans}]\n"), 0o644)
	bad := filepath.Join(dir, "b.yaml")
	os.WriteFile(bad, []byte("name: b\ndatasets: [{name: synthetic}]\nmethods: [{method: NMF, params: {rank: 2.5}}]\n"), 0o644)
	db := filepath.Join(dir, "r.db")
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"run", good, "--db", db}, 0},
		{[]string{"run", bad, "--db", db}, 2},
		{[]string{"run", good, "--db", db, "-j", "0"}, 2},
		{[]string{"run", good, "--db", db, "--seeds", "-1"}, 2},
		{[]string{"run", good, "--db", db, "--nope"}, 2},
		{[]string{"frobnicate"}, 2},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), tc.args, &out, &errb); code != tc.want {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.want, errb.String())
		}
	}
}

// TestRankBeyondData: a rank larger than min(samples, features) is a failed
// run with a message naming both, not an out-of-memory abort.
func TestRankBeyondData(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "r.yaml")
	os.WriteFile(specPath, []byte("name: r\ndatasets: [{name: synthetic}]\nmethods:\n  - method: NMF\n    params: {rank: 9000}\n"), 0o644)
	db := filepath.Join(dir, "r.db")
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"run", specPath, "--db", db}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1 (a failed run): %s", code, errb.String())
	}
	s, err := results.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(context.Background(), results.Query{})
	if err != nil || len(runs) != 1 || !strings.Contains(runs[0].Error, "rank 9000 exceeds min(samples, features)") {
		t.Fatalf("runs %+v, %v", runs, err)
	}
}
