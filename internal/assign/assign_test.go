package assign

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// bruteAssign returns the minimal total cost over all one-to-one matchings of
// min(r, c) rows and columns.
func bruteAssign(cost *mat.Dense) float64 {
	r, c := cost.Dims()
	if r > c {
		return bruteAssign(mat.DenseCopyOf(cost.T()))
	}
	best := math.Inf(1)
	used := make([]bool, c)
	var rec func(i int, acc float64)
	rec = func(i int, acc float64) {
		if i == r {
			best = math.Min(best, acc)
			return
		}
		for j := 0; j < c; j++ {
			if !used[j] {
				used[j] = true
				rec(i+1, acc+cost.At(i, j))
				used[j] = false
			}
		}
	}
	rec(0, 0)
	return best
}

// TestSolveBruteForce compares Kuhn–Munkres with exhaustive search on random
// square and rectangular matrices, with continuous and with heavily tied
// integer costs, and checks the returned matching is valid.
func TestSolveBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := 0; trial < 400; trial++ {
		r, c := 1+rng.IntN(6), 1+rng.IntN(6)
		cost := mat.NewDense(r, c, nil)
		ints := trial%2 == 1
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				if ints {
					cost.Set(i, j, float64(rng.IntN(4)-2))
				} else {
					cost.Set(i, j, rng.NormFloat64()*10)
				}
			}
		}
		rowToCol, total, err := Solve(cost)
		if err != nil {
			t.Fatal(err)
		}
		if len(rowToCol) != r {
			t.Fatalf("%d×%d: %d rows in assignment", r, c, len(rowToCol))
		}
		seen := map[int]bool{}
		matched := 0
		sum := 0.0
		for i, j := range rowToCol {
			if j < 0 {
				continue
			}
			if j >= c || seen[j] {
				t.Fatalf("%d×%d: invalid assignment %v", r, c, rowToCol)
			}
			seen[j] = true
			matched++
			sum += cost.At(i, j)
		}
		if matched != min(r, c) {
			t.Fatalf("%d×%d: %d pairs matched, want %d", r, c, matched, min(r, c))
		}
		if math.Abs(sum-total) > 1e-12*(1+math.Abs(total)) {
			t.Fatalf("%d×%d: reported total %v, pairs sum to %v", r, c, total, sum)
		}
		if want := bruteAssign(cost); math.Abs(total-want) > 1e-9*(1+math.Abs(want)) {
			t.Fatalf("%d×%d: Kuhn–Munkres total %v, brute force %v\n%v", r, c, total, want, mat.Formatted(cost))
		}
	}
}

func TestSolveRejectsNonFinite(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		cost := mat.NewDense(2, 2, []float64{1, 2, 3, v})
		if _, _, err := Solve(cost); err == nil || !strings.Contains(err.Error(), "(1, 1)") {
			t.Errorf("cost %v: error %v, want one naming entry (1, 1)", v, err)
		}
	}
}
