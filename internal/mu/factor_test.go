package mu

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/cputime"
	"nmfbench/internal/graph"
)

func randomNonneg(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := range m.RawMatrix().Data {
		m.RawMatrix().Data[i] = rng.Float64()
	}
	return m
}

func randomAffinity(rng *rand.Rand, n int) *graph.CSR {
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
	g, err := graph.FromDense(w)
	if err != nil {
		panic(err)
	}
	return g
}

// run performs maxIter iterations (stopping at a relative decrease of tol)
// and returns the objective trace, entry 0 for the initial factors.
func run(t testing.TB, Xt, U, V *mat.Dense, cfg Config, maxIter int, tol float64) []float64 {
	f, err := New(Xt, U, V, cfg)
	if err != nil {
		t.Fatal(err)
	}
	obj := []float64{f.Objective()}
	for it := 0; it < maxIter; it++ {
		f.Step()
		obj = append(obj, f.Objective())
		if tol > 0 && math.Abs(obj[it]-obj[it+1]) <= tol*obj[it] {
			break
		}
	}
	return obj
}

// TestMUMonotone checks Lee & Seung's theorem (and GNMF's for the Frobenius
// graph scheme): the objective never increases. The tolerance is rounding of
// the objective's evaluation, 1e-12 relative.
func TestMUMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n, d, r = 40, 30, 4
	g := randomAffinity(rng, n)
	cases := []struct {
		name string
		cfg  Config
	}{
		{"frobenius", Config{Loss: Frobenius}},
		{"kl", Config{Loss: KL}},
		{"frobenius+graph", Config{Loss: Frobenius, Graph: g, Lambda: 0.5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			Xt := randomNonneg(rng, n, d)
			U, V := RandomInit(rng, Xt, r)
			obj := run(t, Xt, U, V, tc.cfg, 300, 0)
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
	U, V := RandomInit(rng, Xt, r)
	f, err := New(Xt, U, V, Config{Loss: KL, Eps: 1e-300})
	if err != nil {
		t.Fatal(err)
	}
	kl := f.Objective()
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
	for _, loss := range []Loss{Frobenius, KL} {
		t.Run(string(loss), func(t *testing.T) {
			U, V := RandomInit(rng, &Xt, r)
			run(t, &Xt, U, V, Config{Loss: loss}, 10000, 1e-14)
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

func benchmarkMU(b *testing.B, loss Loss, n, d, r int) {
	rng := rand.New(rand.NewPCG(1, 1))
	Xt := randomNonneg(rng, n, d)
	U, V := RandomInit(rng, Xt, r)
	f, err := New(Xt, U, V, Config{Loss: loss})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	stop := cputime.Report(b)
	for range b.N {
		f.Step()
		f.Objective()
	}
	stop()
}

// BenchmarkMUFrobeniusCOIL20 times one Frobenius iteration at COIL20's size (1440×1024, r = 20).
func BenchmarkMUFrobeniusCOIL20(b *testing.B) { benchmarkMU(b, Frobenius, 1440, 1024, 20) }

// BenchmarkMUFrobeniusPIE times one Frobenius iteration at PIE_pose27's size (2856×1024, r = 68).
func BenchmarkMUFrobeniusPIE(b *testing.B) { benchmarkMU(b, Frobenius, 2856, 1024, 68) }

// BenchmarkMUKLPIE times one KL iteration at PIE_pose27's size.
func BenchmarkMUKLPIE(b *testing.B) { benchmarkMU(b, KL, 2856, 1024, 68) }

// BenchmarkMUKLCOIL20 times one KL iteration at COIL20's size.
func BenchmarkMUKLCOIL20(b *testing.B) { benchmarkMU(b, KL, 1440, 1024, 20) }
