package runner

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/methods"
	"nmfbench/results"
)

type costParams struct {
	MaxIter int `yaml:"max_iter" doc:"budget"`
}

// namedRegistry registers a deterministic random-projection method under
// the cost model's names Kmeans, NMF and GWNTF; every fit appends
// "label rep" to *calls.
func namedRegistry(mu *sync.Mutex, calls *[]string) *methods.Registry {
	reg := &methods.Registry{}
	for _, name := range []string{"Kmeans", "NMF", "GWNTF"} {
		methods.RegisterIn(reg, methods.Definition[costParams]{Name: name, Summary: "stub", Version: 1, Defaults: costParams{MaxIter: 100},
			Fit: func(ctx context.Context, p *methods.Problem, prm costParams) (*methods.Result, error) {
				mu.Lock()
				*calls = append(*calls, name)
				mu.Unlock()
				_, d := p.Data.X.Dims()
				proj := mat.NewDense(d, 3, nil)
				for i := range proj.RawMatrix().Data {
					proj.RawMatrix().Data[i] = p.RNG.Float64()
				}
				var e mat.Dense
				e.Mul(p.Data.X, proj)
				return &methods.Result{Embedding: &e, Objective: []float64{2, 1.5, 1}, Seconds: []float64{0, 0.001, 0.002}, Iterations: 2,
					Factors: map[string]*mat.Dense{"P": proj}}, nil
			}})
	}
	return reg
}

const namedSpec = `name: order
seed: 11
seeds: 3
datasets: [{name: synthetic}]
methods:
  - method: Kmeans
  - method: NMF
    params: {max_iter: 500}
  - method: GWNTF
`

// TestModelOrdering: the cost model puts the heavy methods first, scales
// with the budget, the loss and the size n·d·r.
func TestModelOrdering(t *testing.T) {
	sh := Shape{Samples: 1440, Features: 1024, Classes: 20}
	m := func(name string, prm map[string]any) float64 { return ModelSeconds(name, prm, sh) }
	if !(m("SDNMF", nil) > m("GWNTF", nil) && m("GWNTF", nil) > m("NMF", nil) && m("NMF", nil) > m("Kmeans", nil)) {
		t.Errorf("model order: GWNTF %g SDNMF %g NMF %g Kmeans %g", m("GWNTF", nil), m("SDNMF", nil), m("NMF", nil), m("Kmeans", nil))
	}
	if got := m("NMF", map[string]any{"max_iter": 500}); math.Abs(got-1.6) > 1e-9 {
		t.Errorf("NMF on COIL20 modelled %gs, want weight × unit = 1.6s", got)
	}
	if a, b := m("NMF", map[string]any{"max_iter": 250}), m("NMF", map[string]any{"max_iter": 500}); math.Abs(2*a-b) > 1e-12 {
		t.Errorf("max_iter scaling: %g vs %g", a, b)
	}
	if m("NMF", map[string]any{"loss": "kl"}) <= m("NMF", map[string]any{"loss": "frobenius"}) {
		t.Error("KL not costlier than Frobenius")
	}
	big := ModelSeconds("NMF", map[string]any{"rank": 40}, sh)
	if want := math.Pow(2, 0.75) * m("NMF", nil); math.Abs(big-want) > 1e-12 {
		t.Errorf("rank 40 costs %g, want 2^0.75 × rank 20's (NMF's rank power)", big)
	}
}

