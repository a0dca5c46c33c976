package sdnmf

// The SDNMF iteration as it was before the performance work of issue 9
// (commit ac79f0f), kept verbatim (types renamed) as the reference of
// TestSDNMFMatchesReference.

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
	"nmfbench/internal/divergence"
	"nmfbench/internal/graph"
	"nmfbench/internal/mu"
	"nmfbench/internal/ot"
)

// refSDNMFState holds the factors and workspaces of one SDNMF run. All d × n
// matrices have one column per sample (image), the layout in which the
// separable kernel is two GEMM passes.
//
// One iteration (SDNMF_Multi.m; Qian et al. 2016, Algorithm 1):
//
//	P = UVᵀ;  μ = 1/d;  ν = (X ⊘ Kᵀμ)^g;  repeat S times: μ = (P ⊘ Kν)^g, ν = (X ⊘ Kᵀμ)^g
//	R = μ ∘ Kν ⊘ P                                  (= T1 ⊘ P, T_j = diag(μ_j) K diag(ν_j))
//	V ← V ∘ (RᵀU + αWV) ⊘ (1·colsum(U) + αDV)
//	U ← U ∘ (RV) ⊘ (1·colsum(V))
//
// with g = γλ/(1 + γλ) and K = exp(−λM − 1). Inside the loop the reference
// floors (Kν)^g and (Kᵀμ)^g at floor (here: Kν and Kᵀμ at floor^(1/g)); its
// last ν update is unfloored.
type refSDNMFState struct {
	prm    Params
	g      *graph.CSR
	kernel ot.Kernel
	gexp   float64    // g = γλ/(1 + γλ)
	floor  float64    // floor on Kν, Kᵀμ
	U, V   *mat.Dense // d×r, n×r
	X, P   *mat.Dense // d×n data and model UVᵀ
	T1     *mat.Dense // d×n plan marginals μ∘Kν
	R      *mat.Dense // d×n ratio T1 ⊘ P
	// partial[c] holds chunk c's part of the objective that does not depend
	// on the updated factors: ⟨T, M⟩ + (1/λ)ΣT log T + γ·KL(Tᵀ1 ‖ X).
	partial []float64
	// rangeSums holds the per-worker results of parallelRange.
	rangeSums []float64

	chunk   int // samples per transport chunk
	workers []*refSDNMFWorker

	num     *mat.Dense // n×r numerator of the V update
	den     *mat.Dense // n×r denominator of the V update
	numU    *mat.Dense // d×r numerator of the U update
	graphNV *mat.Dense // n×r scratch for WV and DV
	colSum  []float64
}

// refSDNMFChunk is the number of samples whose transport problems are solved
// together: 32 images of 32 × 32 pixels make 256 KB per d × chunk matrix, so
// the scaling loop of a chunk runs in cache instead of streaming all d × n
// matrices through memory 30 times per iteration. Chunking does not change
// any result: every column is computed independently.
const refSDNMFChunk = 32

// refSDNMFWorker owns the scaling iterations of the chunks one goroutine
// solves, one ot.Scaling per chunk width (the last chunk may be narrower).
type refSDNMFWorker struct {
	sc     map[int]*ot.Scaling
	t1, t2 map[int]*mat.Dense // d × width plan marginals
}

func newRefSDNMFState(X *mat.Dense, U, V *mat.Dense, k ot.Kernel, g *graph.CSR, prm Params) (*refSDNMFState, error) {
	n, d := X.Dims()
	_, r := U.Dims()
	s := &refSDNMFState{prm: prm, g: g, kernel: k, U: U, V: V, gexp: ot.Exponent(prm.MarginalWeight, prm.Entropic),
		X: mat.NewDense(d, n, nil), P: mat.NewDense(d, n, nil),
		T1: mat.NewDense(d, n, nil), R: mat.NewDense(d, n, nil),
		num: mat.NewDense(n, r, nil), den: mat.NewDense(n, r, nil), graphNV: mat.NewDense(n, r, nil),
		numU: mat.NewDense(d, r, nil), colSum: make([]float64, r), chunk: refSDNMFChunk,
	}
	s.X.CloneFrom(X.T())
	if prm.Floor > 0 {
		s.floor = math.Pow(prm.Floor, 1/s.gexp)
	}
	s.partial = make([]float64, (n+s.chunk-1)/s.chunk)
	for range min(runtime.GOMAXPROCS(0), len(s.partial)) {
		s.workers = append(s.workers, &refSDNMFWorker{sc: map[int]*ot.Scaling{}, t1: map[int]*mat.Dense{}, t2: map[int]*mat.Dense{}})
	}
	s.rangeSums = make([]float64, len(s.workers))
	s.P.Mul(U, V.T())
	return s, nil
}

