package ot

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	_ "nmfbench/internal/blasbackend" // OpenBLAS when built with -tags netlib
)

type potCase struct {
	Kind string      `json:"kind"`
	A    []float64   `json:"a"`
	B    []float64   `json:"b"`
	M    [][]float64 `json:"M"`
	Reg  float64     `json:"reg"`
	RegM float64     `json:"reg_m"`
	Plan [][]float64 `json:"plan"`
	Cost *float64    `json:"cost"`
}

func loadPOT(t *testing.T) []potCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/ot.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Source string    `json:"source"`
		Cases  []potCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("no cases in testdata/ot.json")
	}
	return f.Cases
}

func denseOf(rows [][]float64) *mat.Dense {
	m := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		m.SetRow(i, r)
	}
	return m
}

func column(x []float64) *mat.Dense { return mat.NewDense(len(x), 1, append([]float64(nil), x...)) }

// potProblem returns the kernel and options of a POT case: K = exp(−M/reg),
// i.e. λ = 1/reg, shift = 0, and f = reg_m/(reg_m + reg) when unbalanced.
func potProblem(t *testing.T, c potCase) (*Dense, Options) {
	t.Helper()
	k, err := NewDense(denseOf(c.M), 1/c.Reg, 0)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Phi: 1, Psi: 1}
	if c.Kind == "unbalanced" {
		f := Exponent(c.RegM, 1/c.Reg)
		opt = Options{Phi: f, Psi: f}
	}
	return k, opt
}

func maxRelDiff(t *testing.T, got *mat.Dense, want [][]float64) float64 {
	t.Helper()
	var worst float64
	for i, row := range want {
		for j, w := range row {
			g := got.At(i, j)
			if w == 0 {
				if g != 0 {
					return math.Inf(1)
				}
				continue
			}
			worst = max(worst, math.Abs(g-w)/math.Abs(w))
		}
	}
	return worst
}

// TestScalingMatchesPOT reproduces every plan of testdata/ot.json (POT 0.8.2)
// to 1e-6 relative per entry, with both the scaling and the log-domain
// iterations run to convergence.
func TestScalingMatchesPOT(t *testing.T) {
	ctx := context.Background()
	for i, c := range loadPOT(t) {
		k, opt := potProblem(t, c)
		a, b := column(c.A), column(c.B)

		s, err := NewScaling(k, a, b, opt)
		if err != nil {
			t.Fatal(err)
		}
		it, ok, err := s.Iterate(ctx, 200000, 1e-14)
		if err != nil || !ok {
			t.Fatalf("case %d (%s, reg %v): scaling did not converge in %d iterations: %v", i, c.Kind, c.Reg, it, err)
		}
		plan := s.Plan(0)
		if d := maxRelDiff(t, plan, c.Plan); d > 1e-6 {
			t.Errorf("case %d (%s, reg %v): plan differs from POT by %.3g relative", i, c.Kind, c.Reg, d)
		}
		if c.Cost != nil {
			var cost float64
			m := denseOf(c.M)
			r, cc := plan.Dims()
			for p := 0; p < r; p++ {
				for q := 0; q < cc; q++ {
					cost += plan.At(p, q) * m.At(p, q)
				}
			}
			if d := math.Abs(cost-*c.Cost) / *c.Cost; d > 1e-6 {
				t.Errorf("case %d: transport cost %.12g, POT %.12g (relative %.2g)", i, cost, *c.Cost, d)
			}
		}

		ls, err := NewLogScaling(k, a, b, opt)
		if err != nil {
			t.Fatal(err)
		}
		if it, ok, err := ls.Iterate(ctx, 200000, 1e-14); err != nil || !ok {
			t.Fatalf("case %d: log-domain scaling did not converge in %d iterations: %v", i, it, err)
		}
		if d := maxRelDiff(t, ls.Plan(0), c.Plan); d > 1e-6 {
			t.Errorf("case %d (%s, reg %v): log-domain plan differs from POT by %.3g relative", i, c.Kind, c.Reg, d)
		}
		t.Logf("case %d %-10s %2d×%-2d reg %-5v: %4d scaling iterations, plan within %.1g of POT", i, c.Kind, len(c.A), len(c.B), c.Reg, it, maxRelDiff(t, plan, c.Plan))
	}
}

