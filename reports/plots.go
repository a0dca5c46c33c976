package reports

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure is one rendered figure of the report.
type Figure struct {
	Name    string // file base name, e.g. "COIL20_bars"
	Dataset string
	Kind    string // bars, seeds, convergence, convergence_time, bases, sweep
	Title   string
	Caption string // what the figure shows, for the HTML page
	PNG     []byte
	SVG     []byte // nil when the figure has no vector form worth keeping
	PDF     []byte // nil when the figure has no PDF form
}

// tableau is the Tableau 10 palette; a method keeps its colour across figures.
var tableau = []color.NRGBA{
	{0x4E, 0x79, 0xA7, 255}, {0xF2, 0x8E, 0x2B, 255}, {0xE1, 0x57, 0x59, 255}, {0x76, 0xB7, 0xB2, 255},
	{0x59, 0xA1, 0x4F, 255}, {0xED, 0xC9, 0x48, 255}, {0xB0, 0x7A, 0xA1, 255}, {0xFF, 0x9D, 0xA7, 255},
	{0x9C, 0x75, 0x5F, 255}, {0xBA, 0xB0, 0xAC, 255},
}

func colorAt(i int) color.NRGBA { return tableau[((i%len(tableau))+len(tableau))%len(tableau)] }

func withAlpha(c color.NRGBA, a uint8) color.NRGBA { c.A = a; return c }

// maxDrawn is the number of characters of a label drawn in a figure; the
// tables keep the full text.
const maxDrawn = 40

// drawText returns s cut to n characters with an ellipsis, for drawing:
// text rasterised far outside the canvas costs time without showing anything.
func drawText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// newPanel returns a plot with the report's styling; nominal panels (one
// category per x position) get horizontal grid lines only.
func newPanel(title, xLabel, yLabel string, nominal bool) *plot.Plot {
	p := plot.New()
	p.Title.Text = drawText(title, 3*maxDrawn)
	xLabel, yLabel = drawText(xLabel, maxDrawn), drawText(yLabel, maxDrawn)
	p.Title.TextStyle.Font.Size = vg.Points(titleSize)
	p.Title.Padding = vg.Points(3)
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(textSize)
		a.Tick.Label.Font.Size = vg.Points(textSize)
		a.Tick.Marker = uniformTicks{}
		a.Padding = vg.Points(2)
	}
	p.Legend.TextStyle.Font.Size = vg.Points(textSize)
	g := plotter.NewGrid()
	if nominal {
		g.Vertical.Color = nil
	}
	p.Add(g)
	return p
}

// nominalX labels x = 0..n−1 with names, rotated when they would collide.
func nominalX(p *plot.Plot, names []string) {
	short := make([]string, len(names))
	for i, n := range names {
		short[i] = drawText(n, maxDrawn)
	}
	names = short
	p.NominalX(names...)
	long := 0
	for _, n := range names {
		long = max(long, len([]rune(n)))
	}
	if long*len(names) > 40 {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = text.XRight
		p.X.Tick.Label.YAlign = text.YCenter
	}
}

// bars draws one bar per value at x = 0..n−1 (width 0.7 in data units) from
// zero; NaN values draw nothing.
type bars struct {
	values []float64
	colors []color.NRGBA
}

// Plot implements plot.Plotter.
func (b bars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, v := range b.values {
		if math.IsNaN(v) {
			continue
		}
		x0, x1 := trX(float64(i)-0.35), trX(float64(i)+0.35)
		y0, y1 := trY(0), trY(v)
		pts := c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		c.FillPolygon(withAlpha(b.colors[i], 200), pts)
	}
}

// DataRange implements plot.DataRanger.
func (b bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = -0.5, float64(len(b.values))-0.5
	for _, v := range b.values {
		if !math.IsNaN(v) {
			ymax = math.Max(ymax, v)
			ymin = math.Min(ymin, v)
		}
	}
	return
}

