package ot

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// LogScaling runs the scaling iterations of Scaling on the log-scalings
// F = log U and G = log V:
//
//	F ← φ·(log A − max(LSE_K(G), log Floor)),  G ← ψ·(log B − max(LSE_Kᵀ(F), log Floor)),
//
// where LSE_K(G)_ij = log Σ_k K_ik exp(G_kj) is computed by Kernel.LogApply
// from log K. It reaches the same iterates as Scaling (up to rounding) where
// that one works, and keeps working when K, U or V underflow (large λ). Empty
// bins (A or B = 0) get F or G = −Inf.
type LogScaling struct {
	K    Kernel
	A, B *mat.Dense // m1 × n and m2 × n marginals, read only
	F, G *mat.Dense // log-scalings, m1 × n and m2 × n
	// LKV and LKTU hold LSE_K(G) and LSE_Kᵀ(F) from the latest UpdateF and
	// UpdateG.
	LKV, LKTU *mat.Dense

	opt  Options
	work []float64
	prev []float64
}

// NewLogScaling prepares the log-domain iterations, starting from U = 1/m1,
// V = 1/m2 as NewScaling does. Options.Workers is ignored.
func NewLogScaling(k Kernel, a, b *mat.Dense, opt Options) (*LogScaling, error) {
	o, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	m1, m2 := k.Dims()
	ar, n := a.Dims()
	br, bn := b.Dims()
	if ar != m1 || br != m2 || bn != n {
		return nil, fmt.Errorf("ot: marginals %d×%d and %d×%d do not fit a %d×%d kernel", ar, n, br, bn, m1, m2)
	}
	if n == 0 {
		return nil, errors.New("ot: empty batch")
	}
	if a.RawMatrix().Stride != n || b.RawMatrix().Stride != n {
		return nil, errors.New("ot: marginal matrices must be contiguous (use mat.DenseCopyOf on views)")
	}
	s := &LogScaling{K: k, A: a, B: b, opt: o,
		F: mat.NewDense(m1, n, nil), G: mat.NewDense(m2, n, nil),
		LKV: mat.NewDense(m1, n, nil), LKTU: mat.NewDense(m2, n, nil),
		work: make([]float64, k.WorkLen(n)),
	}
	fill(s.F.RawMatrix().Data, -math.Log(float64(m1)))
	fill(s.G.RawMatrix().Data, -math.Log(float64(m2)))
	return s, nil
}

// UpdateF sets LKV = LSE_K(G) and F = φ(log A − max(LKV, log Floor)).
func (s *LogScaling) UpdateF() error {
	s.K.LogApply(s.LKV, s.G, false, s.work)
	return logUpdate(s.F, s.A, s.LKV, s.opt.Phi, s.opt.Floor, "log u")
}

// UpdateG sets LKTU = LSE_Kᵀ(F) and G = ψ(log B − max(LKTU, log Floor)).
func (s *LogScaling) UpdateG() error {
	s.K.LogApply(s.LKTU, s.F, true, s.work)
	return logUpdate(s.G, s.B, s.LKTU, s.opt.Psi, s.opt.Floor, "log v")
}

func logUpdate(dst, a, lk *mat.Dense, phi, floor float64, name string) error {
	dd, ad, kd := dst.RawMatrix().Data, rawData(a), lk.RawMatrix().Data
	lf := math.Inf(-1)
	if floor > 0 {
		lf = math.Log(floor)
	}
	bad := 0
	for i, av := range ad {
		if av == 0 {
			dd[i] = math.Inf(-1)
			continue
		}
		v := phi * (math.Log(av) - max(kd[i], lf))
		if math.IsNaN(v) || math.IsInf(v, 1) {
			bad++
		}
		dd[i] = v
	}
	if bad > 0 {
		return fmt.Errorf("%w: %d of %d entries of %s", ErrNotFinite, bad, len(dd), name)
	}
	return nil
}

// Iterate runs up to maxIter rounds of UpdateF then UpdateG and stops early
// once no finite entry of F or G moved by more than tol (an absolute change of
// the log, i.e. a relative change of the scaling) during a round.
func (s *LogScaling) Iterate(ctx context.Context, maxIter int, tol float64) (int, bool, error) {
	return alternate(ctx, maxIter, tol, &s.prev, s.F, s.G, s.UpdateF, s.UpdateG, maxAbsChange)
}

func maxAbsChange(x, old []float64) float64 {
	var m float64
	for i, v := range x {
		if v == old[i] {
			continue // equal, including equal infinities
		}
		m = max(m, math.Abs(v-old[i]))
	}
	return m
}

// RowMarginal sets dst (m1 × n) to the first marginals u ∘ K v = exp(F + LSE_K(G)).
func (s *LogScaling) RowMarginal(dst *mat.Dense) {
	s.K.LogApply(s.LKV, s.G, false, s.work)
	expSum(dst, s.F, s.LKV)
}

// ColMarginal sets dst (m2 × n) to the second marginals v ∘ Kᵀ u = exp(G + LSE_Kᵀ(F)).
func (s *LogScaling) ColMarginal(dst *mat.Dense) {
	s.K.LogApply(s.LKTU, s.F, true, s.work)
	expSum(dst, s.G, s.LKTU)
}

func expSum(dst, a, b *mat.Dense) {
	r, c := a.Dims()
	if dr, dc := dst.Dims(); dr != r || dc != c {
		panic(fmt.Sprintf("ot: marginal destination is %d×%d, want %d×%d", dr, dc, r, c))
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			dst.Set(i, j, math.Exp(a.At(i, j)+b.At(i, j)))
		}
	}
}

// Plan returns the m1 × m2 transport plan of column j, exp(F_ij + log K + G_kj),
// computed without forming U or V.
func (s *LogScaling) Plan(j int) *mat.Dense {
	lk := logKernel(s.K)
	m1, m2 := lk.Dims()
	p := mat.NewDense(m1, m2, nil)
	for i := 0; i < m1; i++ {
		for k := 0; k < m2; k++ {
			p.Set(i, k, math.Exp(s.F.At(i, j)+lk.At(i, k)+s.G.At(k, j)))
		}
	}
	return p
}

// logKernel returns log K as a dense matrix.
func logKernel(k Kernel) *mat.Dense {
	switch k := k.(type) {
	case *Dense:
		return mat.DenseCopyOf(k.logK)
	case *Line:
		return mat.DenseCopyOf(k.logK())
	case *Grid:
		d := k.h * k.w
		lk := mat.NewDense(d, d, nil)
		for c1 := 0; c1 < k.w; c1++ {
			for r1 := 0; r1 < k.h; r1++ {
				for c2 := 0; c2 < k.w; c2++ {
					for r2 := 0; r2 < k.h; r2++ {
						lk.Set(c1*k.h+r1, c2*k.h+r2, k.row.logK().At(r1, r2)+k.col.logK().At(c1, c2)-k.shift)
					}
				}
			}
		}
		return lk
	}
	// Any other kernel: the log of its matrix (entries may be −Inf).
	m := k.Matrix()
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, math.Log(m.At(i, j)))
		}
	}
	return m
}
