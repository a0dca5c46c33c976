package ot

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// lineBatch returns an m × n batch whose columns exercise the recursion:
// random values in [0, 1) with 30 % zeros, a Dirac at each end and in the
// middle, a tiny Dirac (1e-300, whose kernel tail is subnormal at once), a
// column of values spread over 1e-300…1, and an all-zero column.
func lineBatch(rng *rand.Rand, m int) *mat.Dense {
	const n = 12
	x := mat.NewDense(m, n, nil)
	for i := 0; i < m; i++ {
		for j := 0; j < 6; j++ {
			if v := rng.Float64(); v > 0.3 {
				x.Set(i, j, v)
			}
		}
		x.Set(i, 10, math.Pow(10, -300*rng.Float64()))
	}
	x.Set(0, 6, 1)
	x.Set(m-1, 7, 1)
	x.Set(m/2, 8, 0.7)
	x.Set(m/3, 9, 1e-300)
	return x
}

// lineTol is the accepted difference between two evaluations of an output
// entry of K·x: 1e-12 relative, plus an absolute m·2^−1070·max(1, max x) for
// the roundings of subnormal partial results (both the dense product and the
// recursion flush their underflowing terms; see Line).
func lineTol(want float64, m int, xmax float64) float64 {
	return 1e-12*math.Abs(want) + float64(m)*0x1p-1070*max(1, xmax)
}

// TestLineMatchesDense checks Line against the dense kernel of the same cost
// (K·x and Kᵀ·x to 1e-12 relative per entry above the underflow threshold,
// see lineTol; LogApply against log(K·x)) over λ/scale from 0.01 to 700, where
// the tail r^k underflows after two steps, and that the recursion is used
// exactly when q = 1 and r = e^(−λ/scale) is normal, the dense product
// (bit for bit) otherwise.
func TestLineMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	type tc struct {
		m                    int
		q, scale, lam, shift float64
		recursive            bool
	}
	cases := []tc{
		{32, 1, 31, 100, 1, true},  // GWNTF's pixel kernel (λ = 100), down to e^-101
		{32, 1, 31, 0.31, 0, true}, // nearly flat kernel, r = 0.99
		{5, 1, 4, 1, 0.5, true},
		{1, 1, 0, 100, 1, false},        // a single position: K = e^-1, dense
		{32, 1, 1, 24.7, 1, true},       // the tail enters the subnormals at |i−j| = 29
		{32, 1, 1, 100, 1, true},        // underflows to 0 beyond |i−j| = 7
		{57, 1, 1, 700, 0, true},        // r = e^-700 normal, r² = 0
		{16, 1, 1, 708, 3, true},        // r just above the smallest normal
		{16, 1, 1, 709, 1, false},       // r subnormal: dense
		{16, 1, 1, 800, 1, false},       // r = 0: dense
		{32, 2, 31 * 31, 100, 1, false}, // q ≠ 1: dense
		{9, 0.5, 2, 3, 0, false},
	}
	for _, c := range cases {
		l, err := NewLine(c.m, c.q, c.scale, c.lam, c.shift)
		if err != nil {
			t.Fatal(err)
		}
		if l.Recursive() != c.recursive {
			t.Errorf("%+v: Recursive() = %v", c, l.Recursive())
		}
		d, err := NewDense(LineCost(c.m, c.q, c.scale), c.lam, c.shift)
		if err != nil {
			t.Fatal(err)
		}
		if diff := maxRelMat(l.Matrix(), d.Matrix()); diff != 0 {
			t.Errorf("%+v: Matrix differs from the dense kernel by %.2g", c, diff)
		}
		x := lineBatch(rng, c.m)
		_, n := x.Dims()
		want, got := mat.NewDense(c.m, n, nil), mat.NewDense(c.m, n, nil)
		var subnormal int
		for _, trans := range []bool{false, true} {
			d.Apply(want, x, trans, nil)
			l.Apply(got, x, trans, make([]float64, l.WorkLen(n)))
			for j := 0; j < n; j++ {
				xmax := mat.Max(x.ColView(j))
				for i := 0; i < c.m; i++ {
					g, w := got.At(i, j), want.At(i, j)
					if !c.recursive && g != w {
						t.Fatalf("%+v: dense fallback K·x[%d,%d] = %v, dense %v", c, i, j, g, w)
					}
					if w != 0 && w < minNormal {
						subnormal++
					}
					if math.Abs(g-w) > lineTol(w, c.m, xmax) {
						t.Fatalf("%+v trans=%v: K·x[%d,%d] = %v, dense %v (rel. %.2g)", c, trans, i, j, g, w, math.Abs(g-w)/w)
					}
				}
			}
			// Log domain: LSE_K(log x) = log(K·x) wherever K·x is normal.
			lx := mat.NewDense(c.m, n, nil)
			lx.Apply(func(_, _ int, v float64) float64 { return math.Log(v) }, x)
			l.LogApply(got, lx, trans, nil)
			for j := 0; j < n; j++ {
				for i := 0; i < c.m; i++ {
					w := math.Log(want.At(i, j))
					if want.At(i, j) < minNormal {
						if want.At(i, j) == 0 && j == 11 && !math.IsInf(got.At(i, j), -1) {
							t.Fatalf("%+v: LogApply of an all −Inf column is %v", c, got.At(i, j))
						}
						continue
					}
					if math.Abs(got.At(i, j)-w) > 1e-12*math.Max(1, math.Abs(w)) {
						t.Fatalf("%+v: LogApply[%d,%d] = %v, log(K·x) = %v", c, i, j, got.At(i, j), w)
					}
				}
			}
		}
		if c.lam == 24.7 && subnormal == 0 {
			t.Errorf("%+v: no subnormal output; the case does not test the underflow regime", c)
		}
	}
}

