package datasets

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/tensor"
)

// Synthetic data kinds (KindManifold is in manifold.go).
const (
	// KindBlobs makes clustered images: each class has a prototype made of a
	// few Gaussian blobs, each sample is its class prototype shifted,
	// rescaled in intensity and overlaid with nonnegative noise.
	KindBlobs = "blobs"
	// KindCP makes a planted nonnegative low-rank CP tensor: the H × W × n
	// tensor is a sum of Rank rank-one terms whose sample-mode loadings are
	// concentrated on the components of the sample's class.
	KindCP = "cp"
)

// SyntheticConfig describes a generated dataset. The generator is
// deterministic: equal configurations give bit-identical datasets. Integer
// fields left at zero take the defaults given; float fields are used as
// given (zero means none).
type SyntheticConfig struct {
	Name     string `json:"name"`      // dataset name; default "synthetic"
	Kind     string `json:"kind"`      // KindBlobs (default), KindCP or KindManifold
	Height   int    `json:"height"`    // image height; default 16
	Width    int    `json:"width"`     // image width; default 16
	Classes  int    `json:"classes"`   // number of classes K; default 6
	PerClass int    `json:"per_class"` // samples per class; default 30
	Seed     uint64 `json:"seed"`      // random seed

	// Blobs is the number of Gaussian blobs per class prototype (KindBlobs);
	// default 3.
	Blobs int `json:"blobs,omitempty"`
	// MaxShift is the largest spatial shift of a sample, in pixels, drawn
	// uniformly in [-MaxShift, MaxShift] along each axis (KindBlobs).
	MaxShift float64 `json:"max_shift,omitempty"`
	// Contrast c draws each sample's intensity factor uniformly in
	// [1-c, 1+c] (KindBlobs); it must lie in [0, 1).
	Contrast float64 `json:"contrast,omitempty"`
	// Noise is the scale σ of the half-normal noise σ|N(0,1)| added to every
	// pixel (both kinds). Prototypes peak near 1.
	Noise float64 `json:"noise,omitempty"`
	// Rank is the number R of rank-one terms (KindCP); default Classes, and
	// it must be at least Classes. Component q belongs to class q mod K + 1.
	Rank int `json:"rank,omitempty"`
	// OffClass bounds the sample-mode loadings on components of other
	// classes, drawn uniformly in [0, OffClass] (KindCP); on the sample's own
	// components they are uniform in [0.5, 1.5].
	OffClass float64 `json:"off_class,omitempty"`
	// Jitter j perturbs each view's rotation angle by a uniform fraction in
	// [-j/2, j/2] of the angular step between views (KindManifold); it must
	// lie in [0, 1].
	Jitter float64 `json:"jitter,omitempty"`
}

// syntheticPresets are the generated datasets registered by name.
func syntheticPresets() []SyntheticConfig {
	return []SyntheticConfig{
		{Name: "synthetic", Kind: KindBlobs, Height: 16, Width: 16, Classes: 6, PerClass: 30, Seed: 1,
			Blobs: 3, MaxShift: 1, Contrast: 0.2, Noise: 0.05},
		{Name: "synthetic_cp", Kind: KindCP, Height: 16, Width: 16, Classes: 5, PerClass: 20, Seed: 2,
			Rank: 5, OffClass: 0.05, Noise: 0.01},
		{Name: "synthetic_coil", Kind: KindBlobs, Height: 32, Width: 32, Classes: 20, PerClass: 72, Seed: 3,
			Blobs: 4, MaxShift: 2, Contrast: 0.25, Noise: 0.05},
	}
}

