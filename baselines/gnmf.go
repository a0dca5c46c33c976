package baselines

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/graph"
	"nmfbench/methods"
)

// GNMFParams configures graph-regularized NMF (Cai, He, Han & Huang, TPAMI
// 33(8), 2011).
type GNMFParams struct {
	Rank        int     `yaml:"rank" doc:"factorization rank r; 0 means the number of classes (paper)"`
	Loss        string  `yaml:"loss" doc:"frobenius: ‖X − UVᵀ‖² + λ tr(VᵀLV); kl: D(X‖UVᵀ) + λ·½Σ_jl W_jl (D(v_j‖v_l) + D(v_l‖v_j))"`
	Lambda      float64 `yaml:"lambda" doc:"graph regularization weight λ (paper: 100); 0 gives plain NMF exactly"`
	Neighbors   int     `yaml:"p" doc:"nearest neighbours per sample in the kNN graph (paper: 5)"`
	Weight      string  `yaml:"weight" doc:"kNN edge weights: binary (paper, Cai's demo), heat or cosine"`
	Metric      string  `yaml:"metric" doc:"neighbour ranking: cosine (similarity of the samples; constructW's default Metric before 2009) or euclidean (distance on the preprocessed features)"`
	HeatT       float64 `yaml:"t" doc:"heat-kernel width t; 0 = mean pairwise distance (constructW's default)"`
	MaxIter     int     `yaml:"max_iter" doc:"maximum number of iterations in total (Cai's demo: 100)"`
	Tol         float64 `yaml:"tol" doc:"stop when the relative objective decrease of one iteration falls below tol (0: run max_iter)"`
	Init        string  `yaml:"init" doc:"cai: uniform [0,1) U and V, U's columns scaled to unit L2 norm and V compensated (GNMF_Multi); random: as NMF (|N(0,1)|·sqrt(mean(X)/r)), small V, so a much weaker graph term"`
	Restarts    int     `yaml:"restarts" doc:"random starts; with more than 1, each runs restart_iter iterations and the lowest objective is continued to max_iter (GNMF_Multi: nRepeat = 10)"`
	RestartIter int     `yaml:"restart_iter" doc:"iterations of each trial start when restarts > 1 (GNMF_Multi: minIter = 30)"`
	Eps         float64 `yaml:"eps" doc:"guard added to every denominator (as NMF)"`
}

// Validate checks the parameter values.
func (p *GNMFParams) Validate() error {
	switch {
	case p.Rank < 0:
		return fmt.Errorf("rank = %d: must be ≥ 0 (0 = number of classes)", p.Rank)
	case p.Loss != lossFrobenius && p.Loss != lossKL:
		return fmt.Errorf("loss = %q: must be %q or %q", p.Loss, lossFrobenius, lossKL)
	case !(p.Lambda >= 0) || math.IsInf(p.Lambda, 1):
		return fmt.Errorf("lambda = %v: must be finite and ≥ 0", p.Lambda)
	case p.Neighbors < 1:
		return fmt.Errorf("p = %d: need at least one neighbour", p.Neighbors)
	case p.MaxIter < 1:
		return fmt.Errorf("max_iter = %d: must be ≥ 1", p.MaxIter)
	case !(p.Tol >= 0):
		return fmt.Errorf("tol = %v: must be ≥ 0", p.Tol)
	case p.Init != "random" && p.Init != "cai":
		return fmt.Errorf("init = %q: must be \"random\" or \"cai\"", p.Init)
	case p.Restarts < 1:
		return fmt.Errorf("restarts = %d: must be ≥ 1", p.Restarts)
	case p.Restarts > 1 && (p.RestartIter < 1 || p.RestartIter > p.MaxIter):
		return fmt.Errorf("restart_iter = %d: must be in [1, max_iter = %d] when restarts > 1", p.RestartIter, p.MaxIter)
	case !(p.Eps > 0 && p.Eps < 1e-3):
		return fmt.Errorf("eps = %v: must be in (0, 1e-3)", p.Eps)
	}
	if err := validateGraph(p.Weight, p.Metric); err != nil {
		return err
	}
	if !(p.HeatT >= 0) || math.IsInf(p.HeatT, 1) {
		return fmt.Errorf("t = %v: must be > 0, or 0 for the mean distance", p.HeatT)
	}
	return nil
}

// defaultGNMFParams: the paper's λ = 100, p = 5 with the settings of Deng
// Cai's GNMF demo: binary weights, neighbours by cosine similarity (the
// default Metric of its constructW), his initialisation (which sets the scale
// of V, and with it the effective strength of the graph term: see
// docs/gnmf.md) and 100 iterations; tolerance and guard as NMF; one start.
var defaultGNMFParams = GNMFParams{
	Loss: lossFrobenius, Lambda: 100, Neighbors: 5, Weight: "binary", Metric: "cosine",
	MaxIter: 100, Tol: defaultNMFParams.Tol, Init: "cai",
	Restarts: 1, RestartIter: 30, Eps: defaultNMFParams.Eps,
}

