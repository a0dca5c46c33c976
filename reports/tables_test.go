package reports

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nmfbench/metrics"
	"nmfbench/results"
)

func buildTest(t *testing.T, opt Options) *Report {
	t.Helper()
	s := newTestStore(t)
	if opt.Now == nil {
		opt.Now = func() time.Time { return time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC) }
	}
	rep, err := Build(context.Background(), s, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func tableOf(t *testing.T, rep *Report, ds string) Table {
	t.Helper()
	for _, tb := range rep.Tables {
		if tb.Dataset == ds {
			return tb
		}
	}
	t.Fatalf("no table for %s", ds)
	return Table{}
}

func rowOf(t *testing.T, tb Table, label string) Row {
	t.Helper()
	for _, r := range tb.Rows {
		if r.Label == label {
			return r
		}
	}
	t.Fatalf("table %s has no row %q", tb.Title, label)
	return Row{}
}

// naiveMeanStd is the textbook mean and n−1 standard deviation.
func naiveMeanStd(v []float64) (float64, float64) {
	s := 0.0
	for _, x := range v {
		s += x
	}
	m := s / float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return m, math.Sqrt(ss / float64(len(v)-1))
}

func TestBuildTables(t *testing.T) {
	rep := buildTest(t, Options{})
	if len(rep.Tables) != 2 || rep.Tables[0].Dataset != "COIL20" || rep.Tables[1].Dataset != "toy" {
		t.Fatalf("tables: %+v", rep.Tables)
	}
	coil := tableOf(t, rep, "COIL20")
	var labels []string
	for _, r := range coil.Rows {
		labels = append(labels, r.Label)
	}
	if got, want := strings.Join(labels, ","), "Kmeans,NMF,NMF (KL),SDNMF,GWNTF"; got != want {
		t.Errorf("row order %s, want %s (spec order, sweep points split off)", got, want)
	}
	cols := metrics.PaperMapping()
	for _, label := range []string{"Kmeans", "NMF", "GWNTF"} {
		row := rowOf(t, coil, label)
		for j, c := range cols {
			var vals []float64
			for rp := 0; rp < testReps; rp++ {
				if label == "NMF" && rp == 3 {
					continue
				}
				if v, ok := testScore(label, rp)[c.Field]; ok {
					vals = append(vals, v)
				}
			}
			cell := row.Cells[j]
			if len(vals) == 0 {
				if !math.IsNaN(cell.Mean) || !math.IsNaN(cell.Std) || cell.N != 0 {
					t.Errorf("%s %s: missing scores give mean %v std %v n %d, want NaN, NaN, 0", label, c.Name, cell.Mean, cell.Std, cell.N)
				}
				continue
			}
			m, sd := naiveMeanStd(vals)
			if math.Abs(cell.Mean-m) > 1e-14 || math.Abs(cell.Std-sd) > 1e-14 || cell.N != len(vals) {
				t.Errorf("%s %s: mean %v std %v n %d, want %v %v %d", label, c.Name, cell.Mean, cell.Std, cell.N, m, sd, len(vals))
			}
		}
	}
	nmf := rowOf(t, coil, "NMF")
	if nmf.OK != 7 || nmf.Failed != 1 || len(nmf.Reps) != 7 || nmf.Reps[3] != 4 {
		t.Errorf("NMF: ok %d failed %d reps %v; want 7, 1, rep 3 missing", nmf.OK, nmf.Failed, nmf.Reps)
	}
	if sd := rowOf(t, coil, "SDNMF"); sd.OK != 0 || sd.Failed != 2 || !math.IsNaN(sd.Cells[0].Mean) || !math.IsNaN(sd.FitSec) {
		t.Errorf("SDNMF (only failed runs): %+v", sd)
	}
	if got := nmf.Cells[0].Paper; got != 0.5792 {
		t.Errorf("NMF ACC paper value %v, want 0.5792", got)
	}
	if got := rowOf(t, coil, "NMF (KL)").Cells[0].Paper; !math.IsNaN(got) {
		t.Errorf("NMF (KL) has no published value, got %v", got)
	}
	if want := "GWNTF paper, Table 1"; coil.Source != want {
		t.Errorf("source %q, want %q", coil.Source, want)
	}
	// Failures: one line per label and message.
	if got, want := strings.Join(coil.Errors, "|"), "NMF: diverged|SDNMF: not built"; got != want {
		t.Errorf("errors %q, want %q", got, want)
	}
	// Best per column, recomputed from the means as printed: GWNTF has the
	// highest ACC, MI and Purity; NMF's NMI (7 runs) edges out GWNTF's.
	bestOf := map[string]string{"ACC": "GWNTF", "NMI": "NMF", "MI": "GWNTF", "Purity": "GWNTF"}
	for j, c := range cols {
		top, arg := "", ""
		for _, r := range coil.Rows {
			if v := r.Cells[j].Mean; !math.IsNaN(v) && fmt.Sprintf("%06.2f", 100*v) > top {
				top, arg = fmt.Sprintf("%06.2f", 100*v), r.Label
			}
		}
		if arg != bestOf[c.Name] {
			t.Fatalf("test data: best %s is %s, expected %s", c.Name, arg, bestOf[c.Name])
		}
		for _, r := range coil.Rows {
			if want := r.Label == arg; r.Cells[j].Best != want {
				t.Errorf("%s %s: best = %v, want %v", r.Label, c.Name, r.Cells[j].Best, want)
			}
		}
	}
	// The sweep table: the three λ points in numeric order.
	if len(rep.Sweeps) != 1 {
		t.Fatalf("%d sweep tables, want 1", len(rep.Sweeps))
	}
	sw := rep.Sweeps[0]
	if sw.Sweep.Base != "GNMF" || sw.Sweep.Param != "lambda" || sw.Dataset != "COIL20" || len(sw.Rows) != 3 {
		t.Fatalf("sweep table %+v", sw)
	}
	for i, want := range []float64{0.1, 10, 1000} {
		if p := sw.Rows[i].Sweep; p.X != want || !p.Numeric {
			t.Errorf("sweep point %d: %+v, want %v", i, p, want)
		}
	}
	if !sw.Rows[2].Cells[0].Best || sw.Rows[0].Cells[0].Best {
		t.Errorf("best ACC of the sweep should be λ = 1000")
	}
	if sw.Reference != "" {
		t.Errorf("sweep tables carry no tests, got reference %q", sw.Reference)
	}
}

func TestBestTiesCompareDisplayedValues(t *testing.T) {
	tb := Table{Columns: metrics.Mapping{{Name: "ACC", Field: "acc"}, {Name: "MI", Field: "mi_bits"}}, Rows: []Row{
		{Label: "a", Cells: []Cell{{Mean: 0.12344}, {Mean: 1.234}}},
		{Label: "b", Cells: []Cell{{Mean: 0.12341}, {Mean: 1.2349}}},
		{Label: "c", Cells: []Cell{{Mean: math.NaN()}, {Mean: 1.2351}}},
	}}
	markBest(&tb)
	want := [][]bool{{true, false}, {true, false}, {false, true}}
	for i, r := range tb.Rows {
		for j := range r.Cells {
			if r.Cells[j].Best != want[i][j] {
				t.Errorf("row %s column %d: best %v, want %v", r.Label, j, r.Cells[j].Best, want[i][j])
			}
		}
	}
}

func TestSweepPoint(t *testing.T) {
	for _, tc := range []struct {
		run  results.Run
		want *SweepPoint
	}{
		{results.Run{Label: "GNMF[graph_weight=10]", SweepParam: "graph_weight", SweepValue: "10"}, &SweepPoint{Base: "GNMF", Param: "graph_weight", Value: "10", X: 10, Numeric: true}},
		{results.Run{Label: "GWNTF (mm)[graph_weight=1e4]", SweepParam: "graph_weight", SweepValue: "1e4"}, &SweepPoint{Base: "GWNTF (mm)", Param: "graph_weight", Value: "1e4", X: 1e4, Numeric: true}},
		{results.Run{Label: "NMF[loss=kl]", SweepParam: "loss", SweepValue: "kl"}, &SweepPoint{Base: "NMF", Param: "loss", Value: "kl"}},
		{results.Run{Label: "NMF[loss=kl]"}, nil}, // brackets in a label are not a sweep
		{results.Run{Label: "GNMF[p=inf]", SweepParam: "p", SweepValue: "inf"}, &SweepPoint{Base: "GNMF", Param: "p", Value: "inf"}}, // not a finite number
	} {
		got := sweepPoint(tc.run)
		if (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
			t.Errorf("sweepPoint(%+v) = %+v, want %+v", tc.run, got, tc.want)
		}
	}
}

func TestMeanStd(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		v         []float64
		mean, std float64
		n         int
	}{
		{nil, nan, nan, 0},
		{[]float64{nan}, nan, nan, 0},
		{[]float64{0.5}, 0.5, nan, 1},
		{[]float64{1, nan, 3}, 2, math.Sqrt2, 2},
		{[]float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, math.Sqrt(32.0 / 7), 8},
	} {
		m, s, n := meanStd(tc.v)
		same := func(a, b float64) bool { return (math.IsNaN(a) && math.IsNaN(b)) || math.Abs(a-b) < 1e-15 }
		if !same(m, tc.mean) || !same(s, tc.std) || n != tc.n {
			t.Errorf("meanStd(%v) = %v, %v, %d; want %v, %v, %d", tc.v, m, s, n, tc.mean, tc.std, tc.n)
		}
	}
}

