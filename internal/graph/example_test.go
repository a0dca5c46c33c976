package graph_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/graph"
)

// ExampleKNN builds the binary 2-nearest-neighbour graph of five points on a
// line and applies its Laplacian to a vector.
func ExampleKNN() {
	x := mat.NewDense(5, 1, []float64{0, 1, 2, 10, 11})
	g, err := graph.KNN(context.Background(), x, graph.Options{K: 2, Weight: graph.Binary})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 0; i < g.N(); i++ {
		cols, _ := g.Row(i)
		fmt.Println(i, cols)
	}
	fmt.Println("degrees", g.Degrees())

	v := mat.NewDense(5, 1, []float64{1, 1, 1, 1, 1})
	var lv mat.Dense
	g.MulLaplacian(&lv, v) // constant vectors are in the Laplacian's null space
	fmt.Println("L·1 =", mat.Formatted(lv.T()))
	fmt.Println("tr(vᵀLv) =", g.LaplacianQuadratic(x))
	// Output:
	// 0 [1 2]
	// 1 [0 2]
	// 2 [0 1 3 4]
	// 3 [2 4]
	// 4 [2 3]
	// degrees [2 2 4 2 2]
	// L·1 = [0  0  0  0  0]
	// tr(vᵀLv) = 152
}
