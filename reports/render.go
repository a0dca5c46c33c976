package reports

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Print sizes. Figures are drawn at the size they are printed at, so a
// font size in points is the size on paper: no text below 8 pt.
const (
	pngDPI    = 300 // resolution of the PNG figures
	titleSize = 9   // points
	textSize  = 8   // axis labels, tick labels, legends
)

// widthOf is the printed width of a figure for an Options.FigureWidth.
func widthOf(w string) vg.Length {
	if w == WidthOneColumn {
		return 3.3 * vg.Inch
	}
	return 6.9 * vg.Inch
}

// legendEntry is one item of a figure's legend strip.
type legendEntry struct {
	label  string
	thumbs []plot.Thumbnailer
}

// strip is the legend of a figure, drawn above its panels, outside the data.
type strip []legendEntry

func (s *strip) add(label string, thumbs ...plot.Thumbnailer) {
	*s = append(*s, legendEntry{label: drawText(label, 2*maxDrawn), thumbs: thumbs})
}

var legendStyle = text.Style{Font: font.From(plot.DefaultFont, vg.Points(textSize)), Handler: plot.DefaultTextHandler, Color: color.Black}

const thumbW = 16 // points: width of a legend thumbnail

// layout places the entries in rows no wider than w; it returns the rows
// (entry indices) and the strip's height.
func (s strip) layout(w vg.Length) ([][]int, vg.Length) {
	if len(s) == 0 {
		return nil, 0
	}
	var rows [][]int
	var cur []int
	x := vg.Length(0)
	for i, e := range s {
		ew := vg.Points(thumbW+4) + legendStyle.Width(e.label) + vg.Points(10)
		if len(cur) > 0 && x+ew > w {
			rows = append(rows, cur)
			cur, x = nil, 0
		}
		cur = append(cur, i)
		x += ew
	}
	rows = append(rows, cur)
	return rows, vg.Length(len(rows))*lineHeight() + vg.Points(4)
}

func lineHeight() vg.Length { return legendStyle.Height("Ag") * 1.35 }

// draw draws the strip centred in the top of c.
func (s strip) draw(c draw.Canvas, rows [][]int) {
	lh := lineHeight()
	y := c.Max.Y - lh
	for _, row := range rows {
		total := vg.Length(0)
		for _, i := range row {
			total += vg.Points(thumbW+4) + legendStyle.Width(s[i].label) + vg.Points(10)
		}
		x := c.Min.X + (c.Max.X-c.Min.X-total)/2
		for _, i := range row {
			e := s[i]
			icon := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y + lh*0.15}, Max: vg.Point{X: x + vg.Points(thumbW), Y: y + lh*0.85}}}
			for _, t := range e.thumbs {
				t.Thumbnail(&icon)
			}
			c.FillText(legendStyle, vg.Point{X: x + vg.Points(thumbW+4), Y: y + lh*0.25}, e.label)
			x += vg.Points(thumbW+4) + legendStyle.Width(e.label) + vg.Points(10)
		}
		y -= lh
	}
}

// rendered is a figure in its three formats.
type rendered struct{ png, svg, pdf []byte }

// render draws a grid of panels (nil panels are left empty) under the
// legend strip on a w × h canvas (h: the panels' height; the strip's is
// added) and encodes it as PNG (pngDPI), SVG and PDF.
func render(grid [][]*plot.Plot, legend strip, w, h vg.Length) (rendered, error) {
	rows, cols := len(grid), 0
	for _, r := range grid {
		cols = max(cols, len(r))
	}
	for i := range grid {
		for len(grid[i]) < cols {
			grid[i] = append(grid[i], nil)
		}
	}
	lrows, lh := legend.layout(w - vg.Points(8))
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(10), PadY: vg.Points(10),
		PadTop: vg.Points(3), PadBottom: vg.Points(3), PadLeft: vg.Points(3), PadRight: vg.Points(6)}
	return encode(w, h+lh, func(dc draw.Canvas) {
		if lh > 0 {
			top := dc
			top.Min.Y = dc.Max.Y - lh
			legend.draw(top, lrows)
			dc.Max.Y -= lh
		}
		canvases := plot.Align(grid, tiles, dc)
		for j := range grid {
			for i, p := range grid[j] {
				if p != nil {
					p.Draw(canvases[j][i])
				}
			}
		}
	})
}

