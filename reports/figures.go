package reports

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"runtime"
	"sort"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"nmfbench/results"
)

// Figure kinds, in the order the HTML page shows them.
const (
	KindBars            = "bars"
	KindSeeds           = "seeds"
	KindConvergence     = "convergence"
	KindConvergenceTime = "convergence_time"
	KindBases           = "bases"
	KindSweep           = "sweep"
)

// maxTracePoints bounds the points of a convergence curve.
const maxTracePoints = 400

// Figures renders every figure of the report from its tables, reading the
// traces and factors from the store: per dataset the bars of mean ± std, the
// per-seed distributions, the convergence bands against iteration and
// seconds and the basis images of every method with stored factors; per
// sweep the metrics against the swept value. Figures are rendered on up to
// workers goroutines (≤ 0: GOMAXPROCS). The notes say what was left out and
// why.
func (rep *Report) Figures(ctx context.Context, store *results.Store, workers int) (figs []Figure, notes []string, err error) {
	var ids []int64
	for _, t := range append(append([]Table(nil), rep.Tables...), rep.Sweeps...) {
		for _, r := range t.Rows {
			for _, run := range r.runs {
				ids = append(ids, run.ID)
			}
		}
	}
	objs, secs, err := store.Traces(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	type job struct {
		order int
		run   func() (*Figure, error)
	}
	var jobs []job
	add := func(f func() (*Figure, error)) { jobs = append(jobs, job{len(jobs), f}) }
	var mu sync.Mutex
	note := func(format string, args ...any) {
		mu.Lock()
		notes = append(notes, fmt.Sprintf(format, args...))
		mu.Unlock()
	}

	width := widthOf(rep.Options.FigureWidth)
	logY := rep.Options.Convergence != ConvergenceLinear
	for _, t := range rep.Tables {
		colors := colorsOf(t.Rows)
		add(func() (*Figure, error) { return tableFigure(t, KindBars, colors, width) })
		add(func() (*Figure, error) { return tableFigure(t, KindSeeds, colors, width) })
		traces := map[string][]trace{}
		var traced []Row
		skipped := 0
		for _, r := range t.Rows {
			for _, run := range r.runs {
				o := objs[run.ID]
				if len(o) == 0 {
					continue
				}
				rel, ok := relativeTrace(o)
				if !ok {
					skipped++
					continue
				}
				traces[r.Label] = append(traces[r.Label], trace{objective: rel, seconds: secs[run.ID]})
			}
			if len(traces[r.Label]) > 0 {
				traced = append(traced, r)
			}
		}
		if skipped > 0 {
			note("%s: %d objective trace(s) left out of the convergence figure: no decrease from the first value (f₀ = f*)", t.Dataset, skipped)
		}
		if len(traced) > 0 {
			add(func() (*Figure, error) { return convergenceFigure(t.Dataset, traced, traces, colors, logY, width) })
		}
		for _, r := range t.Rows {
			add(func() (*Figure, error) {
				f, why, err := basesFromStore(ctx, store, t.Dataset, r, width)
				if why != "" {
					note("%s", why)
				}
				return f, err
			})
		}
	}
	for _, sw := range rep.Sweeps {
		var others []Row
		var colors map[string]color.NRGBA
		chosen := math.NaN()
		for _, t := range rep.Tables {
			if t.Dataset == sw.Dataset {
				others = t.Rows
				colors = colorsOf(t.Rows)
				for _, r := range t.Rows {
					if r.Label == sw.Sweep.Base {
						chosen = paramValue(r.Params, sw.Sweep.Param)
					}
				}
			}
		}
		if math.IsNaN(chosen) {
			chosen = fixedInOtherSweep(rep.Sweeps, sw)
		}
		if colors == nil {
			colors = map[string]color.NRGBA{}
		}
		if _, ok := colors[sw.Sweep.Base]; !ok {
			colors[sw.Sweep.Base] = colorAt(len(colors))
		}
		add(func() (*Figure, error) { return sweepFigure(sw, others, colors, chosen, width) })
	}
	if rk := rep.Ranking; rk != nil {
		add(func() (*Figure, error) { return cdFigure(rk, width) })
	}

	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	out := make([]*Figure, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < min(workers, max(1, len(jobs))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if err := ctx.Err(); err != nil {
					errs[j.order] = err
					continue
				}
				out[j.order], errs[j.order] = j.run()
			}
		}()
	}
	for _, j := range jobs {
		next <- j
	}
	close(next)
	wg.Wait()
	for i, f := range out {
		if errs[i] != nil {
			return nil, notes, fmt.Errorf("figures: %w", errs[i])
		}
		if f != nil {
			figs = append(figs, *f)
		}
	}
	sort.Strings(notes)
	return figs, notes, nil
}

