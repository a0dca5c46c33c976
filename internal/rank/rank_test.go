package rank

import (
	"math"
	"slices"
	"testing"
)

func TestRanks(t *testing.T) {
	for _, tc := range []struct {
		in, want []float64
	}{
		{[]float64{0.5, 0.9, 0.1}, []float64{2, 1, 3}},
		{[]float64{0.936, 0.931, 0.916, 0.931}, []float64{1, 2.5, 4, 2.5}}, // Demšar Table 6, iris
		{[]float64{1, 1, 1, 1}, []float64{2.5, 2.5, 2.5, 2.5}},             // mushroom
		{[]float64{3}, []float64{1}},
	} {
		if got := Ranks(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Ranks(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestFriedmanScipyExample: scipy.stats.friedmanchisquare's documented
// example (pulse before, immediately after and 30 min after exercise,
// 7 subjects) gives statistic 10.571428571428571, p 0.005063414171757498.
// By hand: rank sums 10, 21, 11; 12/(7·3·4)·(10²+21²+11²) − 3·7·4 = 74/7;
// with 2 degrees of freedom p = exp(−χ²/2).
func TestFriedmanScipyExample(t *testing.T) {
	before := []float64{72, 96, 88, 92, 74, 76, 82}
	after := []float64{120, 120, 132, 120, 101, 96, 112}
	later := []float64{76, 95, 104, 96, 84, 72, 76}
	var scores [][]float64
	for i := range before {
		scores = append(scores, []float64{before[i], after[i], later[i]})
	}
	f, err := FriedmanTest(scores)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f.ChiSq-74.0/7) > 1e-12 {
		t.Errorf("χ² = %.15g, want 74/7 = 10.571428571428571", f.ChiSq)
	}
	if math.Abs(f.P-math.Exp(-37.0/7)) > 1e-12 || math.Abs(f.P-0.005063414171757498) > 1e-12 {
		t.Errorf("p = %.15g, want 0.005063414171757498", f.P)
	}
	// Ranks with 1 = largest: sums 7·4 − (10, 21, 11) = 18, 7, 17.
	want := []float64{18.0 / 7, 1, 17.0 / 7}
	for j := range want {
		if math.Abs(f.AvgRanks[j]-want[j]) > 1e-12 {
			t.Errorf("average rank %d = %v, want %v", j, f.AvgRanks[j], want[j])
		}
	}
	// Iman–Davenport: (N−1)χ²/(N(k−1) − χ²) = 6·(74/7)/(14 − 74/7) = 444/24 = 18.5.
	if math.Abs(f.FF-18.5) > 1e-12 || f.DF1 != 2 || f.DF2 != 12 {
		t.Errorf("F_F = %v (df %v, %v), want 18.5 (2, 12)", f.FF, f.DF1, f.DF2)
	}
	// F(2, 12) upper tail at 18.5: (1 + 2·18.5/12)^(−6) = (49/12)^(−6).
	if want := math.Pow(12.0/49, 6); math.Abs(f.PF-want) > 1e-12 {
		t.Errorf("p(F_F) = %v, want (12/49)^6 = %v", f.PF, want)
	}
}

// TestFriedmanTies checks the tie correction by hand: 3 data sets, 3
// methods, one tie. Ranks (2, 2, 2)... per data set: (1, 2.5, 2.5),
// (1, 2, 3), (1, 3, 2); rank sums 3, 7.5, 7.5; uncorrected χ² =
// 12/(3·3·4)·(9 + 56.25 + 56.25) − 3·3·4 = 40.5 − 36 = 4.5; Σ(t³−t) = 6,
// correction 1 − 6/(3·3·8) = 11/12, corrected χ² = 4.5·12/11 = 54/11.
func TestFriedmanTies(t *testing.T) {
	f, err := FriedmanTest([][]float64{{0.9, 0.5, 0.5}, {0.8, 0.6, 0.4}, {0.7, 0.1, 0.3}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(f.ChiSq-54.0/11) > 1e-12 {
		t.Errorf("χ² = %.15g, want 54/11", f.ChiSq)
	}
	if want := math.Exp(-27.0 / 11); math.Abs(f.P-want) > 1e-12 {
		t.Errorf("p = %v, want exp(−27/11) = %v", f.P, want)
	}
}

func TestFriedmanIdenticalRanking(t *testing.T) {
	f, err := FriedmanTest([][]float64{{3, 2, 1}, {30, 20, 10}, {0.3, 0.2, 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	// χ² = N(k−1) = 6, the maximum: F_F is infinite.
	if math.Abs(f.ChiSq-6) > 1e-12 || !math.IsInf(f.FF, 1) || f.PF != 0 {
		t.Errorf("got χ² %v F_F %v p %v; want 6, +Inf, 0", f.ChiSq, f.FF, f.PF)
	}
	f, err = FriedmanTest([][]float64{{1, 1}, {2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if f.ChiSq != 0 || f.P != 1 || math.IsNaN(f.FF) {
		t.Errorf("all tied: χ² %v p %v F_F %v; want 0, 1, finite", f.ChiSq, f.P, f.FF)
	}
}

func TestFriedmanErrors(t *testing.T) {
	for name, s := range map[string][][]float64{
		"one data set": {{1, 2}},
		"one method":   {{1}, {2}},
		"ragged":       {{1, 2}, {1}},
		"NaN":          {{1, 2}, {math.NaN(), 1}},
	} {
		if _, err := FriedmanTest(s); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestDemsarExample: Demšar (2006), Section 3.2.2, four C4.5 variants over
// 14 data sets with average ranks 3.143, 2.000, 2.893, 1.964: χ²_F = 9.28,
// F_F = 3.69; Nemenyi CD at α = 0.05 is 2.569·√(4·5/(6·14)) = 1.25, at
// α = 0.10 2.291·√(20/84) = 1.12 (Section 3.2.4 and Figure 1).
func TestDemsarExample(t *testing.T) {
	chi, ff, err := FromAvgRanks([]float64{3.143, 2.000, 2.893, 1.964}, 14)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(chi-9.28) > 0.005 || math.Abs(ff-3.69) > 0.005 {
		t.Errorf("χ²_F = %.3f, F_F = %.3f; want 9.28, 3.69", chi, ff)
	}
	cd, err := NemenyiCD(4, 14, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(cd-1.25) > 0.005 {
		t.Errorf("CD(0.05) = %.4f, want 1.25", cd)
	}
	cd10, _ := NemenyiCD(4, 14, 0.10)
	if math.Abs(cd10-1.12) > 0.005 {
		t.Errorf("CD(0.10) = %.4f, want 1.12", cd10)
	}
	// At α = 0.05 no pair differs (3.143 − 1.964 = 1.179 < 1.25): one group.
	if got := Cliques([]float64{3.143, 2.000, 2.893, 1.964}, cd); len(got) != 1 || len(got[0]) != 4 {
		t.Errorf("cliques at CD %.3f = %v, want one group of all four", cd, got)
	}
	// At α = 0.10 C4.5+m+cf (1.964) and C4.5+m (2.000) differ from C4.5
	// (3.143): groups {C4.5+m+cf, C4.5+m, C4.5+cf} and {C4.5+cf, C4.5}.
	got := Cliques([]float64{3.143, 2.000, 2.893, 1.964}, cd10)
	want := [][]int{{3, 1, 2}, {2, 0}}
	if len(got) != len(want) || !slices.Equal(got[0], want[0]) || !slices.Equal(got[1], want[1]) {
		t.Errorf("cliques = %v, want %v", got, want)
	}
}

// TestCriticalQ compares with Demšar (2006), Table 5(a): critical values of
// the two-tailed Nemenyi test (studentized range statistic divided by √2).
func TestCriticalQ(t *testing.T) {
	q05 := []float64{1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164}
	q10 := []float64{1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920}
	for i := range q05 {
		k := i + 2
		for _, tc := range []struct {
			alpha, want float64
		}{{0.05, q05[i]}, {0.10, q10[i]}} {
			q, err := CriticalQ(k, tc.alpha)
			if err != nil {
				t.Fatal(err)
			}
			// The table has three decimals, not all of them rounded
			// (k = 3: 3.3145/√2 = 2.3437 is printed 2.343).
			if math.Abs(q-tc.want) > 0.001 {
				t.Errorf("q_%.2f(k=%d) = %.4f, want %.3f", tc.alpha, k, q, tc.want)
			}
		}
	}
	if _, err := CriticalQ(1, 0.05); err == nil {
		t.Error("k = 1: no error")
	}
	if _, err := CriticalQ(3, 0); err == nil {
		t.Error("alpha = 0: no error")
	}
}

func TestCliques(t *testing.T) {
	for _, tc := range []struct {
		avg  []float64
		cd   float64
		want [][]int
	}{
		{[]float64{1, 2, 3}, 0.5, nil},
		{[]float64{1, 2, 3}, 5, [][]int{{0, 1, 2}}},
		{[]float64{3, 1, 2}, 1.5, [][]int{{1, 2}, {2, 0}}},
	} {
		got := Cliques(tc.avg, tc.cd)
		if len(got) != len(tc.want) {
			t.Errorf("Cliques(%v, %v) = %v, want %v", tc.avg, tc.cd, got, tc.want)
			continue
		}
		for i := range got {
			if !slices.Equal(got[i], tc.want[i]) {
				t.Errorf("Cliques(%v, %v) = %v, want %v", tc.avg, tc.cd, got, tc.want)
			}
		}
	}
}
