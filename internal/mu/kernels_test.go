package mu

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKernelsMatchScalar checks that the vector ratio and division kernels
// give the scalar loops' bits for every length up to 40 (tails included) and
// for special values (0, subnormals, huge, Inf, NaN).
func TestKernelsMatchScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	special := []float64{0, 5e-324, 1e-310, 1e-300, 1, 3, 1e300, math.Inf(1), math.NaN(), math.MaxFloat64}
	draw := func() float64 {
		if rng.IntN(4) == 0 {
			return special[rng.IntN(len(special))]
		}
		return math.Exp(rng.NormFloat64() * 20)
	}
	same := func(a, b float64) bool {
		return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
	}
	for n := 0; n <= 40; n++ {
		for rep := 0; rep < 20; rep++ {
			x, y := make([]float64, n), make([]float64, n)
			for i := range x {
				x[i], y[i] = draw(), draw()
			}
			for _, eps := range []float64{1e-10, 0, 1e-300} {
				got, want := append([]float64(nil), y...), append([]float64(nil), y...)
				ratio(got, x, eps)
				ratioGo(want, x, eps)
				for i := range got {
					if !same(got[i], want[i]) {
						t.Fatalf("ratio n=%d i=%d: %v / (%v + %v) = %v, scalar %v", n, i, x[i], y[i], eps, got[i], want[i])
					}
				}
			}
			got, want := make([]float64, n), make([]float64, n)
			divide(got, x, y)
			divideGo(want, x, y)
			for i := range got {
				if !same(got[i], want[i]) {
					t.Fatalf("divide n=%d i=%d: %v / %v = %v, scalar %v", n, i, x[i], y[i], got[i], want[i])
				}
			}
		}
	}
}
