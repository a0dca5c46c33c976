// Package gwntf registers GWNTF, the graph-regularized Wasserstein
// nonnegative CP factorization of arXiv 2401.01842 (Algorithm 1), the
// method whose clustering tables nmfbench reproduces. The embedding is the
// sample-mode factor A⁽³⁾. See docs/gwntf.md for the objective, the
// derivations and the choices made where the paper is silent or
// inconsistent.
package gwntf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
	"nmfbench/internal/divergence"
	"nmfbench/internal/graph"
	"nmfbench/internal/mu"
	"nmfbench/internal/ot"
	"nmfbench/internal/ot/vmath"
	"nmfbench/internal/samplegraph"
	"nmfbench/internal/tensor"
	"nmfbench/methods"
)

// Params configures GWNTF.
type Params struct {
	Rank                int          `yaml:"rank" symbol:"R" doc:"CP rank R; 0 means the number of classes"`
	MaxIter             int          `yaml:"max_iter" doc:"outer iterations (scaling of every mode, then one MM update of every factor)"`
	Tol                 float64      `yaml:"tol" doc:"stop when the relative decrease of the objective J falls below tol (0: run max_iter)"`
	Entropic            float64      `yaml:"entropic" symbol:"λ" doc:"entropic weight λ of the smoothed transport (ε = 1/λ; paper 100)"`
	MarginalWeightData  float64      `yaml:"marginal_weight_data" symbol:"α" doc:"weight α of the KL penalty on the data-side marginal (paper 1)"`
	MarginalWeightModel float64      `yaml:"marginal_weight_model" symbol:"β" doc:"weight β of the KL penalty on the reconstruction-side marginal (paper 1)"`
	GraphWeight         float64      `yaml:"graph_weight" symbol:"μ" doc:"graph regularization weight μ of Eq. 18 (paper 1e4)"`
	Neighbors           int          `yaml:"neighbors" symbol:"p" doc:"neighbours p of the binary kNN sample graph (paper 5)"`
	Metric              graph.Metric `yaml:"neighbor_metric" doc:"who is a neighbour in the sample graph: cosine (as GNMF, GNCP) or euclidean"`
	GraphSign           GraphSign    `yaml:"graph_sign" doc:"laplacian: μSA in the numerator, μDA in the denominator (smoothing, as GNMF); paper: literal Eq. 18 (anti-smoothing)"`
	SampleUpdate        SampleUpdate `yaml:"sample_update" doc:"update of the sample factor: ratio (Eq. 18's ∇⁺/∇⁻ rule) or mm (exact minimiser of a separable majorizer, monotone)"`
	Target              Target       `yaml:"target" doc:"mode: A⁽ⁿ⁾ is fitted to Ψ(Tₙ) of its own mode (Algorithm 1); mean: every factor is fitted to the mean of the folded Ψ(Tₘ) (exact block descent of J)"`
	PixelCost           Cost         `yaml:"pixel_cost" doc:"pixel-mode transport: line (cost |i − j|^q / max along each image axis) or none (plain KL; with sample_cost none and graph_weight 0 the method is exactly KL-NCP)"`
	CostPower           float64      `yaml:"cost_power" symbol:"q" doc:"q of the pixel-mode ground cost |i − j|^q, divided by its maximum"`
	SampleCost          Cost         `yaml:"sample_cost" doc:"sample-mode transport: none (plain KL on the samples), diagonal (zero-one cost) or cosine (1 − cosine similarity, n × n dense)"`
	ScalingIters        int          `yaml:"scaling_iters" doc:"maximum scaling iterations per mode and outer iteration"`
	ScalingTol          float64      `yaml:"scaling_tol" doc:"stop a mode's scaling early when max |ΔV|/V ≤ tol (0: always scaling_iters)"`
	WarmStart           bool         `yaml:"warm_start" doc:"start each mode's scaling from the previous outer iteration's V instead of 𝟏/Iₙ (Algorithm 1)"`
	Normalize           bool         `yaml:"normalize" doc:"after every outer iteration rescale the columns of A⁽¹⁾, A⁽²⁾ to unit L1 norm, compensated in A⁽³⁾ (fixes the scale the graph term sees)"`
	Eps                 float64      `yaml:"eps" doc:"guard added to the denominators of the multiplicative updates"`
}