// Thumbnail implements plot.Thumbnailer.
func (b bars) Thumbnail(c *draw.Canvas) {
	col := color.NRGBA{128, 128, 128, 200}
	if len(b.colors) > 0 {
		col = withAlpha(b.colors[0], 200)
	}
	c.FillPolygon(col, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// paperGlyph marks a published value.
var paperGlyph = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(2.5), Shape: draw.CrossGlyph{}}

// errorXYs holds points with symmetric y errors for plotter.NewYErrorBars.
type errorXYs struct {
	plotter.XYs
	plotter.YErrors
}

// tablePanels returns one panel per column of t: bars of mean ± std per
// method with the significance mark of the paired test above the whisker
// (bars), or the per-repetition values over a box plot (seeds); the
// published value as a cross. The legend is returned as a strip, to be
// drawn outside the panels.
//
// narrow (one-column figures) sets the method names vertically.
func tablePanels(t Table, kind string, colors map[string]color.NRGBA, narrow bool) ([]*plot.Plot, strip, error) {
	names := make([]string, len(t.Rows))
	cols := make([]color.NRGBA, len(t.Rows))
	for i, r := range t.Rows {
		names[i], cols[i] = r.Label, colors[r.Label]
	}
	var legend strip
	var paperThumb, markThumb plot.Thumbnailer
	var panels []*plot.Plot
	for j, c := range t.Columns {
		s := scaleOf(c.Field)
		p := newPanel(c.Name, "", heading(c.Name, c.Field), true)
		var paper plotter.XYs
		top := math.Inf(-1) // highest drawn value, for the marks and the headroom
		switch kind {
		case KindBars:
			means := make([]float64, len(t.Rows))
			var eb errorXYs
			for i, r := range t.Rows {
				cell := r.Cells[j]
				means[i] = s * cell.Mean
				if !math.IsNaN(cell.Mean) {
					top = math.Max(top, s*cell.Mean)
				}
				if !math.IsNaN(cell.Mean) && !math.IsNaN(cell.Std) {
					eb.XYs = append(eb.XYs, plotter.XY{X: float64(i), Y: s * cell.Mean})
					eb.YErrors = append(eb.YErrors, struct{ Low, High float64 }{s * cell.Std, s * cell.Std})
					top = math.Max(top, s*(cell.Mean+cell.Std))
				}
			}
			b := bars{values: means, colors: cols}
			p.Add(b)
			if len(eb.XYs) > 0 {
				e, err := plotter.NewYErrorBars(eb)
				if err != nil {
					return nil, nil, fmt.Errorf("%s %s error bars: %w", t.Dataset, c.Name, err)
				}
				e.LineStyle.Width = vg.Points(0.8)
				e.CapWidth = vg.Points(4)
				p.Add(e)
			}
		case KindSeeds:
			for i, r := range t.Rows {
				var vals plotter.Values
				var pts plotter.XYs
				for k, v := range r.Cells[j].Values {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						continue
					}
					vals = append(vals, s*v)
					pts = append(pts, plotter.XY{X: float64(i) + jitter(r.Reps[k]), Y: s * v})
					top = math.Max(top, s*v)
				}
				if len(vals) == 0 {
					continue
				}
				box, err := plotter.NewBoxPlot(vg.Points(12), float64(i), vals)
				if err != nil {
					return nil, nil, fmt.Errorf("%s %s box plot: %w", t.Dataset, r.Label, err)
				}
				box.BoxStyle.Color = color.Gray{110}
				box.BoxStyle.Width = vg.Points(0.6)
				box.WhiskerStyle.Width = vg.Points(0.6)
				box.MedianStyle.Width = vg.Points(1.2)
				box.GlyphStyle.Radius = 0 // outliers are drawn as points below
				p.Add(box)
				sc, err := plotter.NewScatter(pts)
				if err != nil {
					return nil, nil, err
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: withAlpha(cols[i], 190), Radius: vg.Points(1.3), Shape: draw.CircleGlyph{}}
				p.Add(sc)
			}
		}
		for i, r := range t.Rows {
			if v := r.Cells[j].Paper; !math.IsNaN(v) {
				paper = append(paper, plotter.XY{X: float64(i), Y: s * v})
				top = math.Max(top, s*v)
			}
		}
		if len(paper) > 0 {
			sc, err := plotter.NewScatter(paper)
			if err != nil {
				return nil, nil, err
			}
			sc.GlyphStyle = paperGlyph
			p.Add(sc)
			paperThumb = sc
		}
		if math.IsInf(top, -1) {
			top = 1
		}
		if kind == KindBars && t.Reference != "" {
			var marks []mark
			for i, r := range t.Rows {
				if m := r.Cells[j].Marker(); m != "" {
					c := r.Cells[j]
					y := s * c.Mean
					if !math.IsNaN(c.Std) {
						y += s * c.Std
					}
					marks = append(marks, mark{x: float64(i), y: y, text: m})
				}
			}
			if len(marks) > 0 {
				ms := markSet{marks: marks}
				p.Add(ms)
				markThumb = ms
			}
		}
		nominalX(p, names)
		if narrow && len(names) > 3 {
			p.X.Tick.Label.Rotation = math.Pi / 2
			p.X.Tick.Label.XAlign = text.XRight
			p.X.Tick.Label.YAlign = text.YCenter
		}
		p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
		if kind == KindBars {
			p.Y.Min = 0
			p.Y.Max = top * 1.1 // room for the marks
		} else {
			p.Y.Max = math.Max(p.Y.Max, top) + 0.05*(p.Y.Max-p.Y.Min)
		}
		panels = append(panels, p)
	}
	if kind == KindSeeds {
		legend.add("runs (one point per repetition) over a box plot", boxThumb{})
	}
	if paperThumb != nil {
		legend.add("published value", paperThumb)
	}
	if markThumb != nil {
		legend.add("vs "+t.Reference+": † p < 0.05, ‡ p < 0.01 (Wilcoxon)", textThumb{"†"})
	}
	return panels, legend, nil
}

