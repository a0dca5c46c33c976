// Package gnmf registers GNMF, graph-regularized NMF (Cai, He, Han & Huang,
// "Graph Regularized Nonnegative Matrix Factorization for Data
// Representation", TPAMI 33(8), 2011), with the Frobenius loss (Eq. 7–8)
// or the divergence formulation, as Deng Cai's GNMF_Multi / GNMF_KL_Multi
// implement them. The embedding is V. See docs/gnmf.md.
package gnmf

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
	"nmfbench/internal/divergence"
	"nmfbench/internal/graph"
	"nmfbench/internal/mu"
	"nmfbench/internal/samplegraph"
	"nmfbench/methods"
)

// Params configures GNMF.
type Params struct {
	Rank        int             `yaml:"rank" symbol:"r" doc:"factorization rank r; 0 means the number of classes (paper)"`
	Loss        mu.Loss         `yaml:"loss" doc:"frobenius: ‖X − UVᵀ‖² + λ tr(VᵀLV); kl: D(X‖UVᵀ) + λ·½Σ_jl W_jl (D(v_j‖v_l) + D(v_l‖v_j))"`
	GraphWeight float64         `yaml:"graph_weight" symbol:"λ" doc:"graph regularization weight λ (paper: 100); 0 gives plain NMF exactly"`
	Neighbors   int             `yaml:"neighbors" symbol:"p" doc:"nearest neighbours per sample in the kNN graph (paper: 5)"`
	EdgeWeights graph.Weighting `yaml:"edge_weights" doc:"kNN edge weights: binary (paper, Cai's demo), heat or cosine"`
	Metric      graph.Metric    `yaml:"neighbor_metric" doc:"neighbour ranking: cosine (similarity of the samples; constructW's default Metric before 2009) or euclidean (distance on the preprocessed features)"`
	HeatT       float64         `yaml:"heat_t" symbol:"t" doc:"heat-kernel width t; 0 = mean pairwise distance (constructW's default)"`
	MaxIter     int             `yaml:"max_iter" doc:"maximum number of iterations in total (Cai's demo: 100)"`
	Tol         float64         `yaml:"tol" doc:"stop when the relative objective decrease of one iteration falls below tol (0: run max_iter)"`
	Init        Init            `yaml:"init" doc:"cai: uniform [0,1) U and V, U's columns scaled to unit L2 norm and V compensated (GNMF_Multi); random: as NMF (|N(0,1)|·sqrt(mean(X)/r)), small V, so a much weaker graph term"`
	Restarts    int             `yaml:"restarts" doc:"random starts; with more than 1, each runs restart_iter iterations and the lowest objective is continued to max_iter (GNMF_Multi: nRepeat = 10)"`
	RestartIter int             `yaml:"restart_iter" doc:"iterations of each trial start when restarts > 1 (GNMF_Multi: minIter = 30)"`
	Eps         float64         `yaml:"eps" doc:"guard added to every denominator (as NMF)"`
}

// Init is GNMF's initialisation.
type Init string

// Initialisations.
const (
	CaiInit    Init = "cai"
	RandomInit Init = "random"
)

// UnmarshalText parses an initialisation name.
func (i *Init) UnmarshalText(b []byte) error { return methods.ParseChoice(i, b, CaiInit, RandomInit) }

// Choices lists the initialisations.
func (Init) Choices() []string { return methods.Names(CaiInit, RandomInit) }

// Validate checks the parameter values.
func (p *Params) Validate() error {
	err := methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckNonNegative("graph_weight", p.GraphWeight),
		methods.CheckCount("neighbors", p.Neighbors, 1, 1000),
		methods.CheckNonNegative("heat_t", p.HeatT),
		methods.CheckIters("max_iter", p.MaxIter, 1),
		methods.CheckNonNegative("tol", p.Tol),
		methods.CheckCount("restarts", p.Restarts, 1, 1000),
		methods.CheckIters("restart_iter", p.RestartIter, 1),
		methods.CheckGuard("eps", p.Eps),
	)
	if err == nil && p.Restarts > 1 && (p.RestartIter < 1 || p.RestartIter > p.MaxIter) {
		err = fmt.Errorf("restart_iter = %d: must be in [1, max_iter = %d] when restarts > 1", p.RestartIter, p.MaxIter)
	}
	return err
}

