package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"nmfbench/results"
)

// TestTwoProcessesOneDatabase starts two runexp processes on the same
// database with the same spec at the same time: they split the work, so
// that the runs each reports computing add up to the plan (no configuration
// is computed twice), and the database ends complete and bit-identical to
// a single process's.
func TestTwoProcessesOneDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two runexp processes")
	}
	dir := t.TempDir()
	specPath := filepath.Join(dir, "two.yaml")
	os.WriteFile(specPath, []byte(`name: two
seeds: 8
datasets: [{name: synthetic}]
methods:
  - method: NMF
    params: {max_iter: 150, tol: 0}
  - method: GNMF
    params: {max_iter: 100, tol: 0}
`), 0o644)
	shared := filepath.Join(dir, "shared.db")
	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "RUNEXP_TEST_AS_MAIN=1",
			"RUNEXP_TEST_ARGS="+strings.Join([]string{"run", specPath, "--db", shared, "-j", "1"}, "\x1f"))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	a, aErr := start()
	b, bErr := start()
	summary := regexp.MustCompile(`(\d+) planned: (\d+) already stored, (\d+) ok, (\d+) failed, \d+ abandoned, \d+ computed but not stored, (\d+) stored by other processes`)
	var computed, planned int
	for k, p := range []struct {
		cmd    *exec.Cmd
		stderr *bytes.Buffer
	}{{a, aErr}, {b, bErr}} {
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("process %d: %v\n%s", k, err, p.stderr.String())
			}
		case <-time.After(3 * time.Minute):
			a.Process.Kill()
			b.Process.Kill()
			t.Fatalf("process %d did not finish", k)
		}
		m := summary.FindStringSubmatch(p.stderr.String())
		if m == nil {
			t.Fatalf("process %d printed no summary:\n%s", k, p.stderr.String())
		}
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		planned = n(1)
		if n(2)+n(3)+n(4)+n(5) != planned {
			t.Errorf("process %d: %s: stored + ok + failed + by others ≠ planned", k, m[0])
		}
		computed += n(3) + n(4)
		t.Logf("process %d: %s", k, m[0])
	}
	if planned != 16 || computed != planned {
		t.Fatalf("the two processes computed %d runs for %d configurations; want each configuration computed once", computed, planned)
	}
	got := storedRuns(t, shared)
	if len(got) != planned {
		t.Fatalf("%d runs stored, want %d", len(got), planned)
	}
	single := filepath.Join(dir, "single.db")
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"run", specPath, "--db", single, "-j", "2"}, &out, &errb); code != 0 {
		t.Fatalf("single process: exit %d: %s", code, errb.String())
	}
	for h, want := range storedRuns(t, single) {
		if !reflect.DeepEqual(got[h], want) {
			t.Fatalf("run %s differs between the shared database and a single process", h)
		}
	}
}

// TestRunTimeoutFlag: the spec's timeout applies to every run, --timeout
// overrides it, and a run past it is stored as failed, "timed out after D"
// (exit 1, like any failed run; the next runexp run retries it).
func TestRunTimeoutFlag(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "slow.yaml")
	os.WriteFile(specPath, []byte(`name: slow
seeds: 1
timeout: 1h
datasets: [{name: synthetic}]
methods:
  - method: NMF
    params: {max_iter: 1000000, tol: 0}
`), 0o644)
	db := filepath.Join(dir, "t.db")
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"run", specPath, "--db", db, "-j", "1", "--timeout", "200ms"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1 (a failed run): %s", code, errb.String())
	}
	s, err := results.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(t.Context(), results.Query{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("%d runs stored (%v), want 1", len(runs), err)
	}
	if r := runs[0]; r.Status != results.StatusFailed || r.Error != "NMF on synthetic: timed out after 200ms" {
		t.Fatalf("stored run: %s %q; want failed, timed out after 200ms", r.Status, r.Error)
	}
	errb.Reset()
	if code := run(t.Context(), []string{"run", specPath, "--db", db, "--timeout", "-1s"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--timeout -1s") {
		t.Fatalf("negative --timeout: exit %d, %s", code, errb.String())
	}
}
