// Package kmeans clusters the rows of a matrix with Lloyd's k-means
// algorithm, the step every nmfbench method's embedding goes through before
// it is scored.
//
// Cluster runs Options.Replicates independent replicates, each seeded by
// k-means++ (D² sampling, Arthur & Vassilvitskii 2007; optionally with
// several candidates per center as in scikit-learn's greedy variant) or by K
// distinct random rows (the 'sample' start of Deng Cai's litekmeans), then
// iterated with Lloyd steps until no assignment changes, the relative
// decrease of the inertia falls below Options.Tol, or Options.MaxIter steps.
// It returns the replicate with the lowest inertia Σ_i ‖x_i − c_{l_i}‖².
// Every random choice draws from the *rand.Rand passed in, so a seed fixes
// the result. Replicates run sequentially.
//
// The assignment step computes ‖x_i − c_j‖² = ‖x_i‖² − 2 x_iᵀc_j + ‖c_j‖²
// with one matrix product X Cᵀ per iteration in preallocated buffers; the
// inertia itself is summed from explicit differences, so it carries no
// cancellation error. A cluster left empty takes the point farthest from its
// own center among the clusters with more than one point.
//
// The implementation accelerates this specification without changing a bit
// of its result: after the first iteration, rows whose label Hamerly/Elkan
// bounds (widened by the rounding error of the expanded form) prove
// unchanged are skipped, unchanged clusters keep their centers and inertia
// terms, and the k-means++ seeding of all replicates advances in lockstep
// with one GEMM per step; every decision taken from differently rounded
// values needs a margin above both computations' error, else the
// specification's own computation runs. See docs/kmeans.md, "Exactness".
package kmeans

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// gatherMax is the fraction, in tenths, of rows above which an iteration
// recomputes every distance rather than gathering the rows the bounds left.
const gatherMax = 7

// histMax bounds the slots of the drift history; a replicate that runs
// longer recomputes every distance once per histMax iterations (a variable
// so that tests can exercise the restart).
var histMax = 256

// elkanMinDim is the dimension from which Elkan's per-center bounds are
// kept in addition to Hamerly's one bound per row.
const elkanMinDim = 256

// boundMinDim is the dimension from which Hamerly's bounds are used; below
// it every iteration computes every distance (boundAlways, for tests,
// overrides it).
const boundMinDim = 32

var boundAlways = false

// Defaults used for zero-valued Options fields.
const (
	DefaultReplicates = 10
	DefaultMaxIter    = 300
	DefaultTol        = 1e-6
)

// Seeding selects how a replicate chooses its initial centers.
type Seeding int

const (
	// PlusPlus is k-means++: the first center is a uniformly random row,
	// each next one a row drawn with probability proportional to its squared
	// distance to the nearest center chosen so far.
	PlusPlus Seeding = iota
	// Sample takes K distinct rows uniformly at random, as litekmeans and
	// MATLAB's kmeans 'sample' start do.
	Sample
)

// String returns the seeding's name.
func (s Seeding) String() string {
	switch s {
	case PlusPlus:
		return "kmeans++"
	case Sample:
		return "sample"
	}
	return fmt.Sprintf("Seeding(%d)", int(s))
}

// Options configures Cluster. Zero values of Replicates, MaxIter, Tol and
// SeedTrials select the defaults.
type Options struct {
	// K is the number of clusters, 1 ≤ K ≤ n.
	K int
	// Replicates is the number of independently seeded runs; the one with the
	// lowest inertia is returned. Default DefaultReplicates.
	Replicates int
	// MaxIter bounds the Lloyd iterations of each replicate. Default
	// DefaultMaxIter.
	MaxIter int
	// Tol stops a replicate once an iteration decreases the inertia by less
	// than Tol times its previous value. Default DefaultTol; a negative Tol
	// stops only when no assignment changes (or at MaxIter).
	Tol float64
	// Seeding chooses the initial centers. Default PlusPlus.
	Seeding Seeding
	// SeedTrials is the number of candidate rows drawn for each k-means++
	// center, the one lowering the potential most being kept. Default 1,
	// standard k-means++; scikit-learn uses 2 + ⌊ln K⌋.
	SeedTrials int
}

// Result is the best replicate's clustering.
type Result struct {
	// Labels holds each row's cluster in 0..K-1; every cluster is nonempty.
	Labels []int
	// Centers is K × d; row j is the mean of the rows labelled j.
	Centers *mat.Dense
	// Inertia is Σ_i ‖x_i − c_{l_i}‖² for these labels and centers.
	Inertia float64
	// Iterations is the number of Lloyd iterations of the best replicate.
	Iterations int
	// Converged reports whether the best replicate stopped before MaxIter
	// (no assignment changed or the inertia decrease fell below Tol).
	Converged bool
	// Replicate is the 0-based index of the best replicate.
	Replicate int
}

