package ncp

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/cputime"
	"nmfbench/internal/graph"
	"nmfbench/internal/methodtest"
	"nmfbench/internal/mu"
	"nmfbench/internal/tensor"
	"nmfbench/methods"
)

// fitNCP fits NCP with prm through the method's fit function.
func fitNCP(p *methods.Problem, prm Params) (*methods.Result, error) {
	return fitCP(context.Background(), p, p.Rank(prm.Rank), prm.Init, cpConfig{Algorithm: prm.Algorithm, MaxIter: prm.MaxIter, Tol: prm.Tol, Eps: prm.Eps})
}

// cpRandomInit draws NCP's random start for x.
func cpRandomInit(rng *rand.Rand, x *tensor.Dense, R int) []*mat.Dense {
	return mu.CPRandomInit(rng, x.Shape(), floats.Sum(x.Data())/float64(len(x.Data())), R)
}

// factorCP runs cfg.MaxIter sweeps (fewer once the relative decrease is at
// most cfg.Tol) and returns the objective trace, entry 0 for the start.
func factorCP(x *tensor.Dense, A []*mat.Dense, cfg cpConfig) ([]float64, int, error) {
	s, err := newCPState(x, A, cfg)
	if err != nil {
		return nil, 0, err
	}
	obj := []float64{s.initialObjective()}
	for it := 1; it <= cfg.MaxIter; it++ {
		obj = append(obj, s.sweep())
		if cfg.Tol > 0 && math.Abs(obj[it-1]-obj[it]) <= cfg.Tol*obj[it-1] {
			return obj, it, nil
		}
	}
	return obj, cfg.MaxIter, nil
}

// plantedCP returns an exact rank-R nonnegative CP tensor of the given shape
// with generic factors (uniform entries, about 30% of them zero) and the
// planted factors.
func plantedCP(rng *rand.Rand, shape []int, R int) (*tensor.Dense, []*mat.Dense) {
	A := make([]*mat.Dense, len(shape))
	for k, s := range shape {
		A[k] = mat.NewDense(s, R, nil)
		for i := 0; i < s; i++ {
			for r := 0; r < R; r++ {
				if rng.Float64() > 0.3 {
					A[k].Set(i, r, rng.Float64())
				}
			}
		}
	}
	x, err := tensor.Reconstruct(A)
	if err != nil {
		panic(err)
	}
	return x, A
}

// TestNCPRecoversPlantedCP fits an exact rank-4 nonnegative CP tensor with
// both algorithms from random starts and requires fit ≥ 0.999 and a factor
// match score ≥ 0.99 against the planted factors.
func TestNCPRecoversPlantedCP(t *testing.T) {
	shape := []int{10, 12, 40}
	const R = 4
	for _, tc := range []struct {
		alg   Algorithm
		iters int
	}{{HALS, 500}, {MU, 3000}} {
		t.Run(string(tc.alg), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(31, 32))
			x, planted := plantedCP(rng, shape, R)
			A := cpRandomInit(rng, x, R)
			obj, iters, err := factorCP(x, A, cpConfig{Algorithm: tc.alg, MaxIter: tc.iters, Tol: 1e-12})
			if err != nil {
				t.Fatal(err)
			}
			fit, err := tensor.Fit(x, A)
			if err != nil {
				t.Fatal(err)
			}
			fms, _, err := tensor.FactorMatchScore(planted, A)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d sweeps, objective %.3g, fit %.6f, FMS %.6f", tc.alg, iters, obj[len(obj)-1], fit, fms)
			if fit < 0.999 || fms < 0.99 {
				t.Fatalf("fit %.6f (want ≥ 0.999), FMS %.6f (want ≥ 0.99)", fit, fms)
			}
		})
	}
}

