package baselines

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/methods"
)

// NMFParams configures Lee–Seung multiplicative-update NMF.
type NMFParams struct {
	Rank    int     `yaml:"rank" doc:"factorization rank r; 0 means the number of classes"`
	Loss    string  `yaml:"loss" doc:"objective: frobenius (‖X − UVᵀ‖²) or kl (generalised KL divergence, i.e. Poisson likelihood)"`
	MaxIter int     `yaml:"max_iter" doc:"maximum number of multiplicative-update iterations"`
	Tol     float64 `yaml:"tol" doc:"stop when the relative objective decrease of one iteration falls below tol (0: run max_iter)"`
	Init    string  `yaml:"init" doc:"initialisation: random (|N(0,1)|·sqrt(mean(X)/r), as scikit-learn's 'random')"`
	Eps     float64 `yaml:"eps" doc:"guard added to every denominator and inside logarithms"`
}

// Validate checks the parameter values.
func (p *NMFParams) Validate() error {
	switch {
	case p.Rank < 0:
		return fmt.Errorf("rank = %d: must be ≥ 0 (0 = number of classes)", p.Rank)
	case p.Loss != lossFrobenius && p.Loss != lossKL:
		return fmt.Errorf("loss = %q: must be %q or %q", p.Loss, lossFrobenius, lossKL)
	case p.MaxIter < 1:
		return fmt.Errorf("max_iter = %d: must be ≥ 1", p.MaxIter)
	case !(p.Tol >= 0):
		return fmt.Errorf("tol = %v: must be ≥ 0", p.Tol)
	case p.Init != "random":
		return fmt.Errorf("init = %q: only \"random\" is available", p.Init)
	case !(p.Eps > 0 && p.Eps < 1e-3):
		return fmt.Errorf("eps = %v: must be in (0, 1e-3)", p.Eps)
	}
	return nil
}

const (
	lossFrobenius = "frobenius"
	lossKL        = "kl"
)

// DefaultNMFParams are the defaults of the NMF method: 500 iterations or a
// relative decrease below 1e-5, whichever comes first.
var defaultNMFParams = NMFParams{Loss: lossFrobenius, MaxIter: 500, Tol: 1e-5, Init: "random", Eps: 1e-10}

func init() {
	methods.Register("NMF", "Lee–Seung multiplicative-update NMF, X ≈ UVᵀ, Frobenius or KL (Poisson) loss; embedding V",
		defaultNMFParams, fitNMF)
}

func fitNMF(ctx context.Context, p *methods.Problem, prm NMFParams) (*methods.Result, error) {
	r := p.Rank(prm.Rank)
	U, V := randomInit(p.RNG, p.Data.X, r)
	cfg := muConfig{Loss: prm.Loss, MaxIter: prm.MaxIter, Tol: prm.Tol, Eps: prm.Eps}
	obj, iters, conv, err := factorMU(ctx, p.Data.X, U, V, cfg, p.Progress)
	if err != nil {
		return nil, err
	}
	normalizeColumns(U, V, normFor(prm.Loss))
	return &methods.Result{Embedding: V, Objective: obj, Iterations: iters, Converged: conv,
		Factors: map[string]*mat.Dense{"U": U}}, nil
}

// normFor returns the column norm used to fix NMF's scaling ambiguity before
// k-means: L2 for the Frobenius loss (as Deng Cai's NormalizeUV in the GNMF
// reference code) and L1 for KL, so that V carries each sample's mass as in
// Poisson factorization (Cai's GNMF_KL code uses L2; see docs/nmf.md).
func normFor(loss string) float64 {
	if loss == lossKL {
		return 1
	}
	return 2
}

// Affinity is the sample graph W (n×n, symmetric, nonnegative) of a
// graph-regularized factorization, with degrees D_ii = Σ_j W_ij.
type Affinity interface {
	MulDense(dst *mat.Dense, b mat.Matrix) // dst = W·b
	Degrees() []float64
}

// muConfig configures factorMU.
type muConfig struct {
	Loss    string   // lossFrobenius or lossKL
	MaxIter int      // iteration limit
	Tol     float64  // relative objective decrease stopping tolerance (0: run MaxIter)
	Eps     float64  // denominator guard; 0 means 1e-10
	Graph   Affinity // nil: plain NMF
	Lambda  float64  // graph weight λ of λ tr(VᵀLV), L = D − W
}

