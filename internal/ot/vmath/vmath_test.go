package vmath

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// testInputs returns x values spread log-uniformly over the whole positive
// float64 range (subnormals included) plus the special and boundary values.
func testInputs(n int) []float64 {
	rng := rand.New(rand.NewPCG(3, 4))
	x := []float64{
		0, 1, 2, 0.5, math.Sqrt2, 1 / math.Sqrt2, math.Nextafter(math.Sqrt2, 0), math.Nextafter(math.Sqrt2, 2),
		math.SmallestNonzeroFloat64, 1e-320, 0x1p-1022, math.Nextafter(0x1p-1022, 0), 1e-300, 1e-200, 1e-101, 1e-44,
		math.MaxFloat64, 1e300, 1 + 1e-15, 1 - 1e-16, math.Inf(1), math.NaN(), -1, -0.5, math.Inf(-1),
	}
	for i := 0; i < n; i++ {
		e := -1074 + 2098*rng.Float64() // exponent over the full range
		x = append(x, math.Exp2(e)*(1+rng.Float64()))
	}
	for i := 0; i < n/4; i++ { // dense near 1 and in [0, 1], where the scalings live
		x = append(x, 1+(rng.Float64()-0.5)*1e-3, rng.Float64())
	}
	return x
}

// relErr returns |got − want| / |want|, treating subnormal wants on an
// absolute scale of one subnormal unit (double rounding there is allowed).
func relErr(got, want float64) float64 {
	d := math.Abs(got - want)
	if math.Abs(want) < 0x1p-1022 {
		if d <= math.SmallestNonzeroFloat64 {
			return 0
		}
		return d / 0x1p-1022
	}
	return d / math.Abs(want)
}

// sameSpecial reports whether got and want are both NaN, or equal infinities,
// or equal zeros; ok is false when want is an ordinary finite nonzero value.
func sameSpecial(got, want float64) (same, ok bool) {
	switch {
	case math.IsNaN(want):
		return math.IsNaN(got), true
	case math.IsInf(want, 0) || want == 0:
		return got == want, true
	}
	return false, false
}

// refPow is math.Pow, except for subnormal x, where math.Pow is inaccurate
// (math.Pow(5e-324, 0.99) = 5.93e-321; the true value is 8.45e-321) and the
// exact identity x^y = (2^64·x)^y · 2^(−64y) moves the input to the normal
// range.
func refPow(x, y float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Pow(x*0x1p64, y) * math.Exp2(-64*y)
	}
	return math.Pow(x, y)
}

// refExp is math.Exp, except just below the overflow threshold, where the
// amd64 assembly of math.Exp returns +Inf early (math.Exp(709.56) = +Inf, the
// true value is 1.44e308); there e^x = e^(x−10)·e^10.
func refExp(x float64) float64 {
	if x > 700 && x < 710 {
		return math.Exp(x-10) * math.Exp(10)
	}
	return math.Exp(x)
}

func TestPowMatchesMathPow(t *testing.T) { forPaths(t, testPowMatchesMathPow) }

func testPowMatchesMathPow(t *testing.T) {
	x := testInputs(20000)
	exps := []float64{0.5, 0.99, 100.0 / 101, 1000.0 / 1001, 10.0 / 11, 1.0 / 3, 0.3, 1e-3, 1.5, 2.5, 7, 100, -0.5, -1.7, -100.0 / 101}
	dst := make([]float64, len(x))
	for _, y := range exps {
		Pow(dst, x, y)
		worst := 0.0
		for i, v := range x {
			want := refPow(v, y)
			if v < 0 {
				want = math.NaN() // documented: negative x gives NaN
			}
			if same, special := sameSpecial(dst[i], want); special {
				// Results that are exactly 0 or +Inf for math.Pow may be
				// the neighbouring subnormal / MaxFloat64 here, or vice
				// versa; treat near-boundary values on the relative scale.
				if !same && !(want == 0 && dst[i] <= math.SmallestNonzeroFloat64) {
					t.Fatalf("Pow(%g, %g) = %g, math.Pow %g", v, y, dst[i], want)
				}
				continue
			}
			e := relErr(dst[i], want)
			if e > worst {
				worst = e
			}
			if e > 1e-13 {
				t.Fatalf("Pow(%g, %g) = %.17g, math.Pow %.17g: relative error %.3g > 1e-13", v, y, dst[i], want, e)
			}
		}
		t.Logf("y = %-8.4g worst relative error %.2g (%d inputs)", y, worst, len(x))
	}
}

