package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"nmfbench/results"
)

// timingDB writes a small database: on "synthetic", NMF runs of 590 s fit +
// 10 s k-means, Kmeans runs of 300 s k-means, and a failed NMF run that
// must not count.
func timingDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.db")
	st, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	add := func(hash, method string, rep int, fit, km float64, status string) {
		r := &results.Run{ConfigHash: hash, SpecName: "s", SpecHash: "h", Dataset: "synthetic", Method: method, Label: method,
			Params: "{}", Rep: rep, Status: status, FitSeconds: fit, KmSeconds: km}
		if status == results.StatusFailed {
			r.Error = "boom"
		}
		if err := st.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	add("n0", "NMF", 0, 580, 10, results.StatusOK)
	add("n1", "NMF", 1, 600, 10, results.StatusOK)
	add("nf", "NMF", 2, 1, 0, results.StatusFailed)
	add("k0", "Kmeans", 0, 0, 300, results.StatusOK)
	return path
}

func TestTimingCommand(t *testing.T) {
	db := timingDB(t)
	ctx := context.Background()
	before, _ := os.ReadFile(db)
	var out, errb bytes.Buffer
	if err := cmdTiming(ctx, []string{"--db", db, "--seeds", "10", "-j", "2"}, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	s := out.String()
	// 5 × 600 + 5 × 300 per worker.
	for _, want := range []string{"fit+k-means s", "590.000", "10.000", "600.000", "300.000",
		"projected 10-seed wall time with -j 2: 1 h 15 min", "one seed of the grid: 900.0 s"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	t.Logf("runexp timing:\n%s", s)
	if !regexp.MustCompile(`synthetic +NMF +NMF +2 +590\.000`).MatchString(s) {
		t.Errorf("NMF should count 2 runs (the failed one excluded):\n%s", s)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("timing modified the database file")
	}
	out.Reset()
	if err := cmdTiming(ctx, []string{"--db", db, "--seeds", "10", "-j", "3"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "with -j 3: 0 h 50 min") {
		t.Errorf("3 workers:\n%s", out.String())
	}
	// Restricted to a spec: its unmeasured rows are listed and left out.
	specPath := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(specPath, []byte("name: t\ndatasets: [{name: synthetic}]\nmethods:\n  - method: NMF\n  - method: GNMF\n"), 0o644)
	out.Reset()
	if err := cmdTiming(ctx, []string{"--db", db, "--spec", specPath, "--seeds", "2", "-j", "1"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	s = out.String()
	if strings.Contains(s, "Kmeans") || !strings.Contains(s, "not measured, left out of the projection: synthetic GNMF") ||
		!strings.Contains(s, "projected 2-seed wall time with -j 1: 0 h 20 min") {
		t.Errorf("--spec output:\n%s", s)
	}
	// Errors.
	if err := cmdTiming(ctx, []string{"--db", filepath.Join(t.TempDir(), "none.db")}, &out, &errb); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing database: %v", err)
	}
	if err := cmdTiming(ctx, []string{"--db", db, "-j", "0"}, &out, &errb); err == nil {
		t.Error("-j 0 accepted")
	}
}
