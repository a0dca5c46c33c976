package mu

// The Factorization as it was before the performance work of issue 9
// (commit ac79f0f), kept verbatim (renamed) as the reference of
// TestStepMatchesReference.

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
	"nmfbench/internal/divergence"
)

// refFactorization runs Lee–Seung multiplicative updates for X ≈ UVᵀ:
//
// Frobenius (Lee & Seung 2001; with the graph term, GNMF's Eq. 7–8, Cai et al. 2011):
//
//	U ← U ∘ (XV) ⊘ (UVᵀV)
//	V ← V ∘ (XᵀU + λWV) ⊘ (VUᵀU + λDV)
//
// minimising ‖X − UVᵀ‖²_F + λ tr(VᵀLV). KL (Lee & Seung 2001, Theorem 2),
// with Q = X ⊘ UVᵀ, V first:
//
//	V ← V ∘ (QᵀU + λWV) ⊘ (1ᵀU + λDV)
//	U ← U ∘ (QV) ⊘ (1ᵀV)
//
// minimising D(X‖UVᵀ) + λ tr(VᵀLV). Without the graph term both schemes are
// monotone (Lee & Seung's theorems); with λ > 0 the KL rule is the
// multiplicative split of the gradient, not an exact MM step.
type refFactorization struct {
	cfg        Config
	Xt, U, V   *mat.Dense
	n, d, r    int
	xNorm2     float64 // ‖X‖²_F (Frobenius)
	XV, XtU    *mat.Dense
	UtU, VtV   *mat.Dense
	den        *mat.Dense // d×r
	numV, denV *mat.Dense // n×r
	WV         *mat.Dense
	Yt         *mat.Dense // n×d reconstruction VUᵀ (KL)
	colU, colV []float64
	work       []float64 // a row of Yt (KL objective)
	klFresh    bool      // Yt holds VUᵀ for the current U, V
	frobFresh  bool      // XtU, UtU, VtV hold XᵀU, UᵀU, VᵀV for the current U, V
}

// newRef prepares the updates of U (d×r) and V (n×r) for the data Xt (n×d).
func newRef(Xt, U, V *mat.Dense, cfg Config) (*refFactorization, error) {
	if cfg.Eps == 0 {
		cfg.Eps = 1e-10
	}
	if cfg.Loss != Frobenius && cfg.Loss != KL {
		return nil, fmt.Errorf("unknown loss %q", cfg.Loss)
	}
	if cfg.Graph != nil && !(cfg.Lambda >= 0) {
		return nil, fmt.Errorf("graph weight λ = %v must be ≥ 0", cfg.Lambda)
	}
	if cfg.Lambda == 0 {
		cfg.Graph = nil
	}
	s := &refFactorization{cfg: cfg, Xt: Xt, U: U, V: V}
	s.n, s.d = Xt.Dims()
	du, r0 := U.Dims()
	s.r = r0
	if nv, rv := V.Dims(); du != s.d || nv != s.n || rv != s.r {
		return nil, fmt.Errorf("factors %d×%d and %d×%d do not fit %d×%d data", du, s.r, nv, rv, s.n, s.d)
	}
	if cfg.Graph != nil && cfg.Graph.N() != s.n {
		return nil, fmt.Errorf("graph has %d vertices for %d samples", cfg.Graph.N(), s.n)
	}
	n, d, r := s.n, s.d, s.r
	s.XV, s.den = mat.NewDense(d, r, nil), mat.NewDense(d, r, nil)
	s.XtU, s.numV, s.denV = mat.NewDense(n, r, nil), mat.NewDense(n, r, nil), mat.NewDense(n, r, nil)
	s.UtU, s.VtV = mat.NewDense(r, r, nil), mat.NewDense(r, r, nil)
	s.colU, s.colV = make([]float64, r), make([]float64, r)
	if cfg.Graph != nil {
		s.WV = mat.NewDense(n, r, nil)
	}
	s.xNorm2 = dense.Dot(Xt, Xt)
	if cfg.Loss == KL {
		s.Yt = mat.NewDense(n, d, nil)
		s.work = make([]float64, d)
	}
	return s, nil
}

