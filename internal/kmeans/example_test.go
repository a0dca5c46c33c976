package kmeans_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/kmeans"
)

func ExampleCluster() {
	// Six points on a line forming two obvious groups.
	x := mat.NewDense(6, 1, []float64{0.9, 1.0, 1.1, 9.9, 10.0, 10.1})
	res, err := kmeans.Cluster(context.Background(), x, kmeans.Options{K: 2}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	same := res.Labels[0] == res.Labels[1] && res.Labels[1] == res.Labels[2] &&
		res.Labels[3] == res.Labels[4] && res.Labels[4] == res.Labels[5] && res.Labels[0] != res.Labels[3]
	fmt.Printf("groups separated: %v, inertia %.2f\n", same, res.Inertia)
	// Output:
	// groups separated: true, inertia 0.04
}
