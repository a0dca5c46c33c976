// Package wilcoxon implements the Wilcoxon signed-rank test for paired
// samples, used to say whether one method's scores over repeated runs differ
// from another's.
//
// The test is two-sided. Differences d_i = x_i − y_i equal to zero are dropped
// (Wilcoxon's method, the default) or ranked and then left out of the
// statistic (Pratt's method); the absolute differences are ranked with tied
// values sharing their average rank, and W⁺ (W⁻) is the sum of the ranks of
// the positive (negative) differences. The p-value is exact — from the null
// distribution of W⁺, computed by dynamic programming over rank sums — when
// there are fewer than 50 nonzero differences, no ties and (with Pratt's
// method) no zeros; otherwise it uses the normal approximation with the tie
// correction of the variance and a continuity correction. These are R's
// wilcox.test rules, except that zeros dropped by Wilcoxon's method do not
// prevent the exact test (it is then exact conditionally on the number of
// nonzero differences). See docs/metrics.md.
package wilcoxon

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ExactMaxN is the largest number of nonzero differences for which the
// automatic choice uses the exact null distribution (as R does, n < 50).
const ExactMaxN = 49

// ZeroMethod says what happens to zero differences.
type ZeroMethod int

const (
	// Wilcox drops zero differences before ranking (Wilcoxon 1945).
	Wilcox ZeroMethod = iota
	// Pratt ranks zero differences with the others, then excludes their ranks
	// from W⁺ and W⁻ (Pratt 1959); only the normal approximation is available
	// when there are zeros.
	Pratt
)

// Method selects how the p-value is computed.
type Method int

const (
	// Auto uses the exact distribution when it applies (see the package
	// documentation) and the normal approximation otherwise.
	Auto Method = iota
	// Exact always uses the exact null distribution; it fails when there are
	// ties or (with Pratt's method) zeros.
	Exact
	// Normal always uses the normal approximation.
	Normal
)

// Options configures SignedRankWith; the zero value is SignedRank's default.
type Options struct {
	// Zeros says how zero differences are treated (default Wilcox).
	Zeros ZeroMethod
	// Method selects the exact or normal p-value (default Auto).
	Method Method
	// NoContinuityCorrection disables the ±1/2 continuity correction of the
	// normal approximation (R's correct = FALSE, SciPy's default).
	NoContinuityCorrection bool
}

// Result is the outcome of a signed-rank test.
type Result struct {
	// N is the number of nonzero differences, whose ranks form W⁺ and W⁻.
	N int
	// Zeros is the number of zero differences.
	Zeros int
	// WPlus and WMinus are the rank sums of the positive and negative
	// differences; WPlus is R's statistic V.
	WPlus, WMinus float64
	// Statistic is min(W⁺, W⁻), the T of critical-value tables (SciPy's
	// two-sided statistic).
	Statistic float64
	// Z is the standardized W⁺ of the normal approximation, (W⁺ − μ − c)/σ
	// with the tie-corrected σ and continuity correction c (0 when σ = 0).
	// It is reported even when P is exact.
	Z float64
	// P is the two-sided p-value.
	P float64
	// Exact reports whether P comes from the exact null distribution.
	Exact bool
}

// ErrTies is returned (wrapped) when the exact test is requested for data
// with tied absolute differences or with zeros under Pratt's method.
var ErrTies = errors.New("the exact null distribution assumes no ties or zeros")

// SignedRank tests whether the paired samples x and y differ in location,
// with the default options: zeros dropped, exact p-value for small samples
// without ties, otherwise the normal approximation with continuity
// correction. It fails when the lengths differ, are zero or a value is NaN.
func SignedRank(x, y []float64) (Result, error) { return SignedRankWith(x, y, Options{}) }

