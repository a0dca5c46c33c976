package mu

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
)

// meanOf returns the mean entry of x.
func meanOf(x *mat.Dense) float64 {
	r, c := x.Dims()
	raw := x.RawMatrix()
	var sum float64
	for i := 0; i < r; i++ {
		sum += floats.Sum(raw.Data[i*raw.Stride : i*raw.Stride+c])
	}
	return sum / float64(r*c)
}

// fillAbsNormal fills m with scale·|N(0,1)| draws.
func fillAbsNormal(rng *rand.Rand, m *mat.Dense, scale float64) {
	data := m.RawMatrix().Data
	for i := range data {
		data[i] = scale * math.Abs(rng.NormFloat64())
	}
}

// fillUniform fills m with uniform [0, 1) draws.
func fillUniform(rng *rand.Rand, m *mat.Dense) {
	data := m.RawMatrix().Data
	for i := range data {
		data[i] = rng.Float64()
	}
}

// RandomInit returns U (d×r) and V (n×r) with entries |N(0,1)|·sqrt(mean(X)/r),
// scikit-learn's "random" NMF initialisation, drawing U first, then V.
func RandomInit(rng *rand.Rand, Xt *mat.Dense, r int) (U, V *mat.Dense) {
	n, d := Xt.Dims()
	scale := math.Sqrt(meanOf(Xt) / float64(r))
	if !(scale > 0) {
		scale = 1
	}
	U, V = mat.NewDense(d, r, nil), mat.NewDense(n, r, nil)
	fillAbsNormal(rng, U, scale)
	fillAbsNormal(rng, V, scale)
	return U, V
}

// UniformInit draws U (d×r) and V (n×r) uniformly in [0, 1), U first, and
// scales U's columns to unit Lp norm with V compensated (Deng Cai's
// GNMF_Multi with p = 2; the SDNMF reference code with p = 1: rand, then
// NormalizeUV).
func UniformInit(rng *rand.Rand, d, n, r int, p float64) (U, V *mat.Dense) {
	U, V = mat.NewDense(d, r, nil), mat.NewDense(n, r, nil)
	fillUniform(rng, U)
	fillUniform(rng, V)
	dense.AbsorbScale([]*mat.Dense{U, V}, 1, p)
	return U, V
}

// CPRandomInit returns CP factors A⁽ᵏ⁾ (shape[k] × R) with entries
// |N(0,1)|·(mean(𝒳)/R)^{1/N}, the N-way form of RandomInit (the model's mean
// entry is then of the order of the data's), drawn mode by mode.
func CPRandomInit(rng *rand.Rand, shape []int, mean float64, R int) []*mat.Dense {
	N := len(shape)
	scale := math.Pow(mean/float64(R), 1/float64(N))
	if !(scale > 0) {
		scale = 1
	}
	A := make([]*mat.Dense, N)
	for k, s := range shape {
		A[k] = mat.NewDense(s, R, nil)
		fillAbsNormal(rng, A[k], scale)
	}
	return A
}

// CPUniformInit returns CP factors with uniform [0, 1) entries, drawn mode by
// mode, whose columns in every mode but the last are then scaled to unit L2
// norm with the last mode compensated: UniformInit carried over to N modes.
func CPUniformInit(rng *rand.Rand, shape []int, R int) []*mat.Dense {
	A := make([]*mat.Dense, len(shape))
	for k, s := range shape {
		A[k] = mat.NewDense(s, R, nil)
		fillUniform(rng, A[k])
	}
	dense.AbsorbScale(A, len(A)-1, 2)
	return A
}