// Step performs one iteration (U then V for Frobenius, V then U for KL).
func (s *refFactorization) Step() {
	if s.cfg.Loss == KL {
		s.stepKL()
	} else {
		s.stepFrobenius()
	}
}

// stepFrobenius performs one U then V update (GNMF Eq. 7–8 with λ ≥ 0).
func (s *refFactorization) stepFrobenius() {
	eps := s.cfg.Eps
	// U ← U ∘ (XV) ⊘ (U VᵀV)
	s.XV.Mul(s.Xt.T(), s.V)
	s.VtV.Mul(s.V.T(), s.V)
	s.den.Mul(s.U, s.VtV)
	Update(s.U, s.XV, s.den, eps)
	// V ← V ∘ (XᵀU + λWV) ⊘ (V UᵀU + λDV)
	s.XtU.Mul(s.Xt, s.U)
	s.UtU.Mul(s.U.T(), s.U)
	s.denV.Mul(s.V, s.UtU)
	num := s.graphTerm(s.XtU)
	Update(s.V, num, s.denV, eps)
	s.VtV.Mul(s.V.T(), s.V)
	s.frobFresh = true // U is unchanged since XtU and UtU were formed
}

// graphTerm returns num + λWV (in numV, num itself unchanged) and adds λDV
// to denV; without a graph it returns num.
func (s *refFactorization) graphTerm(num *mat.Dense) *mat.Dense {
	if s.cfg.Graph == nil {
		return num
	}
	s.numV.Copy(num)
	s.cfg.Graph.AddMUTerm(s.numV, s.denV, s.V, s.WV, s.cfg.Lambda)
	return s.numV
}

// stepKL performs one V then U update of the KL scheme.
func (s *refFactorization) stepKL() {
	eps := s.cfg.Eps
	if !s.klFresh {
		s.reconstruct()
	}
	// Q = X ⊘ (VUᵀ), stored in Yt; V ← V ∘ (QᵀU + λWV) ⊘ (1ᵀU + λDV)
	s.ratio()
	s.XtU.Mul(s.Yt, s.U) // (X ⊘ Y)ᵀ U, n×r
	dense.ColSums(s.colU, s.U)
	dense.SetRows(s.denV, s.colU)
	num := s.graphTerm(s.XtU)
	Update(s.V, num, s.denV, eps)
	// U ← U ∘ (QV) ⊘ (1ᵀV) with Q recomputed for the new V
	s.reconstruct()
	s.ratio()
	s.XV.Mul(s.Yt.T(), s.V)
	dense.ColSums(s.colV, s.V)
	UpdateCols(s.U, s.XV, s.colV, eps)
	s.reconstruct()
	s.klFresh = true
}

// reconstruct sets Yt = V Uᵀ.
func (s *refFactorization) reconstruct() { s.Yt.Mul(s.V, s.U.T()) }

// ratio overwrites Yt (holding VUᵀ) with Xᵀ ⊘ (VUᵀ + eps).
func (s *refFactorization) ratio() {
	Ratio(s.Yt, s.Xt, s.cfg.Eps)
	s.klFresh = false
}

// Objective evaluates the loss plus λ tr(VᵀLV) at the current U, V.
func (s *refFactorization) Objective() float64 {
	var f float64
	switch s.cfg.Loss {
	case KL:
		if !s.klFresh {
			s.reconstruct()
			s.klFresh = true
		}
		f = divergence.GuardedMatrix(s.Xt, s.Yt, s.cfg.Eps, s.work)
	default:
		// ‖X − UVᵀ‖² = ‖X‖² − 2 tr(UᵀXV) + tr(UᵀU VᵀV)
		if !s.frobFresh {
			s.XtU.Mul(s.Xt, s.U)
			s.UtU.Mul(s.U.T(), s.U)
			s.VtV.Mul(s.V.T(), s.V)
		}
		s.frobFresh = false
		f = s.xNorm2 - 2*dense.Dot(s.XtU, s.V) + dense.Dot(s.UtU, s.VtV)
		if f < 0 {
			f = 0 // rounding when the fit is exact
		}
	}
	if s.cfg.Graph != nil {
		f += s.cfg.Lambda * s.cfg.Graph.LaplacianQuadratic(s.V)
	}
	return f
}
