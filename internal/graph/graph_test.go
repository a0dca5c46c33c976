package graph

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

func randDense(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, rng.Float64())
		}
	}
	return m
}

// bruteNeighbors is the naive definition: scalar squared distances to every
// other row, stably sorted by (distance, index), first k kept.
func bruteNeighbors(x *mat.Dense, k int) (idx [][]int, d2 [][]float64) {
	n, d := x.Dims()
	for i := 0; i < n; i++ {
		type cand struct {
			j int
			d float64
		}
		var cs []cand
		for j := 0; j < n; j++ {
			if j == i {
				continue
			}
			var s float64
			for c := 0; c < d; c++ {
				t := x.At(i, c) - x.At(j, c)
				s += t * t
			}
			cs = append(cs, cand{j, s})
		}
		sort.SliceStable(cs, func(a, b int) bool { return cs[a].d < cs[b].d })
		var ri []int
		var rd []float64
		for _, c := range cs[:k] {
			ri = append(ri, c.j)
			rd = append(rd, c.d)
		}
		idx = append(idx, ri)
		d2 = append(d2, rd)
	}
	return idx, d2
}

func TestFindNeighborsMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name        string
		n, d, k, bs int
	}{
		{"one block", 40, 5, 5, 0},
		{"block of one row", 23, 3, 4, 1},
		{"ragged blocks", 57, 9, 5, 7},
		{"block larger than n", 12, 30, 11, 100},
		{"k=1", 30, 2, 1, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.n), uint64(tc.d)))
			x := randDense(rng, tc.n, tc.d)
			nb, err := FindNeighbors(context.Background(), x, tc.k, tc.bs)
			if err != nil {
				t.Fatal(err)
			}
			wantIdx, wantD := bruteNeighbors(x, tc.k)
			for i := 0; i < tc.n; i++ {
				for q := 0; q < tc.k; q++ {
					if got := nb.Index[i*tc.k+q]; got != wantIdx[i][q] {
						t.Fatalf("row %d neighbour %d: got %d, want %d", i, q, got, wantIdx[i][q])
					}
					if got := nb.Dist2[i*tc.k+q]; !scalar.EqualWithinAbsOrRel(got, wantD[i][q], 1e-12, 1e-12) {
						t.Fatalf("row %d neighbour %d: squared distance %v, want %v", i, q, got, wantD[i][q])
					}
				}
			}
		})
	}
}