// TestLongestFirstDeterministic: the order is by decreasing expected cost,
// ties in plan order, the same every time; measured times replace the
// model and calibrate it.
func TestLongestFirstDeterministic(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	p := plan(t, namedSpec, namedRegistry(&mu, &calls))
	shapes := map[string]Shape{"synthetic": {Samples: 100, Features: 50, Classes: 4}}
	costs := func(measured map[results.TimingKey]results.Timing) []float64 {
		var c []float64
		for _, e := range Estimates(p.Runs, measured, shapes) {
			c = append(c, e.Seconds)
		}
		return c
	}
	label := func(order []int) []string {
		var out []string
		for _, i := range order {
			out = append(out, p.Runs[i].Label+" "+string(rune('0'+p.Runs[i].Rep)))
		}
		return out
	}
	want := []string{"GWNTF 0", "GWNTF 1", "GWNTF 2", "NMF 0", "NMF 1", "NMF 2", "Kmeans 0", "Kmeans 1", "Kmeans 2"}
	c := costs(nil)
	got := label(LongestFirst(c))
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("model order %v, want %v", got, want)
	}
	for range 5 {
		if again := label(LongestFirst(costs(nil))); !reflect.DeepEqual(again, got) {
			t.Fatalf("order changed: %v vs %v", again, got)
		}
	}
	// The store says Kmeans is 100× slower than modelled here and GWNTF as
	// modelled: measured seconds win, and the unmeasured NMF is scaled by
	// the geometric mean of measured/model, √100.
	sh := shapes["synthetic"]
	km := ModelSeconds("Kmeans", p.Runs[0].Method.Params, sh)
	gw := ModelSeconds("GWNTF", p.Runs[6].Method.Params, sh)
	measured := map[results.TimingKey]results.Timing{
		{Dataset: "synthetic", Method: "Kmeans", Label: "Kmeans"}: {Runs: 3, FitSeconds: 0, KmSeconds: 100 * km},
		{Dataset: "synthetic", Method: "GWNTF", Label: "GWNTF"}:   {Runs: 2, FitSeconds: 0.9 * gw, KmSeconds: 0.1 * gw},
	}
	est := Estimates(p.Runs, measured, shapes)
	if !est[0].Measured || est[0].Seconds != 100*km || est[3].Measured || !est[6].Measured {
		t.Fatalf("estimates %+v", est)
	}
	nmf := ModelSeconds("NMF", p.Runs[3].Method.Params, sh)
	if want := math.Sqrt(100) * nmf; math.Abs(est[3].Seconds-want) > 1e-9*want {
		t.Errorf("NMF estimate %g, want the model ×√100 (calibrated) = %g", est[3].Seconds, want)
	}
	// With every row measured, the measured seconds alone decide the order.
	measured[results.TimingKey{Dataset: "synthetic", Method: "Kmeans", Label: "Kmeans"}] = results.Timing{Runs: 3, KmSeconds: 300}
	measured[results.TimingKey{Dataset: "synthetic", Method: "GWNTF", Label: "GWNTF"}] = results.Timing{Runs: 3, FitSeconds: 200}
	measured[results.TimingKey{Dataset: "synthetic", Method: "NMF", Label: "NMF"}] = results.Timing{Runs: 3, FitSeconds: 100}
	got = label(LongestFirst(costs(measured)))
	if w := []string{"Kmeans 0", "Kmeans 1", "Kmeans 2", "GWNTF 0", "GWNTF 1", "GWNTF 2", "NMF 0", "NMF 1", "NMF 2"}; !reflect.DeepEqual(got, w) {
		t.Errorf("order with measured times %v, want %v", got, w)
	}
	if got := LongestFirst([]float64{1, 3, 3, 2, 3}); !reflect.DeepEqual(got, []int{1, 2, 4, 3, 0}) {
		t.Errorf("ties: %v", got)
	}
}

// storedState is everything stored of a run that is not a timing or a row id.
type storedState struct {
	Run     results.Run
	Trace   []float64
	Factors []results.Factor
}

