//go:build !amd64

package mu

const haveAVX2 = false

func ratioAVX2(y, x []float64, eps float64) { ratioGo(y, x, eps) }

func divideAVX2(dst, x, y []float64) { divideGo(dst, x, y) }
