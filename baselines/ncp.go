package baselines

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/tensor"
	"nmfbench/methods"
)

// NCPParams configures nonnegative CP decomposition of the image tensor.
type NCPParams struct {
	Rank      int     `yaml:"rank" doc:"CP rank R; 0 means the number of classes (paper)"`
	Algorithm string  `yaml:"algorithm" doc:"mu: Lee–Seung multiplicative updates (Shashua & Hazan 2005; tensor toolbox cp_nmu); hals: hierarchical ALS (Cichocki & Phan 2009)"`
	MaxIter   int     `yaml:"max_iter" doc:"maximum number of sweeps over the modes (as NMF; cp_nmu: 500)"`
	Tol       float64 `yaml:"tol" doc:"stop when the relative objective decrease of one sweep falls below tol (0: run max_iter)"`
	Eps       float64 `yaml:"eps" doc:"MU: guard added to every denominator; HALS: floor of every entry"`
	Init      string  `yaml:"init" doc:"random: entries |N(0,1)|·(mean(X)/R)^(1/3), NMF's start in three ways; unit: uniform [0,1) entries with the pixel factors' columns scaled to unit L2 norm and the sample factor compensated (GNMF's 'cai' start in three ways)"`
}

// Validate checks the parameter values.
func (p *NCPParams) Validate() error {
	switch {
	case p.Rank < 0:
		return fmt.Errorf("rank = %d: must be ≥ 0 (0 = number of classes)", p.Rank)
	case p.Algorithm != cpMU && p.Algorithm != cpHALS:
		return fmt.Errorf("algorithm = %q: must be %q or %q", p.Algorithm, cpMU, cpHALS)
	}
	if err := validateCPInit(p.Init); err != nil {
		return err
	}
	return validateIterations(p.MaxIter, p.Tol, p.Eps)
}

func validateCPInit(init string) error {
	if init != cpInitRandom && init != cpInitUnit {
		return fmt.Errorf("init = %q: must be %q or %q", init, cpInitRandom, cpInitUnit)
	}
	return nil
}

func validateIterations(maxIter int, tol, eps float64) error {
	switch {
	case maxIter < 1:
		return fmt.Errorf("max_iter = %d: must be ≥ 1", maxIter)
	case !(tol >= 0):
		return fmt.Errorf("tol = %v: must be ≥ 0", tol)
	case !(eps > 0 && eps < 1e-3):
		return fmt.Errorf("eps = %v: must be in (0, 1e-3)", eps)
	}
	return nil
}

const (
	cpMU   = "mu"
	cpHALS = "hals"

	cpInitRandom = "random"
	cpInitUnit   = "unit"
)

// defaultNCPParams: multiplicative updates with NMF's iteration budget,
// tolerance and guard.
var defaultNCPParams = NCPParams{Algorithm: cpMU, MaxIter: defaultNMFParams.MaxIter, Tol: defaultNMFParams.Tol, Eps: defaultNMFParams.Eps, Init: cpInitRandom}

func init() {
	methods.Register("NCP", "nonnegative CP decomposition of the H × W × n image tensor (Shashua & Hazan 2005), MU or HALS; embedding the sample-mode factor",
		defaultNCPParams, fitNCP)
}

func fitNCP(ctx context.Context, p *methods.Problem, prm NCPParams) (*methods.Result, error) {
	return fitCP(ctx, p, p.Rank(prm.Rank), prm.Init, cpConfig{Algorithm: prm.Algorithm, MaxIter: prm.MaxIter, Tol: prm.Tol, Eps: prm.Eps})
}

// fitCP factorizes the problem's image tensor with rank R and returns the
// sample-mode factor, with the pixel-mode factors' columns scaled to unit L2
// norm and the scale moved into it, as the embedding.
func fitCP(ctx context.Context, p *methods.Problem, R int, init string, cfg cpConfig) (*methods.Result, error) {
	x, err := tensor.FromDataset(p.Data)
	if err != nil {
		return nil, fmt.Errorf("a CP model needs image data: %w", err)
	}
	var A []*mat.Dense
	if init == cpInitUnit {
		A = cpUnitInit(p.RNG, x, R)
	} else {
		A = cpRandomInit(p.RNG, x, R)
	}
	obj, iters, conv, err := factorCP(ctx, x, A, cfg, p.Progress)
	if err != nil {
		return nil, err
	}
	N := len(A)
	tensor.AbsorbScale(A, N-1)
	factors := make(map[string]*mat.Dense, N)
	for k, a := range A {
		factors[fmt.Sprintf("A%d", k+1)] = a
	}
	return &methods.Result{Embedding: A[N-1], Objective: obj, Iterations: iters, Converged: conv, Factors: factors}, nil
}

