package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/blasbackend"
	"nmfbench/internal/dense"
)

func randTensor(rng *rand.Rand, shape ...int) *Dense {
	t, err := New(shape...)
	if err != nil {
		panic(err)
	}
	for i := range t.data {
		t.data[i] = rng.Float64()
	}
	return t
}

func randFactors(rng *rand.Rand, shape []int, R int) []*mat.Dense {
	fs := make([]*mat.Dense, len(shape))
	for k, s := range shape {
		fs[k] = mat.NewDense(s, R, nil)
		for i := 0; i < s; i++ {
			for r := 0; r < R; r++ {
				fs[k].Set(i, r, rng.Float64())
			}
		}
	}
	return fs
}

// forEachIndex calls f with every multi-index of shape (first index fastest).
func forEachIndex(shape []int, f func(idx []int)) {
	idx := make([]int, len(shape))
	for {
		f(idx)
		k := 0
		for ; k < len(shape); k++ {
			idx[k]++
			if idx[k] < shape[k] {
				break
			}
			idx[k] = 0
		}
		if k == len(shape) {
			return
		}
	}
}

// naiveUnfold is Kolda–Bader's definition: element (i₁…i_N) goes to row i_n,
// column Σ_{k≠n} i_k J_k with J_k = ∏_{m<k, m≠n} I_m.
func naiveUnfold(t *Dense, n int) *mat.Dense {
	cols := len(t.data) / t.shape[n]
	out := mat.NewDense(t.shape[n], cols, nil)
	forEachIndex(t.shape, func(idx []int) {
		j, J := 0, 1
		for k := range t.shape {
			if k == n {
				continue
			}
			j += idx[k] * J
			J *= t.shape[k]
		}
		out.Set(idx[n], j, t.At(idx...))
	})
	return out
}

var testShapes = [][]int{{3, 4, 5}, {2, 3, 4, 5}, {4, 1, 3}, {5, 6}, {1, 4, 2}}

func TestUnfoldMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, shape := range testShapes {
		x := randTensor(rng, shape...)
		for n := range shape {
			got := x.Unfold(n)
			if !mat.Equal(got, naiveUnfold(x, n)) {
				t.Fatalf("shape %v mode %d: unfolding differs from the definition", shape, n)
			}
			back, err := Fold(got, n, shape)
			if err != nil {
				t.Fatal(err)
			}
			if !floatsEqual(back.data, x.data) {
				t.Fatalf("shape %v mode %d: Fold(Unfold) is not the identity", shape, n)
			}
		}
		last := x.LastUnfolding()
		if !mat.Equal(last, x.Unfold(len(shape)-1)) {
			t.Fatalf("shape %v: LastUnfolding differs from Unfold(N-1)", shape)
		}
		if &last.RawMatrix().Data[0] != &x.data[0] {
			t.Fatalf("shape %v: LastUnfolding copied the data", shape)
		}
	}
}

