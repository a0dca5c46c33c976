package kmeans

// This file keeps a verbatim copy of the k-means implementation as it was
// before the bound-based acceleration (commit 6d5bdf1), renamed with a ref
// prefix. TestMatchesReference requires the optimized Cluster to return the
// same labels, centers and inertia bit for bit, and the benchmarks time both
// side by side. Do not "improve" this file: it is the specification.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Cluster partitions the rows of x (n × d) into opt.K clusters, drawing every
// random choice from rng. It fails for K outside 1..n, for NaN or infinite
// entries in x, and when ctx is cancelled.
func refCluster(ctx context.Context, x *mat.Dense, opt Options, rng *rand.Rand) (*Result, error) {
	if x == nil || x.IsEmpty() {
		return nil, fmt.Errorf("kmeans: no samples to cluster")
	}
	if rng == nil {
		return nil, fmt.Errorf("kmeans: no random source given")
	}
	n, d := x.Dims()
	opt, err := opt.withDefaults(n)
	if err != nil {
		return nil, err
	}
	xr := x.RawMatrix()
	for i := 0; i < n; i++ {
		for j, v := range xr.Data[i*xr.Stride : i*xr.Stride+d] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("kmeans: row %d, column %d is %v; samples must be finite", i, j, v)
			}
		}
	}
	w := newRefWorkspace(xr, opt)
	best := &Result{Inertia: math.Inf(1), Labels: make([]int, n), Centers: mat.NewDense(opt.K, d, nil)}
	for rep := 0; rep < opt.Replicates; rep++ {
		inertia, iters, converged, err := w.replicate(ctx, rng, nil)
		if err != nil {
			return nil, fmt.Errorf("kmeans: replicate %d: %w", rep+1, err)
		}
		if math.IsInf(inertia, 0) || math.IsNaN(inertia) {
			return nil, fmt.Errorf("kmeans: squared distances overflow (inertia %v); rescale the samples", inertia)
		}
		if inertia < best.Inertia {
			best.Inertia, best.Iterations, best.Converged, best.Replicate = inertia, iters, converged, rep
			copy(best.Labels, w.labels)
			copy(best.Centers.RawMatrix().Data, w.cent.Data)
		}
	}
	return best, nil
}

// refWorkspace holds every buffer one replicate needs, allocated once.
type refWorkspace struct {
	x      blas64.General // n × d samples
	opt    Options
	n, d   int
	xnorm  []float64      // ‖x_i‖²
	cent   blas64.General // K × d centers
	g      blas64.General // n × K products x_iᵀc_j, or n × SeedTrials in seeding
	cnorm  []float64      // ‖c_j‖²
	mind   []float64      // squared distance of each row to its center
	cand   blas64.General // SeedTrials × d candidate centers
	candD  []float64      // n × SeedTrials candidate distances, column-major by trial
	candI  []int          // candidate row indices
	perm   []int          // scratch permutation for Sample seeding
	labels []int
	counts []int
}

func newRefWorkspace(x blas64.General, opt Options) *refWorkspace {
	n, d, k, t := x.Rows, x.Cols, opt.K, opt.SeedTrials
	w := &refWorkspace{
		x: x, opt: opt, n: n, d: d,
		xnorm:  make([]float64, n),
		cent:   blas64.General{Rows: k, Cols: d, Stride: d, Data: make([]float64, k*d)},
		g:      blas64.General{Rows: n, Cols: max(k, t), Stride: max(k, t), Data: make([]float64, n*max(k, t))},
		cnorm:  make([]float64, k),
		mind:   make([]float64, n),
		cand:   blas64.General{Rows: t, Cols: d, Stride: d, Data: make([]float64, t*d)},
		candD:  make([]float64, n*t),
		candI:  make([]int, t),
		labels: make([]int, n),
		counts: make([]int, k),
	}
	for i := 0; i < n; i++ {
		r := w.row(i)
		w.xnorm[i] = floats.Dot(r, r)
	}
	if opt.Seeding == Sample {
		w.perm = make([]int, n)
	}
	return w
}