// encode runs drawFn on a PNG, an SVG and a PDF canvas of w × h.
func encode(w, h vg.Length, drawFn func(draw.Canvas)) (rendered, error) {
	var out rendered
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(pngDPI), vgimg.UseBackgroundColor(color.White))
	drawFn(draw.New(img))
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return out, fmt.Errorf("encode PNG: %w", err)
	}
	out.png = b.Bytes()
	svg := vgsvg.New(w, h)
	drawFn(draw.New(svg))
	var sb bytes.Buffer
	if _, err := svg.WriteTo(&sb); err != nil {
		return out, fmt.Errorf("encode SVG: %w", err)
	}
	out.svg = sb.Bytes()
	pdf := vgpdf.New(w, h)
	pdf.EmbedFonts(true)
	drawFn(draw.New(pdf))
	var pb bytes.Buffer
	if _, err := pdf.WriteTo(&pb); err != nil {
		return out, fmt.Errorf("encode PDF: %w", err)
	}
	out.pdf = pb.Bytes()
	return out, nil
}

// imagePDF returns a PDF of w × h points showing img under a title.
func imagePDF(title string, img image.Image, w, h vg.Length) ([]byte, error) {
	top := vg.Points(titleSize * 2)
	c := vgpdf.New(w, h+top)
	c.EmbedFonts(true)
	dc := draw.New(c)
	sty := legendStyle
	sty.Font.Size = vg.Points(titleSize)
	sty.XAlign = draw.XCenter
	dc.FillText(sty, vg.Point{X: w / 2, Y: h + top*0.3}, drawText(title, 3*maxDrawn))
	c.DrawImage(vg.Rectangle{Max: vg.Point{X: w, Y: h}}, img)
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("encode PDF: %w", err)
	}
	return b.Bytes(), nil
}

// uniformTicks are gonum's default tick positions with every label of the
// axis in one format: fixed with as many decimals as the finest tick needs,
// or, when the largest magnitude is ≥ 10⁵ or the smallest nonzero one
// < 10⁻³, exponent form with a common number of mantissa digits. Integer
// restricts the ticks to whole numbers (iterations).
type uniformTicks struct{ integer bool }

// Ticks implements plot.Ticker.
func (u uniformTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if u.integer && t.Value != math.Trunc(t.Value) {
			continue
		}
		ticks = append(ticks, t)
	}
	var major []float64
	for _, t := range ticks {
		if t.Label != "" {
			major = append(major, t.Value)
		}
	}
	labels := uniformLabels(major)
	k := 0
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = labels[k]
			k++
		}
	}
	return ticks
}

// uniformLabels formats values in one common format (see uniformTicks).
func uniformLabels(vs []float64) []string {
	out := make([]string, len(vs))
	if len(vs) == 0 {
		return out
	}
	if needsExponent(vs) {
		fewestDigits(out, vs, 'e', 6)
		for i := range out {
			out[i] = tidyExp(out[i])
		}
		return out
	}
	fewestDigits(out, vs, 'f', 8)
	for i := range out {
		if out[i] == "-0" || strings.Trim(out[i], "-0.") == "" {
			out[i] = strings.TrimPrefix(out[i], "-")
		}
	}
	return out
}

// needsExponent reports whether labels of vs need the exponent form: the
// largest magnitude reaches 10⁵ or the smallest nonzero one falls below 10⁻³.
func needsExponent(vs []float64) bool {
	big, small := 0.0, math.Inf(1)
	for _, v := range vs {
		a := math.Abs(v)
		big = math.Max(big, a)
		if a > 0 {
			small = math.Min(small, a)
		}
	}
	return big >= 1e5 || small < 1e-3
}