func (o Options) withDefaults(n int) (Options, error) {
	if o.K < 1 {
		return o, fmt.Errorf("kmeans: K = %d; need at least one cluster", o.K)
	}
	if o.K > n {
		return o, fmt.Errorf("kmeans: K = %d clusters but only %d samples", o.K, n)
	}
	if o.Replicates < 0 || o.MaxIter < 0 || o.SeedTrials < 0 {
		return o, fmt.Errorf("kmeans: negative Replicates (%d), MaxIter (%d) or SeedTrials (%d)", o.Replicates, o.MaxIter, o.SeedTrials)
	}
	if math.IsNaN(o.Tol) || math.IsInf(o.Tol, 0) {
		return o, fmt.Errorf("kmeans: tolerance is %v; it must be finite", o.Tol)
	}
	if o.Seeding != PlusPlus && o.Seeding != Sample {
		return o, fmt.Errorf("kmeans: unknown seeding %v", o.Seeding)
	}
	if o.Replicates == 0 {
		o.Replicates = DefaultReplicates
	}
	if o.MaxIter == 0 {
		o.MaxIter = DefaultMaxIter
	}
	if o.Tol == 0 {
		o.Tol = DefaultTol
	}
	if o.SeedTrials == 0 {
		o.SeedTrials = 1
	}
	return o, nil
}