func TestBuildEmptyStoreFails(t *testing.T) {
	empty := newEmptyStore(t)
	if _, err := Build(context.Background(), empty, Options{}); err == nil || !strings.Contains(err.Error(), "holds no runs") {
		t.Errorf("empty store: err = %v, want a 'holds no runs' error", err)
	}
}

// TestSupersededRuns: when a label was re-run with another configuration,
// only the latest run of each repetition counts, and the table says so.
func TestSupersededRuns(t *testing.T) {
	ctx := context.Background()
	st, err := results.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	save := func(hash string, rep int, acc float64, finished time.Time) {
		r := &results.Run{ConfigHash: hash, SpecName: "s", SpecHash: "h", Dataset: "D", Method: "M", Label: "M",
			Params: "{}", Rep: rep, Status: results.StatusOK, Metrics: map[string]float64{"acc": acc},
			Objective: math.NaN(), Provenance: results.Provenance{Started: finished, Finished: finished}}
		if err := st.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	save("old0", 0, 0.1, base)
	save("old1", 1, 0.1, base)
	save("new0", 0, 0.5, base.Add(time.Hour))
	save("new1", 1, 0.7, base.Add(time.Hour))
	rep, err := Build(ctx, st, Options{Columns: metrics.Mapping{{Name: "ACC", Field: "acc"}}})
	if err != nil {
		t.Fatal(err)
	}
	tab := rep.Tables[0]
	if len(tab.Rows) != 1 || tab.Rows[0].OK != 2 || math.Abs(tab.Rows[0].Cells[0].Mean-0.6) > 1e-12 {
		t.Fatalf("rows %+v: want one row of the 2 newest runs, mean 0.6", tab.Rows)
	}
	if len(tab.Notes) != 1 || !strings.Contains(tab.Notes[0], "M: 2 older run(s)") {
		t.Fatalf("notes %q", tab.Notes)
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, tab); err != nil || !strings.Contains(b.String(), "Notes:") {
		t.Fatalf("markdown lacks the note: %v\n%s", err, b.String())
	}
}
