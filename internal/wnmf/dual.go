package wnmf

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// underflowTau is the smallest shifted kernel product Ŝ_il = Σ_j K_ij
// exp((G_jl − max_j' G_j'l)/ε) trusted from the BLAS path. Above it, terms
// lost to underflow (each below the smallest normal double, 2.2e-308) change
// Ŝ_il by a relative 1e-58·m at most; below it the entry is recomputed in the
// log domain.
const underflowTau = 1e-250

// Dual evaluates the dual objectives (2)–(4) of the package comment and their
// gradients for fixed histograms X (m × n) and a kernel, batched over the n
// columns. It owns its workspaces: a Dual is not safe for concurrent use.
type Dual struct {
	kern  *Kernel
	x     []float64 // m × n row-major copy of X
	m, n  int
	mass  []float64 // Σ_i X_il
	xlogx float64   // Σ_il X_il log X_il

	e, s, q, tmp []float64 // m × n workspaces
	colMax       []float64 // n
	row          []float64 // m
	fb           []int     // fallback entries i*n + l of the last evaluation

	k        int
	yw, yd   []float64 // k × n and m × k workspaces for the E* terms
	cmx, csm []float64 // column max / sum, len max(n, k)

	fallbacks int
}

// NewDual returns an evaluator for data x (m × n, finite, nonnegative; a
// column's mass is arbitrary, W-NMF uses histograms) and kernel k of size m.
func NewDual(x *mat.Dense, k *Kernel) (*Dual, error) {
	if k == nil {
		return nil, fmt.Errorf("wnmf: nil kernel")
	}
	if x == nil || x.IsEmpty() {
		return nil, fmt.Errorf("wnmf: empty data matrix")
	}
	m, n := x.Dims()
	if m != k.Size() {
		return nil, fmt.Errorf("wnmf: data has %d rows (bins) but the kernel has %d", m, k.Size())
	}
	d := &Dual{kern: k, m: m, n: n, x: make([]float64, m*n), mass: make([]float64, n),
		e: make([]float64, m*n), s: make([]float64, m*n), q: make([]float64, m*n), tmp: make([]float64, m*n),
		colMax: make([]float64, n), row: make([]float64, m)}
	for i := 0; i < m; i++ {
		for l := 0; l < n; l++ {
			v := x.At(i, l)
			if !(v >= 0) || math.IsInf(v, 1) {
				return nil, fmt.Errorf("wnmf: data[%d,%d] = %v; need finite nonnegative values", i, l, v)
			}
			d.x[i*n+l] = v
			d.mass[l] += v
			if v > 0 {
				d.xlogx += v * math.Log(v)
			}
		}
	}
	return d, nil
}

// Dims returns the number of bins m and of columns n.
func (d *Dual) Dims() (m, n int) { return d.m, d.n }

// Fallbacks returns how many (bin, column) entries of the last SemiDual
// evaluation underflowed in the BLAS path and were recomputed in the log domain.
func (d *Dual) Fallbacks() int { return d.fallbacks }

func (d *Dual) checkG(grad, g *mat.Dense) error {
	if g == nil {
		return fmt.Errorf("wnmf: nil dual variable")
	}
	if r, c := g.Dims(); r != d.m || c != d.n {
		return fmt.Errorf("wnmf: dual variable is %d×%d, want %d×%d", r, c, d.m, d.n)
	}
	if grad != nil {
		if r, c := grad.Dims(); r != d.m || c != d.n {
			return fmt.Errorf("wnmf: gradient is %d×%d, want %d×%d", r, c, d.m, d.n)
		}
	}
	return nil
}

// SemiDual returns Σ_l OT*_ε(X_l, G_l) of Eq. (4) and, when grad is non-nil,
// writes its gradient ∂/∂G_jl = Σ_i X_il softmax_j((G_·l − C_i·)/ε) into
// grad (m × n). With M_l = max_j G_jl and Ê = exp((G − M)/ε), the value is
// Σ_l M_l Σ_i X_il + ε Σ_il X_il (log (KÊ)_il − log X_il) and the gradient
// is Ê ⊙ Kᵀ(X ⊘ KÊ): two batched kernel products. Entries with X_il = 0
// contribute nothing; entries whose (KÊ)_il underflows are recomputed exactly
// in the log domain.
func (d *Dual) SemiDual(grad, g *mat.Dense) (float64, error) {
	if err := d.checkG(grad, g); err != nil {
		return 0, err
	}
	return d.semiDual(grad, g), nil
}