// Cluster partitions the rows of x (n × d) into opt.K clusters, drawing every
// random choice from rng. It fails for K outside 1..n, for NaN or infinite
// entries in x, and when ctx is cancelled.
func Cluster(ctx context.Context, x *mat.Dense, opt Options, rng *rand.Rand) (*Result, error) {
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
	w := newWorkspace(xr, opt)
	// Lloyd iterations draw nothing from rng, so seeding every replicate
	// first consumes rng exactly as seeding each before its iterations.
	var seeds [][]int
	if opt.Seeding == PlusPlus {
		if seeds, err = w.seedAllPlusPlus(rng); err != nil {
			return nil, err
		}
	}
	best := &Result{Inertia: math.Inf(1), Labels: make([]int, n), Centers: mat.NewDense(opt.K, d, nil)}
	for rep := 0; rep < opt.Replicates; rep++ {
		if seeds != nil {
			for j, r := range seeds[rep] {
				copy(w.center(j), w.row(r))
			}
		} else {
			w.seedSample(rng)
		}
		inertia, iters, converged, err := w.lloyd(ctx, nil)
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
	if statsHook != nil {
		statsHook(w)
	}
	return best, nil
}

// stats counts which paths the computation took, for tests.
type stats struct {
	skipped, gathered, full, batchedSeeds, exactSeeds, sequentialSeeds int
}

func (s *stats) add(t stats) {
	s.skipped += t.skipped
	s.gathered += t.gathered
	s.full += t.full
	s.batchedSeeds += t.batchedSeeds
	s.exactSeeds += t.exactSeeds
	s.sequentialSeeds += t.sequentialSeeds
}

// statsHook, when set (by tests), receives every Cluster call's workspace.
var statsHook func(*workspace)

// workspace holds every buffer the replicates need, allocated once per
// Cluster call.
type workspace struct {
	x      blas64.General // n × d samples
	opt    Options
	n, d   int
	xnorm  []float64      // ‖x_i‖² (floats.Dot)
	xlen   []float64      // upper bound on ‖x_i‖
	xmax   float64        // max_i xlen[i]
	cent   blas64.General // K × d centers
	g      blas64.General // n × K products x_iᵀc_j, or n × SeedTrials in seeding
	cnorm  []float64      // ‖c_j‖²
	mind   []float64      // squared distance of each row to its center
	cand   blas64.General // SeedTrials × d candidate centers
	candD  []float64      // n × SeedTrials candidate distances, column-major by trial
	candI  []int          // candidate row indices
	perm   []int          // scratch permutation for Sample seeding
	seedI  []int          // rows chosen by seedPlusPlus
	labels []int
	counts []int

	// Rounding-error constants (docs/kmeans.md, "Exactness"): a squared
	// distance computed by the expanded form, for rows/centers of norms at
	// most a and b, is within kappa·(a+b)² of the exact one; rel is the
	// relative slack by which computed bounds are widened.
	kappa, rel float64

	// Bounds for skipping distance computations (Hamerly 2010).
	prev    []int          // labels before the current assignment
	d0      []float64      // n × K lower bounds on ‖x_i − c_j‖² for the centers of iteration epoch[i] (Elkan 2003)
	lo2     []float64      // n lower bounds on min_{j≠l_i} ‖x_i − c_j‖² for the same centers
	epoch   []int          // history slot of the centers row i's bounds refer to
	hist    []float64      // H × (K+1): hist[t, j] bounds Σ drift of c_j from slot 0 to t; hist[t, K] Σ max_j drift
	now     int            // history slot of the current centers
	force   bool           // history full: the next assignment computes every distance
	elkan   bool           // keep the per-center bounds d0 (worth it for long rows)
	bounded bool           // skip rows by bounds at all (worth it unless rows are short)
	rowD    []float64      // ‖x_i − c_{l_i}‖² by explicit differences, the inertia's terms
	dirty   []bool         // cluster j's members changed since c_j was computed
	old     blas64.General // K × d centers before the update
	drift   []float64      // upper bound on ‖c_j(new) − c_j(old)‖
	half    []float64      // lower bound on ½ min_{l≠j} ‖c_j − c_l‖
	cc      blas64.General // K × K products c_jᵀc_l, then lower bounds on ‖c_j − c_l‖
	sel     []int          // rows whose label the bounds did not settle
	selJ    []int          // their nearest centers
	selG    []float64      // one row's products, K
	slack   []float64      // K+1 rounding slacks of drift sums
	xs      blas64.General // those rows gathered, at most n/2 × d (allocated on first use)

	st stats
}

func newWorkspace(x blas64.General, opt Options) *workspace {
	n, d, k, t := x.Rows, x.Cols, opt.K, opt.SeedTrials
	w := &workspace{
		x: x, opt: opt, n: n, d: d,
		xnorm:  make([]float64, n),
		xlen:   make([]float64, n),
		cent:   blas64.General{Rows: k, Cols: d, Stride: d, Data: make([]float64, k*d)},
		g:      blas64.General{Rows: n, Cols: max(k, t), Stride: max(k, t), Data: make([]float64, n*max(k, t))},
		cnorm:  make([]float64, k),
		mind:   make([]float64, n),
		cand:   blas64.General{Rows: t, Cols: d, Stride: d, Data: make([]float64, t*d)},
		candD:  make([]float64, n*t),
		candI:  make([]int, t),
		seedI:  make([]int, k),
		labels: make([]int, n),
		counts: make([]int, k),

		prev:  make([]int, n),
		epoch: make([]int, n),
		lo2:   make([]float64, n),
		hist:  make([]float64, (min(opt.MaxIter, histMax)+1)*(k+1)),
		rowD:  make([]float64, n),
		dirty: make([]bool, k),
		old:   blas64.General{Rows: k, Cols: d, Stride: d, Data: make([]float64, k*d)},
		drift: make([]float64, k),
		half:  make([]float64, k),
		cc:    blas64.General{Rows: k, Cols: k, Stride: k, Data: make([]float64, k*k)},
		sel:   make([]int, 0, n),
		selJ:  make([]int, n),
		selG:  make([]float64, k),
		slack: make([]float64, k+1),
	}
	const u = 0x1p-53 // unit roundoff
	w.kappa = 4 * float64(d+8) * u
	w.rel = max(1e-10, 16*float64(d+8)*u)
	for i := 0; i < n; i++ {
		r := w.row(i)
		w.xnorm[i] = floats.Dot(r, r)
		w.xlen[i] = math.Sqrt(w.xnorm[i]) * (1 + w.rel)
		w.xmax = max(w.xmax, w.xlen[i])
	}
	if opt.Seeding == Sample {
		w.perm = make([]int, n)
	}
	// Per-center bounds cost K operations per row and iteration; they pay
	// off when a distance costs much more (measured: d = 1024 gains,
	// d = 20 and 68 lose).
	w.bounded = d >= boundMinDim || boundAlways
	if w.elkan = d >= elkanMinDim; w.elkan {
		w.d0 = make([]float64, n*k)
	}
	return w
}

func (w *workspace) row(i int) []float64 { return w.x.Data[i*w.x.Stride : i*w.x.Stride+w.d] }

func (w *workspace) center(j int) []float64 { return w.cent.Data[j*w.d : (j+1)*w.d] }

// replicate seeds (sequentially, from rng) and runs Lloyd's algorithm once,
// leaving labels and centers in w. trace, when non-nil, receives the inertia
// after each iteration.
func (w *workspace) replicate(ctx context.Context, rng *rand.Rand, trace func(iter int, inertia float64)) (inertia float64, iters int, converged bool, err error) {
	switch w.opt.Seeding {
	case Sample:
		w.seedSample(rng)
	default:
		w.seedPlusPlus(rng)
	}
	return w.lloyd(ctx, trace)
}

// lloyd iterates from the centers in w. Iteration 1 computes every distance;
// later ones skip the rows whose label the bounds prove unchanged, which
// gives the labels of the full computation (docs/kmeans.md, "Exactness").
func (w *workspace) lloyd(ctx context.Context, trace func(iter int, inertia float64)) (inertia float64, iters int, converged bool, err error) {
	for i := range w.labels {
		w.labels[i] = -1
	}
	w.now = 0
	clear(w.hist[:w.opt.K+1])
	prev := math.Inf(1)
	for it := 1; it <= w.opt.MaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return 0, it, false, fmt.Errorf("stopped at iteration %d: %w", it, err)
		}
		copy(w.prev, w.labels)
		var changed int
		full := it == 1 || w.force || !w.bounded
		w.force = false
		if full {
			changed = w.assign()
		} else {
			changed, full = w.assignBounded()
		}
		changed += w.refill(full)
		w.updateDirty(it == 1)
		inertia = w.inertiaDirty()
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

// centerNorms sets cnorm and returns an upper bound on max_j ‖c_j‖.
func (w *workspace) centerNorms() float64 {
	cmax := 0.0
	for j := range w.cnorm {
		c := w.center(j)
		w.cnorm[j] = floats.Dot(c, c)
		cmax = max(cmax, w.cnorm[j])
	}
	return math.Sqrt(cmax) * (1 + w.rel)
}

// setBounds sets row i's bounds d0[i, j] on ‖x_i − c_j‖² from the computed
// s_j = cnorm_j − 2x_iᵀc_j (gi holds x_iᵀc_j), each within e of the exact
// value, and lo2[i] on min_{j≠best} ‖x_i − c_j‖² (Hamerly 2010).
func (w *workspace) setBounds(i, best int, gi []float64, e float64) {
	k := w.opt.K
	var d0 []float64
	if w.elkan {
		d0 = w.d0[i*k : (i+1)*k]
	}
	dn1 := 1 - w.rel
	base := w.xnorm[i] - 2*e
	second := math.Inf(1)
	for j, v := range gi {
		// Plain comparisons (a NaN stays NaN and fails every test).
		d := base + (w.cnorm[j] - 2*v)
		if d < 0 {
			d = 0
		}
		if w.elkan {
			d0[j] = d * dn1
		}
		if j != best && d < second {
			second = d
		}
	}
	w.lo2[i] = second * dn1 * dn1
	w.epoch[i] = w.now
}

// assign sets each row's label to its nearest center and mind to the squared
// distance, computing G = X Cᵀ with one GEMM; it returns how many labels
// changed. It also sets the lower bounds lo. The labels and mind are those
// of the reference algorithm: this is the same GEMM and the same comparison.
func (w *workspace) assign() int {
	k := w.opt.K
	w.st.full++
	cmax := w.centerNorms()
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
		if w.bounded {
			w.setBounds(i, bestJ, gi, w.kappa*(w.xlen[i]+cmax)*(w.xlen[i]+cmax))
		}
	}
	return changed
}

