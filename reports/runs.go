package reports

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"

	"nmfbench/results"
)

// RunsHeader is the heading of runs.csv before and after the scores:
// one line per run the tables count, then one column per score name.
var (
	runsHead = []string{"dataset", "method", "method_name", "sweep_param", "sweep_value", "rep", "seed", "status", "error"}
	runsTail = []string{"iterations", "converged", "objective", "fit_seconds", "kmeans_seconds", "config_hash", "params"}
)

// WriteRunsCSV writes every run the report counts, one line each: dataset,
// row label (method), registered method name, sweep parameter and value,
// repetition, seed, status (ok or failed), error text, every score the runs
// have (as stored: fractions in [0, 1], mutual information in bits or nats;
// empty when a run lacks one), iterations, converged (1/0), final
// objective, fit and k-means seconds, configuration hash and resolved
// parameters (JSON). Floats are in Go's shortest round-trip form.
func WriteRunsCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	head := append(append(append([]string(nil), runsHead...), rep.Scores...), runsTail...)
	if err := cw.Write(head); err != nil {
		return err
	}
	for _, r := range rep.Runs {
		if err := cw.Write(runRecord(r, rep.Scores, fullFloat)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func fullFloat(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// runRecord is a run as the fields of runs.csv, floats formatted by f.
func runRecord(r results.Run, scores []string, f func(float64) string) []string {
	rec := []string{csvText(r.Dataset), csvText(r.Label), csvText(r.Method), csvText(r.SweepParam), csvText(r.SweepValue),
		strconv.Itoa(r.Rep), strconv.FormatUint(r.Seed, 10), r.Status, csvText(r.Error)}
	for _, s := range scores {
		v, ok := r.Metrics[s]
		if !ok {
			v = math.NaN()
		}
		rec = append(rec, f(v))
	}
	conv := "0"
	if r.Converged {
		conv = "1"
	}
	iters := ""
	if r.Status == results.StatusOK {
		iters = strconv.Itoa(r.Iterations)
	}
	return append(rec, iters, conv, f(r.Objective), f(r.FitSeconds), f(r.KmSeconds), r.ConfigHash, r.Params)
}