// GraphSign selects the sign convention of the graph term (docs/gwntf.md).
type GraphSign string

// Graph-term signs.
const (
	SignLaplacian GraphSign = "laplacian"
	SignPaper     GraphSign = "paper"
)

// UnmarshalText parses a sign convention.
func (g *GraphSign) UnmarshalText(b []byte) error {
	return methods.ParseChoice(g, b, SignLaplacian, SignPaper)
}

// Choices lists the sign conventions.
func (GraphSign) Choices() []string { return methods.Names(SignLaplacian, SignPaper) }

// SampleUpdate selects the update of the sample factor.
type SampleUpdate string

// Sample-factor updates.
const (
	UpdateRatio SampleUpdate = "ratio"
	UpdateMM    SampleUpdate = "mm"
)

// UnmarshalText parses an update name.
func (u *SampleUpdate) UnmarshalText(b []byte) error {
	return methods.ParseChoice(u, b, UpdateRatio, UpdateMM)
}

// Choices lists the sample-factor updates.
func (SampleUpdate) Choices() []string { return methods.Names(UpdateRatio, UpdateMM) }

// Target selects what each factor is fitted to.
type Target string

// Targets.
const (
	TargetMode Target = "mode"
	TargetMean Target = "mean"
)

// UnmarshalText parses a target name.
func (t *Target) UnmarshalText(b []byte) error {
	return methods.ParseChoice(t, b, TargetMode, TargetMean)
}

// Choices lists the targets.
func (Target) Choices() []string { return methods.Names(TargetMode, TargetMean) }

// Cost is a mode's transport ground cost.
type Cost string

// Ground costs: none and line for the pixel modes; none, diagonal and
// cosine for the sample mode.
const (
	CostNone     Cost = "none"
	CostLine     Cost = "line"
	CostDiagonal Cost = "diagonal"
	CostCosine   Cost = "cosine"
)

// UnmarshalText parses a cost name (Validate checks it fits its mode).
func (c *Cost) UnmarshalText(b []byte) error {
	return methods.ParseChoice(c, b, CostNone, CostLine, CostDiagonal, CostCosine)
}

// Choices lists the cost names.
func (Cost) Choices() []string { return methods.Names(CostNone, CostLine, CostDiagonal, CostCosine) }

// Defaults holds the paper's hyperparameters (Section 4.1) and the defaults
// chosen in docs/gwntf.md for what the paper leaves open.
var Defaults = Params{
	MaxIter:             100,
	Tol:                 0,
	Entropic:            100,
	MarginalWeightData:  1,
	MarginalWeightModel: 1,
	GraphWeight:         1e4,
	Neighbors:           5,
	Metric:              graph.Angular,
	GraphSign:           SignLaplacian,
	SampleUpdate:        UpdateRatio,
	Target:              TargetMode,
	PixelCost:           CostLine,
	CostPower:           1,
	SampleCost:          CostNone,
	ScalingIters:        5,
	ScalingTol:          0,
	WarmStart:           true,
	Normalize:           true,
	Eps:                 1e-12,
}

