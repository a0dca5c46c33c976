// Package tensor provides the dense-tensor kernels of the nonnegative CP
// methods (NCP, GNCP, GWNTF): mode-n unfolding, the Khatri–Rao product, the
// matricized-tensor-times-Khatri–Rao product (MTTKRP), CP reconstruction and
// fit, and the factor match score used in tests.
//
// Conventions (Kolda & Bader, SIAM Review 51(3), 2009, §2.4 and §3):
//
//   - A tensor 𝒳 of shape I₁ × I₂ × … × I_N is stored column-major: element
//     (i₁, …, i_N) (0-based) is at offset i₁ + I₁(i₂ + I₂(i₃ + …)), the first
//     index fastest, as in MATLAB.
//   - The mode-n unfolding X₍ₙ₎ is I_n × ∏_{k≠n} I_k with element (i₁, …, i_N)
//     at row i_n and column Σ_{k≠n} i_k J_k, J_k = ∏_{m<k, m≠n} I_m: the
//     remaining indices in increasing mode order, the lowest fastest.
//   - The Khatri–Rao product A ⊙ B of A (I × R) and B (J × R) is the IJ × R
//     matrix with (A ⊙ B)[iJ + j, r] = A[i, r]·B[j, r] (the right operand's
//     index fastest), so that X₍ₙ₎ = A⁽ⁿ⁾ (A⁽ᴺ⁾ ⊙ … ⊙ A⁽ⁿ⁺¹⁾ ⊙ A⁽ⁿ⁻¹⁾ ⊙ … ⊙ A⁽¹⁾)ᵀ
//     for a CP tensor ⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧.
//   - Modes are numbered from 0 in the API (mode n = 0 … N−1); comments use
//     the papers' 1-based numbering where they quote equations.
//
// In this layout the last-mode unfolding X₍N₎ is the row-major I_N × ∏_{k<N} I_k
// matrix over the same memory, so an image dataset (n × HW, row i the
// column-major H × W image i) is exactly the H × W × n tensor and its X is
// X₍₃₎; FromImages returns that tensor without copying.
package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Dense is a dense N-way tensor of float64 stored column-major (first index
// fastest). Its data may be shared with a matrix (see FromImages, LastUnfolding).
type Dense struct {
	shape []int
	data  []float64
}

// New returns a zero tensor of the given shape (every dimension ≥ 1).
func New(shape ...int) (*Dense, error) {
	size, err := checkShape(shape)
	if err != nil {
		return nil, err
	}
	return &Dense{shape: append([]int(nil), shape...), data: make([]float64, size)}, nil
}

// NewDense wraps data (column-major, length ∏ shape) as a tensor without
// copying it.
func NewDense(shape []int, data []float64) (*Dense, error) {
	size, err := checkShape(shape)
	if err != nil {
		return nil, err
	}
	if len(data) != size {
		return nil, fmt.Errorf("tensor: %d values for shape %v (want %d)", len(data), shape, size)
	}
	return &Dense{shape: append([]int(nil), shape...), data: data}, nil
}

func checkShape(shape []int) (int, error) {
	if len(shape) < 2 {
		return 0, fmt.Errorf("tensor: shape %v has fewer than 2 modes", shape)
	}
	size := 1
	for _, s := range shape {
		if s < 1 {
			return 0, fmt.Errorf("tensor: shape %v has a dimension < 1", shape)
		}
		if size > math.MaxInt/s {
			return 0, fmt.Errorf("tensor: shape %v is too large", shape)
		}
		size *= s
	}
	return size, nil
}

// FromImages returns the height × width × n image tensor whose mode-3
// unfolding is x (n × height·width, one column-major image per row), sharing
// the memory of x. It copies only when x is a strided view whose rows are not
// contiguous. The tensor must not be modified when x must not be.
func FromImages(x *mat.Dense, height, width int) (*Dense, error) {
	if x == nil {
		return nil, fmt.Errorf("tensor: no data")
	}
	n, f := x.Dims()
	if height < 1 || width < 1 || height*width != f {
		return nil, fmt.Errorf("tensor: the data are not images of %d × %d pixels (%d features per sample)", height, width, f)
	}
	raw := x.RawMatrix()
	data := raw.Data[:n*f]
	if raw.Stride != f {
		data = make([]float64, n*f)
		for i := 0; i < n; i++ {
			copy(data[i*f:(i+1)*f], raw.Data[i*raw.Stride:i*raw.Stride+f])
		}
	}
	return NewDense([]int{height, width, n}, data)
}

// Shape returns a copy of the tensor's dimensions.
func (t *Dense) Shape() []int { return append([]int(nil), t.shape...) }

// Order returns the number of modes N.
func (t *Dense) Order() int { return len(t.shape) }

// Dim returns the size I_n of mode n.
func (t *Dense) Dim(n int) int { return t.shape[n] }

// Data returns the column-major storage (shared, not copied).
func (t *Dense) Data() []float64 { return t.data }

// offset returns the storage position of a multi-index.
func (t *Dense) offset(idx []int) int {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("tensor: %d indices for an order-%d tensor", len(idx), len(t.shape)))
	}
	off, stride := 0, 1
	for k, i := range idx {
		if i < 0 || i >= t.shape[k] {
			panic(fmt.Sprintf("tensor: index %d out of range [0, %d) in mode %d", i, t.shape[k], k))
		}
		off += i * stride
		stride *= t.shape[k]
	}
	return off
}

