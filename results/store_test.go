package results

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"math"
	"os"
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

// TestMigrateVersion1 opens a database written by the version-1 schema (the
// wide score columns; results/testdata/v1.db was made by runexp at commit
// 6d5bdf1) and checks that every score, label, trace and factor is carried
// over, and that sweep points get their parameter and value as data.
func TestMigrateVersion1(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile("testdata/v1.db")
	if err != nil {
		t.Fatal(err)
	}
	// Read the old values directly, before migrating a copy.
	path := filepath.Join(t.TempDir(), "v1.db")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]float64{}
	rows, err := raw.Query(`SELECT config_hash, acc, purity, mi_bits, mi_nats, nmi_arithmetic, nmi_geometric, nmi_max, nmi_min, ami_arithmetic, ami_max FROM runs`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var h string
		v := make([]float64, len(legacyMetrics))
		dest := []any{&h}
		for i := range v {
			dest = append(dest, &v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		want[h] = map[string]float64{}
		for i, m := range legacyMetrics {
			want[h][m] = v[i]
		}
	}
	rows.Close()
	var traces, factors int
	raw.QueryRow(`SELECT count(*) FROM traces`).Scan(&traces)
	raw.QueryRow(`SELECT count(*) FROM factors`).Scan(&factors)
	raw.Close()
	if len(want) == 0 {
		t.Fatal("fixture has no runs")
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != len(want) {
		t.Fatalf("%d runs after migration, %d before", len(runs), len(want))
	}
	sweeps := 0
	for _, r := range runs {
		if !reflect.DeepEqual(r.Metrics, want[r.ConfigHash]) {
			t.Fatalf("run %s: scores %v, before migration %v", r.ConfigHash, r.Metrics, want[r.ConfigHash])
		}
		if r.SweepParam != "" {
			sweeps++
			if r.SweepParam != "lambda" || (r.SweepValue != "1" && r.SweepValue != "10") {
				t.Errorf("sweep label %q read as %s=%s", r.Label, r.SweepParam, r.SweepValue)
			}
		}
	}
	if sweeps != 4 {
		t.Errorf("%d sweep runs recognised, want 4", sweeps)
	}
	var tr, fa int
	s.db.QueryRow(`SELECT count(*) FROM traces`).Scan(&tr)
	s.db.QueryRow(`SELECT count(*) FROM factors`).Scan(&fa)
	if tr != traces || fa != factors {
		t.Errorf("traces %d → %d, factors %d → %d", traces, tr, factors, fa)
	}
}

// TestScoresLongFormat: any metric name is stored and read back (a new
// score needs no schema change); NaN scores are left out, never stored.
func TestScoresLongFormat(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := sampleRun("h1", 0)
	r.Metrics = map[string]float64{"acc": 0.5, "brand_new_score": 0.75, "undefined": math.NaN()}
	if err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(ctx, Query{})
	if err != nil || len(runs) != 1 {
		t.Fatal(err)
	}
	if got := runs[0].Metrics; len(got) != 2 || got["brand_new_score"] != 0.75 || got["acc"] != 0.5 {
		t.Fatalf("scores read back: %v", got)
	}
}

// TestSetLabels: renaming moves a run to the new label; a run shared by two
// entries is listed under both.
func TestSetLabels(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Save(ctx, sampleRun("h1", 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLabels(ctx, []LabelEntry{{ConfigHash: "h1", Label: "Renamed"}}); err != nil {
		t.Fatal(err)
	}
	runs, _ := s.Runs(ctx, Query{})
	if len(runs) != 1 || runs[0].Label != "Renamed" {
		t.Fatalf("after rename: %+v", runs)
	}
	if err := s.SetLabels(ctx, []LabelEntry{{ConfigHash: "h1", Label: "A"}, {ConfigHash: "h1", Label: "B[x=1]", SweepParam: "x", SweepValue: "1"}}); err != nil {
		t.Fatal(err)
	}
	runs, _ = s.Runs(ctx, Query{})
	if len(runs) != 2 || runs[0].Label != "A" || runs[1].Label != "B[x=1]" || runs[1].SweepValue != "1" || runs[0].ID != runs[1].ID {
		t.Fatalf("shared run: %+v", runs)
	}
	if byLabel, _ := s.Runs(ctx, Query{Label: "B[x=1]"}); len(byLabel) != 1 {
		t.Fatalf("query by label: %d runs", len(byLabel))
	}
}

// TestOpenReadOnly: reading never writes. An empty file or another
// program's database is refused as "not an nmfbench results database" and
// left byte for byte as it was; a results database in a read-only directory
// is readable; file names with URI-reserved characters name that file.
func TestOpenReadOnly(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o644)
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite3", "file:"+other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE mine (x INTEGER); INSERT INTO mine VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, p := range []string{empty, other} {
		before, _ := os.ReadFile(p)
		_, err := OpenReadOnly(p)
		if !errors.Is(err, ErrNotResults) {
			t.Errorf("%s: error %v, want ErrNotResults", p, err)
		}
		after, _ := os.ReadFile(p)
		if !bytes.Equal(before, after) {
			t.Errorf("%s was modified by a read", p)
		}
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(p + suffix); err == nil {
				t.Errorf("%s%s created by a read", p, suffix)
			}
		}
	}
	if _, err := OpenReadOnly(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("a missing database opened")
	}
	// URI-reserved characters.
	for _, name := range []string{"a#b.db", "p%41q.db", "res?_journal_mode=DELETE&x=.db"} {
		p := filepath.Join(dir, name)
		s, err := Open(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := s.Save(ctx, sampleRun("h"+name, 0)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: the database is not at its path: %v", name, err)
		}
		r, err := OpenReadOnly(p)
		if err != nil {
			t.Fatalf("%s read-only: %v", name, err)
		}
		runs, err := r.Runs(ctx, Query{})
		if err != nil || len(runs) != 1 {
			t.Errorf("%s: %d runs, %v", name, len(runs), err)
		}
		r.Close()
	}
	for _, stray := range []string{"a", "pAq.db", "res"} {
		if _, err := os.Stat(filepath.Join(dir, stray)); err == nil {
			t.Errorf("stray file %s written", stray)
		}
	}
	// A read-only directory.
	rodir := filepath.Join(dir, "ro")
	os.Mkdir(rodir, 0o755)
	p := filepath.Join(rodir, "r.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	s.Save(ctx, sampleRun("h1", 0))
	s.Close()
	os.Chmod(p, 0o444)
	os.Chmod(rodir, 0o555)
	defer os.Chmod(rodir, 0o755)
	r, err := OpenReadOnly(p)
	if err != nil {
		t.Fatalf("read-only directory: %v", err)
	}
	if runs, err := r.Runs(ctx, Query{}); err != nil || len(runs) != 1 {
		t.Errorf("read-only directory: %d runs, %v", len(runs), err)
	}
	if err := r.Save(ctx, sampleRun("h2", 0)); err == nil {
		t.Error("a read-only store accepted a write")
	}
	r.Close()
}

func TestSaveMethodOrder(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if moved, err := s.SaveMethodOrder(ctx, []string{"A", "B", "C"}); err != nil || len(moved) != 0 {
		t.Fatalf("first order: %v %v", moved, err)
	}
	// Another spec with its own rows keeps A, B, C's order.
	if moved, err := s.SaveMethodOrder(ctx, []string{"X", "C"}); err != nil || len(moved) != 0 {
		t.Fatalf("second spec: %v %v", moved, err)
	}
	order, _ := s.MethodOrder(ctx)
	if !(order["X"] < order["C"] && order["A"] < order["B"]) {
		t.Fatalf("order %v", order)
	}
	// A spec that swaps stored rows says so.
	moved, err := s.SaveMethodOrder(ctx, []string{"B", "A"})
	if err != nil || len(moved) != 1 || moved[0] != "A" {
		t.Fatalf("swap: moved %v, %v", moved, err)
	}
}
