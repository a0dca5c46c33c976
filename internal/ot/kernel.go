package ot

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot/vmath"
)

// Kernel is a Gibbs kernel K = exp(−λC − shift) (m1 × m2) applied to batches
// of histograms stored as matrix columns. Implementations are immutable and
// safe for concurrent use. Like gonum's products, the methods panic on
// mismatched shapes, which are programming errors.
type Kernel interface {
	// Dims returns the shape m1 × m2 of K.
	Dims() (m1, m2 int)
	// WorkLen returns the scratch length Apply and LogApply need for a
	// batch of n histograms.
	WorkLen(n int) int
	// Apply sets dst = K·src (src m2 × n, dst m1 × n) or, when trans is
	// true, dst = Kᵀ·src (src m1 × n, dst m2 × n). work holds at least
	// WorkLen(n) elements, or is nil to allocate. dst and src must not
	// share memory.
	Apply(dst, src *mat.Dense, trans bool, work []float64)
	// LogApply is Apply in the log domain: dst_ij = log Σ_k K_ik·exp(src_kj)
	// (K replaced by Kᵀ when trans), evaluated with max-shifted sums from
	// log K, so neither K nor exp(src) is ever formed and nothing
	// underflows. Columns of src that are all −Inf give −Inf.
	LogApply(dst, src *mat.Dense, trans bool, work []float64)
	// Matrix returns K as a new dense m1 × m2 matrix.
	Matrix() *mat.Dense
}

// Dense is a Kernel stored as a dense matrix, for any cost.
type Dense struct {
	k, logK *mat.Dense
}

// NewDense returns the kernel K = exp(−λ·C − shift) of the m1 × m2 cost C.
// C must be finite and λ positive and finite; the entries of K may underflow
// to zero (the log-domain methods use −λC − shift directly).
func NewDense(c *mat.Dense, lambda, shift float64) (*Dense, error) {
	if err := checkGibbs(lambda, shift); err != nil {
		return nil, err
	}
	m1, m2 := c.Dims()
	logK := mat.NewDense(m1, m2, nil)
	for i := 0; i < m1; i++ {
		for j := 0; j < m2; j++ {
			v := c.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("ot: cost entry (%d, %d) is %v; want finite values", i, j, v)
			}
			logK.Set(i, j, -lambda*v-shift)
		}
	}
	k := mat.NewDense(m1, m2, nil)
	vmath.Exp(k.RawMatrix().Data, logK.RawMatrix().Data)
	return &Dense{k: k, logK: logK}, nil
}

func checkGibbs(lambda, shift float64) error {
	if !(lambda > 0) || math.IsInf(lambda, 1) {
		return fmt.Errorf("ot: λ = %v; want a finite λ > 0", lambda)
	}
	if math.IsNaN(shift) || math.IsInf(shift, 0) {
		return fmt.Errorf("ot: kernel shift %v; want a finite value", shift)
	}
	return nil
}

// Dims returns the shape of K.
func (d *Dense) Dims() (m1, m2 int) { return d.k.Dims() }

// WorkLen returns the scratch length for n histograms.
func (d *Dense) WorkLen(n int) int {
	m1, m2 := d.k.Dims()
	return n*max(m1, m2) + 2*max(m1, m2)
}

// Apply sets dst = K·src, or Kᵀ·src when trans is true, with one GEMM.
func (d *Dense) Apply(dst, src *mat.Dense, trans bool, _ []float64) {
	m1, m2 := d.k.Dims()
	in, out := m2, m1
	t := blas.NoTrans
	if trans {
		in, out, t = m1, m2, blas.Trans
	}
	n := checkBatch(dst, src, in, out)
	if n == 0 {
		return
	}
	blas64.Gemm(t, blas.NoTrans, 1, d.k.RawMatrix(), src.RawMatrix(), 0, dst.RawMatrix())
}

// LogApply sets dst_ij = log Σ_k K_ik exp(src_kj) (Kᵀ when trans), one
// max-shifted log-sum-exp per output entry: m1·m2·n exponentials.
func (d *Dense) LogApply(dst, src *mat.Dense, trans bool, work []float64) {
	m1, m2 := d.k.Dims()
	in, out := m2, m1
	if trans {
		in, out = m1, m2
	}
	n := checkBatch(dst, src, in, out)
	if n == 0 {
		return
	}
	if len(work) < d.WorkLen(n) {
		work = make([]float64, d.WorkLen(n))
	}
	// Transpose src so that each histogram is contiguous.
	st := work[:n*in]
	t := work[n*in : n*in+in]
	e := work[n*in+in : n*in+2*in]
	sr := src.RawMatrix()
	for k := 0; k < in; k++ {
		row := sr.Data[k*sr.Stride : k*sr.Stride+n]
		for j, v := range row {
			st[j*in+k] = v
		}
	}
	lk := d.logK.RawMatrix()
	dr := dst.RawMatrix()
	for i := 0; i < out; i++ {
		for j := 0; j < n; j++ {
			g := st[j*in : (j+1)*in]
			if trans { // t_k = log K_ki + g_k
				for k := range t {
					t[k] = lk.Data[k*lk.Stride+i] + g[k]
				}
			} else {
				lrow := lk.Data[i*lk.Stride : i*lk.Stride+in]
				for k := range t {
					t[k] = lrow[k] + g[k]
				}
			}
			dr.Data[i*dr.Stride+j] = logSumExp(t, e)
		}
	}
}

// logSumExp returns log Σ exp(t_k), using e as scratch (len(e) ≥ len(t)).
func logSumExp(t, e []float64) float64 {
	mx := math.Inf(-1)
	for _, v := range t {
		if v > mx {
			mx = v
		}
	}
	if math.IsInf(mx, 0) || math.IsNaN(mx) {
		return mx
	}
	e = e[:len(t)]
	for k, v := range t {
		e[k] = v - mx
	}
	vmath.Exp(e, e)
	var s float64
	for _, v := range e {
		s += v
	}
	return mx + math.Log(s)
}

// Matrix returns a copy of K.
func (d *Dense) Matrix() *mat.Dense { return mat.DenseCopyOf(d.k) }

// checkBatch panics unless src is in × n and dst is out × n with contiguous
// rows and no shared memory; it returns n.
func checkBatch(dst, src *mat.Dense, in, out int) int {
	r, n := src.Dims()
	if r != in {
		panic(fmt.Sprintf("ot: kernel input has %d rows, want %d", r, in))
	}
	if dr, dc := dst.Dims(); dr != out || dc != n {
		panic(fmt.Sprintf("ot: kernel output is %d×%d, want %d×%d", dr, dc, out, n))
	}
	if n == 0 {
		return 0
	}
	if src.RawMatrix().Stride != n || dst.RawMatrix().Stride != n {
		panic("ot: kernel operands must be contiguous matrices (stride = columns)")
	}
	if overlap(dst.RawMatrix().Data, src.RawMatrix().Data) {
		panic("ot: kernel output shares memory with its input")
	}
	return n
}

func overlap(a, b []float64) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, b0 := &a[0], &b[0]
	a1, b1 := &a[len(a)-1], &b[len(b)-1]
	return addr(a0) <= addr(b1) && addr(b0) <= addr(a1)
}
