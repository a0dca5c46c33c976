package datasets

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestManifoldShapeBalanceDeterminism(t *testing.T) {
	for _, cfg := range manifoldPresets() {
		t.Run(cfg.Name, func(t *testing.T) {
			a, err := Synthetic(cfg)
			if err != nil {
				t.Fatal(err)
			}
			n := cfg.Classes * cfg.PerClass
			if a.Samples() != n || a.Features() != cfg.Height*cfg.Width || a.Classes != cfg.Classes || !a.IsImage() || a.Name != cfg.Name {
				t.Fatalf("got %d×%d, %d classes, name %q", a.Samples(), a.Features(), a.Classes, a.Name)
			}
			if err := a.Validate(); err != nil { // finite and nonnegative
				t.Fatal(err)
			}
			count := map[int]int{}
			for i, l := range a.Labels {
				if l != i/cfg.PerClass+1 {
					t.Fatalf("label %d is %d, want %d", i, l, i/cfg.PerClass+1)
				}
				count[l]++
			}
			for l := 1; l <= cfg.Classes; l++ {
				if count[l] != cfg.PerClass {
					t.Errorf("class %d has %d samples, want %d", l, count[l], cfg.PerClass)
				}
			}
			b, _ := Synthetic(cfg)
			if !mat.Equal(a.X, b.X) || !slices.Equal(a.Labels, b.Labels) {
				t.Error("same config gave different data")
			}
			other := cfg
			other.Seed++
			c, _ := Synthetic(other)
			if mat.Equal(a.X, c.X) || other.Hash() == cfg.Hash() {
				t.Error("a different seed gave the same data or hash")
			}
			in, err := Lookup(cfg.Name)
			if err != nil || !in.IsSynthetic() || in.SHA256 != cfg.Hash() || in.Samples != n {
				t.Errorf("registry entry %+v, %v", in, err)
			}
		})
	}
}

// The property the demo relies on: a sample's nearest neighbours (cosine,
// as the graph methods' default) are almost all of its own class, while
// its class mean is not much nearer than the other class means. The first
// is what a kNN graph exploits; the second is what k-means on pixels sees.
func TestManifoldNeighboursFollowTheRings(t *testing.T) {
	d, err := Synthetic(manifoldPresets()[0])
	if err != nil {
		t.Fatal(err)
	}
	if p := knnPurity(d, 5); p < 0.9 {
		t.Errorf("5-NN purity %.3f, want ≥ 0.9: consecutive views no longer neighbours", p)
	}
	// The rotation-averaged class means are similar: every class mean is
	// closer (cosine) to some other class mean than a view is to its own
	// class mean on average.
	n, f := d.X.Dims()
	K := d.Classes
	means := make([][]float64, K)
	for k := range means {
		means[k] = make([]float64, f)
	}
	for i := range n {
		for j, v := range d.X.RawRowView(i) {
			means[d.Labels[i]-1][j] += v
		}
	}
	own := 0.0
	for i := range n {
		own += cosine(d.X.RawRowView(i), means[d.Labels[i]-1])
	}
	own /= float64(n)
	for k := range K {
		best := 0.0
		for l := range K {
			if l != k {
				best = math.Max(best, cosine(means[k], means[l]))
			}
		}
		if best < own {
			t.Errorf("class %d: mean's cosine to the nearest other mean %.3f < a view's to its own mean %.3f: class means separate the classes", k+1, best, own)
		}
	}
}

// Noiseless, unjittered views of one object are exact rotations: every view
// has the same total intensity up to its contrast factor, and views half a
// turn apart differ.
func TestManifoldRotations(t *testing.T) {
	cfg := SyntheticConfig{Kind: KindManifold, Height: 21, Width: 21, Classes: 2, PerClass: 8, Seed: 3, Blobs: 2}
	d, err := Synthetic(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sum := func(i int) float64 {
		s := 0.0
		for _, v := range d.X.RawRowView(i) {
			s += v
		}
		return s
	}
	for k := range 2 {
		ref := sum(8 * k)
		for j := 1; j < 8; j++ {
			// Blobs stay inside the 21×21 image, so rotation keeps the mass
			// up to the truncated Gaussian tails.
			if s := sum(8*k + j); math.Abs(s-ref) > 1e-3*ref {
				t.Errorf("class %d view %d: mass %v, view 0 has %v", k+1, j, s, ref)
			}
		}
		if cosine(d.X.RawRowView(8*k), d.X.RawRowView(8*k+4)) > 0.99 {
			t.Errorf("class %d: views half a turn apart are the same image", k+1)
		}
	}
}

func TestManifoldRejects(t *testing.T) {
	tests := []struct {
		cfg  SyntheticConfig
		want string
	}{
		{SyntheticConfig{Kind: KindManifold, Jitter: 1.5}, "jitter"},
		{SyntheticConfig{Kind: KindManifold, Jitter: math.NaN()}, "jitter"},
		{SyntheticConfig{Kind: KindManifold, Contrast: 1}, "contrast"},
		{SyntheticConfig{Kind: KindManifold, MaxShift: -1}, "max_shift"},
		{SyntheticConfig{Kind: KindManifold, Rank: 2}, "apply to kind"},
		{SyntheticConfig{Kind: KindBlobs, Jitter: 0.5}, "jitter applies"},
		{SyntheticConfig{Kind: KindCP, Jitter: 0.5}, "jitter applies"},
		{SyntheticConfig{Kind: "rings"}, "manifold"},
	}
	for _, tc := range tests {
		if _, err := Synthetic(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error mentioning %q", tc.cfg, err, tc.want)
		}
	}
}

// Adding the manifold kind leaves the earlier presets' identities alone:
// their canonical JSON has no jitter field, so runs stored under their
// configuration hashes stay valid.
func TestManifoldLeavesOtherHashes(t *testing.T) {
	for _, cfg := range syntheticPresets() {
		b, err := json.Marshal(cfg.withDefaults())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "jitter") {
			t.Errorf("%s: canonical JSON %s names jitter", cfg.Name, b)
		}
	}
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for t := range a {
		ab += a[t] * b[t]
		aa += a[t] * a[t]
		bb += b[t] * b[t]
	}
	return ab / math.Sqrt(aa*bb)
}

// knnPurity is the fraction of each sample's p nearest neighbours (by
// cosine similarity) that share its label.
func knnPurity(d *Dataset, p int) float64 {
	n, _ := d.X.Dims()
	good := 0
	sims := make([]struct {
		j int
		s float64
	}, 0, n)
	for i := range n {
		sims = sims[:0]
		for j := range n {
			if j != i {
				sims = append(sims, struct {
					j int
					s float64
				}{j, cosine(d.X.RawRowView(i), d.X.RawRowView(j))})
			}
		}
		sort.Slice(sims, func(x, y int) bool { return sims[x].s > sims[y].s })
		for _, q := range sims[:p] {
			if d.Labels[q.j] == d.Labels[i] {
				good++
			}
		}
	}
	return float64(good) / float64(n*p)
}
