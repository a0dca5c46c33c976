package gwntf

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot"
)

// zeroOneKernel is the Gibbs kernel K = exp(−λC − 1) of the zero-one cost
// C = 𝟏𝟏ᵀ − I on n points: K = e^{−1}[(1 − e^{−λ})I + e^{−λ}𝟏𝟏ᵀ], a diagonal
// plus a rank-one matrix, applied in O(n) per histogram instead of O(n²). It
// implements ot.Kernel; K is symmetric, so trans is ignored.
type zeroOneKernel struct {
	n            int
	diag, off    float64 // K_ii − K_ij and K_ij (i ≠ j)
	logK0, logK1 float64 // log K_ii = −1 and log K_ij = −λ − 1
}

var _ ot.Kernel = (*zeroOneKernel)(nil)

func newZeroOneKernel(n int, lambda float64) *zeroOneKernel {
	return &zeroOneKernel{
		n: n, diag: math.Exp(-1) * -math.Expm1(-lambda), off: math.Exp(-lambda - 1),
		logK0: -1, logK1: -lambda - 1,
	}
}

// Dims returns n × n.
func (k *zeroOneKernel) Dims() (m1, m2 int) { return k.n, k.n }

// WorkLen returns the scratch length: one accumulator per histogram.
func (k *zeroOneKernel) WorkLen(cols int) int { return cols }

// Apply sets dst = K·src = (K_ii − K_ij)·src + K_ij·𝟏(𝟏ᵀsrc).
func (k *zeroOneKernel) Apply(dst, src *mat.Dense, _ bool, work []float64) {
	rows, cols := src.Dims()
	if rows != k.n {
		panic(mat.ErrShape)
	}
	if dr, dc := dst.Dims(); dr != rows || dc != cols {
		panic(mat.ErrShape)
	}
	if len(work) < cols {
		work = make([]float64, cols)
	}
	sum := work[:cols]
	clear(sum)
	sr, dr := src.RawMatrix(), dst.RawMatrix()
	for i := 0; i < rows; i++ {
		row := sr.Data[i*sr.Stride : i*sr.Stride+cols]
		for j, v := range row {
			sum[j] += v
		}
	}
	for i := 0; i < rows; i++ {
		row := sr.Data[i*sr.Stride : i*sr.Stride+cols]
		out := dr.Data[i*dr.Stride : i*dr.Stride+cols]
		for j, v := range row {
			out[j] = k.diag*v + k.off*sum[j]
		}
	}
}

// LogApply sets dst_ij = log Σ_l K_il exp(src_lj) with a max-shifted sum.
func (k *zeroOneKernel) LogApply(dst, src *mat.Dense, _ bool, work []float64) {
	rows, cols := src.Dims()
	if rows != k.n {
		panic(mat.ErrShape)
	}
	if len(work) < 2*cols {
		work = make([]float64, 2*cols)
	}
	mx, sum := work[:cols], work[cols:2*cols]
	for j := range mx {
		mx[j] = math.Inf(-1)
		sum[j] = 0
	}
	sr, dr := src.RawMatrix(), dst.RawMatrix()
	for i := 0; i < rows; i++ {
		for j, v := range sr.Data[i*sr.Stride : i*sr.Stride+cols] {
			mx[j] = math.Max(mx[j], v)
		}
	}
	for i := 0; i < rows; i++ {
		for j, v := range sr.Data[i*sr.Stride : i*sr.Stride+cols] {
			if !math.IsInf(mx[j], -1) {
				sum[j] += math.Exp(v - mx[j])
			}
		}
	}
	for i := 0; i < rows; i++ {
		out := dr.Data[i*dr.Stride : i*dr.Stride+cols]
		for j, v := range sr.Data[i*sr.Stride : i*sr.Stride+cols] {
			if math.IsInf(mx[j], -1) {
				out[j] = math.Inf(-1)
				continue
			}
			// log(e^{logK1}·Σ_l e^{s_l} + (e^{logK0} − e^{logK1})·e^{s_i})
			e := math.Exp(v - mx[j])
			out[j] = mx[j] + math.Log(k.off*sum[j]+k.diag*e)
		}
	}
}

// Matrix returns K as a dense n × n matrix.
func (k *zeroOneKernel) Matrix() *mat.Dense {
	m := mat.NewDense(k.n, k.n, nil)
	for i := 0; i < k.n; i++ {
		for j := 0; j < k.n; j++ {
			v := k.off
			if i == j {
				v += k.diag
			}
			m.Set(i, j, v)
		}
	}
	return m
}