func init() {
	methods.Register("GNMF", "graph-regularized NMF (Cai et al. 2011): X ≈ UVᵀ with λ tr(VᵀLV) on a p-NN graph; Frobenius or KL; embedding V",
		defaultGNMFParams, fitGNMF)
}

func validateGraph(weight, metric string) error {
	if _, err := graph.ParseWeighting(weight); err != nil {
		return fmt.Errorf("weight: %w", err)
	}
	if _, err := graph.ParseMetric(metric); err != nil {
		return fmt.Errorf("metric: %w", err)
	}
	return nil
}

// sampleGraphMetric is methods.SampleGraph: the graph shared by every
// graph-regularized method.
func sampleGraphMetric(ctx context.Context, p *methods.Problem, neighbors int, weight, metric string, t float64) (*graph.CSR, error) {
	return methods.SampleGraph(ctx, p, neighbors, weight, metric, t)
}

func fitGNMF(ctx context.Context, p *methods.Problem, prm GNMFParams) (*methods.Result, error) {
	r := p.Rank(prm.Rank)
	X := p.Data.X
	var g *graph.CSR
	if prm.Lambda > 0 {
		var err error
		if g, err = sampleGraphMetric(ctx, p, prm.Neighbors, prm.Weight, prm.Metric, prm.HeatT); err != nil {
			return nil, err
		}
	}
	run := func(U, V *mat.Dense, maxIter int, tol float64, progress func(int, float64)) ([]float64, int, bool, error) {
		switch {
		case g == nil: // λ = 0: exactly NMF
			return factorMU(ctx, X, U, V, muConfig{Loss: prm.Loss, MaxIter: maxIter, Tol: tol, Eps: prm.Eps}, progress)
		case prm.Loss == lossFrobenius:
			return factorMU(ctx, X, U, V, muConfig{Loss: prm.Loss, MaxIter: maxIter, Tol: tol, Eps: prm.Eps, Graph: g, Lambda: prm.Lambda}, progress)
		default:
			return factorKLGraph(ctx, X, U, V, g, klGraphConfig{Lambda: prm.Lambda, MaxIter: maxIter, Tol: tol, Eps: prm.Eps}, progress)
		}
	}
	start := func() (*mat.Dense, *mat.Dense) {
		if prm.Init == "cai" {
			return caiInit(p.RNG, X, r)
		}
		return randomInit(p.RNG, X, r)
	}

	var (
		U, V  *mat.Dense
		obj   []float64
		iters int
		conv  bool
		err   error
	)
	if prm.Restarts == 1 {
		U, V = start()
		obj, iters, conv, err = run(U, V, prm.MaxIter, prm.Tol, p.Progress)
	} else {
		// GNMF_Multi's selection: every trial runs restart_iter iterations;
		// the one with the lowest objective is continued.
		for t := 0; t < prm.Restarts; t++ {
			Ut, Vt := start()
			o, it, _, e := run(Ut, Vt, prm.RestartIter, 0, nil)
			if e != nil {
				return nil, fmt.Errorf("trial start %d: %w", t+1, e)
			}
			if obj == nil || o[len(o)-1] < obj[len(obj)-1] {
				U, V, obj, iters = Ut, Vt, o, it
			}
		}
		if rest := prm.MaxIter - prm.RestartIter; rest > 0 {
			offset := iters
			var progress func(int, float64)
			if p.Progress != nil {
				progress = func(it int, f float64) { p.Progress(offset+it, f) }
			}
			var o []float64
			var it int
			o, it, conv, err = run(U, V, rest, prm.Tol, progress)
			if len(o) > 0 {
				obj = append(obj, o[1:]...) // o[0] repeats the selected trial's last value
			}
			iters += it
		}
	}
	if err != nil {
		return nil, err
	}
	normalizeColumns(U, V, normFor(prm.Loss))
	return &methods.Result{Embedding: V, Objective: obj, Iterations: iters, Converged: conv,
		Factors: map[string]*mat.Dense{"U": U}}, nil
}

// caiInit draws U (d×r) and V (n×r) uniformly in [0, 1) and scales U's
// columns to unit L2 norm, multiplying V's columns by the old norms
// (GNMF_Multi: rand, then NormalizeUV with Norm = 2, NormV = 0).
func caiInit(rng *rand.Rand, Xt *mat.Dense, r int) (U, V *mat.Dense) {
	n, d := Xt.Dims()
	U, V = mat.NewDense(d, r, nil), mat.NewDense(n, r, nil)
	for _, m := range []*mat.Dense{U, V} {
		data := m.RawMatrix().Data
		for i := range data {
			data[i] = rng.Float64()
		}
	}
	normalizeColumns(U, V, 2)
	return U, V
}