// TestLineUnderflowRegime documents the regime where r^k underflows: a
// Dirac at position 0 gives the column e^(−shift)·r^i, which the recursion
// and the dense kernel flush to subnormals and then to 0 at the same i (to
// within one step), and which is accurate to 1e-12 relative wherever it is
// normal.
func TestLineUnderflowRegime(t *testing.T) {
	const m, lam, shift = 40, 30.0, 1.0
	l, _ := NewLine(m, 1, 1, lam, shift)
	d, _ := NewDense(LineCost(m, 1, 1), lam, shift)
	x := mat.NewDense(m, 1, nil)
	x.Set(0, 0, 1)
	got, want := mat.NewDense(m, 1, nil), mat.NewDense(m, 1, nil)
	l.Apply(got, x, false, nil)
	d.Apply(want, x, false, nil)
	lastGot, lastWant := -1, -1
	for i := 0; i < m; i++ {
		exact := math.Exp(-lam*float64(i) - shift) // no rounding below the normal range before exp
		if g := got.At(i, 0); g != 0 {
			lastGot = i
		}
		if want.At(i, 0) != 0 {
			lastWant = i
		}
		if exact >= minNormal && math.Abs(got.At(i, 0)-exact) > 1e-12*exact {
			t.Errorf("entry %d: recursion %v, exact %v", i, got.At(i, 0), exact)
		}
	}
	// e^(−30i−1) is normal up to i = 23 and subnormal up to i = 24.
	if lastWant != 24 || lastGot < 23 || lastGot > 25 {
		t.Errorf("last nonzero output: recursion %d, dense %d; want both near 24", lastGot, lastWant)
	}
}

// TestNewLineRejectsBadInput checks the constructor's validation.
func TestNewLineRejectsBadInput(t *testing.T) {
	for name, f := range map[string]func() error{
		"empty":     func() error { _, err := NewLine(0, 1, 1, 1, 0); return err },
		"q = 0":     func() error { _, err := NewLine(3, 0, 1, 1, 0); return err },
		"NaN scale": func() error { _, err := NewLine(3, 1, math.NaN(), 1, 0); return err },
		"λ = 0":     func() error { _, err := NewLine(3, 1, 1, 0, 0); return err },
	} {
		if f() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// GWNTF's pixel-mode products: the 32 × 32 line kernel (λ = 100, shift 1)
// applied to the 32 × (32·n) mode-1 unfolding, n = 2856 (PIE_pose27) and
// 1440 (COIL20), by the recursion and by one GEMM.

func benchLine(b *testing.B, n int, dense bool) {
	l, _ := NewLine(32, 1, 31, 100, 1)
	var k Kernel = l
	if dense {
		k = l.dense
	}
	rng := rand.New(rand.NewPCG(9, 9))
	x := mat.NewDense(32, 32*n, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.Float64()
	}
	dst := mat.NewDense(32, 32*n, nil)
	for b.Loop() {
		k.Apply(dst, x, false, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(32*32*n), "ns/entry")
}

func BenchmarkLineApplyPIE(b *testing.B)       { benchLine(b, 2856, false) }
func BenchmarkLineApplyPIEDense(b *testing.B)  { benchLine(b, 2856, true) }
func BenchmarkLineApplyCOIL(b *testing.B)      { benchLine(b, 1440, false) }
func BenchmarkLineApplyCOILDense(b *testing.B) { benchLine(b, 1440, true) }
