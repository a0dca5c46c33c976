package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = 2*rng.Float64() - 1
	}
	return s
}

func skipUnavailable(t testing.TB) {
	if !Available() {
		t.Skip("the built-in DGEMM needs cgo on amd64 and a CPU with AVX-512F; this one has not (the BLAS's Dgemm is used)")
	}
}

type shape struct {
	m, n, k int
	tA, tB  blas.Transpose
}

// operands returns random A, B, C for sh with leading dimensions wider than
// the rows (pad) and the leading dimensions.
func operands(rng *rand.Rand, sh shape, pad int) (a, b, c []float64, lda, ldb, ldc int) {
	ar, ac, br, bc := OperandDims(sh.tA, sh.tB, sh.m, sh.n, sh.k)
	lda, ldb, ldc = ac+pad, bc+2*pad, sh.n+3*pad
	return randSlice(rng, ar*lda), randSlice(rng, br*ldb), randSlice(rng, sh.m*ldc), lda, ldb, ldc
}

// TestDgemmMatchesGonum compares the kernel with gonum's pure-Go DGEMM over
// edge sizes of every blocking parameter (MR = 8, panel widths 8/16/24, MC =
// 96, KC = 256), both transposes, padded strides and several α, β: every
// entry within 1e-14 of the size of its summed terms, and the padding
// between rows untouched.
func TestDgemmMatchesGonum(t *testing.T) {
	skipUnavailable(t)
	rng := rand.New(rand.NewPCG(1, 2))
	ref := gonum.Implementation{}
	sizes := []int{1, 7, 8, 9, 17, 24, 25, 97}
	ks := []int{1, 5, 256, 257, 600}
	coef := [][2]float64{{1, 0}, {0.75, -0.5}, {-2, 1}, {1, 1}, {0, 0.5}}
	count := 0
	for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
		for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, m := range sizes {
				for _, n := range sizes {
					k := ks[count%len(ks)]
					ab := coef[count%len(coef)]
					count++
					sh := shape{m, n, k, tA, tB}
					pad := count % 3
					a, b, c, lda, ldb, ldc := operands(rng, sh, pad)
					got, want := append([]float64(nil), c...), append([]float64(nil), c...)
					if !Dgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc) {
						t.Fatalf("%+v: Dgemm declined valid arguments", sh)
					}
					ref.Dgemm(tA, tB, m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
					abs := func(s []float64) []float64 {
						o := make([]float64, len(s))
						for i, v := range s {
							o[i] = math.Abs(v)
						}
						return o
					}
					scale := abs(c)
					ref.Dgemm(tA, tB, m, n, k, math.Abs(ab[0]), abs(a), lda, abs(b), ldb, math.Abs(ab[1]), scale, ldc)
					for p := range got {
						if p%ldc >= n {
							if got[p] != c[p] {
								t.Fatalf("%+v: wrote outside C at index %d", sh, p)
							}
							continue
						}
						if d := math.Abs(got[p] - want[p]); d > 1e-14*scale[p] {
							t.Fatalf("%+v α=%v β=%v: C[%d,%d] = %.17g, gonum %.17g (|Δ| %.3g, scale %.3g)", sh, ab[0], ab[1], p/ldc, p%ldc, got[p], want[p], d, scale[p])
						}
					}
				}
			}
		}
	}
}

// TestDgemmBetaZeroIgnoresC: with β = 0, C is written without being read
// (NaN and Inf in C do not propagate), as the reference BLAS specifies; with
// α = 0 neither A nor B is read.
func TestDgemmBetaZeroIgnoresC(t *testing.T) {
	skipUnavailable(t)
	rng := rand.New(rand.NewPCG(3, 4))
	sh := shape{m: 13, n: 29, k: 300, tA: blas.NoTrans, tB: blas.NoTrans}
	a, b, c, lda, ldb, ldc := operands(rng, sh, 0)
	for i := range c {
		c[i] = math.NaN()
	}
	Dgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, lda, b, ldb, 0, c, ldc)
	for i, v := range c {
		if math.IsNaN(v) {
			t.Fatalf("β = 0: C[%d] is NaN (C was read)", i)
		}
	}
	for i := range a {
		a[i] = math.Inf(1)
	}
	want := make([]float64, len(c))
	for i := range c {
		c[i] = float64(i)
		want[i] = 0.5 * float64(i)
	}
	Dgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 0, a, lda, b, ldb, 0.5, c, ldc)
	for i := range c {
		if c[i] != want[i] {
			t.Fatalf("α = 0: C[%d] = %v, want β·C = %v", i, c[i], want[i])
		}
	}
}

// TestDgemmBlocksBitIdentical: a product computed in blocks of rows, or of
// columns, equals the whole product bit for bit (the same summation order
// for every entry) — the property package mu's blocked KL passes rely on.
func TestDgemmBlocksBitIdentical(t *testing.T) {
	skipUnavailable(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, sh := range []shape{
		{m: 301, n: 68, k: 1024, tA: blas.NoTrans, tB: blas.NoTrans},
		{m: 130, n: 1000, k: 68, tA: blas.NoTrans, tB: blas.Trans},
		{m: 68, n: 45, k: 700, tA: blas.Trans, tB: blas.NoTrans},
	} {
		a, b, _, lda, ldb, _ := operands(rng, sh, 0)
		whole := make([]float64, sh.m*sh.n)
		Dgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, lda, b, ldb, 0, whole, sh.n)
		for _, blk := range []int{1, 7, 32, 128} {
			// Rows lo…hi−1 of op(A) and of C.
			rows := make([]float64, sh.m*sh.n)
			for lo := 0; lo < sh.m; lo += blk {
				hi := min(lo+blk, sh.m)
				aoff := lo * lda
				if sh.tA == blas.Trans {
					aoff = lo
				}
				Dgemm(sh.tA, sh.tB, hi-lo, sh.n, sh.k, 1, a[aoff:], lda, b, ldb, 0, rows[lo*sh.n:], sh.n)
			}
			// Columns lo…hi−1 of op(B) and of C.
			cols := make([]float64, sh.m*sh.n)
			for lo := 0; lo < sh.n; lo += blk {
				hi := min(lo+blk, sh.n)
				boff := lo
				if sh.tB == blas.Trans {
					boff = lo * ldb
				}
				Dgemm(sh.tA, sh.tB, sh.m, hi-lo, sh.k, 1, a, lda, b[boff:], ldb, 0, cols[lo:], sh.n)
			}
			for p := range whole {
				if rows[p] != whole[p] || cols[p] != whole[p] {
					t.Fatalf("%+v, blocks of %d: entry %d: whole %.17g, row blocks %.17g, column blocks %.17g", sh, blk, p, whole[p], rows[p], cols[p])
				}
			}
		}
	}
}

