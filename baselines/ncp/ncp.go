// Package ncp registers NCP, nonnegative CP decomposition of the
// H × W × n image tensor (Shashua & Hazan 2005), with multiplicative updates
// or HALS, and GNCP, its graph-regularized form (Wang et al. 2011, LRNTF).
// The embedding is the sample-mode factor, with the pixel-mode factors'
// columns scaled to unit L2 norm and the scale moved into it. See
// docs/ncp.md.
package ncp

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
	"nmfbench/internal/graph"
	"nmfbench/internal/mu"
	"nmfbench/internal/tensor"
	"nmfbench/methods"
)

// Params configures NCP.
type Params struct {
	Rank      int       `yaml:"rank" symbol:"R" doc:"CP rank R; 0 means the number of classes (paper)"`
	Algorithm Algorithm `yaml:"algorithm" doc:"mu: Lee–Seung multiplicative updates (Shashua & Hazan 2005; tensor toolbox cp_nmu); hals: hierarchical ALS (Cichocki & Phan 2009)"`
	MaxIter   int       `yaml:"max_iter" doc:"maximum number of sweeps over the modes (as NMF; cp_nmu: 500)"`
	Tol       float64   `yaml:"tol" doc:"stop when the relative objective decrease of one sweep falls below tol (0: run max_iter)"`
	Eps       float64   `yaml:"eps" doc:"MU: guard added to every denominator; HALS: floor of every entry"`
	Init      Init      `yaml:"init" doc:"random: entries |N(0,1)|·(mean(X)/R)^(1/3), NMF's start in three ways; unit: uniform [0,1) entries with the pixel factors' columns scaled to unit L2 norm and the sample factor compensated (GNMF's 'cai' start in three ways)"`
}

// Algorithm is the CP update scheme.
type Algorithm string

// Update schemes.
const (
	MU   Algorithm = "mu"
	HALS Algorithm = "hals"
)

// UnmarshalText parses an algorithm name.
func (a *Algorithm) UnmarshalText(b []byte) error { return methods.ParseChoice(a, b, MU, HALS) }

// Choices lists the algorithms.
func (Algorithm) Choices() []string { return methods.Names(MU, HALS) }

// Init is the initialisation of the CP factors.
type Init string

// Initialisations.
const (
	RandomInit Init = "random"
	UnitInit   Init = "unit"
)

// UnmarshalText parses an initialisation name.
func (i *Init) UnmarshalText(b []byte) error { return methods.ParseChoice(i, b, RandomInit, UnitInit) }

// Choices lists the initialisations.
func (Init) Choices() []string { return methods.Names(RandomInit, UnitInit) }

// Validate checks the parameter values.
func (p *Params) Validate() error {
	return methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckIters("max_iter", p.MaxIter, 1),
		methods.CheckNonNegative("tol", p.Tol),
		methods.CheckGuard("eps", p.Eps),
	)
}

// Defaults: multiplicative updates, up to 500 sweeps or a relative decrease
// below 1e-5, guard 1e-10 (NMF's budget, tolerance and guard).
var Defaults = Params{Algorithm: MU, MaxIter: 500, Tol: 1e-5, Eps: 1e-10, Init: RandomInit}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "NCP",
		Summary:  "nonnegative CP decomposition of the H × W × n image tensor (Shashua & Hazan 2005), MU or HALS; embedding the sample-mode factor",
		Version:  1,
		Defaults: Defaults,
		Fit: func(ctx context.Context, p *methods.Problem, prm Params) (*methods.Result, error) {
			return fitCP(ctx, p, p.Rank(prm.Rank), prm.Init, cpConfig{Algorithm: prm.Algorithm, MaxIter: prm.MaxIter, Tol: prm.Tol, Eps: prm.Eps})
		},
	})
}

// fitCP factorizes the problem's image tensor with rank R and returns the
// sample-mode factor, with the pixel-mode factors' columns scaled to unit L2
// norm and the scale moved into it, as the embedding.
func fitCP(ctx context.Context, p *methods.Problem, R int, init Init, cfg cpConfig) (*methods.Result, error) {
	start := time.Now()
	x, err := tensor.FromImages(p.Data.X, p.Data.Height, p.Data.Width)
	if err != nil {
		return nil, fmt.Errorf("a CP model needs image data (dataset %q): %w", p.Data.Name, err)
	}
	var A []*mat.Dense
	if init == UnitInit {
		A = mu.CPUniformInit(p.RNG, x.Shape(), R)
	} else {
		A = mu.CPRandomInit(p.RNG, x.Shape(), floats.Sum(x.Data())/float64(len(x.Data())), R)
	}
	s, err := newCPState(x, A, cfg)
	if err != nil {
		return nil, err
	}
	res := &methods.Result{}
	err = methods.Iterate(ctx, res, s.initialObjective(), methods.Loop{MaxIter: cfg.MaxIter, Converger: methods.RelativeDecrease{Tol: cfg.Tol}, Progress: p.Progress, Start: start},
		func(int) (float64, error) { return s.sweep(), nil })
	if err != nil {
		return nil, err
	}
	N := len(A)
	dense.AbsorbScale(A, N-1, 2)
	res.Factors = make(map[string]*mat.Dense, N)
	for k, a := range A {
		res.Factors[fmt.Sprintf("A%d", k+1)] = a
	}
	res.Embedding = A[N-1]
	return res, nil
}

