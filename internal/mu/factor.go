package mu

import (
	"fmt"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
	"nmfbench/internal/graph"
	"nmfbench/internal/ot/vmath"
)

// Loss is the data term of a factorization: Frobenius or KL.
type Loss string

const (
	// Frobenius is ‖X − UVᵀ‖²_F.
	Frobenius Loss = "frobenius"
	// KL is the generalized Kullback–Leibler divergence D(X‖UVᵀ), i.e. the
	// Poisson negative log-likelihood up to a constant.
	KL Loss = "kl"
)

// UnmarshalText parses "frobenius" or "kl".
func (l *Loss) UnmarshalText(b []byte) error { return parseChoice(l, b, Frobenius, KL) }

// Choices lists the losses.
func (Loss) Choices() []string { return []string{string(Frobenius), string(KL)} }

// Norm returns the column norm (p) that fixes the scaling ambiguity of a
// factorization with this loss before k-means: L2 for Frobenius (Deng Cai's
// NormalizeUV in the GNMF code) and L1 for KL, so that V carries each
// sample's mass as in Poisson factorization (docs/nmf.md).
func (l Loss) Norm() float64 {
	if l == KL {
		return 1
	}
	return 2
}

func parseChoice[T ~string](dst *T, b []byte, choices ...T) error {
	for _, c := range choices {
		if strings.EqualFold(strings.TrimSpace(string(b)), string(c)) {
			*dst = c
			return nil
		}
	}
	return fmt.Errorf("%q is not one of %v", string(b), choices)
}

// Config configures a Factorization.
type Config struct {
	Loss   Loss       // Frobenius or KL
	Eps    float64    // denominator guard (and inside the KL logarithm); 0 means 1e-10
	Graph  *graph.CSR // sample graph W (n × n); nil: plain NMF
	Lambda float64    // graph weight λ of λ tr(VᵀLV), L = D − W
}

// Factorization runs Lee–Seung multiplicative updates for X ≈ UVᵀ:
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
type Factorization struct {
	cfg        Config
	Xt, U, V   *mat.Dense
	X          *mat.Dense // d×n copy of Xtᵀ (Frobenius): XV is then a plain product, whose operands the GEMM reads in place
	n, d, r    int
	xNorm2     float64 // ‖X‖²_F (Frobenius)
	XV, XtU    *mat.Dense
	UtU, VtV   *mat.Dense
	den        *mat.Dense // d×r
	numV, denV *mat.Dense // n×r
	WV         *mat.Dense
	colU, colV []float64
	frobFresh  bool // XtU, UtU, VtV hold XᵀU, UᵀU, VᵀV for the current U, V
	vtvFresh   bool // VtV holds VᵀV for the current V

	// KL: the reconstruction VUᵀ is never stored whole. It is formed in
	// blocks of rows (klRowBlock × d, for QᵀU and the objective) or of
	// columns (n × klColBlock, for QV), turned into the ratio Q in place
	// while the block is in cache, and multiplied at once; every entry is
	// the same GEMM dot product as in the full products, so the iterates are
	// those of the unblocked scheme bit for bit (TestStepMatchesReference).
	rowBlocks, colBlocks []klBlock
	uT                   mat.Matrix // Uᵀ
	xRowSums             []float64  // Σ_j x_ij per sample (objective)
	quFresh              bool       // XtU holds QᵀU for the current U, V (KL)
}

// klBlock holds the views of one block of a KL pass, made once so that the
// passes do not allocate: rows (or pixels) lo…hi−1, the block y of VUᵀ (and
// yT = yᵀ), the factor rows that form it (V's rows, or Uᵀ's columns) and
// the rows of the product it feeds (of QᵀU, or of QV).
type klBlock struct {
	lo, hi int
	y      *mat.Dense
	yT     mat.Matrix
	f      mat.Matrix
	out    *mat.Dense
}

// Block sizes of the KL passes: 128 rows of 1024 pixels (1 MB) or 128
// pixels of 1440–2856 samples (1.5–2.9 MB) stay in cache between the GEMM
// that forms a block, the ratio and the GEMM that consumes it, while the
// blocks are large enough that BLAS's packing of the other operand, once per
// block, stays small (32 was 10–20 % slower at PIE_pose27's size).
const (
	klRowBlock = 128
	klColBlock = 128
)