// Validate checks the parameter values.
func (p *Params) Validate() error {
	err := methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckIters("max_iter", p.MaxIter, 1),
		methods.CheckNonNegative("tol", p.Tol),
		methods.CheckPositive("entropic", p.Entropic),
		methods.CheckPositive("marginal_weight_data", p.MarginalWeightData),
		methods.CheckPositive("marginal_weight_model", p.MarginalWeightModel),
		methods.CheckNonNegative("graph_weight", p.GraphWeight),
		methods.CheckPositive("cost_power", p.CostPower),
		methods.CheckCount("scaling_iters", p.ScalingIters, 1, 10_000),
		methods.CheckNonNegative("scaling_tol", p.ScalingTol),
		methods.CheckGuard("eps", p.Eps),
	)
	switch {
	case err != nil:
		return err
	case p.GraphWeight > 0 && (p.Neighbors < 1 || p.Neighbors > 1000):
		return fmt.Errorf("neighbors = %d: must be in [1, 1000] when graph_weight > 0", p.Neighbors)
	case p.PixelCost != CostLine && p.PixelCost != CostNone:
		return fmt.Errorf("pixel_cost = %q: must be line or none", p.PixelCost)
	case p.SampleCost == CostLine:
		return fmt.Errorf("sample_cost = %q: must be none, diagonal or cosine", p.SampleCost)
	}
	return nil
}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "GWNTF",
		Summary:  "graph-regularized Wasserstein nonnegative CP factorization of the H×W×n image tensor (the paper's method, Algorithm 1); embedding A⁽³⁾",
		Version:  2,
		Defaults: Defaults,
		Renamed: map[string]string{"lambda": "entropic", "alpha": "marginal_weight_data", "beta": "marginal_weight_model", "mu": "graph_weight",
			"p": "neighbors", "metric": "neighbor_metric", "pixel_cost_power": "cost_power", "sinkhorn_iters": "scaling_iters", "sinkhorn_tol": "scaling_tol"},
		Fit: fit,
	})
}

// errGWNTFNumeric reports a non-finite or vanished iterate.
var errGWNTFNumeric = errors.New("GWNTF: numerical breakdown")

// fitGWNTF builds (or fetches from p.Memo) the kNN graph, prepares the solver
// and runs it.
func fit(ctx context.Context, p *methods.Problem, prm Params) (*methods.Result, error) {
	start := time.Now()
	d := p.Data
	if d == nil || d.X == nil {
		return nil, errors.New("GWNTF: no data")
	}
	if !d.IsImage() {
		return nil, fmt.Errorf("GWNTF: dataset %q is not an image set (Height×Width must equal the %d features); the method factorizes the H×W×n tensor", d.Name, d.Features())
	}
	var g *graph.CSR
	if prm.GraphWeight > 0 {
		var err error
		g, err = samplegraph.Get(ctx, p, samplegraph.Options{Neighbors: prm.Neighbors, Weights: graph.Binary, Metric: prm.Metric})
		if err != nil {
			return nil, fmt.Errorf("GWNTF: kNN graph: %w", err)
		}
	}
	s, err := newGWNTFSolver(ctx, p, prm, g)
	if err != nil {
		return nil, err
	}
	return s.run(ctx, p.Progress, start)
}

// gwntfSolver holds the factors, the data unfoldings and every workspace of
// one GWNTF run. Modes are 0-based here: 0 = pixel rows (H), 1 = pixel
// columns (W), 2 = samples (n).
type gwntfSolver struct {
	prm  Params
	dims [3]int
	size int // H·W·n, the number of entries of every unfolding
	R    int
	g    *graph.CSR

	A   [3]*mat.Dense   // factors A⁽ⁿ⁾, Iₙ × R
	X   [3]*mat.Dense   // data unfoldings X₍ₙ₎ (X[2] is the dataset matrix, shared)
	kr  [3]*mat.Dense   // Khatri–Rao products A⁽⁻ⁿ⁾, I₋ₙ × R
	psi [3]*mat.Dense   // Ψ(Tₙ) (Iₙ × I₋ₙ); psi[2] = X[2] without sample transport
	ot  [3]*modeScaling // scaling state per mode, nil for a mode without transport

	xhat  [3]*mat.Dense // X̂₍ₙ₎, one buffer per mode (the scaling of mode n reads xhat[n])
	work  [3]*mat.Dense // views of workBuf
	mean  [3]*mat.Dense // Ψ̄ unfolded per mode (target mean only)
	num   [3]*mat.Dense // Iₙ × R numerators
	sa    *mat.Dense    // S·A⁽³⁾ (n × R)
	den   []float64     // R
	colsm [3][]float64  // column sums of each factor

	workBuf []float64

	// gen counts the changes of the factors; xhatGen[n] is the gen at which
	// xhat[n] and kr[n] were computed, so that a reconstruction of unchanged
	// factors (mode 1 after the scaling of the previous outer iteration) is
	// reused instead of recomputed.
	gen            uint64
	xhatGen, krGen [3]uint64
	scaled         *mat.Dense // Iₒ × R scratch of the pixel-mode products (o the other pixel mode)
	g2             *mat.Dense // R × Iₒ scratch
}

