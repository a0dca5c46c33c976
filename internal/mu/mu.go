// Package mu holds the multiplicative-update numerics shared by the NMF
// family: the guarded update a ← a ∘ num ⊘ den, the Lee–Seung factorization
// X ≈ UVᵀ with Frobenius or KL loss and an optional graph term (NMF, GNMF),
// and the random initialisations of NMF and CP models.
//
// Contract: matrices follow the dataset orientation, Xt = Xᵀ is n × d (one
// sample per row), U is d × r and V is n × r; inputs that are documented as
// data are never modified; factors are updated in place; nothing allocates
// inside an iteration. The package does not drive iterations: methods call
// Step and Objective from methods.Iterate.
package mu

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Update sets a ← a ∘ num ⊘ (den + eps) elementwise: the multiplicative
// update with an additive guard (Lee & Seung; GNMF, NCP, GWNTF).
func Update(a, num, den *mat.Dense, eps float64) {
	ar, nr, dr := a.RawMatrix(), num.RawMatrix(), den.RawMatrix()
	check("Update", ar.Rows, ar.Cols, nr.Rows, nr.Cols, dr.Rows, dr.Cols)
	for i := 0; i < ar.Rows; i++ {
		av := ar.Data[i*ar.Stride : i*ar.Stride+ar.Cols]
		nv := nr.Data[i*nr.Stride : i*nr.Stride+ar.Cols]
		dv := dr.Data[i*dr.Stride : i*dr.Stride+ar.Cols]
		for j := range av {
			av[j] *= nv[j] / (dv[j] + eps)
		}
	}
}

// UpdateFloor sets a ← a ∘ num ⊘ max(den, floor) elementwise: the update
// with the denominator floored instead of shifted (SDNMF's reference code).
func UpdateFloor(a, num, den *mat.Dense, floor float64) {
	ar, nr, dr := a.RawMatrix(), num.RawMatrix(), den.RawMatrix()
	check("UpdateFloor", ar.Rows, ar.Cols, nr.Rows, nr.Cols, dr.Rows, dr.Cols)
	for i := 0; i < ar.Rows; i++ {
		av := ar.Data[i*ar.Stride : i*ar.Stride+ar.Cols]
		nv := nr.Data[i*nr.Stride : i*nr.Stride+ar.Cols]
		dv := dr.Data[i*dr.Stride : i*dr.Stride+ar.Cols]
		for j := range av {
			av[j] *= nv[j] / math.Max(dv[j], floor)
		}
	}
}

// UpdateCols sets a ← a ∘ num ⊘ (𝟏 denᵀ + eps): the update whose
// denominator is the same for every row (column sums of the other factor).
func UpdateCols(a, num *mat.Dense, den []float64, eps float64) {
	ar, nr := a.RawMatrix(), num.RawMatrix()
	check("UpdateCols", ar.Rows, ar.Cols, nr.Rows, nr.Cols, ar.Rows, len(den))
	for i := 0; i < ar.Rows; i++ {
		av := ar.Data[i*ar.Stride : i*ar.Stride+ar.Cols]
		nv := nr.Data[i*nr.Stride : i*nr.Stride+ar.Cols]
		for j := range av {
			av[j] *= nv[j] / (den[j] + eps)
		}
	}
}

func check(op string, r, c, r1, c1, r2, c2 int) {
	if r1 != r || c1 != c || r2 != r || c2 != c {
		panic(fmt.Sprintf("mu: %s of a %d×%d factor with %d×%d and %d×%d operands", op, r, c, r1, c1, r2, c2))
	}
}

// Ratio overwrites y (holding the model) with x ⊘ (y + eps) elementwise: the
// ratio Q = X ⊘ UVᵀ of the KL updates.
func Ratio(y, x *mat.Dense, eps float64) {
	yr, xr := y.RawMatrix(), x.RawMatrix()
	check("Ratio", yr.Rows, yr.Cols, xr.Rows, xr.Cols, yr.Rows, yr.Cols)
	for i := 0; i < yr.Rows; i++ {
		yv := yr.Data[i*yr.Stride : i*yr.Stride+yr.Cols]
		xv := xr.Data[i*xr.Stride : i*xr.Stride+yr.Cols]
		for j := range yv {
			yv[j] = xv[j] / (yv[j] + eps)
		}
	}
}
