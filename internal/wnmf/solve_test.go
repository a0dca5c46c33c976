package wnmf

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// naiveOT returns OT_ε(p, q) = min ⟨T, C⟩ + ε Σ T log T over couplings of p
// and q, by log-domain Sinkhorn run until both marginals match to 1e-14.
func naiveOT(t *testing.T, p, q []float64, c *mat.Dense, eps float64) float64 {
	m := len(p)
	f, g := make([]float64, m), make([]float64, m)
	a := make([]float64, m)
	plan := func(i, j int) float64 { return math.Exp((f[i] + g[j] - c.At(i, j)) / eps) }
	for it := 0; ; it++ {
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				a[j] = (g[j] - c.At(i, j)) / eps
			}
			f[i] = eps * (math.Log(p[i]) - naiveLSE(a))
		}
		for j := 0; j < m; j++ {
			for i := 0; i < m; i++ {
				a[i] = (f[i] - c.At(i, j)) / eps
			}
			g[j] = eps * (math.Log(q[j]) - naiveLSE(a))
		}
		var worst float64
		for i := 0; i < m; i++ {
			var s float64
			for j := 0; j < m; j++ {
				s += plan(i, j)
			}
			worst = math.Max(worst, math.Abs(s-p[i]))
		}
		if worst < 1e-14 {
			break
		}
		if it > 200000 {
			t.Fatalf("reference Sinkhorn did not converge (marginal error %g)", worst)
		}
	}
	var v float64
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			if pij := plan(i, j); pij > 0 {
				v += pij * (c.At(i, j) + eps*math.Log(pij))
			}
		}
	}
	return v
}

// primalJ evaluates Eq. (1) directly.
func primalJ(t *testing.T, x, c, dict, lam *mat.Dense, eps, rho1, rho2 float64) float64 {
	var q mat.Dense
	q.Mul(dict, lam)
	m, n := x.Dims()
	j := rho1*negEntropy(lam) + rho2*negEntropy(dict)
	for l := 0; l < n; l++ {
		p, ql := make([]float64, m), make([]float64, m)
		mat.Col(p, l, x)
		mat.Col(ql, l, &q)
		j += naiveOT(t, p, ql, c, eps)
	}
	return j
}

// TestFactorizeStrongDuality runs W-NMF with tight inner tolerances and checks
// that the reported objective (through duality) equals J(D, Λ) evaluated in
// the primal with an independent Sinkhorn, that it never exceeds it (it is a
// Fenchel–Young lower bound), that it decreases, and that the factors are on
// the simplex.
func TestFactorizeStrongDuality(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const h, w, n, k, eps = 4, 2, 6, 2, 0.05
	x := randHist(h*w, n, 0, rng)
	c, _ := GridCost(h, w)
	kern, _ := NewGridKernel(h, w, eps)
	opt := DefaultOptions()
	opt.Rank, opt.Iterations, opt.InnerIterations, opt.GradTol = k, 4, 5000, 1e-11
	res, err := Factorize(context.Background(), x, kern, opt, rng)
	if err != nil {
		t.Fatal(err)
	}
	if res.Iterations != 4 || len(res.Objective) != 4 {
		t.Fatalf("%d iterations, %d objective values; want 4", res.Iterations, len(res.Objective))
	}
	last := res.Objective[len(res.Objective)-1]
	j := primalJ(t, x, c, res.D, res.Lambda, eps, opt.Rho1, opt.Rho2)
	if last > j+1e-12 || j-last > 1e-10*math.Abs(j) {
		t.Errorf("objective by duality %.12g, primal J %.12g (gap %g)", last, j, j-last)
	}
	for i := 1; i < len(res.Objective); i++ {
		if res.Objective[i] > res.Objective[i-1]+1e-9 {
			t.Errorf("objective rose from %.12g to %.12g at iteration %d", res.Objective[i-1], res.Objective[i], i)
		}
	}
	// gonum's line search stalls in floating point near 1e-8 (status
	// ErrNoProgress), below the requested 1e-11.
	for _, st := range append(res.DictStats, res.WeightsStats...) {
		if st.GradNorm > 1e-7 {
			t.Errorf("subproblem ended with gradient %g (status %s)", st.GradNorm, st.Status)
		}
	}
	for name, a := range map[string]*mat.Dense{"D": res.D, "Λ": res.Lambda} {
		r, cc := a.Dims()
		for jj := 0; jj < cc; jj++ {
			var s float64
			for i := 0; i < r; i++ {
				if a.At(i, jj) <= 0 {
					t.Errorf("%s[%d,%d] = %v, want > 0", name, i, jj, a.At(i, jj))
				}
				s += a.At(i, jj)
			}
			if math.Abs(s-1) > 1e-12 {
				t.Errorf("column %d of %s sums to %v", jj, name, s)
			}
		}
	}
}

func TestFactorizeDeterministic(t *testing.T) {
	run := func() *Result {
		rng := rand.New(rand.NewPCG(5, 6))
		x := randHist(6, 5, 0.2, rng)
		kern, _ := NewGridKernel(6, 1, 0.05)
		opt := DefaultOptions()
		opt.Rank, opt.Iterations, opt.InnerIterations = 2, 2, 30
		res, err := Factorize(context.Background(), x, kern, opt, rng)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(), run()
	if !mat.Equal(a.D, b.D) || !mat.Equal(a.Lambda, b.Lambda) {
		t.Error("two runs from the same seed differ")
	}
}

func TestFactorizeErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x := randHist(6, 4, 0, rng)
	kern, _ := NewGridKernel(6, 1, 0.05)
	small, _ := NewGridKernel(5, 1, 0.05)
	notHist := mat.DenseCopyOf(x)
	notHist.Scale(2, notHist)
	negative := mat.DenseCopyOf(x)
	negative.Set(0, 0, -0.1)
	ok := DefaultOptions()
	for _, tc := range []struct {
		name string
		x    *mat.Dense
		k    *Kernel
		mod  func(*Options)
		rng  *rand.Rand
	}{
		{"not histograms", notHist, kern, nil, rng},
		{"negative", negative, kern, nil, rng},
		{"kernel size", x, small, nil, rng},
		{"nil rng", x, kern, nil, nil},
		{"rank 0", x, kern, func(o *Options) { o.Rank = 0 }, rng},
		{"rho1 NaN", x, kern, func(o *Options) { o.Rho1 = math.NaN() }, rng},
		{"rho2 0", x, kern, func(o *Options) { o.Rho2 = 0 }, rng},
		{"no iterations", x, kern, func(o *Options) { o.Iterations = 0 }, rng},
		{"no inner iterations", x, kern, func(o *Options) { o.InnerIterations = 0 }, rng},
		{"memory", x, kern, func(o *Options) { o.Memory = 0 }, rng},
	} {
		opt := ok
		if tc.mod != nil {
			tc.mod(&opt)
		}
		if _, err := Factorize(context.Background(), tc.x, tc.k, opt, tc.rng); err == nil {
			t.Errorf("%s: want error", tc.name)
		}
	}
}

func TestFactorizeCancel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := randHist(8, 5, 0, rng)
	kern, _ := NewGridKernel(8, 1, 0.05)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Factorize(ctx, x, kern, DefaultOptions(), rng); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before start: err = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	opt := DefaultOptions()
	opt.Iterations = 100
	calls := 0
	opt.Progress = func(int, float64) { calls++; cancel() }
	if _, err := Factorize(ctx, x, kern, opt, rng); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled mid-run: err = %v, want context.Canceled", err)
	}
	if calls != 1 {
		t.Errorf("ran %d outer iterations after cancellation, want 1", calls)
	}
}