// newGWNTFSolver unfolds the data, builds the ground-cost kernels and draws
// the initial factors from p.RNG.
func newGWNTFSolver(ctx context.Context, p *methods.Problem, prm Params, g *graph.CSR) (*gwntfSolver, error) {
	d := p.Data
	H, W, n := d.Height, d.Width, d.Samples()
	s := &gwntfSolver{prm: prm, dims: [3]int{H, W, n}, size: H * W * n, R: p.Rank(prm.Rank), g: g, gen: 1}
	if s.R < 1 {
		return nil, fmt.Errorf("GWNTF: rank %d; need at least 1", s.R)
	}
	t, err := tensor.FromImages(d.X, H, W)
	if err != nil {
		return nil, fmt.Errorf("GWNTF: %w", err)
	}
	s.X[0], s.X[1], s.X[2] = t.Unfold(0), t.Unfold(1), t.LastUnfolding()
	s.workBuf = make([]float64, s.size)
	for m := 0; m < 3; m++ {
		rows, cols := s.dims[m], s.size/s.dims[m]
		s.A[m] = mat.NewDense(rows, s.R, nil)
		s.kr[m] = mat.NewDense(cols, s.R, nil)
		s.xhat[m] = mat.NewDense(rows, cols, nil)
		s.work[m] = mat.NewDense(rows, cols, s.workBuf)
		s.num[m] = mat.NewDense(rows, s.R, nil)
		s.colsm[m] = make([]float64, s.R)
		if prm.Target == TargetMean {
			s.mean[m] = mat.NewDense(rows, cols, nil)
		}
	}
	s.sa = mat.NewDense(n, s.R, nil)
	s.scaled = mat.NewDense(max(H, W), s.R, nil)
	s.g2 = mat.NewDense(s.R, max(H, W), nil)
	s.den = make([]float64, s.R)

	// Ground-cost kernels and scaling state (Algorithm 1, K = exp(−λC − 1)).
	for m := 0; m < 3; m++ {
		var k ot.Kernel
		switch {
		case m < 2 && prm.PixelCost == CostNone, m == 2 && prm.SampleCost == CostNone:
			s.psi[m] = s.X[m] // no transport on this mode: plain KL
			continue
		case m < 2:
			// q = 1: e^{-1}·r^|i−j|, applied by recursions (ot.Line).
			k, err = ot.NewLine(s.dims[m], prm.CostPower, math.Pow(float64(s.dims[m]-1), prm.CostPower), prm.Entropic, 1)
		default:
			k, err = sampleKernel(ctx, p, prm)
		}
		if err == nil {
			s.ot[m], err = newModeScaling(k, s.X[m], s.xhat[m], prm, p.Goroutines())
		}
		if err != nil {
			return nil, fmt.Errorf("GWNTF: mode %d transport: %w", m+1, err)
		}
		s.psi[m] = mat.NewDense(s.dims[m], s.size/s.dims[m], nil)
	}

	// Random positive initialisation, rescaled so that Σ 𝒳̂ = Σ 𝒳 (a KL fit
	// conserves total mass at its optimum).
	for m := 0; m < 3; m++ {
		raw := s.A[m].RawMatrix().Data
		for i := range raw {
			raw[i] = p.RNG.Float64() + 1e-3
		}
	}
	sumX := floats.Sum(s.X[2].RawMatrix().Data)
	if !(sumX > 0) {
		return nil, fmt.Errorf("GWNTF: dataset %q is all zero", d.Name)
	}
	f := math.Cbrt(sumX / s.massHat())
	for m := 0; m < 3; m++ {
		s.A[m].Scale(f, s.A[m])
	}
	return s, nil
}