// TestDgemmDeclinesInvalid: arguments the reference BLAS rejects are
// declined (C untouched), so that Implementation hands them to the
// underlying BLAS, which reports them.
func TestDgemmDeclinesInvalid(t *testing.T) {
	skipUnavailable(t)
	a, b, c := make([]float64, 12), make([]float64, 12), make([]float64, 9)
	for _, tc := range []struct {
		name          string
		tA, tB        blas.Transpose
		m, n, k       int
		lda, ldb, ldc int
		la, lb, lc    int
	}{
		{"negative m", blas.NoTrans, blas.NoTrans, -1, 3, 4, 4, 3, 3, 12, 12, 9},
		{"lda < k", blas.NoTrans, blas.NoTrans, 3, 3, 4, 3, 3, 3, 12, 12, 9},
		{"ldb < n", blas.NoTrans, blas.NoTrans, 3, 3, 4, 4, 2, 3, 12, 12, 9},
		{"ldc < n", blas.NoTrans, blas.NoTrans, 3, 3, 4, 4, 3, 2, 12, 12, 9},
		{"short A", blas.NoTrans, blas.NoTrans, 3, 3, 4, 4, 3, 3, 11, 12, 9},
		{"short B (transposed)", blas.NoTrans, blas.Trans, 3, 3, 4, 4, 4, 3, 12, 11, 9},
		{"short C", blas.NoTrans, blas.NoTrans, 3, 3, 4, 4, 3, 3, 12, 12, 8},
		{"bad transpose", 'x', blas.NoTrans, 3, 3, 4, 4, 3, 3, 12, 12, 9},
	} {
		for i := range c {
			c[i] = 7
		}
		if Dgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 1, a[:tc.la], tc.lda, b[:tc.lb], tc.ldb, 0, c[:tc.lc], tc.ldc) {
			t.Errorf("%s: accepted", tc.name)
		}
		for i, v := range c {
			if v != 7 {
				t.Fatalf("%s: C[%d] written", tc.name, i)
			}
		}
	}
}

// TestImplementationDelegates: Implementation passes the other routines
// through, and invalid Dgemm arguments reach the underlying BLAS (which
// panics for them, as gonum's does).
func TestImplementationDelegates(t *testing.T) {
	impl := Implementation{Float64: gonum.Implementation{}}
	if got := impl.Ddot(3, []float64{1, 2, 3}, 1, []float64{4, 5, 6}, 1); got != 32 {
		t.Fatalf("Ddot through Implementation = %v, want 32", got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Dgemm with lda < k did not reach the underlying BLAS's argument check")
		}
	}()
	impl.Dgemm(blas.NoTrans, blas.NoTrans, 2, 2, 3, 1, make([]float64, 6), 2, make([]float64, 6), 2, 0, make([]float64, 4), 2)
}

// The workload's shapes (docs/performance.md): NMF/NCP at PIE_pose27 size
// (2856 × 1024, rank 68), the blocked KL passes, GWNTF's per-row products
// and the doctor's square shape.
var benchShapes = []shape{
	{1024, 1024, 1440, blas.NoTrans, blas.NoTrans},
	{2856, 68, 1024, blas.NoTrans, blas.NoTrans},
	{1024, 68, 2856, blas.Trans, blas.NoTrans},
	{128, 1024, 68, blas.NoTrans, blas.Trans},
	{128, 68, 1024, blas.NoTrans, blas.NoTrans},
	{68, 68, 2856, blas.Trans, blas.NoTrans},
	{2856, 32, 68, blas.NoTrans, blas.Trans},
	{1024, 20, 1440, blas.NoTrans, blas.NoTrans},
}

// BenchmarkDgemm reports GFLOP/s of the built-in kernel and, side by side,
// of gonum's pure-Go DGEMM (the OpenBLAS figures are in package
// blasbackend's BenchmarkDgemm).
func BenchmarkDgemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, sh := range benchShapes {
		a, bb, c, lda, ldb, ldc := operands(rng, sh, 0)
		flops := 2 * float64(sh.m) * float64(sh.n) * float64(sh.k)
		name := fmt.Sprintf("%dx%dx%d_%c%c", sh.m, sh.n, sh.k, sh.tA, sh.tB)
		b.Run(name+"/builtin", func(b *testing.B) {
			skipUnavailable(b)
			for b.Loop() {
				Dgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, lda, bb, ldb, 0, c, ldc)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(name+"/gonum", func(b *testing.B) {
			ref := gonum.Implementation{}
			for b.Loop() {
				ref.Dgemm(sh.tA, sh.tB, sh.m, sh.n, sh.k, 1, a, lda, bb, ldb, 0, c, ldc)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