func snapshot(t *testing.T, st *results.Store) map[string]storedState {
	t.Helper()
	ctx := context.Background()
	out := map[string]storedState{}
	for h, r := range byHash(t, st) {
		obj, _, err := st.Trace(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := st.Factors(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		r.ID, r.FitSeconds, r.KmSeconds = 0, 0, 0
		r.Provenance.Started, r.Provenance.Finished = time.Time{}, time.Time{}
		out[h] = storedState{r, obj, fs}
	}
	return out
}

// TestScheduledOrderSameResults: the plan executed in spec order and in
// longest-first order stores identical values (timings aside), and the
// scheduled execution really starts with the heaviest method.
func TestScheduledOrderSameResults(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	p := plan(t, namedSpec, namedRegistry(&mu, &calls))
	got := map[bool]map[string]storedState{}
	for _, planOrder := range []bool{true, false} {
		calls = nil
		st := openStore(t)
		var log bytes.Buffer
		sum, err := Execute(context.Background(), p, Options{Workers: 1, Store: st, Data: synthSource{}, PlanOrder: planOrder, Log: &log})
		if err != nil || sum.OK != len(p.Runs) {
			t.Fatalf("plan order %v: %+v %v", planOrder, sum, err)
		}
		first := "Kmeans"
		if !planOrder {
			first = "GWNTF"
			if !strings.Contains(log.String(), "order: longest first") || !strings.Contains(log.String(), "9 from the cost model") {
				t.Errorf("log lacks the schedule line:\n%s", log.String())
			}
		}
		if calls[0] != first || calls[len(calls)-1] == first {
			t.Errorf("plan order %v: executed %v", planOrder, calls)
		}
		got[planOrder] = snapshot(t, st)
	}
	if len(got[true]) != len(p.Runs) || !reflect.DeepEqual(got[true], got[false]) {
		for h, a := range got[true] {
			if b := got[false][h]; !reflect.DeepEqual(a, b) {
				t.Fatalf("run %s differs:\n%+v\n%+v", h, a, b)
			}
		}
		t.Fatal("stored runs differ between plan order and scheduled order")
	}
}

// TestEstimatorETA: the ETA is weighted by expected cost, not by run count.
func TestEstimatorETA(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	e := newEstimator([]float64{4, 2, 2}, 2, t0)
	if got := e.eta(t0); got != 4*time.Second {
		t.Errorf("initial ETA %v, want 4s (8 s of work on 2 workers, longest job 4 s)", got)
	}
	e.begin(0, t0)
	e.begin(1, t0)
	if got := e.eta(at(1)); got != 3*time.Second {
		t.Errorf("ETA after 1 s %v, want 3s", got)
	}
	e.finish(1)
	e.begin(2, at(2))
	// One run of three done: a count-based ETA says 4 s; by cost, 2 s are left.
	if got := e.eta(at(2)); got != 2*time.Second {
		t.Errorf("ETA after the short run %v, want 2s", got)
	}
	// Slower than expected: at 6 s nothing more finished, the running jobs
	// are credited at most their expected cost, so throughput drops to 8/6
	// and the ETA stays positive.
	if got := e.eta(at(6)); got <= 0 {
		t.Errorf("ETA of an overdue pool %v, want > 0", got)
	}
	e.finish(0)
	e.finish(2)
	if got := e.eta(at(6)); got != 0 {
		t.Errorf("ETA when done %v", got)
	}
}

// TestSimulateLongestFirst: the list-schedule makespan.
func TestSimulateLongestFirst(t *testing.T) {
	cases := []struct {
		d       []float64
		workers int
		want    float64
	}{
		{[]float64{3, 2, 2}, 2, 4},
		{[]float64{2, 3, 2}, 2, 4},
		{[]float64{1, 1, 1, 1}, 2, 2},
		{[]float64{5, 1, 1, 1}, 3, 5},
		{[]float64{3, 2, 2}, 1, 7},
		{[]float64{3, 3, 2, 2, 2}, 2, 7}, // LPT is not always optimal (6 is): the simulation follows the rule
		{nil, 2, 0},
	}
	for _, c := range cases {
		if got := SimulateLongestFirst(c.d, c.workers); got != c.want {
			t.Errorf("SimulateLongestFirst(%v, %d) = %v, want %v", c.d, c.workers, got, c.want)
		}
	}
}

// TestProgressShowsFitPlusKMeans: the log line reports fit + k-means.
func TestProgressShowsFitPlusKMeans(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false, []float64{1, 1}, 1)
	p.begin(0, "D Kmeans rep 0")
	p.done(0, &results.Run{Dataset: "D", Label: "Kmeans", Status: results.StatusOK, FitSeconds: 0.01, KmSeconds: 0.5}, nil)
	p.finish()
	if !strings.Contains(b.String(), "(0.51s: fit 0.01s + k-means 0.50s") {
		t.Errorf("progress line %q", b.String())
	}
	var term bytes.Buffer
	p = newProgress(&term, true, []float64{1, 1}, 2)
	p.begin(0, "D NMF rep 0")
	p.begin(1, "D NMF rep 1")
	p.mu.Lock()
	p.redraw()
	p.mu.Unlock()
	p.done(0, &results.Run{Dataset: "D", Label: "NMF", Status: results.StatusOK, FitSeconds: 1, KmSeconds: 0.25}, nil)
	p.finish()
	s := term.String()
	if !strings.Contains(s, "running: D NMF rep 0") || !strings.Contains(s, "D NMF rep 1") || !strings.Contains(s, "last: D NMF rep 0 1.2s") {
		t.Errorf("terminal line %q", s)
	}
}