// initialObjective returns the objective of the transport plans computed
// from the initial factors, evaluated at those factors: the reference point
// of the trace (the factors are not changed).
func (s *refSDNMFState) initialObjective() (float64, error) {
	if err := s.transport(); err != nil {
		return 0, err
	}
	return s.objective(), nil
}

// iterate performs one outer iteration and returns the objective (see
// objective) at the updated factors.
func (s *refSDNMFState) iterate() (float64, error) {
	if err := s.transport(); err != nil {
		return 0, err
	}
	s.ratio()
	s.updateV()
	if s.prm.Update == Fresh {
		s.P.Mul(s.U, s.V.T())
		s.ratio()
	}
	s.updateU()
	if !dense.Finite(s.U) || !dense.Finite(s.V) {
		return 0, fmt.Errorf("the factors are no longer finite")
	}
	s.P.Mul(s.U, s.V.T())
	return s.objective(), nil
}

// updateV sets V ← V ∘ (RᵀU + αWV) ⊘ max(1·colsum(U) + αDV, eps).
func (s *refSDNMFState) updateV() {
	s.num.Mul(s.R.T(), s.U)
	dense.ColSums(s.colSum, s.U)
	dense.SetRows(s.den, s.colSum)
	if s.g != nil {
		s.g.AddMUTerm(s.num, s.den, s.V, s.graphNV, s.prm.GraphWeight)
	}
	mu.UpdateFloor(s.V, s.num, s.den, s.prm.Eps)
}

// updateU sets U ← U ∘ (RV) ⊘ max(1·colsum(V), eps).
func (s *refSDNMFState) updateU() {
	s.numU.Mul(s.R, s.V)
	dense.ColSums(s.colSum, s.V)
	for k, c := range s.colSum {
		s.colSum[k] = math.Max(c, s.prm.Eps)
	}
	mu.UpdateCols(s.U, s.numU, s.colSum, 0)
}

// transport runs the scaling iterations for the current P, chunk by chunk
// on all workers, and fills T1 and partial.
func (s *refSDNMFState) transport() error {
	_, n := s.P.Dims()
	chunks := (n + s.chunk - 1) / s.chunk
	var next atomic.Int64
	errs := make([]error, len(s.workers))
	var wg sync.WaitGroup
	for wi, w := range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1)) - 1
				if c >= chunks {
					return
				}
				if err := w.solve(s, c); err != nil {
					errs[wi] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("%w (entropic λ = %v, floor = %v: lower λ or raise floor)", err, s.prm.Entropic, s.prm.Floor)
		}
	}
	return nil
}