// withDefaults returns cfg with zero integer fields and an empty name or
// kind replaced by their defaults.
func (cfg SyntheticConfig) withDefaults() SyntheticConfig {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if cfg.Name == "" {
		cfg.Name = "synthetic"
	}
	if cfg.Kind == "" {
		cfg.Kind = KindBlobs
	}
	def(&cfg.Height, 16)
	def(&cfg.Width, 16)
	def(&cfg.Classes, 6)
	def(&cfg.PerClass, 30)
	switch cfg.Kind {
	case KindBlobs, KindManifold:
		def(&cfg.Blobs, 3)
	case KindCP:
		def(&cfg.Rank, cfg.Classes)
	}
	return cfg
}

// maxSyntheticValues bounds n·d so a typo cannot exhaust memory.
const maxSyntheticValues = 1 << 27

func (cfg SyntheticConfig) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("synthetic dataset %q: %s", cfg.Name, fmt.Sprintf(format, args...))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case cfg.Kind != KindBlobs && cfg.Kind != KindCP && cfg.Kind != KindManifold:
		return bad("kind %q is not %q, %q or %q", cfg.Kind, KindBlobs, KindCP, KindManifold)
	case cfg.Height < 1 || cfg.Width < 1 || cfg.Classes < 1 || cfg.PerClass < 1:
		return bad("height %d, width %d, classes %d and per_class %d must all be positive", cfg.Height, cfg.Width, cfg.Classes, cfg.PerClass)
	case float64(cfg.Height)*float64(cfg.Width)*float64(cfg.Classes)*float64(cfg.PerClass) > maxSyntheticValues:
		return bad("%d×%d images × %d samples exceed the limit of %d values", cfg.Height, cfg.Width, cfg.Classes*cfg.PerClass, maxSyntheticValues)
	case !(cfg.Noise >= 0) || !finite(cfg.Noise):
		return bad("noise %v must be finite and nonnegative", cfg.Noise)
	}
	if cfg.Kind != KindManifold && cfg.Jitter != 0 {
		return bad("jitter applies to kind %q only", KindManifold)
	}
	switch cfg.Kind {
	case KindManifold:
		return cfg.validateManifold()
	case KindBlobs:
		switch {
		case cfg.Blobs < 1:
			return bad("blobs %d must be positive", cfg.Blobs)
		case !(cfg.MaxShift >= 0) || !finite(cfg.MaxShift):
			return bad("max_shift %v must be finite and nonnegative", cfg.MaxShift)
		case !(cfg.Contrast >= 0 && cfg.Contrast < 1):
			return bad("contrast %v must lie in [0, 1)", cfg.Contrast)
		case cfg.Rank != 0 || cfg.OffClass != 0:
			return bad("rank and off_class apply to kind %q only", KindCP)
		}
	case KindCP:
		switch {
		case cfg.Rank < cfg.Classes:
			return bad("rank %d must be at least the number of classes %d, so every class owns a component", cfg.Rank, cfg.Classes)
		case !(cfg.OffClass >= 0 && cfg.OffClass <= 1):
			return bad("off_class %v must lie in [0, 1]", cfg.OffClass)
		case cfg.Blobs != 0 || cfg.MaxShift != 0 || cfg.Contrast != 0:
			return bad("blobs, max_shift and contrast apply to kind %q only", KindBlobs)
		}
	}
	return nil
}

// Hash returns the SHA-256 (hex) of the configuration with defaults filled
// in; it identifies the generated data as a file checksum identifies a file.
func (cfg SyntheticConfig) Hash() string {
	b, err := json.Marshal(cfg.withDefaults())
	if err != nil { // cannot happen: the struct has only plain fields
		b = []byte(fmt.Sprintf("%#v", cfg.withDefaults()))
	}
	sum := sha256.Sum256(append([]byte("nmfbench synthetic v1\n"), b...))
	return hex.EncodeToString(sum[:])
}

