package reports

import (
	"context"
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

	for _, t := range rep.Tables {
		colors := colorsOf(t.Rows)
		add(func() (*Figure, error) { return tableFigure(t, KindBars, colors) })
		add(func() (*Figure, error) { return tableFigure(t, KindSeeds, colors) })
		traces := map[string][]trace{}
		var traced []Row
		for _, r := range t.Rows {
			for _, run := range r.runs {
				if o := objs[run.ID]; len(o) > 0 {
					traces[r.Label] = append(traces[r.Label], trace{objective: o, seconds: secs[run.ID]})
				}
			}
			if len(traces[r.Label]) > 0 {
				traced = append(traced, r)
			}
		}
		if len(traced) > 0 {
			for _, byTime := range []bool{false, true} {
				add(func() (*Figure, error) { return convergenceFigure(t.Dataset, traced, traces, byTime, colors) })
			}
		}
		for _, r := range t.Rows {
			add(func() (*Figure, error) {
				f, why, err := basesFromStore(ctx, store, t.Dataset, r)
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
		for _, t := range rep.Tables {
			if t.Dataset == sw.Dataset {
				others = t.Rows
				colors = colorsOf(t.Rows)
			}
		}
		if colors == nil {
			colors = map[string]color.NRGBA{}
		}
		if _, ok := colors[sw.Sweep.Base]; !ok {
			colors[sw.Sweep.Base] = colorAt(len(colors))
		}
		add(func() (*Figure, error) { return sweepFigure(sw, others, colors) })
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

func tableFigure(t Table, kind string, colors map[string]color.NRGBA) (*Figure, error) {
	panels, err := tablePanels(t, kind, colors)
	if err != nil {
		return nil, err
	}
	cols := min(2, len(panels))
	g := grid(panels, cols)
	w := vg.Length(cols) * vg.Length(max(3.2, 0.6*float64(len(t.Rows))+1.6)) * vg.Inch
	png, svg, err := render(g, w, vg.Length(len(g))*3.4*vg.Inch)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", t.Dataset, kind, err)
	}
	f := &Figure{Name: fileName(t.Dataset) + "_" + kind, Dataset: t.Dataset, Kind: kind, PNG: png, SVG: svg}
	switch kind {
	case KindBars:
		f.Title = t.Dataset + ": mean ± std per method"
		f.Caption = "Bars: mean over the ok runs; whiskers: ± one sample standard deviation; crosses: the published value."
	case KindSeeds:
		f.Title = t.Dataset + ": per-seed distribution"
		f.Caption = "One point per run (repetition), spread sideways for visibility, over a box plot (median, quartiles, whiskers to 1.5 IQR); crosses: the published value."
	}
	return f, nil
}

func convergenceFigure(ds string, rows []Row, traces map[string][]trace, byTime bool, colors map[string]color.NRGBA) (*Figure, error) {
	xLabel, kind := "iteration", KindConvergence
	if byTime {
		xLabel, kind = "seconds", KindConvergenceTime
	}
	var panels []*plot.Plot
	for _, r := range rows {
		b := convergenceBand(traces[r.Label], byTime, maxTracePoints)
		p, err := convergencePanel(fmt.Sprintf("%s (%d runs)", r.Label, len(traces[r.Label])), xLabel, b, colors[r.Label])
		if err != nil {
			return nil, err
		}
		if p != nil {
			panels = append(panels, p)
		}
	}
	if len(panels) == 0 {
		return nil, nil
	}
	cols := min(3, len(panels))
	g := grid(panels, cols)
	png, svg, err := render(g, vg.Length(cols)*3.6*vg.Inch, vg.Length(len(g))*2.9*vg.Inch)
	if err != nil {
		return nil, fmt.Errorf("%s convergence: %w", ds, err)
	}
	f := &Figure{Name: fileName(ds) + "_" + kind, Dataset: ds, Kind: kind, PNG: png, SVG: svg,
		Title: fmt.Sprintf("%s: objective against %s", ds, xLabel)}
	f.Caption = "One panel per method (objectives of different methods are on different scales): median over the runs, shaded between the first and third quartiles; log scale when the band is positive and spans more than a decade. "
	if byTime {
		f.Caption += "At time s each run contributes the objective of its last iteration finished by s."
	} else {
		f.Caption += "A run that stopped early keeps its final objective."
	}
	return f, nil
}

// basesFromStore draws the basis images of the lowest-repetition ok run of r
// that has drawable factors; why explains a row with factors but no images.
func basesFromStore(ctx context.Context, store *results.Store, ds string, r Row) (f *Figure, why string, err error) {
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
		png, svg, err := basesFigure(title, tiles, h, w)
		if err != nil {
			return nil, "", err
		}
		return &Figure{Name: fileName(ds) + "_bases_" + fileName(r.Label), Dataset: ds, Kind: KindBases, PNG: png, SVG: svg,
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

func sweepFigure(sw Table, others []Row, colors map[string]color.NRGBA) (*Figure, error) {
	panels, err := sweepPanels(sw, others, colors)
	if err != nil {
		return nil, err
	}
	cols := min(2, len(panels))
	g := grid(panels, cols)
	png, svg, err := render(g, vg.Length(cols)*4.6*vg.Inch, vg.Length(len(g))*3.3*vg.Inch)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sw.Title, err)
	}
	return &Figure{Name: fileName(sw.Dataset) + "_sweep_" + fileName(sw.Sweep.Base) + "_" + fileName(sw.Sweep.Param),
		Dataset: sw.Dataset, Kind: KindSweep, PNG: png, SVG: svg,
		Title:   fmt.Sprintf("%s: sensitivity of %s to %s", sw.Dataset, sw.Sweep.Base, sw.Sweep.Param),
		Caption: "Mean ± std over the runs at each value of the swept parameter (log scale when the values span two decades or more); dashed lines: the other methods' means."}, nil
}
