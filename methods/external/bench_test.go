package external

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/npy"
)

// The harness's side of the protocol at COIL20's size: writing X.npy
// (1440 × 1024 float64, 11.8 MB) and reading back a 1440 × 20 embedding.
// go test -run '^$' -bench Protocol ./methods/external

func coilSized(r, c int) *mat.Dense {
	rng := rand.New(rand.NewPCG(1, 2))
	m := mat.NewDense(r, c, nil)
	for i := range m.RawMatrix().Data {
		m.RawMatrix().Data[i] = rng.Float64()
	}
	return m
}

func BenchmarkProtocolWriteX(b *testing.B) {
	X := coilSized(1440, 1024)
	path := filepath.Join(b.TempDir(), "X.npy")
	b.SetBytes(1440 * 1024 * 8)
	for b.Loop() {
		if err := npy.WriteFile(path, X); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProtocolReadEmbedding(b *testing.B) {
	path := filepath.Join(b.TempDir(), "embedding.npy")
	if err := npy.WriteFile(path, coilSized(1440, 20)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1440 * 20 * 8)
	for b.Loop() {
		if _, _, err := npy.ReadFile(path, 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProtocolReadX(b *testing.B) {
	path := filepath.Join(b.TempDir(), "X.npy")
	if err := npy.WriteFile(path, coilSized(1440, 1024)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(1440 * 1024 * 8)
	for b.Loop() {
		if _, _, err := npy.ReadFile(path, 0); err != nil {
			b.Fatal(err)
		}
	}
}
