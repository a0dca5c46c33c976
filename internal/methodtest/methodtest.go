// Package methodtest holds the fixtures that the tests of several method
// packages share: small generated image problems, manifold-shaped classes on
// which graph regularization must help, and the k-means accuracy of an
// embedding. It is imported by tests only.
package methodtest

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/kmeans"
	"nmfbench/methods"
	"nmfbench/metrics"
)

// RandomNonneg returns an r × c matrix of uniform [0, 1) entries.
func RandomNonneg(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := range m.RawMatrix().Data {
		m.RawMatrix().Data[i] = rng.Float64()
	}
	return m
}

// Problem returns a problem on d with the method stream seeded by seed and a
// fresh memo.
func Problem(d *datasets.Dataset, seed uint64) *methods.Problem {
	return &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 1)), Memo: &methods.Memo{}, DataKey: d.Name}
}

// ToyProblem returns a problem on a small generated image dataset (8 × 8
// blobs, 4 classes of 15).
func ToyProblem(t testing.TB, seed uint64) *methods.Problem {
	t.Helper()
	d, err := datasets.Synthetic(datasets.SyntheticConfig{Kind: datasets.KindBlobs, Height: 8, Width: 8, Classes: 4, PerClass: 15, Seed: 11, MaxShift: 1, Contrast: 0.2, Noise: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	d.Name = "toy"
	return Problem(d, seed)
}

// ClusterACC clusters an embedding with k-means (10 replicates) and returns
// the accuracy against the dataset's labels.
func ClusterACC(t testing.TB, d *datasets.Dataset, emb *mat.Dense, seed uint64) float64 {
	t.Helper()
	km, err := kmeans.Cluster(context.Background(), emb, kmeans.Options{K: d.Classes}, rand.New(rand.NewPCG(seed, 77)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := metrics.Evaluate(d.Labels, km.Labels)
	if err != nil {
		t.Fatal(err)
	}
	return s["acc"]
}

// ManifoldData makes 3 classes that are one-dimensional manifolds: class k's
// samples are images of one bump pattern translated along a line, so
// neighbouring samples of a class are closer than samples of different
// classes at the same position, while the translation dominates the global
// variance.
func ManifoldData() *datasets.Dataset {
	const H, W, K, per = 10, 10, 3, 40
	rng := rand.New(rand.NewPCG(99, 1))
	X := mat.NewDense(K*per, H*W, nil)
	labels := make([]int, K*per)
	// class k: a bump of width σ_k at row ρ_k, sliding along the columns.
	sigma := []float64{0.7, 1.5, 2.6}
	rho := []float64{3, 5, 7}
	for k := 0; k < K; k++ {
		for s := 0; s < per; s++ {
			i := k*per + s
			labels[i] = k + 1
			mc := 1 + 7*float64(s)/float64(per-1)
			for c := 0; c < W; c++ {
				for r := 0; r < H; r++ {
					zr, zc := (float64(r)-rho[k])/sigma[k], (float64(c)-mc)/sigma[k]
					X.Set(i, c*H+r, math.Exp(-0.5*(zr*zr+zc*zc))+0.02*rng.Float64())
				}
			}
		}
	}
	return &datasets.Dataset{Name: "manifold", X: X, Labels: labels, Classes: K, Height: H, Width: W}
}

// SameResult fails t unless a and b have bit-identical embeddings, objective
// traces, iteration counts and statuses.
func SameResult(t *testing.T, name string, a, b *methods.Result) {
	t.Helper()
	if !mat.Equal(a.Embedding, b.Embedding) {
		t.Errorf("%s: embeddings differ", name)
	}
	if len(a.Objective) != len(b.Objective) {
		t.Fatalf("%s: %d and %d objective values", name, len(a.Objective), len(b.Objective))
	}
	for i := range a.Objective {
		if a.Objective[i] != b.Objective[i] {
			t.Fatalf("%s: objective %d differs: %v vs %v", name, i, a.Objective[i], b.Objective[i])
		}
	}
	if a.Iterations != b.Iterations || a.Status != b.Status {
		t.Errorf("%s: iterations/converged %d/%v vs %d/%v", name, a.Iterations, a.Status, b.Iterations, b.Status)
	}
}
