package gwntf

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gopkg.in/yaml.v3"

	"nmfbench/datasets"
	"nmfbench/internal/graph"
	"nmfbench/internal/ot"
	"nmfbench/internal/tensor"
	"nmfbench/methods"
)

// gwTestData returns a small random H × W image set with n samples in three
// classes; a fraction of the pixels is exactly zero, and (when zeroFibre) the
// first image row of every sample is zero, so that some mode-1 and mode-2
// fibres vanish entirely.
func gwTestData(H, W, n int, seed uint64, zeroFibre bool) *datasets.Dataset {
	rng := rand.New(rand.NewPCG(seed, 99))
	x := mat.NewDense(n, H*W, nil)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = i % 3
		for c := 0; c < W; c++ {
			for r := 0; r < H; r++ {
				v := rng.Float64()
				if v < 0.2 || (zeroFibre && r == 0) {
					v = 0
				}
				x.Set(i, c*H+r, v)
			}
		}
	}
	return &datasets.Dataset{Name: "gwtest", X: x, Labels: labels, Classes: 3, Height: H, Width: W}
}

// gwTestSolver builds a solver on d with parameters prm and a 2-NN graph.
func gwTestSolver(t *testing.T, d *datasets.Dataset, prm Params) *gwntfSolver {
	t.Helper()
	ctx := context.Background()
	var g *graph.CSR
	if prm.GraphWeight > 0 {
		var err error
		g, err = graph.KNN(ctx, d.X, graph.Options{K: 2})
		if err != nil {
			t.Fatal(err)
		}
	}
	p := &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(3, 4))}
	s, err := newGWNTFSolver(ctx, p, prm, g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParamsValidate(t *testing.T) {
	if _, err := methods.Default.Build("GWNTF", nil); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	bad := []string{
		"rank: -1", "max_iter: 0", "tol: -1", "lambda: 0", "alpha: 0", "beta: -2", "mu: -1",
		"p: 0", "graph_sign: up", "sample_update: x", "target: all", "pixel_cost: grid",
		"pixel_cost_power: 0", "sample_cost: l2", "sinkhorn_iters: 0", "sinkhorn_tol: -1", "eps: 0",
	}
	for _, b := range bad {
		var node yaml.Node
		if err := yaml.Unmarshal([]byte(b), &node); err != nil {
			t.Fatal(err)
		}
		if _, err := methods.Default.Build("GWNTF", node.Content[0]); err == nil {
			t.Errorf("%q accepted", b)
		}
	}
}

// gwKL is the naive generalized KL divergence D(p‖q).
func gwKL(p, q []float64) float64 {
	var s float64
	for i := range p {
		s += q[i] - p[i]
		if p[i] > 0 {
			s += p[i] * math.Log(p[i]/q[i])
		}
	}
	return s
}

// gwRandomTarget returns a random positive Iₙ × I₋ₙ target Ψ with some zeros.
func gwRandomTarget(s *gwntfSolver, n int, rng *rand.Rand) *mat.Dense {
	m := mat.NewDense(s.dims[n], s.size/s.dims[n], nil)
	raw := m.RawMatrix().Data
	for i := range raw {
		if v := rng.Float64(); v > 0.1 {
			raw[i] = 2 * v
		}
	}
	return m
}

// TestGWNTFPixelUpdateMM checks Eq. 16 as an MM step on random data: the
// Jensen auxiliary function G(A|Ã) of Theorem 1 majorizes F(A) = D_KL(Ψ‖AA⁽⁻ⁿ⁾ᵀ)
// (touching at Ã), the update minimises G (its gradient vanishes there), and
// F does not increase.
func TestGWNTFPixelUpdateMM(t *testing.T) {
	d := gwTestData(6, 5, 12, 1, false)
	prm := Defaults
	prm.GraphWeight, prm.Rank = 0, 3
	s := gwTestSolver(t, d, prm)
	rng := rand.New(rand.NewPCG(5, 6))
	for n := 0; n < 3; n++ {
		target := gwRandomTarget(s, n, rng)
		for step := 0; step < 5; step++ {
			at := mat.DenseCopyOf(s.A[n])
			s.reconstruct(n)
			B := mat.DenseCopyOf(s.kr[n])
			xt := mat.DenseCopyOf(s.xhat[n])
			F := func(a *mat.Dense) float64 {
				var xh mat.Dense
				xh.Mul(a, B.T())
				return gwKL(target.RawMatrix().Data, xh.RawMatrix().Data)
			}
			// G(A|Ã) = Σ_ij [X̂_ij(A) − Ψ_ij + Ψ_ij log Ψ_ij − Ψ_ij Σ_r ρ_ijr log(A_ir B_jr / ρ_ijr)],
			// ρ_ijr = Ã_ir B_jr / X̃_ij.
			G := func(a *mat.Dense) float64 {
				var xh mat.Dense
				xh.Mul(a, B.T())
				rows, cols := target.Dims()
				var g float64
				for i := 0; i < rows; i++ {
					for j := 0; j < cols; j++ {
						p := target.At(i, j)
						g += xh.At(i, j) - p
						if p == 0 {
							continue
						}
						g += p * math.Log(p)
						for r := 0; r < s.R; r++ {
							rho := at.At(i, r) * B.At(j, r) / xt.At(i, j)
							g -= p * rho * math.Log(a.At(i, r)*B.At(j, r)/rho)
						}
					}
				}
				return g
			}
			f0, g0 := F(at), G(at)
			if math.Abs(f0-g0) > 1e-9*math.Abs(f0) {
				t.Fatalf("mode %d: G(Ã|Ã) = %v, F(Ã) = %v", n, g0, f0)
			}
			for trial := 0; trial < 5; trial++ {
				a := mat.DenseCopyOf(at)
				raw := a.RawMatrix().Data
				for i := range raw {
					raw[i] *= math.Exp(rng.NormFloat64())
				}
				if f, g := F(a), G(a); g < f-1e-9*math.Abs(f) {
					t.Fatalf("mode %d: G(A|Ã) = %v < F(A) = %v", n, g, f)
				}
			}
			if err := s.updateMode(n, target, 1); err != nil {
				t.Fatal(err)
			}
			f1 := F(s.A[n])
			if f1 > f0*(1+1e-12) {
				t.Fatalf("mode %d step %d: F rose from %v to %v", n, step, f0, f1)
			}
			// Stationarity of G at the update: ∂G/∂A_ir = b_r − Ã_ir [(Ψ⊘X̃)B]_ir / A_ir = 0.
			for i := 0; i < s.dims[n]; i++ {
				for r := 0; r < s.R; r++ {
					var num, b float64
					for j := 0; j < s.size/s.dims[n]; j++ {
						num += target.At(i, j) / xt.At(i, j) * B.At(j, r)
						b += B.At(j, r)
					}
					want := at.At(i, r) * num / b
					if got := s.A[n].At(i, r); math.Abs(got-want) > 1e-10*want+1e-300 {
						t.Fatalf("mode %d: A[%d,%d] = %v, minimiser of G is %v", n, i, r, got, want)
					}
				}
			}
		}
	}
}

// gwSampleObjective is F(A) = w D_KL(Ψ‖AA⁽⁻³⁾ᵀ) ± (μ/2) tr(AᵀLA).
func gwSampleObjective(s *gwntfSolver, a *mat.Dense, target *mat.Dense, w float64) float64 {
	var xh mat.Dense
	xh.Mul(a, s.kr[2].T())
	q := 0.5 * s.prm.GraphWeight * s.g.LaplacianQuadratic(a)
	if s.prm.GraphSign == SignPaper {
		q = -q
	}
	return w*gwKL(target.RawMatrix().Data, xh.RawMatrix().Data) + q
}

// TestGWNTFSampleUpdateMM checks the mm variants of the sample update on
// random data for both graph signs: F never increases, and the result is a
// fixed point of the ratio rule (same stationarity equation) once converged.
func TestGWNTFSampleUpdateMM(t *testing.T) {
	d := gwTestData(4, 3, 30, 2, false)
	for _, sign := range []GraphSign{SignLaplacian, SignPaper} {
		for _, mu := range []float64{0.3, 10} {
			prm := Defaults
			prm.Rank, prm.GraphWeight, prm.GraphSign, prm.SampleUpdate = 3, mu, sign, UpdateMM
			s := gwTestSolver(t, d, prm)
			rng := rand.New(rand.NewPCG(8, 9))
			target := gwRandomTarget(s, 2, rng)
			const w = 1.5
			s.reconstruct(2)
			prev := gwSampleObjective(s, s.A[2], target, w)
			// −(μ/2)tr(AᵀLA) is unbounded below, so with the paper's sign the
			// iterates eventually diverge (for fixed A⁽⁻³⁾): check a few steps.
			steps := 5
			if sign == SignLaplacian {
				steps = 6000
			}
			for step := 0; step < steps; step++ {
				if err := s.updateMode(2, target, w); err != nil {
					t.Fatal(err)
				}
				f := gwSampleObjective(s, s.A[2], target, w)
				if f > prev+1e-10*math.Abs(prev) {
					t.Fatalf("%s μ=%v step %d: F rose from %.15g to %.15g", sign, mu, step, prev, f)
				}
				prev = f
			}
			if sign == SignPaper {
				continue // the paper-sign objective need not have a nearby fixed point
			}
			a := mat.DenseCopyOf(s.A[2])
			s.prm.SampleUpdate = UpdateRatio
			if err := s.updateMode(2, target, w); err != nil {
				t.Fatal(err)
			}
			var diff mat.Dense
			diff.Sub(s.A[2], a)
			if r := mat.Norm(&diff, math.Inf(1)) / mat.Norm(a, math.Inf(1)); r > 1e-6 {
				t.Errorf("%s μ=%v: ratio rule moves the mm fixed point by %.3g", sign, mu, r)
			}
		}
	}
}

// TestGWNTFScalingMarginalsAndObjective forms the plans of a small problem
// explicitly (Scaling.Plan) and checks that Ψ is their column marginal and that
// the closed-form mode term of J equals the definition
// Σⱼ ⟨C, Tⱼ⟩ + (1/λ)⟨Tⱼ, log Tⱼ⟩ + α D_KL(Tⱼ𝟏‖xⱼ) + β D_KL(Tⱼᵀ𝟏‖x̂ⱼ), for the line
// cost of a pixel mode and the zero-one and cosine costs of the sample mode,
// with fibres of zeros present.
func TestGWNTFScalingMarginalsAndObjective(t *testing.T) {
	ctx := context.Background()
	d := gwTestData(5, 4, 9, 3, true)
	for _, sc := range []Cost{CostDiagonal, CostCosine} {
		prm := Defaults
		prm.Rank, prm.GraphWeight, prm.SampleCost, prm.ScalingIters, prm.Entropic = 2, 0, sc, 7, 20
		prm.MarginalWeightData, prm.MarginalWeightModel = 0.7, 1.3
		s := gwTestSolver(t, d, prm)
		for n := 0; n < 3; n++ {
			if n == 1 && sc == CostCosine {
				continue // same code path as mode 0
			}
			xh := s.reconstruct(n)
			psi := s.psi[n]
			got, err := s.ot[n].solve(ctx, psi)
			if err != nil {
				t.Fatal(err)
			}
			var cost *mat.Dense
			switch {
			case n < 2:
				cost = ot.LineCost(s.dims[n], prm.CostPower, math.Pow(float64(s.dims[n]-1), prm.CostPower))
			case sc == CostDiagonal:
				cost = mat.NewDense(s.dims[2], s.dims[2], nil)
				for i := 0; i < s.dims[2]; i++ {
					for j := 0; j < s.dims[2]; j++ {
						if i != j {
							cost.Set(i, j, 1)
						}
					}
				}
			default:
				cost, _ = cosineCost(d.X)
			}
			m := s.dims[n]
			var want float64
			for j := 0; j < s.size/m; j++ {
				T := s.ot[n].sc.Plan(j)
				phi, ps := make([]float64, m), make([]float64, m)
				x, h := make([]float64, m), make([]float64, m)
				for a := 0; a < m; a++ {
					x[a], h[a] = s.X[n].At(a, j), xh.At(a, j)
					for b := 0; b < m; b++ {
						tab := T.At(a, b)
						phi[a] += tab
						ps[b] += tab
						want += cost.At(a, b) * tab
						if tab > 0 {
							want += tab * math.Log(tab) / prm.Entropic
						}
					}
				}
				for b := 0; b < m; b++ {
					if g := psi.At(b, j); math.Abs(g-ps[b]) > 1e-12*math.Max(ps[b], 1e-300) {
						t.Fatalf("%s mode %d fibre %d: Ψ[%d] = %v, plan column sum %v", sc, n, j, b, g, ps[b])
					}
				}
				want += prm.MarginalWeightData*gwKL(phi, x) + prm.MarginalWeightModel*gwKL(ps, h)
			}
			if math.Abs(got-want) > 1e-10*math.Abs(want) {
				t.Errorf("%s mode %d: closed-form term %.15g, from the plans %.15g", sc, n, got, want)
			}
		}
	}
}

// TestGWNTFMeanTargetDescends runs the exact block-coordinate descent
// (target mean, mm sample update, no renormalisation, converged scaling) and
// checks that J(T, A) never increases over the outer iterations, for each
// sample cost.
func TestGWNTFMeanTargetDescends(t *testing.T) {
	ctx := context.Background()
	d := gwTestData(5, 4, 15, 4, true)
	for _, sc := range []Cost{CostNone, CostDiagonal, CostCosine} {
		prm := Defaults
		prm.Rank, prm.GraphWeight, prm.Neighbors, prm.Entropic = 3, 0.5, 2, 30
		prm.Target, prm.SampleUpdate, prm.Normalize, prm.SampleCost = TargetMean, UpdateMM, false, sc
		prm.ScalingIters, prm.ScalingTol, prm.MaxIter = 100000, 1e-14, 25
		p := &methods.Problem{Data: d, K: 3, RNG: rand.New(rand.NewPCG(1, 1)), Memo: &methods.Memo{}, DataKey: "t"}
		res, err := fit(ctx, p, prm)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Objective) != prm.MaxIter+1 || res.Iterations != prm.MaxIter || res.CheckTrace() != nil {
			t.Fatalf("%s: %d objective values, %d iterations; want %d + 1 and %d", sc, len(res.Objective), res.Iterations, prm.MaxIter, prm.MaxIter)
		}
		for i := 1; i < len(res.Objective); i++ {
			if a, b := res.Objective[i-1], res.Objective[i]; b > a+1e-9*math.Abs(a) {
				t.Errorf("%s: J rose from %.12g to %.12g at iteration %d", sc, a, b, i+1)
			}
		}
		if res.Objective[len(res.Objective)-1] >= res.Objective[0] {
			t.Errorf("%s: J did not decrease: %v", sc, res.Objective)
		}
	}
}

