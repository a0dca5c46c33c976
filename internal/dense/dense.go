// Package dense holds the small elementwise and reduction kernels on gonum
// Dense matrices that the multiplicative-update methods share: column sums,
// the Frobenius inner product, finite checks, row broadcasting and column
// normalisation with the scale moved into another factor.
//
// Every function works on the matrices' raw storage (any stride) without
// allocating, reads its inputs without modifying them, and panics on a shape
// mismatch, as gonum's own operations do.
package dense

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// rows calls f with each row of a (as a slice of its storage).
func rows(a *mat.Dense, f func(i int, row []float64)) {
	raw := a.RawMatrix()
	for i := 0; i < raw.Rows; i++ {
		f(i, raw.Data[i*raw.Stride:i*raw.Stride+raw.Cols])
	}
}

func sameShape(op string, a, b *mat.Dense) {
	ra, ca := a.Dims()
	rb, cb := b.Dims()
	if ra != rb || ca != cb {
		panic(fmt.Sprintf("dense: %s of a %d×%d and a %d×%d matrix", op, ra, ca, rb, cb))
	}
}

// ColSums sets dst[j] = Σ_i a_ij; len(dst) must be a's column count.
func ColSums(dst []float64, a *mat.Dense) {
	if _, c := a.Dims(); len(dst) != c {
		panic(fmt.Sprintf("dense: ColSums into %d values for %d columns", len(dst), c))
	}
	clear(dst)
	rows(a, func(_ int, row []float64) { floats.Add(dst, row) })
}

// SetRows sets every row of a to v.
func SetRows(a *mat.Dense, v []float64) {
	if _, c := a.Dims(); len(v) != c {
		panic(fmt.Sprintf("dense: SetRows with %d values for %d columns", len(v), c))
	}
	rows(a, func(_ int, row []float64) { copy(row, v) })
}

// Dot returns the Frobenius inner product Σ_ij a_ij b_ij.
func Dot(a, b *mat.Dense) float64 {
	sameShape("Dot", a, b)
	br := b.RawMatrix()
	var s float64
	rows(a, func(i int, row []float64) { s += floats.Dot(row, br.Data[i*br.Stride:i*br.Stride+br.Cols]) })
	return s
}

// AllFinite reports whether no entry of x is NaN or ±Inf.
func AllFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Finite reports whether no entry of a is NaN or ±Inf.
func Finite(a *mat.Dense) bool {
	ok := true
	rows(a, func(_ int, row []float64) { ok = ok && AllFinite(row) })
	return ok
}

// ColNorms sets dst[j] to the Lp norm of column j of a, for p = 1 (sum of
// absolute values) or p = 2.
func ColNorms(dst []float64, a *mat.Dense, p float64) {
	if _, c := a.Dims(); len(dst) != c {
		panic(fmt.Sprintf("dense: ColNorms into %d values for %d columns", len(dst), c))
	}
	if p != 1 && p != 2 {
		panic(fmt.Sprintf("dense: ColNorms with p = %v; want 1 or 2", p))
	}
	clear(dst)
	rows(a, func(_ int, row []float64) {
		for j, v := range row {
			if p == 1 {
				dst[j] += math.Abs(v)
			} else {
				dst[j] += v * v
			}
		}
	})
	if p == 2 {
		for j, v := range dst {
			dst[j] = math.Sqrt(v)
		}
	}
}

// ScaleCols multiplies column j of a by s[j].
func ScaleCols(a *mat.Dense, s []float64) {
	if _, c := a.Dims(); len(s) != c {
		panic(fmt.Sprintf("dense: ScaleCols with %d values for %d columns", len(s), c))
	}
	rows(a, func(_ int, row []float64) { floats.Mul(row, s) })
}

// AbsorbScale rescales every column of every factor except factors[into] to
// unit Lp norm (p = 1 or 2) and multiplies the matching column of
// factors[into] by the product of the removed norms, so that a product model
// (UVᵀ for two factors, the CP tensor for more) is unchanged: Deng Cai's
// NormalizeUV for NMF, the same for the modes of a CP model. Zero columns
// are left as they are. Every factor has the same number of columns.
func AbsorbScale(factors []*mat.Dense, into int, p float64) {
	_, R := factors[into].Dims()
	norms := make([]float64, R)
	scale := make([]float64, R)
	for j := range scale {
		scale[j] = 1
	}
	for k, a := range factors {
		if k == into {
			continue
		}
		ColNorms(norms, a, p)
		for j, nr := range norms {
			if nr > 0 {
				scale[j] *= nr
				norms[j] = 1 / nr
			} else {
				norms[j] = 1
			}
		}
		ScaleCols(a, norms)
	}
	ScaleCols(factors[into], scale)
}