func (w *refWorkspace) row(i int) []float64 { return w.x.Data[i*w.x.Stride : i*w.x.Stride+w.d] }

func (w *refWorkspace) center(j int) []float64 { return w.cent.Data[j*w.d : (j+1)*w.d] }

// replicate seeds and runs Lloyd's algorithm once, leaving labels and
// centers in w. trace, when non-nil, receives the inertia after each
// iteration.
func (w *refWorkspace) replicate(ctx context.Context, rng *rand.Rand, trace func(iter int, inertia float64)) (inertia float64, iters int, converged bool, err error) {
	switch w.opt.Seeding {
	case Sample:
		w.seedSample(rng)
	default:
		w.seedPlusPlus(rng)
	}
	for i := range w.labels {
		w.labels[i] = -1
	}
	prev := math.Inf(1)
	for it := 1; it <= w.opt.MaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return 0, it, false, fmt.Errorf("stopped at iteration %d: %w", it, err)
		}
		changed := w.assign()
		changed += w.fillEmpty()
		w.updateCenters()
		inertia = w.inertia()
		if trace != nil {
			trace(it, inertia)
		}
		if changed == 0 {
			return inertia, it, true, nil
		}
		if w.opt.Tol > 0 && it > 1 && prev-inertia <= w.opt.Tol*prev {
			return inertia, it, true, nil
		}
		prev = inertia
	}
	return inertia, w.opt.MaxIter, false, nil
}

// assign sets each row's label to its nearest center and mind to the squared
// distance, computing G = X Cᵀ with one GEMM; it returns how many labels
// changed.
func (w *refWorkspace) assign() int {
	k := w.opt.K
	for j := 0; j < k; j++ {
		c := w.center(j)
		w.cnorm[j] = floats.Dot(c, c)
	}
	g := blas64.General{Rows: w.n, Cols: k, Stride: k, Data: w.g.Data[:w.n*k]}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, w.x, w.cent, 0, g)
	changed := 0
	for i := 0; i < w.n; i++ {
		gi := g.Data[i*k : (i+1)*k]
		bestJ, bestV := 0, math.Inf(1)
		for j, v := range gi {
			// ‖x_i − c_j‖² − ‖x_i‖², compared across j.
			if s := w.cnorm[j] - 2*v; s < bestV {
				bestJ, bestV = j, s
			}
		}
		// Rounding can make the expanded form slightly negative.
		w.mind[i] = math.Max(w.xnorm[i]+bestV, 0)
		if w.labels[i] != bestJ {
			w.labels[i] = bestJ
			changed++
		}
	}
	return changed
}

// fillEmpty gives every empty cluster the row farthest from its center among
// the clusters that keep at least one row, and returns the number of rows
// moved.
func (w *refWorkspace) fillEmpty() int {
	for j := range w.counts {
		w.counts[j] = 0
	}
	for _, l := range w.labels {
		w.counts[l]++
	}
	moved := 0
	for j, c := range w.counts {
		if c > 0 {
			continue
		}
		far, farD := -1, -1.0
		for i, l := range w.labels {
			if w.counts[l] > 1 && w.mind[i] > farD {
				far, farD = i, w.mind[i]
			}
		}
		// K ≤ n guarantees a cluster with two rows while one is empty.
		w.counts[w.labels[far]]--
		w.labels[far] = j
		w.counts[j] = 1
		w.mind[far] = 0
		moved++
	}
	return moved
}

// updateCenters sets each center to the mean of its rows (counts must be
// current and positive).
func (w *refWorkspace) updateCenters() {
	for i := range w.cent.Data {
		w.cent.Data[i] = 0
	}
	for i, l := range w.labels {
		floats.Add(w.center(l), w.row(i))
	}
	for j, c := range w.counts {
		floats.Scale(1/float64(c), w.center(j))
	}
}