// SignedRankWith is SignedRank with explicit options.
func SignedRankWith(x, y []float64, opt Options) (Result, error) {
	if len(x) != len(y) {
		return Result{}, fmt.Errorf("wilcoxon: %d values in x but %d in y; the samples must be paired", len(x), len(y))
	}
	if len(x) == 0 {
		return Result{}, fmt.Errorf("wilcoxon: no pairs to test")
	}
	if opt.Zeros != Wilcox && opt.Zeros != Pratt {
		return Result{}, fmt.Errorf("wilcoxon: unknown zero method %d", opt.Zeros)
	}
	if opt.Method != Auto && opt.Method != Exact && opt.Method != Normal {
		return Result{}, fmt.Errorf("wilcoxon: unknown method %d", opt.Method)
	}
	d := make([]float64, 0, len(x))
	zeros := 0
	for i := range x {
		v := x[i] - y[i]
		if math.IsNaN(v) {
			return Result{}, fmt.Errorf("wilcoxon: pair %d (%v, %v) has no finite difference", i, x[i], y[i])
		}
		if v == 0 {
			zeros++
			if opt.Zeros == Wilcox {
				continue
			}
		}
		d = append(d, v)
	}
	ranks, ties := rankAbs(d)

	res := Result{N: len(d) - boolInt(opt.Zeros == Pratt)*zeros, Zeros: zeros}
	var tieTerm float64 // Σ (t³ − t) over tie groups of nonzero differences
	for _, t := range ties {
		tieTerm += float64(t*t*t - t)
	}
	for i, v := range d {
		switch {
		case v > 0:
			res.WPlus += ranks[i]
		case v < 0:
			res.WMinus += ranks[i]
		}
	}
	res.Statistic = math.Min(res.WPlus, res.WMinus)

	// Normal approximation. With z ranked zeros (Pratt), the nonzero ranks are
	// z+1..N (before tie averaging), so μ = [N(N+1) − z(z+1)]/4 and
	// σ² = [N(N+1)(2N+1) − z(z+1)(2z+1)]/24 − Σ(t³ − t)/48.
	nAll := float64(len(d))
	z := 0.0
	if opt.Zeros == Pratt {
		z = float64(zeros)
	}
	mu := (nAll*(nAll+1) - z*(z+1)) / 4
	sigma2 := (nAll*(nAll+1)*(2*nAll+1)-z*(z+1)*(2*z+1))/24 - tieTerm/48
	sigma := math.Sqrt(math.Max(sigma2, 0))
	diff := res.WPlus - mu
	if !opt.NoContinuityCorrection && diff != 0 {
		diff -= math.Copysign(0.5, diff)
	}
	if sigma > 0 {
		res.Z = diff / sigma
	}

	exactOK := len(ties) == 0 && (opt.Zeros == Wilcox || zeros == 0)
	switch {
	case res.N == 0:
		// Every difference is zero: no evidence of any shift.
		res.P = 1
	case opt.Method == Exact && !exactOK:
		return Result{}, fmt.Errorf("wilcoxon: %d tie groups, %d zeros: %w", len(ties), zeros, ErrTies)
	case opt.Method == Exact || (opt.Method == Auto && exactOK && res.N <= ExactMaxN):
		res.Exact = true
		res.P = exactP(res.N, res.WPlus)
	default:
		res.P = math.Min(1, math.Erfc(math.Abs(res.Z)/math.Sqrt2))
		if sigma == 0 {
			res.P = 1
		}
	}
	return res, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rankAbs returns the ranks (1-based, ties averaged) of |d| and the sizes of
// the tie groups of nonzero values with more than one member.
func rankAbs(d []float64) (ranks []float64, ties []int) {
	n := len(d)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return math.Abs(d[idx[a]]) < math.Abs(d[idx[b]]) })
	ranks = make([]float64, n)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && math.Abs(d[idx[hi]]) == math.Abs(d[idx[lo]]) {
			hi++
		}
		avg := float64(lo+1+hi) / 2 // mean of ranks lo+1..hi
		for k := lo; k < hi; k++ {
			ranks[idx[k]] = avg
		}
		if hi-lo > 1 && d[idx[lo]] != 0 {
			ties = append(ties, hi-lo)
		}
		lo = hi
	}
	return ranks, ties
}

// NullCounts returns c[s], the number of subsets of {1, …, n} whose sum is s,
// for s = 0..n(n+1)/2: under the null hypothesis without ties,
// P(W⁺ = s) = c[s] / 2ⁿ. The counts are exact in float64 for n ≤ 52.
func NullCounts(n int) []float64 {
	m := n * (n + 1) / 2
	c := make([]float64, m+1)
	c[0] = 1
	for k := 1; k <= n; k++ {
		// Add rank k to every subset of {1..k-1}: c_k[s] = c_{k−1}[s] + c_{k−1}[s−k].
		for s := k * (k + 1) / 2; s >= k; s-- {
			c[s] += c[s-k]
		}
	}
	return c
}

// exactP returns the exact two-sided p-value 2 min(P(W⁺ ≤ w), P(W⁺ ≥ w)),
// capped at 1, for n untied nonzero differences.
func exactP(n int, w float64) float64 {
	c := NullCounts(n)
	s := int(math.Round(w))
	var lower, upper float64
	for v, cnt := range c {
		if v <= s {
			lower += cnt
		}
		if v >= s {
			upper += cnt
		}
	}
	total := math.Ldexp(1, n)
	return math.Min(1, 2*math.Min(lower, upper)/total)
}
