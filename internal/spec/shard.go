package spec

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Shards. A plan is split into N disjoint parts whose union is the plan, so
// that N machines (or the N tasks of a job array) can each run one part into
// a database of their own, to be merged afterwards (runexp merge).
//
// The partition is greedy longest-processing-time: the runs are sorted by
// expected cost (descending), ties by configuration hash, and each is given
// to the shard with the least expected cost so far (the lowest index on a
// tie). It depends only on the plan and the cost function — never on what a
// database holds — so every task computes the same partition on its own,
// provided all of them expand the same spec with the same filters (--datasets,
// --methods, --seeds) and the same binary (whose cost model decides the
// costs). Greedy LPT is within 4/3 of the best makespan, and the heavy methods
// are spread over all shards instead of landing in one.

// MaxShards is the largest shard count accepted.
const MaxShards = 10_000

// Shard returns part i (0 ≤ i < n) of the n-way partition of the plan. The
// runs keep plan order; the spec, labels (every row, so that all shards record
// the same method order) and notices are the plan's. cost gives a run's
// expected cost (any unit; negative or non-finite costs are an error). A
// shard may be empty when n exceeds the number of runs.
func (p *Plan) Shard(i, n int, cost func(Run) float64) (*Plan, error) {
	if n < 1 || n > MaxShards || i < 0 || i >= n {
		return nil, fmt.Errorf("shard %d/%d: need 0 ≤ I < N ≤ %d", i, n, MaxShards)
	}
	assign, _, err := p.shardAssignment(n, cost)
	if err != nil {
		return nil, err
	}
	out := &Plan{Spec: p.Spec, Labels: p.Labels, Notices: p.Notices}
	for k, r := range p.Runs {
		if assign[k] == i {
			out.Runs = append(out.Runs, r)
		}
	}
	return out, nil
}

// ShardLoads returns the expected cost of each of the n shards (the sum of
// its runs' costs), in shard order.
func (p *Plan) ShardLoads(n int, cost func(Run) float64) ([]float64, error) {
	if n < 1 || n > MaxShards {
		return nil, fmt.Errorf("shard count %d: need 1 ≤ N ≤ %d", n, MaxShards)
	}
	_, loads, err := p.shardAssignment(n, cost)
	return loads, err
}

// shardAssignment returns the shard of every run (by plan index) and the
// load of every shard.
func (p *Plan) shardAssignment(n int, cost func(Run) float64) ([]int, []float64, error) {
	costs := make([]float64, len(p.Runs))
	for k, r := range p.Runs {
		c := cost(r)
		if math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
			return nil, nil, fmt.Errorf("shard: expected cost %v of %s/%s rep %d is not a finite non-negative number", c, r.Dataset, r.Label, r.Rep)
		}
		costs[k] = c
	}
	order := make([]int, len(p.Runs))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := cmp.Compare(costs[b], costs[a]); c != 0 {
			return c
		}
		if c := strings.Compare(p.Runs[a].ConfigHash, p.Runs[b].ConfigHash); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	loads := make([]float64, n)
	assign := make([]int, len(p.Runs))
	for _, k := range order {
		best := 0
		for s := 1; s < n; s++ {
			if loads[s] < loads[best] {
				best = s
			}
		}
		assign[k] = best
		loads[best] += costs[k]
	}
	return assign, loads, nil
}

// ParseShard reads "I/N" (0 ≤ I < N ≤ MaxShards).
func ParseShard(v string) (i, n int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return 0, 0, fmt.Errorf("--shard %q: want I/N (shard I of N, 0 ≤ I < N ≤ %d), e.g. 0/4, or auto", v, MaxShards)
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("--shard %q: I and N must be whole numbers (shard I of N, 0 ≤ I < N ≤ %d)", v, MaxShards)
	}
	if n < 1 || n > MaxShards {
		return 0, 0, fmt.Errorf("--shard %q: the shard count N must be in [1, %d]", v, MaxShards)
	}
	if i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: the shard index I must be in [0, N-1] = [0, %d] (shards count from 0)", v, n-1)
	}
	return i, n, nil
}

// ShardFromEnv resolves --shard auto from the environment:
//
//   - Slurm job arrays: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, the
//     index taken relative to SLURM_ARRAY_TASK_MIN (so --array=1-4 works
//     like --array=0-3); the array must be contiguous (no step).
//   - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, with count (the Job's
//     completions, given as --shard-count) as N.
//
// count > 0 overrides SLURM_ARRAY_TASK_COUNT. getenv is os.Getenv in use.
func ShardFromEnv(getenv func(string) string, count int) (i, n int, err error) {
	num := func(name string) (int, bool, error) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return 0, false, nil
		}
		x, err := strconv.Atoi(v)
		if err != nil {
			return 0, true, fmt.Errorf("--shard auto: %s = %q is not a whole number", name, v)
		}
		return x, true, nil
	}
	id, haveSlurm, err := num("SLURM_ARRAY_TASK_ID")
	if err != nil {
		return 0, 0, err
	}
	if haveSlurm {
		lo, _, err := num("SLURM_ARRAY_TASK_MIN")
		if err != nil {
			return 0, 0, err
		}
		n = count
		if n <= 0 {
			var ok bool
			n, ok, err = num("SLURM_ARRAY_TASK_COUNT")
			if err != nil {
				return 0, 0, err
			}
			if !ok {
				return 0, 0, fmt.Errorf("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; give --shard-count N")
			}
		}
		return ParseShard(fmt.Sprintf("%d/%d", id-lo, n))
	}
	idx, haveK8s, err := num("JOB_COMPLETION_INDEX")
	if err != nil {
		return 0, 0, err
	}
	if haveK8s {
		if count <= 0 {
			return 0, 0, fmt.Errorf("--shard auto: JOB_COMPLETION_INDEX = %d is set (Kubernetes Indexed Job); give the Job's completions as --shard-count N", idx)
		}
		return ParseShard(fmt.Sprintf("%d/%d", idx, count))
	}
	return 0, 0, fmt.Errorf("--shard auto: neither SLURM_ARRAY_TASK_ID (Slurm job array) nor JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set; give --shard I/N")
}
