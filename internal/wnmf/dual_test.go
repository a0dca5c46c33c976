package wnmf

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// naiveLSE is the stabilised logsumexp of a.
func naiveLSE(a []float64) float64 {
	mx := math.Inf(-1)
	for _, v := range a {
		mx = math.Max(mx, v)
	}
	var s float64
	for _, v := range a {
		s += math.Exp(v - mx)
	}
	return mx + math.Log(s)
}

// naiveSemiDual evaluates Eq. (4) and its gradient entry by entry in the log
// domain, straight from the definition.
func naiveSemiDual(x, c *mat.Dense, eps float64, g *mat.Dense) (float64, *mat.Dense) {
	m, n := x.Dims()
	grad := mat.NewDense(m, n, nil)
	a := make([]float64, m)
	var f float64
	for l := 0; l < n; l++ {
		for i := 0; i < m; i++ {
			p := x.At(i, l)
			if p == 0 {
				continue
			}
			for j := 0; j < m; j++ {
				a[j] = (g.At(j, l) - c.At(i, j)) / eps
			}
			lse := naiveLSE(a)
			f += eps * p * (lse - math.Log(p))
			for j := 0; j < m; j++ {
				grad.Set(j, l, grad.At(j, l)+p*math.Exp(a[j]-lse))
			}
		}
	}
	return f, grad
}

// naiveColLSE returns Σ_columns logsumexp(column) and the column softmax of y.
func naiveColLSE(y *mat.Dense) (float64, *mat.Dense) {
	r, c := y.Dims()
	p := mat.NewDense(r, c, nil)
	var s float64
	col := make([]float64, r)
	for j := 0; j < c; j++ {
		mat.Col(col, j, y)
		lse := naiveLSE(col)
		s += lse
		for i := 0; i < r; i++ {
			p.Set(i, j, math.Exp(col[i]-lse))
		}
	}
	return s, p
}

func naiveWeights(x, c *mat.Dense, eps float64, d, g *mat.Dense, rho float64) (float64, *mat.Dense) {
	f, grad := naiveSemiDual(x, c, eps, g)
	var y mat.Dense
	y.Mul(d.T(), g)
	y.Scale(-1/rho, &y)
	s, p := naiveColLSE(&y)
	var dp mat.Dense
	dp.Mul(d, p)
	grad.Sub(grad, &dp)
	return f + rho*s, grad
}

func naiveDict(x, c *mat.Dense, eps float64, lam, g *mat.Dense, rho float64) (float64, *mat.Dense) {
	f, grad := naiveSemiDual(x, c, eps, g)
	var y mat.Dense
	y.Mul(g, lam.T())
	y.Scale(-1/rho, &y)
	s, p := naiveColLSE(&y)
	var pl mat.Dense
	pl.Mul(p, lam)
	grad.Sub(grad, &pl)
	return f + rho*s, grad
}

func randHist(m, n int, zeroFrac float64, rng *rand.Rand) *mat.Dense {
	x := mat.NewDense(m, n, nil)
	for l := 0; l < n; l++ {
		var s float64
		for i := 0; i < m; i++ {
			if rng.Float64() >= zeroFrac || i == l%m {
				v := rng.Float64()
				x.Set(i, l, v)
				s += v
			}
		}
		for i := 0; i < m; i++ {
			x.Set(i, l, x.At(i, l)/s)
		}
	}
	return x
}

func randNormal(r, c int, scale float64, rng *rand.Rand) *mat.Dense {
	a := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			a.Set(i, j, scale*rng.NormFloat64())
		}
	}
	return a
}

func maxRelDiff(a, b *mat.Dense) float64 {
	r, c := a.Dims()
	var worst float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			x, y := a.At(i, j), b.At(i, j)
			d := math.Abs(x-y) / math.Max(math.Abs(y), 1e-300)
			if math.Abs(x-y) == 0 {
				d = 0
			}
			worst = math.Max(worst, d)
		}
	}
	return worst
}

func maxAbsDiff(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return mat.Norm(&d, math.Inf(1)) // max row sum; bounds the max entry
}

func TestGridCost(t *testing.T) {
	for _, tc := range []struct{ h, w int }{{5, 1}, {1, 4}, {3, 4}, {14, 14}} {
		c, err := GridCost(tc.h, tc.w)
		if err != nil {
			t.Fatal(err)
		}
		m := tc.h * tc.w
		var sum float64
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				sum += c.At(i, j)
			}
		}
		if mean := sum / float64(m*m); math.Abs(mean-1) > 1e-12 {
			t.Errorf("%d×%d: mean normalised cost %v, want 1", tc.h, tc.w, mean)
		}
		// Bin (r, c) is index c*h + r: neighbours along the row axis differ by 1.
		if tc.h > 1 {
			want := 1 / GridCostMean(tc.h, tc.w)
			if got := c.At(0, 1); math.Abs(got-want) > 1e-15 {
				t.Errorf("%d×%d: cost of a vertical step %v, want %v", tc.h, tc.w, got, want)
			}
		}
		if tc.w > 1 {
			want := 1 / GridCostMean(tc.h, tc.w)
			if got := c.At(0, tc.h); math.Abs(got-want) > 1e-15 {
				t.Errorf("%d×%d: cost of a horizontal step %v, want %v", tc.h, tc.w, got, want)
			}
		}
	}
	if _, err := GridCost(1, 1); err == nil {
		t.Error("GridCost(1,1): want error")
	}
}