// TestPowHighPrecision compares with x^y evaluated independently in 60-digit
// decimal arithmetic (Python's decimal: (Decimal(x).ln()·Decimal(y)).exp(),
// with x and y the exact binary values below), where math.Pow itself is off
// by up to 3e-14. The error bound grows with |y| because log x is carried to
// about 5e-17 absolute.
func TestPowHighPrecision(t *testing.T) { forPaths(t, testPowHighPrecision) }

func testPowHighPrecision(t *testing.T) {
	for _, c := range []struct{ x, y, want float64 }{
		{5e-324, 0.99, 8.44852254388531590542e-321},
		{1e-300, 0.5, 1.00000000000000000630e-150},
		{1e-300, 0.9900990099009901, 9.33892805488943123859e-298},
		{3.54341e-318, 0.3333333333333333, 1.52454565600191482018e-106},
		{6.75397e-300, 0.3, 1.77364924419530395563e-90},
		{1e-101, 0.999000999000999, 1.26153440980909323061e-101},
		{0.368458, 100.0, 4.35310397985586580636e-44},
		{1e+300, 0.99, 9.99999999999993918560e+296},
		{2.5e-05, 0.9900990099009901, 2.77654655049465396018e-05},
		{0.999999, 0.3, 9.99999699999895019786e-01},
		{1.7976931348623157e+308, 0.5, 1.34078079299425956110e+154},
		{1e-44, 0.9090909090909091, 1.00000000000000298803e-40},
	} {
		got := make([]float64, 1)
		Pow(got, []float64{c.x}, c.y)
		tol := 5e-16 * math.Max(1, math.Abs(c.y)/10)
		if c.want < 0x1p-1022 {
			tol = math.SmallestNonzeroFloat64 / c.want
		}
		if e := math.Abs(got[0]-c.want) / c.want; e > tol {
			t.Errorf("Pow(%g, %g) = %.17g, exact %.17g: relative error %.2g > %.2g", c.x, c.y, got[0], c.want, e, tol)
		}
	}
}

func TestPowSpecialExponents(t *testing.T) { forPaths(t, testPowSpecialExponents) }

func testPowSpecialExponents(t *testing.T) {
	x := []float64{0, 1, 3, math.Inf(1), math.NaN()}
	for _, y := range []float64{0, 1, math.Inf(1), math.Inf(-1), math.NaN()} {
		dst := make([]float64, len(x))
		Pow(dst, x, y)
		for i, v := range x {
			want := math.Pow(v, y)
			if same, _ := sameSpecial(dst[i], want); !same && dst[i] != want {
				t.Errorf("Pow(%v, %v) = %v, want %v", v, y, dst[i], want)
			}
		}
	}
}

// TestPowSaturates: a product y·log x far beyond the exponent range gives
// 0 or +Inf, exactly as math.Pow, on every path (the portable path once
// returned −Inf for Pow(5e-324, 1e300): the low word of y·log x was kept
// when its high word was clamped).
func TestPowSaturates(t *testing.T) { forPaths(t, testPowSaturates) }

func testPowSaturates(t *testing.T) {
	for _, c := range [][2]float64{
		{5e-324, 1e300}, {0.5, 1e300}, {2.2e-308, 1e10}, {1e-300, 1e308}, {0.999, 1e300}, {1.001, 1e300},
		{2, 1e300}, {2, -1e300}, {5e-324, -1e300}, {1e300, 1e10}, {1e300, -1e10}, {1e-10, 1e308}, {3, math.MaxFloat64},
	} {
		x := []float64{c[0], c[0], c[0]}
		dst := make([]float64, len(x))
		Pow(dst, x, c[1])
		want := math.Pow(c[0], c[1])
		for i := range dst {
			if dst[i] != want || math.Signbit(dst[i]) != math.Signbit(want) {
				t.Errorf("Pow(%g, %g) = %g, want %g", c[0], c[1], dst[i], want)
			}
		}
	}
}

func TestExpLogMatchMath(t *testing.T) { forPaths(t, testExpLogMatchMath) }