func floatsEqual(a, b []float64) bool {
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

func TestFromImagesIsZeroCopyMode3View(t *testing.T) {
	const H, W, n = 3, 4, 5
	rng := rand.New(rand.NewPCG(2, 2))
	x := mat.NewDense(n, H*W, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < H*W; j++ {
			x.Set(i, j, rng.Float64())
		}
	}
	ten, err := FromImages(x, H, W)
	if err != nil {
		t.Fatal(err)
	}
	if got := ten.Shape(); got[0] != H || got[1] != W || got[2] != n {
		t.Fatalf("shape %v, want [%d %d %d]", got, H, W, n)
	}
	if &ten.Data()[0] != &x.RawMatrix().Data[0] {
		t.Fatal("FromImages copied the data")
	}
	for i := 0; i < n; i++ {
		for r := 0; r < H; r++ {
			for c := 0; c < W; c++ {
				if ten.At(r, c, i) != x.At(i, c*H+r) {
					t.Fatalf("pixel (%d,%d) of image %d: %v, want X[%d,%d] = %v", r, c, i, ten.At(r, c, i), i, c*H+r, x.At(i, c*H+r))
				}
			}
		}
	}
	if !mat.Equal(ten.Unfold(2), x) {
		t.Fatal("X is not the mode-3 unfolding")
	}
	// A strided view is copied, with the same values.
	big := mat.NewDense(n, H*W+2, nil)
	big.Slice(0, n, 1, H*W+1).(*mat.Dense).Copy(x)
	tv, err := FromImages(big.Slice(0, n, 1, H*W+1).(*mat.Dense), H, W)
	if err != nil {
		t.Fatal(err)
	}
	if !floatsEqual(tv.Data(), ten.Data()) {
		t.Fatal("strided dataset view gives different values")
	}
	if _, err := FromImages(x, H*W, 2); err == nil || !strings.Contains(err.Error(), "not images") {
		t.Fatalf("non-image dataset: error %v", err)
	}
}

func naiveKhatriRao(mats ...*mat.Dense) *mat.Dense {
	out := mats[0]
	for _, b := range mats[1:] {
		I, R := out.Dims()
		J, _ := b.Dims()
		next := mat.NewDense(I*J, R, nil)
		for i := 0; i < I; i++ {
			for j := 0; j < J; j++ {
				for r := 0; r < R; r++ {
					next.Set(i*J+j, r, out.At(i, r)*b.At(j, r))
				}
			}
		}
		out = next
	}
	return out
}

func TestKhatriRao(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	fs := randFactors(rng, []int{3, 4, 2, 5}, 3)
	for m := 1; m <= len(fs); m++ {
		var got mat.Dense
		KhatriRao(&got, fs[:m]...)
		if !mat.EqualApprox(&got, naiveKhatriRao(fs[:m]...), 1e-15) {
			t.Fatalf("%d operands: differs from the definition", m)
		}
	}
	// (A ⊙ B)ᵀ(A ⊙ B) = AᵀA ∗ BᵀB (Kolda–Bader §2.6).
	var kr, lhs, ga, gb mat.Dense
	KhatriRao(&kr, fs[0], fs[1])
	lhs.Mul(kr.T(), &kr)
	ga.Mul(fs[0].T(), fs[0])
	gb.Mul(fs[1].T(), fs[1])
	ga.MulElem(&ga, &gb)
	if !mat.EqualApprox(&lhs, &ga, 1e-13) {
		t.Fatal("Gram identity of the Khatri–Rao product fails")
	}
}

// naiveMTTKRP forms X₍ₙ₎ and the full Khatri–Rao product explicitly.
func naiveMTTKRP(x *Dense, fs []*mat.Dense, n int) *mat.Dense {
	var ops []*mat.Dense
	for k := len(fs) - 1; k >= 0; k-- {
		if k != n {
			ops = append(ops, fs[k])
		}
	}
	var m mat.Dense
	m.Mul(naiveUnfold(x, n), naiveKhatriRao(ops...))
	return &m
}

func TestMTTKRPMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, shape := range testShapes {
		for _, R := range []int{1, 3} {
			x := randTensor(rng, shape...)
			fs := randFactors(rng, shape, R)
			w, err := NewWorkspace(shape, R)
			if err != nil {
				t.Fatal(err)
			}
			N := len(shape)
			w.Contract(x, fs[N-1])
			for n := range shape {
				want := naiveMTTKRP(x, fs, n)
				var got mat.Dense
				w.MTTKRP(&got, x, fs, n)
				if !mat.EqualApprox(&got, want, 1e-12) {
					t.Fatalf("shape %v R=%d mode %d: MTTKRP differs from X₍ₙ₎·KR", shape, R, n)
				}
				if n < N-1 {
					var c mat.Dense
					w.MTTKRPContracted(&c, fs, n)
					if !mat.EqualApprox(&c, want, 1e-12) {
						t.Fatalf("shape %v R=%d mode %d: contracted MTTKRP differs", shape, R, n)
					}
				}
			}
		}
	}
	// Elementwise definition for one case: M[i,r] = Σ x(idx) ∏_{k≠n} A_k[i_k, r].
	shape := []int{2, 3, 4}
	x := randTensor(rng, shape...)
	fs := randFactors(rng, shape, 2)
	w, _ := NewWorkspace(shape, 2)
	for n := range shape {
		want := mat.NewDense(shape[n], 2, nil)
		forEachIndex(shape, func(idx []int) {
			for r := 0; r < 2; r++ {
				p := x.At(idx...)
				for k := range shape {
					if k != n {
						p *= fs[k].At(idx[k], r)
					}
				}
				want.Set(idx[n], r, want.At(idx[n], r)+p)
			}
		})
		var got mat.Dense
		w.MTTKRP(&got, x, fs, n)
		if !mat.EqualApprox(&got, want, 1e-13) {
			t.Fatalf("mode %d: MTTKRP differs from the elementwise sum", n)
		}
	}
}

