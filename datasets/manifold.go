package datasets

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// KindManifold makes rotating objects, COIL20 in miniature: each class is an
// object made of a few Gaussian blobs at fixed polar positions around the
// image centre, and its samples are views of that object rotated by evenly
// spaced angles (one full turn per class, with jitter), rescaled in
// intensity, shifted and overlaid with nonnegative noise. Every class is
// therefore a closed curve (a ring) in pixel space. All classes draw their
// blob radii from the same range, so their rotation-averaged means are
// similar rings: class means (k-means on pixels) and global linear parts
// (NMF, NCP) separate them poorly, while a nearest-neighbour graph, whose
// edges follow each ring from one view to the next, connects a class and
// rarely crosses to another (GNMF, GNCP, GWNTF). See docs/datasets.md.
const KindManifold = "manifold"

// manifoldPresets are the manifold datasets registered by name. They are
// kept apart from syntheticPresets, whose tests require classes that class
// means separate — which these are designed not to be.
func manifoldPresets() []SyntheticConfig {
	return []SyntheticConfig{
		{Name: "rings", Kind: KindManifold, Height: 16, Width: 16, Classes: 6, PerClass: 60, Seed: 5,
			Blobs: 4, MaxShift: 0, Contrast: 0.2, Noise: 0.05, Jitter: 0.5},
	}
}

// validateManifold checks the fields of a KindManifold configuration.
func (cfg SyntheticConfig) validateManifold() error {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	bad := func(format string, args ...any) error {
		return fmt.Errorf("synthetic dataset %q: %s", cfg.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case cfg.Blobs < 1:
		return bad("blobs %d must be positive", cfg.Blobs)
	case !(cfg.MaxShift >= 0) || !finite(cfg.MaxShift):
		return bad("max_shift %v must be finite and nonnegative", cfg.MaxShift)
	case !(cfg.Contrast >= 0 && cfg.Contrast < 1):
		return bad("contrast %v must lie in [0, 1)", cfg.Contrast)
	case !(cfg.Jitter >= 0 && cfg.Jitter <= 1):
		return bad("jitter %v must lie in [0, 1]", cfg.Jitter)
	case cfg.Rank != 0 || cfg.OffClass != 0:
		return bad("rank and off_class apply to kind %q only", KindCP)
	}
	return nil
}

// polarBlob is a Gaussian bump of amplitude a and width sigma at radius rho
// and angle phi around the image centre.
type polarBlob struct{ a, rho, phi, sigma float64 }

// manifold generates a KindManifold dataset; cfg has its defaults and is
// valid. Samples are ordered by class with labels 1..Classes; within a class
// they are in order of rotation angle.
func manifold(cfg SyntheticConfig) *Dataset {
	H, W, K, m := cfg.Height, cfg.Width, cfg.Classes, cfg.PerClass
	n, d := K*m, H*W
	rng := newRNG(cfg.Seed)
	short := float64(min(H, W))
	cr, cc := float64(H-1)/2, float64(W-1)/2
	objects := make([][]polarBlob, K)
	phase := make([]float64, K)
	for k := range objects {
		objects[k] = make([]polarBlob, cfg.Blobs)
		for b := range objects[k] {
			objects[k][b] = polarBlob{
				a:     0.6 + 0.4*rng.Float64(),
				rho:   short * (0.12 + 0.22*rng.Float64()),
				phi:   2 * math.Pi * rng.Float64(),
				sigma: math.Max(0.5, short*(0.06+0.04*rng.Float64())),
			}
		}
		phase[k] = 2 * math.Pi * rng.Float64()
	}
	gr, gc := make([]float64, H), make([]float64, W)
	// render writes s·Σ_b a_b g(r − r_b) g(c − c_b) into img (column-major)
	// with the object rotated by theta and shifted by (dr, dc).
	render := func(img []float64, obj []polarBlob, theta, dr, dc, s float64) {
		clear(img)
		for _, b := range obj {
			gauss1(gr, cr+dr+b.rho*math.Sin(b.phi+theta), b.sigma)
			gauss1(gc, cc+dc+b.rho*math.Cos(b.phi+theta), b.sigma)
			addOuter(img, gr, gc, s*b.a)
		}
	}
	// Scale each object so its unrotated view peaks at 1.
	tmp := make([]float64, d)
	for k := range objects {
		render(tmp, objects[k], 0, 0, 0, 1)
		peak := floats.Max(tmp)
		for b := range objects[k] {
			objects[k][b].a /= peak
		}
	}
	X := mat.NewDense(n, d, nil)
	raw := X.RawMatrix()
	labels := make([]int, n)
	step := 2 * math.Pi / float64(m)
	for i := range n {
		k, j := i/m, i%m
		labels[i] = k + 1
		theta := phase[k] + step*(float64(j)+cfg.Jitter*(rng.Float64()-0.5))
		dr := cfg.MaxShift * (2*rng.Float64() - 1)
		dc := cfg.MaxShift * (2*rng.Float64() - 1)
		s := 1 + cfg.Contrast*(2*rng.Float64()-1)
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		render(row, objects[k], theta, dr, dc, s)
		if cfg.Noise > 0 {
			for j := range row {
				row[j] += cfg.Noise * math.Abs(rng.NormFloat64())
			}
		}
	}
	return &Dataset{Name: cfg.Name, X: X, Labels: labels, Classes: K, Height: H, Width: W}
}