// TestGWNTFFit checks a default fit on data with zero fibres: shapes, finite
// nonnegative factors with unit-L1 pixel columns, reproducibility from the
// seed, and cancellation.
func TestGWNTFFit(t *testing.T) {
	ctx := context.Background()
	d := gwTestData(6, 5, 24, 5, true)
	c, err := methods.Default.Build("GWNTF", nil)
	if err != nil {
		t.Fatal(err)
	}
	fit := func(ctx context.Context) (*methods.Result, error) {
		p := &methods.Problem{Data: d, K: 3, RNG: rand.New(rand.NewPCG(11, 12)), Memo: &methods.Memo{}, DataKey: "t"}
		return c.Fit(ctx, p)
	}
	r1, err := fit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := fit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(r1.Embedding, r2.Embedding) {
		t.Error("two fits with the same seed differ")
	}
	if r, c := r1.Embedding.Dims(); r != 24 || c != 3 {
		t.Fatalf("embedding is %d×%d, want 24×3", r, c)
	}
	if r1.Iterations != Defaults.MaxIter || len(r1.Objective) != r1.Iterations+1 || r1.CheckTrace() != nil {
		t.Errorf("%d iterations, %d objective values", r1.Iterations, len(r1.Objective))
	}
	for name, want := range map[string]int{"A1": 6, "A2": 5} {
		a := r1.Factors[name]
		if r, _ := a.Dims(); r != want {
			t.Fatalf("%s has %d rows, want %d", name, r, want)
		}
		for j := 0; j < 3; j++ {
			if s := mat.Sum(a.ColView(j)); math.Abs(s-1) > 1e-12 {
				t.Errorf("%s column %d sums to %v, want 1", name, j, s)
			}
		}
	}
	for _, v := range r1.Embedding.RawMatrix().Data {
		if !(v >= 0) || math.IsInf(v, 0) {
			t.Fatalf("embedding entry %v", v)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := fit(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled fit returned %v", err)
	}
	notImage := &datasets.Dataset{Name: "flat", X: d.X, Labels: d.Labels, Classes: 3}
	p := &methods.Problem{Data: notImage, K: 3, RNG: rand.New(rand.NewPCG(1, 1))}
	if _, err := c.Fit(ctx, p); err == nil {
		t.Error("a dataset without image size was accepted")
	}
}

// TestGWNTFBuildMean compares buildMean with tensor.Fold/Unfold.
func TestGWNTFBuildMean(t *testing.T) {
	d := gwTestData(4, 3, 5, 6, false)
	prm := Defaults
	prm.GraphWeight, prm.Target, prm.Rank, prm.SampleCost = 0, TargetMean, 2, CostDiagonal
	s := gwTestSolver(t, d, prm)
	rng := rand.New(rand.NewPCG(2, 2))
	shape := []int{4, 3, 5}
	sum, _ := tensor.New(shape...)
	for n := 0; n < 3; n++ {
		s.psi[n] = gwRandomTarget(s, n, rng)
		f, err := tensor.Fold(s.psi[n], n, shape)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range f.Data() {
			sum.Data()[i] += v / 3
		}
	}
	s.buildMean()
	for n := 0; n < 3; n++ {
		if !mat.EqualApprox(s.mean[n], sum.Unfold(n), 1e-15) {
			t.Errorf("mode %d: mean target differs from the folded average", n+1)
		}
	}
}

// TestGWNTFZeroOneKernel checks the structured zero-one kernel against its
// dense matrix, in the linear and the log domain.
func TestGWNTFZeroOneKernel(t *testing.T) {
	const n, cols = 7, 4
	k := newZeroOneKernel(n, 3)
	K := k.Matrix()
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			want := math.Exp(-1)
			if i != j {
				want = math.Exp(-3 - 1)
			}
			if math.Abs(K.At(i, j)-want) > 1e-15 {
				t.Fatalf("K[%d,%d] = %v, want %v", i, j, K.At(i, j), want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 3))
	src := mat.NewDense(n, cols, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < cols; j++ {
			src.Set(i, j, 5*rng.NormFloat64())
		}
	}
	var e, want mat.Dense
	e.Apply(func(_, _ int, v float64) float64 { return math.Exp(v) }, src)
	want.Mul(K, &e)
	got := mat.NewDense(n, cols, nil)
	k.Apply(got, &e, false, nil)
	if !mat.EqualApprox(got, &want, 1e-13) {
		t.Error("Apply differs from the dense product")
	}
	k.LogApply(got, src, true, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < cols; j++ {
			if w := math.Log(want.At(i, j)); math.Abs(got.At(i, j)-w) > 1e-12*math.Abs(w) {
				t.Fatalf("LogApply[%d,%d] = %v, want %v", i, j, got.At(i, j), w)
			}
		}
	}
}

// gwBenchSolver returns a solver on random COIL20-sized data (32 × 32 × 1440,
// rank 20) with the given parameters.
func gwBenchSolver(b *testing.B, prm Params) *gwntfSolver {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 1))
	const n = 1440
	x := mat.NewDense(n, 1024, nil)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = i % 20
		for j := 0; j < 1024; j++ {
			if v := rng.Float64(); v > 0.3 {
				x.Set(i, j, v)
			}
		}
	}
	d := &datasets.Dataset{Name: "bench", X: x, Labels: labels, Classes: 20, Height: 32, Width: 32}
	var g *graph.CSR
	if prm.GraphWeight > 0 {
		var err error
		if g, err = graph.KNN(context.Background(), x, graph.Options{K: prm.Neighbors}); err != nil {
			b.Fatal(err)
		}
	}
	s, err := newGWNTFSolver(context.Background(), &methods.Problem{Data: d, K: 20, RNG: rng}, prm, g)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkGWNTFOuterIteration times one outer iteration (scaling of every
// mode, objective, the three factor updates) on COIL20-sized data with the
// default parameters (5 warm-started scaling rounds per pixel mode).
func BenchmarkGWNTFOuterIteration(b *testing.B) {
	s := gwBenchSolver(b, Defaults)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.scaleAll(ctx); err != nil {
			b.Fatal(err)
		}
		if err := s.updateFactors(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGWNTFScalingRound times one scaling round (U and V updates: two
// 32 × 32 by 32 × 46080 GEMMs and two fused fractional powers) of a pixel mode.
func BenchmarkGWNTFScalingRound(b *testing.B) {
	s := gwBenchSolver(b, Defaults)
	s.reconstruct(0)
	sc, err := s.ot[0].whole() // the unblocked state (a fit's blocks do the same rounds on pieces)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := sc.Iterate(ctx, 1, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGWNTFFactorUpdates times the three MM factor updates of one outer
// iteration (Khatri–Rao products, reconstructions, ratio GEMMs, graph term).
func BenchmarkGWNTFFactorUpdates(b *testing.B) {
	s := gwBenchSolver(b, Defaults)
	for n := 0; n < 2; n++ {
		copy(s.psi[n].RawMatrix().Data, s.X[n].RawMatrix().Data)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.updateFactors(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGWNTFWarmStartTracksExact compares short warm-started scalings with the
// exact algorithm (every scaling converged from Algorithm 1's cold start):
// after 15 outer iterations with 30 rounds each, the warm-started embedding is
// within 5% of the exact one and at most half as far as the cold-started run
// with the same number of rounds
// (docs/gwntf.md, open point 3).
func TestGWNTFWarmStartTracksExact(t *testing.T) {
	ctx := context.Background()
	d := gwTestData(6, 6, 24, 7, false)
	run := func(warm bool, iters int, tol float64) *mat.Dense {
		prm := Defaults
		prm.Rank, prm.Neighbors, prm.MaxIter = 3, 3, 15
		prm.WarmStart, prm.ScalingIters, prm.ScalingTol = warm, iters, tol
		p := &methods.Problem{Data: d, K: 3, RNG: rand.New(rand.NewPCG(5, 5)), Memo: &methods.Memo{}, DataKey: "t"}
		res, err := fit(ctx, p, prm)
		if err != nil {
			t.Fatal(err)
		}
		return res.Embedding
	}
	exact := run(false, 100000, 1e-12)
	dist := func(e *mat.Dense) float64 {
		var diff mat.Dense
		diff.Sub(e, exact)
		return mat.Norm(&diff, 2) / mat.Norm(exact, 2)
	}
	warm, cold := dist(run(true, 30, 0)), dist(run(false, 30, 0))
	t.Logf("relative embedding distance to the exact run: warm %.3g, cold %.3g", warm, cold)
	if warm > 0.05 || warm > cold/2 {
		t.Errorf("warm start: distance %.3g to the exact run (cold: %.3g); want ≤ 0.05 and at most half of cold's", warm, cold)
	}
}
