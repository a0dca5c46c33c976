package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"

	"nmfbench/internal/mu"
	"nmfbench/internal/wnmf"
)

// exampleRNG returns the generator the examples draw from for a seed.
func exampleRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// GaussianData returns the seed's 1-D data: n histograms on coord, 100
// equispaced points of [−12, 12], each a mixture Σ_c w_c exp(−(x − μ_c)²) of
// three bumps with μ_c ~ N(6, 1), N(0, 1), N(−6, 1) and w_c ~ U[0, 1),
// normalised to sum to 1. Columns of x are the histograms.
func GaussianData(n int, rng *rand.Rand) (coord []float64, x *mat.Dense) {
	const m = 100
	coord = make([]float64, m)
	for i := range coord {
		coord[i] = -12 + 24*float64(i)/float64(m-1)
	}
	x = mat.NewDense(m, n, nil)
	for l := 0; l < n; l++ {
		var bumps [3][2]float64
		for c, centre := range []float64{6, 0, -6} {
			bumps[c] = [2]float64{rng.Float64(), centre + rng.NormFloat64()}
		}
		var s float64
		for i, t := range coord {
			var v float64
			for _, b := range bumps {
				d := t - b[1]
				v += b[0] * math.Exp(-d*d)
			}
			x.Set(i, l, v)
			s += v
		}
		for i := range coord {
			x.Set(i, l, x.At(i, l)/s)
		}
	}
	return coord, x
}

// GaussianResult is the outcome of GaussianExample.
type GaussianResult struct {
	Coord []float64    // the 100 grid points of [−12, 12]
	X     *mat.Dense   // 100 × 100 input histograms, one per column
	WNMF  *wnmf.Result // W-NMF factors and trace (k = 3)
	// FrobeniusAtoms are the k = 3 atoms of multiplicative-update NMF with the
	// Frobenius loss, columns rescaled to sum to 1 for comparison.
	FrobeniusAtoms *mat.Dense
	// Peaks holds the grid location of each W-NMF atom's maximum, ascending.
	Peaks []float64
	// Figure is the path of the PNG written, "" when no outDir was given.
	Figure string
}

// GaussianExample reproduces the seed's first example: 100 noisy 3-Gaussian
// mixtures on 100 points of [−12, 12], squared Euclidean cost normalised to
// mean 1, ε = 0.025, ρ₁ = ρ₂ = 0.05, k = 3, 10 outer iterations of 250
// L-BFGS iterations (gradient tolerance 1e-4), next to Frobenius NMF. When
// outDir is not empty it writes outDir/wnmf_gaussian.png (input data,
// Frobenius atoms, W-NMF atoms).
func GaussianExample(ctx context.Context, outDir string, seed uint64) (*GaussianResult, error) {
	rng := exampleRNG(seed)
	coord, x := GaussianData(100, rng)
	kern, err := wnmf.NewGridKernel(len(coord), 1, 0.025)
	if err != nil {
		return nil, err
	}
	opt := wnmf.DefaultOptions()
	res, err := wnmf.Factorize(ctx, x, kern, opt, rng)
	if err != nil {
		return nil, fmt.Errorf("gaussian example: %w", err)
	}
	fw := frobeniusAtoms(x, opt.Rank, 500, rng)
	normaliseCols(fw)
	out := &GaussianResult{Coord: coord, X: x, WNMF: res, FrobeniusAtoms: fw}
	for j := 0; j < opt.Rank; j++ {
		best := 0
		for i := range coord {
			if res.D.At(i, j) > res.D.At(best, j) {
				best = i
			}
		}
		out.Peaks = append(out.Peaks, coord[best])
	}
	sort.Float64s(out.Peaks)
	if outDir == "" {
		return out, nil
	}
	blue := set1[1]
	pIn, err := linePlot("Input data", coord, x, 26, &blue)
	if err != nil {
		return nil, err
	}
	pF, err := linePlot("NMF with Frobenius loss", coord, fw, 255, nil)
	if err != nil {
		return nil, err
	}
	pW, err := linePlot("NMF with Wasserstein loss", coord, res.D, 255, nil)
	if err != nil {
		return nil, err
	}
	out.Figure = filepath.Join(outDir, "wnmf_gaussian.png")
	if err := savePanels(out.Figure, 15*vg.Inch, 4*vg.Inch, pIn, pF, pW); err != nil {
		return nil, err
	}
	return out, nil
}

func normaliseCols(a *mat.Dense) {
	r, c := a.Dims()
	for j := 0; j < c; j++ {
		var s float64
		for i := 0; i < r; i++ {
			s += a.At(i, j)
		}
		if s > 0 {
			for i := 0; i < r; i++ {
				a.Set(i, j, a.At(i, j)/s)
			}
		}
	}
}

// MNISTSide is the side of the MNIST images MNISTExample accepts (28 × 28).
const MNISTSide = 28

