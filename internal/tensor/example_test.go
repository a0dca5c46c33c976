package tensor_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/tensor"
)

// Example views three 2 × 2 images as a 2 × 2 × 3 tensor without copying,
// fits it with a rank-1 CP model and reads the model's fit.
func Example() {
	// Row i is the column-major 2×2 image i: pixel (r, c) at column c*2 + r.
	x := mat.NewDense(3, 4, []float64{
		1, 2, 3, 6, // image 0 = [1 3; 2 6]
		2, 4, 6, 12, // image 1 = 2 × image 0
		3, 6, 9, 18, // image 2 = 3 × image 0
	})
	t, err := tensor.FromImages(x, 2, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("shape", t.Shape(), "pixel (1,0) of image 2:", t.At(1, 0, 2))

	// The exact rank-1 model: a ∘ b ∘ c with a = (1,2), b = (1,3), c = (1,2,3).
	a := mat.NewDense(2, 1, []float64{1, 2})
	b := mat.NewDense(2, 1, []float64{1, 3})
	c := mat.NewDense(3, 1, []float64{1, 2, 3})
	factors := []*mat.Dense{a, b, c}
	w, _ := tensor.NewWorkspace(t.Shape(), 1)
	var m mat.Dense
	w.MTTKRP(&m, t, factors, 2) // X₍₃₎ (b ⊙ a)
	fmt.Println("mode-3 MTTKRP:", mat.Col(nil, 0, &m))
	fit, _ := tensor.Fit(t, factors)
	fmt.Printf("fit %.6f\n", fit)
	// Output:
	// shape [2 2 3] pixel (1,0) of image 2: 6
	// mode-3 MTTKRP: [50 100 150]
	// fit 1.000000
}
