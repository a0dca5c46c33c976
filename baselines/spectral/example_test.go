package spectral_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"nmfbench/baselines/spectral"
	"nmfbench/internal/graph"
)

// Two triangles joined by nothing: the two leading eigenvectors separate
// them, and after the row normalisation every vertex of a triangle has the
// same row, orthogonal to the other triangle's.
func ExampleEmbedding() {
	w := mat.NewDense(6, 6, nil)
	for _, e := range [][2]int{{0, 1}, {1, 2}, {0, 2}, {3, 4}, {4, 5}, {3, 5}} {
		w.Set(e[0], e[1], 1)
		w.Set(e[1], e[0], 1)
	}
	g, _ := graph.FromDense(w)
	e, _ := spectral.Embedding(g, 2)
	for i := 0; i < 6; i++ {
		r := e.RawRowView(i)
		fmt.Printf("vertex %d: same as vertex 0: %v\n", i, abs(r[0]*e.At(0, 0)+r[1]*e.At(0, 1)-1) < 1e-12)
	}
	// Output:
	// vertex 0: same as vertex 0: true
	// vertex 1: same as vertex 0: true
	// vertex 2: same as vertex 0: true
	// vertex 3: same as vertex 0: false
	// vertex 4: same as vertex 0: false
	// vertex 5: same as vertex 0: false
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
