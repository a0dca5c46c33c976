package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nmfbench/results"
)

// saveRuns writes ok runs of label on dataset "toy" with the given ACC
// values (rep i gets acc[i]) into the database db, config hashes
// prefix+label+rep.
func saveRuns(t *testing.T, db, prefix, label string, reps []int, acc []float64, status string) {
	t.Helper()
	s, err := results.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	fin := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, rep := range reps {
		r := results.Run{ConfigHash: fmt.Sprintf("%s-%s-%d", prefix, label, rep), Dataset: "toy", Method: label, Label: label,
			Params: `{"rank":0}`, Rep: rep, Status: status, Objective: math.NaN(), Metrics: map[string]float64{"acc": acc[i], "purity": acc[i]}}
		if status != results.StatusOK {
			r.Error, r.Metrics = "diverged", nil
		}
		r.Provenance.Finished = fin.Add(time.Duration(i) * time.Second)
		if prefix == "late" {
			r.Provenance.Finished = r.Provenance.Finished.Add(time.Hour)
		}
		if err := s.Save(ctx, &r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReportSeveralDatabases(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "shard0.db"), filepath.Join(dir, "shard1.db")
	// Two shards of one grid: A's runs in one, B's in the other.
	saveRuns(t, a, "g", "A", []int{0, 1, 2, 3, 4, 5}, []float64{0.70, 0.72, 0.71, 0.74, 0.69, 0.73}, results.StatusOK)
	saveRuns(t, b, "g", "B", []int{0, 1, 2, 3, 4, 5}, []float64{0.65, 0.66, 0.64, 0.66, 0.60, 0.62}, results.StatusOK)
	ctx := context.Background()
	for name, args := range map[string][]string{
		"two flags": {"--db", a, "--db", b},
		"glob":      {"--db", filepath.Join(dir, "shard*.db")},
	} {
		out := filepath.Join(dir, "rep-"+strings.ReplaceAll(name, " ", ""))
		var o, e bytes.Buffer
		code := run(ctx, append(append([]string{"report"}, args...), "--out", out, "--no-plots", "--columns", "ACC=acc", "--versus", "A"), &o, &e)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, e.String())
		}
		md, err := os.ReadFile(filepath.Join(out, "toy.md"))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"| A | 6 | **71.50 ± 1.87** |", "| B | 6 | 63.83 ± 2.40 † |", "| B | 6 | 0.031 † |"} {
			if !strings.Contains(string(md), want) {
				t.Errorf("%s: toy.md lacks %q:\n%s", name, want, md)
			}
		}
		prov, _ := os.ReadFile(filepath.Join(out, "provenance.md"))
		if !strings.Contains(string(prov), a) || !strings.Contains(string(prov), b) {
			t.Errorf("%s: provenance does not name both databases:\n%s", name, prov)
		}
		if strings.Contains(string(prov), "nmfbench-report-") {
			t.Errorf("%s: provenance names the temporary database:\n%s", name, prov)
		}
	}
	// The same database twice (or a glob matching a named one) is read once.
	var o, e bytes.Buffer
	if code := run(ctx, []string{"report", "--db", a, "--db", a, "--out", filepath.Join(dir, "once"), "--no-plots"}, &o, &e); code != 0 {
		t.Errorf("same database twice: exit %d: %s", code, e.String())
	}
}

func TestReportSeveralDatabasesConflict(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	saveRuns(t, a, "g", "A", []int{0, 1}, []float64{0.7, 0.8}, results.StatusOK)
	// The same configurations, failed in b.
	saveRuns(t, b, "g", "A", []int{0, 1}, []float64{0, 0}, results.StatusFailed)
	var o, e bytes.Buffer
	code := run(context.Background(), []string{"report", "--db", a, "--db", b, "--out", filepath.Join(dir, "r"), "--no-plots"}, &o, &e)
	if code != 2 || !strings.Contains(e.String(), "overlap") || !strings.Contains(e.String(), "ok in one database and failed in another") ||
		!strings.Contains(e.String(), "runexp merge -o OUT.db") {
		t.Errorf("conflict: exit %d, stderr %q; want 2 naming the overlap and runexp merge", code, e.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "r")); err == nil {
		t.Errorf("a report was written despite the conflict")
	}
	// Identical copies are no conflict.
	c := filepath.Join(dir, "c.db")
	saveRuns(t, c, "g", "A", []int{0, 1}, []float64{0.7, 0.8}, results.StatusOK)
	o.Reset()
	e.Reset()
	if code := run(context.Background(), []string{"report", "--db", a, "--db", c, "--out", filepath.Join(dir, "r2"), "--no-plots"}, &o, &e); code != 0 {
		t.Errorf("identical copies: exit %d: %s", code, e.String())
	}
}

func TestReportFlagErrors(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.db")
	saveRuns(t, a, "g", "A", []int{0, 1}, []float64{0.7, 0.8}, results.StatusOK)
	out := filepath.Join(dir, "r")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--db", filepath.Join(dir, "none*.db")}, "matches no file"},
		{[]string{"--db", a, "--db", filepath.Join(dir, "missing.db")}, "missing.db not found"},
		{[]string{"--db", a, "--latex", "wide"}, `--latex "wide": want one of full, ours, paper`},
		{[]string{"--db", a, "--convergence", "cubic"}, `--convergence "cubic"`},
		{[]string{"--db", a, "--figure-width", "3"}, `--figure-width "3"`},
		{[]string{"--db", a, "--versus", "Nope"}, `reference method "Nope" is not a method label`},
		{[]string{"--db", a, "--versus", "A", "--reference-method", "B"}, "disagree"},
		{[]string{"--db", a, "extra"}, "takes no arguments"},
	} {
		var o, e bytes.Buffer
		code := run(context.Background(), append(append([]string{"report"}, tc.args...), "--out", out, "--no-plots"), &o, &e)
		if code == 0 || !strings.Contains(e.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error containing %q", tc.args, code, e.String(), tc.want)
		}
	}
}
