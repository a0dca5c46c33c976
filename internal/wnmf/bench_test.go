package wnmf

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// benchDual builds a problem of the given grid size with smooth random
// histograms and a dual point of spread comparable to a solved subproblem.
func benchDual(b *testing.B, h, w, n, k int, eps float64, dense bool) (*Dual, *mat.Dense, *mat.Dense, *mat.Dense) {
	rng := rand.New(rand.NewPCG(11, 12))
	m := h * w
	x := randHist(m, n, 0.5, rng)
	var kern *Kernel
	var err error
	if dense {
		c, _ := GridCost(h, w)
		kern, err = NewDenseKernel(c, eps)
	} else {
		kern, err = NewGridKernel(h, w, eps)
	}
	if err != nil {
		b.Fatal(err)
	}
	d, err := NewDual(x, kern)
	if err != nil {
		b.Fatal(err)
	}
	g := randNormal(m, n, 0.05, rng)
	d.ensureRank(k)
	return d, g, randSimplexCols(m, k, rng), randSimplexCols(k, n, rng)
}

// BenchmarkDual times one objective+gradient evaluation of the weights (2)
// and dictionary (3) duals on the MNIST example's size (14 × 14 grid,
// n = 256, k = 25, ε = 0.0025) and on COIL20's (32 × 32, n = 1440, k = 20).
func BenchmarkDual(b *testing.B) {
	for _, bc := range []struct {
		name     string
		h, w, n  int
		k        int
		eps, rho float64
		dense    bool
	}{
		{"mnist196x256k25/grid", 14, 14, 256, 25, 0.0025, 0.005, false},
		{"mnist196x256k25/dense", 14, 14, 256, 25, 0.0025, 0.005, true},
		{"coil1024x1440k20/grid", 32, 32, 1440, 20, 0.025, 0.05, false},
	} {
		d, g, dict, lam := benchDual(b, bc.h, bc.w, bc.n, bc.k, bc.eps, bc.dense)
		grad := mat.NewDense(bc.h*bc.w, bc.n, nil)
		for _, which := range []string{"weights", "dict"} {
			b.Run(fmt.Sprintf("%s/%s", bc.name, which), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if which == "weights" {
						d.weights(grad, g, dict, bc.rho)
					} else {
						d.dict(grad, g, lam, bc.rho)
					}
				}
			})
		}
	}
}

// BenchmarkKernelApply times one batched product K·A on the MNIST size.
func BenchmarkKernelApply(b *testing.B) {
	for _, dense := range []bool{false, true} {
		d, _, _, _ := benchDual(b, 14, 14, 256, 25, 0.0025, dense)
		b.Run(fmt.Sprintf("dense=%v", dense), func(b *testing.B) {
			for b.Loop() {
				d.kern.apply(d.s, d.e, d.n, false, d.tmp)
			}
		})
	}
}