// factorMU runs multiplicative updates for X ≈ UVᵀ, where X is d×n (paper
// orientation) and Xt = Xᵀ is n×d (one sample per row, as datasets store it).
// U (d×r) and V (n×r) are updated in place; the objective after every
// iteration is returned (obj[0] is the objective of the initial factors).
//
// Frobenius (Lee & Seung 2001; with the graph term, GNMF's updates, Cai et al. 2011):
//
//	U ← U ∘ (XV) ⊘ (UVᵀV)
//	V ← V ∘ (XᵀU + λWV) ⊘ (VUᵀU + λDV)
//
// minimising ‖X − UVᵀ‖²_F + λ tr(VᵀLV). KL (Lee & Seung 2001, Theorem 2), with
// Q = X ⊘ UVᵀ:
//
//	V ← V ∘ (QᵀU + λWV) ⊘ (1ᵀU + λDV)
//	U ← U ∘ (QV) ⊘ (1ᵀV)
//
// minimising D_KL(X ‖ UVᵀ) + λ tr(VᵀLV); without the graph term both schemes
// are monotone (Lee & Seung's theorems). With λ > 0 the KL rule is the
// multiplicative split of the gradient (as SDNMF uses), not an exact MM step.
func factorMU(ctx context.Context, Xt *mat.Dense, U, V *mat.Dense, cfg muConfig, progress func(int, float64)) (obj []float64, iters int, converged bool, err error) {
	if cfg.Eps == 0 {
		cfg.Eps = 1e-10
	}
	if cfg.Graph != nil && cfg.Lambda < 0 {
		return nil, 0, false, fmt.Errorf("graph weight λ = %v must be ≥ 0", cfg.Lambda)
	}
	if cfg.Loss != lossFrobenius && cfg.Loss != lossKL {
		return nil, 0, false, fmt.Errorf("unknown loss %q", cfg.Loss)
	}
	var s muState
	s.init(Xt, U, V, cfg)
	return methods.Iterate(ctx, s.objective(), cfg.MaxIter, cfg.Tol, progress, func(int) (float64, error) {
		if cfg.Loss == lossKL {
			s.stepKL()
		} else {
			s.stepFrobenius()
		}
		return s.objective(), nil
	})
}

// muState holds the workspaces of factorMU so that iterations do not allocate.
type muState struct {
	cfg        muConfig
	Xt, U, V   *mat.Dense
	n, d, r    int
	xNorm2     float64 // ‖X‖²_F (Frobenius)
	xLogX      float64 // Σ x log x − x (KL, constant part)
	XV, XtU    *mat.Dense
	UtU, VtV   *mat.Dense
	num, den   *mat.Dense // d×r workspaces
	numV, denV *mat.Dense // n×r workspaces
	WV         *mat.Dense
	deg        []float64
	Yt         *mat.Dense // n×d reconstruction VUᵀ (KL)
	colU, colV []float64
	klFresh    bool // Yt holds VUᵀ for the current U, V
	frobFresh  bool // XtU, UtU, VtV hold XᵀU, UᵀU, VᵀV for the current U, V
}

func (s *muState) init(Xt, U, V *mat.Dense, cfg muConfig) {
	s.cfg, s.Xt, s.U, s.V = cfg, Xt, U, V
	s.n, s.d = Xt.Dims()
	_, s.r = U.Dims()
	n, d, r := s.n, s.d, s.r
	s.XV, s.num, s.den = mat.NewDense(d, r, nil), mat.NewDense(d, r, nil), mat.NewDense(d, r, nil)
	s.XtU, s.numV, s.denV = mat.NewDense(n, r, nil), mat.NewDense(n, r, nil), mat.NewDense(n, r, nil)
	s.UtU, s.VtV = mat.NewDense(r, r, nil), mat.NewDense(r, r, nil)
	s.colU, s.colV = make([]float64, r), make([]float64, r)
	if cfg.Graph != nil {
		s.WV = mat.NewDense(n, r, nil)
		s.deg = cfg.Graph.Degrees()
	}
	raw := Xt.RawMatrix()
	for i := 0; i < n; i++ {
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		for _, x := range row {
			s.xNorm2 += x * x
			if x > 0 {
				s.xLogX += x*math.Log(x) - x
			}
		}
	}
	if cfg.Loss == lossKL {
		s.Yt = mat.NewDense(n, d, nil)
	}
}