// Defaults: the paper's λ = 100, p = 5 with the settings of Deng Cai's GNMF
// demo: binary weights, neighbours by cosine similarity (the default Metric
// of its constructW), his initialisation (which sets the scale of V, and
// with it the effective strength of the graph term: see docs/gnmf.md) and
// 100 iterations; a relative tolerance of 1e-5 and a guard of 1e-10; one
// start.
var Defaults = Params{
	Loss: mu.Frobenius, GraphWeight: 100, Neighbors: 5, EdgeWeights: graph.Binary, Metric: graph.Angular,
	MaxIter: 100, Tol: 1e-5, Init: CaiInit, Restarts: 1, RestartIter: 30, Eps: 1e-10,
}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "GNMF",
		Summary:  "graph-regularized NMF (Cai et al. 2011): X ≈ UVᵀ with λ tr(VᵀLV) on a p-NN graph; Frobenius or KL; embedding V",
		Version:  1,
		Defaults: Defaults,
		Renamed:  map[string]string{"lambda": "graph_weight", "p": "neighbors", "weight": "edge_weights", "metric": "neighbor_metric", "t": "heat_t"},
		Fit:      fit,
	})
}

// stepper is one GNMF iteration scheme (Frobenius MU, KL with graph CG).
type stepper interface {
	Step() error
	Objective() float64
}

type muStepper struct{ *mu.Factorization }

func (m muStepper) Step() error { m.Factorization.Step(); return nil }

func fit(ctx context.Context, p *methods.Problem, prm Params) (*methods.Result, error) {
	start := time.Now()
	r := p.Rank(prm.Rank)
	X := p.Data.X
	var g *graph.CSR
	if prm.GraphWeight > 0 {
		var err error
		g, err = samplegraph.Get(ctx, p, samplegraph.Options{Neighbors: prm.Neighbors, Weights: prm.EdgeWeights, Metric: prm.Metric, HeatT: prm.HeatT})
		if err != nil {
			return nil, err
		}
	}
	newStepper := func(U, V *mat.Dense) (stepper, error) {
		if g == nil || prm.Loss == mu.Frobenius { // λ = 0: exactly NMF
			f, err := mu.New(X, U, V, mu.Config{Loss: prm.Loss, Eps: prm.Eps, Graph: g, Lambda: prm.GraphWeight})
			return muStepper{f}, err
		}
		return newKLGraphState(X, U, V, g, klGraphConfig{Lambda: prm.GraphWeight, Eps: prm.Eps}), nil
	}
	run := func(res *methods.Result, s stepper, maxIter int, tol float64, progress func(int, float64)) error {
		return methods.Iterate(ctx, res, s.Objective(), methods.Loop{MaxIter: maxIter, Converger: methods.RelativeDecrease{Tol: tol}, Progress: progress, Start: start},
			func(it int) (float64, error) {
				if err := s.Step(); err != nil {
					return 0, fmt.Errorf("iteration %d: %w", it, err)
				}
				return s.Objective(), nil
			})
	}
	startFactors := func() (*mat.Dense, *mat.Dense) {
		if prm.Init == CaiInit {
			return mu.UniformInit(p.RNG, p.Data.Features(), p.Data.Samples(), r, 2)
		}
		return mu.RandomInit(p.RNG, X, r)
	}

	res := &methods.Result{}
	var U, V *mat.Dense
	var s stepper
	if prm.Restarts == 1 {
		U, V = startFactors()
		var err error
		if s, err = newStepper(U, V); err != nil {
			return nil, err
		}
		if err := run(res, s, prm.MaxIter, prm.Tol, p.Progress); err != nil {
			return nil, err
		}
	} else {
		// GNMF_Multi's selection: every trial runs restart_iter iterations;
		// the one with the lowest objective is continued. The trace is the
		// selected trial's, then its continuation.
		for t := 0; t < prm.Restarts; t++ {
			Ut, Vt := startFactors()
			st, err := newStepper(Ut, Vt)
			if err != nil {
				return nil, err
			}
			trial := &methods.Result{}
			if err := run(trial, st, prm.RestartIter, 0, nil); err != nil {
				return nil, fmt.Errorf("trial start %d: %w", t+1, err)
			}
			if U == nil || trial.Objective[trial.Iterations] < res.Objective[res.Iterations] {
				U, V, s, res = Ut, Vt, st, trial
			}
		}
		if rest := prm.MaxIter - prm.RestartIter; rest > 0 {
			offset := res.Iterations
			var progress func(int, float64)
			if p.Progress != nil {
				progress = func(it int, f float64) { p.Progress(offset+it, f) }
			}
			cont := &methods.Result{}
			if err := run(cont, s, rest, prm.Tol, progress); err != nil {
				return nil, err
			}
			// cont's entry 0 repeats the selected trial's last value.
			res.Objective = append(res.Objective, cont.Objective[1:]...)
			res.Seconds = append(res.Seconds, cont.Seconds[1:]...)
			res.Iterations += cont.Iterations
			res.Status = cont.Status
		}
	}
	dense.AbsorbScale([]*mat.Dense{U, V}, 1, prm.Loss.Norm())
	res.Embedding, res.Factors = V, map[string]*mat.Dense{"U": U}
	return res, nil
}

