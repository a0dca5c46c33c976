package tensor

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// KhatriRao sets dst = mats[0] ⊙ mats[1] ⊙ … ⊙ mats[m−1], the column-wise
// Kronecker product: with I_k the rows of mats[k], row
// i_{m−1} + I_{m−1}(i_{m−2} + …) of dst is the elementwise product of rows
// i_k of each operand (the last operand's index fastest, Kolda–Bader).
// Every operand has the same number of columns R; dst must be empty or
// (∏ I_k) × R. It panics on a shape mismatch, as gonum's products do.
func KhatriRao(dst *mat.Dense, mats ...*mat.Dense) {
	if len(mats) == 0 {
		panic("tensor: Khatri–Rao product of no matrices")
	}
	_, R := mats[0].Dims()
	rows := 1
	for k, m := range mats {
		r, c := m.Dims()
		if c != R {
			panic(fmt.Sprintf("tensor: Khatri–Rao operand %d has %d columns, want %d", k, c, R))
		}
		rows *= r
	}
	sizeDst(dst, rows, R)
	dr := dst.RawMatrix()
	raws := make([]rawView, len(mats))
	for k, m := range mats {
		raws[k] = viewOf(m)
	}
	idx := make([]int, len(mats)) // multi-index, last operand fastest
	for row := 0; row < rows; row++ {
		d := dr.Data[row*dr.Stride : row*dr.Stride+R]
		copy(d, raws[0].row(idx[0]))
		for k := 1; k < len(mats); k++ {
			floats.Mul(d, raws[k].row(idx[k]))
		}
		for k := len(idx) - 1; k >= 0; k-- {
			idx[k]++
			if idx[k] < raws[k].rows {
				break
			}
			idx[k] = 0
		}
	}
}

// rawView is a row-major view of a matrix's storage.
type rawView struct {
	data         []float64
	rows, stride int
	cols         int
}

func (v rawView) row(i int) []float64 { return v.data[i*v.stride : i*v.stride+v.cols] }

func viewOf(m *mat.Dense) rawView {
	r := m.RawMatrix()
	return rawView{data: r.Data, rows: r.Rows, stride: r.Stride, cols: r.Cols}
}

func sizeDst(dst *mat.Dense, r, c int) {
	if dst.IsEmpty() {
		dst.ReuseAs(r, c)
		return
	}
	if dr, dc := dst.Dims(); dr != r || dc != c {
		panic(fmt.Sprintf("tensor: destination is %d×%d, want %d×%d", dr, dc, r, c))
	}
}

// Workspace holds the buffers of the MTTKRP kernels for tensors of one shape
// and CP rank, so that repeated products do not allocate. A Workspace is not
// safe for concurrent use.
//
// The mode-n MTTKRP M⁽ⁿ⁾ = X₍ₙ₎ (A⁽ᴺ⁾ ⊙ … ⊙ A⁽ⁿ⁺¹⁾ ⊙ A⁽ⁿ⁻¹⁾ ⊙ … ⊙ A⁽¹⁾) is
// never formed with the full Khatri–Rao product (∏_{k≠n} I_k × R, 32n × R for
// the pixel modes of an image tensor). For the last mode it is one Gemm with
// the Khatri–Rao product of the other modes (∏_{k<N} I_k × R, 1024 × R for
// 32 × 32 images). For the other modes the last mode is contracted first,
// 𝒯_r = 𝒳 ×_N a_r⁽ᴺ⁾ (one Gemm, Contract), and the remaining modes are
// contracted per component in O(R ∏_{k<N} I_k). 𝒯 depends on A⁽ᴺ⁾ only, so an
// alternating sweep over modes 1 … N−1 (with A⁽ᴺ⁾ fixed) contracts once.
type Workspace struct {
	shape      []int
	rank       int
	p          int        // ∏_{k<N} I_k
	t          *mat.Dense // R × p: row r is 𝒯_r = 𝒳 ×_N a_r⁽ᴺ⁾, column-major over modes < N
	tT         *mat.Dense // p × R: 𝒯ᵀ as ContractTransposed computes it (nil until then)
	kr         *mat.Dense // p × R Khatri–Rao product of modes < N (last-mode MTTKRP)
	kl, kq     []float64  // per-component Khatri–Rao columns left and right of mode n
	acc        []float64  // I_n accumulator
	contracted bool
}