// tidyExp writes "1.5e+06" as "1.5e6" and "2e-05" as "2e-5".
func tidyExp(s string) string {
	m, e, ok := strings.Cut(s, "e")
	if !ok {
		return s
	}
	sign := ""
	if strings.HasPrefix(e, "-") {
		sign = "-"
	}
	e = strings.TrimLeft(e, "+-0")
	if e == "" {
		return m
	}
	return m + "e" + sign + e
}

// valueLabels formats given values (a sweep's) in one format: the shortest
// plain decimal of each (0.1, 1, 10, 1000), or, when the magnitudes reach
// 10⁵ or fall below 10⁻³, the exponent form of uniformLabels.
func valueLabels(vs []float64) []string {
	if needsExponent(vs) {
		return uniformLabels(vs)
	}
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return out
}

// decadeTicks label a log axis at the powers of ten in range, as "1e-3",
// with 2× and 5× ticks labelled too when fewer than two powers of ten fall
// in range (so that a log axis never has a single labelled tick).
type decadeTicks struct{}

// Ticks implements plot.Ticker.
func (decadeTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || !(hi > lo) {
		return nil
	}
	e0, e1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	var pow []float64
	for e := e0; e <= e1; e++ {
		if v := math.Pow(10, float64(e)); v >= lo*(1-1e-12) && v <= hi*(1+1e-12) {
			pow = append(pow, v)
		}
	}
	labelAll := len(pow) < 2
	minor := e1-e0 <= 5 // minor ticks (2…9 × 10^e) only over a few decades
	// Many decades: label every other one.
	step := 1
	if len(pow) > 8 {
		step = (len(pow) + 7) / 8
	}
	var ticks []plot.Tick
	for e := e0; e <= e1; e++ {
		base := math.Pow(10, float64(e))
		for m := 1; m <= 9; m++ {
			v := float64(m) * base
			if v < lo*(1-1e-12) || v > hi*(1+1e-12) || (m > 1 && !minor && !labelAll) {
				continue
			}
			t := plot.Tick{Value: v}
			if (m == 1 && ((e-e0)%step == 0 || labelAll)) || (labelAll && (m == 2 || m == 5)) {
				t.Label = tidyExp(strconv.FormatFloat(v, 'e', 0, 64))
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// valueTicks tick an axis at exactly the given values (a sweep's), labelled
// in one format; log marks a log axis (minor decade ticks added).
type valueTicks struct {
	values []float64
	log    bool
}

// Ticks implements plot.Ticker.
func (v valueTicks) Ticks(lo, hi float64) []plot.Tick {
	labels := valueLabels(v.values)
	var ticks []plot.Tick
	for i, x := range v.values {
		if x >= lo && x <= hi {
			ticks = append(ticks, plot.Tick{Value: x, Label: labels[i]})
		}
	}
	return ticks
}

// styleAxes gives both axes of p one tick format (uniformTicks) unless a
// ticker was set already, and the print font sizes.
func styleAxes(p *plot.Plot) {
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		if _, ok := a.Tick.Marker.(plot.DefaultTicks); ok {
			a.Tick.Marker = uniformTicks{}
		}
	}
}

// fewestDigits writes vs into out in format f ('e' or 'f') with the fewest
// digits after the point, up to most, at which every value reads back to
// within 1e-9 relative: one precision for all the ticks of an axis.
func fewestDigits(out []string, vs []float64, f byte, most int) {
	for d := 0; d <= most; d++ {
		ok := true
		for i, v := range vs {
			out[i] = strconv.FormatFloat(v, f, d, 64)
			if back, _ := strconv.ParseFloat(out[i], 64); math.Abs(back-v) > 1e-9*math.Max(1, math.Abs(v)) {
				ok = false
			}
		}
		if ok {
			return
		}
	}
}
