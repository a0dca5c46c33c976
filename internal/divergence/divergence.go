// Package divergence computes the generalized Kullback–Leibler divergence
//
//	D(a‖b) = Σ_i a_i log(a_i / b_i) − a_i + b_i,   0·log 0 = 0,
//
// between nonnegative arrays, the data term of KL/Poisson NMF, SDNMF and
// GWNTF. It is the one implementation in nmfbench; logarithms are the
// vectorised ones of package vmath.
package divergence

import (
	"fmt"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot/vmath"
)

// KL returns D(a‖b) for slices of equal length (+Inf if some a_i > 0 = b_i).
func KL(a, b []float64) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("divergence: KL of %d and %d values", len(a), len(b)))
	}
	return vmath.DotLog(a, a, b) - floats.Sum(a) + floats.Sum(b)
}

// Guarded returns Σ_i x_i log(x_i/(y_i + eps)) − x_i + y_i,
// the KL objective of multiplicative-update NMF with the guard eps inside the
// logarithm (Lee & Seung's updates divide by y + eps). work must hold
// len(y) values; it receives y + eps.
func Guarded(x, y []float64, eps float64, work []float64) float64 {
	if len(x) != len(y) || len(work) < len(y) {
		panic(fmt.Sprintf("divergence: Guarded with %d, %d values and %d of work", len(x), len(y), len(work)))
	}
	w := work[:len(y)]
	for i, v := range y {
		w[i] = v + eps
	}
	return vmath.DotLog(x, x, w) - floats.Sum(x) + floats.Sum(y)
}

// GuardedMatrix returns the sum of Guarded over the rows of two matrices of
// the same shape; work must hold a row.
func GuardedMatrix(x, y *mat.Dense, eps float64, work []float64) float64 {
	xr, yr := x.RawMatrix(), y.RawMatrix()
	if xr.Rows != yr.Rows || xr.Cols != yr.Cols {
		panic(mat.ErrShape)
	}
	var f float64
	for i := 0; i < xr.Rows; i++ {
		f += Guarded(xr.Data[i*xr.Stride:i*xr.Stride+xr.Cols], yr.Data[i*yr.Stride:i*yr.Stride+yr.Cols], eps, work)
	}
	return f
}
