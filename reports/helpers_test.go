package reports

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"nmfbench/results"
)

// The synthetic results database of the tests. Every score is a closed-form
// function of (label, rep), so expected means, deviations and test results
// can be recomputed naively in the tests.
const testReps = 8

var testOrder = []string{"Kmeans", "NMF", "NMF (KL)", "SDNMF", "GNMF[lambda=0.1]", "GNMF[lambda=10]", "GNMF[lambda=1000]", "GWNTF"}

// testScore returns the metrics of a COIL20 run (NaN: not stored).
func testScore(label string, rep int) map[string]float64 {
	r := float64(rep)
	sign := 1.0
	if rep%2 == 1 {
		sign = -1
	}
	gwntfNMI := 0.88 + 0.002*r
	m := map[string]float64{}
	switch label {
	case "Kmeans":
		m["acc"], m["nmi_geometric"], m["nmi_max"], m["purity"] = 0.50+0.011*r, 0.70+0.005*r, 0.68+0.004*r, 0.55+0.003*r
	case "NMF":
		// ACC: below GWNTF at every rep; NMI: around GWNTF's with
		// alternating signs; purity missing.
		m["acc"], m["nmi_geometric"], m["nmi_max"] = 0.60+0.013*r, gwntfNMI+sign*0.001*(r+1), 0.69+0.002*r
	case "NMF (KL)":
		m["acc"], m["nmi_geometric"], m["nmi_max"], m["purity"] = 0.58+0.002*r, 0.71+0.001*r, 0.70, 0.60
	case "GWNTF":
		m["acc"], m["nmi_geometric"], m["nmi_max"], m["purity"] = 0.80+0.01*r, gwntfNMI, 0.86+0.001*r, 0.82-0.001*r
	default: // GNMF sweep points: ACC grows with log λ
		sp := sweepPoint(labelled(label))
		x := math.Log10(sp.X)
		m["acc"], m["nmi_geometric"], m["nmi_max"], m["purity"] = 0.70+0.01*x+0.001*r, 0.85+0.002*x, 0.84, 0.75
	}
	return m
}

// testTrace is a decreasing objective of 20+rep iterations.
func testTrace(rep int) (obj, secs []float64) {
	for i := 0; i < 20+rep; i++ {
		obj = append(obj, 100/float64(i+1)+1+0.1*float64(rep))
		secs = append(secs, 0.01*float64(i)*(1+0.1*float64(rep)))
	}
	return obj, secs
}