// TestBatchEqualsSingle checks that solving n histogram pairs as one batch
// gives, column by column, the iterates of solving each pair alone.
func TestBatchEqualsSingle(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	c := GridCost{H: 4, W: 3, P: 2}
	k, err := NewDense(c.Matrix(), 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	a, b := randHist(rng, 12, n), randHist(rng, 12, n)
	opt := Options{Phi: 0.8, Psi: 0.7}
	s, _ := NewScaling(k, a, b, opt)
	if _, _, err := s.Iterate(ctx, 25, 0); err != nil {
		t.Fatal(err)
	}
	for j := 0; j < n; j++ {
		aj, bj := mat.DenseCopyOf(a.Slice(0, 12, j, j+1)), mat.DenseCopyOf(b.Slice(0, 12, j, j+1))
		sj, _ := NewScaling(k, aj, bj, opt)
		if _, _, err := sj.Iterate(ctx, 25, 0); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 12; i++ {
			if d := relDiff(s.U.At(i, j), sj.U.At(i, 0)); d > 1e-13 {
				t.Fatalf("column %d: batch u[%d] = %v, alone %v", j, i, s.U.At(i, j), sj.U.At(i, 0))
			}
			if d := relDiff(s.V.At(i, j), sj.V.At(i, 0)); d > 1e-13 {
				t.Fatalf("column %d: batch v[%d] = %v, alone %v", j, i, s.V.At(i, j), sj.V.At(i, 0))
			}
		}
	}
}

func relDiff(a, b float64) float64 {
	if a == b {
		return 0
	}
	return math.Abs(a-b) / math.Max(math.Abs(a), math.Abs(b))
}

// randHist returns an m × n matrix of random positive histograms (columns),
// with a few empty bins.
func randHist(rng *rand.Rand, m, n int) *mat.Dense {
	h := mat.NewDense(m, n, nil)
	for j := 0; j < n; j++ {
		var s float64
		for i := 0; i < m; i++ {
			v := rng.Float64()
			if rng.IntN(8) == 0 {
				v = 0
			}
			h.Set(i, j, v)
			s += v
		}
		for i := 0; i < m; i++ {
			h.Set(i, j, h.At(i, j)/s)
		}
	}
	return h
}

func TestGridCostMatrix(t *testing.T) {
	for _, c := range []GridCost{{H: 3, W: 4, P: 1, Normalize: true}, {H: 5, W: 2, P: 2}, {H: 4, W: 4, P: 0.5}} {
		m := c.Matrix()
		s := c.Scale()
		for c1 := 0; c1 < c.W; c1++ {
			for r1 := 0; r1 < c.H; r1++ {
				for c2 := 0; c2 < c.W; c2++ {
					for r2 := 0; r2 < c.H; r2++ {
						want := (math.Pow(math.Abs(float64(r1-r2)), c.P) + math.Pow(math.Abs(float64(c1-c2)), c.P)) / s
						if got := m.At(c1*c.H+r1, c2*c.H+r2); math.Abs(got-want) > 1e-15 {
							t.Fatalf("%+v: C[(%d,%d),(%d,%d)] = %v, want %v", c, r1, c1, r2, c2, got, want)
						}
					}
				}
			}
		}
		if c.Normalize && math.Abs(mat.Max(m)-1) > 1e-15 {
			t.Errorf("%+v: normalized cost has max %v, want 1", c, mat.Max(m))
		}
	}
}

// TestGridMatchesDense checks the separable kernel against the dense kernel of
// the same cost: K·X entrywise to 1e-13 relative, log-domain products too.
func TestGridMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		c             GridCost
		lambda, shift float64
	}{
		{GridCost{H: 6, W: 5, P: 1, Normalize: true}, 100, 1}, // SDNMF's kernel, reaching e^-101
		{GridCost{H: 4, W: 7, P: 2}, 0.7, 0},
		{GridCost{H: 8, W: 8, P: 1.5, Normalize: true}, 10, 0.3},
	} {
		g, err := NewGrid(tc.c, tc.lambda, tc.shift)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDense(tc.c.Matrix(), tc.lambda, tc.shift)
		if err != nil {
			t.Fatal(err)
		}
		if diff := maxRelMat(g.Matrix(), d.Matrix()); diff > 1e-13 {
			t.Errorf("%+v: grid and dense kernel matrices differ by %.2g relative", tc.c, diff)
		}
		m := tc.c.H * tc.c.W
		x := randHist(rng, m, 9)
		want, got := mat.NewDense(m, 9, nil), mat.NewDense(m, 9, nil)
		for _, trans := range []bool{false, true} {
			d.Apply(want, x, trans, nil)
			g.Apply(got, x, trans, nil)
			if diff := maxRelMat(got, want); diff > 1e-13 {
				t.Errorf("%+v trans=%v: grid K·x differs from dense by %.2g relative", tc.c, trans, diff)
			}
			g.applyGEMM(got, x, nil)
			if diff := maxRelMat(got, want); diff > 1e-13 {
				t.Errorf("%+v trans=%v: grid K·x by GEMM differs from dense by %.2g relative", tc.c, trans, diff)
			}
			// Log domain: LSE_K(log x) = log(K·x), for both kernels.
			lx := mat.NewDense(m, 9, nil)
			lx.Apply(func(_, _ int, v float64) float64 { return math.Log(v) }, x)
			for name, k := range map[string]Kernel{"grid": g, "dense": d} {
				k.LogApply(got, lx, trans, nil)
				for i := 0; i < m; i++ {
					for j := 0; j < 9; j++ {
						w := math.Log(want.At(i, j))
						if math.Abs(got.At(i, j)-w) > 1e-12*math.Max(1, math.Abs(w)) {
							t.Fatalf("%+v %s: LogApply[%d,%d] = %v, log(K·x) = %v", tc.c, name, i, j, got.At(i, j), w)
						}
					}
				}
			}
		}
	}
}