// cpConfig configures factorCP.
type cpConfig struct {
	Algorithm Algorithm  // MU or HALS
	MaxIter   int        // sweep limit
	Tol       float64    // relative objective decrease stopping tolerance (0: run MaxIter)
	Eps       float64    // MU denominator guard / HALS floor; 0 means 1e-10
	Graph     *graph.CSR // graph on the last (sample) mode; nil: plain NCP
	Lambda    float64    // graph weight λ of λ tr(A⁽ᴺ⁾ᵀ L A⁽ᴺ⁾)
}

// cpState fits the nonnegative CP model 𝒳 ≈ ⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧ by alternating
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
type cpState struct {
	cfg     cpConfig
	x       *tensor.Dense
	xT      *mat.Dense // X₍N₎ᵀ (made once), for Workspace.ContractTransposed
	A       []*mat.Dense
	N, R    int
	normXSq float64
	ws      *tensor.Workspace
	M, den  []*mat.Dense // I_k × R: MTTKRP and MU denominator per mode
	G       []*mat.Dense // R × R Gram matrices A⁽ᵏ⁾ᵀA⁽ᵏ⁾
	gamma   *mat.Dense   // R × R: Γ⁽ⁿ⁾
	WA, num *mat.Dense   // n × R, graph term (sample mode)
	graph   bool
}

func newCPState(x *tensor.Dense, A []*mat.Dense, cfg cpConfig) (*cpState, error) {
	if cfg.Eps == 0 {
		cfg.Eps = 1e-10
	}
	if cfg.Algorithm == HALS && cfg.Graph != nil && cfg.Lambda > 0 {
		return nil, fmt.Errorf("HALS is implemented without the graph term; use multiplicative updates")
	}
	if cfg.Algorithm != MU && cfg.Algorithm != HALS {
		return nil, fmt.Errorf("unknown CP algorithm %q", cfg.Algorithm)
	}
	if cfg.Graph != nil && !(cfg.Lambda >= 0) {
		return nil, fmt.Errorf("graph weight λ = %v must be ≥ 0", cfg.Lambda)
	}
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
	s := &cpState{cfg: cfg, x: x, xT: mat.DenseCopyOf(x.LastUnfolding().T()), A: A, N: N, R: R, normXSq: x.NormSq(), ws: ws,
		M: make([]*mat.Dense, N), den: make([]*mat.Dense, N), G: make([]*mat.Dense, N),
		gamma: mat.NewDense(R, R, nil)}
	for k, I := range shape {
		s.M[k], s.den[k] = mat.NewDense(I, R, nil), mat.NewDense(I, R, nil)
		s.G[k] = mat.NewDense(R, R, nil)
		s.G[k].Mul(A[k].T(), A[k])
	}
	if cfg.Graph != nil && cfg.Lambda > 0 {
		s.graph = true
		if cfg.Graph.N() != shape[N-1] {
			return nil, fmt.Errorf("graph has %d vertices for %d samples", cfg.Graph.N(), shape[N-1])
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
	f := s.normXSq - 2*dense.Dot(s.M[last], s.A[last]) + dense.Dot(s.gamma, s.G[last])
	if f < 0 {
		f = 0 // rounding when the fit is exact
	}
	if s.graph {
		f += s.cfg.Lambda * s.cfg.Graph.LaplacianQuadratic(s.A[last])
	}
	return f
}

// sweep updates every mode once and returns the new objective.
func (s *cpState) sweep() float64 {
	last := s.N - 1
	s.ws.ContractTransposed(s.xT, s.A[last]) // 𝒳 ×_N A⁽ᴺ⁾ᵀ, shared by modes 1 … N−1
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
	if s.cfg.Algorithm == HALS {
		s.hals(a, m)
		return
	}
	den := s.den[n]
	den.Mul(a, s.gamma)
	num := m
	if n == s.N-1 && s.graph {
		s.num.Copy(m)
		s.cfg.Graph.AddMUTerm(s.num, den, a, s.WA, s.cfg.Lambda)
		num = s.num
	}
	mu.Update(a, num, den, s.cfg.Eps)
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
