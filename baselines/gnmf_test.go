package baselines

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/graph"
	"nmfbench/internal/kmeans"
	"nmfbench/methods"
	"nmfbench/metrics"
)

// toyProblem returns a problem on a small generated image dataset.
func toyProblem(t testing.TB, seed uint64) *methods.Problem {
	t.Helper()
	d, err := datasets.Synthetic(datasets.SyntheticConfig{Kind: datasets.KindBlobs, Height: 8, Width: 8, Classes: 4, PerClass: 15, Seed: 11, MaxShift: 1, Contrast: 0.2, Noise: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	return &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 1)), Memo: &methods.Memo{}, DataKey: "toy"}
}

func sameResult(t *testing.T, name string, a, b *methods.Result) {
	t.Helper()
	if !mat.Equal(a.Embedding, b.Embedding) {
		t.Errorf("%s: embeddings differ", name)
	}
	if len(a.Objective) != len(b.Objective) {
		t.Fatalf("%s: %d and %d objective values", name, len(a.Objective), len(b.Objective))
	}
	for i := range a.Objective {
		if a.Objective[i] != b.Objective[i] {
			t.Fatalf("%s: objective %d differs: %v vs %v", name, i, a.Objective[i], b.Objective[i])
		}
	}
	if a.Iterations != b.Iterations || a.Converged != b.Converged {
		t.Errorf("%s: iterations/converged %d/%v vs %d/%v", name, a.Iterations, a.Converged, b.Iterations, b.Converged)
	}
}

// TestGNMFLambdaZeroIsNMF: with λ = 0 and NMF's initialisation GNMF is NMF
// bit for bit, for both losses (same draws, same updates, same normalization).
func TestGNMFLambdaZeroIsNMF(t *testing.T) {
	for _, loss := range []string{lossFrobenius, lossKL} {
		nmfPrm := defaultNMFParams
		nmfPrm.Loss, nmfPrm.MaxIter = loss, 60
		gPrm := defaultGNMFParams
		gPrm.Loss, gPrm.MaxIter, gPrm.Lambda, gPrm.Init = loss, 60, 0, "random"
		want, err := fitNMF(context.Background(), toyProblem(t, 3), nmfPrm)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fitGNMF(context.Background(), toyProblem(t, 3), gPrm)
		if err != nil {
			t.Fatal(err)
		}
		sameResult(t, loss, got, want)
		if !mat.Equal(got.Factors["U"], want.Factors["U"]) {
			t.Errorf("%s: bases differ", loss)
		}
	}
}