// klGraphConfig configures the KL scheme with the graph term.
type klGraphConfig struct {
	Lambda float64
	Eps    float64
	CGTol  float64 // relative residual of the V solves; 0 means 1e-10
	CGMax  int     // CG iteration limit per solve; 0 means 1000
}

// klGraphState runs the divergence GNMF updates of Cai et al. (2011; the
// KL formulation, as GNMF_KL_Multi implements it) on Xt = Xᵀ (n×d), updating U (d×r) and V (n×r) in place. The
// objective is
//
//	O = D(X‖UVᵀ) + λ R,  R = ½ Σ_jl W_jl Σ_k (v_jk − v_lk)(log v_jk − log v_lk)
//	  = Σ_k v_kᵀ L log v_k,
//
// (the symmetrized KL divergence between neighbouring rows of V). With
// Q = X ⊘ UVᵀ each iteration performs
//
//	V: for each k, solve (Σ_i u_ik I + λL) v_k = v_k ∘ (QᵀU)_k
//	U ← U ∘ (QV) ⊘ (1ᵀV)
//
// as GNMF_KL_Multi does (V first). The n × n systems are symmetric M-matrices
// solved to CGTol by conjugate gradients with a Jacobi preconditioner, all r
// columns at once; their exact solutions are nonnegative, and the few
// roundoff-level negative entries of the iterate are set to 0.
type klGraphState struct {
	cfg        klGraphConfig
	g          *graph.CSR
	Xt, U, V   *mat.Dense
	n, d, r    int
	Yt         *mat.Dense // n×d: VUᵀ, then Xᵀ ⊘ (VUᵀ + eps)
	QU         *mat.Dense // n×r right-hand sides
	QV, den    *mat.Dense // d×r
	colU, colV []float64
	work       []float64 // a row of Yt (objective)
	// conjugate-gradient workspaces, n×r, and per-column scalars
	res, z, dir, adir, logV *mat.Dense
	rz, rzNew, bnorm        []float64
}

