package vmath_test

import (
	"fmt"

	"nmfbench/internal/ot/vmath"
)

// The fused scaling update of unbalanced Sinkhorn: u = (a ⊘ max(Kv, floor))^φ.
func ExampleDivPow() {
	a := []float64{0.5, 0.25, 0, 1e-300}
	kv := []float64{2, 1e-9, 3, 1e-300}
	u := make([]float64, len(a))
	bad := vmath.DivPow(u, a, kv, 100.0/101, 1e-6)
	fmt.Printf("%.6g\nnon-finite: %d\n", u, bad)
	// Output:
	// [0.253455 221052 0 8.145e-292]
	// non-finite: 0
}

func ExamplePow() {
	x := []float64{4, 1e-300, 0}
	vmath.Pow(x, x, 0.5) // in place
	fmt.Println(x)
	// Output:
	// [2 1e-150 0]
}

// The ratio of a multiplicative update, Ψ ⊘ X̂, where an empty target
// contributes nothing even if the model is 0 there too.
func ExampleQuot() {
	psi := []float64{1, 0, 0.5}
	xhat := []float64{4, 0, 2}
	r := make([]float64, len(psi))
	vmath.Quot(r, psi, xhat)
	fmt.Println(r)
	// Output:
	// [0.25 0 0.25]
}
