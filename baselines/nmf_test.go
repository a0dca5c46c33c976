package baselines

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func randomNonneg(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := range m.RawMatrix().Data {
		m.RawMatrix().Data[i] = rng.Float64()
	}
	return m
}

// denseAffinity is a test Affinity backed by a dense symmetric matrix.
type denseAffinity struct{ w *mat.Dense }

func (a denseAffinity) MulDense(dst *mat.Dense, b mat.Matrix) { dst.Mul(a.w, b) }
func (a denseAffinity) Degrees() []float64 {
	n, _ := a.w.Dims()
	d := make([]float64, n)
	for i := range d {
		d[i] = mat.Sum(a.w.RowView(i))
	}
	return d
}

func randomAffinity(rng *rand.Rand, n int) denseAffinity {
	w := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for k := 0; k < 3; k++ {
			j := rng.IntN(n)
			if j != i {
				w.Set(i, j, 1)
				w.Set(j, i, 1)
			}
		}
	}
	return denseAffinity{w}
}

// TestMUMonotone checks Lee & Seung's theorem (and GNMF's for the Frobenius
// graph scheme): the objective never increases. The tolerance is rounding of
// the objective's evaluation, 1e-12 relative.
func TestMUMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n, d, r = 40, 30, 4
	graph := randomAffinity(rng, n)
	cases := []struct {
		name string
		cfg  muConfig
	}{
		{"frobenius", muConfig{Loss: lossFrobenius, MaxIter: 300}},
		{"kl", muConfig{Loss: lossKL, MaxIter: 300}},
		{"frobenius+graph", muConfig{Loss: lossFrobenius, MaxIter: 300, Graph: graph, Lambda: 0.5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			Xt := randomNonneg(rng, n, d)
			U, V := randomInit(rng, Xt, r)
			obj, iters, _, err := factorMU(context.Background(), Xt, U, V, tc.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if iters != tc.cfg.MaxIter || len(obj) != iters+1 {
				t.Fatalf("iters = %d, len(obj) = %d; want %d, %d", iters, len(obj), tc.cfg.MaxIter, tc.cfg.MaxIter+1)
			}
			for i := 1; i < len(obj); i++ {
				if obj[i] > obj[i-1]*(1+1e-12) {
					t.Fatalf("objective increased at iteration %d: %.15g → %.15g", i, obj[i-1], obj[i])
				}
			}
			if !(obj[len(obj)-1] < 0.5*obj[0]) {
				t.Errorf("objective barely decreased: %g → %g", obj[0], obj[len(obj)-1])
			}
		})
	}
}

// TestKLIsPoissonLikelihood checks that on integer count data the KL
// objective equals the Poisson negative log-likelihood plus the constant
// Σ (x log x − x − log x!) (seed document 001: KL-NMF is Poisson MF).
func TestKLIsPoissonLikelihood(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	const n, d, r = 25, 18, 3
	Xt := mat.NewDense(n, d, nil)
	for i := range Xt.RawMatrix().Data {
		Xt.RawMatrix().Data[i] = float64(rng.IntN(7))
	}
	U, V := randomInit(rng, Xt, r)
	var s muState
	s.init(Xt, U, V, muConfig{Loss: lossKL, Eps: 1e-300})
	kl := s.objective()
	var Y mat.Dense
	Y.Mul(V, U.T())
	var nll, konst float64
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x, y := Xt.At(i, j), Y.At(i, j)
			lf, _ := math.Lgamma(x + 1)
			nll += y - x*math.Log(y) + lf
			if x > 0 {
				konst += x*math.Log(x) - x - lf
			} else {
				konst -= lf
			}
		}
	}
	if want := nll + konst; math.Abs(kl-want) > 1e-10*math.Abs(want) {
		t.Fatalf("KL objective %.15g, Poisson NLL + constant %.15g", kl, want)
	}
}

// TestNMFRecoversPlanted factorises exactly low-rank nonnegative data whose
// sample factor has one dominant component per sample and checks the fit
// and the recovered grouping.
func TestNMFRecoversPlanted(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 5))
	const n, d, r = 60, 40, 3
	U0 := randomNonneg(rng, d, r)
	V0 := mat.NewDense(n, r, nil)
	for i := 0; i < n; i++ {
		for k := 0; k < r; k++ {
			V0.Set(i, k, 0.05*rng.Float64())
		}
		V0.Set(i, i%r, 1+rng.Float64())
	}
	var Xt mat.Dense
	Xt.Mul(V0, U0.T())
	for _, loss := range []string{lossFrobenius, lossKL} {
		t.Run(loss, func(t *testing.T) {
			U, V := randomInit(rng, &Xt, r)
			_, _, _, err := factorMU(context.Background(), &Xt, U, V, muConfig{Loss: loss, MaxIter: 10000, Tol: 1e-14}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var Y mat.Dense
			Y.Mul(V, U.T())
			Y.Sub(&Y, &Xt)
			if rel := mat.Norm(&Y, 2) / mat.Norm(&Xt, 2); rel > 1e-3 {
				t.Errorf("relative reconstruction error %.3g > 1e-3", rel)
			}
			// Samples with the same planted component share their argmax.
			owner := map[int]int{}
			for i := 0; i < n; i++ {
				k := argmaxRow(V, i)
				if o, ok := owner[i%r]; ok && o != k {
					t.Fatalf("sample %d (planted %d) has argmax %d, others %d", i, i%r, k, o)
				}
				owner[i%r] = k
			}
			if len(owner) != r {
				t.Fatalf("planted groups map to %d distinct components", len(owner))
			}
		})
	}
}

func argmaxRow(m *mat.Dense, i int) int {
	_, c := m.Dims()
	best := 0
	for k := 1; k < c; k++ {
		if m.At(i, k) > m.At(i, best) {
			best = k
		}
	}
	return best
}

func TestNMFParamsValidate(t *testing.T) {
	bad := []NMFParams{
		{Loss: "l1", MaxIter: 1, Init: "random", Eps: 1e-10},
		{Loss: lossKL, MaxIter: 0, Init: "random", Eps: 1e-10},
		{Loss: lossKL, MaxIter: 1, Init: "nndsvd", Eps: 1e-10},
		{Loss: lossKL, MaxIter: 1, Init: "random", Eps: 0},
		{Rank: -1, Loss: lossKL, MaxIter: 1, Init: "random", Eps: 1e-10},
	}
	for _, p := range bad {
		if err := p.Validate(); err == nil {
			t.Errorf("%+v: no error", p)
		}
	}
	def := defaultNMFParams
	if err := def.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func benchmarkMU(b *testing.B, loss string) {
	rng := rand.New(rand.NewPCG(1, 1))
	Xt := randomNonneg(rng, 1440, 1024)
	U, V := randomInit(rng, Xt, 20)
	b.ResetTimer()
	_, _, _, err := factorMU(context.Background(), Xt, U, V, muConfig{Loss: loss, MaxIter: b.N}, nil)
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMUFrobeniusCOIL20 times one Frobenius iteration at COIL20's size (1440×1024, r = 20).
func BenchmarkMUFrobeniusCOIL20(b *testing.B) { benchmarkMU(b, lossFrobenius) }

// BenchmarkMUKLCOIL20 times one KL iteration at COIL20's size.
func BenchmarkMUKLCOIL20(b *testing.B) { benchmarkMU(b, lossKL) }