func naiveReconstruct(shape []int, fs []*mat.Dense) *Dense {
	t, _ := New(shape...)
	_, R := fs[0].Dims()
	forEachIndex(shape, func(idx []int) {
		var s float64
		for r := 0; r < R; r++ {
			p := 1.0
			for k := range shape {
				p *= fs[k].At(idx[k], r)
			}
			s += p
		}
		t.Set(s, idx...)
	})
	return t
}

func TestReconstructAndFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, shape := range testShapes {
		fs := randFactors(rng, shape, 3)
		got, err := Reconstruct(fs)
		if err != nil {
			t.Fatal(err)
		}
		want := naiveReconstruct(shape, fs)
		for i := range got.data {
			if !scalar.EqualWithinAbsOrRel(got.data[i], want.data[i], 1e-14, 1e-14) {
				t.Fatalf("shape %v: reconstruction differs at %d", shape, i)
			}
		}
		if nk := KruskalNormSq(fs); !scalar.EqualWithinRel(nk, want.NormSq(), 1e-12) {
			t.Fatalf("shape %v: Kruskal norm² %v, want %v", shape, nk, want.NormSq())
		}
		x := randTensor(rng, shape...)
		var res float64
		for i := range x.data {
			e := x.data[i] - want.data[i]
			res += e * e
		}
		wantFit := 1 - math.Sqrt(res/x.NormSq())
		fit, err := Fit(x, fs)
		if err != nil {
			t.Fatal(err)
		}
		if !scalar.EqualWithinAbs(fit, wantFit, 1e-12) {
			t.Fatalf("shape %v: fit %v, want %v", shape, fit, wantFit)
		}
		w, _ := NewWorkspace(shape, 3)
		for n := range shape {
			var m mat.Dense
			w.MTTKRP(&m, x, fs, n)
			if r := ResidualNormSq(x.NormSq(), &m, n, fs); !scalar.EqualWithinRel(r, res, 1e-10) {
				t.Fatalf("shape %v mode %d: residual² %v, want %v", shape, n, r, res)
			}
		}
		// Exact model: fit 1.
		if f, _ := Fit(want, fs); !scalar.EqualWithinAbs(f, 1, 1e-6) {
			t.Fatalf("shape %v: fit of the exact model is %v", shape, f)
		}
	}
}

// TestAbsorbScaleKeepsCPTensor: dense.AbsorbScale (the scale fix NCP, GNCP
// and GWNTF use) leaves a CP tensor unchanged.
func TestAbsorbScaleKeepsCPTensor(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	shape := []int{4, 5, 6}
	fs := randFactors(rng, shape, 3)
	before, _ := Reconstruct(fs)
	dense.AbsorbScale(fs, 2, 2)
	after, _ := Reconstruct(fs)
	for i := range before.data {
		if !scalar.EqualWithinRel(before.data[i], after.data[i], 1e-13) {
			t.Fatal("AbsorbScale changed the tensor")
		}
	}
	for k := 0; k < 2; k++ {
		for r := 0; r < 3; r++ {
			if nr := mat.Norm(fs[k].ColView(r), 2); !scalar.EqualWithinAbs(nr, 1, 1e-14) {
				t.Fatalf("factor %d column %d has norm %v", k, r, nr)
			}
		}
	}
}

