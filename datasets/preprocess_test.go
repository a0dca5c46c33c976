package datasets

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func tinyDataset() *Dataset {
	return &Dataset{Name: "tiny", X: mat.NewDense(3, 4, []float64{
		3, 4, 0, 0,
		0, 0, 0, 0,
		1, 2, 3, 10,
	}), Labels: []int{1, 2, 2}, Classes: 2, Height: 2, Width: 2}
}

func TestPreprocess(t *testing.T) {
	s5 := math.Sqrt(114)
	tests := []struct {
		steps []string
		want  []float64
	}{
		{nil, []float64{3, 4, 0, 0, 0, 0, 0, 0, 1, 2, 3, 10}},
		{[]string{"scale01"}, []float64{0.3, 0.4, 0, 0, 0, 0, 0, 0, 0.1, 0.2, 0.3, 1}},
		{[]string{"L2rows"}, []float64{0.6, 0.8, 0, 0, 0, 0, 0, 0, 1 / s5, 2 / s5, 3 / s5, 10 / s5}},
		{[]string{"l1rows"}, []float64{3. / 7, 4. / 7, 0, 0, 0, 0, 0, 0, 1. / 16, 2. / 16, 3. / 16, 10. / 16}},
		{[]string{"scale01", "l2rows"}, []float64{0.6, 0.8, 0, 0, 0, 0, 0, 0, 1 / s5, 2 / s5, 3 / s5, 10 / s5}},
		{[]string{"l1rows", "scale01"}, []float64{3. / 7 / (10. / 16), 4. / 7 / (10. / 16), 0, 0, 0, 0, 0, 0, 0.1, 0.2, 0.3, 1}},
	}
	for _, tc := range tests {
		t.Run(PreprocessKey(tc.steps), func(t *testing.T) {
			in := tinyDataset()
			orig := mat.DenseCopyOf(in.X)
			out, err := Preprocess(in, tc.steps)
			if err != nil {
				t.Fatal(err)
			}
			if !mat.Equal(in.X, orig) {
				t.Error("Preprocess modified its input")
			}
			if !mat.EqualApprox(out.X, mat.NewDense(3, 4, tc.want), 1e-15) {
				t.Errorf("got %v, want %v", mat.Formatted(out.X), tc.want)
			}
			if out.X == in.X || &out.Labels[0] == &in.Labels[0] || out.Classes != 2 || out.Height != 2 || out.Name != "tiny" {
				t.Errorf("output shares storage or lost metadata: %+v", out)
			}
			if err := out.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
	_, err := Preprocess(tinyDataset(), []string{"scale01", "zscore"})
	if err == nil || !strings.Contains(err.Error(), `"zscore"`) || !strings.Contains(err.Error(), "l1rows, l2rows, scale01") {
		t.Errorf("unknown step: %v", err)
	}
	zero := &Dataset{Name: "z", X: mat.NewDense(1, 2, nil), Labels: []int{1}, Classes: 1}
	if _, err := Preprocess(zero, []string{"scale01"}); err == nil {
		t.Error("scale01 of zero data: no error")
	}
	if got := PreprocessKey([]string{"Scale01", "l2rows"}); got != "scale01+l2rows" {
		t.Errorf("PreprocessKey = %q", got)
	}
	if got := PreprocessKey(nil); got != "raw" {
		t.Errorf("PreprocessKey(nil) = %q", got)
	}
	if StepDoc("l2rows") == "" || StepDoc("nope") != "" {
		t.Error("StepDoc")
	}
}

// grayAt decodes a PNG and returns its grey level at (x, y).
func decodeGray(t *testing.T, b []byte) *image.Gray {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("decoded %T, want *image.Gray", img)
	}
	return g
}

func TestWriteImagePNGOrientation(t *testing.T) {
	// A 2×3 image (H=2, W=3) with pixel (r, c) = 1 + r + 2c, stored at
	// X[0, c*H + r]: column-major, so X row = 1,2,3,4,5,6.
	d := &Dataset{Name: "o", X: mat.NewDense(2, 6, []float64{1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 0, 12}), Labels: []int{1, 2}, Classes: 2, Height: 2, Width: 3}
	var buf bytes.Buffer
	if err := WriteImagePNG(&buf, d, 0, 2); err != nil {
		t.Fatal(err)
	}
	g := decodeGray(t, buf.Bytes())
	if b := g.Bounds(); b.Dx() != 6 || b.Dy() != 4 {
		t.Fatalf("size %v, want 6×4", b)
	}
	for r := range 2 {
		for c := range 3 {
			want := uint8(math.Round(float64(1+r+2*c) / 6 * 255))
			for _, p := range [][2]int{{2 * c, 2 * r}, {2*c + 1, 2*r + 1}} {
				if got := g.GrayAt(p[0], p[1]).Y; got != want {
					t.Errorf("pixel (r=%d, c=%d) at x=%d y=%d: %d, want %d", r, c, p[0], p[1], got, want)
				}
			}
		}
	}
	buf.Reset()
	if err := WriteMontagePNG(&buf, d, []int{0, 1, 0}, 2, 1); err != nil {
		t.Fatal(err)
	}
	g = decodeGray(t, buf.Bytes())
	// 2 columns × 2 rows of 3×2 tiles with 2-pixel grey gaps.
	if b := g.Bounds(); b.Dx() != 2+2*(3+2) || b.Dy() != 2+2*(2+2) {
		t.Fatalf("montage size %v", b)
	}
	tile := func(k, r, c int) uint8 { return g.GrayAt(2+(k%2)*5+c, 2+(k/2)*4+r).Y }
	if tile(0, 1, 2) != 255 || tile(0, 0, 0) != 43 || tile(1, 1, 2) != 255 || tile(1, 0, 0) != 0 || tile(2, 1, 2) != 255 {
		t.Errorf("montage tiles wrong: %d %d %d %d %d", tile(0, 1, 2), tile(0, 0, 0), tile(1, 1, 2), tile(1, 0, 0), tile(2, 1, 2))
	}
	if g.GrayAt(0, 0).Y != 128 || g.GrayAt(7, 7).Y != 128 {
		t.Error("gaps are not grey")
	}
	for _, err := range []error{
		WriteImagePNG(&buf, d, 2, 1),
		WriteImagePNG(&buf, d, 0, 0),
		WriteImagePNG(&buf, &Dataset{Name: "v", X: mat.NewDense(1, 5, nil), Labels: []int{1}, Classes: 1}, 0, 1),
		WriteMontagePNG(&buf, d, nil, 2, 1),
		WriteMontagePNG(&buf, d, []int{0, -1}, 2, 1),
	} {
		if err == nil {
			t.Error("bad render request: no error")
		}
	}
}

func BenchmarkPreprocessL2COIL(b *testing.B) {
	d, err := Synthetic(syntheticPresets()[2])
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Preprocess(d, []string{"scale01", "l2rows"}); err != nil {
			b.Fatal(err)
		}
	}
}
