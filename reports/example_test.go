package reports_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"nmfbench/metrics"
	"nmfbench/reports"
	"nmfbench/results"
)

// Build a table from a results database and print it as Markdown: two
// methods, six repetitions each, one column; B is tested against A.
func ExampleBuild() {
	dir, err := os.MkdirTemp("", "reports-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	store, err := results.Open(filepath.Join(dir, "results.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()
	ctx := context.Background()
	acc := map[string][]float64{
		"A": {0.70, 0.72, 0.71, 0.74, 0.69, 0.73},
		"B": {0.65, 0.66, 0.64, 0.66, 0.60, 0.62},
	}
	for _, label := range []string{"A", "B"} {
		for rep, v := range acc[label] {
			run := results.Run{ConfigHash: fmt.Sprintf("%s%d", label, rep), Dataset: "toy", Method: label, Label: label,
				Params: "{}", Rep: rep, Status: results.StatusOK, Objective: math.NaN(), Metrics: map[string]float64{"acc": v}}
			if err := store.Save(ctx, &run); err != nil {
				fmt.Println(err)
				return
			}
		}
	}
	rep, err := reports.Build(ctx, store, reports.Options{
		Columns:         metrics.Mapping{{Name: "ACC", Field: "acc"}},
		ReferenceMethod: "A",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	reports.WriteMarkdown(os.Stdout, rep.Tables[0])
	// Output:
	// ### toy
	//
	// | Method | runs | ACC (%) | s/run |
	// |---|---:|---:|---:|
	// | A | 6 | **71.50 ± 1.87** | 0.00 |
	// | B | 6 | 63.83 ± 2.40 † | 0.00 |
	//
	// Columns: ACC=acc. Mean ± sample standard deviation over the ok runs, in %; bold: best mean of the column; † p < 0.05, ‡ p < 0.01: two-sided Wilcoxon signed-rank test against A, runs paired by repetition index.
	//
	// #### Paired tests against A
	//
	// Per metric: two-sided Wilcoxon signed-rank p-value, then the median paired difference (method − A) and the 95 % confidence interval of the method's mean.
	//
	// | Method | pairs | ACC p | ACC Δmed | ACC 95 % CI |
	// |---|---:|---:|---:|---:|
	// | B | 6 | 0.031 † | -7.50 | [61.31, 66.35] |
	//
	// Resolved parameters (defaults included):
	//
	// - A (A): (none)
	// - B (B): (none)
}
