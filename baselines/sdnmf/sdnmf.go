// Package sdnmf registers SDNMF, NMF with Sinkhorn distance (Qian, Hong,
// Cai, He & Li, IJCAI 2016), following the authors' SDNMF.m /
// SDNMF_Multi.m: X ≈ UVᵀ under unbalanced entropic optimal transport on the
// pixel grid, plus a kNN graph term. The embedding is V. See docs/sdnmf.md.
package sdnmf

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
	"nmfbench/internal/divergence"
	"nmfbench/internal/graph"
	"nmfbench/internal/mu"
	"nmfbench/internal/ot"
	"nmfbench/internal/samplegraph"
	"nmfbench/methods"
)

// Params configures SDNMF.
type Params struct {
	Rank           int             `yaml:"rank" symbol:"r" doc:"factorization rank r; 0 means the number of classes"`
	Entropic       float64         `yaml:"entropic" symbol:"λ" doc:"entropic weight λ: kernel K = exp(−λM − 1), entropy weight 1/λ (paper and SDNMF.m: 100)"`
	MarginalWeight float64         `yaml:"marginal_weight" symbol:"γ" doc:"weight γ of the KL terms relaxing both marginals; scaling exponent g = γλ/(1 + γλ) (GWNTF paper: 1; SDNMF.m default and demo: 10)"`
	GraphWeight    float64         `yaml:"graph_weight" symbol:"α" doc:"graph regularization weight (SDNMF.m 'alpha', the GWNTF paper's ε = 10); 0 disables the graph"`
	Neighbors      int             `yaml:"neighbors" symbol:"p" doc:"nearest neighbours per sample in the kNN graph (paper: 5, constructW's default)"`
	EdgeWeights    graph.Weighting `yaml:"edge_weights" doc:"kNN edge weights: binary (SDNMF demo: WeightMode 'Binary'), heat or cosine"`
	HeatT          float64         `yaml:"heat_t" symbol:"t" doc:"heat-kernel width t; 0 = mean pairwise distance (constructW's default)"`
	Metric         graph.Metric    `yaml:"neighbor_metric" doc:"neighbour ranking: cosine (as GNMF, GNCP, GWNTF: one graph for every graph method) or euclidean"`
	CostPower      float64         `yaml:"cost_power" symbol:"q" doc:"ground cost between pixels |Δrow|^q + |Δcol|^q divided by its maximum (SDNMF.m 'deg': q = 1, Manhattan)"`
	MaxIter        int             `yaml:"max_iter" doc:"outer iterations; SDNMF.m runs exactly maxIter = 100"`
	ScalingIters   int             `yaml:"scaling_iters" doc:"scaling (Sinkhorn) iterations per outer iteration, restarted from μ = 1/d (SDNMF.m: 15)"`
	Floor          float64         `yaml:"floor" doc:"lower bound on (Kν)^g and (Kᵀμ)^g inside the scaling loop (SDNMF.m: 1e-6); 0 runs the exact iterations and fails on underflow"`
	Update         Update          `yaml:"update" doc:"reference: the ratio R = μ∘Kν ⊘ UVᵀ is computed once per iteration and used for V, then U (SDNMF.m); fresh: R is recomputed against the updated UVᵀ before the U step, so that both steps are Lee–Seung steps on KL(T1 ‖ UVᵀ)"`
	Eps            float64         `yaml:"eps" doc:"lower bound on UVᵀ in R and on the update denominators (SDNMF.m: 1e-10)"`
}

// Update selects when SDNMF's ratio is recomputed.
type Update string

// Update schemes.
const (
	Reference Update = "reference"
	Fresh     Update = "fresh"
)

// UnmarshalText parses an update scheme.
func (u *Update) UnmarshalText(b []byte) error { return methods.ParseChoice(u, b, Reference, Fresh) }

// Choices lists the update schemes.
func (Update) Choices() []string { return methods.Names(Reference, Fresh) }

