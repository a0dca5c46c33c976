package metrics_test

import (
	"fmt"

	"nmfbench/metrics"
)

func ExampleEvaluate() {
	truth := []int{1, 1, 1, 2, 2, 2, 3, 3}
	pred := []int{7, 7, 4, 4, 4, 4, 0, 0} // cluster ids are arbitrary
	s, err := metrics.Evaluate(truth, pred)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ACC %.3f  purity %.3f  NMI(sqrt) %.3f\n", s["acc"], s["purity"], s["nmi_geometric"])

	cols := metrics.PaperMapping()
	vals, _ := cols.Values(s)
	for i, name := range cols.Names() {
		fmt.Printf("%s=%.3f ", name, vals[i])
	}
	fmt.Println()
	// Output:
	// ACC 0.875  purity 0.875  NMI(sqrt) 0.755
	// ACC=0.875 NMI=0.755 MI=0.740 Purity=0.875
}