func TestFindNeighborsTiesGoToLowerIndex(t *testing.T) {
	// Points on an integer grid: every product and sum is exact, and many
	// distances tie exactly, so the tie rule is observable.
	pts := [][]float64{{0, 0}, {1, 0}, {0, 1}, {-1, 0}, {0, -1}, {1, 1}, {2, 0}, {0, 2}, {3, 3}, {1, -1}}
	x := mat.NewDense(len(pts), 2, nil)
	for i, p := range pts {
		x.SetRow(i, p)
	}
	for _, k := range []int{1, 3, 4, 6} {
		nb, err := FindNeighbors(context.Background(), x, k, 3)
		if err != nil {
			t.Fatal(err)
		}
		want, wantD := bruteNeighbors(x, k)
		for i := range pts {
			for q := 0; q < k; q++ {
				if nb.Index[i*k+q] != want[i][q] || nb.Dist2[i*k+q] != wantD[i][q] {
					t.Fatalf("k=%d row %d: got %v (%v), want %v (%v)", k, i, nb.Index[i*k:(i+1)*k], nb.Dist2[i*k:(i+1)*k], want[i], wantD[i])
				}
			}
		}
	}
	// Spot check the rule itself: the four unit neighbours of the origin tie
	// at distance 1 and must come in index order 1, 2, 3, 4.
	nb, _ := FindNeighbors(context.Background(), x, 4, 0)
	if got := nb.Index[:4]; !equalInts(got, []int{1, 2, 3, 4}) {
		t.Fatalf("origin's tied neighbours: got %v, want [1 2 3 4]", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func bruteMeanDistance(x *mat.Dense) float64 {
	n, d := x.Dims()
	var s float64
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			var q float64
			for c := 0; c < d; c++ {
				t := x.At(i, c) - x.At(j, c)
				q += t * t
			}
			s += math.Sqrt(q)
		}
	}
	return s / float64(n*n)
}

// naiveKNN is constructW's KNN definition on a dense matrix.
func naiveKNN(x *mat.Dense, opt Options) *mat.Dense {
	n, d := x.Dims()
	sel := x
	if opt.Metric == Angular {
		sel = mat.DenseCopyOf(x)
		for i := 0; i < n; i++ {
			r := sel.RawRowView(i)
			nr := math.Max(1e-12, mat.Norm(mat.NewVecDense(d, r), 2))
			for c := range r {
				r[c] /= nr
			}
		}
	}
	idx, _ := bruteNeighbors(sel, opt.K)
	t := opt.T
	if opt.Weight == HeatKernel && t == 0 {
		t = bruteMeanDistance(sel)
	}
	w := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for _, j := range idx[i] {
			var v float64
			switch opt.Weight {
			case Binary:
				v = 1
			case HeatKernel:
				var q float64
				for c := 0; c < d; c++ {
					e := sel.At(i, c) - sel.At(j, c)
					q += e * e
				}
				v = math.Exp(-q / (2 * t * t))
			case Cosine:
				xi, xj := x.RawRowView(i), x.RawRowView(j)
				var dot, ni, nj float64
				for c := range xi {
					dot += xi[c] * xj[c]
					ni += xi[c] * xi[c]
					nj += xj[c] * xj[c]
				}
				v = dot / (math.Max(1e-12, math.Sqrt(ni)) * math.Max(1e-12, math.Sqrt(nj)))
			}
			w.Set(i, j, v)
		}
	}
	sym := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			sym.Set(i, j, math.Max(w.At(i, j), w.At(j, i)))
		}
	}
	return sym
}

func TestKNNMatchesConstructWDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := randDense(rng, 45, 6)
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"binary", Options{K: 5}},
		{"binary blocked", Options{K: 3, BlockRows: 4}},
		{"heat t=0.7", Options{K: 5, Weight: HeatKernel, T: 0.7}},
		{"heat default t", Options{K: 4, Weight: HeatKernel}},
		{"cosine", Options{K: 5, Weight: Cosine}},
		{"binary angular", Options{K: 5, Metric: Angular}},
		{"heat angular default t", Options{K: 2, Weight: HeatKernel, Metric: Angular}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := KNN(context.Background(), x, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			want := naiveKNN(x, tc.opt)
			if !mat.EqualApprox(g.Dense(), want, 1e-12) {
				t.Fatalf("graph differs from the naive construction")
			}
			if !g.IsSymmetric() {
				t.Fatal("graph is not symmetric")
			}
			for i := 0; i < g.N(); i++ {
				if g.At(i, i) != 0 {
					t.Fatalf("self loop at %d", i)
				}
				cols, _ := g.Row(i)
				if len(cols) < tc.opt.K {
					t.Fatalf("row %d has %d edges, want at least K = %d", i, len(cols), tc.opt.K)
				}
			}
		})
	}
}

func TestMeanDistance(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := randDense(rng, 31, 4)
	got, err := MeanDistance(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	if want := bruteMeanDistance(x); !scalar.EqualWithinRel(got, want, 1e-12) {
		t.Fatalf("mean distance %v, want %v", got, want)
	}
}

// randomGraph returns a random symmetric nonnegative sparse matrix with a
// zero diagonal.
func randomGraph(rng *rand.Rand, n int, density float64) *mat.Dense {
	w := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if rng.Float64() < density {
				v := rng.Float64() + 0.1
				w.Set(i, j, v)
				w.Set(j, i, v)
			}
		}
	}
	return w
}

func TestCSRKernelsMatchDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n, r = 37, 5
	wd := randomGraph(rng, n, 0.2)
	g, err := FromDense(wd)
	if err != nil {
		t.Fatal(err)
	}
	deg := make([]float64, n)
	dd := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			deg[i] += wd.At(i, j)
		}
		dd.Set(i, i, deg[i])
	}
	var ld mat.Dense
	ld.Sub(dd, wd)
	for i := 0; i < n; i++ {
		if !scalar.EqualWithinAbsOrRel(g.Degrees()[i], deg[i], 1e-14, 1e-14) {
			t.Fatalf("degree %d: %v, want %v", i, g.Degrees()[i], deg[i])
		}
	}
	big := randDense(rng, n+3, r+4)
	operands := map[string]mat.Matrix{
		"dense":     randDense(rng, n, r),
		"strided":   big.Slice(2, n+2, 1, r+1),
		"transpose": randDense(rng, r, n).T(),
	}
	for name, b := range operands {
		t.Run(name, func(t *testing.T) {
			for _, k := range []struct {
				name string
				f    func(*mat.Dense, mat.Matrix)
				m    mat.Matrix
			}{
				{"W", g.MulDense, wd},
				{"D", g.MulDegree, dd},
				{"L", g.MulLaplacian, &ld},
			} {
				var got, want mat.Dense
				k.f(&got, b)
				want.Mul(k.m, b)
				if !mat.EqualApprox(&got, &want, 1e-13) {
					t.Errorf("%s·b differs from the dense product", k.name)
				}
				// A sized destination is overwritten, not accumulated into.
				k.f(&got, b)
				if !mat.EqualApprox(&got, &want, 1e-13) {
					t.Errorf("%s·b into a used destination differs", k.name)
				}
			}
			var lv, vtlv mat.Dense
			lv.Mul(&ld, b)
			vtlv.Mul(b.T(), &lv)
			want := mat.Trace(&vtlv)
			var pair float64 // ½ Σ_ij W_ij ‖v_i − v_j‖²
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					for c := 0; c < r; c++ {
						e := b.At(i, c) - b.At(j, c)
						pair += 0.5 * wd.At(i, j) * e * e
					}
				}
			}
			got := g.LaplacianQuadratic(b)
			if !scalar.EqualWithinRel(got, want, 1e-12) || !scalar.EqualWithinRel(got, pair, 1e-12) {
				t.Errorf("tr(VᵀLV) = %v, want %v (pairwise form %v)", got, want, pair)
			}
		})
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if g.At(i, j) != wd.At(i, j) {
				t.Fatalf("At(%d,%d) = %v, want %v", i, j, g.At(i, j), wd.At(i, j))
			}
		}
	}
}

