package wilcoxon_test

import (
	"fmt"

	"nmfbench/internal/wilcoxon"
)

func ExampleSignedRank() {
	// R's ?wilcox.test example: depression scores before (x) and after (y).
	x := []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	y := []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
	res, err := wilcoxon.SignedRank(x, y)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("V = %g, T = %g, p = %.5f (exact: %v)\n", res.WPlus, res.Statistic, res.P, res.Exact)
	// Output:
	// V = 40, T = 5, p = 0.03906 (exact: true)
}
