package results

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func sampleRun(hash string, rep int) *Run {
	return &Run{
		ConfigHash: hash, SpecName: "t", SpecHash: "h", Dataset: "D", Method: "NMF", Label: "NMF",
		Params: `{"rank":0}`, Preprocess: "scale01", Rep: rep, Seed: 1<<63 + 5, Status: StatusOK,
		Metrics: map[string]float64{"acc": 0.5, "nmi_geometric": 0.25},
		Labels:  []int{0, 2, 1, -1}, Iterations: 3, Converged: true, Objective: 1.5, FitSeconds: 0.1,
		Trace: []float64{3, 2, 1.5}, TraceSecs: []float64{0, 0.05, 0.1},
		Factors:    []Factor{{Name: "U", Rows: 2, Cols: 1, Data: []float64{1, 2}}},
		Provenance: Provenance{GitRevision: "abc", GoVersion: "go1.26", BLAS: "b", Host: "h", Started: time.Unix(10, 0), Finished: time.Unix(11, 0)},
	}
}

func TestStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	r := sampleRun("h1", 0)
	if err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// Reopening must not re-run migrations destructively.
	s, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(ctx, Query{})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %d, err %v", len(runs), err)
	}
	got := runs[0]
	if got.Seed != r.Seed || !reflect.DeepEqual(got.Labels, r.Labels) || got.Metrics["acc"] != 0.5 ||
		got.Metrics["nmi_geometric"] != 0.25 || len(got.Metrics) != 2 || got.Objective != 1.5 || !got.Converged ||
		got.Provenance.GitRevision != "abc" || !got.Provenance.Started.Equal(r.Provenance.Started) {
		t.Fatalf("round trip mismatch: %+v", got)
	}
	obj, secs, err := s.Trace(ctx, got.ID)
	if err != nil || !reflect.DeepEqual(obj, r.Trace) || !reflect.DeepEqual(secs, r.TraceSecs) {
		t.Fatalf("trace %v %v %v", obj, secs, err)
	}
	fs, err := s.Factors(ctx, got.ID)
	if err != nil || len(fs) != 1 || !reflect.DeepEqual(fs[0], r.Factors[0]) {
		t.Fatalf("factors %v %v", fs, err)
	}
}

func TestStoreReplaceAndCompleted(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	failed := sampleRun("h1", 0)
	failed.Status, failed.Error, failed.Objective = StatusFailed, "boom", math.NaN()
	if err := s.Save(ctx, failed); err != nil {
		t.Fatal(err)
	}
	done, _ := s.Completed(ctx)
	if done["h1"] {
		t.Fatal("failed run counted as completed")
	}
	if err := s.Save(ctx, sampleRun("h1", 0)); err != nil { // retry succeeds: replaces
		t.Fatal(err)
	}
	if err := s.Save(ctx, sampleRun("h2", 1)); err != nil {
		t.Fatal(err)
	}
	runs, _ := s.Runs(ctx, Query{})
	if len(runs) != 2 {
		t.Fatalf("%d runs after replace, want 2", len(runs))
	}
	done, _ = s.Completed(ctx)
	if !done["h1"] || !done["h2"] {
		t.Fatalf("completed = %v", done)
	}
	bad := sampleRun("h3", 0)
	bad.Status = "weird"
	if err := s.Save(ctx, bad); err == nil {
		t.Fatal("invalid status accepted")
	}
	bad = sampleRun("h4", 0)
	bad.Factors[0].Rows = 3
	if err := s.Save(ctx, bad); err == nil {
		t.Fatal("malformed factor accepted")
	}
	if runs, _ := s.Runs(ctx, Query{}); len(runs) != 2 {
		t.Fatalf("a rejected save left a partial run: %d runs", len(runs))
	}
}