func TestKernelApply(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		h, w int
		eps  float64
	}{{7, 1, 0.05}, {1, 6, 0.05}, {4, 3, 0.1}, {5, 5, 0.01}} {
		t.Run(fmt.Sprintf("%dx%d", tc.h, tc.w), func(t *testing.T) {
			m, n := tc.h*tc.w, 4
			c, _ := GridCost(tc.h, tc.w)
			dk, err := NewDenseKernel(c, tc.eps)
			if err != nil {
				t.Fatal(err)
			}
			gk, err := NewGridKernel(tc.h, tc.w, tc.eps)
			if err != nil {
				t.Fatal(err)
			}
			src := randNormal(m, n, 1, rng)
			// Naive K·src from the definition K = exp(−C/ε).
			want := mat.NewDense(m, n, nil)
			for i := 0; i < m; i++ {
				for l := 0; l < n; l++ {
					var s float64
					for j := 0; j < m; j++ {
						s += math.Exp(-c.At(i, j)/tc.eps) * src.At(j, l)
					}
					want.Set(i, l, s)
				}
			}
			for _, k := range []*Kernel{dk, gk} {
				for _, trans := range []bool{false, true} {
					dst := make([]float64, m*n)
					k.apply(dst, mat.DenseCopyOf(src).RawMatrix().Data, n, trans, make([]float64, m*n))
					if d := maxAbsDiff(mat.NewDense(m, n, dst), want); d > 1e-13 {
						t.Errorf("dense=%v trans=%v: max deviation %g from naive K·x", k.k != nil, trans, d)
					}
				}
				row := make([]float64, m)
				for i := 0; i < m; i++ {
					k.logRow(row, i)
					for j, v := range row {
						if w := -c.At(i, j) / tc.eps; math.Abs(v-w) > 1e-12*math.Abs(w) {
							t.Fatalf("logRow(%d)[%d] = %v, want %v", i, j, v, w)
						}
					}
				}
			}
		})
	}
}

func TestKernelErrors(t *testing.T) {
	c, _ := GridCost(2, 2)
	bad := mat.DenseCopyOf(c)
	bad.Set(0, 1, -1)
	for name, f := range map[string]func() error{
		"eps0":      func() error { _, err := NewDenseKernel(c, 0); return err },
		"epsNaN":    func() error { _, err := NewGridKernel(2, 2, math.NaN()); return err },
		"nonsquare": func() error { _, err := NewDenseKernel(mat.NewDense(2, 3, nil), 1); return err },
		"negative":  func() error { _, err := NewDenseKernel(bad, 1); return err },
		"grid1x1":   func() error { _, err := NewGridKernel(1, 1, 1); return err },
	} {
		if f() == nil {
			t.Errorf("%s: want error", name)
		}
	}
}

// dualCase is a small problem for the dual checks; spread scales G.
type dualCase struct {
	name   string
	h, w   int
	n, k   int
	eps    float64
	rho    float64
	spread float64
	zeros  float64
	fallbk bool // whether the log-domain fallback must trigger
}

var dualCases = []dualCase{
	{name: "1d", h: 9, w: 1, n: 5, k: 3, eps: 0.05, rho: 0.05, spread: 0.5, zeros: 0},
	{name: "2d-sparse", h: 4, w: 3, n: 6, k: 2, eps: 0.025, rho: 0.1, spread: 0.3, zeros: 0.4},
	{name: "2d-underflow", h: 5, w: 4, n: 4, k: 3, eps: 0.002, rho: 0.005, spread: 3, zeros: 0.3, fallbk: true},
}

