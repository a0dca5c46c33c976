// Package rank compares several methods over several data sets by their
// ranks, as Demšar (2006, "Statistical comparisons of classifiers over
// multiple data sets", JMLR 7:1–30) recommends: average ranks, the Friedman
// test with the Iman–Davenport F statistic, and the Nemenyi critical
// difference for all pairwise comparisons.
//
// The contract: scores[i][j] is method j's score on data set i, higher is
// better; rank 1 is the best method of a data set and tied scores share the
// average of their ranks. Every function is pure and returns an error, never
// a NaN, for input it cannot handle (fewer than two methods or data sets,
// ragged rows, non-finite scores).
package rank

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Ranks returns the ranks of values (1 = the largest), ties receiving the
// mean of the ranks they span.
func Ranks(values []float64) []float64 {
	idx := make([]int, len(values))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return values[idx[a]] > values[idx[b]] })
	r := make([]float64, len(values))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && values[idx[j+1]] == values[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for t := i; t <= j; t++ {
			r[idx[t]] = avg
		}
		i = j + 1
	}
	return r
}

// Friedman is the result of FriedmanTest.
type Friedman struct {
	N, K int // data sets (blocks) and methods (treatments)
	// AvgRanks is the average rank of every method over the data sets.
	AvgRanks []float64
	// ChiSq is Friedman's statistic with the correction for ties (the one
	// scipy.stats.friedmanchisquare and R's friedman.test report; without
	// ties it is Demšar's χ²_F), P its upper tail under χ² with K−1 degrees
	// of freedom.
	ChiSq, P float64
	// FF is the Iman–Davenport statistic (N−1)χ²/(N(K−1) − χ²), PF its upper
	// tail under F(K−1, (K−1)(N−1)); Demšar recommends it over ChiSq. FF is
	// +Inf (PF 0) when every data set ranks the methods identically.
	FF, PF   float64
	DF1, DF2 float64 // degrees of freedom of FF
}

// FriedmanTest ranks the methods within every data set of scores (rows:
// data sets, columns: methods; higher is better) and tests the hypothesis
// that all methods are equivalent.
func FriedmanTest(scores [][]float64) (Friedman, error) {
	n := len(scores)
	if n < 2 {
		return Friedman{}, fmt.Errorf("friedman test: %d data set(s); need at least 2", n)
	}
	k := len(scores[0])
	if k < 2 {
		return Friedman{}, fmt.Errorf("friedman test: %d method(s); need at least 2", k)
	}
	sum := make([]float64, k)
	ties := 0.0 // Σ over tie groups of t³ − t
	for i, row := range scores {
		if len(row) != k {
			return Friedman{}, fmt.Errorf("friedman test: data set %d has %d scores, data set 0 has %d", i, len(row), k)
		}
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return Friedman{}, fmt.Errorf("friedman test: data set %d, method %d: score %v is not finite", i, j, v)
			}
		}
		r := Ranks(row)
		count := map[float64]int{}
		for j, x := range r {
			sum[j] += x
			count[x]++
		}
		for _, t := range count {
			ties += float64(t*t*t - t)
		}
	}
	f := Friedman{N: n, K: k, AvgRanks: make([]float64, k)}
	nf, kf := float64(n), float64(k)
	ss := 0.0
	for j, s := range sum {
		f.AvgRanks[j] = s / nf
		ss += s * s
	}
	chi := 12/(nf*kf*(kf+1))*ss - 3*nf*(kf+1)
	c := 1 - ties/(nf*kf*(kf*kf-1))
	if c <= 0 {
		// Every data set ties every method: no evidence of any difference.
		chi, c = 0, 1
	}
	f.ChiSq = chi / c
	f.P = distuv.ChiSquared{K: kf - 1}.Survival(f.ChiSq)
	f.DF1, f.DF2 = kf-1, (kf-1)*(nf-1)
	den := nf*(kf-1) - f.ChiSq
	if den <= 1e-12*nf*kf {
		f.FF, f.PF = math.Inf(1), 0
	} else {
		f.FF = (nf - 1) * f.ChiSq / den
		f.PF = distuv.F{D1: f.DF1, D2: f.DF2}.Survival(f.FF)
	}
	return f, nil
}

