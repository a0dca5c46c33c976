package external_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"nmfbench/datasets"
	"nmfbench/internal/runner"
	"nmfbench/internal/spec"
	"nmfbench/methods"
	_ "nmfbench/methods/all"
	"nmfbench/methods/external"
	"nmfbench/reports"
	"nmfbench/results"
)

// source serves the generated datasets, as runexp's data source does.
type source struct{}

func (source) Load(ctx context.Context, name string) (*datasets.Dataset, error) {
	return datasets.Load(ctx, "", name)
}
func (source) Preprocess(d *datasets.Dataset, steps []string) (*datasets.Dataset, error) {
	return datasets.Preprocess(d, steps)
}
func (source) Identity(name string) (string, error) {
	in, err := datasets.Lookup(name)
	if err != nil {
		return "", err
	}
	return in.SHA256, nil
}

func plan(t *testing.T, body string) (*spec.Spec, *spec.Plan) {
	t.Helper()
	s, err := spec.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Expand(methods.Default, source{}.Identity, spec.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// TestThroughRunner runs the NumPy example and a failing program the way
// runexp run does — plan, runner, SQLite store, report — beside the built-in
// NMF on the synthetic dataset; then checks that the stored runs are reused
// and that editing the script changes their configuration hashes.
func TestThroughRunner(t *testing.T) {
	py := external.Python()
	if py == "" {
		t.Skip("no python3 that imports numpy (install python3-numpy, or set NMFBENCH_PYTHON)")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "numpy_nmf.py")
	src, err := os.ReadFile("../../examples/external/numpy_nmf.py")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(script, src, 0o644)
	helper, _ := os.ReadFile("../../examples/external/nmfbench_external.py")
	os.WriteFile(filepath.Join(dir, "nmfbench_external.py"), helper, 0o644)
	body := fmt.Sprintf(`name: external_e2e
seed: 3
seeds: 2
preprocess: [scale01]
datasets:
  - name: synthetic
methods:
  - method: NMF
    params: {max_iter: 60, tol: 0}
  - label: NumPy NMF (external)
    method: External
    params: {command: [%q, %q], max_iter: 60, tol: 0}
  - label: Broken (external)
    method: External
    params: {command: [%q, -c, "import sys; sys.exit('my method broke: rank %%d' %% 0)"]}
`, py, script, py)
	s, p := plan(t, body)
	store, err := results.Open(filepath.Join(dir, "e2e.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	opt := runner.Options{Workers: 2, Store: store, Data: source{}, SpecName: s.Name, SpecHash: spec.Hash([]byte(body))}
	sum, err := runner.Execute(ctx, p, opt)
	if err != nil {
		t.Fatal(err)
	}
	if sum.OK != 4 || sum.Failed != 2 {
		t.Fatalf("summary %+v; want 4 ok (NMF and NumPy, 2 seeds each) and 2 failed", sum)
	}
	rep, err := reports.Build(ctx, store, reports.Options{ReferenceMethod: "NMF"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tables) != 1 {
		t.Fatalf("%d tables", len(rep.Tables))
	}
	rows := map[string]reports.Row{}
	for _, r := range rep.Tables[0].Rows {
		rows[r.Label] = r
	}
	if r := rows["NumPy NMF (external)"]; r.OK != 2 || r.Method != "External" || len(r.Cells) == 0 {
		t.Errorf("NumPy row %+v", r)
	}
	if r := rows["Broken (external)"]; r.Failed != 2 {
		t.Errorf("broken row: %d failed", r.Failed)
	}
	var msgs strings.Builder
	for _, e := range rep.Tables[0].Errors {
		msgs.WriteString(e + "\n")
	}
	if !strings.Contains(msgs.String(), "my method broke: rank 0") || !strings.Contains(msgs.String(), "exit status 1") {
		t.Errorf("stored errors lack the program's message:\n%s", msgs.String())
	}
	// Stored runs are reused; the failed ones are redone.
	sum, err = runner.Execute(ctx, p, opt)
	if err != nil || sum.Skipped != 4 || sum.Failed != 2 {
		t.Errorf("second execution: %+v, %v", sum, err)
	}
	// Editing the script changes the configuration hash of its runs only.
	os.WriteFile(script, append(src, []byte("\n# edited\n")...), 0o644)
	_, p2 := plan(t, body)
	for i := range p.Runs {
		a, b := p.Runs[i], p2.Runs[i]
		if a.Label != b.Label {
			t.Fatal("plans differ in order")
		}
		if (a.ConfigHash != b.ConfigHash) != (a.Label == "NumPy NMF (external)") {
			t.Errorf("%s rep %d: hash %s → %s after editing the NumPy script", a.Label, a.Rep, a.ConfigHash, b.ConfigHash)
		}
	}
}

// TestRunnerCancelKillsGroup: cancelling the runner's context — what
// runexp does on SIGINT — kills the program and the processes it started.
func TestRunnerCancelKillsGroup(t *testing.T) {
	dir := t.TempDir()
	pidfile := filepath.Join(dir, "pid")
	body := fmt.Sprintf(`name: external_cancel
seeds: 1
datasets:
  - name: synthetic
methods:
  - label: Hang
    method: External
    params: {command: [/bin/sh, -c, 'sleep 600 & echo $! > %s.tmp; mv %s.tmp %s; wait'], grace: 1}
`, pidfile, pidfile, pidfile)
	s, p := plan(t, body)
	store, err := results.Open(filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := runner.Execute(ctx, p, runner.Options{Store: store, Data: source{}, SpecName: s.Name, SpecHash: spec.Hash([]byte(body))})
		done <- err
	}()
	var pid int
	for i := 0; i < 2000 && pid == 0; i++ {
		if b, err := os.ReadFile(pidfile); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if pid == 0 {
		t.Fatal("the program did not start its child")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the runner did not return after cancellation")
	}
	for i := 0; i < 300; i++ {
		if !external.Alive(pid) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("the program's child %d survived the cancellation", pid)
}

// TestCOIL20ThroughRunner runs the NumPy example on real COIL20 data for 2
// seeds through the runner and the report, beside the built-in NMF with the
// same budget: the rows land in the report with scores of the same size
// (both are Lee–Seung NMF at rank 20 from their own random starts).
func TestCOIL20ThroughRunner(t *testing.T) {
	py := external.Python()
	if py == "" {
		t.Skip("no python3 that imports numpy (install python3-numpy, or set NMFBENCH_PYTHON)")
	}
	dir, _ := datasets.ResolveDir("")
	if _, err := datasets.Load(context.Background(), dir, "COIL20"); err != nil {
		t.Skipf("COIL20 not available (set NMFBENCH_DATA to the directory holding COIL20.mat): %v", err)
	}
	work := t.TempDir()
	for _, f := range []string{"numpy_nmf.py", "nmfbench_external.py"} {
		src, err := os.ReadFile("../../examples/external/" + f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(work, f), src, 0o644)
	}
	body := fmt.Sprintf(`name: external_coil20_e2e
seed: 20240104
seeds: 2
preprocess: [scale01]
datasets:
  - name: COIL20
methods:
  - method: NMF
    params: {max_iter: 50, tol: 0}
  - label: NumPy NMF (external)
    method: External
    params: {command: [%q, %q], max_iter: 50, tol: 0}
`, py, filepath.Join(work, "numpy_nmf.py"))
	s, p := plan(t, body)
	store, err := results.Open(filepath.Join(work, "coil.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	data := realSource{dir}
	sum, err := runner.Execute(ctx, p, runner.Options{Workers: 2, Store: store, Data: data, SpecName: s.Name, SpecHash: spec.Hash([]byte(body))})
	if err != nil || sum.OK != 4 {
		t.Fatalf("summary %+v, %v; want 4 ok", sum, err)
	}
	rep, err := reports.Build(ctx, store, reports.Options{ReferenceMethod: "NMF"})
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]reports.Row{}
	for _, r := range rep.Tables[0].Rows {
		rows[r.Label] = r
	}
	ext, nmf := rows["NumPy NMF (external)"], rows["NMF"]
	if ext.OK != 2 || nmf.OK != 2 || len(ext.Cells) == 0 || len(ext.Cells) != len(nmf.Cells) {
		t.Fatalf("rows: external %+v, built-in %+v", ext, nmf)
	}
	for i, c := range ext.Cells {
		// ACC, NMI, MI, Purity of NMF on COIL20 are 0.55–0.80: a broken
		// embedding (chance level is 0.05 ACC) is far outside 0.15.
		if d := c.Mean - nmf.Cells[i].Mean; d > 0.15 || d < -0.15 || c.Mean < 0.4 {
			t.Errorf("column %d: external %.2f, built-in %.2f", i, c.Mean, nmf.Cells[i].Mean)
		}
	}
}

// realSource serves the datasets of a data directory.
type realSource struct{ dir string }

func (r realSource) Load(ctx context.Context, name string) (*datasets.Dataset, error) {
	return datasets.Load(ctx, r.dir, name)
}
func (realSource) Preprocess(d *datasets.Dataset, steps []string) (*datasets.Dataset, error) {
	return datasets.Preprocess(d, steps)
}
func (realSource) Identity(name string) (string, error) { return source{}.Identity(name) }
