package wilcoxon

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestNullCountsBruteForce compares the DP null distribution with the
// enumeration of all 2ⁿ sign patterns.
func TestNullCountsBruteForce(t *testing.T) {
	for n := 0; n <= 14; n++ {
		c := NullCounts(n)
		want := make([]float64, n*(n+1)/2+1)
		for mask := 0; mask < 1<<n; mask++ {
			s := 0
			for k := 0; k < n; k++ {
				if mask&(1<<k) != 0 {
					s += k + 1
				}
			}
			want[s]++
		}
		if len(c) != len(want) {
			t.Fatalf("n=%d: %d counts, want %d", n, len(c), len(want))
		}
		for s := range c {
			if c[s] != want[s] {
				t.Errorf("n=%d: count of sum %d is %v, enumeration %v", n, s, c[s], want[s])
			}
		}
	}
	// The counts must total 2ⁿ exactly at the largest exact n.
	total := 0.0
	for _, v := range NullCounts(ExactMaxN) {
		total += v
	}
	if total != math.Ldexp(1, ExactMaxN) {
		t.Errorf("n=%d: counts total %v, want 2^%d", ExactMaxN, total, ExactMaxN)
	}
}

// withNegatives returns the differences 1..n with the ranks in neg made
// negative, so W⁻ = Σ neg.
func withNegatives(n int, neg ...int) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = float64(i + 1)
	}
	for _, r := range neg {
		d[r-1] = -d[r-1]
	}
	return d
}

// TestCriticalValues checks the published two-sided α = 0.05 critical values
// of T = min(W⁺, W⁻) (e.g. n = 10: T ≤ 8; n = 20: T ≤ 52): the p-value at T
// is at most 0.05 and at T + 1 above it.
func TestCriticalValues(t *testing.T) {
	crit := map[int]int{6: 0, 7: 2, 8: 3, 9: 5, 10: 8, 11: 10, 12: 13, 13: 17, 14: 21, 15: 25, 16: 29, 17: 34, 18: 40, 19: 46, 20: 52, 21: 58, 22: 65, 23: 73, 24: 81, 25: 89}
	for n, tc := range crit {
		for _, T := range []int{tc, tc + 1} {
			// Choose negative ranks summing to T greedily from the top.
			var neg []int
			rest := T
			for r := n; r >= 1 && rest > 0; r-- {
				if r <= rest {
					neg = append(neg, r)
					rest -= r
				}
			}
			zeros := make([]float64, n)
			res, err := SignedRank(withNegatives(n, neg...), zeros)
			if err != nil {
				t.Fatal(err)
			}
			if res.Statistic != float64(T) || res.WMinus != float64(T) || !res.Exact || res.N != n {
				t.Fatalf("n=%d: statistic %v, W- %v, exact %v, N %d; want T=%d exact", n, res.Statistic, res.WMinus, res.Exact, res.N, T)
			}
			if T == tc && res.P > 0.05 {
				t.Errorf("n=%d: p(T=%d) = %v > 0.05", n, T, res.P)
			}
			if T == tc+1 && res.P <= 0.05 {
				t.Errorf("n=%d: p(T=%d) = %v ≤ 0.05", n, T, res.P)
			}
		}
	}
}

// R's ?wilcox.test example (Hollander & Wolfe 1973, depression scores).
var (
	rX = []float64{1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30}
	rY = []float64{0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29}
)

// SciPy's wilcoxon example: Darwin's height differences (Fisher 1935).
var darwin = []float64{6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75}

