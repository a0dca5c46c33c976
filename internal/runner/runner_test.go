package runner

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/spec"
	"nmfbench/methods"
	"nmfbench/results"
)

// synthSource serves the generated "synthetic" dataset.
type synthSource struct{}

func (synthSource) Load(ctx context.Context, name string) (*datasets.Dataset, error) {
	return datasets.Load(ctx, "", name)
}
func (synthSource) Preprocess(d *datasets.Dataset, steps []string) (*datasets.Dataset, error) {
	return datasets.Preprocess(d, steps)
}
func (synthSource) Identity(name string) (string, error) {
	in, err := datasets.Lookup(name)
	return in.SHA256, err
}

type noParams struct {
	Mode string `yaml:"mode" doc:"behaviour"`
}

// testRegistry has one method whose behaviour is chosen by a parameter:
// "ok" returns a noisy random projection of the data, the others fail.
func testRegistry(calls *atomic.Int64, cancelAfter int64, cancel func()) *methods.Registry {
	r := &methods.Registry{}
	methods.RegisterIn(r, methods.Definition[noParams]{Name: "T", Summary: "test", Version: 1, Defaults: noParams{Mode: "ok"}, Fit: func(ctx context.Context, p *methods.Problem, prm noParams) (*methods.Result, error) {
		if n := calls.Add(1); cancel != nil && n == cancelAfter {
			cancel()
		}
		if err := methods.CheckContext(ctx, 0); err != nil {
			return nil, err
		}
		n, d := p.Data.X.Dims()
		switch prm.Mode {
		case "error":
			return nil, errors.New("deliberate failure")
		case "nan":
			e := mat.NewDense(n, 2, nil)
			e.Set(3, 1, math.NaN())
			return &methods.Result{Embedding: e}, nil
		case "panic":
			panic("deliberate panic")
		}
		proj := mat.NewDense(d, 4, nil)
		for i := range proj.RawMatrix().Data {
			proj.RawMatrix().Data[i] = p.RNG.Float64()
		}
		var e mat.Dense
		e.Mul(p.Data.X, proj)
		return &methods.Result{Embedding: &e, Objective: []float64{3, 2}, Seconds: []float64{0, 0.001}, Iterations: 1,
			Factors: map[string]*mat.Dense{"P": proj}}, nil
	}})
	return r
}

const testSpec = `name: runner-test
seed: 3
seeds: 4
datasets: [{name: synthetic}]
methods:
  - method: T
  - label: T2
    method: T
    params: {mode: ok2}
`