// NewWorkspace returns a workspace for MTTKRPs of tensors of the given shape
// with rank-R factors.
func NewWorkspace(shape []int, rank int) (*Workspace, error) {
	size, err := checkShape(shape)
	if err != nil {
		return nil, err
	}
	if rank < 1 {
		return nil, fmt.Errorf("tensor: CP rank %d; want ≥ 1", rank)
	}
	N := len(shape)
	p := size / shape[N-1]
	maxI := 0
	for _, s := range shape {
		maxI = max(maxI, s)
	}
	return &Workspace{
		shape: append([]int(nil), shape...), rank: rank, p: p,
		t: mat.NewDense(rank, p, nil), kr: mat.NewDense(p, rank, nil),
		kl: make([]float64, p), kq: make([]float64, p), acc: make([]float64, maxI),
	}, nil
}

func (w *Workspace) check(x *Dense, factors []*mat.Dense) {
	if x != nil {
		if len(x.shape) != len(w.shape) {
			panic(fmt.Sprintf("tensor: order-%d tensor for an order-%d workspace", len(x.shape), len(w.shape)))
		}
		for k, s := range x.shape {
			if s != w.shape[k] {
				panic(fmt.Sprintf("tensor: tensor of shape %v for a workspace of shape %v", x.shape, w.shape))
			}
		}
	}
	if factors == nil {
		return
	}
	if len(factors) != len(w.shape) {
		panic(fmt.Sprintf("tensor: %d factors for an order-%d tensor", len(factors), len(w.shape)))
	}
	for k, a := range factors {
		if a == nil {
			continue
		}
		if r, c := a.Dims(); r != w.shape[k] || c != w.rank {
			panic(fmt.Sprintf("tensor: factor %d is %d×%d, want %d×%d", k, r, c, w.shape[k], w.rank))
		}
	}
}

// Contract computes and keeps 𝒯 = 𝒳 ×_N A⁽ᴺ⁾ᵀ, i.e. the R × ∏_{k<N} I_k matrix
// A⁽ᴺ⁾ᵀ X₍N₎ (one Gemm), for the following MTTKRPContracted calls.
func (w *Workspace) Contract(x *Dense, aLast *mat.Dense) {
	N := len(w.shape)
	fs := make([]*mat.Dense, N)
	fs[N-1] = aLast
	w.check(x, fs)
	w.t.Mul(aLast.T(), x.LastUnfolding())
	w.contracted = true
}

// ContractTransposed is Contract for a caller that keeps xT = X₍N₎ᵀ (p ×
// I_N, e.g. computed once for data that do not change): 𝒯 = (xT·A⁽ᴺ⁾)ᵀ. The
// product then reads both operands as stored, where A⁽ᴺ⁾ᵀX₍N₎ has the GEMM
// pack the large X₍N₎ on every call; every entry is the same sum, so the
// result equals Contract's (with package gemm's kernel, bit for bit).
func (w *Workspace) ContractTransposed(xT, aLast *mat.Dense) {
	N := len(w.shape)
	if r, c := xT.Dims(); r != w.p || c != w.shape[N-1] {
		panic(fmt.Sprintf("tensor: ContractTransposed needs X₍N₎ᵀ of %d×%d, got %d×%d", w.p, w.shape[N-1], r, c))
	}
	fs := make([]*mat.Dense, N)
	fs[N-1] = aLast
	w.check(nil, fs)
	if w.tT == nil {
		w.tT = mat.NewDense(w.p, w.rank, nil)
	}
	w.tT.Mul(xT, aLast)
	w.t.Copy(w.tT.T())
	w.contracted = true
}