// TestCPObjectiveNonIncreasing: MU (with and without the graph term) and HALS
// are majorize–minimize / exact block steps, so the objective never
// increases; tolerance 1e-12 relative, the rounding of its evaluation. The
// reported objective is also checked against a direct evaluation.
func TestCPObjectiveNonIncreasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	shape := []int{6, 7, 50}
	x, err := tensor.New(shape...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.Data() {
		x.Data()[i] = rng.Float64()
	}
	g, err := graph.KNN(context.Background(), x.LastUnfolding(), graph.Options{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  cpConfig
	}{
		{"mu", cpConfig{Algorithm: MU, MaxIter: 200}},
		{"hals", cpConfig{Algorithm: HALS, MaxIter: 200}},
		{"mu+graph λ=1", cpConfig{Algorithm: MU, MaxIter: 200, Graph: g, Lambda: 1}},
		{"mu+graph λ=1e4", cpConfig{Algorithm: MU, MaxIter: 200, Graph: g, Lambda: 1e4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			A := cpRandomInit(rng, x, 4)
			obj, iters, err := factorCP(x, A, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if iters != tc.cfg.MaxIter || len(obj) != iters+1 {
				t.Fatalf("%d sweeps, %d objective values", iters, len(obj))
			}
			for i := 1; i < len(obj); i++ {
				if obj[i] > obj[i-1]*(1+1e-12) {
					t.Fatalf("objective increased at sweep %d: %.15g → %.15g", i, obj[i-1], obj[i])
				}
			}
			xh, _ := tensor.Reconstruct(A)
			var want float64
			for i, v := range x.Data() {
				e := v - xh.Data()[i]
				want += e * e
			}
			if tc.cfg.Graph != nil {
				want += tc.cfg.Lambda * g.LaplacianQuadratic(A[2])
			}
			if got := obj[len(obj)-1]; math.Abs(got-want) > 1e-9*want {
				t.Fatalf("reported objective %.15g, direct evaluation %.15g", got, want)
			}
		})
	}
}

// TestGNCPLambdaZeroIsNCP: GNCP with λ = 0 is NCP (MU) bit for bit, for
// either initialisation.
func TestGNCPLambdaZeroIsNCP(t *testing.T) {
	d := methodtest.ToyProblem(t, 1).Data
	for _, init := range []Init{RandomInit, UnitInit} {
		nPrm := Defaults
		nPrm.MaxIter, nPrm.Init = 50, init
		gPrm := GNCPDefaults
		gPrm.MaxIter, gPrm.GraphWeight, gPrm.Init = 50, 0, init
		want, err := fitNCP(methodtest.Problem(d, 5), nPrm)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fitGNCP(context.Background(), methodtest.Problem(d, 5), gPrm)
		if err != nil {
			t.Fatal(err)
		}
		methodtest.SameResult(t, "GNCP λ=0, init "+string(init), got, want)
		for _, k := range []string{"A1", "A2", "A3"} {
			if !mat.Equal(got.Factors[k], want.Factors[k]) {
				t.Errorf("init %s: factor %s differs", init, k)
			}
		}
	}
}

// TestCPEmbeddingNormalization: the pixel-mode factors come back with unit
// L2 columns, the embedding is the sample-mode factor carrying the scale, and
// the model still has the reported objective.
func TestCPEmbeddingNormalization(t *testing.T) {
	p := methodtest.ToyProblem(t, 2)
	for _, fit := range []func() (*methods.Result, error){
		func() (*methods.Result, error) {
			prm := Defaults
			prm.MaxIter = 40
			return fitNCP(p, prm)
		},
		func() (*methods.Result, error) {
			prm := GNCPDefaults
			prm.MaxIter = 40
			return fitGNCP(context.Background(), p, prm)
		},
	} {
		res, err := fit()
		if err != nil {
			t.Fatal(err)
		}
		A := []*mat.Dense{res.Factors["A1"], res.Factors["A2"], res.Factors["A3"]}
		if res.Embedding != A[2] {
			t.Fatal("embedding is not the sample-mode factor")
		}
		if r, c := res.Embedding.Dims(); r != p.Data.Samples() || c != p.K {
			t.Fatalf("embedding %d×%d", r, c)
		}
		for k := 0; k < 2; k++ {
			for r := 0; r < p.K; r++ {
				if nr := mat.Norm(A[k].ColView(r), 2); math.Abs(nr-1) > 1e-12 {
					t.Fatalf("A%d column %d has norm %v", k+1, r, nr)
				}
			}
		}
		x, _ := tensor.FromImages(p.Data.X, p.Data.Height, p.Data.Width)
		xh, _ := tensor.Reconstruct(A)
		var res2 float64
		for i, v := range x.Data() {
			e := v - xh.Data()[i]
			res2 += e * e
		}
		if last := res.Objective[len(res.Objective)-1]; res2 > last*(1+1e-9) {
			t.Fatalf("normalized model's residual %.12g exceeds the objective %.12g", res2, last)
		}
	}
}

// TestGNCPClustersAtLeastAsWellAsNCP: on manifold-structured classes, GNCP's
// mean accuracy over seeds is at least NCP's.
func TestGNCPClustersAtLeastAsWellAsNCP(t *testing.T) {
	d := methodtest.ManifoldData()
	var accNCP, accGNCP float64
	const seeds = 4
	for seed := uint64(1); seed <= seeds; seed++ {
		rn, err := fitNCP(methodtest.Problem(d, seed), Defaults)
		if err != nil {
			t.Fatal(err)
		}
		rg, err := fitGNCP(context.Background(), methodtest.Problem(d, seed), GNCPDefaults)
		if err != nil {
			t.Fatal(err)
		}
		accNCP += methodtest.ClusterACC(t, d, rn.Embedding, seed) / seeds
		accGNCP += methodtest.ClusterACC(t, d, rg.Embedding, seed) / seeds
	}
	t.Logf("mean ACC: NCP %.3f, GNCP %.3f", accNCP, accGNCP)
	if accGNCP < accNCP {
		t.Fatalf("GNCP accuracy %.3f below NCP's %.3f", accGNCP, accNCP)
	}
}

func TestCPValidateAndErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"ncp defaults", (&Params{Algorithm: MU, MaxIter: 1, Eps: 1e-10, Init: "unit"}).Validate(), ""},
		{"ncp rank", (&Params{Rank: -1, Algorithm: MU, MaxIter: 1, Eps: 1e-10, Init: "random"}).Validate(), "rank"},
		{"ncp max_iter", (&Params{Algorithm: HALS, Eps: 1e-10, Init: "random"}).Validate(), "max_iter"},
		{"ncp tol", (&Params{Algorithm: HALS, MaxIter: 1, Tol: math.NaN(), Eps: 1e-10, Init: "random"}).Validate(), "tol"},
		{"ncp eps", (&Params{Algorithm: HALS, MaxIter: 1, Init: "random"}).Validate(), "eps"},
		{"gncp defaults", func() error { p := GNCPDefaults; return p.Validate() }(), ""},
		{"gncp graph_weight", func() error { p := GNCPDefaults; p.GraphWeight = -2; return p.Validate() }(), "graph_weight"},
		{"gncp neighbors", func() error { p := GNCPDefaults; p.Neighbors = 0; return p.Validate() }(), "neighbors"},
		{"gncp heat_t", func() error { p := GNCPDefaults; p.HeatT = math.Inf(1); return p.Validate() }(), "heat_t ="},
		{"gncp max_iter", func() error { p := GNCPDefaults; p.MaxIter = 0; return p.Validate() }(), "max_iter"},
	} {
		if tc.want == "" {
			if tc.err != nil {
				t.Errorf("%s: %v", tc.name, tc.err)
			}
			continue
		}
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, tc.err, tc.want)
		}
	}
	// Not image data.
	d := methodtest.ToyProblem(t, 1).Data
	flat := &datasets.Dataset{Name: "flat", X: d.X, Labels: d.Labels, Classes: d.Classes}
	if _, err := fitNCP(methodtest.Problem(flat, 1), Defaults); err == nil || !strings.Contains(err.Error(), "image") {
		t.Errorf("non-image data: error %v", err)
	}
	// HALS with a graph is refused.
	x, _ := tensor.FromImages(d.X, d.Height, d.Width)
	g, _ := graph.KNN(context.Background(), d.X, graph.Options{K: 3})
	if _, _, err := factorCP(x, cpRandomInit(rand.New(rand.NewPCG(1, 1)), x, 2), cpConfig{Algorithm: HALS, MaxIter: 2, Graph: g, Lambda: 1}); err == nil {
		t.Error("HALS with a graph term accepted")
	}
	for _, name := range []string{"NCP", "GNCP"} {
		if _, err := methods.Default.Build(name, nil); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func BenchmarkCPSweep(b *testing.B) {
	// One MU sweep on a PIE-sized tensor (32 × 32 × 2856, rank 68).
	rng := rand.New(rand.NewPCG(1, 2))
	x, _ := tensor.New(32, 32, 2856)
	for i := range x.Data() {
		x.Data()[i] = rng.Float64()
	}
	g, err := graph.KNN(context.Background(), x.LastUnfolding(), graph.Options{K: 5})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  cpConfig
	}{
		{"NCP-MU", cpConfig{Algorithm: MU}},
		{"NCP-HALS", cpConfig{Algorithm: HALS}},
		{"GNCP", cpConfig{Algorithm: MU, Graph: g, Lambda: 1e4}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			A := cpRandomInit(rng, x, 68)
			s, err := newCPState(x, A, tc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			stop := cputime.Report(b)
			for b.Loop() {
				s.sweep()
			}
			stop()
		})
	}
}