// cpRandomInit returns factors A⁽ᵏ⁾ (I_k × R) with entries
// |N(0,1)|·(mean(𝒳)/R)^{1/N}, the N-way form of NMF's random initialisation
// (the model's mean entry is then of the order of the data's), drawn mode by
// mode.
func cpRandomInit(rng *rand.Rand, x *tensor.Dense, R int) []*mat.Dense {
	shape := x.Shape()
	N := len(shape)
	mean := floats.Sum(x.Data()) / float64(len(x.Data()))
	scale := math.Pow(mean/float64(R), 1/float64(N))
	if !(scale > 0) {
		scale = 1
	}
	A := make([]*mat.Dense, N)
	for k, s := range shape {
		A[k] = mat.NewDense(s, R, nil)
		data := A[k].RawMatrix().Data
		for i := range data {
			data[i] = scale * math.Abs(rng.NormFloat64())
		}
	}
	return A
}

// cpUnitInit returns factors with uniform [0, 1) entries, drawn mode by
// mode, whose pixel-mode columns are then scaled to unit L2 norm with the
// sample-mode columns compensated: GNMF_Multi's start (rand, NormalizeUV)
// carried over to three modes.
func cpUnitInit(rng *rand.Rand, x *tensor.Dense, R int) []*mat.Dense {
	shape := x.Shape()
	A := make([]*mat.Dense, len(shape))
	for k, s := range shape {
		A[k] = mat.NewDense(s, R, nil)
		data := A[k].RawMatrix().Data
		for i := range data {
			data[i] = rng.Float64()
		}
	}
	tensor.AbsorbScale(A, len(A)-1)
	return A
}

// cpConfig configures factorCP.
type cpConfig struct {
	Algorithm string   // cpMU or cpHALS
	MaxIter   int      // sweep limit
	Tol       float64  // relative objective decrease stopping tolerance (0: run MaxIter)
	Eps       float64  // MU denominator guard / HALS floor; 0 means 1e-10
	Graph     Affinity // graph on the last (sample) mode; nil: plain NCP
	Lambda    float64  // graph weight λ of λ tr(A⁽ᴺ⁾ᵀ L A⁽ᴺ⁾)
}

