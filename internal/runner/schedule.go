package runner

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
	"strings"

	"nmfbench/internal/spec"
	"nmfbench/results"
)

// Scheduling. The runs of a plan are handed to the workers longest expected
// first (LPT list scheduling): the long runs start early and the short ones
// fill the gaps at the end, so that no worker idles while another finishes a
// long run started last. Results do not depend on the order (every run draws
// its random numbers from its own seed), only the wall time does.
//
// A run's expected cost, in seconds of one worker, is
//
//  1. measured: the mean fit + k-means seconds of the runs stored with status
//     ok for the same dataset, method and label (else the same dataset,
//     method and the method's own name as label: the default entry), when
//     the store has any;
//  2. else modelled: the cost model below, multiplied by a calibration
//     factor, the geometric mean of measured / modelled over the plan's
//     (dataset, method, label) groups that have both (1 when none has), so
//     that modelled and measured costs are comparable on this machine.
//
// Ties keep plan order, so the order is deterministic.

// methodWeights are the relative costs of one run of each method at its
// default iteration budget (refIters), with NMF's unit: a run costs
//
//	weight · modelUnitSeconds · n · d · (r/20)^rankPower
//
// seconds for n samples of d features at rank r. Weights and rank powers
// were fitted to one seed of experiments/paper.yaml (COIL20: 1440 × 1024,
// r = 20; PIE_pose27: 2856 × 1024, r = 68) with one OpenBLAS thread per run
// and two runs side by side (make bench-grid, docs/performance.md): the
// transport methods barely depend on r, the multiplicative updates almost
// linearly. Good enough to order runs; measured times replace them as soon
// as the store has some.
//
//	method  weight rankPower refIters  COIL20 / PIE_pose27 seconds measured
//	Kmeans    0.22     0.8       -      0.36 /  1.7 (k-means on the raw data)
//	NMF       1.6      0.75     500     2.6 / 12.9 (KL: ×3, 7.7 / 37.4)
//	GNMF      0.33     0.8      100     0.52 /  2.8
//	NCP       1.9      1        500     3.0 / 20.8
//	GNCP      0.35     0.76     100     0.55 /  2.8
//	SDNMF    12.4      0        100    19.8 / 33.3
//	GWNTF     9.4      0.17     100    15.1 / 37.0
//	WNMF     30        1         10    (not measured)
//	Spectral  2        0         -      5.5 / 56 for the first run of a process,
//	                                    0 for the others (cached): 0.55 / 5.6 per run over 10
//
// An unknown method weighs 1 with rank power 1. When a run sets max_iter,
// the weight scales by max_iter / refIters (the budget is an upper bound;
// early stopping only makes the estimate pessimistic).
var methodWeights = map[string]struct {
	weight, rankPower float64
	refIters          float64
}{
	"Kmeans": {0.22, 0.8, 0},
	"NMF":    {1.6, 0.75, 500},
	"GNMF":   {0.33, 0.8, 100},
	"NCP":    {1.9, 1, 500},
	"GNCP":   {0.35, 0.76, 100},
	"SDNMF":  {12.4, 0, 100},
	"GWNTF":  {9.4, 0.17, 100},
	"WNMF":   {30, 1, 10},
	// One dense eigendecomposition per process and graph (O(n³), not n·d),
	// then cached: the weight gives the 10-repetition mean's size.
	"Spectral": {2, 0, 0},
	// External programs vary without bound; the weight is the NumPy
	// example's (Lee–Seung NMF, 500 iterations: 14 s per COIL20 run with
	// the interpreter's start), so that a first ETA is of the right size
	// until one run is stored and measured.
	"External": {8.7, 0.75, 500},
}

// klFactor is the extra cost of the KL loss over Frobenius in the MU methods.
const klFactor = 3

// modelUnitSeconds is the modelled seconds of weight 1 per unit of n·d at
// r = 20: NMF (Frobenius, 500 iterations) on COIL20 (1440 × 1024, r = 20)
// took 2.6 s with one OpenBLAS thread, two runs side by side, on a Zen 5
// core (weight 1.6).
const modelUnitSeconds = 1.0 / (1440 * 1024)

// Shape is what the cost model needs of a dataset.
type Shape struct{ Samples, Features, Classes int }

