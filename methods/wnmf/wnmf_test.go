package wnmf

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gopkg.in/yaml.v3"

	"nmfbench/datasets"
	"nmfbench/methods"
)

// wnmfBlobs returns n 6 × 5 images (bin (r, c) at c*6 + r) of a 2 × 2 blob
// near the top-left (class 1) or bottom-right (class 2) corner, jittered by
// one pixel, on a faint background.
func wnmfBlobs(n int, rng *rand.Rand) *datasets.Dataset {
	const h, w = 6, 5
	x := mat.NewDense(n, h*w, nil)
	labels := make([]int, n)
	for i := 0; i < n; i++ {
		labels[i] = 1 + i%2
		r0, c0 := rng.IntN(2), rng.IntN(2)
		if labels[i] == 2 {
			r0, c0 = h-2-rng.IntN(2), w-2-rng.IntN(2)
		}
		for p := 0; p < h*w; p++ {
			x.Set(i, p, 0.01)
		}
		for dr := 0; dr < 2; dr++ {
			for dc := 0; dc < 2; dc++ {
				x.Set(i, (c0+dc)*h+r0+dr, 1)
			}
		}
	}
	return &datasets.Dataset{Name: "blobs", X: x, Labels: labels, Classes: 2, Height: h, Width: w}
}

func buildWNMF(t *testing.T, src string) (*methods.Configured, error) {
	t.Helper()
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(src), &node); err != nil {
		t.Fatal(err)
	}
	return methods.Default.Build("WNMF", node.Content[0])
}

func TestWNMFParams(t *testing.T) {
	c, err := buildWNMF(t, "{}")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"entropic_reg": 0.025, "rho1": 0.05, "rho2": 0.05, "max_iter": 10.0, "inner_iter": 30.0, "memory": 5.0, "warm_start": true} {
		if c.Params[k] != want {
			t.Errorf("default %s = %v, want %v", k, c.Params[k], want)
		}
	}
	for _, bad := range []string{"{entropic_reg: 0}", "{rho1: -1}", "{rho2: .nan}", "{max_iter: 0}", "{inner_iter: 0}", "{memory: 0}", "{rank: -1}", "{tol: -1}", "{grad_tol: -1}", "{sigma: 1}"} {
		if _, err := buildWNMF(t, bad); err == nil {
			t.Errorf("%s: want error", bad)
		}
	}
}

func TestWNMFFit(t *testing.T) {
	d := wnmfBlobs(16, rand.New(rand.NewPCG(1, 2)))
	c, err := buildWNMF(t, "{max_iter: 4, inner_iter: 100, entropic_reg: 0.05}")
	if err != nil {
		t.Fatal(err)
	}
	var progress int
	p := &methods.Problem{Data: d, K: 2, RNG: rand.New(rand.NewPCG(3, 4)), Progress: func(int, float64) { progress++ }}
	res, err := c.Fit(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if r, k := res.Embedding.Dims(); r != 16 || k != 2 {
		t.Fatalf("embedding is %d×%d, want 16×2", r, k)
	}
	if r, k := res.Factors["D"].Dims(); r != 30 || k != 2 {
		t.Fatalf("D is %d×%d, want 30×2", r, k)
	}
	if res.Iterations != 4 || len(res.Objective) != 5 || progress != 4 || res.CheckTrace() != nil {
		t.Errorf("%d iterations, %d objective values, %d progress calls (%v); want 4, 5, 4", res.Iterations, len(res.Objective), progress, res.CheckTrace())
	}
	// Rows of the embedding (columns of Λ) are on the simplex, and the
	// dominant atom separates the two classes.
	assign := map[int]int{}
	for i := 0; i < 16; i++ {
		row := res.Embedding.RawRowView(i)
		if s := row[0] + row[1]; math.Abs(s-1) > 1e-12 {
			t.Errorf("embedding row %d sums to %v", i, s)
		}
		a := 0
		if row[1] > row[0] {
			a = 1
		}
		if prev, ok := assign[d.Labels[i]]; ok && prev != a {
			t.Errorf("class %d split between atoms", d.Labels[i])
		}
		assign[d.Labels[i]] = a
	}
	if assign[1] == assign[2] {
		t.Error("both classes load on the same atom")
	}
}

func TestWNMFFitErrors(t *testing.T) {
	c, err := buildWNMF(t, "{max_iter: 2, inner_iter: 5}")
	if err != nil {
		t.Fatal(err)
	}
	d := wnmfBlobs(6, rand.New(rand.NewPCG(1, 1)))
	notImage := &datasets.Dataset{Name: "flat", X: d.X, Labels: d.Labels, Classes: 2}
	blank := &datasets.Dataset{Name: "blank", X: mat.DenseCopyOf(d.X), Labels: d.Labels, Classes: 2, Height: 6, Width: 5}
	for j := 0; j < 30; j++ {
		blank.X.Set(2, j, 0)
	}
	for _, tc := range []struct {
		name string
		d    *datasets.Dataset
	}{{"not an image", notImage}, {"blank sample", blank}} {
		if _, err := c.Fit(context.Background(), &methods.Problem{Data: tc.d, K: 2, RNG: rand.New(rand.NewPCG(1, 1))}); err == nil {
			t.Errorf("%s: want error", tc.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Fit(ctx, &methods.Problem{Data: d, K: 2, RNG: rand.New(rand.NewPCG(1, 1))}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}

// BenchmarkWNMFCOIL20 times one default fit on COIL20 (1440 images of
// 32 × 32); it is skipped when the data are absent. Run with -benchtime=1x.
func BenchmarkWNMFCOIL20(b *testing.B) {
	d, err := datasets.Load(context.Background(), "", "COIL20")
	if err != nil {
		b.Skipf("COIL20 unavailable: %v", err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte("{}"), &node); err != nil {
		b.Fatal(err)
	}
	c, err := methods.Default.Build("WNMF", node.Content[0])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p := &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(1, 2))}
		if _, err := c.Fit(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}