// factorCP fits the nonnegative CP model 𝒳 ≈ ⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧ by alternating
// over the modes, updating A in place and minimising
//
//	O = ‖𝒳 − ⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧‖² + λ tr(A⁽ᴺ⁾ᵀ L A⁽ᴺ⁾),   L = D − W.
//
// With M⁽ⁿ⁾ = X₍ₙ₎(⊙_{k≠n} A⁽ᵏ⁾) (MTTKRP) and Γ⁽ⁿ⁾ = ∗_{k≠n} A⁽ᵏ⁾ᵀA⁽ᵏ⁾, the
// multiplicative update of mode n (Lee–Seung on the unfolding
// X₍ₙ₎ ≈ A⁽ⁿ⁾(⊙_{k≠n}A⁽ᵏ⁾)ᵀ; Shashua & Hazan 2005; with the graph term Wang et
// al. 2011) is
//
//	A⁽ⁿ⁾ ← A⁽ⁿ⁾ ∘ M⁽ⁿ⁾ ⊘ (A⁽ⁿ⁾Γ⁽ⁿ⁾)                          n < N
//	A⁽ᴺ⁾ ← A⁽ᴺ⁾ ∘ (M⁽ᴺ⁾ + λWA⁽ᴺ⁾) ⊘ (A⁽ᴺ⁾Γ⁽ᴺ⁾ + λDA⁽ᴺ⁾),
//
// each a majorize–minimize step, so O never increases. HALS (λ = 0 only)
// instead minimises exactly over one column at a time,
// a_r ← max(ε, a_r + (m_r − A γ_r)/γ_rr). The objective after every sweep is
// returned (obj[0] for the initial factors), computed as
// ‖𝒳‖² − 2⟨M⁽ᴺ⁾, A⁽ᴺ⁾⟩ + 1ᵀ(Γ⁽ᴺ⁾ ∗ A⁽ᴺ⁾ᵀA⁽ᴺ⁾)1 without forming the model.
func factorCP(ctx context.Context, x *tensor.Dense, A []*mat.Dense, cfg cpConfig, progress func(int, float64)) (obj []float64, iters int, converged bool, err error) {
	if cfg.Eps == 0 {
		cfg.Eps = 1e-10
	}
	if cfg.Algorithm == cpHALS && cfg.Graph != nil && cfg.Lambda > 0 {
		return nil, 0, false, fmt.Errorf("HALS is implemented without the graph term; use multiplicative updates")
	}
	if cfg.Algorithm != cpMU && cfg.Algorithm != cpHALS {
		return nil, 0, false, fmt.Errorf("unknown CP algorithm %q", cfg.Algorithm)
	}
	if cfg.Graph != nil && cfg.Lambda < 0 {
		return nil, 0, false, fmt.Errorf("graph weight λ = %v must be ≥ 0", cfg.Lambda)
	}
	s, err := newCPState(x, A, cfg)
	if err != nil {
		return nil, 0, false, err
	}
	return methods.Iterate(ctx, s.initialObjective(), cfg.MaxIter, cfg.Tol, progress, func(int) (float64, error) {
		return s.sweep(), nil
	})
}

// cpState holds the workspaces of factorCP.
type cpState struct {
	cfg     cpConfig
	x       *tensor.Dense
	A       []*mat.Dense
	N, R    int
	normXSq float64
	ws      *tensor.Workspace
	M, den  []*mat.Dense // I_k × R: MTTKRP and MU denominator per mode
	G       []*mat.Dense // R × R Gram matrices A⁽ᵏ⁾ᵀA⁽ᵏ⁾
	gamma   *mat.Dense   // R × R: Γ⁽ⁿ⁾
	WA, num *mat.Dense   // n × R, graph term (sample mode)
	deg     []float64
	graph   bool
}

func newCPState(x *tensor.Dense, A []*mat.Dense, cfg cpConfig) (*cpState, error) {
	shape := x.Shape()
	N := len(shape)
	if len(A) != N {
		return nil, fmt.Errorf("%d factors for an order-%d tensor", len(A), N)
	}
	_, R := A[0].Dims()
	for k, a := range A {
		if r, c := a.Dims(); r != shape[k] || c != R {
			return nil, fmt.Errorf("factor %d is %d×%d, want %d×%d", k+1, r, c, shape[k], R)
		}
	}
	ws, err := tensor.NewWorkspace(shape, R)
	if err != nil {
		return nil, err
	}
	s := &cpState{cfg: cfg, x: x, A: A, N: N, R: R, normXSq: x.NormSq(), ws: ws,
		M: make([]*mat.Dense, N), den: make([]*mat.Dense, N), G: make([]*mat.Dense, N),
		gamma: mat.NewDense(R, R, nil)}
	for k, I := range shape {
		s.M[k], s.den[k] = mat.NewDense(I, R, nil), mat.NewDense(I, R, nil)
		s.G[k] = mat.NewDense(R, R, nil)
		s.G[k].Mul(A[k].T(), A[k])
	}
	if cfg.Graph != nil && cfg.Lambda > 0 {
		s.graph = true
		s.deg = cfg.Graph.Degrees()
		if len(s.deg) != shape[N-1] {
			return nil, fmt.Errorf("graph has %d vertices for %d samples", len(s.deg), shape[N-1])
		}
		s.WA, s.num = mat.NewDense(shape[N-1], R, nil), mat.NewDense(shape[N-1], R, nil)
	}
	return s, nil
}

// hadamardExcept sets gamma = ∗_{k≠n} G_k.
func (s *cpState) hadamardExcept(n int) {
	first := true
	for k, g := range s.G {
		if k == n {
			continue
		}
		if first {
			s.gamma.Copy(g)
			first = false
		} else {
			s.gamma.MulElem(s.gamma, g)
		}
	}
}