func testExpLogMatchMath(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var xe []float64
	for i := 0; i < 20000; i++ {
		xe = append(xe, (rng.Float64()-0.5)*1500, (rng.Float64()-0.5)*2)
	}
	xe = append(xe, 0, -0.0, 709.78, 709.79, -708.4, -745.1, -745.2, math.Inf(1), math.Inf(-1), math.NaN(), 1e-300, -1e-300)
	got := make([]float64, len(xe))
	Exp(got, xe)
	worst := 0.0
	for i, v := range xe {
		want := refExp(v)
		if same, special := sameSpecial(got[i], want); special {
			if !same && !(want == 0 && got[i] <= math.SmallestNonzeroFloat64) {
				t.Fatalf("Exp(%g) = %g, want %g", v, got[i], want)
			}
			continue
		}
		e := relErr(got[i], want)
		worst = math.Max(worst, e)
		if e > 1e-13 {
			t.Fatalf("Exp(%.17g) = %.17g, math.Exp %.17g: relative error %.3g", v, got[i], want, e)
		}
	}
	t.Logf("Exp: worst relative error %.2g", worst)

	xl := testInputs(20000)
	got = make([]float64, len(xl))
	Log(got, xl)
	worst = 0
	for i, v := range xl {
		want := math.Log(v)
		if v > 0 && v < 0x1p-1022 {
			// math.Log mishandles subnormals on amd64 (math.Log(5e-324)
			// = −709.09; the true value is −744.44).
			want = math.Log(v*0x1p64) - 64*math.Ln2
		}
		if same, special := sameSpecial(got[i], want); special {
			if !same {
				t.Fatalf("Log(%g) = %g, want %g", v, got[i], want)
			}
			continue
		}
		e := math.Abs(got[i]-want) / math.Abs(want)
		worst = math.Max(worst, e)
		if e > 1e-13 {
			t.Fatalf("Log(%.17g) = %.17g, math.Log %.17g: relative error %.3g", v, got[i], want, e)
		}
	}
	t.Logf("Log: worst relative error %.2g", worst)
}

func TestDivPow(t *testing.T) { forPaths(t, testDivPow) }

func testDivPow(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 5000
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = math.Exp(-60 * rng.Float64())
		b[i] = math.Exp(-100 * rng.Float64())
	}
	a[0], b[0] = 0, 0          // empty bin, zero denominator: 0
	a[1], b[1] = 0.3, 0        // zero denominator: +Inf, counted unless floored
	a[2], b[2] = 0.3, 1e-300   // tiny denominator
	a[3], b[3] = math.NaN(), 1 // NaN input: counted
	for _, tc := range []struct {
		y, floor float64
		bad      int
	}{
		{100.0 / 101, 0, 2},
		{0.5, 0, 2},
		{1000.0 / 1001, 1e-6, 1},
		{2, 1e-30, 1},
	} {
		dst := make([]float64, n)
		bad := DivPow(dst, a, b, tc.y, tc.floor)
		if bad != tc.bad {
			t.Errorf("y=%v floor=%v: %d non-finite results reported, want %d", tc.y, tc.floor, bad, tc.bad)
		}
		for i := range a {
			want := 0.0
			if a[i] != 0 {
				want = math.Pow(a[i]/math.Max(b[i], tc.floor), tc.y)
			}
			if math.IsNaN(a[i]) {
				want = math.NaN()
			}
			if same, special := sameSpecial(dst[i], want); special {
				if !same {
					t.Fatalf("y=%v floor=%v: DivPow(%g, %g) = %g, want %g", tc.y, tc.floor, a[i], b[i], dst[i], want)
				}
				continue
			}
			if e := relErr(dst[i], want); e > 1e-13 {
				t.Fatalf("y=%v floor=%v: DivPow(%g, %g) = %.17g, want %.17g (relative error %.3g)", tc.y, tc.floor, a[i], b[i], dst[i], want, e)
			}
		}
	}
}

// forPaths runs f as a subtest on every dispatch path this CPU and build
// support.
func forPaths(t *testing.T, f func(*testing.T)) {
	for _, p := range Paths() {
		t.Run(p, func(t *testing.T) {
			restore, _ := setPath(p)
			defer restore()
			f(t)
		})
	}
}

// pathInputs returns x values over the whole range and a permutation of
// them as second operand.
func pathInputs() (x, b []float64) {
	x = testInputs(20000)
	b = make([]float64, len(x))
	for i := range b {
		b[i] = x[(i*7919)%len(x)]
	}
	return x, b
}

