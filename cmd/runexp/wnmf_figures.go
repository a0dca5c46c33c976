package main

import (
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// set1 is ColorBrewer's Set1 (the seed's palette) for up to nine lines.
var set1 = []color.RGBA{
	{228, 26, 28, 255}, {55, 126, 184, 255}, {77, 175, 74, 255}, {152, 78, 163, 255},
	{255, 127, 0, 255}, {166, 86, 40, 255}, {247, 129, 191, 255}, {153, 153, 153, 255}, {255, 255, 51, 255},
}

// linePlot returns a plot of the columns of y (len(x) × c) against x.
func linePlot(title string, x []float64, y *mat.Dense, alpha uint8, single *color.RGBA) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	_, c := y.Dims()
	for j := 0; j < c; j++ {
		pts := make(plotter.XYs, len(x))
		for i := range x {
			pts[i].X, pts[i].Y = x[i], y.At(i, j)
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("plotting %q: %w", title, err)
		}
		col := set1[j%len(set1)]
		if single != nil {
			col = *single
		}
		col.A = alpha
		// Premultiplied alpha, as image/color expects.
		col.R, col.G, col.B = uint8(uint16(col.R)*uint16(alpha)/255), uint8(uint16(col.G)*uint16(alpha)/255), uint8(uint16(col.B)*uint16(alpha)/255)
		l.LineStyle.Color = col
		l.LineStyle.Width = vg.Points(1.2)
		p.Add(l)
	}
	return p, nil
}

// blues maps t ∈ [0, 1] to ColorBrewer's Blues ramp (white to dark blue).
func blues(t float64) color.RGBA {
	lo := [3]float64{247, 251, 255}
	hi := [3]float64{8, 48, 107}
	t = min(max(t, 0), 1)
	var c [3]uint8
	for i := range c {
		c[i] = uint8(lo[i] + t*(hi[i]-lo[i]) + 0.5)
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

// tileImage draws the first rows·cols columns of a (h·w × ≥rows·cols, bin
// (r, c) at index c*h + r) as a rows × cols mosaic of h × w images, each
// scaled to its own maximum like a heatmap with its own colour bar, enlarged
// by zoom with a one-pixel white gutter.
func tileImage(a *mat.Dense, h, w, rows, cols, zoom int) *image.RGBA {
	tw, th := w*zoom+1, h*zoom+1
	img := image.NewRGBA(image.Rect(0, 0, cols*tw+1, rows*th+1))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	_, n := a.Dims()
	for t := 0; t < rows*cols && t < n; t++ {
		ox, oy := (t%cols)*tw+1, (t/cols)*th+1
		var mx float64
		for p := 0; p < h*w; p++ {
			mx = max(mx, a.At(p, t))
		}
		for r := 0; r < h; r++ {
			for c := 0; c < w; c++ {
				v := 0.0
				if mx > 0 {
					v = a.At(c*h+r, t) / mx
				}
				col := blues(v)
				for dy := 0; dy < zoom; dy++ {
					for dx := 0; dx < zoom; dx++ {
						img.SetRGBA(ox+c*zoom+dx, oy+r*zoom+dy, col)
					}
				}
			}
		}
	}
	return img
}

// imagePlot embeds img in a titled plot without axes.
func imagePlot(title string, img image.Image) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	b := img.Bounds()
	p.Add(plotter.NewImage(img, 0, 0, float64(b.Dx()), float64(b.Dy())))
	p.HideAxes()
	return p
}

// savePanels draws plots side by side in one PNG at path, creating its
// directory.
func savePanels(path string, width, height vg.Length, plots ...*plot.Plot) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing figure: %w", err)
	}
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(120))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadX: vg.Millimeter * 4, PadTop: vg.Millimeter * 2,
		PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing figure: %w", err)
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("writing figure %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing figure %s: %w", path, err)
	}
	return nil
}
