package reports

import (
	"fmt"
	"image/color"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// KindRanking is the critical-difference diagram of the ranking.
const KindRanking = "ranking"

// cdFigure draws the critical-difference diagram of every metric of the
// ranking (Demšar 2006, Figure 1), one block under the other: the rank axis
// 1 … k (1, the best, on the left), each method at its average rank with
// its label on the left (better half) or right, the critical difference as
// a bar above the axis, and thick bars joining the groups of methods whose
// average ranks differ by less than it.
func cdFigure(rk *Ranking, width vg.Length) (*Figure, error) {
	k := len(rk.Methods)
	lh := lineHeight()
	half := (k + 1) / 2
	blockH := func(m MetricRanking) vg.Length {
		return lh*3.7 + vg.Length(half)*lh + vg.Length(len(m.Cliques))*vg.Points(4) + lh*0.6
	}
	total := vg.Length(0)
	for _, m := range rk.Metrics {
		total += blockH(m)
	}
	labelW := vg.Length(0)
	for _, l := range rk.Methods {
		labelW = max(labelW, legendStyle.Width(drawText(l, maxDrawn)+" 0.00"))
	}
	out, err := encode(width, total, func(c draw.Canvas) {
		y := c.Max.Y
		for _, m := range rk.Metrics {
			drawCD(c, m, rk.Methods, len(rk.Datasets), y, labelW)
			y -= blockH(m)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("ranking figure: %w", err)
	}
	return &Figure{Name: "ranking_cd", Kind: KindRanking, PNG: out.png, SVG: out.svg, PDF: out.pdf,
		Title: fmt.Sprintf("Critical-difference diagrams over %d datasets", len(rk.Datasets)),
		Caption: fmt.Sprintf("Per metric: average rank of each method over the datasets (1 = best), the Nemenyi critical difference CD at α = %.2f above the axis, "+
			"and thick bars joining methods whose average ranks differ by less than CD (not significantly different). Demšar (2006), JMLR 7.", RankAlpha)}, nil
}

func drawCD(c draw.Canvas, m MetricRanking, methods []string, n int, top vg.Length, labelW vg.Length) {
	lh := lineHeight()
	head := legendStyle
	head.Font.Size = vg.Points(titleSize)
	title := m.Name
	if m.Err != "" {
		c.FillText(head, vg.Point{X: c.Min.X + vg.Points(4), Y: top - lh}, title+": "+drawText(m.Err, 2*maxDrawn))
		return
	}
	title += fmt.Sprintf("   Friedman χ² = %.2f, p = %s; Iman–Davenport F = %s, p = %s; CD = %.2f", m.Friedman.ChiSq, pValue(m.Friedman.P), statText(m.Friedman.FF), pValue(m.Friedman.PF), m.CD)
	c.FillText(head, vg.Point{X: c.Min.X + vg.Points(4), Y: top - lh}, title)
	k := len(methods)
	x0, x1 := c.Min.X+labelW+vg.Points(14), c.Max.X-labelW-vg.Points(14)
	xr := func(r float64) vg.Length { return x0 + (x1-x0)*vg.Length((r-1)/float64(max(1, k-1))) }
	axisY := top - lh*3.4
	black := draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}
	c.StrokeLine2(black, x0, axisY, x1, axisY)
	tick := legendStyle
	tick.XAlign = draw.XCenter
	for r := 1; r <= k; r++ {
		x := xr(float64(r))
		c.StrokeLine2(black, x, axisY, x, axisY+vg.Points(3))
		c.FillText(tick, vg.Point{X: x, Y: axisY + vg.Points(4)}, strconv.Itoa(r))
	}
	// The critical difference above the axis, from rank 1.
	cdY := axisY + lh*1.5
	if m.CD > 0 {
		end := math.Min(float64(k), 1+m.CD)
		c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: vg.Points(1.2)}, xr(1), cdY, xr(end), cdY)
		c.StrokeLine2(black, xr(1), cdY-vg.Points(2), xr(1), cdY+vg.Points(2))
		c.StrokeLine2(black, xr(end), cdY-vg.Points(2), xr(end), cdY+vg.Points(2))
		lab := legendStyle
		lab.XAlign = draw.XLeft
		c.FillText(lab, vg.Point{X: xr(end) + vg.Points(4), Y: cdY - legendStyle.Height("0")*0.35}, fmt.Sprintf("CD = %.2f (N = %d)", m.CD, n))
	}
	// Groups not significantly different, just below the axis.
	gy := axisY - vg.Points(4)
	thick := draw.LineStyle{Color: color.Black, Width: vg.Points(2)}
	for _, cl := range m.Cliques {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, i := range cl {
			lo, hi = math.Min(lo, m.AvgRanks[i]), math.Max(hi, m.AvgRanks[i])
		}
		c.StrokeLine2(thick, xr(lo)-vg.Points(2), gy, xr(hi)+vg.Points(2), gy)
		gy -= vg.Points(4)
	}
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return m.AvgRanks[order[a]] < m.AvgRanks[order[b]] })
	half := (k + 1) / 2
	thin := draw.LineStyle{Color: color.Gray{60}, Width: vg.Points(0.6)}
	base := gy - vg.Points(4)
	for pos, i := range order {
		r := m.AvgRanks[i]
		x := xr(r)
		line := pos
		if pos >= half {
			line = k - 1 - pos
		}
		y := base - vg.Length(line)*lh - lh*0.5
		col := colorAt(i)
		c.StrokeLine2(thin, x, axisY, x, y)
		c.DrawGlyph(draw.GlyphStyle{Color: col, Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}, vg.Point{X: x, Y: axisY})
		sty := legendStyle
		text := drawText(methods[i], maxDrawn)
		if pos < half {
			c.StrokeLine2(thin, x, y, x0-vg.Points(6), y)
			sty.XAlign = draw.XRight
			c.FillText(sty, vg.Point{X: x0 - vg.Points(8), Y: y - vg.Points(3)}, fmt.Sprintf("%s %.2f", text, r))
		} else {
			c.StrokeLine2(thin, x, y, x1+vg.Points(6), y)
			sty.XAlign = draw.XLeft
			c.FillText(sty, vg.Point{X: x1 + vg.Points(8), Y: y - vg.Points(3)}, fmt.Sprintf("%.2f %s", r, text))
		}
	}
}