func TestDualAgainstNaive(t *testing.T) {
	for _, tc := range dualCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, uint64(tc.h*100+tc.w)))
			m := tc.h * tc.w
			x := randHist(m, tc.n, tc.zeros, rng)
			c, _ := GridCost(tc.h, tc.w)
			g := randNormal(m, tc.n, tc.spread, rng)
			dict := randSimplexCols(m, tc.k, rng)
			lam := randSimplexCols(tc.k, tc.n, rng)
			dk, _ := NewDenseKernel(c, tc.eps)
			gk, _ := NewGridKernel(tc.h, tc.w, tc.eps)

			fS, gS := naiveSemiDual(x, c, tc.eps, g)
			fW, gW := naiveWeights(x, c, tc.eps, dict, g, tc.rho)
			fD, gD := naiveDict(x, c, tc.eps, lam, g, tc.rho)
			for _, k := range []*Kernel{dk, gk} {
				d, err := NewDual(x, k)
				if err != nil {
					t.Fatal(err)
				}
				grad := mat.NewDense(m, tc.n, nil)
				for _, chk := range []struct {
					name  string
					eval  func() (float64, error)
					wantF float64
					wantG *mat.Dense
				}{
					{"semidual", func() (float64, error) { return d.SemiDual(grad, g) }, fS, gS},
					{"weights", func() (float64, error) { return d.Weights(grad, g, dict, tc.rho) }, fW, gW},
					{"dict", func() (float64, error) { return d.Dict(grad, g, lam, tc.rho) }, fD, gD},
				} {
					f, err := chk.eval()
					if err != nil {
						t.Fatal(err)
					}
					if math.Abs(f-chk.wantF) > 1e-12*math.Max(1, math.Abs(chk.wantF)) {
						t.Errorf("dense=%v %s: value %.17g, naive %.17g", k.k != nil, chk.name, f, chk.wantF)
					}
					if dd := maxAbsDiff(grad, chk.wantG); dd > 1e-12 {
						t.Errorf("dense=%v %s: gradient deviates by %g from naive", k.k != nil, chk.name, dd)
					}
					if tc.fallbk != (d.Fallbacks() > 0) {
						t.Errorf("dense=%v %s: %d fallbacks, want fallback=%v", k.k != nil, chk.name, d.Fallbacks(), tc.fallbk)
					}
				}
				// Value alone (nil gradient) is the same number.
				f, _ := d.SemiDual(nil, g)
				if math.Abs(f-fS) > 1e-12*math.Max(1, math.Abs(fS)) {
					t.Errorf("value without gradient %v, want %v", f, fS)
				}
			}
		})
	}
}

// TestDualGradientFiniteDifference checks every dual gradient against
// central differences of the implemented objective, on all coordinates.
func TestDualGradientFiniteDifference(t *testing.T) {
	for _, tc := range dualCases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, uint64(tc.h*100+tc.w)))
			m := tc.h * tc.w
			x := randHist(m, tc.n, tc.zeros, rng)
			gk, _ := NewGridKernel(tc.h, tc.w, tc.eps)
			d, err := NewDual(x, gk)
			if err != nil {
				t.Fatal(err)
			}
			g := randNormal(m, tc.n, tc.spread, rng)
			dict := randSimplexCols(m, tc.k, rng)
			lam := randSimplexCols(tc.k, tc.n, rng)
			for _, obj := range []struct {
				name string
				f    func(grad, g *mat.Dense) (float64, error)
			}{
				{"semidual", d.SemiDual},
				{"weights", func(grad, g *mat.Dense) (float64, error) { return d.Weights(grad, g, dict, tc.rho) }},
				{"dict", func(grad, g *mat.Dense) (float64, error) { return d.Dict(grad, g, lam, tc.rho) }},
			} {
				grad := mat.NewDense(m, tc.n, nil)
				if _, err := obj.f(grad, g); err != nil {
					t.Fatal(err)
				}
				// The objectives have curvature ~1/min(ε, ρ); the central
				// difference error is ~h²/min(ε,ρ)² + 1e-16/h.
				h := 1e-6 * math.Min(tc.eps, tc.rho) * 20
				gp := mat.DenseCopyOf(g)
				var worst float64
				for j := 0; j < m; j++ {
					for l := 0; l < tc.n; l++ {
						v := g.At(j, l)
						gp.Set(j, l, v+h)
						fp, _ := obj.f(nil, gp)
						gp.Set(j, l, v-h)
						fm, _ := obj.f(nil, gp)
						gp.Set(j, l, v)
						fd := (fp - fm) / (2 * h)
						worst = math.Max(worst, math.Abs(fd-grad.At(j, l)))
					}
				}
				if worst > 1e-6 {
					t.Errorf("%s: gradient differs from central differences by %g", obj.name, worst)
				}
			}
		})
	}
}