func TestFactorMatchScore(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	shape := []int{6, 7, 8}
	const R = 4
	a := randFactors(rng, shape, R)
	perm := []int{2, 0, 3, 1}
	b := make([]*mat.Dense, len(a))
	for k := range a {
		b[k] = mat.NewDense(shape[k], R, nil)
		for r := 0; r < R; r++ {
			s := float64(r+1) * float64(k+2)
			if k == 1 && r == 0 {
				s = -s // a sign flip is a scaling too
			}
			for i := 0; i < shape[k]; i++ {
				b[k].Set(i, perm[r], s*a[k].At(i, r))
			}
		}
	}
	score, got, err := FactorMatchScore(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !scalar.EqualWithinAbs(score, 1, 1e-12) || !equalInts(got, perm) {
		t.Fatalf("permuted, rescaled copy: score %v perm %v, want 1 and %v", score, got, perm)
	}
	// Orthogonal columns match nothing.
	e := []*mat.Dense{mat.NewDense(2, 2, []float64{1, 0, 0, 1}), mat.NewDense(2, 2, []float64{1, 0, 0, 1})}
	f := []*mat.Dense{mat.NewDense(2, 2, []float64{1, 1, 0, 0}), mat.NewDense(2, 2, []float64{0, 1, 1, 0})}
	// Column congruences: mode 0 [[1,1],[0,0]], mode 1 [[0,1],[1,0]] → products [[0,1],[0,0]].
	if s, _, _ := FactorMatchScore(e, f); !scalar.EqualWithinAbs(s, 0.5, 1e-15) {
		t.Fatalf("hand example: score %v, want 0.5", s)
	}
	if _, _, err := FactorMatchScore(a, b[:2]); err == nil {
		t.Fatal("mismatched models accepted")
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

func TestInputErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"order 1", errOf(New(3)), "fewer than 2 modes"},
		{"zero dim", errOf(New(3, 0)), "dimension < 1"},
		{"data length", errOf(NewDense([]int{2, 2}, make([]float64, 3))), "3 values"},
		{"fold dims", errOf(Fold(mat.NewDense(2, 5, nil), 0, []int{2, 3})), "not a mode-0 unfolding"},
		{"fold mode", errOf(Fold(mat.NewDense(2, 3, nil), 2, []int{2, 3})), "mode 2"},
		{"rank", errOf(NewWorkspace([]int{2, 3}, 0)), "rank 0"},
		{"reconstruct one factor", errOf(Reconstruct([]*mat.Dense{mat.NewDense(2, 2, nil)})), "at least 2"},
		{"reconstruct ranks", errOf(Reconstruct([]*mat.Dense{mat.NewDense(2, 2, nil), mat.NewDense(2, 3, nil)})), "columns"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, tc.err, tc.want)
		}
	}
	w, _ := NewWorkspace([]int{2, 3, 4}, 2)
	x, _ := New(2, 3, 4)
	good := randFactors(rand.New(rand.NewPCG(9, 9)), []int{2, 3, 4}, 2)
	bad := []*mat.Dense{good[0], mat.NewDense(3, 3, nil), good[2]}
	y, _ := New(2, 3, 5)
	for name, f := range map[string]func(){
		"factor shape":      func() { var m mat.Dense; w.MTTKRP(&m, x, bad, 0) },
		"tensor shape":      func() { var m mat.Dense; w.MTTKRP(&m, y, good, 2) },
		"mode range":        func() { var m mat.Dense; w.MTTKRP(&m, x, good, 3) },
		"contracted last":   func() { var m mat.Dense; w.MTTKRPContracted(&m, good, 2) },
		"khatri-rao cols":   func() { var m mat.Dense; KhatriRao(&m, good[0], mat.NewDense(2, 3, nil)) },
		"destination shape": func() { KhatriRao(mat.NewDense(1, 1, nil), good[0], good[1]) },
		"index":             func() { x.At(0, 0, 4) },
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
	fresh, _ := NewWorkspace([]int{2, 3, 4}, 2)
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "before Contract") {
				t.Errorf("MTTKRPContracted before Contract: panic %v", r)
			}
		}()
		var m mat.Dense
		fresh.MTTKRPContracted(&m, good, 0)
	}()
}