// mark is a significance mark above a bar whose whisker ends at y.
type mark struct {
	x, y float64
	text string
}

// markSet draws the marks of a bar panel, each just above its whisker.
type markSet struct {
	marks []mark
}

// Plot implements plot.Plotter.
func (m markSet) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := legendStyle
	sty.XAlign = draw.XCenter
	for _, mk := range m.marks {
		c.FillText(sty, vg.Point{X: trX(mk.x), Y: trY(mk.y) + vg.Points(1.5)}, mk.text)
	}
}

// Thumbnail implements plot.Thumbnailer.
func (m markSet) Thumbnail(c *draw.Canvas) { textThumb{"†"}.Thumbnail(c) }

// textThumb is a legend thumbnail showing a short text.
type textThumb struct{ s string }

// Thumbnail implements plot.Thumbnailer.
func (t textThumb) Thumbnail(c *draw.Canvas) {
	sty := legendStyle
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YCenter
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2}, t.s)
}

// boxThumb is a legend thumbnail of a small box plot with points.
type boxThumb struct{}

// Thumbnail implements plot.Thumbnailer.
func (boxThumb) Thumbnail(c *draw.Canvas) {
	x0, x1 := c.Min.X+(c.Max.X-c.Min.X)*0.2, c.Max.X-(c.Max.X-c.Min.X)*0.2
	y0, y1 := c.Min.Y+(c.Max.Y-c.Min.Y)*0.15, c.Max.Y-(c.Max.Y-c.Min.Y)*0.15
	ls := draw.LineStyle{Color: color.Gray{110}, Width: vg.Points(0.6)}
	c.StrokeLines(ls, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
	c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: vg.Points(1.2)}, x0, (y0+y1)/2, x1, (y0+y1)/2)
	g := draw.GlyphStyle{Color: withAlpha(tableau[0], 190), Radius: vg.Points(1.3), Shape: draw.CircleGlyph{}}
	c.DrawGlyph(g, vg.Point{X: (x0 + x1) / 2, Y: y0 + (y1-y0)*0.25})
	c.DrawGlyph(g, vg.Point{X: (x0+x1)/2 + vg.Points(2), Y: y0 + (y1-y0)*0.7})
}

// jitter spreads the points of a strip plot deterministically: the
// fractional part of rep·φ, mapped to ±0.22.
func jitter(rep int) float64 {
	f := math.Mod(float64(rep)*0.6180339887498949, 1)
	return 0.44 * (f - 0.5)
}

// grid arranges panels in rows of at most cols.
func grid(panels []*plot.Plot, cols int) [][]*plot.Plot {
	var g [][]*plot.Plot
	for i := 0; i < len(panels); i += cols {
		g = append(g, append([]*plot.Plot(nil), panels[i:min(i+cols, len(panels))]...))
	}
	return g
}