// TestPathsAgree compares every path with the portable one: the avx2 path
// must agree bit for bit, the avx512 path (a different algorithm) to within
// 5e-16 relative (two ulps: each is within about one ulp of the exact value,
// see TestHighPrecisionReference; more for Pow with |y| > 4), with the same
// special values and the same count of
// non-finite DivPow results.
func TestPathsAgree(t *testing.T) {
	x, b := pathInputs()
	type run struct {
		name string
		f    func(dst []float64) int
	}
	runs := []run{
		{"Exp", func(d []float64) int { Exp(d, b); return 0 }},
		{"Log", func(d []float64) int { Log(d, x); return 0 }},
		{"DivPow", func(d []float64) int { return DivPow(d, x, b, 0.99, 1e-9) }},
		{"DivPowNoFloor", func(d []float64) int { return DivPow(d, x, b, 100.0/101, 0) }},
	}
	tol := []float64{5e-16, 5e-16, 5e-16, 5e-16}
	for _, y := range []float64{0.5, 100.0 / 101, 3.7, -0.8, 1e-3, 250} {
		runs = append(runs, run{fmt.Sprintf("Pow(y=%g)", y), func(d []float64) int { Pow(d, x, y); return 0 }})
		// The portable log is kept to about 6e-17 absolute, which the
		// exponent multiplies (see TestHighPrecisionReference).
		tol = append(tol, 5e-16*math.Max(1, math.Abs(y)/4))
	}
	want := make([][]float64, len(runs))
	wantBad := make([]int, len(runs))
	restore, _ := setPath("portable")
	for i, r := range runs {
		want[i] = make([]float64, len(x))
		wantBad[i] = r.f(want[i])
	}
	restore()
	for _, p := range Paths()[1:] {
		restore, _ := setPath(p)
		for i, r := range runs {
			got := make([]float64, len(x))
			if bad := r.f(got); bad != wantBad[i] {
				t.Errorf("%s %s: %d non-finite results, portable %d", p, r.name, bad, wantBad[i])
			}
			worst := 0.0
			for j := range got {
				g, w := got[j], want[i][j]
				if p == "avx2" {
					if math.Float64bits(g) != math.Float64bits(w) && !(math.IsNaN(g) && math.IsNaN(w)) {
						t.Fatalf("%s %s: element %d: %.17g (%#x), portable %.17g (%#x)", p, r.name, j, g, math.Float64bits(g), w, math.Float64bits(w))
					}
					continue
				}
				if same, special := sameSpecial(g, w); special {
					if !same && !(w == 0 && g <= math.SmallestNonzeroFloat64) {
						t.Fatalf("%s %s: element %d: %g, portable %g", p, r.name, j, g, w)
					}
					continue
				}
				e := relErr(g, w)
				worst = math.Max(worst, e)
				if e > tol[i] {
					t.Fatalf("%s %s: element %d: %.17g, portable %.17g (relative %.3g > %.2g)", p, r.name, j, g, w, e, tol[i])
				}
			}
			t.Logf("%s %-14s largest relative difference from portable %.2g", p, r.name, worst)
		}
		restore()
	}
}

// TestTailsAndDeterminism checks that a result depends on its input only:
// not on the slice length (vector body or masked tail), nor on the call.
func TestTailsAndDeterminism(t *testing.T) {
	forPaths(t, func(t *testing.T) {
		x, b := pathInputs()
		x, b = x[:100], b[:100]
		full := make([]float64, len(x))
		check := func(name string, f func(dst, x, b []float64)) {
			t.Helper()
			f(full, x, b)
			for n := 0; n <= 40; n++ {
				for _, off := range []int{0, 3, 17} {
					got := make([]float64, n)
					f(got, x[off:off+n], b[off:off+n])
					for i := range got {
						if math.Float64bits(got[i]) != math.Float64bits(full[off+i]) && !(math.IsNaN(got[i]) && math.IsNaN(full[off+i])) {
							t.Fatalf("%s: n=%d off=%d element %d: %v, in the full slice %v", name, n, off, i, got[i], full[off+i])
						}
					}
				}
			}
		}
		check("Pow", func(d, x, _ []float64) { Pow(d, x, 0.7) })
		check("PowNeg", func(d, x, _ []float64) { Pow(d, x, -1.3) })
		check("DivPow", func(d, x, b []float64) { DivPow(d, x, b, 0.9, 1e-12) })
		check("Exp", func(d, _, b []float64) { Exp(d, b) })
		check("Log", func(d, x, _ []float64) { Log(d, x) })
	})
}

