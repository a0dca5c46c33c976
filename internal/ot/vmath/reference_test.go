package vmath

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestHighPrecisionReference measures every path against values computed
// with 400-bit arithmetic (mpmath; testdata/reference.txt holds x, y and the
// exact result as a sum of two doubles): log and exp over the whole range,
// and x^y for seven exponents. The bound for Pow grows with |log x^y|, the
// size of the argument of exp, because the logarithm is carried to a fixed
// absolute precision (about 6e-17 on the portable path, 2^-62 on avx512).
func TestHighPrecisionReference(t *testing.T) {
	f, err := os.Open("testdata/reference.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type ref struct {
		kind         string
		x, y, hi, lo float64
	}
	var refs []ref
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 || fs[0][0] == '#' {
			continue
		}
		var v [4]float64
		for i, s := range fs[1:] {
			if v[i], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		refs = append(refs, ref{fs[0], v[0], v[1], v[2], v[3]})
	}
	if len(refs) < 1500 {
		t.Fatalf("%d reference values, want the whole file", len(refs))
	}
	forPaths(t, func(t *testing.T) {
		worst := map[string]float64{}
		got := make([]float64, 1)
		for _, r := range refs {
			switch r.kind {
			case "log":
				Log(got, []float64{r.x})
			case "exp":
				Exp(got, []float64{r.x})
			case "pow":
				Pow(got, []float64{r.x}, r.y)
			}
			e := math.Abs((got[0]-r.hi)-r.lo) / math.Abs(r.hi)
			bound := 2.5e-16 // Exp and Log: about one ulp
			key := r.kind
			if r.kind == "pow" {
				// 1.2 ulp plus the fixed absolute error of log x, times y.
				bound = 2.7e-16 + 6.5e-17*math.Abs(math.Log(r.hi))
				if Path() == "avx512" {
					bound = 2.7e-16 + 1e-18*math.Abs(math.Log(r.hi))
				}
				key = "pow y=" + strconv.FormatFloat(r.y, 'g', 4, 64)
			}
			if r.kind == "log" && Path() != "avx512" {
				bound = 3.6e-16
			}
			worst[key] = math.Max(worst[key], e)
			if e > bound {
				t.Errorf("%s(%g, %g) = %.17g, exact %.17g%+.3g: relative error %.3g > %.3g", r.kind, r.x, r.y, got[0], r.hi, r.lo, e, bound)
			}
		}
		for _, k := range []string{"exp", "log", "pow y=0.5", "pow y=0.9901", "pow y=0.3333", "pow y=1.5", "pow y=-0.8", "pow y=7", "pow y=100"} {
			t.Logf("%-13s max relative error %.3g (%.2f ulp of 2^-52)", k, worst[k], worst[k]/0x1p-52)
		}
	})
}