// quantile returns the q-quantile of sorted values with linear
// interpolation between order statistics (Hyndman–Fan type 7, R's default).
func quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := q * float64(n-1)
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// band is the median and interquartile range of several series on a grid.
type band struct {
	x, q25, med, q75 []float64
}

// traceBand evaluates every trace on the grid with at (NaN: the trace has
// no value there) and returns the quartiles across traces at each point.
func traceBand(grid []float64, n int, at func(run, k int) float64) band {
	b := band{x: make([]float64, 0, len(grid))}
	vals := make([]float64, 0, n)
	for k, x := range grid {
		vals = vals[:0]
		for r := 0; r < n; r++ {
			if v := at(r, k); !math.IsNaN(v) && !math.IsInf(v, 0) {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		sort.Float64s(vals)
		b.x = append(b.x, x)
		b.q25 = append(b.q25, quantile(vals, 0.25))
		b.med = append(b.med, quantile(vals, 0.5))
		b.q75 = append(b.q75, quantile(vals, 0.75))
	}
	return b
}

// iterationGrid returns at most max iteration indices 0..n−1, evenly
// spaced, always including the first and last.
func iterationGrid(n, maxPoints int) []int {
	if n <= maxPoints {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	out := make([]int, 0, maxPoints)
	for k := 0; k < maxPoints; k++ {
		i := int(math.Round(float64(k) * float64(n-1) / float64(maxPoints-1)))
		if len(out) == 0 || out[len(out)-1] != i {
			out = append(out, i)
		}
	}
	return out
}

// trace is one run's objective per iteration and its timestamps (seconds
// may be nil when not recorded).
type trace struct {
	objective, seconds []float64
}

// convergenceBand returns the band of the traces against the iteration
// (byTime false; a trace that stopped early keeps its final value) or
// against the time since the fit started (byTime true; the objective at time
// s is that of the last iteration finished by s).
func convergenceBand(traces []trace, byTime bool, maxPoints int) band {
	if !byTime {
		n := 0
		for _, t := range traces {
			n = max(n, len(t.objective))
		}
		idx := iterationGrid(n, maxPoints)
		xs := make([]float64, len(idx))
		for k, i := range idx {
			xs[k] = float64(i)
		}
		return traceBand(xs, len(traces), func(r, k int) float64 {
			o := traces[r].objective
			if len(o) == 0 {
				return math.NaN()
			}
			return o[min(idx[k], len(o)-1)]
		})
	}
	var timed []trace
	tmax := 0.0
	for _, t := range traces {
		if len(t.seconds) == len(t.objective) && len(t.seconds) > 0 {
			timed = append(timed, t)
			tmax = math.Max(tmax, t.seconds[len(t.seconds)-1])
		}
	}
	if len(timed) == 0 || tmax <= 0 {
		return band{}
	}
	xs := make([]float64, maxPoints)
	for k := range xs {
		xs[k] = tmax * float64(k) / float64(maxPoints-1)
	}
	// Walk each trace once: pos[r] is the last entry with seconds ≤ x.
	pos := make([]int, len(timed))
	return traceBand(xs, len(timed), func(r, k int) float64 {
		t := timed[r]
		for pos[r]+1 < len(t.seconds) && t.seconds[pos[r]+1] <= xs[k] {
			pos[r]++
		}
		if t.seconds[pos[r]] > xs[k] {
			return math.NaN() // before the first recorded entry
		}
		return t.objective[pos[r]]
	})
}

// relativeTrace returns (f − f*)/(f₀ − f*) of an objective trace, f* its
// smallest finite value and f₀ its first; ok is false when the trace cannot
// be normalised (empty, non-finite start, or f₀ = f*: no decrease).
func relativeTrace(obj []float64) (rel []float64, ok bool) {
	if len(obj) < 2 || math.IsNaN(obj[0]) || math.IsInf(obj[0], 0) {
		return nil, false
	}
	best := math.Inf(1)
	for _, v := range obj {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			best = math.Min(best, v)
		}
	}
	den := obj[0] - best
	if !(den > 0) {
		return nil, false
	}
	rel = make([]float64, len(obj))
	for i, v := range obj {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			rel[i] = math.NaN()
		} else {
			rel[i] = (v - best) / den
		}
	}
	return rel, true
}

// convergencePanel plots one band per method in one panel: the median line
// over the shaded interquartile range, on a log y axis (logY) or a linear
// one. On the log axis values below floor (the run's best, 0) are drawn
// at floor.
func convergencePanel(title, xLabel string, labels []string, bands []band, colors map[string]color.NRGBA, logY bool, legend *strip) (*plot.Plot, error) {
	// The quantity is named in the title: gonum reserves room above the
	// data for a long rotated y label, which would leave a gap.
	p := newPanel("(f − f*) / (f₀ − f*) "+title, xLabel, "", false)
	// On the log axis a median that reached 0 (the run's best) ends the
	// line there; quartiles below the floor are drawn at it.
	floor, top := math.Inf(1), 1.0
	for _, b := range bands {
		for i := range b.x {
			if v := b.med[i]; v > 0 {
				floor = math.Min(floor, v)
			}
			top = math.Max(top, b.med[i])
		}
	}
	// The axis ends a little above the highest median: a wide upper
	// quartile (a run whose objective first rose far above f₀) is cut there.
	if logY {
		top *= 2
	} else {
		// Linear: the scale of a decrease from f₀ (1) to f* (0); an
		// objective that first rose above f₀ is cut at the top.
		top = 1.05
	}
	if math.IsInf(floor, 1) {
		floor = 1e-12
	}
	floor = math.Max(floor/3, 1e-15)
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = decadeTicks{}
	}
	p.X.Min = 0
	if xLabel == "iteration" {
		p.X.Tick.Marker = uniformTicks{integer: true}
	}
	drawn := false
	for k, b := range bands {
		n := len(b.x)
		if logY {
			for i := range b.x {
				if !(b.med[i] > 0) {
					n = i
					break
				}
			}
		}
		if n < 2 {
			continue
		}
		col := colors[labels[k]]
		clip := func(v float64) float64 {
			if logY && !(v > floor) {
				return floor
			}
			return math.Min(v, top)
		}
		ring := make(plotter.XYs, 0, 2*n)
		med := make(plotter.XYs, n)
		for i := 0; i < n; i++ {
			ring = append(ring, plotter.XY{X: b.x[i], Y: clip(b.q25[i])})
			med[i] = plotter.XY{X: b.x[i], Y: b.med[i]}
		}
		for i := n - 1; i >= 0; i-- {
			ring = append(ring, plotter.XY{X: b.x[i], Y: clip(b.q75[i])})
		}
		poly, err := plotter.NewPolygon(ring)
		if err != nil {
			return nil, fmt.Errorf("%s band: %w", title, err)
		}
		poly.Color = withAlpha(col, 45)
		poly.LineStyle.Width = 0
		line, err := plotter.NewLine(med)
		if err != nil {
			return nil, fmt.Errorf("%s median: %w", title, err)
		}
		line.LineStyle.Color = col
		line.LineStyle.Width = vg.Points(1.2)
		p.Add(poly, line)
		if legend != nil {
			legend.add(labels[k], poly, line)
		}
		drawn = true
	}
	if !drawn {
		return nil, nil
	}
	if logY {
		p.Y.Min, p.Y.Max = floor, top
	} else {
		p.Y.Min, p.Y.Max = 0, top
	}
	return p, nil
}

