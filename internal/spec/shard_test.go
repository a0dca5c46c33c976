package spec_test

import (
	"strings"
	"testing"

	"nmfbench/datasets"
	"nmfbench/internal/runner"
	"nmfbench/internal/spec"
	"nmfbench/methods"
	_ "nmfbench/methods/all"
)

// paperPlan expands experiments/paper.yaml with a fixed dataset identity.
func paperPlan(t *testing.T) *spec.Plan {
	t.Helper()
	s, _, err := spec.Load("../../experiments/paper.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Expand(methods.Default, func(d string) (string, error) { return "id-" + d, nil }, spec.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// modelCost is the cost runexp run --shard uses: the runner's cost model on
// the registered shape of the dataset.
func modelCost(r spec.Run) float64 {
	in, _ := datasets.Lookup(r.Dataset)
	return runner.ModelSeconds(r.Method.Name, r.Method.Params, runner.Shape{Samples: in.Samples, Features: in.Features, Classes: in.Classes})
}

// TestShardPartition: for N = 1…17 the shards of paper.yaml are disjoint,
// cover the plan, keep plan order, and are the same when computed twice.
func TestShardPartition(t *testing.T) {
	p := paperPlan(t)
	if len(p.Runs) != 800 {
		t.Fatalf("paper.yaml expands to %d runs, want 800", len(p.Runs))
	}
	pos := map[string]int{}
	for k, r := range p.Runs {
		pos[r.ConfigHash] = k
	}
	for n := 1; n <= 17; n++ {
		seen := map[string]int{}
		for i := 0; i < n; i++ {
			sh, err := p.Shard(i, n, modelCost)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := p.Shard(i, n, modelCost)
			if len(again.Runs) != len(sh.Runs) {
				t.Fatalf("N=%d shard %d: not deterministic", n, i)
			}
			last := -1
			for k, r := range sh.Runs {
				if again.Runs[k].ConfigHash != r.ConfigHash {
					t.Fatalf("N=%d shard %d: not deterministic", n, i)
				}
				if prev, dup := seen[r.ConfigHash]; dup {
					t.Fatalf("N=%d: run %s in shards %d and %d", n, r.ConfigHash, prev, i)
				}
				seen[r.ConfigHash] = i
				if pos[r.ConfigHash] <= last {
					t.Fatalf("N=%d shard %d: plan order not kept", n, i)
				}
				last = pos[r.ConfigHash]
			}
			if len(sh.Labels) != len(p.Labels) || sh.Spec != p.Spec {
				t.Fatalf("N=%d shard %d: labels or spec not the plan's", n, i)
			}
		}
		if len(seen) != len(p.Runs) {
			t.Fatalf("N=%d: shards cover %d of %d runs", n, len(seen), len(p.Runs))
		}
	}
}

// TestShardBalance: for N ≤ 8 on paper.yaml no shard's expected cost exceeds
// 1.25 × total/N, and every shard gets some of the heavy methods.
func TestShardBalance(t *testing.T) {
	p := paperPlan(t)
	var total float64
	for _, r := range p.Runs {
		total += modelCost(r)
	}
	for n := 1; n <= 8; n++ {
		loads, err := p.ShardLoads(n, modelCost)
		if err != nil {
			t.Fatal(err)
		}
		var sum, worst float64
		for _, l := range loads {
			sum += l
			worst = max(worst, l)
		}
		if d := sum - total; d > 1e-6*total || d < -1e-6*total {
			t.Fatalf("N=%d: loads sum to %g, total %g", n, sum, total)
		}
		if worst > 1.25*total/float64(n) {
			t.Errorf("N=%d: largest shard %.0f s > 1.25 × ideal %.0f s", n, worst, total/float64(n))
		}
		for i := 0; i < n; i++ {
			sh, _ := p.Shard(i, n, modelCost)
			heavy := 0
			for _, r := range sh.Runs {
				if r.Method.Name == "SDNMF" || r.Method.Name == "GWNTF" {
					heavy++
				}
			}
			if heavy == 0 {
				t.Errorf("N=%d shard %d has none of the heavy runs", n, i)
			}
		}
	}
}

func TestShardErrors(t *testing.T) {
	p := paperPlan(t)
	for _, c := range [][2]int{{0, 0}, {-1, 2}, {2, 2}, {0, spec.MaxShards + 1}} {
		if _, err := p.Shard(c[0], c[1], modelCost); err == nil {
			t.Errorf("Shard(%d, %d) accepted", c[0], c[1])
		}
	}
	if _, err := p.Shard(0, 2, func(spec.Run) float64 { return -1 }); err == nil {
		t.Error("negative cost accepted")
	}
	// More shards than runs: the extra shards are empty, the union is the plan.
	small := &spec.Plan{Runs: p.Runs[:3]}
	total := 0
	for i := 0; i < 5; i++ {
		sh, err := small.Shard(i, 5, modelCost)
		if err != nil {
			t.Fatal(err)
		}
		total += len(sh.Runs)
	}
	if total != 3 {
		t.Errorf("5 shards of 3 runs hold %d runs", total)
	}
}

func TestParseShard(t *testing.T) {
	good := map[string][2]int{"0/1": {0, 1}, "3/4": {3, 4}, " 9999/10000 ": {9999, 10000}}
	for v, want := range good {
		i, n, err := spec.ParseShard(v)
		if err != nil || i != want[0] || n != want[1] {
			t.Errorf("ParseShard(%q) = %d, %d, %v", v, i, n, err)
		}
	}
	bad := map[string]string{"": "want I/N", "3": "want I/N", "a/4": "whole numbers", "1/x": "whole numbers",
		"4/4": "[0, 3]", "-1/4": "[0, 3]", "0/0": "[1, 10000]", "0/10001": "[1, 10000]", "1.5/4": "whole numbers"}
	for v, want := range bad {
		if _, _, err := spec.ParseShard(v); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseShard(%q): %v, want an error containing %q", v, err, want)
		}
	}
}

func TestShardFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	cases := []struct {
		env   func(string) string
		count int
		i, n  int
		err   string
	}{
		{env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4"), 0, 2, 4, ""},
		{env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "4"), 0, 3, 4, ""},
		{env("SLURM_ARRAY_TASK_ID", "1"), 3, 1, 3, ""},
		{env("SLURM_ARRAY_TASK_ID", "1"), 0, 0, 0, "SLURM_ARRAY_TASK_COUNT is not"},
		{env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "4"), 0, 0, 0, "not a whole number"},
		{env("SLURM_ARRAY_TASK_ID", "8", "SLURM_ARRAY_TASK_COUNT", "4"), 0, 0, 0, "[0, 3]"},
		{env("JOB_COMPLETION_INDEX", "5"), 8, 5, 8, ""},
		{env("JOB_COMPLETION_INDEX", "5"), 0, 0, 0, "--shard-count"},
		{env("JOB_COMPLETION_INDEX", "8"), 8, 0, 0, "[0, 7]"},
		{env(), 4, 0, 0, "neither SLURM_ARRAY_TASK_ID"},
	}
	for k, c := range cases {
		i, n, err := spec.ShardFromEnv(c.env, c.count)
		if c.err == "" && (err != nil || i != c.i || n != c.n) {
			t.Errorf("case %d: %d/%d, %v; want %d/%d", k, i, n, err, c.i, c.n)
		}
		if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
			t.Errorf("case %d: %v; want an error containing %q", k, err, c.err)
		}
	}
}
