package export_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"nmfbench/results"
	"nmfbench/results/export"
)

// ExampleExport writes a database holding one run as CSV tables.
func ExampleExport() {
	dir, err := os.MkdirTemp("", "export-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "r.db")
	st, err := results.Open(db)
	if err != nil {
		log.Fatal(err)
	}
	run := results.Run{ConfigHash: "h", Dataset: "D", Method: "NMF", Label: "NMF", Params: "{}", Seed: 1,
		Status: results.StatusOK, Metrics: map[string]float64{"acc": 0.75}, Labels: []int{0, 1, 1},
		Iterations: 1, Trace: []float64{2, 1}, TraceSecs: []float64{0, 0.1},
		Factors: []results.Factor{{Name: "U", Rows: 2, Cols: 1, Data: []float64{0.5, 1}}}}
	if err := st.Save(context.Background(), &run); err != nil {
		log.Fatal(err)
	}
	st.Close()
	m, err := export.Export(context.Background(), db, filepath.Join(dir, "out"), export.CSV)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range m.Tables {
		fmt.Println(t.File, t.Rows)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "out", "labels.csv"))
	fmt.Print(string(b))
	// Output:
	// runs.csv 1
	// labels.csv 3
	// scores.csv 1
	// run_labels.csv 1
	// traces.csv 2
	// factors.csv 1
	// factor_values.csv 2
	// specs.csv 0
	// reference_values.csv 0
	// method_order.csv 0
	// datasets.csv 0
	// run_id,sample,cluster
	// 1,0,0
	// 1,1,1
	// 1,2,1
}