// massHat returns Σ 𝒳̂ = Σ_r ∏ₙ (𝟏ᵀA⁽ⁿ⁾)_r.
func (s *gwntfSolver) massHat() float64 {
	for m := 0; m < 3; m++ {
		dense.ColSums(s.colsm[m], s.A[m])
	}
	var tot float64
	for r := 0; r < s.R; r++ {
		tot += s.colsm[0][r] * s.colsm[1][r] * s.colsm[2][r]
	}
	return tot
}

// others returns the factors of A⁽⁻ⁿ⁾ in Kolda–Bader order (highest mode
// first), as tensor.KhatriRao expects.
func (s *gwntfSolver) others(n int) []*mat.Dense {
	switch n {
	case 0:
		return []*mat.Dense{s.A[2], s.A[1]}
	case 1:
		return []*mat.Dense{s.A[2], s.A[0]}
	}
	return []*mat.Dense{s.A[1], s.A[0]}
}

// reconstruct sets kr[n] = A⁽⁻ⁿ⁾ and xhat[n] = X̂₍ₙ₎ = A⁽ⁿ⁾A⁽⁻ⁿ⁾ᵀ, unless
// they already hold these products of the current factors. The iterations
// use it for the sample mode (A⁽⁻³⁾ is only HW × R); for the pixel modes they
// use model, which never forms the (W·n or H·n) × R Khatri–Rao product.
func (s *gwntfSolver) reconstruct(n int) *mat.Dense {
	if s.xhatGen[n] == s.gen && s.krGen[n] == s.gen {
		return s.xhat[n]
	}
	tensor.KhatriRao(s.kr[n], s.others(n)...)
	s.krGen[n] = s.gen
	s.xhat[n].Mul(s.A[n], s.kr[n].T())
	s.xhatGen[n] = s.gen
	return s.xhat[n]
}

// model returns xhat[n] = X̂₍ₙ₎ of the current factors (computed at most once
// per change of the factors). For a pixel mode p with other pixel mode o
// (sizes Iₚ, Iₒ), row a of X̂₍ₚ₎ seen as an n × Iₒ matrix (columns ordered
// o fastest, then the sample) is A⁽³⁾ (A⁽ᵒ⁾ diag(A⁽ᵖ⁾[a, :]))ᵀ: Iₚ GEMMs of
// n × R by R × Iₒ, the same products as A⁽ᵖ⁾A⁽⁻ᵖ⁾ᵀ without the Khatri–Rao
// matrix.
func (s *gwntfSolver) model(n int) *mat.Dense {
	if s.xhatGen[n] == s.gen {
		return s.xhat[n]
	}
	if n == 2 {
		return s.reconstruct(2)
	}
	o := 1 - n
	ap, ao, a3 := s.A[n].RawMatrix(), s.A[o], s.A[2].RawMatrix()
	io, ns := s.dims[o], s.dims[2]
	b := s.scaled.Slice(0, io, 0, s.R).(*mat.Dense)
	xd := s.xhat[n].RawMatrix().Data
	for a := 0; a < s.dims[n]; a++ {
		scaleCols(b, ao, ap.Data[a*ap.Stride:a*ap.Stride+s.R])
		blas64.Gemm(blas.NoTrans, blas.Trans, 1, a3, b.RawMatrix(), 0,
			blas64.General{Rows: ns, Cols: io, Stride: io, Data: xd[a*ns*io : (a+1)*ns*io]})
	}
	s.xhatGen[n] = s.gen
	return s.xhat[n]
}

