package divergence

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// naive is the textbook definition with math.Log.
func naive(a, b []float64, eps float64) float64 {
	var s float64
	for i := range a {
		if a[i] > 0 {
			s += a[i] * math.Log(a[i]/(b[i]+eps))
		}
		s += b[i] - a[i]
	}
	return s
}

func TestKLMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 3, 17, 1000} {
		a, b := make([]float64, n), make([]float64, n)
		for i := range a {
			a[i], b[i] = rng.Float64(), rng.Float64()+1e-3
			if i%5 == 0 {
				a[i] = 0 // 0·log 0 = 0
			}
		}
		want := naive(a, b, 0)
		if got := KL(a, b); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("n=%d: KL = %.17g, definition %.17g", n, got, want)
		}
		work := make([]float64, n)
		want = naive(a, b, 1e-3)
		if got := Guarded(a, b, 1e-3, work); math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("n=%d: Guarded = %.17g, definition %.17g", n, got, want)
		}
	}
	if KL([]float64{1, 2}, []float64{1, 2}) != 0 {
		t.Error("KL(a‖a) ≠ 0")
	}
	if !math.IsInf(KL([]float64{1}, []float64{0}), 1) {
		t.Error("KL(1‖0) is not +Inf")
	}
	x := mat.NewDense(2, 2, []float64{1, 0, 2, 3})
	y := mat.NewDense(2, 2, []float64{2, 1, 1, 3})
	want := naive([]float64{1, 0, 2, 3}, []float64{2, 1, 1, 3}, 0.5)
	if got := GuardedMatrix(x, y, 0.5, make([]float64, 2)); math.Abs(got-want) > 1e-14 {
		t.Errorf("GuardedMatrix = %v, want %v", got, want)
	}
}

func TestKLCases(t *testing.T) {
	for _, tc := range []struct {
		a, b []float64
		want float64
	}{
		{[]float64{1, 2}, []float64{1, 2}, 0},
		{[]float64{0, 1}, []float64{2, 1}, 2},
		{[]float64{1}, []float64{math.E}, math.E - 2},
		{[]float64{1}, []float64{0}, math.Inf(1)},
	} {
		if got := KL(tc.a, tc.b); !(math.Abs(got-tc.want) < 1e-15 || got == tc.want) {
			t.Errorf("KL(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