func maxRelMat(a, b *mat.Dense) float64 {
	r, c := a.Dims()
	var worst float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			worst = max(worst, relDiff(a.At(i, j), b.At(i, j)))
		}
	}
	return worst
}

// TestUnderflowDetectedAndLogDomain transports a Dirac mass over a distance
// whose kernel entry e^-2000 underflows: the scaling iterations must report
// ErrNotFinite instead of storing +Inf, and the log-domain iterations must
// reach the closed-form fixed point. With single bins i, k the updates are
// linear in the logs, x = φ(α − κ − y), y = ψ(β − κ − x) (x = log u_i,
// y = log v_k, κ = log K_ik, α, β the log masses), so
// x = φ(α − κ − ψ(β − κ))/(1 − φψ) and symmetrically for y.
func TestUnderflowDetectedAndLogDomain(t *testing.T) {
	ctx := context.Background()
	c := GridCost{H: 8, W: 1, P: 2, Normalize: true}
	const lambda, ma, mb, phi, psi = 2000 * 49.0 / 25, 0.7, 1.9, 0.6, 0.8 // λC_06 = 2000
	a := column([]float64{ma, 0, 0, 0, 0, 0, 0, 0})
	b := column([]float64{0, 0, 0, 0, 0, mb, 0, 0})
	k, err := NewDense(c.Matrix(), lambda, 0)
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Phi: phi, Psi: psi}
	s, _ := NewScaling(k, a, b, opt)
	_, _, err = s.Iterate(ctx, 10, 0)
	if !errors.Is(err, ErrNotFinite) {
		t.Fatalf("scaling with an underflowing kernel: error %v, want ErrNotFinite", err)
	}
	ls, _ := NewLogScaling(k, a, b, opt)
	if it, ok, err := ls.Iterate(ctx, 500, 1e-12); err != nil || !ok {
		t.Fatalf("log-domain scaling: %d iterations, converged %v, error %v", it, ok, err)
	}
	kappa, al, be := -2000.0, math.Log(ma), math.Log(mb)
	x := phi * (al - kappa - psi*(be-kappa)) / (1 - phi*psi)
	y := psi * (be - kappa - phi*(al-kappa)) / (1 - phi*psi)
	if math.Abs(ls.F.At(0, 0)-x) > 1e-12*math.Abs(x) || math.Abs(ls.G.At(5, 0)-y) > 1e-12*math.Abs(y) {
		t.Errorf("log u_0 = %v, log v_5 = %v; closed form %v, %v", ls.F.At(0, 0), ls.G.At(5, 0), x, y)
	}
	if p, want := ls.Plan(0).At(0, 5), math.Exp(x+y+kappa); relDiff(p, want) > 1e-10 {
		t.Errorf("plan mass %v, closed form %v", p, want)
	}
	for i := 1; i < 8; i++ {
		if !math.IsInf(ls.F.At(i, 0), -1) {
			t.Errorf("log u_%d = %v for an empty bin, want −Inf", i, ls.F.At(i, 0))
		}
	}
}