// mttkrp sets num[n] = Q A⁽⁻ⁿ⁾ for the Iₙ × I₋ₙ matrix Q. For a pixel mode
// (see model) row a is Σ_{i,c} Q_a[i, c] A⁽³⁾[i, :] ⊛ A⁽ᵒ⁾[c, :] with Q_a the
// n × Iₒ view of row a: one GEMM G = A⁽³⁾ᵀQ_a (R × Iₒ), then
// num[a, r] = Σ_c G[r, c] A⁽ᵒ⁾[c, r].
func (s *gwntfSolver) mttkrp(n int, q *mat.Dense) {
	if n == 2 {
		s.reconstruct(2) // kr[2] (cached)
		s.num[2].Mul(q, s.kr[2])
		return
	}
	o := 1 - n
	ao, a3 := s.A[o].RawMatrix(), s.A[2].RawMatrix()
	io, ns := s.dims[o], s.dims[2]
	g := s.g2.Slice(0, s.R, 0, io).(*mat.Dense).RawMatrix()
	qd := q.RawMatrix().Data
	nr := s.num[n].RawMatrix()
	for a := 0; a < s.dims[n]; a++ {
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, a3,
			blas64.General{Rows: ns, Cols: io, Stride: io, Data: qd[a*ns*io : (a+1)*ns*io]}, 0, g)
		row := nr.Data[a*nr.Stride : a*nr.Stride+s.R]
		for r := range row {
			var sum float64
			grow := g.Data[r*g.Stride : r*g.Stride+io]
			for c, v := range grow {
				sum += v * ao.Data[c*ao.Stride+r]
			}
			row[r] = sum
		}
	}
}

// scaleCols sets dst = a diag(d).
func scaleCols(dst, a *mat.Dense, d []float64) {
	ar, dr := a.RawMatrix(), dst.RawMatrix()
	for i := 0; i < ar.Rows; i++ {
		floats.MulTo(dr.Data[i*dr.Stride:i*dr.Stride+ar.Cols], ar.Data[i*ar.Stride:i*ar.Stride+ar.Cols], d)
	}
}

// changed records that the factors changed (the reconstructions are stale).
func (s *gwntfSolver) changed() { s.gen++ }

// run performs the outer iterations of Algorithm 1 and returns the result.
//
// Objective[t] is J(T, A) of Eq. 9 (see docs/gwntf.md) for the factors after
// outer iteration t (t = 0: the initial factors), evaluated at the plans that
// the scaling of iteration t+1 computes from those factors; the scaling after
// the last iteration is done for this evaluation only.
func (s *gwntfSolver) run(ctx context.Context, progress func(int, float64), start time.Time) (*methods.Result, error) {
	res := &methods.Result{}
	J0, err := s.scaleAll(ctx)
	if err != nil {
		return nil, fmt.Errorf("GWNTF: initial scaling: %w", err)
	}
	err = methods.Iterate(ctx, res, J0, methods.Loop{MaxIter: s.prm.MaxIter, Converger: methods.RelativeDecrease{Tol: s.prm.Tol}, Progress: progress, Start: start},
		func(t int) (float64, error) {
			if err := s.updateFactors(); err != nil {
				return 0, fmt.Errorf("GWNTF: outer iteration %d: %w", t, err)
			}
			if s.prm.Normalize {
				s.absorbL1()
			}
			J, err := s.scaleAll(ctx)
			if err != nil {
				return 0, fmt.Errorf("GWNTF: outer iteration %d: %w", t, err)
			}
			return J, nil
		})
	if err != nil {
		return nil, err
	}
	// Scaling ambiguity: every column of A⁽¹⁾ and A⁽²⁾ gets unit L1 norm (each
	// rank-one basis image sums to 1) and A⁽³⁾ carries the mass, as Deng Cai's
	// NormalizeUV does for KL factorizations.
	s.absorbL1()
	for m := 0; m < 3; m++ {
		if !dense.Finite(s.A[m]) {
			return nil, fmt.Errorf("%w: factor A%d is not finite", errGWNTFNumeric, m+1)
		}
	}
	res.Embedding = mat.DenseCopyOf(s.A[2])
	res.Factors = map[string]*mat.Dense{"A1": mat.DenseCopyOf(s.A[0]), "A2": mat.DenseCopyOf(s.A[1])}
	return res, nil
}

