package metrics_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

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
	fmt.Printf("ACC %.3f  purity %.3f  NMI(sqrt) %.3f\n", s.ACC, s.Purity, s.NMIGeometric)

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

func ExampleAssign() {
	// Three workers, two jobs: the cheapest way to staff both jobs.
	cost := mat.NewDense(3, 2, []float64{
		4, 1,
		2, 0,
		3, 5,
	})
	rowToCol, total, err := metrics.Assign(cost)
	fmt.Println(rowToCol, total, err)
	// Output:
	// [1 0 -1] 3 <nil>
}