// TestFloor checks the floored update against its definition.
func TestFloor(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := GridCost{H: 5, W: 4, P: 1, Normalize: true}
	g, _ := NewGrid(c, 100, 1)
	a, b := randHist(rng, 20, 3), randHist(rng, 20, 3)
	const floor, phi = 1e-3, 0.9
	s, _ := NewScaling(g, a, b, Options{Phi: phi, Psi: phi, Floor: floor})
	for i := range s.V.RawMatrix().Data {
		s.V.RawMatrix().Data[i] = math.Exp(-20*rng.Float64()) * (1 + float64(i%3))
	}
	if err := s.UpdateU(); err != nil {
		t.Fatal(err)
	}
	kv := mat.NewDense(20, 3, nil)
	g.Apply(kv, s.V, false, nil)
	active := 0
	for i := 0; i < 20; i++ {
		for j := 0; j < 3; j++ {
			den := kv.At(i, j)
			if den < floor {
				den = floor
				active++
			}
			want := 0.0
			if a.At(i, j) != 0 {
				want = math.Pow(a.At(i, j)/den, phi)
			}
			if relDiff(s.U.At(i, j), want) > 1e-13 {
				t.Fatalf("u[%d,%d] = %v, want %v", i, j, s.U.At(i, j), want)
			}
		}
	}
	if active == 0 {
		t.Fatal("the floor was never active; the test checks nothing")
	}
}

// TestEntropicCost compares the marginal-only formula with the definition on
// explicit plans.
func TestEntropicCost(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	c := GridCost{H: 3, W: 3, P: 1, Normalize: true}
	const lambda, shift = 5, 1
	k, _ := NewDense(c.Matrix(), lambda, shift)
	a, b := randHist(rng, 9, 4), randHist(rng, 9, 4)
	s, _ := NewScaling(k, a, b, Options{Phi: 0.9, Psi: 0.9})
	if _, _, err := s.Iterate(context.Background(), 7, 0); err != nil {
		t.Fatal(err)
	}
	row, col := mat.NewDense(9, 4, nil), mat.NewDense(9, 4, nil)
	s.RowMarginal(row)
	s.ColMarginal(col)
	got := EntropicCost(s.U, s.V, row, col, lambda, shift)
	var want float64
	cm := c.Matrix()
	for j := 0; j < 4; j++ {
		p := s.Plan(j)
		for i := 0; i < 9; i++ {
			for q := 0; q < 9; q++ {
				if t := p.At(i, q); t > 0 {
					want += t*cm.At(i, q) + (t*math.Log(t)-t)/lambda
				}
			}
		}
	}
	if relDiff(got, want) > 1e-12 {
		t.Errorf("EntropicCost = %.15g, definition %.15g", got, want)
	}
}

