package wnmf_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/wnmf"
)

// Factorize histograms on a 1-D grid of 30 bins made of two bumps (near bins
// 8 and 21) with random weights: the two atoms recover the bumps.
func ExampleFactorize() {
	const m, n = 30, 20
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(m, n, nil)
	for l := 0; l < n; l++ {
		a, b := rng.Float64(), rng.Float64()
		var s float64
		for i := 0; i < m; i++ {
			d1, d2 := float64(i-8), float64(i-21)
			v := a*math.Exp(-d1*d1/8) + b*math.Exp(-d2*d2/8)
			x.Set(i, l, v)
			s += v
		}
		for i := 0; i < m; i++ {
			x.Set(i, l, x.At(i, l)/s)
		}
	}
	kern, err := wnmf.NewGridKernel(m, 1, 0.025)
	if err != nil {
		fmt.Println(err)
		return
	}
	opt := wnmf.DefaultOptions()
	opt.Rank = 2
	res, err := wnmf.Factorize(context.Background(), x, kern, opt, rng)
	if err != nil {
		fmt.Println(err)
		return
	}
	var peaks []int
	for j := 0; j < opt.Rank; j++ {
		col := mat.Col(nil, j, res.D)
		best := 0
		for i, v := range col {
			if v > col[best] {
				best = i
			}
		}
		peaks = append(peaks, best)
	}
	sort.Ints(peaks)
	fmt.Println("atom peaks at bins", peaks)
	// Output: atom peaks at bins [8 21]
}
