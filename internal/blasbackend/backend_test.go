package blasbackend

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestGemmAgreesWithNaive checks the active backend's matrix product against a
// naive triple loop: the two backends must agree to rounding.
func TestGemmAgreesWithNaive(t *testing.T) {
	t.Logf("BLAS backend: %s", Name())
	rng := rand.New(rand.NewPCG(1, 2))
	const m, k, n = 37, 53, 29
	a, b := mat.NewDense(m, k, nil), mat.NewDense(k, n, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < k; j++ {
			a.Set(i, j, rng.Float64())
		}
	}
	for i := 0; i < k; i++ {
		for j := 0; j < n; j++ {
			b.Set(i, j, rng.Float64())
		}
	}
	var c mat.Dense
	c.Mul(a, b)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				s += a.At(i, l) * b.At(l, j)
			}
			if d := math.Abs(c.At(i, j) - s); d > 1e-12*math.Abs(s) {
				t.Fatalf("C[%d,%d] = %v, naive %v (diff %g)", i, j, c.At(i, j), s, d)
			}
		}
	}
}

func BenchmarkGemm1024x1440x20(b *testing.B) {
	x := mat.NewDense(1024, 1440, nil)
	v := mat.NewDense(1440, 20, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = float64(i%7) / 7
	}
	for i := range v.RawMatrix().Data {
		v.RawMatrix().Data[i] = float64(i%5) / 5
	}
	var c mat.Dense
	c.Mul(x, v)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.Mul(x, v)
	}
	b.ReportMetric(2*1024*1440*20*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
