package results

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// dump reads every table of a database as comparable values, run ids
// replaced by configuration hashes.
func dump(t *testing.T, path string) map[string][]string {
	t.Helper()
	s, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	queries := map[string]string{
		"runs":             `SELECT * FROM runs`, // id dropped below
		"scores":           `SELECT r.config_hash, s.name, s.value FROM scores s JOIN runs r ON r.id = s.run_id`,
		"traces":           `SELECT r.config_hash, hex(t.objective), hex(t.seconds) FROM traces t JOIN runs r ON r.id = t.run_id`,
		"factors":          `SELECT r.config_hash, f.name, f.rows, f.cols, hex(f.data) FROM factors f JOIN runs r ON r.id = f.run_id`,
		"run_labels":       `SELECT * FROM run_labels`,
		"specs":            `SELECT * FROM specs`,
		"reference_values": `SELECT * FROM reference_values`,
		"method_order":     `SELECT * FROM method_order`,
		"datasets":         `SELECT * FROM datasets`,
		"schema_version":   `SELECT * FROM schema_version`,
	}
	out := map[string][]string{}
	for name, q := range queries {
		rows, err := s.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			v := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, x := range v {
				if name == "runs" && cols[i] == "id" {
					continue
				}
				fmt.Fprintf(&b, "%s=%T:%v|", cols[i], x, x)
			}
			out[name] = append(out[name], b.String())
		}
		rows.Close()
		slicesSort(out[name])
	}
	return out
}

func slicesSort(v []string) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

func mkdb(t *testing.T, path string, runs ...*Run) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, r := range runs {
		if err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	s.SaveSpec(ctx, "spechash", "t", "t.yaml", "name: t")
	s.SaveMethodOrder(ctx, []string{"NMF", "GNMF"})
	s.SaveReferences(ctx, []Reference{{Dataset: "D", Method: "NMF", Metric: "ACC", Value: 0.5, Source: "paper"}})
	s.SaveDataset(ctx, DatasetInfo{Name: "D", Samples: 4, Features: 2, Classes: 2})
}

func at(r *Run, status string, finished int64) *Run {
	r.Status = status
	r.Provenance.Finished = time.Unix(finished, 0)
	if status == StatusFailed {
		r.Error = "boom"
	}
	return r
}