// Validate checks the parameter values.
func (p *Params) Validate() error {
	err := methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckPositive("entropic", p.Entropic),
		methods.CheckPositive("marginal_weight", p.MarginalWeight),
		methods.CheckNonNegative("graph_weight", p.GraphWeight),
		methods.CheckCount("neighbors", p.Neighbors, 1, 1000),
		methods.CheckNonNegative("heat_t", p.HeatT),
		methods.CheckPositive("cost_power", p.CostPower),
		methods.CheckIters("max_iter", p.MaxIter, 1),
		methods.CheckCount("scaling_iters", p.ScalingIters, 1, 10_000),
		methods.CheckGuard("eps", p.Eps),
	)
	if err == nil && !(p.Floor >= 0 && p.Floor < 1) {
		err = fmt.Errorf("floor = %v: must be in [0, 1)", p.Floor)
	}
	return err
}

// Defaults: the GWNTF paper's setting (λ = 100, p = 5, γ = 1, ε = 10 read as
// the graph weight α), the shared binary graph on cosine-ranked neighbours,
// and everything else as SDNMF.m: Manhattan cost (q = 1), 100 iterations of
// 15 scaling rounds, floor 1e-6, guard 1e-10.
var Defaults = Params{
	Entropic: 100, MarginalWeight: 1, GraphWeight: 10, Neighbors: 5, EdgeWeights: graph.Binary, Metric: graph.Angular, CostPower: 1,
	MaxIter: 100, ScalingIters: 15, Floor: 1e-6, Update: Reference, Eps: 1e-10,
}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "SDNMF",
		Summary:  "NMF with Sinkhorn distance (Qian et al. 2016): X ≈ UVᵀ under unbalanced entropic OT on the pixel grid, plus a kNN graph term; embedding V",
		Version:  1,
		Defaults: Defaults,
		Renamed: map[string]string{"lambda": "entropic", "gamma": "marginal_weight", "alpha": "graph_weight", "p": "neighbors",
			"weight": "edge_weights", "metric": "neighbor_metric", "t": "heat_t", "scaling_iter": "scaling_iters"},
		Fit: fit,
	})
}

func fit(ctx context.Context, p *methods.Problem, prm Params) (*methods.Result, error) {
	start := time.Now()
	data := p.Data
	if !data.IsImage() {
		return nil, fmt.Errorf("SDNMF needs image data (the ground cost lives on the pixel grid); dataset %q has %d features and no %d×%d image shape", data.Name, data.Features(), data.Height, data.Width)
	}
	r := p.Rank(prm.Rank)
	cost := ot.GridCost{H: data.Height, W: data.Width, P: prm.CostPower, Normalize: true}
	kernel, err := methods.Cached(p, fmt.Sprintf("sdnmf-kernel|q=%g|lambda=%g", prm.CostPower, prm.Entropic), func() (*ot.Grid, error) {
		return ot.NewGrid(cost, prm.Entropic, 1)
	})
	if err != nil {
		return nil, err
	}
	var g *graph.CSR
	if prm.GraphWeight > 0 {
		if g, err = samplegraph.Get(ctx, p, samplegraph.Options{Neighbors: prm.Neighbors, Weights: prm.EdgeWeights, Metric: prm.Metric, HeatT: prm.HeatT}); err != nil {
			return nil, err
		}
	}
	// SDNMF_Multi: rand, then NormalizeUV with Norm = 1, NormV = 0.
	U, V := mu.UniformInit(p.RNG, data.Features(), data.Samples(), r, 1)
	s, err := newSDNMFStateThreads(data.X, U, V, kernel, g, prm, p.Goroutines())
	if err != nil {
		return nil, err
	}
	res := &methods.Result{}
	// The objective is that of the transport plans of an iteration, so the
	// initial factors have none of their own: entry 0 is that of the first
	// iteration's plans at the initial factors (see objective).
	f0, err := s.initialObjective()
	if err != nil {
		return nil, fmt.Errorf("SDNMF set-up: %w", err)
	}
	err = methods.Iterate(ctx, res, f0, methods.Loop{MaxIter: prm.MaxIter, Progress: p.Progress, Start: start},
		func(it int) (float64, error) {
			o, err := s.iterate()
			if err != nil {
				return 0, fmt.Errorf("SDNMF iteration %d: %w", it, err)
			}
			return o, nil
		})
	if err != nil {
		return nil, err
	}
	dense.AbsorbScale([]*mat.Dense{U, V}, 1, 1) // NormalizeUV(U, V, NormV = 0, Norm = 1)
	res.Embedding, res.Factors = V, map[string]*mat.Dense{"U": U}
	return res, nil
}