// inertia returns Σ_i ‖x_i − c_{l_i}‖² from explicit differences.
func (w *refWorkspace) inertia() float64 {
	var s float64
	for i, l := range w.labels {
		s += refSqDist(w.row(i), w.center(l))
	}
	return s
}

func refSqDist(a, b []float64) float64 {
	var s float64
	b = b[:len(a)]
	for k, v := range a {
		t := v - b[k]
		s += t * t
	}
	return s
}

// seedSample sets the centers to K distinct rows chosen uniformly at random
// (a partial Fisher–Yates shuffle).
func (w *refWorkspace) seedSample(rng *rand.Rand) {
	for i := range w.perm {
		w.perm[i] = i
	}
	for j := 0; j < w.opt.K; j++ {
		r := j + rng.IntN(w.n-j)
		w.perm[j], w.perm[r] = w.perm[r], w.perm[j]
		copy(w.center(j), w.row(w.perm[j]))
	}
}

// seedPlusPlus runs k-means++ seeding with opt.SeedTrials candidates per
// center. Candidate distances use the expanded form ‖x‖² − 2xᵀc + ‖c‖² with
// one matrix-vector (one trial) or matrix-matrix (several) product per center.
func (w *refWorkspace) seedPlusPlus(rng *rand.Rand) {
	n, t := w.n, w.opt.SeedTrials
	first := rng.IntN(n)
	copy(w.center(0), w.row(first))
	c := w.center(0)
	cn := floats.Dot(c, c)
	for i := 0; i < n; i++ {
		w.mind[i] = math.Max(w.xnorm[i]-2*floats.Dot(w.row(i), c)+cn, 0)
	}
	w.mind[first] = 0
	pot := floats.Sum(w.mind)
	for j := 1; j < w.opt.K; j++ {
		for tr := 0; tr < t; tr++ {
			w.candI[tr] = refSampleD2(w.mind, pot, rng)
			copy(w.cand.Data[tr*w.d:(tr+1)*w.d], w.row(w.candI[tr]))
		}
		g := blas64.General{Rows: n, Cols: t, Stride: t, Data: w.g.Data[:n*t]}
		if t == 1 {
			blas64.Gemv(blas.NoTrans, 1, w.x, blas64.Vector{N: w.d, Inc: 1, Data: w.cand.Data[:w.d]}, 0, blas64.Vector{N: n, Inc: 1, Data: g.Data})
		} else {
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, w.x, w.cand, 0, g)
		}
		bestT, bestPot := 0, math.Inf(1)
		for tr := 0; tr < t; tr++ {
			ci := w.candI[tr]
			dt := w.candD[tr*n : (tr+1)*n]
			var p float64
			for i := 0; i < n; i++ {
				v := math.Max(w.xnorm[i]-2*g.Data[i*t+tr]+w.xnorm[ci], 0)
				if i == ci {
					v = 0
				}
				dt[i] = v
				p += math.Min(v, w.mind[i])
			}
			if p < bestPot {
				bestT, bestPot = tr, p
			}
		}
		dt := w.candD[bestT*n : (bestT+1)*n]
		for i, v := range dt {
			w.mind[i] = math.Min(w.mind[i], v)
		}
		pot = floats.Sum(w.mind)
		copy(w.center(j), w.row(w.candI[bestT]))
	}
}

// refSampleD2 draws a row index with probability mind[i]/pot, or uniformly when
// every row coincides with a center (pot = 0).
func refSampleD2(mind []float64, pot float64, rng *rand.Rand) int {
	if !(pot > 0) {
		return rng.IntN(len(mind))
	}
	r := rng.Float64() * pot
	last := 0
	for i, v := range mind {
		if v > 0 {
			last = i
			if r < v {
				return i
			}
			r -= v
		}
	}
	return last // rounding left r ≥ 0 past the end
}