// assignBounded is assign for iterations after the first: a row keeps its
// label when the bounds prove that the full computation would keep it; the
// others are recomputed with one GEMM on the gathered rows, and their label
// accepted when the margin between the two nearest centers exceeds the
// rounding error of both computations. Otherwise (many rows left, or a
// near tie) it falls back to assign, and full reports that it did. mind is
// only current after assign.
func (w *workspace) assignBounded() (changed int, full bool) {
	k := w.opt.K
	cmax := w.centerNorms()
	w.centerHalves(cmax)
	up1, dn1 := 1+w.rel, 1-w.rel
	// slack[j] bounds the rounding error of a difference of two hist
	// entries of center j (each a sum of at most len(hist)/K drifts).
	k1 := k + 1
	hnow := w.hist[w.now*k1 : (w.now+1)*k1]
	slack := w.slack
	for j, v := range hnow {
		slack[j] = 4 * float64(len(w.hist)/k1) * 0x1p-53 * v
	}
	w.sel = w.sel[:0]
	for i := 0; i < w.n; i++ {
		a := w.labels[i]
		up := math.Sqrt(w.rowD[i]) * up1
		// Row i keeps label a if every other center is farther than
		// sqrt(up² + 2e): the exact distances then differ by more than the
		// rounding error of the full computation.
		e := w.kappa * (w.xlen[i] + cmax) * (w.xlen[i] + cmax)
		thr := math.Sqrt(up*up*up1+2*e) * up1
		if l := (2*w.half[a] - up) * dn1; l > thr {
			continue
		}
		hep := w.hist[w.epoch[i]*k1 : (w.epoch[i]+1)*k1]
		// Hamerly's test: the second nearest center at the epoch, minus
		// the largest drift since.
		if t := (thr + (hnow[k]-hep[k]+slack[k])*up1) * up1; w.lo2[i]*dn1 > t*t*up1 {
			continue
		}
		if !w.elkan {
			w.sel = append(w.sel, i)
			continue
		}
		// Elkan's test, center by center.
		d0, ccd := w.d0[i*k:(i+1)*k], w.cc.Data[a*k:(a+1)*k]
		for j, v := range d0 {
			if j == a {
				continue
			}
			// ‖x_i − c_j‖ ≥ ‖c_a − c_j‖ − ‖x_i − c_a‖ (triangle inequality),
			// and ≥ its value at the epoch minus c_j's drift since.
			if (ccd[j]-up)*dn1 > thr {
				continue
			}
			if t := (thr + (hnow[j]-hep[j]+slack[j])*up1) * up1; v*dn1 > t*t*up1 {
				continue
			}
			w.sel = append(w.sel, i)
			break
		}
	}
	m := len(w.sel)
	w.st.skipped += w.n - m
	if m == 0 {
		return 0, false
	}
	if 10*m > gatherMax*w.n {
		return w.assign(), true
	}
	w.st.gathered++
	if w.xs.Data == nil {
		w.xs = blas64.General{Cols: w.d, Stride: w.d, Data: make([]float64, (gatherMax*w.n/10)*w.d)}
	}
	xs := blas64.General{Rows: m, Cols: w.d, Stride: w.d, Data: w.xs.Data[:m*w.d]}
	for r, i := range w.sel {
		copy(xs.Data[r*w.d:(r+1)*w.d], w.row(i))
	}
	// C·X_selᵀ (K × m) measured 10–20% faster than X_sel·Cᵀ with OpenBLAS.
	g := blas64.General{Rows: k, Cols: m, Stride: m, Data: w.g.Data[:m*k]}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, w.cent, xs, 0, g)
	gi := w.selG
	// Decide every row before changing any label, so that a fallback to
	// assign sees the labels of the previous iteration.
	for r, i := range w.sel {
		for j := range gi {
			gi[j] = g.Data[j*m+r]
		}
		bestJ, bestV, second := 0, math.Inf(1), math.Inf(1)
		for j, v := range gi {
			if s := w.cnorm[j] - 2*v; s < bestV {
				bestJ, bestV, second = j, s, bestV
			} else if s < second {
				second = s
			}
		}
		e := w.kappa * (w.xlen[i] + cmax) * (w.xlen[i] + cmax)
		// Both this product and the full GEMM are within e of the exact
		// value, so a gap above 4e leaves the nearest center the same.
		if !(second-bestV > 4*e*up1) {
			return w.assign(), true
		}
		w.selJ[r] = bestJ
		w.setBounds(i, bestJ, gi, e)
	}
	for r, i := range w.sel {
		if j := w.selJ[r]; w.labels[i] != j {
			w.labels[i] = j
			changed++
		}
	}
	return changed, false
}

