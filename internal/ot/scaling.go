package ot

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot/vmath"
)

// ErrNotFinite is wrapped by the errors of the scaling updates when a scaling
// came out +Inf or NaN, typically after Kv or Kᵀu underflowed to zero. Use a
// Floor, a larger entropic regularization 1/λ, or LogScaling.
var ErrNotFinite = errors.New("ot: scaling vector is not finite (kernel product underflow?)")

// Options configures the scaling iterations.
type Options struct {
	// Phi and Psi are the exponents of the u and v updates: 1 for balanced
	// Sinkhorn, ρ/(ρ + 1/λ) for a KL marginal penalty of weight ρ (POT's
	// reg_m/(reg_m + reg)). Zero values mean 1.
	Phi, Psi float64
	// Floor, when positive, bounds the denominators Kv and Kᵀu from below
	// before dividing. The SDNMF reference code floors (Kv)^φ at 1e-6, i.e.
	// Kv at 1e-6^(1/φ). It changes the fixed point wherever it is active.
	Floor float64
	// Workers is the number of goroutines for the elementwise steps; 0
	// means GOMAXPROCS.
	Workers int
}

func (o Options) resolve() (Options, error) {
	if o.Phi == 0 {
		o.Phi = 1
	}
	if o.Psi == 0 {
		o.Psi = 1
	}
	for _, e := range []float64{o.Phi, o.Psi} {
		if !(e > 0) || math.IsInf(e, 1) {
			return o, fmt.Errorf("ot: scaling exponent %v; want a finite value > 0", e)
		}
	}
	if !(o.Floor >= 0) || math.IsInf(o.Floor, 1) {
		return o, fmt.Errorf("ot: floor %v; want a finite value ≥ 0", o.Floor)
	}
	if o.Workers < 0 {
		return o, fmt.Errorf("ot: %d workers; want ≥ 0", o.Workers)
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o, nil
}

// Exponent returns the scaling exponent ρ/(ρ + 1/λ) = ρλ/(ρλ + 1) of a KL
// marginal penalty of weight ρ with entropic regularization 1/λ; +Inf ρ (a
// hard constraint) gives 1.
func Exponent(rho, lambda float64) float64 {
	if math.IsInf(rho, 1) {
		return 1
	}
	return rho * lambda / (rho*lambda + 1)
}

// Scaling runs the scaling iterations u ← (a ⊘ Kv)^φ, v ← (b ⊘ Kᵀu)^ψ on a
// batch of n histogram pairs (columns of A and B). Its matrices are exported
// for the factorization methods that consume them; the caller may change the
// contents of A and B between iterations (e.g. a new model estimate).
type Scaling struct {
	K    Kernel
	A, B *mat.Dense // m1 × n and m2 × n marginals, read only
	U, V *mat.Dense // m1 × n and m2 × n scalings
	// KV and KTU hold K·V and Kᵀ·U as computed by the latest UpdateU and
	// UpdateV (so KV is stale after UpdateV).
	KV, KTU *mat.Dense

	opt  Options
	work []float64
	prev []float64 // previous U or V, for the convergence test
}

// NewScaling prepares the iterations for kernel k (m1 × m2) and marginals a
// (m1 × n), b (m2 × n), with U and V filled with 1/m1 and 1/m2 (POT's start).
func NewScaling(k Kernel, a, b *mat.Dense, opt Options) (*Scaling, error) {
	o, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	if err := CheckMarginals(k, a, b); err != nil {
		return nil, err
	}
	m1, m2 := k.Dims()
	_, n := a.Dims()
	s := &Scaling{K: k, A: a, B: b, opt: o,
		U: mat.NewDense(m1, n, nil), V: mat.NewDense(m2, n, nil),
		KV: mat.NewDense(m1, n, nil), KTU: mat.NewDense(m2, n, nil),
		work: make([]float64, k.WorkLen(n)),
	}
	s.Reset(1/float64(m1), 1/float64(m2))
	return s, nil
}

// CheckMarginals reports whether a (m1 × n) and b (m2 × n) are a nonempty
// batch of marginals for the m1 × m2 kernel k, stored contiguously, as
// NewScaling requires.
func CheckMarginals(k Kernel, a, b *mat.Dense) error {
	m1, m2 := k.Dims()
	ar, n := a.Dims()
	br, bn := b.Dims()
	if ar != m1 || br != m2 || bn != n {
		return fmt.Errorf("ot: marginals %d×%d and %d×%d do not fit a %d×%d kernel", ar, n, br, bn, m1, m2)
	}
	if n == 0 {
		return errors.New("ot: empty batch")
	}
	if a.RawMatrix().Stride != n || b.RawMatrix().Stride != n {
		return errors.New("ot: marginal matrices must be contiguous (use mat.DenseCopyOf on views)")
	}
	return nil
}

// SetFloor changes Options.Floor for the following updates (e.g. SDNMF's
// reference code leaves its last v update unfloored).
func (s *Scaling) SetFloor(floor float64) error {
	if !(floor >= 0) || math.IsInf(floor, 1) {
		return fmt.Errorf("ot: floor %v; want a finite value ≥ 0", floor)
	}
	s.opt.Floor = floor
	return nil
}

// Reset fills U with u0 and V with v0.
func (s *Scaling) Reset(u0, v0 float64) {
	fill(s.U.RawMatrix().Data, u0)
	fill(s.V.RawMatrix().Data, v0)
}

func fill(x []float64, v float64) {
	for i := range x {
		x[i] = v
	}
}

// UpdateU sets KV = K·V and U = (A ⊘ max(KV, Floor))^φ, with U = 0 where A
// is 0. It returns an error wrapping ErrNotFinite if an entry of U is +Inf or
// NaN.
func (s *Scaling) UpdateU() error {
	s.K.Apply(s.KV, s.V, false, s.work)
	return divPow(s.U, s.A, s.KV, s.opt.Phi, s.opt.Floor, s.opt.Workers, "u")
}

// UpdateV sets KTU = Kᵀ·U and V = (B ⊘ max(KTU, Floor))^ψ, with V = 0 where B
// is 0. It returns an error wrapping ErrNotFinite if an entry of V is +Inf or
// NaN.
func (s *Scaling) UpdateV() error {
	s.K.Apply(s.KTU, s.U, true, s.work)
	return divPow(s.V, s.B, s.KTU, s.opt.Psi, s.opt.Floor, s.opt.Workers, "v")
}

func divPow(dst, a, k *mat.Dense, phi, floor float64, workers int, name string) error {
	dd, ad, kd := dst.RawMatrix().Data, rawData(a), k.RawMatrix().Data
	bad := parallel(len(dd), workers, func(lo, hi int) int {
		return vmath.DivPow(dd[lo:hi], ad[lo:hi], kd[lo:hi], phi, floor)
	})
	if bad > 0 {
		return fmt.Errorf("%w: %d of %d entries of %s", ErrNotFinite, bad, len(dd), name)
	}
	return nil
}

// rawData returns the contiguous backing data of m, which must not be a
// strided view.
func rawData(m *mat.Dense) []float64 {
	r, c := m.Dims()
	raw := m.RawMatrix()
	if raw.Stride != c {
		panic("ot: marginal matrices must be contiguous (stride = columns)")
	}
	return raw.Data[:r*c]
}

// parallel splits [0, n) into up to workers chunks of at least 64k elements,
// runs f on each concurrently and returns the sum of its results.
func parallel(n, workers int, f func(lo, hi int) int) int {
	const minChunk = 1 << 16
	w := min(workers, (n+minChunk-1)/minChunk)
	if w <= 1 {
		return f(0, n)
	}
	var wg sync.WaitGroup
	res := make([]int, w)
	for i := 0; i < w; i++ {
		lo, hi := i*n/w, (i+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = f(lo, hi)
		}()
	}
	wg.Wait()
	total := 0
	for _, r := range res {
		total += r
	}
	return total
}

// Iterate runs up to maxIter rounds of UpdateU then UpdateV (POT's order)
// and stops early once no entry of U or V changed by more than tol relative
// to its new value during a round (tol = 0 runs all rounds). It returns the
// number of rounds done and whether the tolerance was met.
func (s *Scaling) Iterate(ctx context.Context, maxIter int, tol float64) (int, bool, error) {
	return alternate(ctx, maxIter, tol, &s.prev, s.U, s.V, s.UpdateU, s.UpdateV, maxRelChange)
}

// alternate runs up to maxIter rounds of updA then updB, checking ctx before
// each round, and with tol > 0 stops once change(new, old) of both a (after
// updA) and b (after updB) is at most tol. *prev is the saved-copy
// workspace, allocated on first use. It serves Scaling and LogScaling.
func alternate(ctx context.Context, maxIter int, tol float64, prev *[]float64, a, b *mat.Dense,
	updA, updB func() error, change func(x, old []float64) float64) (int, bool, error) {
	if tol > 0 && *prev == nil {
		r1, n := a.Dims()
		r2, _ := b.Dims()
		*prev = make([]float64, max(r1, r2)*n)
	}
	for it := 1; it <= maxIter; it++ {
		if err := ctx.Err(); err != nil {
			return it - 1, false, fmt.Errorf("ot: scaling stopped after %d iterations: %w", it-1, err)
		}
		var da, db float64
		if tol > 0 {
			copy(*prev, a.RawMatrix().Data)
		}
		if err := updA(); err != nil {
			return it, false, fmt.Errorf("iteration %d: %w", it, err)
		}
		if tol > 0 {
			da = change(a.RawMatrix().Data, *prev)
			copy(*prev, b.RawMatrix().Data)
		}
		if err := updB(); err != nil {
			return it, false, fmt.Errorf("iteration %d: %w", it, err)
		}
		if tol > 0 {
			db = change(b.RawMatrix().Data, *prev)
			if max(da, db) <= tol {
				return it, true, nil
			}
		}
	}
	return maxIter, false, nil
}

// maxRelChange returns max_i |x_i − old_i| / |x_i| over the nonzero x_i (and
// +Inf if an entry went to zero from nonzero).
func maxRelChange(x, old []float64) float64 {
	var m float64
	for i, v := range x {
		d := math.Abs(v - old[i])
		if d == 0 {
			continue
		}
		if v == 0 {
			return math.Inf(1)
		}
		m = max(m, d/math.Abs(v))
	}
	return m
}

// RowMarginal sets dst (m1 × n) to the first marginals T_j·1 = u_j ∘ K v_j of
// the current plans, recomputing KV.
func (s *Scaling) RowMarginal(dst *mat.Dense) {
	s.K.Apply(s.KV, s.V, false, s.work)
	dst.MulElem(s.U, s.KV)
}

// ColMarginal sets dst (m2 × n) to the second marginals T_jᵀ·1 = v_j ∘ Kᵀ u_j
// of the current plans, recomputing KTU.
func (s *Scaling) ColMarginal(dst *mat.Dense) {
	s.K.Apply(s.KTU, s.U, true, s.work)
	dst.MulElem(s.V, s.KTU)
}

// Plan returns the m1 × m2 transport plan diag(u_j) K diag(v_j) of column j.
// It materializes K: use it for small problems and tests.
func (s *Scaling) Plan(j int) *mat.Dense {
	p := s.K.Matrix()
	m1, m2 := p.Dims()
	for i := 0; i < m1; i++ {
		for k := 0; k < m2; k++ {
			p.Set(i, k, s.U.At(i, j)*p.At(i, k)*s.V.At(k, j))
		}
	}
	return p
}
