package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatusExitCodes: status exits 1 while runs are missing or failed, 0
// once every planned run is stored ok, and counts per (dataset, label).
func TestStatusExitCodes(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "s.yaml")
	os.WriteFile(specPath, []byte(`name: st
seeds: 2
datasets: [{name: synthetic}]
methods:
  - method: Kmeans
  - label: big
    method: NMF
    params: {rank: 5000, max_iter: 5}
`), 0o644)
	db := filepath.Join(dir, "r.db")
	if _, e, code := runCLI(t, "status", specPath, "--db", db); code != 1 || !strings.Contains(e, "not found") {
		t.Errorf("status without a database: %d %s", code, e)
	}
	// Only Kmeans: the big rows are missing.
	if _, e, code := runCLI(t, "run", specPath, "--db", db, "--methods", "Kmeans"); code != 0 {
		t.Fatalf("run: %s", e)
	}
	o, e, code := runCLI(t, "status", specPath, "--db", db)
	if code != 1 || !strings.Contains(e, "0 failed and 2 missing") || !strings.Contains(o, "4 runs planned: 2 done, 0 failed, 2 missing") {
		t.Errorf("status with missing runs: %d\n%s\n%s", code, o, e)
	}
	if !lineHas(o, "synthetic", "Kmeans", "2", "0", "0") || !lineHas(o, "synthetic", "big", "0", "0", "2") {
		t.Errorf("per-row counts:\n%s", o)
	}
	// A filter to what is done: complete.
	if o, e, code := runCLI(t, "status", specPath, "--db", db, "--methods", "Kmeans"); code != 0 {
		t.Errorf("status of the done rows: %d %s %s", code, o, e)
	}
	// The big rows fail (rank above the data's): failed counts as not done.
	runCLI(t, "run", specPath, "--db", db)
	o, e, code = runCLI(t, "status", specPath, "--db", db)
	if code != 1 || !strings.Contains(o, "2 done, 2 failed, 0 missing") || !lineHas(o, "synthetic", "big", "0", "2", "0") {
		t.Errorf("status with failed runs: %d\n%s\n%s", code, o, e)
	}
	// The status database is opened read-only: the file is unchanged.
	before, _ := os.Stat(db)
	runCLI(t, "status", specPath, "--db", db)
	if after, _ := os.Stat(db); !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Error("status changed the database")
	}
	if _, e, code := runCLI(t, "status"); code != 2 || !strings.Contains(e, "Usage: runexp status") {
		t.Errorf("status without a spec: %d %s", code, e)
	}
}

// lineHas reports whether some line of out holds exactly these fields.
func lineHas(out string, fields ...string) bool {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) == len(fields) && strings.Join(f, " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}
