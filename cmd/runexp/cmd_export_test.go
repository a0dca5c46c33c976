package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportCommand: runexp export writes every table of a database that
// runexp run filled, in each format, and rejects bad flags with exit 2.
func TestExportCommand(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "s.yaml")
	os.WriteFile(specPath, []byte(`name: ex
seeds: 2
datasets: [{name: synthetic}]
methods:
  - method: Kmeans
  - method: NMF
    params: {max_iter: 5}
`), 0o644)
	db := filepath.Join(dir, "r.db")
	if _, e, code := runCLI(t, "run", specPath, "--db", db); code != 0 {
		t.Fatalf("run: %d %s", code, e)
	}
	for _, format := range []string{"csv", "jsonl", "parquet"} {
		out := filepath.Join(dir, "out-"+format)
		o, e, code := runCLI(t, "export", "--db", db, "--out", out, "--format", format)
		if code != 0 {
			t.Fatalf("export %s: %d %s", format, code, e)
		}
		for _, table := range []string{"runs", "scores", "run_labels", "labels", "traces", "factors", "factor_values", "specs", "reference_values", "method_order", "datasets"} {
			if !strings.Contains(o, table+"."+format) {
				t.Errorf("%s: output does not list %s:\n%s", format, table, o)
			}
			if _, err := os.Stat(filepath.Join(out, table+"."+format)); err != nil {
				t.Errorf("%s: %v", format, err)
			}
		}
		if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
			t.Error(err)
		}
	}
	// 4 runs (2 methods × 2 seeds) of 180 samples each.
	f, err := os.Open(filepath.Join(dir, "out-csv", "runs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != 5 || recs[0][0] != "run_id" {
		t.Fatalf("runs.csv: %d records, %v", len(recs), err)
	}
	if !strings.Contains(mustRead(t, filepath.Join(dir, "out-csv", "manifest.json")), `"rows": 720,`) {
		t.Error("manifest: labels should have 4 × 180 = 720 rows")
	}
	npys, _ := filepath.Glob(filepath.Join(dir, "out-csv", "factors", "*.npy"))
	if len(npys) == 0 {
		t.Error("no factor .npy files")
	}
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"export", "--db", db}, 2, "--out DIR is required"},
		{[]string{"export", "--db", db, "--out", dir, "--format", "xlsx"}, 2, "choose one of csv, jsonl, parquet"},
		{[]string{"export", "--db", filepath.Join(dir, "none.db"), "--out", dir}, 1, "not found"},
		{[]string{"export", db, "--out", dir}, 2, "unexpected argument"},
	}
	for _, c := range cases {
		if _, e, code := runCLI(t, c.args...); code != c.code || !strings.Contains(e, c.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, e, c.want)
		}
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