// New prepares the updates of U (d×r) and V (n×r) for the data Xt (n×d).
func New(Xt, U, V *mat.Dense, cfg Config) (*Factorization, error) {
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
	s := &Factorization{cfg: cfg, Xt: Xt, U: U, V: V}
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
	if cfg.Loss == Frobenius {
		// Xᵀ as an operand is packed from columns strided by n on every
		// call (the built-in AVX-512 GEMM ran 1024 × 68 × 2856 at 45–50
		// GFLOP/s that way against 85 from a stored X; same sums, same bits).
		s.X = mat.DenseCopyOf(Xt.T())
	}
	if cfg.Loss == KL {
		yRows := mat.NewDense(min(klRowBlock, n), d, nil)
		for lo := 0; lo < n; lo += klRowBlock {
			hi := min(lo+klRowBlock, n)
			y := yRows.Slice(0, hi-lo, 0, d).(*mat.Dense)
			s.rowBlocks = append(s.rowBlocks, klBlock{lo: lo, hi: hi, y: y, f: V.Slice(lo, hi, 0, r), out: s.XtU.Slice(lo, hi, 0, r).(*mat.Dense)})
		}
		yCols := mat.NewDense(n, min(klColBlock, d), nil)
		for lo := 0; lo < d; lo += klColBlock {
			hi := min(lo+klColBlock, d)
			y := yCols.Slice(0, n, 0, hi-lo).(*mat.Dense)
			s.colBlocks = append(s.colBlocks, klBlock{lo: lo, hi: hi, y: y, yT: y.T(), f: U.Slice(lo, hi, 0, r).T(), out: s.XV.Slice(lo, hi, 0, r).(*mat.Dense)})
		}
		s.uT = U.T()
		s.xRowSums = make([]float64, n)
		xr := Xt.RawMatrix()
		for i := range s.xRowSums {
			s.xRowSums[i] = floats.Sum(xr.Data[i*xr.Stride : i*xr.Stride+d])
		}
	}
	return s, nil
}

// Step performs one iteration (U then V for Frobenius, V then U for KL).
func (s *Factorization) Step() {
	if s.cfg.Loss == KL {
		s.stepKL()
	} else {
		s.stepFrobenius()
	}
}

// stepFrobenius performs one U then V update (GNMF Eq. 7–8 with λ ≥ 0).
func (s *Factorization) stepFrobenius() {
	eps := s.cfg.Eps
	// U ← U ∘ (XV) ⊘ (U VᵀV)
	s.XV.Mul(s.X, s.V) // = XtᵀV
	if !s.vtvFresh {
		s.VtV.Mul(s.V.T(), s.V)
	}
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
	s.vtvFresh = true
}

// graphTerm returns num + λWV (in numV, num itself unchanged) and adds λDV
// to denV; without a graph it returns num.
func (s *Factorization) graphTerm(num *mat.Dense) *mat.Dense {
	if s.cfg.Graph == nil {
		return num
	}
	s.numV.Copy(num)
	s.cfg.Graph.AddMUTerm(s.numV, s.denV, s.V, s.WV, s.cfg.Lambda)
	return s.numV
}

// stepKL performs one V then U update of the KL scheme.
func (s *Factorization) stepKL() {
	eps := s.cfg.Eps
	// Q = X ⊘ (VUᵀ + eps); V ← V ∘ (QᵀU + λWV) ⊘ (1ᵀU + λDV)
	if !s.quFresh {
		s.rowPass(false)
	}
	s.quFresh = false
	dense.ColSums(s.colU, s.U)
	dense.SetRows(s.denV, s.colU)
	num := s.graphTerm(s.XtU)
	Update(s.V, num, s.denV, eps)
	// U ← U ∘ (QV) ⊘ (1ᵀV) with Q recomputed for the new V
	s.colPass()
	dense.ColSums(s.colV, s.V)
	UpdateCols(s.U, s.XV, s.colV, eps)
}

// rowPass sets XtU = (X ⊘ (UVᵀ + eps))ᵀU (n×r) for the current U, V, forming
// VUᵀ in blocks of rows. With objective it also returns D(X‖UVᵀ) with eps
// inside the logarithm, summed row by row as divergence.GuardedMatrix does
// (same operations, same order: the same bits).
func (s *Factorization) rowPass(objective bool) float64 {
	eps := s.cfg.Eps
	xr := s.Xt.RawMatrix()
	var f float64
	for _, b := range s.rowBlocks {
		b.y.Mul(b.f, s.uT)
		yr := b.y.RawMatrix()
		for i := b.lo; i < b.hi; i++ {
			x := xr.Data[i*xr.Stride : i*xr.Stride+s.d]
			y := yr.Data[(i-b.lo)*yr.Stride : (i-b.lo)*yr.Stride+s.d]
			if objective {
				sy := floats.Sum(y)
				for j := range y {
					y[j] += eps
				}
				f += vmath.DotLog(x, x, y) - s.xRowSums[i] + sy
				divide(y, x, y)
			} else {
				ratio(y, x, eps)
			}
		}
		b.out.Mul(b.y, s.U)
	}
	return f
}

// colPass sets XV = (X ⊘ (UVᵀ + eps))V (d×r) for the current U, V, forming
// VUᵀ in blocks of columns.
func (s *Factorization) colPass() {
	eps := s.cfg.Eps
	xr := s.Xt.RawMatrix()
	for _, b := range s.colBlocks {
		b.y.Mul(s.V, b.f)
		yr := b.y.RawMatrix()
		w := b.hi - b.lo
		for i := 0; i < s.n; i++ {
			ratio(yr.Data[i*yr.Stride:i*yr.Stride+w], xr.Data[i*xr.Stride+b.lo:i*xr.Stride+b.hi], eps)
		}
		b.out.Mul(b.yT, s.V)
	}
}

// Objective evaluates the loss plus λ tr(VᵀLV) at the current U, V.
func (s *Factorization) Objective() float64 {
	var f float64
	switch s.cfg.Loss {
	case KL:
		// The pass also forms QᵀU, the numerator of the next V update.
		f = s.rowPass(true)
		s.quFresh = true
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
