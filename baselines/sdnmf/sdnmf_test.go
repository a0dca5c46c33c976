package sdnmf

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/divergence"
	"nmfbench/internal/graph"
	"nmfbench/internal/kmeans"
	"nmfbench/internal/mu"
	"nmfbench/internal/ot"
	"nmfbench/methods"
	"nmfbench/metrics"
)

// TestSDNMFTransportMatchesPOT runs SDNMF's scaling loop (ν first, μ ← P
// side, ν ← X side, exponent g = γλ/(1+γλ), K = exp(−λC − 1)) to convergence
// on the square unbalanced cases of the shared POT reference, mapped as the
// reference's README says: λ = 1/reg, γ = reg_m, C = M − reg, P = a, X = b.
// The plan diag(μ) K diag(ν) must match POT's to 1e-6 per entry.
func TestSDNMFTransportMatchesPOT(t *testing.T) {
	raw, err := os.ReadFile("../../internal/ot/testdata/ot.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases []struct {
			Kind    string
			A, B    []float64
			M, Plan [][]float64
			Reg     float64
			RegM    float64 `json:"reg_m"`
		}
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for ci, c := range f.Cases {
		if c.Kind != "unbalanced" || len(c.A) != len(c.B) {
			continue
		}
		d := len(c.A)
		cost := mat.NewDense(d, d, nil)
		for i := range c.M {
			for j, m := range c.M[i] {
				cost.Set(i, j, m-c.Reg)
			}
		}
		prm := Defaults
		prm.Entropic, prm.MarginalWeight, prm.GraphWeight = 1/c.Reg, c.RegM, 0
		prm.Floor, prm.ScalingIters = 0, 20000
		k, err := ot.NewDense(cost, prm.Entropic, 1)
		if err != nil {
			t.Fatal(err)
		}
		X := mat.NewDense(1, d, c.B)
		U, V := mat.NewDense(d, 1, nil), mat.NewDense(1, 1, []float64{1})
		s, err := newSDNMFState(X, U, V, k, nil, prm)
		if err != nil {
			t.Fatal(err)
		}
		s.P.SetCol(0, c.A)
		if err := s.transport(); err != nil {
			t.Fatal(err)
		}
		sc, t2 := s.workers[0].sc[1], s.workers[0].t2[1] // one sample: one chunk
		kd := k.Matrix()
		worst := 0.0
		for i := 0; i < d; i++ {
			for j := 0; j < d; j++ {
				got := sc.U.At(i, 0) * kd.At(i, j) * sc.V.At(j, 0)
				worst = math.Max(worst, math.Abs(got-c.Plan[i][j])/c.Plan[i][j])
			}
		}
		if worst > 1e-6 {
			t.Errorf("case %d: SDNMF transport plan differs from POT by %.3g relative", ci, worst)
		}
		// The marginals feed the updates: T1 = μ∘Kν, T2 = ν∘Kᵀμ.
		for i := 0; i < d; i++ {
			var row, col float64
			for j := 0; j < d; j++ {
				row += c.Plan[i][j]
				col += c.Plan[j][i]
			}
			if math.Abs(s.T1.At(i, 0)-row) > 1e-6*row || math.Abs(t2.At(i, 0)-col) > 1e-6*col {
				t.Errorf("case %d bin %d: marginals %v, %v; POT %v, %v", ci, i, s.T1.At(i, 0), t2.At(i, 0), row, col)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no square unbalanced case in ot.json")
	}
}

// randomSDNMF returns a state on random positive data of 3 × 4 images with
// random factors, a random plan marginal T1 and the ratio R = T1 ⊘ UVᵀ.
func randomSDNMF(t *testing.T, seed uint64, alpha float64, update Update) *sdnmfState {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	const n, h, w, r = 10, 3, 4, 3
	X := mat.NewDense(n, h*w, nil)
	for i := range X.RawMatrix().Data {
		X.RawMatrix().Data[i] = rng.Float64()
	}
	var g *graph.CSR
	if alpha > 0 {
		var err error
		if g, err = graph.KNN(context.Background(), X, graph.Options{K: 3}); err != nil {
			t.Fatal(err)
		}
	}
	U, V := mu.UniformInit(rng, h*w, n, r, 1)
	k, err := ot.NewGrid(ot.GridCost{H: h, W: w, P: 1, Normalize: true}, 100, 1)
	if err != nil {
		t.Fatal(err)
	}
	prm := Defaults
	prm.GraphWeight, prm.Update = alpha, update
	s, err := newSDNMFState(X, U, V, k, g, prm)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.T1.RawMatrix().Data {
		s.T1.RawMatrix().Data[i] = 0.1 + rng.Float64()
	}
	s.ratio()
	return s
}

// klTo returns KL(Y ‖ UVᵀ) for the target Y.
func klTo(y, U, V *mat.Dense) float64 {
	var p mat.Dense
	p.Mul(U, V.T())
	return divergence.KL(y.RawMatrix().Data, p.RawMatrix().Data)
}

// TestSDNMFStepsDescend checks the majorization property of the updates for a
// fixed plan marginal T1 on random data:
//   - the V step without graph (α = 0) is the Lee–Seung step for
//     KL(T1 ‖ UVᵀ) in V and must not increase it;
//   - the fresh U step is the Lee–Seung step for KL(T1 ‖ UVᵀ) in U;
//   - the reference U step, with R computed before the V step, is the
//     Lee–Seung step for KL(Ỹ ‖ UVᵀ) with Ỹ = R ∘ (U V_newᵀ) (it keeps the
//     ratio, not the target, fixed) and must not increase that;
//   - with the graph (α > 0) the V step is the heuristic split of the
//     gradient of KL + (α/2)·tr(VᵀLV) (not a proven majorization); on these
//     seeds it decreases that objective too.
func TestSDNMFStepsDescend(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		s := randomSDNMF(t, seed, 0, Fresh)
		before := klTo(s.T1, s.U, s.V)
		s.updateV()
		afterV := klTo(s.T1, s.U, s.V)
		if afterV > before*(1+1e-12) {
			t.Fatalf("seed %d: V step raised KL(T1‖UVᵀ) from %.15g to %.15g", seed, before, afterV)
		}
		s.P.Mul(s.U, s.V.T())
		s.ratio()
		s.updateU()
		afterU := klTo(s.T1, s.U, s.V)
		if afterU > afterV*(1+1e-12) {
			t.Fatalf("seed %d: fresh U step raised KL(T1‖UVᵀ) from %.15g to %.15g", seed, afterV, afterU)
		}
		if !(afterU < before) {
			t.Fatalf("seed %d: no decrease at all (%v → %v)", seed, before, afterU)
		}

		s = randomSDNMF(t, seed, 0, Reference)
		s.updateV()
		var ytilde mat.Dense
		ytilde.Mul(s.U, s.V.T())
		ytilde.MulElem(&ytilde, s.R)
		before = klTo(&ytilde, s.U, s.V)
		s.updateU()
		if after := klTo(&ytilde, s.U, s.V); after > before*(1+1e-12) {
			t.Fatalf("seed %d: reference U step raised KL(Ỹ‖UVᵀ) from %.15g to %.15g", seed, before, after)
		}

		const alpha = 0.5
		s = randomSDNMF(t, seed, alpha, Reference)
		obj := func() float64 { return klTo(s.T1, s.U, s.V) + alpha/2*s.g.LaplacianQuadratic(s.V) }
		before = obj()
		s.updateV()
		if after := obj(); after > before*(1+1e-12) {
			t.Fatalf("seed %d: graph V step raised KL + (α/2)tr(VᵀLV) from %.15g to %.15g", seed, before, after)
		}
	}
}

// TestSDNMFClustersShiftedPatterns fits SDNMF to images that are small
// spatial shifts of a few blob patterns, where a transport loss is at home,
// and requires k-means on the embedding to recover the classes.
func TestSDNMFClustersShiftedPatterns(t *testing.T) {
	data, err := datasets.Synthetic(datasets.SyntheticConfig{
		Name: "shifted", Kind: datasets.KindBlobs, Height: 12, Width: 12, Classes: 4, PerClass: 20,
		Seed: 7, Blobs: 2, MaxShift: 1.5, Contrast: 0.2, Noise: 0.02,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sdFitForTest(t, data, 11)
	if err != nil {
		t.Fatal(err)
	}
	acc := sdClusterACC(t, res.Embedding, data, 3)
	t.Logf("shifted patterns: ACC %.3f, objective %.6g → %.6g", acc, res.Objective[0], res.Objective[len(res.Objective)-1])
	if acc < 0.95 {
		t.Errorf("ACC = %.3f on shifted patterns, want ≥ 0.95", acc)
	}
}

func sdFitForTest(t testing.TB, data *datasets.Dataset, seed uint64) (*methods.Result, error) {
	t.Helper()
	c, err := methods.Default.Build("SDNMF", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &methods.Problem{Data: data, K: data.Classes, RNG: rand.New(rand.NewPCG(seed, 0)), Memo: &methods.Memo{}, DataKey: data.Name}
	return c.Fit(context.Background(), p)
}

func sdClusterACC(t testing.TB, emb *mat.Dense, data *datasets.Dataset, seed uint64) float64 {
	t.Helper()
	km, err := kmeans.Cluster(context.Background(), emb, kmeans.Options{K: data.Classes, Replicates: 10}, rand.New(rand.NewPCG(seed, 2)))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := metrics.Evaluate(data.Labels, km.Labels)
	if err != nil {
		t.Fatal(err)
	}
	return sc["acc"]
}

// TestSDNMFChunkingInvariant checks that solving the transport problems in
// chunks of samples (and on any number of workers) changes no bit of the
// factors or of the objective.
func TestSDNMFChunkingInvariant(t *testing.T) {
	data, err := datasets.Synthetic(datasets.SyntheticConfig{Name: "chunks", Height: 6, Width: 5, Classes: 3, PerClass: 9, Seed: 3, MaxShift: 1, Noise: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	run := func(chunk, workers int) (*mat.Dense, *mat.Dense, []float64) {
		rng := rand.New(rand.NewPCG(5, 5))
		U, V := mu.UniformInit(rng, data.Features(), data.Samples(), 3, 1)
		k, _ := ot.NewGrid(ot.GridCost{H: 6, W: 5, P: 1, Normalize: true}, 100, 1)
		g, _ := graph.KNN(context.Background(), data.X, graph.Options{K: 3})
		s, err := newSDNMFState(data.X, U, V, k, g, Defaults)
		if err != nil {
			t.Fatal(err)
		}
		s.chunk = chunk
		s.partial = make([]float64, (data.Samples()+chunk-1)/chunk)
		s.workers = s.workers[:1]
		for len(s.workers) < workers {
			s.workers = append(s.workers, &sdnmfWorker{sc: map[int]*ot.Scaling{}, t1: map[int]*mat.Dense{}, t2: map[int]*mat.Dense{}})
		}
		s.rangeSums = make([]float64, workers)
		var obj []float64
		for it := 0; it < 5; it++ {
			o, err := s.iterate()
			if err != nil {
				t.Fatal(err)
			}
			obj = append(obj, o)
		}
		return U, V, obj
	}
	U1, V1, o1 := run(data.Samples(), 1)
	for _, c := range []struct{ chunk, workers int }{{7, 1}, {4, 3}, {1, 2}} {
		U, V, o := run(c.chunk, c.workers)
		if !mat.Equal(U, U1) || !mat.Equal(V, V1) {
			t.Errorf("chunk %d on %d workers: factors differ from the unchunked run", c.chunk, c.workers)
		}
		for i := range o {
			if math.Abs(o[i]-o1[i]) > 1e-12*math.Abs(o1[i]) { // only the summation order of chunk parts differs
				t.Errorf("chunk %d: objective %v, unchunked %v", c.chunk, o[i], o1[i])
			}
		}
	}
}

// TestSDNMFUnderflowFails checks that with the floor disabled an underflowing
// kernel product fails the run with ErrNotFinite instead of producing
// garbage, and that the reference floor avoids it.
func TestSDNMFUnderflowFails(t *testing.T) {
	const h, w, n = 4, 4, 6
	X := mat.NewDense(n, h*w, nil)
	for i := 0; i < n; i++ {
		X.Set(i, 0, 1) // all mass in one corner pixel
	}
	data := &datasets.Dataset{Name: "corner", X: X, Labels: []int{1, 1, 1, 2, 2, 2}, Classes: 2, Height: h, Width: w}
	for _, floor := range []float64{0, 1e-6} {
		prm := Defaults
		prm.Entropic, prm.GraphWeight, prm.Floor, prm.MaxIter = 2e4, 0, floor, 3
		p := &methods.Problem{Data: data, K: 2, RNG: rand.New(rand.NewPCG(1, 1))}
		_, err := fit(context.Background(), p, prm)
		if floor == 0 && !errors.Is(err, ot.ErrNotFinite) {
			t.Errorf("floor 0: error %v, want ErrNotFinite", err)
		}
		if floor > 0 && err != nil {
			t.Errorf("floor %v: %v", floor, err)
		}
	}
}

func TestSDNMFRejectsBadInput(t *testing.T) {
	data := &datasets.Dataset{Name: "flat", X: mat.NewDense(4, 5, []float64{1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5}), Labels: []int{1, 1, 2, 2}, Classes: 2}
	p := &methods.Problem{Data: data, K: 2, RNG: rand.New(rand.NewPCG(1, 1))}
	if _, err := fit(context.Background(), p, Defaults); err == nil || !strings.Contains(err.Error(), "image") {
		t.Errorf("non-image data: error %v, want one about image data", err)
	}
	for name, mod := range map[string]func(*Params){
		"entropic":        func(p *Params) { p.Entropic = 0 },
		"marginal_weight": func(p *Params) { p.MarginalWeight = math.Inf(1) },
		"graph_weight":    func(p *Params) { p.GraphWeight = -1 },
		"neighbors":       func(p *Params) { p.Neighbors = 0 },
		"cost_power":      func(p *Params) { p.CostPower = 0 },
		"max_iter":        func(p *Params) { p.MaxIter = 0 },
		"scaling_iters":   func(p *Params) { p.ScalingIters = 0 },
		"floor":           func(p *Params) { p.Floor = math.NaN() },
		"eps":             func(p *Params) { p.Eps = 0 },
	} {
		prm := Defaults
		mod(&prm)
		if err := prm.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate() = %v, want an error naming it", name, err)
		}
	}
	if err := (&Params{}).Validate(); err == nil {
		t.Error("zero parameters validated")
	}
	d := Defaults
	if err := d.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// BenchmarkSDNMFCOIL20 times one SDNMF run (100 outer iterations, default
// parameters) on COIL20 and reports ACC and NMI of k-means on the embedding.
// Run with: go test -tags netlib -run XXX -bench SDNMFCOIL20 -benchtime 1x
func BenchmarkSDNMFCOIL20(b *testing.B) {
	dir, _ := datasets.ResolveDir("")
	data, err := datasets.Load(context.Background(), dir, "COIL20")
	if err != nil {
		b.Skipf("COIL20 not available: %v", err)
	}
	for i := 0; b.Loop(); i++ {
		res, err := sdFitForTest(b, data, uint64(i+1))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		km, err := kmeans.Cluster(context.Background(), res.Embedding, kmeans.Options{K: data.Classes, Replicates: 10}, rand.New(rand.NewPCG(uint64(i), 2)))
		if err != nil {
			b.Fatal(err)
		}
		sc, err := metrics.Evaluate(data.Labels, km.Labels)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(sc["acc"], "ACC")
		b.ReportMetric(sc["nmi_arithmetic"], "NMI")
		b.StartTimer()
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/run")
}