// sdnmfState holds the factors and workspaces of one SDNMF run. All d × n
// matrices have one column per sample (image), the layout in which the
// separable kernel is two GEMM passes.
//
// One iteration (SDNMF_Multi.m; Qian et al. 2016, Algorithm 1):
//
//	P = UVᵀ;  μ = 1/d;  ν = (X ⊘ Kᵀμ)^g;  repeat S times: μ = (P ⊘ Kν)^g, ν = (X ⊘ Kᵀμ)^g
//	R = μ ∘ Kν ⊘ P                                  (= T1 ⊘ P, T_j = diag(μ_j) K diag(ν_j))
//	V ← V ∘ (RᵀU + αWV) ⊘ (1·colsum(U) + αDV)
//	U ← U ∘ (RV) ⊘ (1·colsum(V))
//
// with g = γλ/(1 + γλ) and K = exp(−λM − 1). Inside the loop the reference
// floors (Kν)^g and (Kᵀμ)^g at floor (here: Kν and Kᵀμ at floor^(1/g)); its
// last ν update is unfloored.
type sdnmfState struct {
	prm    Params
	g      *graph.CSR
	kernel ot.Kernel
	gexp   float64    // g = γλ/(1 + γλ)
	floor  float64    // floor on Kν, Kᵀμ
	U, V   *mat.Dense // d×r, n×r
	X, P   *mat.Dense // d×n data and model UVᵀ
	T1     *mat.Dense // d×n plan marginals μ∘Kν
	R      *mat.Dense // d×n ratio T1 ⊘ P
	// partial[c] holds chunk c's part of the objective that does not depend
	// on the updated factors: ⟨T, M⟩ + (1/λ)ΣT log T + γ·KL(Tᵀ1 ‖ X).
	partial []float64
	// rangeSums holds the per-part results of parallelRange.
	rangeSums []float64
	// xc[c] is chunk c of X (d × width, contiguous), the fixed second
	// marginal of its scaling problems; nu0[c] is its first ν =
	// (X ⊘ max(Kᵀμ₀, floor))^g for μ₀ = 1/d, which is the same in every
	// outer iteration. Both are built on first use for the current chunk
	// size (chunkOf).
	xc, nu0 []*mat.Dense
	chunkOf int

	chunk   int // samples per transport chunk
	workers []*sdnmfWorker

	num     *mat.Dense // n×r numerator of the V update
	den     *mat.Dense // n×r denominator of the V update
	numU    *mat.Dense // d×r numerator of the U update
	graphNV *mat.Dense // n×r scratch for WV and DV
	colSum  []float64
}

// sdnmfChunk is the number of samples whose transport problems are solved
// together: 32 images of 32 × 32 pixels make 256 KB per d × chunk matrix, so
// the scaling loop of a chunk runs in cache instead of streaming all d × n
// matrices through memory 30 times per iteration. Chunking does not change
// any result: every column is computed independently.
const sdnmfChunk = 32

// sdnmfWorker owns the scaling iterations of the chunks one goroutine
// solves, one ot.Scaling per chunk width (the last chunk may be narrower).
type sdnmfWorker struct {
	sc     map[int]*ot.Scaling
	t1, t2 map[int]*mat.Dense // d × width plan marginals
	r      map[int]*mat.Dense // d × width ratio T1 ⊘ max(P, eps)
}