func plan(t *testing.T, body string, reg *methods.Registry) *spec.Plan {
	t.Helper()
	s, err := spec.Parse([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Expand(reg, synthSource{}.Identity, spec.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func openStore(t *testing.T) *results.Store {
	t.Helper()
	s, err := results.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func byHash(t *testing.T, s *results.Store) map[string]results.Run {
	t.Helper()
	runs, err := s.Runs(context.Background(), results.Query{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]results.Run{}
	for _, r := range runs {
		if _, dup := out[r.ConfigHash]; dup {
			t.Fatalf("duplicate run %s", r.ConfigHash)
		}
		out[r.ConfigHash] = r
	}
	return out
}

// TestWorkerCountInvariance: same spec and seeds ⇒ identical results with 1 or 3 workers.
func TestWorkerCountInvariance(t *testing.T) {
	var calls atomic.Int64
	p := plan(t, testSpec, testRegistry(&calls, 0, nil))
	got := map[int]map[string]results.Run{}
	for _, w := range []int{1, 3} {
		st := openStore(t)
		sum, err := Execute(context.Background(), p, Options{Workers: w, Store: st, Data: synthSource{}})
		if err != nil || sum.OK != len(p.Runs) {
			t.Fatalf("workers %d: %+v, %v", w, sum, err)
		}
		got[w] = byHash(t, st)
	}
	for h, a := range got[1] {
		b := got[3][h]
		if !reflect.DeepEqual(a.Metrics, b.Metrics) || !reflect.DeepEqual(a.Labels, b.Labels) || a.Seed != b.Seed {
			t.Fatalf("run %s differs between 1 and 3 workers", h)
		}
	}
}

// TestResume: a run cancelled midway, then run again, completes without duplicates.
func TestResume(t *testing.T) {
	st := openStore(t)
	var calls atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	p := plan(t, testSpec, testRegistry(&calls, 3, cancel))
	sum, err := Execute(ctx, p, Options{Workers: 1, Store: st, Data: synthSource{}})
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v", err)
	}
	if sum.OK != 2 || sum.Abandoned != 1 || sum.Failed != 0 {
		t.Fatalf("interrupted summary %+v, want 2 ok, 1 abandoned", sum)
	}
	if n := len(byHash(t, st)); n != 2 {
		t.Fatalf("%d runs stored after interruption, want 2", n)
	}
	sum, err = Execute(context.Background(), p, Options{Workers: 2, Store: st, Data: synthSource{}})
	if err != nil || sum.Skipped != 2 || sum.OK != len(p.Runs)-2 {
		t.Fatalf("resume: %+v, %v", sum, err)
	}
	stored := byHash(t, st)
	if len(stored) != len(p.Runs) {
		t.Fatalf("%d runs stored, want %d", len(stored), len(p.Runs))
	}
	for _, r := range stored {
		if r.Status != results.StatusOK || len(r.Labels) != 180 {
			t.Fatalf("bad stored run %+v", r)
		}
	}
}

// TestFailuresAreStored: method errors, NaN embeddings and panics become
// failed runs with their message, never rows with numbers.
func TestFailuresAreStored(t *testing.T) {
	var calls atomic.Int64
	reg := testRegistry(&calls, 0, nil)
	body := `name: fail
seeds: 1
datasets: [{name: synthetic}]
methods:
  - {label: E, method: T, params: {mode: error}}
  - {label: N, method: T, params: {mode: nan}}
  - {label: P, method: T, params: {mode: panic}}
`
	p := plan(t, body, reg)
	st := openStore(t)
	sum, err := Execute(context.Background(), p, Options{Workers: 2, Store: st, Data: synthSource{}})
	if err != nil || sum.Failed != 3 {
		t.Fatalf("%+v %v", sum, err)
	}
	want := map[string]string{"E": "deliberate failure", "N": "NaN", "P": "panicked"}
	for _, r := range byHash(t, st) {
		if r.Status != results.StatusFailed || !strings.Contains(r.Error, want[r.Label]) || len(r.Metrics) != 0 {
			t.Errorf("%s: status %s error %q metrics %v", r.Label, r.Status, r.Error, r.Metrics)
		}
	}
}

// TestTraceAndFactors: the trace gets timestamps and rep 0 keeps its factors.
func TestTraceAndFactors(t *testing.T) {
	var calls atomic.Int64
	p := plan(t, testSpec, testRegistry(&calls, 0, nil))
	st := openStore(t)
	if _, err := Execute(context.Background(), p, Options{Workers: 1, Store: st, Data: synthSource{}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, r := range byHash(t, st) {
		obj, secs, err := st.Trace(ctx, r.ID)
		if err != nil || len(obj) != 2 || len(secs) != 2 || secs[0] != 0 {
			t.Fatalf("trace %v %v %v", obj, secs, err)
		}
		fs, _ := st.Factors(ctx, r.ID)
		if (r.Rep == 0) != (len(fs) == 1) {
			t.Fatalf("rep %d has %d factors; only rep 0 keeps them", r.Rep, len(fs))
		}
	}
}

// TestRenameRerunsNothing: renaming a row keeps every configuration hash, so
// a second run computes nothing and the stored runs move to the new label;
// a second entry that resolves to the same configuration is computed once
// and reported under both labels.
func TestRenameRerunsNothing(t *testing.T) {
	st := openStore(t)
	var calls atomic.Int64
	reg := testRegistry(&calls, 0, nil)
	p := plan(t, testSpec, reg)
	if _, err := Execute(context.Background(), p, Options{Workers: 2, Store: st, Data: synthSource{}}); err != nil {
		t.Fatal(err)
	}
	first := calls.Load()
	renamed := strings.Replace(testSpec, "label: T2", "label: Renamed", 1) + "  - label: T again\n    method: T\n"
	p2 := plan(t, renamed, reg)
	sum, err := Execute(context.Background(), p2, Options{Workers: 2, Store: st, Data: synthSource{}})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != first || sum.Skipped != sum.Planned {
		t.Fatalf("renaming reran %d fits (%+v)", calls.Load()-first, sum)
	}
	runs, err := st.Runs(context.Background(), results.Query{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, r := range runs {
		count[r.Label]++
	}
	if count["Renamed"] != 4 || count["T2"] != 0 || count["T"] != 4 || count["T again"] != 4 {
		t.Fatalf("runs per label after the rename: %v", count)
	}
}

// TestFailedSaveStopsScheduling: when the store rejects a run (here a
// trigger standing in for a full disk), no new run is started, the error
// names the run and the database, and the summary counts the unsaved run.
func TestFailedSaveStopsScheduling(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.db")
	st, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TRIGGER full_disk BEFORE INSERT ON runs WHEN NEW.rep = 1 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	var calls atomic.Int64
	p := plan(t, testSpec, testRegistry(&calls, 0, nil))
	sum, err := Execute(context.Background(), p, Options{Workers: 1, Store: st, Data: synthSource{}, PlanOrder: true})
	if err == nil || !strings.Contains(err.Error(), "rep 1") || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "disk is full") {
		t.Fatalf("error %v: want one naming the run, the database and the cause", err)
	}
	if sum.Unsaved != 1 || calls.Load() != 2 || sum.OK != 1 {
		t.Fatalf("summary %+v after %d fits; want 1 ok, 1 unsaved, no run started after the failure", sum, calls.Load())
	}
}