func errOf[T any](_ T, err error) error { return err }

// TestContractTransposedEqualsContract: 𝒯 from a kept X₍N₎ᵀ equals
// Contract's (bit for bit where the built-in GEMM runs: the same sums; to
// 1e-14 with another BLAS), and the contracted MTTKRPs follow.
func TestContractTransposedEqualsContract(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, shape := range [][]int{{32, 32, 300}, {5, 7, 3}, {4, 3, 2, 50}} {
		const R = 13
		x := randTensor(rng, shape...)
		fs := randFactors(rng, shape, R)
		N := len(shape)
		w1, _ := NewWorkspace(shape, R)
		w2, _ := NewWorkspace(shape, R)
		w1.Contract(x, fs[N-1])
		w2.ContractTransposed(mat.DenseCopyOf(x.LastUnfolding().T()), fs[N-1])
		exact := blasbackend.GemmBuiltinActive()
		for i, v := range w1.t.RawMatrix().Data {
			u := w2.t.RawMatrix().Data[i]
			if exact && u != v || math.Abs(u-v) > 1e-14*math.Max(1, math.Abs(v)) {
				t.Fatalf("shape %v: 𝒯 entry %d: Contract %.17g, ContractTransposed %.17g", shape, i, v, u)
			}
		}
		for n := 0; n < N-1; n++ {
			var m1, m2 mat.Dense
			w1.MTTKRPContracted(&m1, fs, n)
			w2.MTTKRPContracted(&m2, fs, n)
			if !mat.EqualApprox(&m1, &m2, 1e-13) {
				t.Fatalf("shape %v mode %d: contracted MTTKRPs differ", shape, n)
			}
		}
	}
	w, _ := NewWorkspace([]int{2, 3, 4}, 2)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "ContractTransposed needs") {
			t.Errorf("X₍N₎ᵀ of the wrong shape: panic %v", r)
		}
	}()
	w.ContractTransposed(mat.NewDense(4, 6, nil), mat.NewDense(4, 2, nil))
}

func BenchmarkMTTKRP(b *testing.B) {
	// The PIE_pose27 image tensor: 32 × 32 × 2856, rank 68.
	shape := []int{32, 32, 2856}
	const R = 68
	rng := rand.New(rand.NewPCG(10, 10))
	x := randTensor(rng, shape...)
	fs := randFactors(rng, shape, R)
	w, _ := NewWorkspace(shape, R)
	m := mat.NewDense(2856, R, nil)
	b.Run("Contract", func(b *testing.B) {
		for b.Loop() {
			w.Contract(x, fs[2])
		}
	})
	xT := mat.DenseCopyOf(x.LastUnfolding().T())
	b.Run("ContractTransposed", func(b *testing.B) {
		for b.Loop() {
			w.ContractTransposed(xT, fs[2])
		}
	})
	w.Contract(x, fs[2])
	for _, n := range []int{0, 1} {
		b.Run(fmt.Sprintf("Contracted/mode%d", n+1), func(b *testing.B) {
			dst := mat.NewDense(32, R, nil)
			for b.Loop() {
				w.MTTKRPContracted(dst, fs, n)
			}
		})
	}
	b.Run("mode3", func(b *testing.B) {
		for b.Loop() {
			w.MTTKRP(m, x, fs, 2)
		}
	})
	b.Run("KruskalNormSq", func(b *testing.B) {
		for b.Loop() {
			KruskalNormSq(fs)
		}
	})
}
