//go:build !cgo || !amd64

package vmath

// Native reports whether the C kernels are in use (cgo build) rather than the
// pure-Go fallback.
const Native = false

func supportedPath() int { return pathPortable }

func powImpl(dst, x []float64, y float64)                  { powGo(dst, x, y) }
func divPowImpl(dst, a, b []float64, y, floor float64) int { return divPowGo(dst, a, b, y, floor) }
func expImpl(dst, x []float64)                             { expGo(dst, x) }
func logImpl(dst, x []float64)                             { logGo(dst, x) }

func axisMulImpl(dst, src, k []float64, outer, m, inner int, alpha float64) {
	axisMulGo(dst, src, k, outer, m, inner, alpha)
}

func axisExpImpl(dst, src []float64, q float64, outer, m, inner int, alpha float64) {
	axisExpGo(dst, src, q, outer, m, inner, alpha)
}

func dotLogImpl(w, x, y []float64) float64 { return dotLogGo(w, x, y) }
func quotImpl(dst, a, b []float64)         { quotGo(dst, a, b) }