// centerHalves sets cc[j, l] to a lower bound on ‖c_j − c_l‖ and half[j] to
// a lower bound on half the distance from c_j to the nearest other center,
// from one K × K GEMM.
func (w *workspace) centerHalves(cmax float64) {
	k := w.opt.K
	blas64.Gemm(blas.NoTrans, blas.Trans, 1, w.cent, w.cent, 0, w.cc)
	e := w.kappa * 4 * cmax * cmax
	dn1 := 1 - w.rel
	for j := 0; j < k; j++ {
		m := math.Inf(1)
		cj := w.cc.Data[j*k : (j+1)*k]
		for l := range cj {
			cj[l] = math.Sqrt(max(w.cnorm[j]+w.cnorm[l]-2*cj[l]-e, 0)) * dn1
			if l != j {
				m = min(m, cj[l])
			}
		}
		w.half[j] = 0.5 * m * dn1
	}
}

// refill runs fillEmpty when a cluster is empty, first recomputing mind with
// assign if the last assignment did not (full false); assign then keeps
// every label, because they already are the full computation's. It returns
// the number of rows moved.
func (w *workspace) refill(full bool) int {
	for j := range w.counts {
		w.counts[j] = 0
	}
	for _, l := range w.labels {
		w.counts[l]++
	}
	if !slices.Contains(w.counts, 0) {
		return 0
	}
	if !full {
		w.assign()
	}
	moved := w.fillEmpty()
	for i, v := range w.mind {
		if v == 0 {
			// Moved rows (and rows on their center): their bounds were
			// set for another label, so recompute them next time.
			if w.elkan {
				clear(w.d0[i*w.opt.K : (i+1)*w.opt.K])
			}
			w.lo2[i] = 0
		}
	}
	return moved
}