// scaleAll reconstructs X̂₍ₙ₎ for every mode, runs the unbalanced scaling that
// gives Ψ(Tₙ), and returns J(T, A).
func (s *gwntfSolver) scaleAll(ctx context.Context) (float64, error) {
	var J float64
	for n := 0; n < 3; n++ {
		xh := s.model(n)
		if s.ot[n] == nil { // no transport: the mode's term is β D_KL(X₍ₙ₎ ‖ X̂₍ₙ₎)
			J += s.prm.MarginalWeightModel * divergence.KL(s.X[n].RawMatrix().Data, xh.RawMatrix().Data)
			continue
		}
		jn, err := s.ot[n].solve(ctx, s.psi[n])
		if err != nil {
			return 0, fmt.Errorf("mode %d scaling: %w", n+1, err)
		}
		J += jn
	}
	if s.g != nil {
		q := 0.5 * s.prm.GraphWeight * s.g.LaplacianQuadratic(s.A[2])
		if s.prm.GraphSign == SignPaper {
			q = -q
		}
		J += q
	}
	if math.IsNaN(J) || math.IsInf(J, 0) {
		return 0, fmt.Errorf("%w: objective is %v", errGWNTFNumeric, J)
	}
	return J, nil
}

// updateFactors applies one MM update to every factor in turn (Gauss–Seidel,
// Algorithm 1): Eq. 16 for the pixel modes, Eq. 18 for the sample mode.
func (s *gwntfSolver) updateFactors() error {
	target := s.psi
	w := s.prm.MarginalWeightModel // weight of the data term in the sample update
	if s.prm.Target == TargetMean {
		s.buildMean()
		target = s.mean
		w = 3 * s.prm.MarginalWeightModel
	}
	for n := 0; n < 3; n++ {
		if err := s.updateMode(n, target[n], w); err != nil {
			return err
		}
	}
	return nil
}

// updateMode applies the MM update of factor n towards the target Ψ (Iₙ ×
// I₋ₙ): Eq. 16 for a pixel mode, Eq. 18 (or its variant) with data-term
// weight w for the sample mode.
func (s *gwntfSolver) updateMode(n int, target *mat.Dense, w float64) error {
	xh := s.model(n)
	ratio := s.work[n]
	// Ψ ⊘ X̂₍ₙ₎ (0 where Ψ = 0), then (Ψ ⊘ X̂₍ₙ₎) A⁽⁻ⁿ⁾.
	vmath.Quot(ratio.RawMatrix().Data, target.RawMatrix().Data, xh.RawMatrix().Data)
	s.mttkrp(n, ratio)
	// 𝟏A⁽⁻ⁿ⁾: the column sums of a Khatri–Rao product are the products of
	// the operands' column sums.
	for r := range s.den {
		s.den[r] = 1
	}
	for m := 0; m < 3; m++ {
		if m != n {
			dense.ColSums(s.colsm[m], s.A[m])
			floats.Mul(s.den, s.colsm[m])
		}
	}
	if n < 2 || s.g == nil {
		mu.UpdateCols(s.A[n], s.num[n], s.den, s.prm.Eps) // Eq. 16: A ← A ⊛ num ⊘ (𝟏 den)
	} else {
		s.sampleUpdate(w)
	}
	s.changed()
	if !dense.Finite(s.A[n]) {
		return fmt.Errorf("%w: factor A%d became non-finite", errGWNTFNumeric, n+1)
	}
	if floats.Max(s.A[n].RawMatrix().Data) == 0 {
		return fmt.Errorf("%w: factor A%d vanished", errGWNTFNumeric, n+1)
	}
	return nil
}