func (s *cpState) initialObjective() float64 {
	last := s.N - 1
	s.ws.MTTKRP(s.M[last], s.x, s.A, last)
	s.hadamardExcept(last)
	return s.objective()
}

// objective evaluates O from M⁽ᴺ⁾, Γ⁽ᴺ⁾ (in gamma) and G_N for the current
// factors.
func (s *cpState) objective() float64 {
	last := s.N - 1
	f := s.normXSq - 2*dot(s.M[last], s.A[last]) + dot(s.gamma, s.G[last])
	if f < 0 {
		f = 0 // rounding when the fit is exact
	}
	if s.graph {
		// tr(AᵀLA) = Σ_i D_ii ‖a_i‖² − ⟨WA, A⟩
		s.cfg.Graph.MulDense(s.WA, s.A[last])
		ar := s.A[last].RawMatrix()
		var t float64
		for i, d := range s.deg {
			row := ar.Data[i*ar.Stride : i*ar.Stride+s.R]
			t += d * floats.Dot(row, row)
		}
		f += s.cfg.Lambda * (t - dot(s.WA, s.A[last]))
	}
	return f
}

// sweep updates every mode once and returns the new objective.
func (s *cpState) sweep() float64 {
	last := s.N - 1
	s.ws.Contract(s.x, s.A[last]) // 𝒳 ×_N A⁽ᴺ⁾ᵀ, shared by modes 1 … N−1
	for n := 0; n < last; n++ {
		s.ws.MTTKRPContracted(s.M[n], s.A, n)
		s.hadamardExcept(n)
		s.update(n)
		s.G[n].Mul(s.A[n].T(), s.A[n])
	}
	s.ws.MTTKRP(s.M[last], s.x, s.A, last)
	s.hadamardExcept(last)
	s.update(last)
	s.G[last].Mul(s.A[last].T(), s.A[last])
	return s.objective()
}

// update applies one MU or HALS step to mode n given M⁽ⁿ⁾ and Γ⁽ⁿ⁾.
func (s *cpState) update(n int) {
	a, m := s.A[n], s.M[n]
	if s.cfg.Algorithm == cpHALS {
		s.hals(a, m)
		return
	}
	den := s.den[n]
	den.Mul(a, s.gamma)
	num := m
	if n == s.N-1 && s.graph {
		lam := s.cfg.Lambda
		s.cfg.Graph.MulDense(s.WA, a)
		s.num.Copy(m)
		nr, wr, dr, ar := s.num.RawMatrix(), s.WA.RawMatrix(), den.RawMatrix(), a.RawMatrix()
		for i, d := range s.deg {
			floats.AddScaled(nr.Data[i*nr.Stride:i*nr.Stride+s.R], lam, wr.Data[i*wr.Stride:i*wr.Stride+s.R])
			floats.AddScaled(dr.Data[i*dr.Stride:i*dr.Stride+s.R], lam*d, ar.Data[i*ar.Stride:i*ar.Stride+s.R])
		}
		num = s.num
	}
	mulDiv(a, num, den, s.cfg.Eps)
}

// hals performs one pass of column-wise exact minimisation,
// a_r ← max(ε, a_r + (m_r − A γ_r)/γ_rr) for r = 1 … R. Entry (i, r) depends on
// row i only, so rows are processed independently with the columns in order,
// which equals the column-sequential scheme.
func (s *cpState) hals(a, m *mat.Dense) {
	ar, mr, gr := a.RawMatrix(), m.RawMatrix(), s.gamma.RawMatrix()
	eps := s.cfg.Eps
	for i := 0; i < ar.Rows; i++ {
		row := ar.Data[i*ar.Stride : i*ar.Stride+s.R]
		mrow := mr.Data[i*mr.Stride : i*mr.Stride+s.R]
		for r := 0; r < s.R; r++ {
			g := gr.Data[r*gr.Stride : r*gr.Stride+s.R] // γ_r (Γ is symmetric)
			if g[r] <= 0 {
				continue
			}
			row[r] = math.Max(eps, row[r]+(mrow[r]-floats.Dot(row, g))/g[r])
		}
	}
}