// At returns 𝒳[idx…].
func (t *Dense) At(idx ...int) float64 { return t.data[t.offset(idx)] }

// Set sets 𝒳[idx…] = v.
func (t *Dense) Set(v float64, idx ...int) { t.data[t.offset(idx)] = v }

// NormSq returns ‖𝒳‖² = Σ x², the squared Frobenius norm.
func (t *Dense) NormSq() float64 { return floats.Dot(t.data, t.data) }

// LastUnfolding returns X₍N₎, the I_N × ∏_{k<N} I_k last-mode unfolding, as a
// row-major matrix sharing the tensor's memory.
func (t *Dense) LastUnfolding() *mat.Dense {
	N := len(t.shape)
	return mat.NewDense(t.shape[N-1], len(t.data)/t.shape[N-1], t.data)
}

// Unfold returns a copy of the mode-n unfolding X₍ₙ₎ (I_n × ∏_{k≠n} I_k) in
// the Kolda–Bader column order. Use LastUnfolding for a copy-free X₍N₎.
func (t *Dense) Unfold(n int) *mat.Dense {
	if n < 0 || n >= len(t.shape) {
		panic(fmt.Sprintf("tensor: mode %d of an order-%d tensor", n, len(t.shape)))
	}
	In := t.shape[n]
	left := 1 // ∏_{k<n} I_k: the contiguous run of the lower modes
	for _, s := range t.shape[:n] {
		left *= s
	}
	right := len(t.data) / (left * In)
	out := mat.NewDense(In, left*right, nil)
	raw := out.RawMatrix()
	// Element (l, i_n, q) sits at l + left·(i_n + I_n·q) and goes to row i_n,
	// column l + left·q.
	for q := 0; q < right; q++ {
		for i := 0; i < In; i++ {
			src := t.data[left*(i+In*q) : left*(i+In*q)+left]
			copy(raw.Data[i*raw.Stride+left*q:], src)
		}
	}
	return out
}

// Fold is the inverse of Unfold: it returns the tensor of the given shape
// whose mode-n unfolding is m.
func Fold(m mat.Matrix, n int, shape []int) (*Dense, error) {
	t, err := New(shape...)
	if err != nil {
		return nil, err
	}
	if n < 0 || n >= len(shape) {
		return nil, fmt.Errorf("tensor: mode %d of an order-%d tensor", n, len(shape))
	}
	In := shape[n]
	left := 1
	for _, s := range shape[:n] {
		left *= s
	}
	right := len(t.data) / (left * In)
	if r, c := m.Dims(); r != In || c != left*right {
		return nil, fmt.Errorf("tensor: %d×%d matrix is not a mode-%d unfolding of shape %v", r, c, n, shape)
	}
	for q := 0; q < right; q++ {
		for i := 0; i < In; i++ {
			dst := t.data[left*(i+In*q) : left*(i+In*q)+left]
			for l := range dst {
				dst[l] = m.At(i, l+left*q)
			}
		}
	}
	return t, nil
}