// MTTKRPContracted sets dst (I_n × R) to the mode-n MTTKRP for a mode n < N−1
// (0-based) using 𝒯 from the last Contract call; factors[N−1] is not read
// (it is the A⁽ᴺ⁾ given to Contract), nor is factors[n].
func (w *Workspace) MTTKRPContracted(dst *mat.Dense, factors []*mat.Dense, n int) {
	N := len(w.shape)
	if n < 0 || n >= N-1 {
		panic(fmt.Sprintf("tensor: MTTKRPContracted needs a mode in [0, %d), got %d", N-1, n))
	}
	if !w.contracted {
		panic("tensor: MTTKRPContracted called before Contract")
	}
	w.check(nil, factors)
	In := w.shape[n]
	L := 1
	for _, s := range w.shape[:n] {
		L *= s
	}
	Q := w.p / (L * In) // ∏_{n<k<N−1} I_k
	sizeDst(dst, In, w.rank)
	dr := dst.RawMatrix()
	tr := w.t.RawMatrix()
	kl, kq, acc := w.kl[:L], w.kq[:Q], w.acc[:In]
	for r := 0; r < w.rank; r++ {
		krColumn(kl, factors[:n], r)
		krColumn(kq, factors[n+1:N-1], r)
		trow := tr.Data[r*tr.Stride : r*tr.Stride+w.p]
		clear(acc)
		// M[i, r] = Σ_q kq[q] Σ_l 𝒯_r[l + L(i + I_n q)] kl[l]
		for q, c := range kq {
			blk := trow[L*In*q : L*In*(q+1)]
			if L == 1 {
				floats.AddScaled(acc, c*kl[0], blk)
				continue
			}
			for i := range acc {
				acc[i] += c * floats.Dot(blk[L*i:L*(i+1)], kl)
			}
		}
		for i, v := range acc {
			dr.Data[i*dr.Stride+r] = v
		}
	}
}

// krColumn sets dst (length ∏ I_k) to column r of the Khatri–Rao product of
// mats in reverse order, mats[len−1] ⊙ … ⊙ mats[0]: the first matrix's index
// fastest, matching the column-major layout of the modes they belong to.
func krColumn(dst []float64, mats []*mat.Dense, r int) {
	dst[0] = 1
	size := 1
	for _, m := range mats {
		raw := m.RawMatrix()
		// Block i of the new vector is a(i, r) times the old vector; fill
		// blocks from the last so block 0 (the old vector) is read last.
		for i := raw.Rows - 1; i >= 0; i-- {
			floats.ScaleTo(dst[i*size:(i+1)*size], raw.Data[i*raw.Stride+r], dst[:size])
		}
		size *= raw.Rows
	}
}

// MTTKRP sets dst (I_n × R) to the mode-n (0-based) matricized tensor times
// Khatri–Rao product X₍ₙ₎ (A⁽ᴺ⁾ ⊙ … ⊙ A⁽ⁿ⁺¹⁾ ⊙ A⁽ⁿ⁻¹⁾ ⊙ … ⊙ A⁽¹⁾).
// factors[n] is not read. For n < N−1 it calls Contract (replacing the
// kept 𝒯); in a sweep, call Contract once and MTTKRPContracted instead.
func (w *Workspace) MTTKRP(dst *mat.Dense, x *Dense, factors []*mat.Dense, n int) {
	N := len(w.shape)
	w.check(x, factors)
	if n < 0 || n >= N {
		panic(fmt.Sprintf("tensor: mode %d of an order-%d tensor", n, N))
	}
	if n < N-1 {
		w.Contract(x, factors[N-1])
		w.MTTKRPContracted(dst, factors, n)
		return
	}
	w.khatriRaoFirst(factors)
	sizeDst(dst, w.shape[N-1], w.rank)
	dst.Mul(x.LastUnfolding(), w.kr)
}

// khatriRaoFirst sets w.kr = A⁽ᴺ⁻¹⁾ ⊙ … ⊙ A⁽¹⁾ (first mode fastest).
func (w *Workspace) khatriRaoFirst(factors []*mat.Dense) {
	N := len(w.shape)
	rev := make([]*mat.Dense, N-1)
	for k := 0; k < N-1; k++ {
		rev[N-2-k] = factors[k]
	}
	KhatriRao(w.kr, rev...)
}