// Downscale2 sums 2 × 2 blocks of an h × w row-major image (h, w even) and
// returns the (h/2)·(w/2) result in the package's column-major bin order,
// bin (r, c) at index c*(h/2) + r, like the seed's Σᵀ·x·Σ.
func Downscale2(img []float64, h, w int) ([]float64, error) {
	if h%2 != 0 || w%2 != 0 || len(img) != h*w {
		return nil, fmt.Errorf("wnmf: cannot 2×2-downscale %d values as a %d×%d image", len(img), h, w)
	}
	hh, ww := h/2, w/2
	out := make([]float64, hh*ww)
	for r := 0; r < h; r++ {
		for c := 0; c < w; c++ {
			out[(c/2)*hh+r/2] += img[r*w+c]
		}
	}
	return out, nil
}

// MNISTResult is the outcome of MNISTExample.
type MNISTResult struct {
	Indices []int        // rows of the image matrix used, in column order of X
	X       *mat.Dense   // 196 × 256 histograms of the 14 × 14 images (bin c*14 + r)
	WNMF    *wnmf.Result // W-NMF factors (k = 25) and trace
	// Figure is the path of the PNG written, "" when no outDir was given.
	Figure string
}

// MNISTExample reproduces the seed's second example on images (n × 784,
// row-major 28 × 28 per row, any nonnegative scale; e.g. MNIST's test set):
// 256 rows drawn without replacement, 2 × 2 sum-pooled to 14 × 14 and
// normalised to histograms, grid cost normalised to mean 1, k = 25 atoms,
// ε = 0.0025, ρ₁ = ρ₂ = 0.005, 15 outer iterations of 250 L-BFGS iterations
// (gradient tolerance 1e-4). When outDir is not empty it writes
// outDir/wnmf_mnist.png (input images, learned atoms, reconstructions DΛ).
func MNISTExample(ctx context.Context, images *mat.Dense, outDir string, seed uint64) (*MNISTResult, error) {
	const n, side, k = 256, MNISTSide / 2, 25
	opt := wnmf.DefaultOptions()
	opt.Rank, opt.Rho1, opt.Rho2, opt.Iterations = k, 0.005, 0.005, 15
	return mnistRun(ctx, images, outDir, seed, n, 0.0025, opt)
}

func mnistRun(ctx context.Context, images *mat.Dense, outDir string, seed uint64, n int, eps float64, opt wnmf.Options) (*MNISTResult, error) {
	const side = MNISTSide / 2
	if images == nil || images.IsEmpty() {
		return nil, fmt.Errorf("mnist example: no images")
	}
	rows, cols := images.Dims()
	if cols != MNISTSide*MNISTSide {
		return nil, fmt.Errorf("mnist example: images have %d pixels, want %d (28×28)", cols, MNISTSide*MNISTSide)
	}
	if rows < n {
		return nil, fmt.Errorf("mnist example: %d images, need at least %d", rows, n)
	}
	rng := exampleRNG(seed)
	idx := rng.Perm(rows)[:n]
	x := mat.NewDense(side*side, n, nil)
	for l, i := range idx {
		small, err := Downscale2(images.RawRowView(i), MNISTSide, MNISTSide)
		if err != nil {
			return nil, err
		}
		var s float64
		for _, v := range small {
			if !(v >= 0) || math.IsInf(v, 1) {
				return nil, fmt.Errorf("mnist example: image %d has pixel value %v", i, v)
			}
			s += v
		}
		if s == 0 {
			return nil, fmt.Errorf("mnist example: image %d is blank", i)
		}
		for p, v := range small {
			x.Set(p, l, v/s)
		}
	}
	kern, err := wnmf.NewGridKernel(side, side, eps)
	if err != nil {
		return nil, err
	}
	res, err := wnmf.Factorize(ctx, x, kern, opt, rng)
	if err != nil {
		return nil, fmt.Errorf("mnist example: %w", err)
	}
	out := &MNISTResult{Indices: idx, X: x, WNMF: res}
	if outDir == "" {
		return out, nil
	}
	var rec mat.Dense
	rec.Mul(res.D, res.Lambda)
	const grid, zoom = 5, 8
	out.Figure = filepath.Join(outDir, "wnmf_mnist.png")
	err = savePanels(out.Figure, 15*vg.Inch, 5.4*vg.Inch,
		imagePlot("Input images", tileImage(x, side, side, grid, grid, zoom)),
		imagePlot("Learned atoms", tileImage(res.D, side, side, grid, grid, zoom)),
		imagePlot("Low rank approximation", tileImage(&rec, side, side, grid, grid, zoom)))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// frobeniusAtoms returns the atoms (m × k) of the Lee–Seung Frobenius NMF of
// x (m × n, one histogram per column) after iters iterations from
// scikit-learn's random start: the pointwise-loss baseline of the 1-D figure.
func frobeniusAtoms(x *mat.Dense, k, iters int, rng *rand.Rand) *mat.Dense {
	xt := mat.DenseCopyOf(x.T())
	U, V := mu.RandomInit(rng, xt, k)
	f, err := mu.New(xt, U, V, mu.Config{Loss: mu.Frobenius, Eps: 1e-300})
	if err != nil {
		panic(err) // shapes are consistent by construction
	}
	for range iters {
		f.Step()
	}
	return U
}