func newSDNMFState(X *mat.Dense, U, V *mat.Dense, k ot.Kernel, g *graph.CSR, prm Params) (*sdnmfState, error) {
	return newSDNMFStateThreads(X, U, V, k, g, prm, runtime.GOMAXPROCS(0))
}

// newSDNMFStateThreads is newSDNMFState with the scaling problems solved on
// threads goroutines (at least 1; fit passes Problem.Goroutines). The result
// does not depend on it (TestSDNMFChunkingInvariant).
func newSDNMFStateThreads(X *mat.Dense, U, V *mat.Dense, k ot.Kernel, g *graph.CSR, prm Params, threads int) (*sdnmfState, error) {
	n, d := X.Dims()
	_, r := U.Dims()
	s := &sdnmfState{prm: prm, g: g, kernel: k, U: U, V: V, gexp: ot.Exponent(prm.MarginalWeight, prm.Entropic),
		X: mat.NewDense(d, n, nil), P: mat.NewDense(d, n, nil),
		T1: mat.NewDense(d, n, nil), R: mat.NewDense(d, n, nil),
		num: mat.NewDense(n, r, nil), den: mat.NewDense(n, r, nil), graphNV: mat.NewDense(n, r, nil),
		numU: mat.NewDense(d, r, nil), colSum: make([]float64, r), chunk: sdnmfChunk,
	}
	s.X.CloneFrom(X.T())
	if prm.Floor > 0 {
		s.floor = math.Pow(prm.Floor, 1/s.gexp)
	}
	s.partial = make([]float64, (n+s.chunk-1)/s.chunk)
	for range max(1, min(threads, len(s.partial))) {
		s.workers = append(s.workers, &sdnmfWorker{sc: map[int]*ot.Scaling{}, t1: map[int]*mat.Dense{}, t2: map[int]*mat.Dense{}})
	}
	s.rangeSums = make([]float64, len(s.workers))
	s.P.Mul(U, V.T())
	return s, nil
}

// initialObjective returns the objective of the transport plans computed
// from the initial factors, evaluated at those factors: the reference point
// of the trace (the factors are not changed).
func (s *sdnmfState) initialObjective() (float64, error) {
	if err := s.transport(); err != nil {
		return 0, err
	}
	return s.objective(), nil
}

// iterate performs one outer iteration and returns the objective (see
// objective) at the updated factors.
func (s *sdnmfState) iterate() (float64, error) {
	if err := s.transport(); err != nil { // also sets R = T1 ⊘ max(P, eps)
		return 0, err
	}
	s.updateV()
	if s.prm.Update == Fresh {
		s.P.Mul(s.U, s.V.T())
		s.ratio()
	}
	s.updateU()
	if !dense.Finite(s.U) || !dense.Finite(s.V) {
		return 0, fmt.Errorf("the factors are no longer finite")
	}
	s.P.Mul(s.U, s.V.T())
	return s.objective(), nil
}

// updateV sets V ← V ∘ (RᵀU + αWV) ⊘ max(1·colsum(U) + αDV, eps).
func (s *sdnmfState) updateV() {
	s.num.Mul(s.R.T(), s.U)
	dense.ColSums(s.colSum, s.U)
	dense.SetRows(s.den, s.colSum)
	if s.g != nil {
		s.g.AddMUTerm(s.num, s.den, s.V, s.graphNV, s.prm.GraphWeight)
	}
	mu.UpdateFloor(s.V, s.num, s.den, s.prm.Eps)
}

// updateU sets U ← U ∘ (RV) ⊘ max(1·colsum(V), eps).
func (s *sdnmfState) updateU() {
	s.numU.Mul(s.R, s.V)
	dense.ColSums(s.colSum, s.V)
	for k, c := range s.colSum {
		s.colSum[k] = math.Max(c, s.prm.Eps)
	}
	mu.UpdateCols(s.U, s.numU, s.colSum, 0)
}