func TestMulDenseRejectsAliasAndShape(t *testing.T) {
	g, err := FromDense(mat.NewDense(3, 3, []float64{0, 1, 0, 1, 0, 2, 0, 2, 0}))
	if err != nil {
		t.Fatal(err)
	}
	b := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	for name, f := range map[string]func(){
		"alias":       func() { g.MulDense(b, b) },
		"wrong rows":  func() { var d mat.Dense; g.MulDense(&d, mat.NewDense(2, 2, nil)) },
		"wrong dst":   func() { g.MulLaplacian(mat.NewDense(3, 3, nil), b) },
		"quad shape":  func() { g.LaplacianQuadratic(mat.NewDense(4, 1, nil)) },
		"index range": func() { g.At(3, 0) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

func TestNewCSRValidates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		n      int
		rowPtr []int
		col    []int
		val    []float64
		want   string
	}{
		{"short row pointer", 2, []int{0, 1}, []int{1}, []float64{1}, "row pointer has"},
		{"nonzero start", 1, []int{1, 1}, nil, nil, "starts at"},
		{"count mismatch", 2, []int{0, 1, 2}, []int{1}, []float64{1}, "stored entries"},
		{"decreasing", 2, []int{0, 1, 0}, nil, nil, "decreases"},
		{"column range", 2, []int{0, 1, 1}, []int{2}, []float64{1}, "outside"},
		{"unsorted", 3, []int{0, 2, 2, 2}, []int{2, 1}, []float64{1, 1}, "strictly increasing"},
		{"duplicate", 3, []int{0, 2, 2, 2}, []int{1, 1}, []float64{1, 1}, "strictly increasing"},
		{"negative", 2, []int{0, 1, 1}, []int{1}, []float64{-1}, "nonnegative"},
		{"nan", 2, []int{0, 1, 1}, []int{1}, []float64{math.NaN()}, "nonnegative"},
		{"inf", 2, []int{0, 1, 1}, []int{1}, []float64{math.Inf(1)}, "finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewCSR(tc.n, tc.rowPtr, tc.col, tc.val)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := FromDense(mat.NewDense(2, 3, nil)); err == nil {
		t.Fatal("non-square matrix accepted")
	}
}

func TestKNNRejectsBadInput(t *testing.T) {
	x := mat.NewDense(4, 2, []float64{0, 0, 1, 0, 0, 1, 1, 1})
	neg := mat.NewDense(3, 2, []float64{1, 0, -1, 0, 0, 1})
	nan := mat.NewDense(3, 1, []float64{0, math.NaN(), 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		x    mat.Matrix
		opt  Options
		want string
	}{
		{"k zero", context.Background(), x, Options{K: 0}, "1 ≤ p < n"},
		{"k too large", context.Background(), x, Options{K: 4}, "1 ≤ p < n"},
		{"non-finite", context.Background(), nan, Options{K: 1}, "non-finite"},
		{"negative t", context.Background(), x, Options{K: 1, Weight: HeatKernel, T: -1}, "width"},
		{"bad weighting", context.Background(), x, Options{K: 1, Weight: 9}, "weighting"},
		{"bad metric", context.Background(), x, Options{K: 1, Metric: 9}, "metric"},
		{"negative cosine", context.Background(), neg, Options{K: 2, Weight: Cosine}, "nonnegative data"},
		{"identical samples", context.Background(), mat.NewDense(3, 2, nil), Options{K: 1, Weight: HeatKernel}, "identical"},
		{"cancelled", ctx, x, Options{K: 1}, "context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := KNN(tc.ctx, tc.x, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseNames(t *testing.T) {
	for s, want := range map[string]Weighting{"binary": Binary, "Heat": HeatKernel, "HeatKernel": HeatKernel, "COSINE": Cosine} {
		got, err := ParseWeighting(s)
		if err != nil || got != want {
			t.Errorf("ParseWeighting(%q) = %v, %v; want %v", s, got, err, want)
		}
		if back, _ := ParseWeighting(got.String()); back != got {
			t.Errorf("String round trip of %v failed", got)
		}
	}
	if _, err := ParseWeighting("gaussian"); err == nil {
		t.Error("unknown weighting accepted")
	}
	for s, want := range map[string]Metric{"euclidean": Euclidean, "Cosine": Angular, "ANGULAR": Angular} {
		got, err := ParseMetric(s)
		if err != nil || got != want {
			t.Errorf("ParseMetric(%q) = %v, %v; want %v", s, got, err, want)
		}
		if back, _ := ParseMetric(got.String()); back != got {
			t.Errorf("String round trip of %v failed", got)
		}
	}
	if _, err := ParseMetric("manhattan"); err == nil {
		t.Error("unknown metric accepted")
	}
}

func benchData(n, d int) *mat.Dense {
	return randDense(rand.New(rand.NewPCG(1, 2)), n, d)
}

func BenchmarkKNN(b *testing.B) {
	for _, n := range []int{1440, 2856} {
		x := benchData(n, 1024)
		b.Run(map[int]string{1440: "COIL20-size", 2856: "PIE-size"}[n], func(b *testing.B) {
			for b.Loop() {
				if _, err := KNN(context.Background(), x, Options{K: 5}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMulLaplacian(b *testing.B) {
	x := benchData(2856, 64)
	g, err := KNN(context.Background(), x, Options{K: 5})
	if err != nil {
		b.Fatal(err)
	}
	v := benchData(2856, 68)
	dst := mat.NewDense(2856, 68, nil)
	b.Run("MulDense", func(b *testing.B) {
		for b.Loop() {
			g.MulDense(dst, v)
		}
	})
	b.Run("MulLaplacian", func(b *testing.B) {
		for b.Loop() {
			g.MulLaplacian(dst, v)
		}
	})
	b.Run("LaplacianQuadratic", func(b *testing.B) {
		for b.Loop() {
			g.LaplacianQuadratic(v)
		}
	})
}