func TestPublishedExamples(t *testing.T) {
	zeros := make([]float64, len(darwin))
	tests := []struct {
		name     string
		x, y     []float64
		opt      Options
		wplus    float64
		stat     float64
		p, tol   float64 // tol < 0: p is R's printed one-sided value, 4 significant digits
		exact    bool
		nonzeros int
	}{
		// R: V = 40, p-value = 0.03906 (= 20/512 exactly).
		{"R paired exact", rX, rY, Options{}, 40, 5, 20.0 / 512, 1e-15, true, 9},
		// R: wilcox.test(y - x, alternative = "less", exact = FALSE,
		// correct = FALSE) gives V = 5, p-value = 0.01908 one-sided, half
		// the two-sided value.
		{"R normal, no correction", rY, rX, Options{Method: Normal, NoContinuityCorrection: true}, 5, 5, 0.01908, -1, false, 9},
		// SciPy: wilcoxon(d) → statistic 24.0, pvalue 0.041259765625.
		{"SciPy exact", darwin, zeros, Options{}, 96, 24, 0.041259765625, 1e-15, true, 15},
		// SciPy: wilcoxon(d, method='approx') → pvalue 0.04088813291185591
		// (SciPy's default is correction=False).
		{"SciPy approx", darwin, zeros, Options{Method: Normal, NoContinuityCorrection: true}, 96, 24, 0.04088813291185591, 1e-13, false, 15},
	}
	for _, tc := range tests {
		res, err := SignedRankWith(tc.x, tc.y, tc.opt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.WPlus != tc.wplus || res.Statistic != tc.stat || res.Exact != tc.exact || res.N != tc.nonzeros {
			t.Errorf("%s: W+ %v statistic %v exact %v N %d; want %v %v %v %d", tc.name, res.WPlus, res.Statistic, res.Exact, res.N, tc.wplus, tc.stat, tc.exact, tc.nonzeros)
		}
		if tc.tol < 0 {
			if got := strconv.FormatFloat(res.P/2, 'g', 4, 64); got != strconv.FormatFloat(tc.p, 'g', 4, 64) {
				t.Errorf("%s: one-sided p = %s (%v), R prints %v", tc.name, got, res.P/2, tc.p)
			}
		} else if math.Abs(res.P-tc.p) > tc.tol*tc.p {
			t.Errorf("%s: p = %.17g, published %.17g", tc.name, res.P, tc.p)
		}
	}
}

// TestTieCorrectedVariance checks the normal approximation's mean and
// tie-corrected variance against the exact moments of W⁺ under random signs,
// enumerated over all sign patterns, for both zero methods.
func TestTieCorrectedVariance(t *testing.T) {
	d := []float64{0, 0, 1, 1, 1, -2, 3, -3, 4, 4, 4, 4, 5}
	for _, zm := range []ZeroMethod{Wilcox, Pratt} {
		var kept []float64
		for _, v := range d {
			if v != 0 || zm == Pratt {
				kept = append(kept, v)
			}
		}
		ranks, _ := rankAbs(kept)
		var nz []float64 // ranks of the nonzero differences
		for i, v := range kept {
			if v != 0 {
				nz = append(nz, ranks[i])
			}
		}
		var m1, m2 float64
		for mask := 0; mask < 1<<len(nz); mask++ {
			w := 0.0
			for k, r := range nz {
				if mask&(1<<k) != 0 {
					w += r
				}
			}
			m1 += w
			m2 += w * w
		}
		cnt := math.Ldexp(1, len(nz))
		mean := m1 / cnt
		variance := m2/cnt - mean*mean

		res, err := SignedRankWith(d, make([]float64, len(d)), Options{Zeros: zm, NoContinuityCorrection: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.Exact {
			t.Fatalf("zero method %d: exact test with ties", zm)
		}
		// Recover μ and σ from Z = (W⁺ − μ)/σ at two sign patterns.
		res2, err := SignedRankWith(d, make([]float64, len(d)), Options{Zeros: zm, NoContinuityCorrection: true, Method: Normal})
		if err != nil || res2.Z != res.Z {
			t.Fatalf("Auto and Normal disagree: %v %v", res.Z, res2.Z)
		}
		neg := make([]float64, len(d))
		for i, v := range d {
			neg[i] = -v
		}
		resN, err := SignedRankWith(neg, make([]float64, len(d)), Options{Zeros: zm, NoContinuityCorrection: true})
		if err != nil {
			t.Fatal(err)
		}
		sigma := (res.WPlus - resN.WPlus) / (res.Z - resN.Z)
		mu := res.WPlus - res.Z*sigma
		if math.Abs(mu-mean) > 1e-12*mean || math.Abs(sigma*sigma-variance) > 1e-12*variance {
			t.Errorf("zero method %d: μ %v σ² %v; enumeration %v %v", zm, mu, sigma*sigma, mean, variance)
		}
		if res.P != math.Erfc(math.Abs(res.Z)/math.Sqrt2) {
			t.Errorf("zero method %d: p %v is not the two-sided normal tail of Z %v", zm, res.P, res.Z)
		}
	}
}

// TestContinuityCorrection checks that the correction moves W⁺ half a unit
// towards the mean, and that it is the default.
func TestContinuityCorrection(t *testing.T) {
	d := []float64{1, 2, 2, -3, 4, 5, 6, -7, 8, 9, 10, 11}
	zeros := make([]float64, len(d))
	on, err := SignedRank(d, zeros)
	if err != nil {
		t.Fatal(err)
	}
	off, err := SignedRankWith(d, zeros, Options{NoContinuityCorrection: true})
	if err != nil {
		t.Fatal(err)
	}
	if on.Exact || off.Exact {
		t.Fatal("ties must force the normal approximation")
	}
	// W⁺ is above its mean here, so the corrected Z is smaller by 0.5/σ.
	n := float64(len(d))
	sigma := math.Sqrt(n*(n+1)*(2*n+1)/24 - (8.0-2)/48)
	if math.Abs((off.Z-on.Z)-0.5/sigma) > 1e-14 || !(on.P > off.P) {
		t.Errorf("corrected Z %v, uncorrected %v, σ %v; p %v vs %v", on.Z, off.Z, sigma, on.P, off.P)
	}
}

// TestSymmetry checks that swapping x and y leaves p unchanged and swaps the
// rank sums, and that a sample symmetric about 0 gives p = 1.
func TestSymmetry(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for trial := 0; trial < 50; trial++ {
		n := 1 + rng.IntN(70)
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = math.Round(rng.NormFloat64()*4) / 4 // ties and zeros happen
			y[i] = math.Round(rng.NormFloat64()*4) / 4
		}
		for _, opt := range []Options{{}, {Zeros: Pratt}, {Method: Normal}} {
			a, err := SignedRankWith(x, y, opt)
			if err != nil {
				t.Fatal(err)
			}
			b, err := SignedRankWith(y, x, opt)
			if err != nil {
				t.Fatal(err)
			}
			if a.P != b.P || a.WPlus != b.WMinus || a.WMinus != b.WPlus || a.Z != -b.Z || a.Exact != b.Exact {
				t.Errorf("n=%d %+v: swap changed result: %+v vs %+v", n, opt, a, b)
			}
			if a.P <= 0 || a.P > 1 {
				t.Errorf("n=%d: p = %v outside (0, 1]", n, a.P)
			}
		}
	}
	// Differences symmetric about zero: W⁺ = W⁻, p = 1 (exact and normal).
	for _, d := range [][]float64{{1, -1, 2, -2, 3, -3}, {-5, 5, 0.5, -0.5, 7, -7, 7.5, -7.5}} {
		for _, opt := range []Options{{}, {Method: Normal}} {
			res, err := SignedRankWith(d, make([]float64, len(d)), opt)
			if err != nil {
				t.Fatal(err)
			}
			if res.WPlus != res.WMinus || res.P != 1 {
				t.Errorf("%v %+v: W+ %v W- %v p %v; want equal sums and p = 1", d, opt, res.WPlus, res.WMinus, res.P)
			}
		}
	}
	// Identical samples: nothing to rank, p = 1.
	res, err := SignedRank([]float64{1, 2, 3}, []float64{1, 2, 3})
	if err != nil || res.N != 0 || res.Zeros != 3 || res.P != 1 {
		t.Errorf("identical samples: %+v, %v", res, err)
	}
}

// TestExactChoice checks when the exact distribution is used.
func TestExactChoice(t *testing.T) {
	tests := []struct {
		name  string
		d     []float64
		opt   Options
		exact bool
		err   error
	}{
		{"small untied", withNegatives(10, 3), Options{}, true, nil},
		{"n = 49", withNegatives(49, 3), Options{}, true, nil},
		{"n = 50", withNegatives(50, 3), Options{}, false, nil},
		{"forced exact n = 50", withNegatives(50, 3), Options{Method: Exact}, true, nil},
		{"ties", []float64{1, 1, 2, -3}, Options{}, false, nil},
		{"forced exact with ties", []float64{1, 1, 2, -3}, Options{Method: Exact}, false, ErrTies},
		{"zeros dropped", []float64{0, 1, 2, -3}, Options{}, true, nil},
		{"zeros Pratt", []float64{0, 1, 2, -3}, Options{Zeros: Pratt}, false, nil},
		{"forced exact Pratt zeros", []float64{0, 1, 2, -3}, Options{Zeros: Pratt, Method: Exact}, false, ErrTies},
		{"forced normal", withNegatives(10, 3), Options{Method: Normal}, false, nil},
	}
	for _, tc := range tests {
		res, err := SignedRankWith(tc.d, make([]float64, len(tc.d)), tc.opt)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Exact != tc.exact {
			t.Errorf("%s: exact = %v, want %v", tc.name, res.Exact, tc.exact)
		}
	}
	// Dropped zeros: the exact test is that of the nonzero differences.
	a, _ := SignedRank([]float64{0, 0, 1, 2, -3, 4, 5, 6}, make([]float64, 8))
	b, _ := SignedRank([]float64{1, 2, -3, 4, 5, 6}, make([]float64, 6))
	if a.P != b.P || a.N != 6 || a.Zeros != 2 {
		t.Errorf("zeros not dropped: %+v vs %+v", a, b)
	}
}

// TestNullMoments checks that the exact null distribution has the mean and
// variance the normal approximation uses, n(n+1)/4 and n(n+1)(2n+1)/24.
func TestNullMoments(t *testing.T) {
	for _, n := range []int{1, 5, 20, 49} {
		c := NullCounts(n)
		total := math.Ldexp(1, n)
		var m1, m2 float64
		for s, cnt := range c {
			p := cnt / total
			m1 += p * float64(s)
			m2 += p * float64(s) * float64(s)
		}
		nf := float64(n)
		mean, variance := nf*(nf+1)/4, nf*(nf+1)*(2*nf+1)/24
		if math.Abs(m1-mean) > 1e-12*mean || math.Abs(m2-m1*m1-variance) > 1e-9*variance {
			t.Errorf("n=%d: mean %v variance %v; want %v %v", n, m1, m2-m1*m1, mean, variance)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y []float64
		opt  Options
		want string
	}{
		{"length", []float64{1, 2}, []float64{1}, Options{}, "2 values in x but 1 in y"},
		{"empty", nil, nil, Options{}, "no pairs"},
		{"NaN", []float64{1, math.NaN()}, []float64{1, 2}, Options{}, "pair 1"},
		{"Inf-Inf", []float64{math.Inf(1)}, []float64{math.Inf(1)}, Options{}, "pair 0"},
		{"zero method", []float64{1}, []float64{2}, Options{Zeros: 5}, "zero method"},
		{"method", []float64{1}, []float64{2}, Options{Method: 5}, "method"},
	} {
		_, err := SignedRankWith(tc.x, tc.y, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func BenchmarkSignedRank(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{20, 49, 200} {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i], y[i] = rng.Float64(), rng.Float64()
		}
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := SignedRank(x, y); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
