package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"nmfbench/results"
)

const shardSpec = `name: shards
seeds: 3
datasets: [{name: synthetic}]
keep_factors: 2
methods:
  - method: Kmeans
  - method: NMF
    params: {max_iter: 30}
  - label: NMF (KL)
    method: NMF
    params: {loss: kl, max_iter: 20}
`

// computed is what a run computed (no timings, hosts or ids), by label and
// configuration hash, with its trace and factors.
type computed struct {
	Run     results.Run
	Trace   []float64
	Factors []results.Factor
}

func readComputed(t *testing.T, db string, keepProvenance bool) map[string]computed {
	t.Helper()
	ctx := context.Background()
	s, err := results.OpenReadOnly(db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	runs, err := s.Runs(ctx, results.Query{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]computed{}
	for _, r := range runs {
		obj, secs, err := s.Trace(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := s.Factors(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		r.ID = 0
		if math.IsNaN(r.Objective) {
			r.Objective = -1 // NaN ≠ NaN in DeepEqual
		}
		if !keepProvenance {
			r.FitSeconds, r.KmSeconds, r.Provenance = 0, 0, results.Provenance{}
		} else {
			obj = append(obj, secs...)
		}
		out[r.Label+"|"+r.ConfigHash] = computed{r, obj, fs}
	}
	return out
}

func runCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// TestShardRunMergeEqualsSingle: the two shards of a spec run into two
// databases and merged hold every run, score, label, trace and factor of a
// single-process run of the same spec, value by value; merging again gives
// the same database; status sees the merged database complete.
func TestShardRunMergeEqualsSingle(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "s.yaml")
	os.WriteFile(specPath, []byte(shardSpec), 0o644)
	single, s0, s1 := filepath.Join(dir, "single.db"), filepath.Join(dir, "s0.db"), filepath.Join(dir, "s1.db")
	if _, e, code := runCLI(t, "run", specPath, "--db", single, "-j", "2"); code != 0 {
		t.Fatalf("single run: %d %s", code, e)
	}
	// The dry runs of the shards list disjoint runs covering the plan.
	all, _, _ := runCLI(t, "run", specPath, "--dry-run")
	d0, e0, _ := runCLI(t, "run", specPath, "--dry-run", "--shard", "0/2")
	d1, _, _ := runCLI(t, "run", specPath, "--dry-run", "--shard", "1/2")
	// The dry-run tables' rows, header dropped, columns normalised (each
	// table aligns its own columns).
	lines := func(tables ...string) []string {
		var l []string
		for _, t := range tables {
			for _, row := range strings.Split(strings.TrimSpace(t), "\n")[1:] {
				l = append(l, strings.Join(strings.Fields(row), " "))
			}
		}
		sort.Strings(l)
		return l
	}
	union := lines(d0, d1)
	if !reflect.DeepEqual(union, lines(all)) || len(lines(d0)) == 0 || len(lines(d1)) == 0 || !strings.Contains(e0, "shard 0/2:") {
		t.Fatalf("dry-run shards:\n%s\n--\n%s\n-- all:\n%s\n%s", d0, d1, all, e0)
	}
	for i, db := range []string{s0, s1} {
		if _, e, code := runCLI(t, "run", specPath, "--db", db, "-j", "2", "--shard", fmt.Sprintf("%d/2", i)); code != 0 {
			t.Fatalf("shard %d: %d %s", i, code, e)
		}
	}
	// Before the merge each shard alone is incomplete; both together are complete.
	if _, _, code := runCLI(t, "status", specPath, "--db", s0); code != 1 {
		t.Errorf("status of one shard exited %d, want 1", code)
	}
	if o, e, code := runCLI(t, "status", specPath, "--db", s0, "--db", s1); code != 0 {
		t.Errorf("status of both shards exited %d: %s %s", code, o, e)
	}
	if _, _, code := runCLI(t, "status", specPath, "--db", s0, "--shard", "0/2"); code != 0 {
		t.Errorf("status of shard 0 in its own database exited %d, want 0", code)
	}
	merged := filepath.Join(dir, "merged.db")
	o, e, code := runCLI(t, "merge", "-o", merged, s0, s1)
	if code != 0 || !strings.Contains(o, "9 runs") {
		t.Fatalf("merge: %d %s %s", code, o, e)
	}
	want, got := readComputed(t, single, false), readComputed(t, merged, false)
	if len(want) != 9 {
		t.Fatalf("single run stored %d runs", len(want))
	}
	if !reflect.DeepEqual(want, got) {
		for k, w := range want {
			if !reflect.DeepEqual(w, got[k]) {
				t.Errorf("%s:\n single %+v\n merged %+v", k, w, got[k])
			}
		}
		t.Fatalf("merged shards differ from the single-process run (%d vs %d runs)", len(got), len(want))
	}
	nf := 0
	for _, c := range got {
		nf += len(c.Factors)
		if len(c.Trace) == 0 && c.Run.Method != "Kmeans" {
			t.Errorf("%s: no trace", c.Run.Label)
		}
	}
	if nf == 0 {
		t.Error("no factors stored: the test does not test them")
	}
	// Lossless: with timings and provenance, the merged runs are the shards' runs.
	full := readComputed(t, merged, true)
	shards := readComputed(t, s0, true)
	for k, v := range readComputed(t, s1, true) {
		shards[k] = v
	}
	if !reflect.DeepEqual(full, shards) {
		t.Error("merged runs (with provenance and timings) differ from the shards' runs")
	}
	// Idempotent: merging again gives the same runs, and refuses to overwrite without --force.
	if _, e, code := runCLI(t, "merge", "-o", merged, s0, s1); code != 1 || !strings.Contains(e, "--force") {
		t.Errorf("merge onto an existing output: %d %s", code, e)
	}
	if _, e, code := runCLI(t, "merge", "-o", merged, "--force", s1, s0); code != 0 {
		t.Fatalf("second merge: %s", e)
	}
	if again := readComputed(t, merged, true); !reflect.DeepEqual(again, full) {
		t.Error("merging twice differs")
	}
	if _, e, code := runCLI(t, "status", specPath, "--db", merged); code != 0 {
		t.Errorf("status of the merged database exited %d: %s", code, e)
	}
	// The merged database reports like the single one.
	for _, db := range []string{single, merged} {
		if _, e, code := runCLI(t, "report", "--db", db, "--out", db+".rep", "--no-plots"); code != 0 {
			t.Fatalf("report %s: %s", db, e)
		}
	}
	a, _ := os.ReadFile(filepath.Join(single+".rep", "synthetic.csv"))
	b, _ := os.ReadFile(filepath.Join(merged+".rep", "synthetic.csv"))
	if len(a) == 0 || !bytes.Equal(stripSeconds(a), stripSeconds(b)) {
		t.Errorf("reports differ:\n%s\n--\n%s", a, b)
	}
}

// stripSeconds drops the CSV columns that hold timings.
func stripSeconds(b []byte) []byte {
	lines := strings.Split(string(b), "\n")
	if len(lines) == 0 {
		return b
	}
	head := strings.Split(lines[0], ",")
	var out []string
	for _, l := range lines {
		f := strings.Split(l, ",")
		var keep []string
		for i, x := range f {
			if i < len(head) && (strings.Contains(head[i], "second") || strings.Contains(head[i], "s/run") || strings.Contains(head[i], "time")) {
				continue
			}
			keep = append(keep, x)
		}
		out = append(out, strings.Join(keep, ","))
	}
	return []byte(strings.Join(out, "\n"))
}

func TestMergeCLIErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o.db")
	if _, e, code := runCLI(t, "merge", filepath.Join(dir, "a.db")); code != 2 || !strings.Contains(e, "Usage: runexp merge") {
		t.Errorf("merge without -o: %d %s", code, e)
	}
	if _, e, code := runCLI(t, "merge", "-o", out, filepath.Join(dir, "missing.db")); code != 1 || !strings.Contains(e, "missing.db") {
		t.Errorf("missing input: %d %s", code, e)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("a failed merge left its output")
	}
}

func TestShardFlagErrors(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "s.yaml")
	os.WriteFile(specPath, []byte(shardSpec), 0o644)
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	t.Setenv("JOB_COMPLETION_INDEX", "")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--shard", "2/2"}, "[0, 1]"},
		{[]string{"--shard", "x"}, "want I/N"},
		{[]string{"--shard", "0/10001"}, "[1, 10000]"},
		{[]string{"--shard", "auto"}, "neither SLURM_ARRAY_TASK_ID"},
		{[]string{"--shard", "0/2", "--shard-count", "2"}, "--shard auto only"},
		{[]string{"--shard-count", "2"}, "needs --shard auto"},
	} {
		args := append([]string{"run", specPath, "--dry-run"}, c.args...)
		if _, e, code := runCLI(t, args...); code != 2 || !strings.Contains(e, c.want) {
			t.Errorf("%v: exit %d %q, want 2 and %q", c.args, code, e, c.want)
		}
	}
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	o, e, code := runCLI(t, "run", specPath, "--dry-run", "--shard", "auto", "--shard-count", "2")
	d1, _, _ := runCLI(t, "run", specPath, "--dry-run", "--shard", "1/2")
	if code != 0 || o != d1 || !strings.Contains(e, "shard 1/2") {
		t.Errorf("--shard auto with JOB_COMPLETION_INDEX=1: %d %s %s", code, o, e)
	}
}