// transport runs the scaling iterations for the current P, chunk by chunk
// on all workers, and fills T1, partial and the ratio R = T1 ⊘ max(P, eps).
func (s *sdnmfState) transport() error {
	_, n := s.P.Dims()
	chunks := (n + s.chunk - 1) / s.chunk
	if s.chunkOf != s.chunk || len(s.xc) != chunks {
		s.xc, s.nu0, s.chunkOf = make([]*mat.Dense, chunks), make([]*mat.Dense, chunks), s.chunk
	}
	if len(s.workers) == 1 { // as the loop below, without a goroutine per call
		for c := range chunks {
			if err := s.workers[0].solve(s, c); err != nil {
				return fmt.Errorf("%w (entropic λ = %v, floor = %v: lower λ or raise floor)", err, s.prm.Entropic, s.prm.Floor)
			}
		}
		return nil
	}
	var next atomic.Int64
	errs := make([]error, len(s.workers))
	var wg sync.WaitGroup
	for wi, w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= chunks {
					return
				}
				if err := w.solve(s, c); err != nil {
					errs[wi] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("%w (entropic λ = %v, floor = %v: lower λ or raise floor)", err, s.prm.Entropic, s.prm.Floor)
		}
	}
	return nil
}

// solve runs SDNMF_Multi's scaling loop for chunk c, the samples
// [c·chunk, (c+1)·chunk): ν = (X ⊘ Kᵀμ)^g from μ = 1/d, then ScalingIter
// times μ = (P ⊘ Kν)^g, ν = (X ⊘ Kᵀμ)^g, the last ν unfloored. It stores
// the chunk's T1, its ratio R = T1 ⊘ max(P, eps) and its objective part.
//
// The first ν depends on X alone (μ = 1/d is restarted every outer
// iteration), so it is computed once per chunk (nu0) and copied afterwards;
// μ's start value is read by that first ν update only, so it is not reset.
func (w *sdnmfWorker) solve(s *sdnmfState, c int) error {
	d, n := s.P.Dims()
	lo, hi := c*s.chunk, min((c+1)*s.chunk, n)
	width := hi - lo
	sc, ok := w.sc[width]
	if !ok {
		var err error
		sc, err = ot.NewScaling(s.kernel, mat.NewDense(d, width, nil), mat.NewDense(d, width, nil),
			ot.Options{Phi: s.gexp, Psi: s.gexp, Floor: s.floor, Workers: 1})
		if err != nil {
			return err
		}
		w.sc[width] = sc
		w.t1[width] = mat.NewDense(d, width, nil)
		w.t2[width] = mat.NewDense(d, width, nil)
	}
	if w.r == nil {
		w.r = map[int]*mat.Dense{}
	}
	r, ok := w.r[width]
	if !ok {
		r = mat.NewDense(d, width, nil)
		w.r[width] = r
	}
	copyCols(sc.A, s.P, lo)
	if s.xc[c] == nil {
		s.xc[c] = mat.NewDense(d, width, nil)
		copyCols(s.xc[c], s.X, lo)
	}
	sc.B = s.xc[c]
	if err := sc.SetFloor(s.floor); err != nil {
		return err
	}
	if s.nu0[c] == nil {
		sc.Reset(1/float64(d), 0)
		if err := sc.UpdateV(); err != nil {
			return err
		}
		s.nu0[c] = mat.DenseCopyOf(sc.V)
	} else {
		copy(sc.V.RawMatrix().Data, s.nu0[c].RawMatrix().Data)
	}
	for k := 0; k < s.prm.ScalingIters; k++ {
		if err := sc.UpdateU(); err != nil {
			return err
		}
		if k == s.prm.ScalingIters-1 {
			_ = sc.SetFloor(0) // SDNMF_Multi's final ν is unfloored
		}
		if err := sc.UpdateV(); err != nil {
			return err
		}
	}
	t1, t2 := w.t1[width], w.t2[width]
	t2.MulElem(sc.V, sc.KTU)
	sc.RowMarginal(t1)
	pasteCols(s.T1, t1, lo)
	ratioFloor(r.RawMatrix().Data, t1.RawMatrix().Data, sc.A.RawMatrix().Data, s.prm.Eps)
	pasteCols(s.R, r, lo)
	lambda, gamma := s.prm.Entropic, s.prm.MarginalWeight
	s.partial[c] = ot.EntropicCost(sc.U, sc.V, t1, t2, lambda, 1) + floats.Sum(t1.RawMatrix().Data)/lambda +
		gamma*divergence.KL(t2.RawMatrix().Data, sc.B.RawMatrix().Data)
	return nil
}