// ModelSeconds is the modelled (uncalibrated) cost in seconds of one run of
// method with the given resolved parameters on a dataset of that shape.
func ModelSeconds(method string, params map[string]any, sh Shape) float64 {
	w, ok := methodWeights[method]
	if !ok {
		w.weight, w.rankPower = 1, 1
	}
	weight := w.weight
	if it, ok := number(params["max_iter"]); ok && it > 0 && w.refIters > 0 {
		weight *= it / w.refIters
	}
	if loss, _ := params["loss"].(string); strings.EqualFold(loss, "kl") {
		weight *= klFactor
	}
	r := float64(sh.Classes)
	if rk, ok := number(params["rank"]); ok && rk > 0 {
		r = rk
	}
	r = max(r, 1)
	return weight * modelUnitSeconds * float64(max(sh.Samples, 1)) * float64(max(sh.Features, 1)) * math.Pow(r/20, w.rankPower)
}

// number reads a JSON-compatible number parameter.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	return 0, false
}

// Estimate is a run's expected cost in seconds of one worker.
type Estimate struct {
	Seconds  float64
	Measured bool // from the store's timings (else the calibrated model)
}

// Estimates returns the expected cost of every run (see the scheduling
// notes above). measured may be nil; shapes are keyed by dataset name.
func Estimates(runs []spec.Run, measured map[results.TimingKey]results.Timing, shapes map[string]Shape) []Estimate {
	lookup := func(r spec.Run) (results.Timing, bool) {
		if t, ok := measured[results.TimingKey{Dataset: r.Dataset, Method: r.Method.Name, Label: r.Label}]; ok && t.Runs > 0 {
			return t, true
		}
		t, ok := measured[results.TimingKey{Dataset: r.Dataset, Method: r.Method.Name, Label: r.Method.Name}]
		return t, ok && t.Runs > 0
	}
	// Calibration: geometric mean of measured / model over the groups with both.
	var logSum float64
	var groups int
	seen := map[results.TimingKey]bool{}
	for _, r := range runs {
		k := results.TimingKey{Dataset: r.Dataset, Method: r.Method.Name, Label: r.Label}
		if seen[k] {
			continue
		}
		seen[k] = true
		t, ok := lookup(r)
		m := ModelSeconds(r.Method.Name, r.Method.Params, shapes[r.Dataset])
		if ok && t.Total() > 0 && m > 0 {
			logSum += math.Log(t.Total() / m)
			groups++
		}
	}
	scale := 1.0
	if groups > 0 {
		scale = math.Exp(logSum / float64(groups))
	}
	out := make([]Estimate, len(runs))
	for i, r := range runs {
		if t, ok := lookup(r); ok {
			out[i] = Estimate{Seconds: t.Total(), Measured: true}
			continue
		}
		out[i] = Estimate{Seconds: scale * ModelSeconds(r.Method.Name, r.Method.Params, shapes[r.Dataset])}
	}
	return out
}

// LongestFirst returns the indices of costs ordered by decreasing cost,
// ties in index order (deterministic).
func LongestFirst(costs []float64) []int {
	idx := make([]int, len(costs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(costs[b], costs[a]) })
	return idx
}

// SimulateLongestFirst returns the makespan of the longest-first list
// schedule of jobs with the given durations on the given number of workers:
// jobs are taken in LongestFirst order, each started on the worker that
// becomes free first (the lowest-numbered one on a tie), as Execute's pool
// does. It assumes every job keeps its duration whatever runs beside it.
func SimulateLongestFirst(durations []float64, workers int) float64 {
	if workers < 1 {
		workers = 1
	}
	free := make(workerHeap, workers)
	for i := range free {
		free[i] = workerSlot{id: i}
	}
	var makespan float64
	for _, j := range LongestFirst(durations) {
		w := free[0]
		w.at += durations[j]
		makespan = max(makespan, w.at)
		free[0] = w
		heap.Fix(&free, 0)
	}
	return makespan
}

type workerSlot struct {
	at float64
	id int
}

type workerHeap []workerSlot

func (h workerHeap) Len() int { return len(h) }
func (h workerHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].id < h[j].id
}
func (h workerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *workerHeap) Push(x any)   { *h = append(*h, x.(workerSlot)) }
func (h *workerHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
