package rank_test

import (
	"fmt"

	"nmfbench/internal/rank"
)

// Three methods (columns) scored on four data sets (rows), higher is better.
func ExampleFriedmanTest() {
	f, err := rank.FriedmanTest([][]float64{
		{0.81, 0.75, 0.70},
		{0.64, 0.66, 0.51},
		{0.92, 0.88, 0.85},
		{0.55, 0.49, 0.47},
	})
	if err != nil {
		panic(err)
	}
	cd, _ := rank.NemenyiCD(f.K, f.N, 0.05)
	fmt.Printf("average ranks %.2f\nchi2 %.2f p %.3f\nCD %.2f\n", f.AvgRanks, f.ChiSq, f.P, cd)
	// Output:
	// average ranks [1.25 1.75 3.00]
	// chi2 6.50 p 0.039
	// CD 1.66
}