// Reconstruct returns the full tensor ⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧ = Σ_r a_r⁽¹⁾ ∘ … ∘ a_r⁽ᴺ⁾
// (shape: the factors' row counts), computed as X₍N₎ = A⁽ᴺ⁾ (A⁽ᴺ⁻¹⁾ ⊙ … ⊙ A⁽¹⁾)ᵀ.
func Reconstruct(factors []*mat.Dense) (*Dense, error) {
	if len(factors) < 2 {
		return nil, fmt.Errorf("tensor: %d factors; a CP model needs at least 2", len(factors))
	}
	shape := make([]int, len(factors))
	_, R := factors[0].Dims()
	for k, a := range factors {
		r, c := a.Dims()
		if c != R {
			return nil, fmt.Errorf("tensor: factor %d has %d columns, factor 0 has %d", k, c, R)
		}
		shape[k] = r
	}
	t, err := New(shape...)
	if err != nil {
		return nil, err
	}
	N := len(shape)
	rev := make([]*mat.Dense, N-1)
	for k := 0; k < N-1; k++ {
		rev[N-2-k] = factors[k]
	}
	var kr mat.Dense
	KhatriRao(&kr, rev...)
	t.LastUnfolding().Mul(factors[N-1], kr.T())
	return t, nil
}

// KruskalNormSq returns ‖⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧‖² = Σ_rs ∏_k (A⁽ᵏ⁾ᵀA⁽ᵏ⁾)_rs without
// forming the tensor.
func KruskalNormSq(factors []*mat.Dense) float64 {
	_, R := factors[0].Dims()
	h := mat.NewDense(R, R, nil)
	var g mat.Dense
	for k, a := range factors {
		g.Reset()
		g.Mul(a.T(), a)
		if k == 0 {
			h.Copy(&g)
		} else {
			h.MulElem(h, &g)
		}
	}
	return mat.Sum(h)
}

// Inner returns Σ_ij m_ij a_ij. With m the mode-n MTTKRP for the other factors
// and a = A⁽ⁿ⁾ it is ⟨𝒳, ⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧⟩.
func Inner(m, a *mat.Dense) float64 {
	mr, ar := m.RawMatrix(), a.RawMatrix()
	if mr.Rows != ar.Rows || mr.Cols != ar.Cols {
		panic(mat.ErrShape)
	}
	var s float64
	for i := 0; i < mr.Rows; i++ {
		s += floats.Dot(mr.Data[i*mr.Stride:i*mr.Stride+mr.Cols], ar.Data[i*ar.Stride:i*ar.Stride+ar.Cols])
	}
	return s
}

// ResidualNormSq returns ‖𝒳 − ⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧‖² = ‖𝒳‖² − 2⟨𝒳, 𝒳̂⟩ + ‖𝒳̂‖²
// from ‖𝒳‖², the mode-n MTTKRP m of the current factors and the factors,
// clamped at 0 against cancellation.
func ResidualNormSq(normXSq float64, m *mat.Dense, n int, factors []*mat.Dense) float64 {
	return math.Max(0, normXSq-2*Inner(m, factors[n])+KruskalNormSq(factors))
}

// FitFromMTTKRP returns the CP fit 1 − ‖𝒳 − 𝒳̂‖/‖𝒳‖ (tensor-toolbox
// definition) from ‖𝒳‖², the mode-n MTTKRP m and the factors.
func FitFromMTTKRP(normXSq float64, m *mat.Dense, n int, factors []*mat.Dense) float64 {
	return 1 - math.Sqrt(ResidualNormSq(normXSq, m, n, factors)/normXSq)
}

// Fit returns the CP fit 1 − ‖𝒳 − 𝒳̂‖/‖𝒳‖ of the model ⟦A⁽¹⁾, …, A⁽ᴺ⁾⟧ to x,
// with one last-mode MTTKRP.
func Fit(x *Dense, factors []*mat.Dense) (float64, error) {
	_, R := factors[len(factors)-1].Dims()
	w, err := NewWorkspace(x.shape, R)
	if err != nil {
		return 0, err
	}
	var m mat.Dense
	N := x.Order()
	w.MTTKRP(&m, x, factors, N-1)
	return FitFromMTTKRP(x.NormSq(), &m, N-1, factors), nil
}
