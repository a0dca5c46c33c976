package spectral

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/graph"
	"nmfbench/internal/kmeans"
	"nmfbench/methods"
	"nmfbench/metrics"
)

// components returns the CSR graph of disjoint cliques of the given sizes
// (weights drawn in [1, 2), symmetric), and each vertex's component.
func components(t *testing.T, rng *rand.Rand, sizes ...int) (*graph.CSR, []int) {
	t.Helper()
	n := 0
	for _, s := range sizes {
		n += s
	}
	w := mat.NewDense(n, n, nil)
	comp := make([]int, 0, n)
	off := 0
	for c, s := range sizes {
		for i := off; i < off+s; i++ {
			comp = append(comp, c)
			for j := i + 1; j < off+s; j++ {
				v := 1 + rng.Float64()
				w.Set(i, j, v)
				w.Set(j, i, v)
			}
		}
		off += s
	}
	g, err := graph.FromDense(w)
	if err != nil {
		t.Fatal(err)
	}
	return g, comp
}

// TestEmbeddingComponents: for a graph of r disjoint components the r leading
// eigenvectors span the components' indicator vectors (eigenvalue 1 each), so
// after the row normalisation the rows of one component coincide and rows of
// different components are orthogonal (Ng, Jordan and Weiss, Proposition 1).
func TestEmbeddingComponents(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	g, comp := components(t, rng, 7, 5, 9, 4)
	e, err := Embedding(g, 4)
	if err != nil {
		t.Fatal(err)
	}
	n, r := e.Dims()
	if n != len(comp) || r != 4 {
		t.Fatalf("embedding %d×%d; want %d×4", n, r, len(comp))
	}
	for i := 0; i < n; i++ {
		if nrm := floats.Norm(e.RawRowView(i), 2); math.Abs(nrm-1) > 1e-12 {
			t.Fatalf("row %d has norm %v; want 1", i, nrm)
		}
		for j := 0; j < i; j++ {
			d := floats.Dot(e.RawRowView(i), e.RawRowView(j))
			want := 0.0
			if comp[i] == comp[j] {
				want = 1
			}
			if math.Abs(d-want) > 1e-9 {
				t.Fatalf("rows %d, %d (components %d, %d): inner product %v; want %v", i, j, comp[i], comp[j], d, want)
			}
		}
	}
}

// TestEmbeddingLeadingEigenvector: on a connected graph the leading
// eigenvector of D^{-1/2}SD^{-1/2} is D^{1/2}𝟏 (eigenvalue 1), so the first
// column of the embedding, before each row's normalisation, is ∝ √dᵢ; after
// it, column 1 times the row's norm. Checked through the unnormalised
// eigenvectors the package computes (e[i]·‖v_i‖ = v_i).
func TestEmbeddingLeadingEigenvector(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 30
	w := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ { // a ring plus random chords: connected
		j := (i + 1) % n
		w.Set(i, j, 1)
		w.Set(j, i, 1)
		k := rng.IntN(n)
		if k != i {
			v := rng.Float64()
			w.Set(i, k, v)
			w.Set(k, i, v)
		}
	}
	g, err := graph.FromDense(w)
	if err != nil {
		t.Fatal(err)
	}
	vec, val, err := leading(g, 3)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(val[0]-1) > 1e-12 || !(val[1] < val[0]) || !(val[2] <= val[1]) {
		t.Fatalf("leading eigenvalues %v; want 1 first, then decreasing", val)
	}
	// N v = λ v for every kept pair.
	deg := g.Degrees()
	for k := 0; k < 3; k++ {
		for i := 0; i < n; i++ {
			s := 0.0
			cols, ws := g.Row(i)
			for t2, j := range cols {
				s += ws[t2] / math.Sqrt(deg[i]*deg[j]) * vec.At(j, k)
			}
			if math.Abs(s-val[k]*vec.At(i, k)) > 1e-12 {
				t.Fatalf("eigenpair %d, row %d: (Nv)_i = %v, λv_i = %v", k, i, s, val[k]*vec.At(i, k))
			}
		}
	}
	// v₁ ∝ √d.
	ratio := vec.At(0, 0) / math.Sqrt(deg[0])
	for i := 1; i < n; i++ {
		if got := vec.At(i, 0) / math.Sqrt(deg[i]); math.Abs(got-ratio) > 1e-12 {
			t.Fatalf("v₁[%d]/√d = %v; want %v as for vertex 0", i, got, ratio)
		}
	}
	e, err := Embedding(g, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		nrm := floats.Norm(vec.RawRowView(i), 2)
		for k := 0; k < 3; k++ {
			if math.Abs(e.At(i, k)*nrm-vec.At(i, k)) > 1e-13 {
				t.Fatalf("embedding (%d,%d) = %v; want the eigenvector entry %v over the row norm %v", i, k, e.At(i, k), vec.At(i, k), nrm)
			}
		}
	}
}