// TestMergeLosslessAndConflicts: every row of the winners is carried over
// (scores, trace, factors, labels, provenance), conflicts follow the rule
// (ok over failed, then the later finished_at) and are counted.
func TestMergeLosslessAndConflicts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	aOnly := sampleRun("a-only", 0)
	aOnly.Factors = append(aOnly.Factors, Factor{Name: "V", Rows: 1, Cols: 3, Data: []float64{4, 5, 6}})
	mkdb(t, a, aOnly, at(sampleRun("okfail", 1), StatusFailed, 20), at(sampleRun("later", 2), StatusOK, 30), sampleRun("same", 3))
	bOnly := sampleRun("b-only", 4)
	bOnly.Label, bOnly.SweepParam, bOnly.SweepValue = "GNMF[k=1]", "k", "1"
	laterB := at(sampleRun("later", 2), StatusOK, 40)
	laterB.Metrics["acc"] = 0.75
	mkdb(t, b, bOnly, at(sampleRun("okfail", 1), StatusOK, 10), laterB, sampleRun("same", 3))

	out := filepath.Join(dir, "m.db")
	st, err := Merge(ctx, out, []string{a, b}, MergeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Runs != 5 || st.OKOverFailed != 1 || st.Later != 1 || st.Duplicates != 1 {
		t.Fatalf("stats %+v", st)
	}
	m, err := OpenReadOnly(out)
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := m.Runs(ctx, Query{})
	byHash := map[string]Run{}
	for _, r := range runs {
		byHash[r.ConfigHash] = r
	}
	if r := byHash["okfail"]; r.Status != StatusOK {
		t.Errorf("okfail: %s, want the ok run", r.Status)
	}
	if r := byHash["later"]; r.Metrics["acc"] != 0.75 {
		t.Errorf("later: acc %v, want the later run's 0.75", r.Metrics["acc"])
	}
	if r := byHash["b-only"]; r.Label != "GNMF[k=1]" || r.SweepParam != "k" || r.SweepValue != "1" {
		t.Errorf("b-only labels %+v", r)
	}
	fs, _ := m.Factors(ctx, byHash["a-only"].ID)
	if len(fs) != 2 || !reflect.DeepEqual(fs[1].Data, []float64{4, 5, 6}) {
		t.Errorf("a-only factors %+v", fs)
	}
	obj, _, _ := m.Trace(ctx, byHash["a-only"].ID)
	if !reflect.DeepEqual(obj, aOnly.Trace) {
		t.Errorf("trace %v", obj)
	}
	m.Close()

	// Value by value: the merged rows are the winners' rows of the inputs.
	da, db, dm := dump(t, a), dump(t, b), dump(t, out)
	want := map[string]string{"a-only": "a", "okfail": "b", "later": "b", "same": "a", "b-only": "b"}
	for _, table := range []string{"runs", "scores", "traces", "factors", "run_labels"} {
		var exp []string
		for name, src := range map[string]map[string][]string{"a": da, "b": db} {
			for _, row := range src[table] {
				for h, from := range want {
					if from == name && strings.HasPrefix(row, "config_hash=string:"+h+"|") {
						exp = append(exp, row)
					}
				}
			}
		}
		slicesSort(exp)
		if len(exp) == 0 || !reflect.DeepEqual(exp, dm[table]) {
			t.Errorf("%s:\n got %q\nwant %q", table, dm[table], exp)
		}
	}
	for _, table := range []string{"specs", "reference_values", "method_order", "datasets", "schema_version"} {
		if !reflect.DeepEqual(dm[table], da[table]) || len(dm[table]) == 0 {
			t.Errorf("%s: %q, want %q", table, dm[table], da[table])
		}
	}

	// Idempotent: the same inputs again give the same database, and merging
	// the result with an input changes nothing either.
	out2 := filepath.Join(dir, "m2.db")
	if _, err := Merge(ctx, out2, []string{a, b}, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	if d2 := dump(t, out2); !reflect.DeepEqual(d2, dm) {
		t.Errorf("merging twice differs")
	}
	out3 := filepath.Join(dir, "m3.db")
	if _, err := Merge(ctx, out3, []string{out, b, a}, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	if d3 := dump(t, out3); !reflect.DeepEqual(d3, dm) {
		t.Errorf("merge(merge(a, b), b, a) differs from merge(a, b)")
	}
}

// TestMergeAtomic: a merge failing midway (after some runs were copied)
// leaves no output when there was none and the old output untouched when
// replacing one, and no temporary file behind.
func TestMergeAtomic(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	mkdb(t, a, sampleRun("h1", 0), sampleRun("h2", 1))
	mkdb(t, b, sampleRun("h3", 2), sampleRun("h4", 3))
	boom := errors.New("disk on fire")
	mergeHook = func(n int) error {
		if n == 3 {
			return boom
		}
		return nil
	}
	defer func() { mergeHook = nil }()
	out := filepath.Join(dir, "out.db")
	if _, err := Merge(ctx, out, []string{a, b}, MergeOptions{}); !errors.Is(err, boom) {
		t.Fatalf("merge: %v, want the injected failure", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("a failed merge left %s: %v", out, err)
	}
	old := []byte("previous content")
	os.WriteFile(out, old, 0o644)
	if _, err := Merge(ctx, out, []string{a, b}, MergeOptions{Force: true}); !errors.Is(err, boom) {
		t.Fatalf("merge: %v", err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, old) {
		t.Fatalf("a failed merge changed %s", out)
	}
	// An interrupted merge (context cancelled) leaves nothing either.
	mergeHook = nil
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Merge(cctx, out, []string{a, b}, MergeOptions{Force: true}); err == nil {
		t.Fatal("cancelled merge succeeded")
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, old) {
		t.Fatalf("a cancelled merge changed %s", out)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".merge-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	// With --force and no failure, out is replaced by a complete database.
	if _, err := Merge(ctx, out, []string{a, b}, MergeOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if d := dump(t, out); len(d["runs"]) != 4 || len(d["factors"]) != 4 {
		t.Fatalf("replaced output: %d runs, %d factors", len(d["runs"]), len(d["factors"]))
	}
}

func TestMergeRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := filepath.Join(dir, "a.db")
	mkdb(t, a, sampleRun("h1", 0))
	out := filepath.Join(dir, "out.db")
	os.WriteFile(out, []byte("x"), 0o644)
	if _, err := Merge(ctx, out, []string{a}, MergeOptions{}); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("existing output: %v", err)
	}
	if _, err := Merge(ctx, a, []string{a}, MergeOptions{Force: true}); err == nil || !strings.Contains(err.Error(), "also an input") {
		t.Errorf("output = input: %v", err)
	}
	// A newer schema version is refused, naming the file.
	newer := filepath.Join(dir, "newer.db")
	mkdb(t, newer, sampleRun("h2", 0))
	db, err := sql.Open("sqlite3", newer)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(`UPDATE schema_version SET version = 99`)
	db.Close()
	out2 := filepath.Join(dir, "out2.db")
	if _, err := Merge(ctx, out2, []string{a, newer}, MergeOptions{}); err == nil || !strings.Contains(err.Error(), "newer than this program") || !strings.Contains(err.Error(), "newer.db") {
		t.Errorf("newer input: %v", err)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Errorf("refused merge created %s", out2)
	}
	// An older one: told to open it once for writing.
	db, _ = sql.Open("sqlite3", newer)
	db.Exec(`UPDATE schema_version SET version = 1`)
	db.Close()
	if _, err := Merge(ctx, out2, []string{newer}, MergeOptions{}); err == nil || !strings.Contains(err.Error(), "open it once for writing") {
		t.Errorf("older input: %v", err)
	}
	notdb := filepath.Join(dir, "junk.db")
	os.WriteFile(notdb, bytes.Repeat([]byte("junk"), 1000), 0o644)
	if _, err := Merge(ctx, out2, []string{a, notdb}, MergeOptions{}); err == nil {
		t.Error("a junk input was accepted")
	}
}