func newKLGraphState(Xt, U, V *mat.Dense, g *graph.CSR, cfg klGraphConfig) *klGraphState {
	if cfg.CGTol == 0 {
		cfg.CGTol = 1e-10
	}
	if cfg.CGMax == 0 {
		cfg.CGMax = 1000
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-10
	}
	n, d := Xt.Dims()
	_, r := U.Dims()
	s := &klGraphState{cfg: cfg, g: g, Xt: Xt, U: U, V: V, n: n, d: d, r: r,
		Yt: mat.NewDense(n, d, nil), QU: mat.NewDense(n, r, nil),
		QV: mat.NewDense(d, r, nil), den: mat.NewDense(d, r, nil),
		colU: make([]float64, r), colV: make([]float64, r),
		res: mat.NewDense(n, r, nil), z: mat.NewDense(n, r, nil), dir: mat.NewDense(n, r, nil),
		adir: mat.NewDense(n, r, nil), logV: mat.NewDense(n, r, nil),
		rz: make([]float64, r), rzNew: make([]float64, r), bnorm: make([]float64, r),
	}
	s.work = make([]float64, d)
	return s
}

// ratio sets Yt = Xᵀ ⊘ (VUᵀ + eps) for the current U, V.
func (s *klGraphState) ratio() {
	s.Yt.Mul(s.V, s.U.T())
	mu.Ratio(s.Yt, s.Xt, s.cfg.Eps)
}

// Step performs one V then U update.
func (s *klGraphState) Step() error {
	// V update: b_k = v_k ∘ (QᵀU)_k, then (s_k I + λL) v_k = b_k.
	s.ratio()
	s.QU.Mul(s.Yt, s.U)
	s.QU.MulElem(s.QU, s.V)
	dense.ColSums(s.colU, s.U)
	for k := range s.colU {
		s.colU[k] = math.Max(s.colU[k], s.cfg.Eps)
	}
	if err := s.solve(s.V, s.QU, s.colU); err != nil {
		return err
	}
	// U update with Q recomputed for the new V.
	s.ratio()
	s.QV.Mul(s.Yt.T(), s.V)
	dense.ColSums(s.colV, s.V)
	mu.UpdateCols(s.U, s.QV, s.colV, s.cfg.Eps)
	return nil
}

// applyA sets dst = (λL + diag(shift)) x, the shift acting per column.
func (s *klGraphState) applyA(dst, x *mat.Dense, shift []float64) {
	s.g.MulLaplacian(dst, x)
	lam := s.cfg.Lambda
	dr, xr := dst.RawMatrix(), x.RawMatrix()
	for i := 0; i < s.n; i++ {
		drow := dr.Data[i*dr.Stride : i*dr.Stride+s.r]
		xrow := xr.Data[i*xr.Stride : i*xr.Stride+s.r]
		for k := range drow {
			drow[k] = lam*drow[k] + shift[k]*xrow[k]
		}
	}
}

// precondition sets z = M⁻¹ res with the Jacobi preconditioner
// M = diag(λ D_jj + shift_k).
func (s *klGraphState) precondition(shift []float64) {
	deg := s.g.Degrees()
	lam := s.cfg.Lambda
	zr, rr := s.z.RawMatrix(), s.res.RawMatrix()
	for i := 0; i < s.n; i++ {
		zrow := zr.Data[i*zr.Stride : i*zr.Stride+s.r]
		rrow := rr.Data[i*rr.Stride : i*rr.Stride+s.r]
		for k := range zrow {
			zrow[k] = rrow[k] / (lam*deg[i] + shift[k])
		}
	}
}

// colDots sets out[k] = Σ_i a_ik b_ik.
func colDots(out []float64, a, b *mat.Dense) {
	ar, br := a.RawMatrix(), b.RawMatrix()
	clear(out)
	for i := 0; i < ar.Rows; i++ {
		arow := ar.Data[i*ar.Stride : i*ar.Stride+ar.Cols]
		brow := br.Data[i*br.Stride : i*br.Stride+ar.Cols]
		for k, v := range arow {
			out[k] += v * brow[k]
		}
	}
}

