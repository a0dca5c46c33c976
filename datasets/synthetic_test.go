package datasets

import (
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestSyntheticDeterministicAndShaped(t *testing.T) {
	for _, cfg := range syntheticPresets() {
		t.Run(cfg.Name, func(t *testing.T) {
			a, err := Synthetic(cfg)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Synthetic(cfg)
			if !mat.Equal(a.X, b.X) || !slices.Equal(a.Labels, b.Labels) {
				t.Error("same config gave different data")
			}
			other := cfg
			other.Seed++
			c, _ := Synthetic(other)
			if mat.Equal(a.X, c.X) {
				t.Error("a different seed gave the same data")
			}
			if other.Hash() == cfg.Hash() {
				t.Error("a different seed gave the same hash")
			}
			n := cfg.Classes * cfg.PerClass
			if a.Samples() != n || a.Features() != cfg.Height*cfg.Width || a.Classes != cfg.Classes || a.Name != cfg.Name || !a.IsImage() {
				t.Fatalf("got %d×%d, %d classes, name %q", a.Samples(), a.Features(), a.Classes, a.Name)
			}
			if err := a.Validate(); err != nil {
				t.Fatal(err)
			}
			for i, l := range a.Labels {
				if l != i/cfg.PerClass+1 {
					t.Fatalf("label %d is %d, want %d", i, l, i/cfg.PerClass+1)
				}
			}
			if acc := nearestCentroidAccuracy(a); acc < 0.95 {
				t.Errorf("nearest-centroid accuracy %.3f: classes are not clustered", acc)
			}
		})
	}
}

// nearestCentroidAccuracy is the fraction of samples whose nearest class
// mean (Euclidean) is their own class's: a check that the classes form
// clusters.
func nearestCentroidAccuracy(d *Dataset) float64 {
	n, f := d.X.Dims()
	cent := make(map[int][]float64)
	count := make(map[int]float64)
	for i := range n {
		c := cent[d.Labels[i]]
		if c == nil {
			c = make([]float64, f)
			cent[d.Labels[i]] = c
		}
		for j, v := range d.X.RawRowView(i) {
			c[j] += v
		}
		count[d.Labels[i]]++
	}
	for l, c := range cent {
		for j := range c {
			c[j] /= count[l]
		}
	}
	good := 0
	for i := range n {
		best, bestD := 0, math.Inf(1)
		for l, c := range cent {
			s := 0.0
			for j, v := range d.X.RawRowView(i) {
				s += (v - c[j]) * (v - c[j])
			}
			if s < bestD {
				best, bestD = l, s
			}
		}
		if best == d.Labels[i] {
			good++
		}
	}
	return float64(good) / float64(n)
}

// Noiseless, unshifted blobs: every sample of a class equals its prototype
// times its contrast factor, so samples of one class are collinear.
func TestSyntheticBlobsStructure(t *testing.T) {
	cfg := SyntheticConfig{Height: 12, Width: 10, Classes: 3, PerClass: 4, Seed: 7, Blobs: 2, Contrast: 0.3}
	d, err := Synthetic(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.Samples() {
		ref := d.X.RawRowView(i - i%4)
		row := d.X.RawRowView(i)
		ratio := row[0] / ref[0]
		peak := slices.Max(row)
		if ratio < 0.7/1.3-1e-12 || ratio > 1.3/0.7+1e-12 || peak < 0.7-1e-12 || peak > 1.3+1e-12 {
			t.Errorf("sample %d: ratio %v to its class's first sample, peak %v", i, ratio, peak)
		}
		for j := range row {
			if math.Abs(row[j]-ratio*ref[j]) > 1e-12*math.Max(1, ref[j]) {
				t.Fatalf("sample %d is not a multiple of its prototype at pixel %d", i, j)
			}
		}
	}
}

func TestPlantedCP(t *testing.T) {
	cfg := SyntheticConfig{Name: "cp", Height: 7, Width: 5, Classes: 3, PerClass: 4, Rank: 4, OffClass: 0.1, Seed: 11}
	d, f, err := PlantedCP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	H, W, R, n := 7, 5, 4, 12
	if r, c := f.A1.Dims(); r != H || c != R {
		t.Fatalf("A1 is %d×%d", r, c)
	}
	if r, c := f.A2.Dims(); r != W || c != R {
		t.Fatalf("A2 is %d×%d", r, c)
	}
	if r, c := f.A3.Dims(); r != n || c != R {
		t.Fatalf("A3 is %d×%d", r, c)
	}
	// X[i, c*H+r] = Σ_q A1[r,q] A2[c,q] A3[i,q] (naive definition).
	for i := range n {
		for c := range W {
			for r := range H {
				want := 0.0
				for q := range R {
					want += f.A1.At(r, q) * f.A2.At(c, q) * f.A3.At(i, q)
				}
				if got := d.X.At(i, c*H+r); math.Abs(got-want) > 1e-14 {
					t.Fatalf("X[%d, %d] = %v, want %v", i, c*H+r, got, want)
				}
			}
		}
	}
	// Unit-norm pixel factors, sample factors concentrated on the class.
	for q := range R {
		if n1, n2 := mat.Norm(f.A1.ColView(q), 2), mat.Norm(f.A2.ColView(q), 2); math.Abs(n1-1) > 1e-14 || math.Abs(n2-1) > 1e-14 {
			t.Errorf("column %d norms %v %v", q, n1, n2)
		}
	}
	if !slices.Equal(f.Owner, []int{1, 2, 3, 1}) {
		t.Errorf("owners %v", f.Owner)
	}
	for i := range n {
		for q := range R {
			v := f.A3.At(i, q)
			own := f.Owner[q] == d.Labels[i]
			if own && (v < 0.5 || v > 1.5) || !own && (v < 0 || v > 0.1) {
				t.Errorf("A3[%d, %d] = %v (own class %v)", i, q, v, own)
			}
		}
	}
	// The noiseless mode-3 unfolding has rank R.
	var svd mat.SVD
	if !svd.Factorize(d.X, mat.SVDNone) {
		t.Fatal("SVD failed")
	}
	s := svd.Values(nil)
	if s[R-1] < 1e-6*s[0] || s[R] > 1e-12*s[0] {
		t.Errorf("singular values %v: want rank %d", s, R)
	}
	// Noise is added on top, nonnegative.
	cfg.Noise = 0.05
	dn, fn, err := PlantedCP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(fn.A3, f.A3) {
		t.Error("noise changed the planted factors")
	}
	var diff mat.Dense
	diff.Sub(dn.X, d.X)
	if mat.Min(&diff) < 0 || mat.Max(&diff) == 0 {
		t.Errorf("noise range [%v, %v]", mat.Min(&diff), mat.Max(&diff))
	}
}

func TestSyntheticRejects(t *testing.T) {
	tests := []struct {
		cfg  SyntheticConfig
		want string
	}{
		{SyntheticConfig{Kind: "stripes"}, "kind"},
		{SyntheticConfig{Height: -1}, "positive"},
		{SyntheticConfig{Noise: -0.1}, "noise"},
		{SyntheticConfig{Noise: math.NaN()}, "noise"},
		{SyntheticConfig{Contrast: 1}, "contrast"},
		{SyntheticConfig{MaxShift: math.Inf(1)}, "max_shift"},
		{SyntheticConfig{Rank: 3}, "apply to kind"},
		{SyntheticConfig{Kind: KindCP, Classes: 4, Rank: 3}, "at least the number of classes"},
		{SyntheticConfig{Kind: KindCP, OffClass: 2}, "off_class"},
		{SyntheticConfig{Kind: KindCP, Blobs: 2}, "apply to kind"},
		{SyntheticConfig{Height: 1000, Width: 1000, PerClass: 1000}, "exceed"},
	}
	for _, tc := range tests {
		if _, err := Synthetic(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error mentioning %q", tc.cfg, err, tc.want)
		}
	}
	if _, _, err := PlantedCP(SyntheticConfig{Kind: KindBlobs}); err == nil {
		t.Error("PlantedCP accepted kind blobs")
	}
}

func BenchmarkSyntheticCOIL(b *testing.B) {
	cfg := syntheticPresets()[2]
	for b.Loop() {
		if _, err := Synthetic(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