// sampleUpdate applies the graph-regularized update of the sample factor
// A = A⁽³⁾ (Eq. 18 and its variants, docs/gwntf.md) given s.num[2] =
// (Ψ ⊘ X̂₍₃₎)A⁽⁻³⁾, s.den = 𝟏A⁽⁻³⁾ and the data-term weight w.
func (s *gwntfSolver) sampleUpdate(w float64) {
	a := s.A[2]
	s.g.MulDense(s.sa, a) // S·A
	deg := s.g.Degrees()
	mu, eps := s.prm.GraphWeight, s.prm.Eps
	ar, nr, sr := a.RawMatrix(), s.num[2].RawMatrix(), s.sa.RawMatrix()
	paper := s.prm.GraphSign == SignPaper
	mm := s.prm.SampleUpdate == UpdateMM
	for i := 0; i < ar.Rows; i++ {
		arow := ar.Data[i*ar.Stride : i*ar.Stride+ar.Cols]
		nrow := nr.Data[i*nr.Stride : i*nr.Stride+nr.Cols]
		srow := sr.Data[i*sr.Stride : i*sr.Stride+sr.Cols]
		d := deg[i]
		for r, at := range arow {
			if at == 0 {
				continue
			}
			b := w * s.den[r]
			switch {
			case !mm && !paper: // A ⊛ (w num + μSA) ⊘ (w 𝟏A⁽⁻³⁾ + μDA)
				arow[r] = at * (w*nrow[r] + mu*srow[r]) / (b + mu*d*at + eps)
			case !mm && paper: // literal Eq. 18: A ⊛ (w num + μDA) ⊘ (w 𝟏A⁽⁻³⁾ + μSA)
				arow[r] = at * (w*nrow[r] + mu*d*at) / (b + mu*srow[r] + eps)
			case mm && !paper:
				// Positive root of μD a² + b a − c = 0, c = Ã(w num + μSÃ).
				c := at * (w*nrow[r] + mu*srow[r])
				arow[r] = 2 * c / (b + math.Sqrt(b*b+4*mu*d*c) + eps)
			default:
				// Positive root of μ(SÃ/Ã) a² + (b − μDÃ) a − c = 0, c = Ã w num.
				c := at * w * nrow[r]
				q := mu * srow[r] / at
				bb := b - mu*d*at
				disc := math.Sqrt(bb*bb + 4*q*c)
				if bb < 0 {
					arow[r] = (disc - bb) / (2*q + eps)
				} else {
					arow[r] = 2 * c / (bb + disc + eps)
				}
			}
		}
	}
}

// buildMean sets s.mean[n] to the mode-n unfolding of Ψ̄ = (1/3)Σₘ fold(Ψ(Tₘ)).
func (s *gwntfSolver) buildMean() {
	H, W, n := s.dims[0], s.dims[1], s.dims[2]
	t := s.mean[2].RawMatrix().Data // tensor layout: (r, c, i) at r + H(c + W i)
	copy(t, s.psi[2].RawMatrix().Data)
	p0, p1 := s.psi[0].RawMatrix().Data, s.psi[1].RawMatrix().Data
	m0, m1 := s.mean[0].RawMatrix().Data, s.mean[1].RawMatrix().Data
	const third = 1.0 / 3
	for i := 0; i < n; i++ {
		for c := 0; c < W; c++ {
			row := t[H*(c+W*i) : H*(c+W*i)+H]
			for r := range row {
				// mode 1: row r, column c + W i; mode 2: row c, column r + H i.
				row[r] = third * (row[r] + p0[r*W*n+c+W*i] + p1[c*H*n+r+H*i])
			}
		}
	}
	for i := 0; i < n; i++ {
		for c := 0; c < W; c++ {
			row := t[H*(c+W*i) : H*(c+W*i)+H]
			for r, v := range row {
				m0[r*W*n+c+W*i] = v
				m1[c*H*n+r+H*i] = v
			}
		}
	}
}

// absorbL1 rescales every column of A⁽¹⁾ and A⁽²⁾ to unit L1 norm and
// multiplies the matching column of A⁽³⁾ by the removed norms (𝒳̂ unchanged).
func (s *gwntfSolver) absorbL1() {
	dense.AbsorbScale(s.A[:], 2, 1)
	s.changed()
}