// colorsOf gives each row label its colour by position.
func colorsOf(rows []Row) map[string]color.NRGBA {
	m := make(map[string]color.NRGBA, len(rows))
	for i, r := range rows {
		m[r.Label] = colorAt(i)
	}
	return m
}

// panelGrid returns the number of panel columns and the height of a panel
// row for n panels at a figure width.
func panelGrid(n int, width vg.Length) (cols int, rowH vg.Length) {
	cols = min(2, n)
	if width < 4*vg.Inch {
		return cols, 1.7 * vg.Inch
	}
	return cols, 2.2 * vg.Inch
}

func tableFigure(t Table, kind string, colors map[string]color.NRGBA, width vg.Length) (*Figure, error) {
	panels, legend, err := tablePanels(t, kind, colors, width < 4*vg.Inch)
	if err != nil {
		return nil, err
	}
	cols, rowH := panelGrid(len(panels), width)
	g := grid(panels, cols)
	out, err := render(g, legend, width, vg.Length(len(g))*rowH)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", t.Dataset, kind, err)
	}
	f := &Figure{Name: fileName(t.Dataset) + "_" + kind, Dataset: t.Dataset, Kind: kind, PNG: out.png, SVG: out.svg, PDF: out.pdf}
	switch kind {
	case KindBars:
		f.Title = t.Dataset + ": mean ± std per method"
		f.Caption = "Bars: mean over the ok runs; whiskers: ± one sample standard deviation; crosses: the published value."
		if t.Reference != "" {
			f.Caption += " † / ‡ above a bar: the paired Wilcoxon test against " + t.Reference + " gives p < 0.05 / p < 0.01."
		}
	case KindSeeds:
		f.Title = t.Dataset + ": per-seed distribution"
		f.Caption = "One point per run (repetition), spread sideways for visibility, over a box plot (median, quartiles, whiskers to 1.5 IQR); crosses: the published value."
	}
	return f, nil
}

// fixedInOtherSweep returns the value sw's parameter is held at in another
// sweep of the same method on the same dataset (a spec sweeping λ at p = 5
// and p at λ = 100 chose λ = 100), NaN when no other sweep holds it at one
// value.
func fixedInOtherSweep(sweeps []Table, sw Table) float64 {
	for _, o := range sweeps {
		if o.Dataset != sw.Dataset || o.Sweep.Base != sw.Sweep.Base || o.Sweep.Param == sw.Sweep.Param || len(o.Rows) == 0 {
			continue
		}
		v := paramValue(o.Rows[0].Params, sw.Sweep.Param)
		same := !math.IsNaN(v)
		for _, r := range o.Rows[1:] {
			same = same && paramValue(r.Params, sw.Sweep.Param) == v
		}
		if same {
			return v
		}
	}
	return math.NaN()
}

// paramValue returns the numeric value of param in resolved parameters
// (JSON), NaN when absent or not a number.
func paramValue(js, param string) float64 {
	var m map[string]any
	if json.Unmarshal([]byte(js), &m) != nil {
		return math.NaN()
	}
	if v, ok := m[param].(float64); ok {
		return v
	}
	return math.NaN()
}

