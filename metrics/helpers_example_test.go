package metrics_test

import "gonum.org/v1/gonum/mat"

func denseOf(r, c int, data []float64) *mat.Dense { return mat.NewDense(r, c, data) }
