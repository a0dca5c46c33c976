package vmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveAxis is the definition dst[o,i,t] = alpha·Σ_l k[i,l]·src[o,l,t].
func naiveAxis(src, k []float64, outer, m, inner int, alpha float64) []float64 {
	dst := make([]float64, len(src))
	for o := 0; o < outer; o++ {
		for i := 0; i < m; i++ {
			for t := 0; t < inner; t++ {
				var s float64
				for l := 0; l < m; l++ {
					s += k[i*m+l] * src[(o*m+l)*inner+t]
				}
				dst[(o*m+i)*inner+t] = alpha * s
			}
		}
	}
	return dst
}

func TestAxisMulAndExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, sh := range []struct{ outer, m, inner int }{
		{1, 1, 1}, {1, 4, 8}, {2, 5, 13}, {3, 7, 9}, {1, 32, 100}, {4, 32, 31}, {2, 3, 257}, {5, 6, 600},
		{2, 32, 64}, {1, 9, 130}, {3, 4, 1030}, {32, 32, 32}, {1, 32, 1024},
	} {
		n := sh.outer * sh.m * sh.inner
		src := make([]float64, n)
		for i := range src {
			src[i] = math.Exp(-30 * rng.Float64()) // positive, widely spread, like scalings
		}
		k := make([]float64, sh.m*sh.m)
		for i := range k {
			k[i] = rng.Float64()
		}
		const alpha = 0.37
		for name, kk := range map[string][]float64{"random": k, "exp": expToeplitz(sh.m, 0.2)} {
			want := naiveAxis(src, kk, sh.outer, sh.m, sh.inner, alpha)
			got := make([]float64, n)
			AxisMul(got, src, kk, sh.outer, sh.m, sh.inner, alpha)
			assertClose(t, "AxisMul "+name, sh, got, want)
			if name == "exp" {
				AxisExp(got, src, 0.2, sh.outer, sh.m, sh.inner, alpha)
				assertClose(t, "AxisExp", sh, got, want)
			}
		}
		if Native {
			c, g := make([]float64, n), make([]float64, n)
			axisMulImpl(c, src, k, sh.outer, sh.m, sh.inner, alpha)
			axisMulGo(g, src, k, sh.outer, sh.m, sh.inner, alpha)
			assertSame(t, "AxisMul C/Go", c, g)
			axisExpImpl(c, src, 0.3, sh.outer, sh.m, sh.inner, alpha)
			axisExpGo(g, src, 0.3, sh.outer, sh.m, sh.inner, alpha)
			assertSame(t, "AxisExp C/Go", c, g)
		}
	}
}

func expToeplitz(m int, q float64) []float64 {
	k := make([]float64, m*m)
	for i := 0; i < m; i++ {
		for l := 0; l < m; l++ {
			k[i*m+l] = math.Pow(q, math.Abs(float64(i-l)))
		}
	}
	return k
}

func assertClose(t *testing.T, name string, sh any, got, want []float64) {
	t.Helper()
	for i := range got {
		if d := math.Abs(got[i]-want[i]) / want[i]; d > 1e-13 {
			t.Fatalf("%s %+v: element %d = %.17g, definition %.17g (relative %.2g)", name, sh, i, got[i], want[i], d)
		}
	}
}

func assertSame(t *testing.T, name string, a, b []float64) {
	t.Helper()
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("%s: element %d differs: %.17g vs %.17g", name, i, a[i], b[i])
		}
	}
}

func TestAxisPanicsOnBadShape(t *testing.T) {
	for name, f := range map[string]func(){
		"length": func() { AxisMul(make([]float64, 5), make([]float64, 6), make([]float64, 4), 1, 2, 3, 1) },
		"matrix": func() { AxisMul(make([]float64, 6), make([]float64, 6), make([]float64, 3), 1, 2, 3, 1) },
		"q":      func() { AxisExp(make([]float64, 6), make([]float64, 6), 1.5, 1, 2, 3, 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// Axis benchmarks on the two passes of a 32 × 32 grid kernel applied to 64
// images (the SDNMF chunk): along the image columns (1 × 32 × 2048) and
// along the rows (32 × 32 × 64). ns/elem is per output element.

func axisBench(b *testing.B, outer, m, inner int, exp bool) {
	rng := rand.New(rand.NewPCG(1, 3))
	n := outer * m * inner
	src, dst := make([]float64, n), make([]float64, n)
	for i := range src {
		src[i] = rng.Float64()
	}
	k := expToeplitz(m, 0.2)
	for b.Loop() {
		if exp {
			AxisExp(dst, src, 0.2, outer, m, inner, 1)
		} else {
			AxisMul(dst, src, k, outer, m, inner, 1)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
	if !exp {
		b.ReportMetric(2*float64(m)*float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
}

func BenchmarkAxisMulCols(b *testing.B) { axisBench(b, 1, 32, 2048, false) }
func BenchmarkAxisMulRows(b *testing.B) { axisBench(b, 32, 32, 64, false) }
func BenchmarkAxisExpCols(b *testing.B) { axisBench(b, 1, 32, 2048, true) }
func BenchmarkAxisExpRows(b *testing.B) { axisBench(b, 32, 32, 64, true) }

// BenchmarkAxisExpSDNMF is the row axis of SDNMF's grid kernel on a chunk of
// 32 images (inner = 32 samples), where the register-carried recursions run.
func BenchmarkAxisExpSDNMF(b *testing.B) { axisBench(b, 32, 32, 32, true) }