// blobs returns n = classes·per samples of dimension d, class c concentrated
// on its own block of coordinates (so that cosine neighbours stay in class).
func blobs(classes, per, d int, seed uint64) *datasets.Dataset {
	rng := rand.New(rand.NewPCG(seed, 9))
	x := mat.NewDense(classes*per, d, nil)
	labels := make([]int, classes*per)
	block := d / classes
	for c := 0; c < classes; c++ {
		for s := 0; s < per; s++ {
			i := c*per + s
			labels[i] = c + 1
			for j := 0; j < d; j++ {
				v := 0.05 * rng.Float64()
				if j/block == c {
					v += 1 + 0.3*rng.NormFloat64()
				}
				x.Set(i, j, math.Abs(v))
			}
		}
	}
	return &datasets.Dataset{Name: "blobs", X: x, Labels: labels, Classes: classes}
}

// TestFitRecoversClasses: through the registry on well-separated classes
// the embedding, clustered by k-means, recovers the classes exactly, and a
// second run of the same process returns the cached embedding.
func TestFitRecoversClasses(t *testing.T) {
	d := blobs(4, 25, 40, 1)
	c, err := methods.Default.BuildYAML("Spectral", "{}")
	if err != nil {
		t.Fatal(err)
	}
	memo := &methods.Memo{}
	prob := func(seed uint64) *methods.Problem {
		return &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 1)), Memo: memo, DataKey: d.Name}
	}
	res, err := c.Fit(context.Background(), prob(1))
	if err != nil {
		t.Fatal(err)
	}
	if r, k := res.Embedding.Dims(); r != 100 || k != 4 {
		t.Fatalf("embedding %d×%d; want 100×4", r, k)
	}
	km, err := kmeans.Cluster(context.Background(), res.Embedding, kmeans.Options{K: 4}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := metrics.Evaluate(d.Labels, km.Labels)
	if err != nil {
		t.Fatal(err)
	}
	if sc["acc"] != 1 {
		t.Errorf("ACC %v; want 1 on separated classes", sc["acc"])
	}
	again, err := c.Fit(context.Background(), prob(2))
	if err != nil {
		t.Fatal(err)
	}
	if again.Embedding != res.Embedding {
		t.Error("the second fit recomputed the embedding; want the cached one")
	}
}

func TestFitRejects(t *testing.T) {
	small := blobs(2, 3, 4, 2)
	big := &datasets.Dataset{Name: "big", X: mat.NewDense(MaxSamples+1, 1, nil), Labels: make([]int, MaxSamples+1), Classes: 2}
	for _, tc := range []struct {
		name, params string
		d            *datasets.Dataset
		want         string
	}{
		{"rank", "{rank: 7}", small, "rank 7"},
		{"size", "{}", big, "limited to 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := methods.Default.BuildYAML("Spectral", tc.params)
			if err != nil {
				t.Fatal(err)
			}
			p := &methods.Problem{Data: tc.d, K: tc.d.Classes, RNG: rand.New(rand.NewPCG(1, 1))}
			if _, err := c.Fit(context.Background(), p); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v; want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := methods.Default.BuildYAML("Spectral", "{neighbors: 0}"); err == nil || !strings.Contains(err.Error(), "neighbors") {
		t.Errorf("neighbors 0: error %v; want one naming neighbors", err)
	}
}

// BenchmarkEmbedding times the dense eigendecomposition of a 1000-vertex
// 5-NN graph of random points (the cost is O(n³); PIE_pose27 has 2856).
func BenchmarkEmbedding(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := mat.NewDense(1000, 20, nil)
	for i := 0; i < 1000; i++ {
		for j := 0; j < 20; j++ {
			x.Set(i, j, rng.Float64())
		}
	}
	g, err := graph.KNN(context.Background(), x, graph.Options{K: 5})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Embedding(g, 20); err != nil {
			b.Fatal(err)
		}
	}
}