// info returns the registry entry of a preset.
func (cfg SyntheticConfig) info() Info {
	c := cfg.withDefaults()
	desc := fmt.Sprintf("generated %s data: %d classes of %d×%d images", c.Kind, c.Classes, c.Height, c.Width)
	return Info{
		Name: c.Name, SHA256: c.Hash(),
		Samples: c.Classes * c.PerClass, Features: c.Height * c.Width, Classes: c.Classes,
		Height: c.Height, Width: c.Width, PerClass: strconv.Itoa(c.PerClass),
		Values:      "nonnegative reals, prototypes peaking near 1",
		Description: desc,
		Source:      "generated by nmfbench from seed " + strconv.FormatUint(c.Seed, 10) + "; no file needed",
		Synthetic:   &c,
	}
}

// newRNG returns the generator's random source for seed.
func newRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x6e6d6662656e6368)) // "nmfbench"
}

// Synthetic generates the dataset described by cfg. Samples are ordered by
// class with labels 1..Classes, like the MATLAB datasets.
func Synthetic(cfg SyntheticConfig) (*Dataset, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Kind == KindCP {
		d, _, err := PlantedCP(cfg)
		return d, err
	}
	if cfg.Kind == KindManifold {
		return manifold(cfg), nil
	}
	return blobs(cfg), nil
}

// blob is one isotropic Gaussian bump a·exp(-((r-μr)²+(c-μc)²)/(2σ²)).
type blob struct{ a, mr, mc, sigma float64 }

// gauss1 fills out[t] = exp(-(t-mu)²/(2σ²)).
func gauss1(out []float64, mu, sigma float64) {
	for t := range out {
		z := (float64(t) - mu) / sigma
		out[t] = math.Exp(-0.5 * z * z)
	}
}

// addOuter adds f·gr gcᵀ to the column-major len(gr) × len(gc) image img:
// one separable Gaussian blob.
func addOuter(img, gr, gc []float64, f float64) {
	H := len(gr)
	for c, vc := range gc {
		col := img[c*H : (c+1)*H]
		fc := f * vc
		for r, vr := range gr {
			col[r] += fc * vr
		}
	}
}

func blobs(cfg SyntheticConfig) *Dataset {
	H, W, K := cfg.Height, cfg.Width, cfg.Classes
	n, d := K*cfg.PerClass, H*W
	rng := newRNG(cfg.Seed)
	short := float64(min(H, W))
	protos := make([][]blob, K)
	for k := range protos {
		protos[k] = make([]blob, cfg.Blobs)
		for b := range protos[k] {
			protos[k][b] = blob{
				a:     0.5 + 0.5*rng.Float64(),
				mr:    float64(H-1) * (0.2 + 0.6*rng.Float64()),
				mc:    float64(W-1) * (0.2 + 0.6*rng.Float64()),
				sigma: math.Max(0.5, short*(0.08+0.12*rng.Float64())),
			}
		}
	}
	gr, gc := make([]float64, H), make([]float64, W)
	// render writes s·Σ_b a_b g_b(r-dr) g_b(c-dc) into img (column-major),
	// using that a 2-D isotropic Gaussian is the product of two 1-D ones.
	render := func(img []float64, bl []blob, dr, dc, s float64) {
		clear(img)
		for _, b := range bl {
			gauss1(gr, b.mr+dr, b.sigma)
			gauss1(gc, b.mc+dc, b.sigma)
			addOuter(img, gr, gc, s*b.a)
		}
	}
	// Scale each prototype so its unshifted image peaks at 1.
	tmp := make([]float64, d)
	for k := range protos {
		render(tmp, protos[k], 0, 0, 1)
		peak := floats.Max(tmp)
		for b := range protos[k] {
			protos[k][b].a /= peak
		}
	}
	X := mat.NewDense(n, d, nil)
	raw := X.RawMatrix()
	labels := make([]int, n)
	for i := range n {
		k := i / cfg.PerClass
		labels[i] = k + 1
		dr := cfg.MaxShift * (2*rng.Float64() - 1)
		dc := cfg.MaxShift * (2*rng.Float64() - 1)
		s := 1 + cfg.Contrast*(2*rng.Float64()-1)
		row := raw.Data[i*raw.Stride : i*raw.Stride+d]
		render(row, protos[k], dr, dc, s)
		if cfg.Noise > 0 {
			for j := range row {
				row[j] += cfg.Noise * math.Abs(rng.NormFloat64())
			}
		}
	}
	return &Dataset{Name: cfg.Name, X: X, Labels: labels, Classes: K, Height: H, Width: W}
}

