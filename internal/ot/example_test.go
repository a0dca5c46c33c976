package ot_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/ot"
)

// Two 2 × 2 images (columns, pixel (r, c) at index c·2 + r) are transported
// onto two others under the Manhattan grid cost with KL-relaxed marginals,
// the problem SDNMF solves for every sample: K = exp(−λC − 1), exponent
// γλ/(1 + γλ).
func ExampleScaling() {
	const lambda, gamma = 10, 1
	k, err := ot.NewGrid(ot.GridCost{H: 2, W: 2, P: 1}, lambda, 1)
	if err != nil {
		panic(err)
	}
	a := mat.NewDense(4, 2, []float64{
		1, 0, // pixel (0,0) of images 1 and 2
		0, 0, // pixel (1,0)
		0, 1, // pixel (0,1)
		0, 0, // pixel (1,1)
	})
	b := mat.NewDense(4, 2, []float64{
		0, 0,
		1, 0,
		0, 0,
		0, 1,
	})
	g := ot.Exponent(gamma, lambda)
	s, err := ot.NewScaling(k, a, b, ot.Options{Phi: g, Psi: g})
	if err != nil {
		panic(err)
	}
	iters, converged, err := s.Iterate(context.Background(), 1000, 1e-12)
	if err != nil {
		panic(err)
	}
	// Image 1 moves its unit mass one pixel down (cost C = 1). With single
	// bins the fixed point is explicit: the plan carries
	// exp(−(λC + 1)/(1 + 2γλ)) = e^(−11/21) ≈ 0.5923.
	plan := s.Plan(0)
	fmt.Printf("converged %v after %d iterations\n", converged, iters)
	fmt.Printf("mass moved 0→1: %.4f, transported in total: %.4f\n", plan.At(0, 1), mat.Sum(plan))
	// Output:
	// converged true after 144 iterations
	// mass moved 0→1: 0.5923, transported in total: 0.5923
}
