package mu

// ratio overwrites y with x ⊘ (y + eps) (len(x) ≥ len(y)).
func ratio(y, x []float64, eps float64) {
	x = x[:len(y)]
	if haveAVX2 && len(y) >= 8 {
		ratioAVX2(y, x, eps)
		return
	}
	ratioGo(y, x, eps)
}

// divide sets dst = x ⊘ y (len(x), len(y) ≥ len(dst)).
func divide(dst, x, y []float64) {
	x, y = x[:len(dst)], y[:len(dst)]
	if haveAVX2 && len(dst) >= 8 {
		divideAVX2(dst, x, y)
		return
	}
	divideGo(dst, x, y)
}

// The vector kernels perform the same IEEE additions and divisions,
// correctly rounded lane by lane, as these loops: the results are the same
// bits (TestKernelsMatchScalar).

func ratioGo(y, x []float64, eps float64) {
	x = x[:len(y)]
	for j, v := range y {
		y[j] = x[j] / (v + eps)
	}
}

func divideGo(dst, x, y []float64) {
	x, y = x[:len(dst)], y[:len(dst)]
	for j := range dst {
		dst[j] = x[j] / y[j]
	}
}