// copyCols sets dst (d × w) to the columns lo, …, lo+w−1 of src.
func copyCols(dst, src *mat.Dense, lo int) {
	r, w := dst.Dims()
	for i := 0; i < r; i++ {
		copy(dst.RawRowView(i), src.RawRowView(i)[lo:lo+w])
	}
}

// pasteCols sets the columns lo, …, lo+w−1 of dst to src (d × w).
func pasteCols(dst, src *mat.Dense, lo int) {
	r, w := src.Dims()
	for i := 0; i < r; i++ {
		copy(dst.RawRowView(i)[lo:lo+w], src.RawRowView(i))
	}
}

// objective returns O = W̃/γ + (α/2)·tr(VᵀLV) at the current factors, where
//
//	W̃ = Σ_j ⟨T_j, M⟩ + (1/λ) Σ T_j log T_j + γ KL(T_j1 ‖ (UVᵀ)_j) + γ KL(T_jᵀ1 ‖ x_j)
//
// is the unbalanced entropic transport cost of this iteration's plans T_j —
// an upper bound on the Sinkhorn loss W_{λ,γ}(X, UVᵀ), which minimises it
// over T. The V and U updates are multiplicative steps on γ⁻¹·W̃ + graph
// term for these fixed plans.
func (s *sdnmfState) objective() float64 {
	t1, p := s.T1.RawMatrix().Data, s.P.RawMatrix().Data
	kl := s.parallelRange(len(t1), func(lo, hi int) float64 { return divergence.KL(t1[lo:hi], p[lo:hi]) })
	w := floats.Sum(s.partial) + s.prm.MarginalWeight*kl
	o := w / s.prm.MarginalWeight
	if s.g != nil {
		o += s.prm.GraphWeight / 2 * s.g.LaplacianQuadratic(s.V)
	}
	return o
}

// ratio sets R = T1 ⊘ max(P, eps) on all workers.
func (s *sdnmfState) ratio() {
	r, t, p := s.R.RawMatrix().Data, s.T1.RawMatrix().Data, s.P.RawMatrix().Data
	s.parallelRange(len(r), func(lo, hi int) float64 {
		ratioFloor(r[lo:hi], t[lo:hi], p[lo:hi], s.prm.Eps)
		return 0
	})
}

// rangeParts is the number of parts parallelRange splits a range into,
// whatever the number of workers, so that its sums (the objective's KL term)
// do not depend on the thread count.
const rangeParts = 16

// parallelRange splits [0, n) into rangeParts contiguous parts, runs f on
// them on all workers and returns the sum of the results in part order.
func (s *sdnmfState) parallelRange(n int, f func(lo, hi int) float64) float64 {
	if len(s.rangeSums) < rangeParts {
		s.rangeSums = make([]float64, rangeParts)
	}
	res := s.rangeSums[:rangeParts]
	k := min(len(s.workers), rangeParts)
	if k <= 1 {
		for i := range res {
			res[i] = f(i*n/rangeParts, (i+1)*n/rangeParts)
		}
	} else {
		var wg sync.WaitGroup
		for w := range k {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < rangeParts; i += k {
					res[i] = f(i*n/rangeParts, (i+1)*n/rangeParts)
				}
			}()
		}
		wg.Wait()
	}
	var sum float64
	for _, v := range res {
		sum += v
	}
	return sum
}

// ratioFloor sets r = t ⊘ max(p, eps).
func ratioFloor(r, t, p []float64, eps float64) {
	for i, v := range t {
		r[i] = v / math.Max(p[i], eps)
	}
}
