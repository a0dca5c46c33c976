package datasets

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
)

// sampleImage checks that sample i of d is an image and returns its
// column-major pixels.
func sampleImage(d *Dataset, i int) ([]float64, error) {
	if d == nil || d.X == nil {
		return nil, fmt.Errorf("render: no dataset")
	}
	if !d.IsImage() {
		return nil, fmt.Errorf("render %s: samples are not images (Height %d × Width %d, %d features)", d.Name, d.Height, d.Width, d.Features())
	}
	if i < 0 || i >= d.Samples() {
		return nil, fmt.Errorf("render %s: sample %d out of range [0, %d)", d.Name, i, d.Samples())
	}
	raw := d.X.RawMatrix()
	return raw.Data[i*raw.Stride : i*raw.Stride+d.Features()], nil
}

// drawSample paints sample i of d into g with its top-left corner at
// (x0, y0), each pixel a scale × scale square, grey levels scaled so the
// sample's largest value is white. Pixel (r, c) is X[i, c*H + r].
func drawSample(g *image.Gray, d *Dataset, i, x0, y0, scale int) error {
	px, err := sampleImage(d, i)
	if err != nil {
		return err
	}
	peak := 0.0
	for _, v := range px {
		peak = max(peak, v)
	}
	H := d.Height
	for c := range d.Width {
		for r := range H {
			v := 0.0
			if peak > 0 {
				v = px[c*H+r] / peak
			}
			gray := color.Gray{Y: uint8(min(max(v, 0), 1)*255 + 0.5)}
			for dy := range scale {
				for dx := range scale {
					g.SetGray(x0+c*scale+dx, y0+r*scale+dy, gray)
				}
			}
		}
	}
	return nil
}

// WriteImagePNG writes sample i of d as a grayscale PNG, upright, each
// pixel enlarged to scale × scale, grey levels scaled so the sample's
// largest value is white.
func WriteImagePNG(w io.Writer, d *Dataset, i int, scale int) error {
	if scale < 1 {
		return fmt.Errorf("render: scale %d must be at least 1", scale)
	}
	if _, err := sampleImage(d, i); err != nil {
		return err
	}
	g := image.NewGray(image.Rect(0, 0, d.Width*scale, d.Height*scale))
	if err := drawSample(g, d, i, 0, 0, scale); err != nil {
		return err
	}
	return png.Encode(w, g)
}

// montageGap is the width in output pixels of the grey lines between tiles.
const montageGap = 2

// WriteMontagePNG writes the samples with the given indices as a grid of
// cols columns (row by row) in one grayscale PNG, tiles separated by grey
// lines; each tile is drawn as by WriteImagePNG.
func WriteMontagePNG(w io.Writer, d *Dataset, indices []int, cols, scale int) error {
	if scale < 1 || cols < 1 {
		return fmt.Errorf("render: scale %d and cols %d must be at least 1", scale, cols)
	}
	if len(indices) == 0 {
		return fmt.Errorf("render: no samples to draw")
	}
	for _, i := range indices {
		if _, err := sampleImage(d, i); err != nil {
			return err
		}
	}
	cols = min(cols, len(indices))
	rows := (len(indices) + cols - 1) / cols
	tw, th := d.Width*scale+montageGap, d.Height*scale+montageGap
	g := image.NewGray(image.Rect(0, 0, cols*tw+montageGap, rows*th+montageGap))
	for k := range g.Pix {
		g.Pix[k] = 128
	}
	for k, i := range indices {
		x0, y0 := montageGap+(k%cols)*tw, montageGap+(k/cols)*th
		if err := drawSample(g, d, i, x0, y0, scale); err != nil {
			return err
		}
	}
	return png.Encode(w, g)
}