// solve runs SDNMF_Multi's scaling loop for chunk c, the samples
// [c·chunk, (c+1)·chunk): ν = (X ⊘ Kᵀμ)^g from μ = 1/d, then ScalingIter
// times μ = (P ⊘ Kν)^g, ν = (X ⊘ Kᵀμ)^g, the last ν unfloored. It stores
// the chunk's T1 and objective part.
func (w *refSDNMFWorker) solve(s *refSDNMFState, c int) error {
	d, n := s.P.Dims()
	lo, hi := c*s.chunk, min((c+1)*s.chunk, n)
	width := hi - lo
	sc, ok := w.sc[width]
	if !ok {
		var err error
		sc, err = ot.NewScaling(s.kernel, mat.NewDense(d, width, nil), mat.NewDense(d, width, nil),
			ot.Options{Phi: s.gexp, Psi: s.gexp, Floor: s.floor, Workers: 1})
		if err != nil {
			return err
		}
		w.sc[width] = sc
		w.t1[width] = mat.NewDense(d, width, nil)
		w.t2[width] = mat.NewDense(d, width, nil)
	}
	refCopyCols(sc.A, s.P, lo)
	refCopyCols(sc.B, s.X, lo)
	sc.Reset(1/float64(d), 0)
	if err := sc.SetFloor(s.floor); err != nil {
		return err
	}
	if err := sc.UpdateV(); err != nil {
		return err
	}
	for k := 0; k < s.prm.ScalingIters; k++ {
		if err := sc.UpdateU(); err != nil {
			return err
		}
		if k == s.prm.ScalingIters-1 {
			_ = sc.SetFloor(0) // SDNMF_Multi's final ν is unfloored
		}
		if err := sc.UpdateV(); err != nil {
			return err
		}
	}
	t1, t2 := w.t1[width], w.t2[width]
	t2.MulElem(sc.V, sc.KTU)
	sc.RowMarginal(t1)
	refPasteCols(s.T1, t1, lo)
	lambda, gamma := s.prm.Entropic, s.prm.MarginalWeight
	s.partial[c] = ot.EntropicCost(sc.U, sc.V, t1, t2, lambda, 1) + floats.Sum(t1.RawMatrix().Data)/lambda +
		gamma*divergence.KL(t2.RawMatrix().Data, sc.B.RawMatrix().Data)
	return nil
}

// refCopyCols sets dst (d × w) to the columns lo, …, lo+w−1 of src.
func refCopyCols(dst, src *mat.Dense, lo int) {
	r, w := dst.Dims()
	for i := 0; i < r; i++ {
		copy(dst.RawRowView(i), src.RawRowView(i)[lo:lo+w])
	}
}

// refPasteCols sets the columns lo, …, lo+w−1 of dst to src (d × w).
func refPasteCols(dst, src *mat.Dense, lo int) {
	r, w := src.Dims()
	for i := 0; i < r; i++ {
		copy(dst.RawRowView(i)[lo:lo+w], src.RawRowView(i))
	}
}

// objective returns O = W̃/γ + (α/2)·tr(VᵀLV) at the current factors, where
//
//	W̃ = Σ_j ⟨T_j, M⟩ + (1/λ) Σ T_j log T_j + γ KL(T_j1 ‖ (UVᵀ)_j) + γ KL(T_jᵀ1 ‖ x_j)
//
// is the unbalanced entropic transport cost of this iteration's plans T_j —
// an upper bound on the Sinkhorn loss W_{λ,γ}(X, UVᵀ), which minimises it
// over T. The V and U updates are multiplicative steps on γ⁻¹·W̃ + graph
// term for these fixed plans.
func (s *refSDNMFState) objective() float64 {
	t1, p := s.T1.RawMatrix().Data, s.P.RawMatrix().Data
	kl := s.parallelRange(len(t1), func(lo, hi int) float64 { return divergence.KL(t1[lo:hi], p[lo:hi]) })
	w := floats.Sum(s.partial) + s.prm.MarginalWeight*kl
	o := w / s.prm.MarginalWeight
	if s.g != nil {
		o += s.prm.GraphWeight / 2 * s.g.LaplacianQuadratic(s.V)
	}
	return o
}

// ratio sets R = T1 ⊘ max(P, eps) on all workers.
func (s *refSDNMFState) ratio() {
	r, t, p := s.R.RawMatrix().Data, s.T1.RawMatrix().Data, s.P.RawMatrix().Data
	s.parallelRange(len(r), func(lo, hi int) float64 {
		refRatioFloor(r[lo:hi], t[lo:hi], p[lo:hi], s.prm.Eps)
		return 0
	})
}

// parallelRange splits [0, n) into one contiguous part per worker, runs f on
// the parts concurrently and returns the sum of the results in part order.
func (s *refSDNMFState) parallelRange(n int, f func(lo, hi int) float64) float64 {
	k := len(s.workers)
	res := s.rangeSums[:k]
	var wg sync.WaitGroup
	for i := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = f(i*n/k, (i+1)*n/k)
		}()
	}
	wg.Wait()
	var sum float64
	for _, v := range res {
		sum += v
	}
	return sum
}

// refRatioFloor sets r = t ⊘ max(p, eps).
func refRatioFloor(r, t, p []float64, eps float64) {
	for i, v := range t {
		r[i] = v / math.Max(p[i], eps)
	}
}