func TestConstructorsRejectBadInput(t *testing.T) {
	good := GridCost{H: 2, W: 2, P: 1}
	k, _ := NewGrid(good, 1, 0)
	h := mat.NewDense(4, 1, []float64{1, 0, 0, 0})
	for name, err := range map[string]error{
		"zero λ":         func() error { _, err := NewGrid(good, 0, 0); return err }(),
		"NaN shift":      func() error { _, err := NewGrid(good, 1, math.NaN()); return err }(),
		"empty grid":     func() error { _, err := NewGrid(GridCost{H: 0, W: 2, P: 1}, 1, 0); return err }(),
		"bad P":          func() error { _, err := NewGrid(GridCost{H: 2, W: 2, P: -1}, 1, 0); return err }(),
		"Inf cost":       func() error { _, err := NewDense(mat.NewDense(1, 1, []float64{math.Inf(1)}), 1, 0); return err }(),
		"shape mismatch": func() error { _, err := NewScaling(k, h, mat.NewDense(3, 1, nil), Options{}); return err }(),
		"bad exponent":   func() error { _, err := NewScaling(k, h, h, Options{Phi: -1}); return err }(),
		"bad floor":      func() error { _, err := NewScaling(k, h, h, Options{Floor: math.NaN()}); return err }(),
		"strided view": func() error {
			v := mat.NewDense(4, 2, nil).Slice(0, 4, 0, 1).(*mat.Dense)
			_, err := NewScaling(k, v, h, Options{})
			return err
		}(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// Benchmarks on a COIL20-sized batch: 1440 images of 32 × 32 pixels, the
// Manhattan kernel of SDNMF (λ = 100).

func coilBatch(b *testing.B) (*mat.Dense, GridCost) {
	rng := rand.New(rand.NewPCG(9, 9))
	c := GridCost{H: 32, W: 32, P: 1, Normalize: true}
	x := mat.NewDense(1024, 1440, nil)
	for i := range x.RawMatrix().Data {
		x.RawMatrix().Data[i] = rng.Float64()
	}
	return x, c
}

func BenchmarkGridApply(b *testing.B) {
	x, c := coilBatch(b)
	g, _ := NewGrid(c, 100, 1)
	dst := mat.NewDense(1024, 1440, nil)
	work := make([]float64, g.WorkLen(1440))
	for b.Loop() {
		g.Apply(dst, x, false, work)
	}
	b.ReportMetric(2*1024*1440*64*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGridApplyGEMM is the same product with BLAS GEMMs (one
// 32 × 32 by 32 × 46080 and 32 of 32 × 32 by 32 × 1440).
func BenchmarkGridApplyGEMM(b *testing.B) {
	x, c := coilBatch(b)
	g, _ := NewGrid(c, 100, 1)
	dst := mat.NewDense(1024, 1440, nil)
	work := make([]float64, g.WorkLen(1440))
	for b.Loop() {
		g.applyGEMM(dst, x, work)
	}
	b.ReportMetric(2*1024*1440*64*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGridApplySquared is the grid product for the squared Euclidean
// cost (P = 2), which takes the general vmath.AxisMul path.
func BenchmarkGridApplySquared(b *testing.B) {
	x, c := coilBatch(b)
	c.P = 2
	g, _ := NewGrid(c, 100, 1)
	dst := mat.NewDense(1024, 1440, nil)
	work := make([]float64, g.WorkLen(1440))
	for b.Loop() {
		g.Apply(dst, x, false, work)
	}
	b.ReportMetric(2*1024*1440*64*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkDenseApply(b *testing.B) {
	x, c := coilBatch(b)
	d, _ := NewDense(c.Matrix(), 100, 1)
	dst := mat.NewDense(1024, 1440, nil)
	for b.Loop() {
		d.Apply(dst, x, false, nil)
	}
	b.ReportMetric(2*1024*1024*1440*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkScalingRound is one UpdateU + UpdateV (two kernel products, two
// fused divide-and-power passes over 1.47 M entries).
func BenchmarkScalingRound(b *testing.B) {
	x, c := coilBatch(b)
	g, _ := NewGrid(c, 100, 1)
	y := mat.DenseCopyOf(x)
	s, err := NewScaling(g, x, y, Options{Phi: 100.0 / 101, Psi: 100.0 / 101, Floor: 1e-6})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := s.UpdateU(); err != nil {
			b.Fatal(err)
		}
		if err := s.UpdateV(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGridLogApply(b *testing.B) {
	x, c := coilBatch(b)
	g, _ := NewGrid(c, 100, 1)
	x = mat.DenseCopyOf(x.Slice(0, 1024, 0, 100))
	dst := mat.NewDense(1024, 100, nil)
	work := make([]float64, g.WorkLen(100))
	for b.Loop() {
		g.LogApply(dst, x, false, work)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/histogram")
}