// stepFrobenius performs one U then V update (GNMF Eq. 7–8 with λ ≥ 0).
func (s *muState) stepFrobenius() {
	eps := s.cfg.Eps
	// U ← U ∘ (XV) ⊘ (U VᵀV)
	s.XV.Mul(s.Xt.T(), s.V)
	s.VtV.Mul(s.V.T(), s.V)
	s.den.Mul(s.U, s.VtV)
	mulDiv(s.U, s.XV, s.den, eps)
	// V ← V ∘ (XᵀU + λWV) ⊘ (V UᵀU + λDV)
	s.XtU.Mul(s.Xt, s.U)
	s.UtU.Mul(s.U.T(), s.U)
	s.denV.Mul(s.V, s.UtU)
	num := s.XtU
	if s.cfg.Graph != nil && s.cfg.Lambda > 0 {
		s.addGraph(num, s.denV)
		num = s.numV
	}
	mulDiv(s.V, num, s.denV, eps)
	s.VtV.Mul(s.V.T(), s.V)
	s.frobFresh = true // U is unchanged since XtU and UtU were formed
}

// addGraph sets numV = num + λWV and adds λDV to den.
func (s *muState) addGraph(num, den *mat.Dense) {
	lam := s.cfg.Lambda
	s.cfg.Graph.MulDense(s.WV, s.V)
	s.numV.Copy(num)
	s.numV.Apply(func(i, j int, v float64) float64 { return v + lam*s.WV.At(i, j) }, s.numV)
	vr, dr := s.V.RawMatrix(), den.RawMatrix()
	for i := 0; i < s.n; i++ {
		floats.AddScaled(dr.Data[i*dr.Stride:i*dr.Stride+s.r], lam*s.deg[i], vr.Data[i*vr.Stride:i*vr.Stride+s.r])
	}
}

// stepKL performs one V then U update of the KL scheme.
func (s *muState) stepKL() {
	eps := s.cfg.Eps
	if !s.klFresh {
		s.reconstruct()
	}
	// Q = X ⊘ (VUᵀ), stored in Yt; V ← V ∘ (QᵀU + λWV) ⊘ (1ᵀU + λDV)
	s.ratio()
	s.XtU.Mul(s.Yt, s.U) // (X ⊘ Y)ᵀ U, n×r
	colSums(s.colU, s.U)
	setRows(s.denV, s.colU)
	num := s.XtU
	if s.cfg.Graph != nil && s.cfg.Lambda > 0 {
		s.addGraph(num, s.denV)
		num = s.numV
	}
	mulDiv(s.V, num, s.denV, eps)
	// U ← U ∘ (QV) ⊘ (1ᵀV) with Q recomputed for the new V
	s.reconstruct()
	s.ratio()
	s.XV.Mul(s.Yt.T(), s.V)
	colSums(s.colV, s.V)
	setRows(s.den, s.colV)
	mulDiv(s.U, s.XV, s.den, eps)
	s.reconstruct()
	s.klFresh = true
}

// reconstruct sets Yt = V Uᵀ.
func (s *muState) reconstruct() { s.Yt.Mul(s.V, s.U.T()) }

// ratio overwrites Yt (holding VUᵀ) with Xᵀ ⊘ (VUᵀ + eps).
func (s *muState) ratio() {
	eps := s.cfg.Eps
	xr, yr := s.Xt.RawMatrix(), s.Yt.RawMatrix()
	for i := 0; i < s.n; i++ {
		x := xr.Data[i*xr.Stride : i*xr.Stride+s.d]
		y := yr.Data[i*yr.Stride : i*yr.Stride+s.d]
		for j := range y {
			y[j] = x[j] / (y[j] + eps)
		}
	}
	s.klFresh = false
}

// objective evaluates the loss plus λ tr(VᵀLV) at the current U, V.
func (s *muState) objective() float64 {
	var f float64
	switch s.cfg.Loss {
	case lossKL:
		if !s.klFresh {
			s.reconstruct()
			s.klFresh = true
		}
		f = s.klDivergence()
	default:
		// ‖X − UVᵀ‖² = ‖X‖² − 2 tr(UᵀXV) + tr(UᵀU VᵀV)
		if !s.frobFresh {
			s.XtU.Mul(s.Xt, s.U)
			s.UtU.Mul(s.U.T(), s.U)
			s.VtV.Mul(s.V.T(), s.V)
		}
		s.frobFresh = false
		f = s.xNorm2 - 2*dot(s.XtU, s.V) + dot(s.UtU, s.VtV)
		if f < 0 {
			f = 0 // rounding when the fit is exact
		}
	}
	if s.cfg.Graph != nil && s.cfg.Lambda > 0 {
		f += s.cfg.Lambda * s.laplacianForm()
	}
	return f
}