func TestChoosePath(t *testing.T) {
	if got := choosePath(""); got != best {
		t.Errorf("choosePath(\"\") = %d, want the best path %d", got, best)
	}
	if got := choosePath("portable"); got != pathPortable {
		t.Errorf("choosePath(portable) = %d", got)
	}
	if got := choosePath("avx512"); got != best {
		t.Errorf("choosePath(avx512) = %d, want %d (capped by support)", got, best)
	}
	if got := choosePath("bogus"); got != best {
		t.Errorf("choosePath(bogus) = %d, want %d", got, best)
	}
	if Path() != pathNames[active] || len(Paths()) != best+1 {
		t.Errorf("Path() = %q, Paths() = %v", Path(), Paths())
	}
	t.Logf("active path %s, supported %v", Path(), Paths())
}

func TestInPlace(t *testing.T) { forPaths(t, testInPlace) }

func testInPlace(t *testing.T) {
	x := testInputs(100)
	want := make([]float64, len(x))
	Pow(want, x, 0.7)
	got := append([]float64(nil), x...)
	Pow(got, got, 0.7)
	for i := range got {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) && !math.IsNaN(want[i]) {
			t.Fatalf("in-place Pow differs at %d: %v vs %v", i, got[i], want[i])
		}
	}
}

func TestLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Pow with mismatched lengths did not panic")
		}
	}()
	Pow(make([]float64, 2), make([]float64, 3), 0.5)
}

// Benchmarks: ns per element for values in (0, 1], the regime of the
// scaling vectors, on the active path with n = 4096 (BenchmarkPow, …), and
// per path and size in BenchmarkKernels: n = 4096 (in L1/L2) and n = 1<<20
// (8 MiB per slice, out of cache). The reference points are
// math.Pow (≈ 40 ns) and exp(φ·log x) with the math package (≈ 20 ns).

const benchN = 4096

func benchData() ([]float64, []float64) { return benchDataN(benchN) }

func benchDataN(n int) ([]float64, []float64) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, b := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = math.Exp(-50 * rng.Float64())
		b[i] = math.Exp(-50 * rng.Float64())
	}
	return x, b
}

func perElem(b *testing.B) { perElemN(b, benchN) }

func perElemN(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

// BenchmarkKernels runs Pow, DivPow, Exp and Log on every supported path,
// in and out of cache: go test -bench Kernels ./internal/ot/vmath/.
func BenchmarkKernels(b *testing.B) {
	for _, n := range []int{4096, 1 << 20} {
		x, y := benchDataN(n)
		dst := make([]float64, n)
		for _, k := range []struct {
			name string
			f    func()
		}{
			{"Pow", func() { Pow(dst, x, 100.0/101) }},
			{"DivPow", func() { DivPow(dst, x, y, 100.0/101, 1e-6) }},
			{"Exp", func() { Exp(dst, x) }},
			{"Log", func() { Log(dst, x) }},
		} {
			for _, p := range Paths() {
				b.Run(fmt.Sprintf("%s/%s/n=%d", k.name, p, n), func(b *testing.B) {
					restore, _ := setPath(p)
					defer restore()
					for b.Loop() {
						k.f()
					}
					perElemN(b, n)
				})
			}
		}
	}
}

func BenchmarkPow(b *testing.B) {
	x, _ := benchData()
	dst := make([]float64, benchN)
	for b.Loop() {
		Pow(dst, x, 100.0/101)
	}
	perElem(b)
}

func BenchmarkPowInPlace(b *testing.B) {
	x, _ := benchData()
	for b.Loop() {
		Pow(x, x, 100.0/101) // the pair keeps the data in range
		Pow(x, x, 101.0/100)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2*benchN), "ns/elem")
}

func BenchmarkDivPow(b *testing.B) {
	x, y := benchData()
	dst := make([]float64, benchN)
	for b.Loop() {
		DivPow(dst, x, y, 100.0/101, 1e-6)
	}
	perElem(b)
}

func BenchmarkExp(b *testing.B) {
	x, _ := benchData()
	dst := make([]float64, benchN)
	for b.Loop() {
		Exp(dst, x)
	}
	perElem(b)
}

func BenchmarkLog(b *testing.B) {
	x, _ := benchData()
	dst := make([]float64, benchN)
	for b.Loop() {
		Log(dst, x)
	}
	perElem(b)
}

func BenchmarkPowGo(b *testing.B) {
	x, _ := benchData()
	dst := make([]float64, benchN)
	for b.Loop() {
		powGo(dst, x, 100.0/101)
	}
	perElem(b)
}

func BenchmarkMathPow(b *testing.B) {
	x, _ := benchData()
	dst := make([]float64, benchN)
	for b.Loop() {
		for i, v := range x {
			dst[i] = math.Pow(v, 100.0/101)
		}
	}
	perElem(b)
}