// fillEmpty gives every empty cluster the row farthest from its center among
// the clusters that keep at least one row, and returns the number of rows
// moved.
func (w *workspace) fillEmpty() int {
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
func (w *workspace) updateCenters() {
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

// updateDirty is updateCenters for the clusters whose members changed (all
// when all is set): the others' means are the same sums of the same rows in
// the same order, so they keep their bits. It then widens the lower bounds
// by the centers' drift.
func (w *workspace) updateDirty(all bool) {
	k, d := w.opt.K, w.d
	some := false
	for j := range w.dirty {
		w.dirty[j] = all
	}
	if !all {
		for i, l := range w.labels {
			if p := w.prev[i]; l != p {
				w.dirty[l] = true
				if p >= 0 {
					w.dirty[p] = true
				}
			}
		}
	}
	for j := 0; j < k; j++ {
		if w.dirty[j] {
			some = true
			c := w.center(j)
			copy(w.old.Data[j*d:(j+1)*d], c)
			clear(c)
		}
	}
	if !some {
		clear(w.drift)
		w.advance()
		return
	}
	for i, l := range w.labels {
		if w.dirty[l] {
			floats.Add(w.center(l), w.row(i))
		}
	}
	for j, c := range w.counts {
		w.drift[j] = 0
		if !w.dirty[j] {
			continue
		}
		floats.Scale(1/float64(c), w.center(j))
		w.drift[j] = math.Sqrt(sqDist(w.old.Data[j*d:(j+1)*d], w.center(j))) * (1 + w.rel)
	}
	w.advance()
}

// advance records the drifts of the last update in the next history slot,
// or, when the history is full, restarts it and has the next assignment
// compute every distance.
func (w *workspace) advance() {
	k1 := w.opt.K + 1
	if (w.now+2)*k1 > len(w.hist) {
		w.now, w.force = 0, true
		clear(w.hist[:k1])
		return
	}
	h := w.hist[w.now*k1 : (w.now+2)*k1]
	m := 0.0
	for j, v := range w.drift {
		h[k1+j] = (h[j] + v) * (1 + w.rel)
		m = max(m, v)
	}
	h[2*k1-1] = (h[k1-1] + m) * (1 + w.rel)
	w.now++
}

// inertia returns Σ_i ‖x_i − c_{l_i}‖² from explicit differences.
func (w *workspace) inertia() float64 {
	var s float64
	for i, l := range w.labels {
		s += sqDist(w.row(i), w.center(l))
	}
	return s
}

// inertiaDirty is inertia with the terms of the rows of unchanged clusters
// kept from the previous iteration (same row, same center bits, same value),
// summed in the same order.
func (w *workspace) inertiaDirty() float64 {
	var q [4]int
	nq := 0
	for i, l := range w.labels {
		if !w.dirty[l] {
			continue
		}
		q[nq] = i
		if nq++; nq == 4 {
			w.rowD[q[0]], w.rowD[q[1]], w.rowD[q[2]], w.rowD[q[3]] = sqDist4(
				w.row(q[0]), w.center(w.labels[q[0]]), w.row(q[1]), w.center(w.labels[q[1]]),
				w.row(q[2]), w.center(w.labels[q[2]]), w.row(q[3]), w.center(w.labels[q[3]]))
			nq = 0
		}
	}
	for _, i := range q[:nq] {
		w.rowD[i] = sqDist(w.row(i), w.center(w.labels[i]))
	}
	var s float64
	for _, v := range w.rowD {
		s += v
	}
	return s
}

// sqDist4 is sqDist of four pairs at once: the same operations in the same
// order for each pair (so the same results), interleaved so that the four
// dependency chains of additions overlap.
func sqDist4(a0, b0, a1, b1, a2, b2, a3, b3 []float64) (s0, s1, s2, s3 float64) {
	n := len(a0)
	b0, a1, b1, a2, b2, a3, b3 = b0[:n], a1[:n], b1[:n], a2[:n], b2[:n], a3[:n], b3[:n]
	for k, v := range a0 {
		t0 := v - b0[k]
		t1 := a1[k] - b1[k]
		t2 := a2[k] - b2[k]
		t3 := a3[k] - b3[k]
		s0 += t0 * t0
		s1 += t1 * t1
		s2 += t2 * t2
		s3 += t3 * t3
	}
	return s0, s1, s2, s3
}

func sqDist(a, b []float64) float64 {
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
func (w *workspace) seedSample(rng *rand.Rand) {
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
// center, one replicate at a time, setting the centers. Candidate distances
// use the expanded form ‖x‖² − 2xᵀc + ‖c‖² with one matrix-vector (one
// trial) or matrix-matrix (several) product per center. This is the
// computation whose choices seedAllPlusPlus reproduces.
func (w *workspace) seedPlusPlus(rng *rand.Rand) {
	first := rng.IntN(w.n)
	w.seedFirst(first)
	copy(w.center(0), w.row(first))
	w.seedI[0] = first
	pot := floats.Sum(w.mind)
	for j := 1; j < w.opt.K; j++ {
		for tr := range w.candI {
			w.candI[tr] = sampleD2(w.mind, pot, rng)
		}
		b := w.seedStep(w.candI)
		pot = floats.Sum(w.mind)
		copy(w.center(j), w.row(w.candI[b]))
		w.seedI[j] = w.candI[b]
	}
}

// seedFirst sets mind to the squared distances to row first.
func (w *workspace) seedFirst(first int) {
	c := w.row(first)
	cn := floats.Dot(c, c)
	for i := 0; i < w.n; i++ {
		w.mind[i] = math.Max(w.xnorm[i]-2*floats.Dot(w.row(i), c)+cn, 0)
	}
	w.mind[first] = 0
}

// seedStep evaluates the candidate rows cands, keeps the one giving the
// lowest potential (the first on ties), lowers mind accordingly and returns
// the kept candidate's position in cands.
func (w *workspace) seedStep(cands []int) int {
	n, t := w.n, len(cands)
	for tr, ci := range cands {
		copy(w.cand.Data[tr*w.d:(tr+1)*w.d], w.row(ci))
	}
	g := blas64.General{Rows: n, Cols: t, Stride: t, Data: w.g.Data[:n*t]}
	if t == 1 {
		blas64.Gemv(blas.NoTrans, 1, w.x, blas64.Vector{N: w.d, Inc: 1, Data: w.cand.Data[:w.d]}, 0, blas64.Vector{N: n, Inc: 1, Data: g.Data})
	} else {
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, w.x, w.cand, 0, g)
	}
	bestT, bestPot := 0, math.Inf(1)
	for tr := 0; tr < t; tr++ {
		ci := cands[tr]
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
	return bestT
}

// sampleD2 draws a row index with probability mind[i]/pot, or uniformly when
// every row coincides with a center (pot = 0).
func sampleD2(mind []float64, pot float64, rng *rand.Rand) int {
	if !(pot > 0) {
		return rng.IntN(len(mind))
	}
	return sampleD2At(mind, pot, rng.Float64())
}

// sampleD2At is sampleD2's draw for the uniform variate u ∈ [0, 1).
func sampleD2At(mind []float64, pot, u float64) int {
	r := u * pot
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

// seedRep is one replicate's state in seedAllPlusPlus.
type seedRep struct {
	first int
	cands [][]int   // candidates drawn for center j ≥ 1
	best  []int     // position of the kept candidate in cands[j]
	mind  []float64 // approximate squared distance to the nearest center
	pot   float64
	exact bool // finished by the sequential computation
}

// seedAllPlusPlus returns every replicate's k-means++ centers as row
// indices, the choices seedPlusPlus makes replicate after replicate from
// the same rng. The replicates advance in lockstep, so that the distances to
// their new centers come from one GEMM X·[c_1 … c_R]ᵀ per step instead of R
// matrix-vector products, each reading X. These distances round differently
// from seedPlusPlus's, so each draw and each choice among trials is
// accepted only when its margin exceeds the rounding error of both
// computations; otherwise that replicate is finished by seedPlusPlus's
// computation, replayed from its first center (docs/kmeans.md).
//
// The uniform variates are drawn up front, which is the same sequence as
// seedPlusPlus's only if no potential is zero there (zero potentials draw
// IntN). That is guaranteed when K rows are farther apart than twice the
// rounding error of a distance (separatedRows); otherwise, the replicates are
// seeded by seedPlusPlus itself.
func (w *workspace) seedAllPlusPlus(rng *rand.Rand) ([][]int, error) {
	nr, k, t, n, d := w.opt.Replicates, w.opt.K, w.opt.SeedTrials, w.n, w.d
	out := make([][]int, nr)
	for r := range out {
		out[r] = make([]int, k)
	}
	if !w.separatedRows() {
		for r := range out {
			w.seedPlusPlus(rng)
			copy(out[r], w.seedI)
			w.st.sequentialSeeds++
		}
		return out, nil
	}
	reps := make([]seedRep, nr)
	us := make([]float64, nr*(k-1)*t)
	for r := range reps {
		reps[r] = seedRep{first: rng.IntN(n), cands: make([][]int, k), best: make([]int, k), mind: make([]float64, n)}
		for q := 0; q < (k-1)*t; q++ {
			us[(r*(k-1)*t)+q] = rng.Float64()
		}
		out[r][0] = reps[r].first
	}
	u := func(r, j, tr int) float64 { return us[r*(k-1)*t+(j-1)*t+tr] }
	// es bounds |computed − exact| of one squared distance for row i; sumE
	// bounds Σ_i |mind_i − mind_i(seedPlusPlus)|.
	sumE := 0.0
	for i := 0; i < n; i++ {
		sumE += 2 * w.kappa * (w.xlen[i] + w.xmax) * (w.xlen[i] + w.xmax)
	}
	const eps = 0x1p-53
	cand := make([]float64, nr*t*d)
	gbuf := make([]float64, n*nr*t)
	col := make([]int, nr) // first column of replicate r's candidates, -1 if exact
	// products computes x_iᵀc for the candidate rows of the non-exact
	// replicates (cands(r) lists them) with one GEMM into gbuf, n × m.
	products := func(cands func(r int) []int) int {
		m := 0
		for r := range reps {
			col[r] = -1
			if reps[r].exact {
				continue
			}
			col[r] = m
			for _, ci := range cands(r) {
				copy(cand[m*d:(m+1)*d], w.row(ci))
				m++
			}
		}
		if m > 0 {
			// Cand·Xᵀ (m × n) measured about 2× faster than X·Candᵀ.
			c := blas64.General{Rows: m, Cols: d, Stride: d, Data: cand[:m*d]}
			g := blas64.General{Rows: m, Cols: n, Stride: n, Data: gbuf[:n*m]}
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, c, w.x, 0, g)
		}
		return m
	}
	dist := func(i, ci, c, _ int) float64 {
		if i == ci {
			return 0
		}
		return max(w.xnorm[i]-2*gbuf[c*n+i]+w.xnorm[ci], 0)
	}
	m := products(func(r int) []int { return []int{reps[r].first} })
	for r := range reps {
		s := &reps[r]
		s.pot = 0
		for i := range s.mind {
			s.mind[i] = dist(i, s.first, col[r], m)
			s.pot += s.mind[i]
		}
	}
	for j := 1; j < k; j++ {
		for r := range reps {
			s := &reps[r]
			if s.exact {
				continue
			}
			s.cands[j] = make([]int, t)
			b := 2 * (2*sumE + float64(4*n+8)*eps*(s.pot+sumE))
			for tr := range t {
				i, ok := drawWithMargin(s.mind, s.pot, u(r, j, tr), b)
				if !ok {
					if err := w.finishExact(s, j, false, u, r, out[r]); err != nil {
						return nil, err
					}
					break
				}
				s.cands[j][tr] = i
			}
		}
		m := products(func(r int) []int { return reps[r].cands[j] })
		for r := range reps {
			s := &reps[r]
			if s.exact || col[r] < 0 {
				continue
			}
			bt := 0
			if t > 1 {
				pots := w.candD[:t]
				for tr := range pots {
					pots[tr] = 0
				}
				for i := 0; i < n; i++ {
					for tr, ci := range s.cands[j] {
						pots[tr] += min(dist(i, ci, col[r]+tr, m), s.mind[i])
					}
				}
				for tr := range pots {
					if pots[tr] < pots[bt] {
						bt = tr
					}
				}
				margin := 2 * (sumE + float64(2*n+4)*eps*(pots[bt]+sumE))
				ok := true
				for tr, p := range pots {
					if tr != bt && !(p-pots[bt] > 2*margin) {
						ok = false
					}
				}
				if !ok {
					if err := w.finishExact(s, j, true, u, r, out[r]); err != nil {
						return nil, err
					}
					continue
				}
			}
			s.best[j] = bt
			ci := s.cands[j][bt]
			s.pot = 0
			for i := range s.mind {
				s.mind[i] = min(s.mind[i], dist(i, ci, col[r]+bt, m))
				s.pot += s.mind[i]
			}
			out[r][j] = ci
		}
	}
	w.st.batchedSeeds += nr - w.st.exactSeeds
	return out, nil
}

// drawWithMargin is sampleD2At on approximate distances: it returns the row
// drawn and whether every boundary of the cumulative sums is farther than b
// from the variate, so that distances within b in total give the same row.
func drawWithMargin(mind []float64, pot, u, b float64) (int, bool) {
	r := u * pot
	for i, v := range mind {
		if v > 0 {
			if r < v {
				return i, r > b && v-r > b
			}
			r -= v
		}
	}
	return -1, false
}

// finishExact completes replicate s by seedPlusPlus's computation: it
// replays the centers chosen before step j (mind then holds seedPlusPlus's
// values bit for bit), evaluates step j's candidates if they are drawn
// (drawn), and draws and evaluates the remaining steps with the pre-drawn
// variates. out receives the rows chosen.
func (w *workspace) finishExact(s *seedRep, j int, drawn bool, u func(r, j, tr int) float64, r int, out []int) error {
	s.exact = true
	w.st.exactSeeds++
	w.seedFirst(s.first)
	for jj := 1; jj < j; jj++ {
		if b := w.seedStep(s.cands[jj]); b != s.best[jj] {
			return fmt.Errorf("kmeans: internal error: replayed seeding chose trial %d, not %d", b, s.best[jj])
		}
	}
	pot := floats.Sum(w.mind)
	for ; j < w.opt.K; j++ {
		if s.cands[j] == nil {
			s.cands[j] = make([]int, w.opt.SeedTrials)
		}
		if !drawn {
			if !(pot > 0) {
				return fmt.Errorf("kmeans: internal error: zero k-means++ potential despite %d separated rows", w.opt.K)
			}
			for tr := range s.cands[j] {
				s.cands[j][tr] = sampleD2At(w.mind, pot, u(r, j, tr))
			}
		}
		drawn = false
		s.best[j] = w.seedStep(s.cands[j])
		pot = floats.Sum(w.mind)
		out[j] = s.cands[j][s.best[j]]
	}
	return nil
}

// separatedRows reports whether K rows are pairwise farther apart than
// twice the square root of the largest rounding error of a computed squared
// distance. Then, while fewer than K centers (rows) are chosen, some
// separated row has a positive computed distance to all of them, so the
// k-means++ potential is positive. It looks at the first 4K + 64 rows.
func (w *workspace) separatedRows() bool {
	k := w.opt.K
	emax := w.kappa * 4 * w.xmax * w.xmax
	thr := 4 * emax * (1 + w.rel)
	net := make([]int, 0, k)
	for i := 0; i < w.n && i < 4*k+64 && len(net) < k; i++ {
		ok := true
		for _, p := range net {
			if !(sqDist(w.row(i), w.row(p)) > thr*(1+w.rel)) {
				ok = false
				break
			}
		}
		if ok {
			net = append(net, i)
		}
	}
	return len(net) == k
}