// klDivergence returns D(X‖Y) = Σ x log(x/y) − x + y with Yt = VUᵀ current.
func (s *muState) klDivergence() float64 {
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
	return f
}

// laplacianForm returns tr(VᵀLV) = Σ_i D_ii ‖v_i‖² − tr(VᵀWV).
func (s *muState) laplacianForm() float64 {
	s.cfg.Graph.MulDense(s.WV, s.V)
	vr := s.V.RawMatrix()
	var t float64
	for i := 0; i < s.n; i++ {
		row := vr.Data[i*vr.Stride : i*vr.Stride+s.r]
		t += s.deg[i] * floats.Dot(row, row)
	}
	return t - dot(s.WV, s.V)
}

// mulDiv sets a ← a ∘ num ⊘ (den + eps), elementwise.
func mulDiv(a, num, den *mat.Dense, eps float64) {
	ar, nr, dr := a.RawMatrix(), num.RawMatrix(), den.RawMatrix()
	for i := 0; i < ar.Rows; i++ {
		av := ar.Data[i*ar.Stride : i*ar.Stride+ar.Cols]
		nv := nr.Data[i*nr.Stride : i*nr.Stride+ar.Cols]
		dv := dr.Data[i*dr.Stride : i*dr.Stride+ar.Cols]
		for j := range av {
			av[j] *= nv[j] / (dv[j] + eps)
		}
	}
}

// dot returns Σ_ij a_ij b_ij.
func dot(a, b *mat.Dense) float64 {
	ar, br := a.RawMatrix(), b.RawMatrix()
	var s float64
	for i := 0; i < ar.Rows; i++ {
		s += floats.Dot(ar.Data[i*ar.Stride:i*ar.Stride+ar.Cols], br.Data[i*br.Stride:i*br.Stride+ar.Cols])
	}
	return s
}

// colSums sets dst[j] = Σ_i a_ij.
func colSums(dst []float64, a *mat.Dense) {
	ar := a.RawMatrix()
	clear(dst)
	for i := 0; i < ar.Rows; i++ {
		floats.Add(dst, ar.Data[i*ar.Stride:i*ar.Stride+ar.Cols])
	}
}

// setRows sets every row of a to v.
func setRows(a *mat.Dense, v []float64) {
	ar := a.RawMatrix()
	for i := 0; i < ar.Rows; i++ {
		copy(ar.Data[i*ar.Stride:i*ar.Stride+ar.Cols], v)
	}
}

// randomInit returns U (d×r) and V (n×r) with entries |N(0,1)|·sqrt(mean(X)/r),
// scikit-learn's "random" NMF initialisation, drawing U first, then V.
func randomInit(rng *rand.Rand, Xt *mat.Dense, r int) (U, V *mat.Dense) {
	n, d := Xt.Dims()
	var sum float64
	raw := Xt.RawMatrix()
	for i := 0; i < n; i++ {
		sum += floats.Sum(raw.Data[i*raw.Stride : i*raw.Stride+d])
	}
	scale := math.Sqrt(sum / float64(n*d) / float64(r))
	if !(scale > 0) {
		scale = 1
	}
	fill := func(m *mat.Dense) {
		data := m.RawMatrix().Data
		for i := range data {
			data[i] = scale * math.Abs(rng.NormFloat64())
		}
	}
	U, V = mat.NewDense(d, r, nil), mat.NewDense(n, r, nil)
	fill(U)
	fill(V)
	return U, V
}

// normalizeColumns rescales each column of U to unit Lp norm (p = 1 or 2)
// and multiplies the matching column of V by the old norm, leaving UVᵀ
// unchanged (Deng Cai's NormalizeUV).
func normalizeColumns(U, V *mat.Dense, p float64) {
	d, r := U.Dims()
	n, _ := V.Dims()
	for k := 0; k < r; k++ {
		var norm float64
		for i := 0; i < d; i++ {
			u := U.At(i, k)
			if p == 1 {
				norm += math.Abs(u)
			} else {
				norm += u * u
			}
		}
		if p != 1 {
			norm = math.Sqrt(norm)
		}
		if norm <= 0 {
			continue
		}
		for i := 0; i < d; i++ {
			U.Set(i, k, U.At(i, k)/norm)
		}
		for i := 0; i < n; i++ {
			V.Set(i, k, V.At(i, k)*norm)
		}
	}
}
