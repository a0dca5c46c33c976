package assign_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/assign"
)

func ExampleSolve() {
	// Three workers, two jobs: the cheapest way to staff both jobs.
	cost := mat.NewDense(3, 2, []float64{
		4, 1,
		2, 0,
		3, 5,
	})
	rowToCol, total, err := assign.Solve(cost)
	fmt.Println(rowToCol, total, err)
	// Output:
	// [1 0 -1] 3 <nil>
}