func BenchmarkMathExpLog(b *testing.B) {
	x, _ := benchData()
	dst := make([]float64, benchN)
	for b.Loop() {
		for i, v := range x {
			dst[i] = math.Exp(100.0 / 101 * math.Log(v))
		}
	}
	perElem(b)
}

func TestDotLog(t *testing.T) { forPaths(t, testDotLog) }

func testDotLog(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 3, 4, 257, 1000} {
		w, x, y := make([]float64, n), make([]float64, n), make([]float64, n)
		for i := range w {
			w[i] = rng.Float64()
			x[i] = math.Exp(-40 * rng.Float64())
			y[i] = math.Exp(-40 * rng.Float64())
			if i%5 == 2 {
				w[i], x[i] = 0, 0 // 0·log 0 = 0
			}
		}
		var want, wantNil float64
		for i := range w {
			if w[i] != 0 {
				want += w[i] * math.Log(x[i]/y[i])
				wantNil += w[i] * math.Log(x[i])
			}
		}
		for _, c := range []struct {
			y    []float64
			want float64
		}{{y, want}, {nil, wantNil}} {
			got := DotLog(w, x, c.y)
			scale := 0.0
			for i := range w {
				scale += math.Abs(w[i]) * 100
			}
			if math.Abs(got-c.want) > 1e-13*math.Max(scale, 1) {
				t.Errorf("n=%d: DotLog = %.17g, want %.17g", n, got, c.want)
			}
			if n > 0 && Path() != "avx512" {
				if g := dotLogGo(w, x, c.y); math.Float64bits(g) != math.Float64bits(got) {
					t.Errorf("n=%d: C %.17g and Go %.17g differ", n, got, g)
				}
			}
			if n > 0 && Path() == "avx512" {
				// Its own logarithm (Log's avx512 one): the terms summed
				// plainly agree to rounding of the sum.
				q := make([]float64, n)
				for i := range q {
					q[i] = x[i]
					if c.y != nil {
						q[i] /= c.y[i]
					}
				}
				Log(q, q)
				var plain float64
				for i := range w {
					if w[i] != 0 {
						plain += w[i] * q[i]
					}
				}
				if math.Abs(got-plain) > 1e-15*math.Max(scale, 1) {
					t.Errorf("n=%d: DotLog %.17g, Σ w·Log(x/y) %.17g", n, got, plain)
				}
				if again := DotLog(w, x, c.y); math.Float64bits(again) != math.Float64bits(got) {
					t.Errorf("n=%d: DotLog not deterministic: %.17g then %.17g", n, got, again)
				}
			}
		}
	}
	if got := DotLog([]float64{1}, []float64{1}, []float64{0}); !math.IsInf(got, 1) {
		t.Errorf("DotLog with a zero denominator = %v, want +Inf", got)
	}
}

func BenchmarkDotLog(b *testing.B) {
	x, y := benchData()
	for b.Loop() {
		DotLog(x, x, y)
	}
	perElem(b)
}

// TestQuot: a/b with 0 where a = 0 (even for b = 0, NaN or Inf), bit for bit
// the scalar quotient on every path, over the whole input range and odd
// lengths (vector tails).
func TestQuot(t *testing.T) { forPaths(t, testQuot) }

func testQuot(t *testing.T) {
	x, b := pathInputs()
	a := append([]float64(nil), x...)
	for i := range a {
		if i%11 == 3 {
			a[i] = 0
		}
	}
	b = append(b, 0, math.NaN(), math.Inf(1), 0, 2)
	a = append(a, 0, 0, 0, 1, math.Inf(1))
	for _, n := range []int{0, 1, 7, 8, 9, 33, len(a)} {
		dst := make([]float64, n)
		Quot(dst, a[:n], b[:n])
		for i, v := range dst {
			want := 0.0
			if a[i] != 0 {
				want = a[i] / b[i]
			}
			if math.Float64bits(v) != math.Float64bits(want) && !(math.IsNaN(v) && math.IsNaN(want)) {
				t.Fatalf("n=%d: Quot(%g, %g) = %v, want %v", n, a[i], b[i], v, want)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Quot with slices of different lengths did not panic")
		}
	}()
	Quot(make([]float64, 3), make([]float64, 3), make([]float64, 2))
}

func BenchmarkQuot(b *testing.B) {
	x, y := benchData()
	dst := make([]float64, benchN)
	for b.Loop() {
		Quot(dst, x, y)
	}
	perElem(b)
}