func TestPrimalRecovery(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m, n, k, rho := 12, 5, 3, 0.07
	x := randHist(m, n, 0, rng)
	gk, _ := NewGridKernel(4, 3, 0.05)
	d, _ := NewDual(x, gk)
	g := randNormal(m, n, 0.3, rng)
	dict := randSimplexCols(m, k, rng)
	lam := randSimplexCols(k, n, rng)

	gotL := mat.NewDense(k, n, nil)
	if err := d.WeightsPrimal(gotL, g, dict, rho); err != nil {
		t.Fatal(err)
	}
	var y mat.Dense
	y.Mul(dict.T(), g)
	y.Scale(-1/rho, &y)
	_, wantL := naiveColLSE(&y)
	if dd := maxRelDiff(gotL, wantL); dd > 1e-13 {
		t.Errorf("WeightsPrimal deviates by %g (relative)", dd)
	}
	gotD := mat.NewDense(m, k, nil)
	if err := d.DictPrimal(gotD, g, lam, rho); err != nil {
		t.Fatal(err)
	}
	y.Reset()
	y.Mul(g, lam.T())
	y.Scale(-1/rho, &y)
	_, wantD := naiveColLSE(&y)
	if dd := maxRelDiff(gotD, wantD); dd > 1e-13 {
		t.Errorf("DictPrimal deviates by %g (relative)", dd)
	}
	// Shape errors are reported, not panics.
	if err := d.WeightsPrimal(mat.NewDense(k+1, n, nil), g, dict, rho); err == nil {
		t.Error("WeightsPrimal with wrong destination: want error")
	}
	if _, err := d.Dict(nil, mat.NewDense(m, n+1, nil), lam, rho); err == nil {
		t.Error("Dict with wrong G: want error")
	}
	if _, err := d.Weights(nil, g, dict, 0); err == nil {
		t.Error("Weights with ρ = 0: want error")
	}
}

// TestSemiDualReproducesPOT solves max_g ⟨g, b⟩ − OT*_ε(a, g) by log-domain
// Sinkhorn steps driven by the semi-dual gradient (the plan's second marginal)
// and compares the plan P_ij = a_i softmax_j((g − M_i·)/ε) and the value with
// POT 0.8.2's entropic plans.
func TestSemiDualReproducesPOT(t *testing.T) {
	dir := os.Getenv("NMFBENCH_TESTDATA")
	if dir == "" {
		dir = "/work/shared/testdata"
	}
	raw, err := os.ReadFile(filepath.Join(dir, "ot.json"))
	if err != nil {
		t.Skipf("reference data absent: %v", err)
	}
	var ref struct {
		Cases []struct {
			Kind string
			A, B []float64
			M    [][]float64
			Reg  float64
			Plan [][]float64
			Cost float64
		}
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	tested := 0
	for ci, c := range ref.Cases {
		if c.Kind != "balanced" || len(c.A) != len(c.B) {
			continue // kernels here are square: same bins on both sides
		}
		m := len(c.A)
		cost := mat.NewDense(m, m, nil)
		for i := range c.M {
			cost.SetRow(i, c.M[i])
		}
		k, err := NewDenseKernel(cost, c.Reg)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDual(mat.NewDense(m, 1, c.A), k)
		if err != nil {
			t.Fatal(err)
		}
		g := mat.NewDense(m, 1, nil)
		grad := mat.NewDense(m, 1, nil)
		for it := 0; it < 100000; it++ {
			d.SemiDual(grad, g)
			var worst float64
			for j := 0; j < m; j++ {
				worst = math.Max(worst, math.Abs(grad.At(j, 0)-c.B[j]))
				g.Set(j, 0, g.At(j, 0)+c.Reg*(math.Log(c.B[j])-math.Log(grad.At(j, 0))))
			}
			if worst < 1e-15 {
				break
			}
		}
		fstar, _ := d.SemiDual(grad, g)
		var dual, primal, transport float64
		row := make([]float64, m)
		for i := 0; i < m; i++ {
			for j := 0; j < m; j++ {
				row[j] = (g.At(j, 0) - c.M[i][j]) / c.Reg
			}
			lse := naiveLSE(row)
			for j := 0; j < m; j++ {
				p := c.A[i] * math.Exp(row[j]-lse)
				want := c.Plan[i][j]
				if math.Abs(p-want) > 1e-6*want {
					t.Errorf("case %d: plan[%d][%d] = %.10g, POT %.10g", ci, i, j, p, want)
				}
				transport += p * c.M[i][j]
				primal += c.Plan[i][j] * (c.M[i][j] + c.Reg*math.Log(c.Plan[i][j]))
			}
		}
		for j := 0; j < m; j++ {
			dual += g.At(j, 0) * c.B[j]
		}
		dual -= fstar // OT_ε(a, b) = ⟨g, b⟩ − OT*_ε(a, g) at the optimum
		if math.Abs(dual-primal) > 1e-6*math.Abs(primal) {
			t.Errorf("case %d: dual value %.12g, primal value of POT's plan %.12g", ci, dual, primal)
		}
		if math.Abs(transport-c.Cost) > 1e-6*c.Cost {
			t.Errorf("case %d: transport cost %.12g, POT %.12g", ci, transport, c.Cost)
		}
		tested++
	}
	if tested == 0 {
		t.Fatal("no balanced square case in ot.json")
	}
}
