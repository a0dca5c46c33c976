package main

import (
	"context"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
	"nmfbench/internal/wnmf"
)

// figureDir returns reports/figures/wnmf of the repository when
// NMFBENCH_WRITE_FIGURES=1, else a temporary directory.
func figureDir(t *testing.T) string {
	if os.Getenv("NMFBENCH_WRITE_FIGURES") == "1" {
		return filepath.Join("..", "..", "reports", "figures", "wnmf")
	}
	return t.TempDir()
}

func checkPNG(t *testing.T, path string, minW, minH int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("figure not written: %v", err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	if cfg.Width < minW || cfg.Height < minH {
		t.Errorf("%s is %d×%d, want at least %d×%d", path, cfg.Width, cfg.Height, minW, minH)
	}
}

// TestGaussianExample checks the seed's claim: W-NMF atoms are the three
// Gaussians, peaking within one grid step of −6, 0 and 6.
func TestGaussianExample(t *testing.T) {
	res, err := GaussianExample(context.Background(), figureDir(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	step := res.Coord[1] - res.Coord[0]
	for i, want := range []float64{-6, 0, 6} {
		if got := res.Peaks[i]; math.Abs(got-want) > step {
			t.Errorf("atom %d peaks at %.3f, want within one grid step (%.3f) of %v", i, got, step, want)
		}
	}
	if r, c := res.FrobeniusAtoms.Dims(); r != 100 || c != 3 {
		t.Errorf("Frobenius atoms are %d×%d, want 100×3", r, c)
	}
	checkPNG(t, res.Figure, 1000, 300)
}

func TestGaussianData(t *testing.T) {
	coord, x := GaussianData(7, rand.New(rand.NewPCG(1, 1)))
	if len(coord) != 100 || coord[0] != -12 || math.Abs(coord[99]-12) > 1e-14 {
		t.Fatalf("grid %v … %v (%d points), want 100 points from −12 to 12", coord[0], coord[len(coord)-1], len(coord))
	}
	for l := 0; l < 7; l++ {
		var s float64
		for i := range coord {
			s += x.At(i, l)
		}
		if math.Abs(s-1) > 1e-12 {
			t.Errorf("column %d sums to %v", l, s)
		}
	}
}

func TestDownscale2(t *testing.T) {
	const h, w = 4, 6
	img := make([]float64, h*w)
	for i := range img {
		img[i] = float64(i * i % 7)
	}
	got, err := Downscale2(img, h, w)
	if err != nil {
		t.Fatal(err)
	}
	for r := 0; r < h/2; r++ {
		for c := 0; c < w/2; c++ {
			want := img[2*r*w+2*c] + img[2*r*w+2*c+1] + img[(2*r+1)*w+2*c] + img[(2*r+1)*w+2*c+1]
			if v := got[c*(h/2)+r]; v != want {
				t.Errorf("pooled (%d,%d) = %v, want %v", r, c, v, want)
			}
		}
	}
	if _, err := Downscale2(img, 3, 8); err == nil {
		t.Error("odd height: want error")
	}
}

// syntheticDigits returns n 28 × 28 row-major images of a vertical or a
// horizontal bar at a random offset.
func syntheticDigits(n int, rng *rand.Rand) *mat.Dense {
	x := mat.NewDense(n, MNISTSide*MNISTSide, nil)
	for i := 0; i < n; i++ {
		off := 8 + rng.IntN(12)
		for t := 6; t < 22; t++ {
			r, c := t, off
			if i%2 == 1 {
				r, c = off, t
			}
			x.Set(i, r*MNISTSide+c, 255)
			x.Set(i, r*MNISTSide+c+1, 128)
		}
	}
	return x
}

// TestMNISTPipeline runs the MNIST example's pipeline (sampling, pooling,
// normalisation, W-NMF, figure) on synthetic images with a small budget.
func TestMNISTPipeline(t *testing.T) {
	imgs := syntheticDigits(30, rand.New(rand.NewPCG(2, 3)))
	opt := wnmf.DefaultOptions()
	opt.Rank, opt.Rho1, opt.Rho2, opt.Iterations, opt.InnerIterations = 4, 0.01, 0.01, 2, 20
	dir := t.TempDir()
	res, err := mnistRun(context.Background(), imgs, dir, 1, 12, 0.01, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r, c := res.X.Dims(); r != 196 || c != 12 || len(res.Indices) != 12 {
		t.Fatalf("X is %d×%d with %d indices, want 196×12 and 12", r, c, len(res.Indices))
	}
	seen := map[int]bool{}
	for l, i := range res.Indices {
		if seen[i] {
			t.Fatalf("image %d drawn twice", i)
		}
		seen[i] = true
		small, _ := Downscale2(imgs.RawRowView(i), MNISTSide, MNISTSide)
		var s float64
		for _, v := range small {
			s += v
		}
		for p, v := range small {
			if math.Abs(res.X.At(p, l)-v/s) > 1e-15 {
				t.Fatalf("column %d bin %d = %v, want %v", l, p, res.X.At(p, l), v/s)
			}
		}
	}
	if r, c := res.WNMF.D.Dims(); r != 196 || c != 4 {
		t.Errorf("D is %d×%d, want 196×4", r, c)
	}
	checkPNG(t, res.Figure, 1000, 300)

	if _, err := mnistRun(context.Background(), imgs, "", 1, 31, 0.01, opt); err == nil {
		t.Error("more images requested than given: want error")
	}
	if _, err := MNISTExample(context.Background(), mat.NewDense(3, 100, nil), "", 1); err == nil {
		t.Error("wrong image size: want error")
	}
}

// TestMNISTExample runs the seed's full MNIST example (about 40 s of CPU) when
// figures are requested (NMFBENCH_WRITE_FIGURES=1) and the test set exists.
func TestMNISTExample(t *testing.T) {
	if testing.Short() || os.Getenv("NMFBENCH_WRITE_FIGURES") != "1" {
		t.Skip("full MNIST example runs only with NMFBENCH_WRITE_FIGURES=1")
	}
	imgs, _, err := datasets.LoadMNISTTest(context.Background(), "")
	if err != nil {
		t.Skipf("MNIST test set unavailable: %v", err)
	}
	res, err := MNISTExample(context.Background(), imgs, figureDir(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	obj := res.WNMF.Objective
	if len(obj) != 15 {
		t.Fatalf("%d outer iterations, want 15", len(obj))
	}
	for i := 1; i < len(obj); i++ {
		if obj[i] > obj[i-1] {
			t.Errorf("objective rose from %v to %v at iteration %d", obj[i-1], obj[i], i+1)
		}
	}
	checkPNG(t, res.Figure, 1000, 300)
}
