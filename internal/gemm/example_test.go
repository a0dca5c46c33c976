package gemm_test

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/gemm"
)

// Implementation adds the built-in DGEMM to another BLAS (where the CPU has
// AVX-512F; elsewhere it delegates); blasbackend installs it like this.
func ExampleImplementation() {
	prev := blas64.Implementation()
	defer blas64.Use(prev)
	blas64.Use(gemm.Implementation{Float64: gonum.Implementation{}})

	a := mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})
	b := mat.NewDense(3, 2, []float64{7, 8, 9, 10, 11, 12})
	var c mat.Dense
	c.Mul(a, b) // gonum's Mul calls blas64's Dgemm
	fmt.Println(mat.Formatted(&c))
	// Output:
	// ⎡ 58   64⎤
	// ⎣139  154⎦
}

// Dgemm reports whether it computed the product (false: not available here,
// or arguments out of range, which the caller's BLAS then reports).
func ExampleDgemm() {
	c := make([]float64, 4)
	ok := gemm.Dgemm(blas.NoTrans, blas.Trans, 2, 2, 2, 1, []float64{1, 2, 3, 4}, 2, []float64{1, 0, 0, 1}, 2, 0, c, 2)
	if !ok { // no AVX-512 here: the same product with gonum
		gonum.Implementation{}.Dgemm(blas.NoTrans, blas.Trans, 2, 2, 2, 1, []float64{1, 2, 3, 4}, 2, []float64{1, 0, 0, 1}, 2, 0, c, 2)
	}
	fmt.Println(c)
	// Output: [1 2 3 4]
}