// CPFactors are the planted factors of a nonnegative CP tensor
// 𝒳 = Σ_q a1_q ∘ a2_q ∘ a3_q (H × W × n), in Kolda–Bader notation
// 𝒳 = ⟦A1, A2, A3⟧, so that the dataset's X = 𝒳₍₃₎ = A3 (A2 ⊙ A1)ᵀ with ⊙
// the Khatri–Rao product.
type CPFactors struct {
	A1 *mat.Dense // H × R pixel-row factor, columns of unit L2 norm
	A2 *mat.Dense // W × R pixel-column factor, columns of unit L2 norm
	A3 *mat.Dense // n × R sample factor, rows concentrated on their class's components
	// Owner[q] is the class label (1..K) that component q belongs to.
	Owner []int
}

// PlantedCP generates a dataset whose H × W × n tensor is the nonnegative
// CP model described by cfg (its Kind must be KindCP or empty, which means
// KindCP here) plus half-normal noise of scale cfg.Noise, and returns the
// planted factors.
func PlantedCP(cfg SyntheticConfig) (*Dataset, *CPFactors, error) {
	if cfg.Kind == "" {
		cfg.Kind = KindCP
	}
	cfg = cfg.withDefaults()
	if cfg.Kind != KindCP {
		return nil, nil, errors.New("PlantedCP: kind must be \"cp\", got " + strconv.Quote(cfg.Kind))
	}
	if err := cfg.validate(); err != nil {
		return nil, nil, err
	}
	H, W, K, R := cfg.Height, cfg.Width, cfg.Classes, cfg.Rank
	n := K * cfg.PerClass
	rng := newRNG(cfg.Seed)
	// bumps returns an m × R factor whose columns are nonnegative 1-D
	// Gaussian bumps (smooth image profiles) scaled to unit L2 norm.
	bumps := func(m int) *mat.Dense {
		A := mat.NewDense(m, R, nil)
		col := make([]float64, m)
		for q := range R {
			gauss1(col, float64(m-1)*(0.15+0.7*rng.Float64()), math.Max(0.5, float64(m)*(0.1+0.15*rng.Float64())))
			nrm := 0.0
			for _, v := range col {
				nrm += v * v
			}
			nrm = math.Sqrt(nrm)
			for t, v := range col {
				A.Set(t, q, v/nrm)
			}
		}
		return A
	}
	A1, A2 := bumps(H), bumps(W)
	owner := make([]int, R)
	for q := range owner {
		owner[q] = q%K + 1
	}
	A3 := mat.NewDense(n, R, nil)
	labels := make([]int, n)
	for i := range n {
		labels[i] = i/cfg.PerClass + 1
		for q := range R {
			if owner[q] == labels[i] {
				A3.Set(i, q, 0.5+rng.Float64())
			} else {
				A3.Set(i, q, cfg.OffClass*rng.Float64())
			}
		}
	}
	X := mat.NewDense(n, H*W, nil)
	var kr mat.Dense
	tensor.KhatriRao(&kr, A2, A1)
	X.Mul(A3, kr.T())
	if cfg.Noise > 0 {
		raw := X.RawMatrix()
		for i := range n {
			row := raw.Data[i*raw.Stride : i*raw.Stride+H*W]
			for j := range row {
				row[j] += cfg.Noise * math.Abs(rng.NormFloat64())
			}
		}
	}
	d := &Dataset{Name: cfg.Name, X: X, Labels: labels, Classes: K, Height: H, Width: W}
	return d, &CPFactors{A1: A1, A2: A2, A3: A3, Owner: owner}, nil
}