// TestGNMFObjectiveNonIncreasing checks, on random data with a real kNN
// graph, that the objective never increases under GNMF's Frobenius
// multiplicative updates (Cai et al. 2011 prove it), to 1e-12 relative (the
// rounding of the objective's evaluation).
//
// The KL scheme is not a multiplicative majorize–minimize step: its V update
// solves (Σ_i u_ik I + λL)v_k = b_k, which drops the (L log v_k)
// part of the regularizer's gradient, so it is not guaranteed monotone. Over
// 30 random problems (λ from 0.1 to 1000) the largest relative increase of
// one iteration measured 2.3e-5, always followed by further decrease; the
// test allows 1e-4 per iteration and requires a large overall decrease.
func TestGNMFObjectiveNonIncreasing(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const n, d, r = 60, 40, 4
	Xt := randomNonneg(rng, n, d)
	g, err := graph.KNN(context.Background(), Xt, graph.Options{K: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, lam := range []float64{0.1, 10, 100} {
		for _, tc := range []struct {
			loss string
			tol  float64
		}{{lossFrobenius, 1e-12}, {lossKL, 1e-4}} {
			U, V := caiInit(rng, Xt, r)
			var obj []float64
			if tc.loss == lossFrobenius {
				obj, _, _, err = factorMU(context.Background(), Xt, U, V, muConfig{Loss: tc.loss, MaxIter: 200, Graph: g, Lambda: lam}, nil)
			} else {
				obj, _, _, err = factorKLGraph(context.Background(), Xt, U, V, g, klGraphConfig{Lambda: lam, MaxIter: 200}, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(obj); i++ {
				if obj[i] > obj[i-1]*(1+tc.tol) {
					t.Fatalf("%s λ=%v: objective increased at iteration %d: %.15g → %.15g", tc.loss, lam, i, obj[i-1], obj[i])
				}
			}
			if !(obj[len(obj)-1] < 0.9*obj[0]) {
				t.Errorf("%s λ=%v: objective barely decreased: %g → %g", tc.loss, lam, obj[0], obj[len(obj)-1])
			}
		}
	}
}

// TestKLGraphSolve checks the conjugate-gradient V solve against a dense
// solve of (λL + s_k I) v_k = b_k.
func TestKLGraphSolve(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, d, r = 50, 10, 3
	Xt := randomNonneg(rng, n, d)
	g, err := graph.KNN(context.Background(), Xt, graph.Options{K: 4})
	if err != nil {
		t.Fatal(err)
	}
	U, V := randomInit(rng, Xt, r)
	const lam = 30.0
	s := newKLGraphState(Xt, U, V, g, klGraphConfig{Lambda: lam, CGTol: 1e-13, CGMax: 1000, Eps: 1e-10})
	b := randomNonneg(rng, n, r)
	shift := []float64{0.5, 2, 7}
	x := randomNonneg(rng, n, r) // warm start
	if err := s.solve(x, b, shift); err != nil {
		t.Fatal(err)
	}
	w := g.Dense()
	for k := 0; k < r; k++ {
		a := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				a.Set(i, j, -lam*w.At(i, j))
			}
			a.Set(i, i, lam*g.Degrees()[i]+shift[k])
		}
		var want mat.VecDense
		if err := want.SolveVec(a, b.ColView(k)); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if math.Abs(x.At(i, k)-want.AtVec(i)) > 1e-10*(1+math.Abs(want.AtVec(i))) {
				t.Fatalf("column %d row %d: CG %v, dense %v", k, i, x.At(i, k), want.AtVec(i))
			}
			if want.AtVec(i) < 0 {
				t.Fatalf("M-matrix solution has a negative entry %v", want.AtVec(i))
			}
		}
	}
}

// TestGNMFRestartsKeepLowestTrial replays the trial starts with the same
// random stream and checks that the continued run is the lowest-objective one
// and that the objective trace concatenates the trial and the continuation.
func TestGNMFRestartsKeepLowestTrial(t *testing.T) {
	prm := defaultGNMFParams
	prm.Restarts, prm.RestartIter, prm.MaxIter, prm.Tol, prm.Init = 4, 5, 12, 0, "cai"
	got, err := fitGNMF(context.Background(), toyProblem(t, 8), prm)
	if err != nil {
		t.Fatal(err)
	}
	if got.Iterations != prm.MaxIter || len(got.Objective) != prm.MaxIter+1 {
		t.Fatalf("iterations %d, %d objective values; want %d, %d", got.Iterations, len(got.Objective), prm.MaxIter, prm.MaxIter+1)
	}
	p := toyProblem(t, 8)
	g, err := sampleGraphMetric(context.Background(), p, prm.Neighbors, prm.Weight, prm.Metric, prm.HeatT)
	if err != nil {
		t.Fatal(err)
	}
	best := math.Inf(1)
	var bestTrace []float64
	for trial := 0; trial < prm.Restarts; trial++ {
		U, V := caiInit(p.RNG, p.Data.X, p.K)
		obj, _, _, err := factorMU(context.Background(), p.Data.X, U, V, muConfig{Loss: lossFrobenius, MaxIter: prm.RestartIter, Eps: prm.Eps, Graph: g, Lambda: prm.Lambda}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if f := obj[len(obj)-1]; f < best {
			best, bestTrace = f, obj
		}
	}
	for i, f := range bestTrace {
		if got.Objective[i] != f {
			t.Fatalf("objective %d: %v, want the best trial's %v", i, got.Objective[i], f)
		}
	}
	for i := prm.RestartIter + 1; i < len(got.Objective); i++ {
		if got.Objective[i] > got.Objective[i-1]*(1+1e-12) {
			t.Fatalf("continuation increased the objective at %d", i)
		}
	}
}

// clusterACC clusters an embedding with k-means (10 replicates) and returns
// the accuracy against the dataset's labels.
func clusterACC(t *testing.T, d *datasets.Dataset, emb *mat.Dense, seed uint64) float64 {
	t.Helper()
	km, err := kmeans.Cluster(context.Background(), emb, kmeans.Options{K: d.Classes}, rand.New(rand.NewPCG(seed, 77)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := metrics.Evaluate(d.Labels, km.Labels)
	if err != nil {
		t.Fatal(err)
	}
	return s.ACC
}

// manifoldData makes K classes that are one-dimensional manifolds: class k's
// samples are images of one bump pattern translated along a line, so
// neighbouring samples of a class are closer than samples of different
// classes at the same position, while the translation dominates the global
// variance.
func manifoldData() *datasets.Dataset {
	const H, W, K, per = 10, 10, 3, 40
	rng := rand.New(rand.NewPCG(99, 1))
	X := mat.NewDense(K*per, H*W, nil)
	labels := make([]int, K*per)
	// class k: a bump of width σ_k at row ρ_k, sliding along the columns.
	sigma := []float64{0.7, 1.5, 2.6}
	rho := []float64{3, 5, 7}
	for k := 0; k < K; k++ {
		for s := 0; s < per; s++ {
			i := k*per + s
			labels[i] = k + 1
			mc := 1 + 7*float64(s)/float64(per-1)
			for c := 0; c < W; c++ {
				for r := 0; r < H; r++ {
					zr, zc := (float64(r)-rho[k])/sigma[k], (float64(c)-mc)/sigma[k]
					X.Set(i, c*H+r, math.Exp(-0.5*(zr*zr+zc*zc))+0.02*rng.Float64())
				}
			}
		}
	}
	return &datasets.Dataset{Name: "manifold", X: X, Labels: labels, Classes: K, Height: H, Width: W}
}

// TestGNMFClustersAtLeastAsWellAsNMF: on data whose classes are manifolds
// the kNN graph follows, GNMF's mean accuracy over seeds is at least NMF's.
func TestGNMFClustersAtLeastAsWellAsNMF(t *testing.T) {
	d := manifoldData()
	var accNMF, accGNMF float64
	const seeds = 4
	for seed := uint64(1); seed <= seeds; seed++ {
		memo := &methods.Memo{}
		prob := func() *methods.Problem {
			return &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 1)), Memo: memo, DataKey: "manifold"}
		}
		rn, err := fitNMF(context.Background(), prob(), defaultNMFParams)
		if err != nil {
			t.Fatal(err)
		}
		rg, err := fitGNMF(context.Background(), prob(), defaultGNMFParams)
		if err != nil {
			t.Fatal(err)
		}
		accNMF += clusterACC(t, d, rn.Embedding, seed) / seeds
		accGNMF += clusterACC(t, d, rg.Embedding, seed) / seeds
	}
	t.Logf("mean ACC: NMF %.3f, GNMF %.3f", accNMF, accGNMF)
	if accGNMF < accNMF {
		t.Fatalf("GNMF accuracy %.3f below NMF's %.3f", accGNMF, accNMF)
	}
}

func TestGNMFValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*GNMFParams)
		want string
	}{
		{"defaults", func(*GNMFParams) {}, ""},
		{"rank", func(p *GNMFParams) { p.Rank = -1 }, "rank"},
		{"loss", func(p *GNMFParams) { p.Loss = "is" }, "loss"},
		{"lambda", func(p *GNMFParams) { p.Lambda = -1 }, "lambda"},
		{"lambda nan", func(p *GNMFParams) { p.Lambda = math.NaN() }, "lambda"},
		{"neighbours", func(p *GNMFParams) { p.Neighbors = 0 }, "neighbour"},
		{"weight", func(p *GNMFParams) { p.Weight = "gauss" }, "weight"},
		{"metric", func(p *GNMFParams) { p.Metric = "l1" }, "metric"},
		{"t", func(p *GNMFParams) { p.HeatT = -1 }, "t ="},
		{"max_iter", func(p *GNMFParams) { p.MaxIter = 0 }, "max_iter"},
		{"tol", func(p *GNMFParams) { p.Tol = -1 }, "tol"},
		{"init", func(p *GNMFParams) { p.Init = "nndsvd" }, "init"},
		{"restarts", func(p *GNMFParams) { p.Restarts = 0 }, "restarts"},
		{"restart_iter", func(p *GNMFParams) { p.Restarts, p.RestartIter = 10, 1000 }, "restart_iter"},
		{"eps", func(p *GNMFParams) { p.Eps = 0 }, "eps"},
	} {
		p := defaultGNMFParams
		tc.edit(&p)
		err := p.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestGNMFRegistered builds the method from a YAML-free default and runs it
// through the registry with the KL loss, checking the result's shape and
// normalization (unit L1 columns of U for KL, as NMF).
func TestGNMFRegistered(t *testing.T) {
	c, err := methods.Default.Build("GNMF", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"lambda", "p", "weight", "loss", "restarts", "init"} {
		if _, ok := c.Params[key]; !ok {
			t.Errorf("parameter %q not registered", key)
		}
	}
	prm := defaultGNMFParams
	prm.Loss, prm.MaxIter = lossKL, 30
	p := toyProblem(t, 4)
	res, err := fitGNMF(context.Background(), p, prm)
	if err != nil {
		t.Fatal(err)
	}
	if r, c := res.Embedding.Dims(); r != p.Data.Samples() || c != p.K {
		t.Fatalf("embedding %d×%d, want %d×%d", r, c, p.Data.Samples(), p.K)
	}
	U := res.Factors["U"]
	for k := 0; k < p.K; k++ {
		if s := mat.Sum(U.ColView(k)); math.Abs(s-1) > 1e-12 {
			t.Fatalf("column %d of U sums to %v, want 1", k, s)
		}
	}
	if last := res.Objective[len(res.Objective)-1]; !(last < res.Objective[0]) {
		t.Fatalf("KL GNMF objective did not decrease: %g → %g", res.Objective[0], last)
	}
}

func TestGNMFCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := toyProblem(t, 1)
	if _, err := fitGNMF(ctx, p, defaultGNMFParams); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Fatalf("error %v, want a cancellation", err)
	}
	// The graph was still built and cached, so a later run succeeds.
	prm := defaultGNMFParams
	prm.MaxIter = 3
	if _, err := fitGNMF(context.Background(), p, prm); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkGNMFIteration(b *testing.B) {
	// One iteration at PIE_pose27 size: n = 2856, d = 1024, r = 68, p = 5.
	rng := rand.New(rand.NewPCG(3, 4))
	Xt := randomNonneg(rng, 2856, 1024)
	g, err := graph.KNN(context.Background(), Xt, graph.Options{K: 5})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("frobenius-10iter", func(b *testing.B) {
		U, V := caiInit(rng, Xt, 68)
		for b.Loop() {
			if _, _, _, err := factorMU(context.Background(), Xt, U, V, muConfig{Loss: lossFrobenius, MaxIter: 10, Graph: g, Lambda: 100}, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kl", func(b *testing.B) {
		U, V := caiInit(rng, Xt, 68)
		s := newKLGraphState(Xt, U, V, g, klGraphConfig{Lambda: 100, CGTol: 1e-10, CGMax: 1000, Eps: 1e-10})
		for b.Loop() {
			if err := s.step(); err != nil {
				b.Fatal(err)
			}
			s.objective()
		}
	})
}