// FromAvgRanks returns Friedman's χ²_F (no tie correction) and the
// Iman–Davenport F_F of k methods with the given average ranks over n data
// sets: Demšar's equations for published average ranks.
func FromAvgRanks(avg []float64, n int) (chi, ff float64, err error) {
	k := len(avg)
	if k < 2 || n < 2 {
		return 0, 0, fmt.Errorf("friedman test: %d methods over %d data sets; need at least 2 of each", k, n)
	}
	nf, kf := float64(n), float64(k)
	ss := 0.0
	for _, r := range avg {
		ss += r * r
	}
	chi = 12 * nf / (kf * (kf + 1)) * (ss - kf*(kf+1)*(kf+1)/4)
	ff = (nf - 1) * chi / (nf*(kf-1) - chi)
	return chi, ff, nil
}

// StudentizedRangeCDF returns P(W ≤ w) for the range W of k independent
// standard normal variables (the studentized range with infinite degrees of
// freedom): k ∫ φ(z) (Φ(z) − Φ(z − w))^(k−1) dz, integrated numerically
// (composite Simpson on [−9, 9] with 1200 steps: error below 1e-8 for
// k ≤ 50).
func StudentizedRangeCDF(w float64, k int) float64 {
	if w <= 0 || k < 2 {
		return 0
	}
	const lo, hi, steps = -9.0, 9.0, 1200
	h := (hi - lo) / steps
	f := func(z float64) float64 {
		d := stdNormCDF(z) - stdNormCDF(z-w)
		return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) * math.Pow(d, float64(k-1))
	}
	s := f(lo) + f(hi)
	for i := 1; i < steps; i++ {
		x := lo + float64(i)*h
		if i%2 == 1 {
			s += 4 * f(x)
		} else {
			s += 2 * f(x)
		}
	}
	return math.Min(1, float64(k)*s*h/3)
}

func stdNormCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// CriticalQ returns Demšar's q_α for k methods: the 1−α quantile of the
// studentized range of k normals (infinite degrees of freedom) divided by
// √2 (Demšar 2006, Table 5a: q_0.05 = 2.569 for k = 4), found by bisection
// on StudentizedRangeCDF.
func CriticalQ(k int, alpha float64) (float64, error) {
	if k < 2 {
		return 0, fmt.Errorf("critical value: %d method(s); need at least 2", k)
	}
	if !(alpha > 0 && alpha < 1) {
		return 0, fmt.Errorf("critical value: significance level %v outside (0, 1)", alpha)
	}
	lo, hi := 0.0, 20.0
	for i := 0; i < 100 && hi-lo > 1e-8; i++ {
		mid := (lo + hi) / 2
		if StudentizedRangeCDF(mid, k) < 1-alpha {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2 / math.Sqrt2, nil
}

// NemenyiCD returns the critical difference of the Nemenyi test: two of k
// methods compared over n data sets differ significantly at level alpha when
// their average ranks differ by at least q_α √(k(k+1)/(6n)).
func NemenyiCD(k, n int, alpha float64) (float64, error) {
	if n < 1 {
		return 0, errors.New("critical difference: no data sets")
	}
	q, err := CriticalQ(k, alpha)
	if err != nil {
		return 0, err
	}
	return q * math.Sqrt(float64(k*(k+1))/(6*float64(n))), nil
}

// Cliques returns the maximal groups of methods (indices in order of
// increasing average rank) whose average ranks all lie within cd of each
// other, as drawn by the bars of a critical-difference diagram; groups of a
// single method are left out.
func Cliques(avg []float64, cd float64) [][]int {
	order := make([]int, len(avg))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return avg[order[a]] < avg[order[b]] })
	var out [][]int
	lastEnd := -1
	for i := range order {
		j := i
		for j+1 < len(order) && avg[order[j+1]]-avg[order[i]] < cd {
			j++
		}
		if j > i && j > lastEnd {
			out = append(out, append([]int(nil), order[i:j+1]...))
			lastEnd = j
		}
	}
	return out
}