func (d *Dual) semiDual(grad, g *mat.Dense) float64 {
	m, n := d.m, d.n
	inv := 1 / d.kern.eps
	gr := g.RawMatrix()

	cm := d.colMax
	copy(cm, gr.Data[:n])
	for i := 1; i < m; i++ {
		for l, v := range gr.Data[i*gr.Stride : i*gr.Stride+n] {
			if v > cm[l] || v != v {
				cm[l] = v
			}
		}
	}
	for i := 0; i < m; i++ {
		er := d.e[i*n : (i+1)*n]
		for l, v := range gr.Data[i*gr.Stride : i*gr.Stride+n] {
			er[l] = math.Exp((v - cm[l]) * inv)
		}
	}
	d.kern.apply(d.s, d.e, n, false, d.tmp) // Ŝ = K Ê

	d.fb = d.fb[:0]
	var acc float64 // Σ X_il log Ŝ_il (+ fallback terms below)
	for p, x := range d.x {
		if x == 0 {
			d.q[p] = 0
			continue
		}
		s := d.s[p]
		if s >= underflowTau {
			acc += x * math.Log(s)
			d.q[p] = x / s
		} else {
			d.q[p] = 0
			d.fb = append(d.fb, p)
		}
	}
	d.fallbacks = len(d.fb)

	if grad != nil {
		d.kern.apply(d.s, d.q, n, true, d.tmp) // R = Kᵀ Q, overwrites Ŝ
		gd := grad.RawMatrix()
		for i := 0; i < m; i++ {
			out := gd.Data[i*gd.Stride : i*gd.Stride+n]
			er, rr := d.e[i*n:(i+1)*n], d.s[i*n:(i+1)*n]
			for l := range out {
				out[l] = er[l] * rr[l]
			}
		}
	}

	// Exact log-domain terms for underflowed entries.
	row := d.row
	for _, p := range d.fb {
		i, l := p/n, p%n
		x := d.x[p]
		d.kern.logRow(row, i)
		mx := math.Inf(-1)
		for j := range row {
			row[j] += gr.Data[j*gr.Stride+l] * inv
			if row[j] > mx {
				mx = row[j]
			}
		}
		var sum float64
		for _, a := range row {
			sum += math.Exp(a - mx)
		}
		lse := mx + math.Log(sum)
		acc += x * (lse - cm[l]*inv)
		if grad != nil {
			gd := grad.RawMatrix()
			for j, a := range row {
				gd.Data[j*gd.Stride+l] += x * math.Exp(a-lse)
			}
		}
	}

	var lin float64
	for l, v := range cm {
		lin += v * d.mass[l]
	}
	return lin + d.kern.eps*(acc-d.xlogx)
}

func (d *Dual) ensureRank(k int) {
	if d.k == k {
		return
	}
	d.k = k
	d.yw = make([]float64, k*d.n)
	d.yd = make([]float64, d.m*k)
	c := max(d.n, k)
	d.cmx, d.csm = make([]float64, c), make([]float64, c)
}

// colSoftmax replaces each column of the r × c matrix a by its softmax and
// returns Σ_columns logsumexp(column), all stabilised by the column maximum.
func colSoftmax(a blas64.General, cmx, csm []float64) float64 {
	r, c := a.Rows, a.Cols
	cmx, csm = cmx[:c], csm[:c]
	copy(cmx, a.Data[:c])
	for i := 1; i < r; i++ {
		for j, v := range a.Data[i*a.Stride : i*a.Stride+c] {
			if v > cmx[j] || v != v {
				cmx[j] = v
			}
		}
	}
	clear(csm)
	for i := 0; i < r; i++ {
		row := a.Data[i*a.Stride : i*a.Stride+c]
		for j, v := range row {
			row[j] = math.Exp(v - cmx[j])
			csm[j] += row[j]
		}
	}
	var lse float64
	for j := range csm {
		lse += cmx[j] + math.Log(csm[j])
		csm[j] = 1 / csm[j]
	}
	for i := 0; i < r; i++ {
		row := a.Data[i*a.Stride : i*a.Stride+c]
		for j := range row {
			row[j] *= csm[j]
		}
	}
	return lse
}

func (d *Dual) checkFactor(f *mat.Dense, name string, rows, cols int) (int, error) {
	if f == nil {
		return 0, fmt.Errorf("wnmf: nil %s", name)
	}
	r, c := f.Dims()
	if rows >= 0 && r != rows || cols >= 0 && c != cols {
		return 0, fmt.Errorf("wnmf: %s is %d×%d, incompatible with %d×%d data", name, r, c, d.m, d.n)
	}
	if rows < 0 {
		return r, nil
	}
	return c, nil
}

// weightsY writes Y = −DᵀG/ρ₁ (k × n) into d.yw.
func (d *Dual) weightsY(g, dict *mat.Dense, rho float64) blas64.General {
	k := d.k
	y := blas64.General{Rows: k, Cols: d.n, Stride: d.n, Data: d.yw}
	blas64.Gemm(blas.Trans, blas.NoTrans, -1/rho, dict.RawMatrix(), g.RawMatrix(), 0, y)
	return y
}

// dictY writes Y = −GΛᵀ/ρ₂ (m × k) into d.yd.
func (d *Dual) dictY(g, lam *mat.Dense, rho float64) blas64.General {
	k := d.k
	y := blas64.General{Rows: d.m, Cols: k, Stride: k, Data: d.yd}
	blas64.Gemm(blas.NoTrans, blas.Trans, -1/rho, g.RawMatrix(), lam.RawMatrix(), 0, y)
	return y
}

