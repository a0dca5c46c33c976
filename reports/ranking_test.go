package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"nmfbench/internal/rank"
	"nmfbench/metrics"
	"nmfbench/results"
)

// rankingStore holds three datasets: methods A, B, C everywhere (two reps
// each), D only on the first; mean ACC per dataset as in means.
func rankingStore(t *testing.T, datasets []string, means map[string][]float64) *results.Store {
	t.Helper()
	s, err := results.Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ctx := context.Background()
	n := 0
	for label, ms := range means {
		for i, ds := range datasets {
			if i >= len(ms) || math.IsNaN(ms[i]) {
				continue
			}
			for rep, d := range []float64{-0.01, 0.01} {
				n++
				r := results.Run{ConfigHash: fmt.Sprintf("c%d", n), Dataset: ds, Method: label, Label: label, Params: "{}", Rep: rep,
					Status: results.StatusOK, Objective: math.NaN(), Metrics: map[string]float64{"acc": ms[i] + d}}
				if err := s.Save(ctx, &r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return s
}

func TestRanking(t *testing.T) {
	nan := math.NaN()
	ds := []string{"d1", "d2", "d3"}
	means := map[string][]float64{
		"A": {0.9, 0.8, 0.7},
		"B": {0.8, 0.85, 0.6},
		"C": {0.5, 0.4, 0.65},
		"D": {0.95, nan, nan},
	}
	s := rankingStore(t, ds, means)
	rep, err := Build(context.Background(), s, Options{Columns: metrics.Mapping{{Name: "ACC", Field: "acc"}}, ReferenceMethod: NoReference})
	if err != nil {
		t.Fatal(err)
	}
	rk := rep.Ranking
	if rk == nil {
		t.Fatal("no ranking over three datasets")
	}
	if strings.Join(rk.Methods, ",") != "A,B,C" || len(rk.Left) != 1 || !strings.Contains(rk.Left[0], "D (no complete results on d2, d3)") {
		t.Fatalf("methods %v, left %v; want A,B,C and D left out", rk.Methods, rk.Left)
	}
	// Ranks by hand: d1 A1 B2 C3; d2 B1 A2 C3; d3 A1 C2 B3 → averages 4/3, 2, 8/3.
	m := rk.Metrics[0]
	want := []float64{4.0 / 3, 2, 8.0 / 3}
	for k := range want {
		if math.Abs(m.AvgRanks[k]-want[k]) > 1e-12 {
			t.Errorf("average rank of %s = %v, want %v", rk.Methods[k], m.AvgRanks[k], want[k])
		}
	}
	// χ² = 12/(3·3·4)·(4² + 6² + 8²) − 3·3·4 = 116/3 − 36 = 8/3 (no ties).
	if math.Abs(m.Friedman.ChiSq-8.0/3) > 1e-12 {
		t.Errorf("χ² = %v, want 8/3", m.Friedman.ChiSq)
	}
	cd, _ := rank.NemenyiCD(3, 3, RankAlpha)
	if m.CD != cd || len(m.Cliques) != 1 || len(m.Cliques[0]) != 3 {
		t.Errorf("CD %v cliques %v; want %v and one group of all three (1.33 apart < CD)", m.CD, m.Cliques, cd)
	}
	// Files: Markdown, CSV (parsed back), the page and the figure.
	dir := t.TempDir()
	if _, err := Write(context.Background(), s, Options{OutDir: dir, Columns: metrics.Mapping{{Name: "ACC", Field: "acc"}}, ReferenceMethod: NoReference}); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "ranking.md"))
	for _, w := range []string{"### Ranking across 3 datasets (d1, d2, d3)", "| A | 1.33 |", "| C | 2.67 |", "| ACC | 2.667 |", "left out: D"} {
		if !bytes.Contains(md, []byte(w)) {
			t.Errorf("ranking.md lacks %q:\n%s", w, md)
		}
	}
	f, _ := os.Open(filepath.Join(dir, "ranking.csv"))
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(recs) != 1+3*3 {
		t.Fatalf("ranking.csv: %d records, %v", len(recs), err)
	}
	for _, r := range recs[1:] {
		if r[1] == "d3" && r[2] == "B" && r[4] != "3" {
			t.Errorf("B's rank on d3 = %s, want 3", r[4])
		}
		if v, _ := strconv.ParseFloat(r[6], 64); v != m.Friedman.ChiSq {
			t.Errorf("friedman_chi2 %s, want %v", r[6], m.Friedman.ChiSq)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, "ranking.html"))
	index, _ := os.ReadFile(filepath.Join(dir, "index.html"))
	for _, w := range []string{`id="ranking-avg"`, `id="ranking-tests"`, `<img src="data:image/png;base64,`, "Demšar"} {
		if !bytes.Contains(page, []byte(w)) {
			t.Errorf("ranking.html lacks %s", w)
		}
	}
	if !bytes.Contains(index, []byte(`href="ranking.html"`)) || !bytes.Contains(index, []byte(`id="ranking"`)) {
		t.Errorf("index.html does not show or link the ranking")
	}
	if _, err := os.Stat(filepath.Join(dir, "figures", "ranking_cd.pdf")); err != nil {
		t.Errorf("no CD diagram PDF: %v", err)
	}
}

func TestRankingFewDatasets(t *testing.T) {
	s := rankingStore(t, []string{"d1", "d2"}, map[string][]float64{"A": {0.9, 0.8}, "B": {0.8, 0.85}})
	rep, err := Build(context.Background(), s, Options{Columns: metrics.Mapping{{Name: "ACC", Field: "acc"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ranking == nil || len(rep.Ranking.Notes) == 0 || !strings.Contains(rep.Ranking.Notes[0], "Only 2 datasets") {
		t.Errorf("two datasets: ranking %+v; want one with a note", rep.Ranking)
	}
	one := rankingStore(t, []string{"d1"}, map[string][]float64{"A": {0.9}, "B": {0.8}})
	rep, err = Build(context.Background(), one, Options{Columns: metrics.Mapping{{Name: "ACC", Field: "acc"}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Ranking != nil {
		t.Errorf("one dataset: a ranking %+v", rep.Ranking)
	}
}

// TestRunsCSV reads runs.csv back: one line per run with the stored values.
func TestRunsCSV(t *testing.T) {
	s := newTestStore(t)
	rep, err := Build(context.Background(), s, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteRunsCSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	runs, _ := s.Runs(context.Background(), results.Query{})
	if len(recs) != len(runs)+1 {
		t.Fatalf("%d lines, want %d runs + heading", len(recs)-1, len(runs))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	byHash := map[string]results.Run{}
	for _, r := range runs {
		byHash[r.ConfigHash] = r
	}
	failed := 0
	for _, rec := range recs[1:] {
		r, ok := byHash[rec[col["config_hash"]]]
		if !ok {
			t.Fatalf("unknown config hash %q", rec[col["config_hash"]])
		}
		if rec[col["dataset"]] != r.Dataset || rec[col["method"]] != r.Label || rec[col["rep"]] != strconv.Itoa(r.Rep) ||
			rec[col["status"]] != r.Status || rec[col["error"]] != r.Error || rec[col["params"]] != r.Params {
			t.Errorf("run %s: %v", r.ConfigHash, rec)
		}
		if r.Status != results.StatusOK {
			failed++
		}
		for _, name := range rep.Scores {
			v, has := r.Metrics[name]
			got := rec[col[name]]
			if !has {
				if got != "" {
					t.Errorf("run %s %s = %q, want empty", r.ConfigHash, name, got)
				}
				continue
			}
			if x, err := strconv.ParseFloat(got, 64); err != nil || x != v {
				t.Errorf("run %s %s = %q, want %v exactly", r.ConfigHash, name, got, v)
			}
		}
		if x, err := strconv.ParseFloat(rec[col["fit_seconds"]], 64); err != nil || x != r.FitSeconds {
			t.Errorf("run %s fit_seconds %q, want %v", r.ConfigHash, rec[col["fit_seconds"]], r.FitSeconds)
		}
	}
	if failed != 3 {
		t.Errorf("%d failed runs in runs.csv, want 3", failed)
	}
}