// klGraphConfig configures factorKLGraph.
type klGraphConfig struct {
	Lambda  float64
	MaxIter int
	Tol     float64
	Eps     float64
	CGTol   float64 // relative residual of the V solves; 0 means 1e-10
	CGMax   int     // CG iteration limit per solve; 0 means 1000
}

// factorKLGraph runs the divergence GNMF updates of Cai et al. (2011; the
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
func factorKLGraph(ctx context.Context, Xt, U, V *mat.Dense, g *graph.CSR, cfg klGraphConfig, progress func(int, float64)) (obj []float64, iters int, converged bool, err error) {
	if cfg.CGTol == 0 {
		cfg.CGTol = 1e-10
	}
	if cfg.CGMax == 0 {
		cfg.CGMax = 1000
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-10
	}
	s := newKLGraphState(Xt, U, V, g, cfg)
	return methods.Iterate(ctx, s.objective(), cfg.MaxIter, cfg.Tol, progress, func(it int) (float64, error) {
		if err := s.step(); err != nil {
			return 0, fmt.Errorf("iteration %d: %w", it, err)
		}
		return s.objective(), nil
	})
}

// klGraphState holds the workspaces of factorKLGraph.
type klGraphState struct {
	cfg        klGraphConfig
	g          *graph.CSR
	Xt, U, V   *mat.Dense
	n, d, r    int
	xLogX      float64    // Σ x log x − x over x > 0
	Yt         *mat.Dense // n×d: VUᵀ, then Xᵀ ⊘ (VUᵀ + eps)
	QU         *mat.Dense // n×r right-hand sides
	QV, den    *mat.Dense // d×r
	colU, colV []float64
	// conjugate-gradient workspaces, n×r, and per-column scalars
	res, z, dir, adir, logV *mat.Dense
	rz, rzNew, bnorm        []float64
}

func newKLGraphState(Xt, U, V *mat.Dense, g *graph.CSR, cfg klGraphConfig) *klGraphState {
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
	raw := Xt.RawMatrix()
	for i := 0; i < n; i++ {
		for _, x := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
			if x > 0 {
				s.xLogX += x*math.Log(x) - x
			}
		}
	}
	return s
}

// ratio sets Yt = Xᵀ ⊘ (VUᵀ + eps) for the current U, V.
func (s *klGraphState) ratio() {
	s.Yt.Mul(s.V, s.U.T())
	eps := s.cfg.Eps
	xr, yr := s.Xt.RawMatrix(), s.Yt.RawMatrix()
	for i := 0; i < s.n; i++ {
		x := xr.Data[i*xr.Stride : i*xr.Stride+s.d]
		y := yr.Data[i*yr.Stride : i*yr.Stride+s.d]
		for j := range y {
			y[j] = x[j] / (y[j] + eps)
		}
	}
}

func (s *klGraphState) step() error {
	// V update: b_k = v_k ∘ (QᵀU)_k, then (s_k I + λL) v_k = b_k.
	s.ratio()
	s.QU.Mul(s.Yt, s.U)
	s.QU.MulElem(s.QU, s.V)
	colSums(s.colU, s.U)
	for k := range s.colU {
		s.colU[k] = math.Max(s.colU[k], s.cfg.Eps)
	}
	if err := s.solve(s.V, s.QU, s.colU); err != nil {
		return err
	}
	// U update with Q recomputed for the new V.
	s.ratio()
	s.QV.Mul(s.Yt.T(), s.V)
	colSums(s.colV, s.V)
	setRows(s.den, s.colV)
	mulDiv(s.U, s.QV, s.den, s.cfg.Eps)
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

// objective returns D(X‖UVᵀ) + λ Σ_k v_kᵀ L log v_k, with log(v + 1e-200) as
// GNMF_KL_Multi evaluates it.
func (s *klGraphState) objective() float64 {
	s.Yt.Mul(s.V, s.U.T())
	eps := s.cfg.Eps
	xr, yr := s.Xt.RawMatrix(), s.Yt.RawMatrix()
	f := s.xLogX
	for i := 0; i < s.n; i++ {
		x := xr.Data[i*xr.Stride : i*xr.Stride+s.d]
		y := yr.Data[i*yr.Stride : i*yr.Stride+s.d]
		for j, yv := range y {
			f += yv
			if x[j] > 0 {
				f -= x[j] * math.Log(yv+eps)
			}
		}
	}
	vr, lr := s.V.RawMatrix(), s.logV.RawMatrix()
	for i := 0; i < s.n; i++ {
		vrow := vr.Data[i*vr.Stride : i*vr.Stride+s.r]
		lrow := lr.Data[i*lr.Stride : i*lr.Stride+s.r]
		for k, v := range vrow {
			lrow[k] = math.Log(v + 1e-200)
		}
	}
	s.g.MulLaplacian(s.adir, s.logV)
	return f + s.cfg.Lambda*dot(s.adir, s.V)
}