// spansDecades reports whether the values are all positive and the largest
// is at least 100 times the smallest: a log axis shows them better.
func spansDecades(xs []float64) bool {
	if len(xs) < 2 {
		return false
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) {
			return false
		}
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return hi/lo >= 100
}

// integerTicks are gonum's default ticks restricted to whole numbers and
// labelled without decimals.
type integerTicks struct{}

// Ticks implements plot.Ticker.
func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		if t.Label != "" {
			t.Label = strconv.FormatFloat(t.Value, 'f', 0, 64)
		}
		out = append(out, t)
	}
	return out
}

// logSpan reports whether a positive range [lo, hi] spans more than a
// decade.
func logSpan(lo, hi float64) bool { return lo > 0 && hi/lo > 10 }

// sweepPanels returns one panel per column: the swept method's mean ± std
// against the swept value (log x when the values are positive and span two
// decades or more), ticked at exactly the swept values, the value of the
// main table's row of the same method (chosen, NaN when none) marked by a
// dotted vertical line, the other methods' means as dashed lines; the
// legend as a strip.
func sweepPanels(sw Table, others []Row, colors map[string]color.NRGBA, chosen float64) ([]*plot.Plot, strip, error) {
	xs := make([]float64, len(sw.Rows))
	numeric := true
	for i, r := range sw.Rows {
		xs[i] = r.Sweep.X
		numeric = numeric && r.Sweep.Numeric
	}
	logX := numeric && spansDecades(xs)
	xmin, xmax := xs[0], xs[len(xs)-1]
	if xmin == xmax {
		xmin, xmax = xmin-0.5, xmax+0.5
	}
	col := colors[sw.Sweep.Base]
	var legend strip
	var panels []*plot.Plot
	for j, c := range sw.Columns {
		s := scaleOf(c.Field)
		p := newPanel(c.Name, sw.Sweep.Param, heading(c.Name, c.Field), !numeric)
		if logX {
			p.X.Scale = plot.LogScale{}
		}
		if numeric {
			p.X.Tick.Marker = valueTicks{values: xs, log: logX}
			if logX {
				p.X.Min, p.X.Max = xmin/1.6, xmax*1.6
			} else {
				pad := 0.05 * (xmax - xmin)
				p.X.Min, p.X.Max = xmin-pad, xmax+pad
			}
		}
		var pts plotter.XYs
		var eb errorXYs
		lo, hi := math.Inf(1), math.Inf(-1)
		for i, r := range sw.Rows {
			m := r.Cells[j].Mean
			if math.IsNaN(m) {
				continue
			}
			pts = append(pts, plotter.XY{X: xs[i], Y: s * m})
			lo, hi = math.Min(lo, s*m), math.Max(hi, s*m)
			if sd := r.Cells[j].Std; !math.IsNaN(sd) {
				eb.XYs = append(eb.XYs, plotter.XY{X: xs[i], Y: s * m})
				eb.YErrors = append(eb.YErrors, struct{ Low, High float64 }{s * sd, s * sd})
				lo, hi = math.Min(lo, s*(m-sd)), math.Max(hi, s*(m+sd))
			}
		}
		for _, o := range others {
			if m := o.Cells[j].Mean; !math.IsNaN(m) {
				lo, hi = math.Min(lo, s*m), math.Max(hi, s*m)
			}
		}
		if numeric && !math.IsNaN(chosen) && !math.IsInf(lo, 0) {
			l, err := plotter.NewLine(plotter.XYs{{X: chosen, Y: lo}, {X: chosen, Y: hi}})
			if err != nil {
				return nil, nil, err
			}
			l.LineStyle.Color = color.Gray{90}
			l.LineStyle.Width = vg.Points(0.8)
			l.LineStyle.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
			p.Add(l)
			if j == 0 {
				legend.add(fmt.Sprintf("chosen %s = %s", sw.Sweep.Param, valueLabels([]float64{chosen})[0]), l)
			}
		}
		if len(pts) > 0 {
			l, sc, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, nil, fmt.Errorf("%s sweep: %w", sw.Title, err)
			}
			l.LineStyle.Color, l.LineStyle.Width = col, vg.Points(1.2)
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}
			p.Add(l, sc)
			if j == 0 {
				legend.add(sw.Sweep.Base+" (mean ± sd)", l, sc)
			}
		}
		if len(eb.XYs) > 0 {
			e, err := plotter.NewYErrorBars(eb)
			if err != nil {
				return nil, nil, err
			}
			e.LineStyle.Color = col
			e.LineStyle.Width = vg.Points(0.8)
			e.CapWidth = vg.Points(3)
			p.Add(e)
		}
		x0, x1 := xmin, xmax
		if numeric {
			x0, x1 = p.X.Min, p.X.Max
		}
		for _, o := range others {
			m := o.Cells[j].Mean
			if math.IsNaN(m) || o.Label == sw.Sweep.Base {
				continue
			}
			l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: s * m}, {X: x1, Y: s * m}})
			if err != nil {
				return nil, nil, err
			}
			l.LineStyle.Color = colors[o.Label]
			l.LineStyle.Width = vg.Points(0.8)
			l.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
			p.Add(l)
			if j == 0 {
				legend.add(o.Label, l)
			}
		}
		if !numeric {
			names := make([]string, len(sw.Rows))
			for i, r := range sw.Rows {
				names[i] = r.Sweep.Value
			}
			nominalX(p, names)
		}
		panels = append(panels, p)
	}
	return panels, legend, nil
}
