// Package assign solves the linear assignment problem (Kuhn–Munkres, the
// Hungarian algorithm) for rectangular cost matrices. It is the one
// assignment solver of nmfbench: clustering accuracy (package metrics) and
// the factor match score (package tensor) both use it.
package assign

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Solve solves the linear assignment problem for an r × c cost matrix with
// the Kuhn–Munkres (Hungarian) algorithm: it matches min(r, c) rows to
// distinct columns so that the total cost of the matched pairs is minimal.
// It returns, for each row, its column (-1 for the r − c unmatched rows when
// r > c) and the minimal total cost. Costs must be finite. The running time is
// O(min(r,c)² · max(r,c)).
func Solve(cost mat.Matrix) (rowToCol []int, total float64, err error) {
	r, c := cost.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := cost.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, fmt.Errorf("assign: cost (%d, %d) is %v; costs must be finite", i, j, v)
			}
		}
	}
	rowToCol = SolveFunc(r, c, cost.At)
	for i, j := range rowToCol {
		if j >= 0 {
			total += cost.At(i, j)
		}
	}
	return rowToCol, total, nil
}

// SolveFunc returns the minimal-cost assignment of an r × c cost matrix given
// by its element function at (finite values), as the column of each row (-1
// when unmatched).
func SolveFunc(r, c int, at func(i, j int) float64) []int {
	rowToCol := make([]int, r)
	for i := range rowToCol {
		rowToCol[i] = -1
	}
	if r == 0 || c == 0 {
		return rowToCol
	}
	if r <= c {
		copy(rowToCol, shortestAugmenting(r, c, at))
		return rowToCol
	}
	// More rows than columns: solve the transposed problem, in which every
	// column is matched to a distinct row.
	rowOf := shortestAugmenting(c, r, func(i, j int) float64 { return at(j, i) })
	for j, i := range rowOf {
		rowToCol[i] = j
	}
	return rowToCol
}

// shortestAugmenting is the O(n²m) Kuhn–Munkres algorithm in its
// shortest-augmenting-path form with dual potentials, for n ≤ m. Rows are
// added one at a time; for row i a Dijkstra-like search over the reduced costs
// a(i,j) − u_i − v_j finds the cheapest alternating path to a free column,
// the potentials are shifted by the path lengths (keeping every reduced cost
// nonnegative and the matched ones zero) and the path is flipped. It returns
// the column matched to each row.
func shortestAugmenting(n, m int, a func(i, j int) float64) []int {
	// Index 0 is a sentinel column/row; rows 1..n, columns 1..m.
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	match := make([]int, m+1) // match[j]: row matched to column j, 0 if free
	way := make([]int, m+1)   // way[j]: previous column on the path to j
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		match[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := match[j0]
			delta, j1 := math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := a(i0-1, j-1) - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[match[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if match[j0] == 0 {
				break
			}
		}
		// Flip the augmenting path ending at the free column j0.
		for j0 != 0 {
			j1 := way[j0]
			match[j0] = match[j1]
			j0 = j1
		}
	}
	colOf := make([]int, n)
	for j := 1; j <= m; j++ {
		if match[j] != 0 {
			colOf[match[j]-1] = j - 1
		}
	}
	return colOf
}