// Weights returns the dual objective (2) of the Λ subproblem for atoms dict
// (m × k) and ρ₁ = rho, Σ_l OT*_ε(X_l, G_l) + ρ₁ Σ_l logsumexp(−(DᵀG)_l/ρ₁),
// and writes its gradient ∇OT* − D·softmax(−DᵀG/ρ₁) into grad when non-nil.
func (d *Dual) Weights(grad, g, dict *mat.Dense, rho float64) (float64, error) {
	if err := d.checkG(grad, g); err != nil {
		return 0, err
	}
	k, err := d.checkFactor(dict, "dictionary D", d.m, -1)
	if err != nil {
		return 0, err
	}
	if !(rho > 0) {
		return 0, fmt.Errorf("wnmf: ρ₁ = %v, want > 0", rho)
	}
	d.ensureRank(k)
	return d.weights(grad, g, dict, rho), nil
}

func (d *Dual) weights(grad, g, dict *mat.Dense, rho float64) float64 {
	f := d.semiDual(grad, g)
	y := d.weightsY(g, dict, rho)
	f += rho * colSoftmax(y, d.cmx, d.csm)
	if grad != nil {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, -1, dict.RawMatrix(), y, 1, grad.RawMatrix())
	}
	return f
}

// Dict returns the dual objective (3) of the D subproblem for weights lam
// (k × n) and ρ₂ = rho, Σ_l OT*_ε(X_l, G_l) + ρ₂ Σ_j logsumexp(−(GΛᵀ)_j/ρ₂),
// and writes its gradient ∇OT* − softmax(−GΛᵀ/ρ₂)·Λ into grad when non-nil.
func (d *Dual) Dict(grad, g, lam *mat.Dense, rho float64) (float64, error) {
	if err := d.checkG(grad, g); err != nil {
		return 0, err
	}
	k, err := d.checkFactor(lam, "weights Λ", -1, d.n)
	if err != nil {
		return 0, err
	}
	if !(rho > 0) {
		return 0, fmt.Errorf("wnmf: ρ₂ = %v, want > 0", rho)
	}
	d.ensureRank(k)
	return d.dict(grad, g, lam, rho), nil
}

func (d *Dual) dict(grad, g, lam *mat.Dense, rho float64) float64 {
	f := d.semiDual(grad, g)
	y := d.dictY(g, lam, rho)
	f += rho * colSoftmax(y, d.cmx, d.csm)
	if grad != nil {
		blas64.Gemm(blas.NoTrans, blas.NoTrans, -1, y, lam.RawMatrix(), 1, grad.RawMatrix())
	}
	return f
}

// WeightsPrimal writes Λ = softmax(−DᵀG/ρ₁) (column-wise, k × n) into dst,
// the primal solution of the Λ subproblem at the dual point G (Rolet et al.
// Theorem 3).
func (d *Dual) WeightsPrimal(dst, g, dict *mat.Dense, rho float64) error {
	if err := d.checkG(nil, g); err != nil {
		return err
	}
	k, err := d.checkFactor(dict, "dictionary D", d.m, -1)
	if err != nil {
		return err
	}
	if _, err := d.checkFactor(dst, "destination Λ", k, d.n); err != nil {
		return err
	}
	if !(rho > 0) {
		return fmt.Errorf("wnmf: ρ₁ = %v, want > 0", rho)
	}
	d.ensureRank(k)
	d.weightsPrimal(dst, g, dict, rho)
	return nil
}

func (d *Dual) weightsPrimal(dst, g, dict *mat.Dense, rho float64) {
	y := d.weightsY(g, dict, rho)
	colSoftmax(y, d.cmx, d.csm)
	dst.Copy(mat.NewDense(d.k, d.n, y.Data))
}

// DictPrimal writes D = softmax(−GΛᵀ/ρ₂) (column-wise, m × k) into dst, the
// primal solution of the D subproblem at the dual point G (Rolet et al.
// Theorem 4).
func (d *Dual) DictPrimal(dst, g, lam *mat.Dense, rho float64) error {
	if err := d.checkG(nil, g); err != nil {
		return err
	}
	k, err := d.checkFactor(lam, "weights Λ", -1, d.n)
	if err != nil {
		return err
	}
	if _, err := d.checkFactor(dst, "destination D", d.m, k); err != nil {
		return err
	}
	if !(rho > 0) {
		return fmt.Errorf("wnmf: ρ₂ = %v, want > 0", rho)
	}
	d.ensureRank(k)
	d.dictPrimal(dst, g, lam, rho)
	return nil
}

func (d *Dual) dictPrimal(dst, g, lam *mat.Dense, rho float64) {
	y := d.dictY(g, lam, rho)
	colSoftmax(y, d.cmx, d.csm)
	dst.Copy(mat.NewDense(d.m, d.k, y.Data))
}