func convergenceFigure(ds string, rows []Row, traces map[string][]trace, colors map[string]color.NRGBA, logY bool, width vg.Length) (*Figure, error) {
	var labels []string
	var byIter, byTime []band
	for _, r := range rows {
		labels = append(labels, fmt.Sprintf("%s (%d)", r.Label, len(traces[r.Label])))
		byIter = append(byIter, convergenceBand(traces[r.Label], false, maxTracePoints))
		byTime = append(byTime, convergenceBand(traces[r.Label], true, maxTracePoints))
	}
	cl := map[string]color.NRGBA{}
	for i, r := range rows {
		cl[labels[i]] = colors[r.Label]
	}
	var legend strip
	pi, err := convergencePanel("against iterations", "iteration", labels, byIter, cl, logY, &legend)
	if err != nil {
		return nil, err
	}
	pt, err := convergencePanel("against time", "seconds", labels, byTime, cl, logY, nil)
	if err != nil {
		return nil, err
	}
	var panels []*plot.Plot
	for _, p := range []*plot.Plot{pi, pt} {
		if p != nil {
			panels = append(panels, p)
		}
	}
	if len(panels) == 0 {
		return nil, nil
	}
	cols, rowH := panelGrid(len(panels), width)
	if width < 4*vg.Inch {
		cols = 1
	}
	g := grid(panels, cols)
	out, err := render(g, legend, width, vg.Length(len(g))*rowH)
	if err != nil {
		return nil, fmt.Errorf("%s convergence: %w", ds, err)
	}
	axis := "log"
	if !logY {
		axis = "linear"
	}
	return &Figure{Name: fileName(ds) + "_" + KindConvergence, Dataset: ds, Kind: KindConvergence, PNG: out.png, SVG: out.svg, PDF: out.pdf,
		Title: ds + ": convergence (relative objective)",
		Caption: "Relative objective (f − f*)/(f₀ − f*) of every run, f₀ its first and f* its best value, on a " + axis + " axis (runexp report --convergence log|linear): " +
			"median over the runs (their number in parentheses), shaded between the first and third quartiles; left against the iteration (a run that stopped early keeps its final value), " +
			"right against the seconds since the fit started (each run contributes its last iteration finished by then). A run reaches 0 at its best iteration; on the log axis such values are drawn at the bottom and the axis ends at twice the highest median, on the linear one at 1.05 (values above the first, of an objective that first rose, are cut)."}, nil
}

// basesFromStore draws the basis images of the lowest-repetition ok run of r
// that has drawable factors; why explains a row with factors but no images.
func basesFromStore(ctx context.Context, store *results.Store, ds string, r Row, width vg.Length) (f *Figure, why string, err error) {
	infos, err := store.Datasets(ctx)
	if err != nil {
		return nil, "", err
	}
	size := func(d int) (int, int) {
		if in, ok := infos[ds]; ok && in.Height*in.Width == d {
			return in.Height, in.Width
		}
		if s := int(math.Round(math.Sqrt(float64(d)))); s*s == d {
			return s, s
		}
		return 0, 0
	}
	for _, run := range r.runs {
		fs, err := store.Factors(ctx, run.ID)
		if err != nil {
			return nil, "", fmt.Errorf("read factors of %s rep %d: %w", r.Label, run.Rep, err)
		}
		if len(fs) == 0 {
			continue
		}
		tiles, h, w, what, ok := basisTiles(fs, size)
		if !ok {
			return nil, fmt.Sprintf("%s on %s: stored factors (%s) have no image layout", r.Label, ds, factorNames(fs)), nil
		}
		title := fmt.Sprintf("%s on %s, repetition %d: %s", r.Label, ds, run.Rep, what)
		png, svg, pdf, err := basesFigure(title, tiles, h, w, width)
		if err != nil {
			return nil, "", err
		}
		return &Figure{Name: fileName(ds) + "_bases_" + fileName(r.Label), Dataset: ds, Kind: KindBases, PNG: png, SVG: svg, PDF: pdf,
			Title:   fmt.Sprintf("%s: learned bases of %s (repetition %d)", ds, r.Label, run.Rep),
			Caption: "The " + what + ", each scaled to its own maximum (white 0, black the maximum)."}, "", nil
	}
	return nil, "", nil
}

func factorNames(fs []results.Factor) string {
	s := ""
	for i, f := range fs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d×%d", f.Name, f.Rows, f.Cols)
	}
	return s
}

func sweepFigure(sw Table, others []Row, colors map[string]color.NRGBA, chosen float64, width vg.Length) (*Figure, error) {
	panels, legend, err := sweepPanels(sw, others, colors, chosen)
	if err != nil {
		return nil, err
	}
	cols, rowH := panelGrid(len(panels), width)
	g := grid(panels, cols)
	out, err := render(g, legend, width, vg.Length(len(g))*rowH)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sw.Title, err)
	}
	return &Figure{Name: fileName(sw.Dataset) + "_sweep_" + fileName(sw.Sweep.Base) + "_" + fileName(sw.Sweep.Param),
		Dataset: sw.Dataset, Kind: KindSweep, PNG: out.png, SVG: out.svg, PDF: out.pdf,
		Title:   fmt.Sprintf("%s: sensitivity of %s to %s", sw.Dataset, sw.Sweep.Base, sw.Sweep.Param),
		Caption: "Mean ± std over the runs at each swept value (ticks at exactly the swept values; log scale when they span two decades or more); dotted line: the value chosen for " + sw.Sweep.Base + " (its main-table row, else the value another sweep holds it at); dashed lines: the other methods' means."}, nil
}