// solve overwrites x (the warm start) with the solution of
// (λL + diag(shift)) x_k = b_k for every column k, by preconditioned
// conjugate gradients run on all columns together.
func (s *klGraphState) solve(x, b *mat.Dense, shift []float64) error {
	colDots(s.bnorm, b, b)
	s.applyA(s.adir, x, shift)
	s.res.Sub(b, s.adir)
	s.precondition(shift)
	s.dir.Copy(s.z)
	colDots(s.rz, s.res, s.z)
	alpha := s.rzNew // reused as the step vector before rzNew is needed
	for it := 0; ; it++ {
		colDots(alpha, s.res, s.res)
		done := true
		for k, rr := range alpha {
			if rr > s.cfg.CGTol*s.cfg.CGTol*s.bnorm[k] {
				done = false
				break
			}
		}
		if done {
			break
		}
		if it == s.cfg.CGMax {
			return fmt.Errorf("conjugate gradients did not reach relative residual %g in %d iterations", s.cfg.CGTol, s.cfg.CGMax)
		}
		s.applyA(s.adir, s.dir, shift)
		colDots(alpha, s.dir, s.adir)
		for k := range alpha {
			if alpha[k] > 0 {
				alpha[k] = s.rz[k] / alpha[k]
			} else {
				alpha[k] = 0 // column already solved exactly
			}
		}
		addScaledCols(x, alpha, s.dir, 1)
		addScaledCols(s.res, alpha, s.adir, -1)
		s.precondition(shift)
		colDots(s.rzNew, s.res, s.z)
		for k := range s.rz {
			beta := 0.0
			if s.rz[k] > 0 {
				beta = s.rzNew[k] / s.rz[k]
			}
			s.rz[k] = s.rzNew[k]
			s.rzNew[k] = beta
		}
		// dir = z + β dir
		dr, zr := s.dir.RawMatrix(), s.z.RawMatrix()
		for i := 0; i < s.n; i++ {
			drow := dr.Data[i*dr.Stride : i*dr.Stride+s.r]
			zrow := zr.Data[i*zr.Stride : i*zr.Stride+s.r]
			for k := range drow {
				drow[k] = zrow[k] + s.rzNew[k]*drow[k]
			}
		}
	}
	xr := x.RawMatrix()
	for i := 0; i < s.n; i++ {
		row := xr.Data[i*xr.Stride : i*xr.Stride+s.r]
		for k, v := range row {
			if v < 0 {
				row[k] = 0
			}
		}
	}
	return nil
}

// addScaledCols sets dst[:, k] += sign·a[k]·src[:, k].
func addScaledCols(dst *mat.Dense, a []float64, src *mat.Dense, sign float64) {
	dr, sr := dst.RawMatrix(), src.RawMatrix()
	for i := 0; i < dr.Rows; i++ {
		drow := dr.Data[i*dr.Stride : i*dr.Stride+dr.Cols]
		srow := sr.Data[i*sr.Stride : i*sr.Stride+dr.Cols]
		for k := range drow {
			drow[k] += sign * a[k] * srow[k]
		}
	}
}

// Objective returns D(X‖UVᵀ) + λ Σ_k v_kᵀ L log v_k, with log(v + 1e-200) as
// GNMF_KL_Multi evaluates it.
func (s *klGraphState) Objective() float64 {
	s.Yt.Mul(s.V, s.U.T())
	f := divergence.GuardedMatrix(s.Xt, s.Yt, s.cfg.Eps, s.work)
	vr, lr := s.V.RawMatrix(), s.logV.RawMatrix()
	for i := 0; i < s.n; i++ {
		vrow := vr.Data[i*vr.Stride : i*vr.Stride+s.r]
		lrow := lr.Data[i*lr.Stride : i*lr.Stride+s.r]
		for k, v := range vrow {
			lrow[k] = math.Log(v + 1e-200)
		}
	}
	s.g.MulLaplacian(s.adir, s.logV)
	return f + s.cfg.Lambda*dense.Dot(s.adir, s.V)
}
