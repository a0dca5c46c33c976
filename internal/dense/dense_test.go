package dense

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randDense(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, rng.Float64())
		}
	}
	return m
}

func TestReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	big := randDense(rng, 5, 7)
	a := big.Slice(1, 4, 2, 6).(*mat.Dense) // a strided view
	b := randDense(rng, 3, 4)
	sums := make([]float64, 4)
	ColSums(sums, a)
	var dot float64
	for j := 0; j < 4; j++ {
		var s float64
		for i := 0; i < 3; i++ {
			s += a.At(i, j)
			dot += a.At(i, j) * b.At(i, j)
		}
		if math.Abs(s-sums[j]) > 1e-15 {
			t.Fatalf("ColSums[%d] = %v, want %v", j, sums[j], s)
		}
	}
	if got := Dot(a, b); math.Abs(got-dot) > 1e-14 {
		t.Fatalf("Dot = %v, want %v", got, dot)
	}
	SetRows(b, []float64{1, 2, 3, 4})
	if b.At(2, 3) != 4 || b.At(0, 0) != 1 {
		t.Fatal("SetRows")
	}
	if !Finite(a) {
		t.Fatal("Finite on finite data")
	}
	a.Set(1, 1, math.NaN())
	if Finite(a) || AllFinite([]float64{1, math.Inf(-1)}) {
		t.Fatal("Finite missed a NaN or Inf")
	}
}

func TestAbsorbScaleKeepsProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, p := range []float64{1, 2} {
		U, V := randDense(rng, 6, 3), randDense(rng, 5, 3)
		U.Set(0, 2, 0)
		for i := 0; i < 6; i++ {
			U.Set(i, 1, 0) // a zero column stays zero
		}
		var before, after mat.Dense
		before.Mul(U, V.T())
		AbsorbScale([]*mat.Dense{U, V}, 1, p)
		after.Mul(U, V.T())
		if !mat.EqualApprox(&before, &after, 1e-14) {
			t.Fatalf("p=%v: UVᵀ changed", p)
		}
		norms := make([]float64, 3)
		ColNorms(norms, U, p)
		if math.Abs(norms[0]-1) > 1e-15 || norms[1] != 0 || math.Abs(norms[2]-1) > 1e-15 {
			t.Fatalf("p=%v: column norms %v, want 1, 0, 1", p, norms)
		}
	}
}