// newTestStore writes the synthetic database: COIL20 with every label of
// testOrder (NMF rep 3 failed, SDNMF only failed runs, a λ sweep of GNMF,
// factors of rep 0, traces for the factorizations) and a small "toy"
// dataset (6 × 6 images, 3 reps, no published values).
func newTestStore(t testing.TB) *results.Store {
	t.Helper()
	ctx := context.Background()
	s, err := results.Open(filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	start := time.Date(2024, 1, 4, 10, 0, 0, 0, time.UTC)
	prov := func(rep int) results.Provenance {
		return results.Provenance{GitRevision: "abc123", GoVersion: "go1.26", BLAS: "gonum (pure Go)", Host: "testhost",
			Started: start.Add(time.Duration(rep) * time.Minute), Finished: start.Add(time.Duration(rep)*time.Minute + 30*time.Second)}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.SaveSpec(ctx, "aaaaaaaaaaaaaaaaaaaa", "paper", "experiments/paper.yaml", "name: paper"))
	must(s.SaveSpec(ctx, "bbbbbbbbbbbbbbbbbbbb", "unused", "experiments/unused.yaml", "name: unused"))
	_, err = s.SaveMethodOrder(ctx, testOrder)
	must(err)
	must(s.SaveReferences(ctx, []results.Reference{
		{Dataset: "COIL20", Method: "Kmeans", Metric: "ACC", Value: 0.5403, Source: "GWNTF paper, Table 1"},
		{Dataset: "COIL20", Method: "NMF", Metric: "ACC", Value: 0.5792, Source: "GWNTF paper, Table 1"},
		{Dataset: "COIL20", Method: "NMF", Metric: "NMI", Value: 0.7093, Source: "GWNTF paper, Table 1"},
		{Dataset: "COIL20", Method: "GWNTF", Metric: "ACC", Value: 0.7823, Source: "GWNTF paper, Table 1"},
		{Dataset: "COIL20", Method: "GWNTF", Metric: "Purity", Value: 0.8267, Source: "GWNTF paper, Table 1"},
	}))
	n := 0
	save := func(r results.Run) {
		t.Helper()
		n++
		r.ConfigHash = fmt.Sprintf("cfg%04d", n)
		r.SpecName, r.SpecHash = "paper", "aaaaaaaaaaaaaaaaaaaa"
		r.Provenance = prov(r.Rep)
		r.Objective = math.NaN()
		if r.Method == "" {
			r.Method = r.Label
		}
		if r.Params == "" {
			r.Params = "{}"
		}
		must(s.Save(ctx, &r))
	}
	for _, label := range testOrder {
		for rep := 0; rep < testReps; rep++ {
			r := results.Run{Dataset: "COIL20", Label: label, Rep: rep, Seed: uint64(1000 + rep), Status: results.StatusOK,
				FitSeconds: 1 + 0.1*float64(rep)}
			switch {
			case label == "SDNMF":
				if rep >= 2 {
					continue
				}
				r.Status, r.Error = results.StatusFailed, "not built"
				save(r)
				continue
			case label == "NMF" && rep == 3:
				r.Status, r.Error = results.StatusFailed, "diverged"
				save(r)
				continue
			}
			if l := labelled(label); l.SweepParam != "" {
				r.Method, r.Params = "GNMF", fmt.Sprintf(`{"lambda":%s,"p":5}`, l.SweepValue)
				r.SweepParam, r.SweepValue = l.SweepParam, l.SweepValue
			}
			r.Metrics = testScore(label, rep)
			if label != "Kmeans" {
				r.Trace, r.TraceSecs = testTrace(rep)
			}
			if rep == 0 {
				r.Factors = testFactors(label)
			}
			save(r)
		}
	}
	for _, label := range []string{"Kmeans", "NMF"} {
		for rep := 0; rep < 3; rep++ {
			r := results.Run{Dataset: "toy", Label: label, Rep: rep, Seed: uint64(rep), Status: results.StatusOK, FitSeconds: 0.5,
				Metrics: map[string]float64{"acc": 0.5 + 0.1*float64(rep), "nmi_geometric": 0.4, "nmi_max": 0.3, "purity": 0.6}}
			if label == "NMF" {
				r.Trace, r.TraceSecs = testTrace(rep)
				if rep == 0 {
					r.Factors = []results.Factor{oneHotU(6, 6, [][2]int{{0, 5}, {4, 1}})}
				}
			}
			save(r)
		}
	}
	return s
}

// newEmptyStore opens a database without runs.
func newEmptyStore(t testing.TB) *results.Store {
	t.Helper()
	s, err := results.Open(filepath.Join(t.TempDir(), "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testFactors are the factors stored with rep 0 of a COIL20 label.
func testFactors(label string) []results.Factor {
	switch label {
	case "NMF", "NMF (KL)":
		return []results.Factor{oneHotU(32, 32, [][2]int{{0, 0}, {3, 7}, {31, 2}})}
	case "GWNTF":
		a1 := results.Factor{Name: "A1", Rows: 32, Cols: 2, Data: make([]float64, 64)}
		a2 := results.Factor{Name: "A2", Rows: 32, Cols: 2, Data: make([]float64, 64)}
		a1.Data[5*2+0], a2.Data[9*2+0] = 1, 2  // component 0: pixel (5, 9)
		a1.Data[20*2+1], a2.Data[1*2+1] = 3, 1 // component 1: pixel (20, 1)
		return []results.Factor{a1, a2, {Name: "A3", Rows: 4, Cols: 2, Data: make([]float64, 8)}}
	}
	return nil
}

// oneHotU returns a d × r basis "U" (d = h·w, column-major pixels) whose
// column k is 1 at pixel (row, col) = at[k] and 0 elsewhere.
func oneHotU(h, w int, at [][2]int) results.Factor {
	f := results.Factor{Name: "U", Rows: h * w, Cols: len(at), Data: make([]float64, h*w*len(at))}
	for k, p := range at {
		f.Data[(p[1]*h+p[0])*f.Cols+k] = 1
	}
	return f
}

// testSweepLabel matches the labels spec.Expand gives sweep points.
var testSweepLabel = regexp.MustCompile(`^(.+)\[([^=\[\]]+)=([^\[\]]*)\]$`)

// labelled returns a run labelled label, with the sweep parameter and value
// that spec.Expand records for a label of the form "Base[param=value]".
func labelled(label string) results.Run {
	r := results.Run{Label: label}
	if m := testSweepLabel.FindStringSubmatch(label); m != nil {
		r.SweepParam, r.SweepValue = m[2], m[3]
	}
	return r
}
