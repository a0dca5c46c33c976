package reports

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"nmfbench/metrics"
	"nmfbench/results"
)

// Cell is one method × metric entry of a table.
type Cell struct {
	// Mean and Std are the mean and sample standard deviation (n−1) of the
	// finite values; Mean is NaN without values, Std without two of them.
	Mean, Std float64
	// N is the number of finite values behind Mean.
	N int
	// Values holds the score of every ok run, ordered like Row.Reps (NaN
	// when a run has no such score).
	Values []float64
	// Paper is the published value; NaN when there is none.
	Paper float64
	// Best marks the highest mean of its column, compared as displayed (two
	// decimals), so ties are all marked.
	Best bool
	// Test is the paired test against the table's reference method; nil for
	// the reference row itself and when the table has no reference.
	Test *Comparison
	// CILow and CIHigh bound the 95 % confidence interval of the mean,
	// Mean ± t(0.975, N−1)·Std/√N (Student's t); NaN below two values.
	CILow, CIHigh float64
}

// Diff returns Mean − Paper (NaN when either is missing).
func (c Cell) Diff() float64 { return c.Mean - c.Paper }

// Marker returns "‡" when the paired test gives p < 0.01, "†" when p < 0.05,
// and "" otherwise (or without a test).
func (c Cell) Marker() string {
	if c.Test == nil || c.Test.Err != "" {
		return ""
	}
	switch {
	case c.Test.P < 0.01:
		return "‡"
	case c.Test.P < 0.05:
		return "†"
	}
	return ""
}

// SweepPoint identifies a row produced by a spec sweep: label
// "Base[Param=Value]".
type SweepPoint struct {
	Base, Param, Value string
	// X is Value as a number; Numeric is false when Value is not one, and X
	// is then the point's position in its sweep.
	X       float64
	Numeric bool
}

// Row is one method label of a table.
type Row struct {
	Label  string
	Method string // registered method name
	Params string // resolved parameters (JSON) of the first run
	OK     int    // runs with status ok
	Failed int    // runs with status failed
	// Reps is the repetition index of each ok run, increasing; it pairs
	// Cell.Values across rows.
	Reps   []int
	Cells  []Cell  // one per column
	FitSec float64 // mean seconds per ok run, fit + k-means (NaN without runs)
	// Sweep is non-nil when the label comes from a spec sweep.
	Sweep *SweepPoint

	runs   []results.Run // ok runs, ordered like Reps
	errors []string      // distinct failure messages
}

// Table is the summary of one dataset: the paper's layout, or the rows of
// one parameter sweep.
type Table struct {
	Dataset string
	// Title names the table: the dataset, or "dataset: Base, Param sweep".
	Title   string
	Columns metrics.Mapping
	Rows    []Row
	// Reference is the label of the row the paired tests compare against
	// ("" when there are no tests).
	Reference string
	// TestNote says why the table has no paired tests, or that they cannot
	// reach p < 0.05 (too few pairs); "" otherwise.
	TestNote string
	Source   string   // citation of the published values, if any
	Errors   []string // distinct failure messages, "label: error"
	// Notes lists runs left out of the table, e.g. older runs of a label
	// superseded by a later run of the same repetition.
	Notes []string
	// Sweep is the swept (Base, Param) for a sweep table; nil otherwise.
	Sweep *SweepPoint
}

// Report is everything a report shows, computed from the store.
type Report struct {
	Tables     []Table // one per dataset: the rows that are not sweep points
	Sweeps     []Table // one per dataset × swept method entry and parameter
	Provenance Provenance
	// Runs are the runs the tables count (every status; older runs of a
	// repetition superseded by a later one left out), ordered by dataset,
	// label and repetition: the per-run table.
	Runs []results.Run
	// Scores are the names of every score some run of Runs has, sorted.
	Scores []string
	// Ranking compares the methods across datasets (nil with fewer than
	// two datasets sharing two methods).
	Ranking *Ranking
	// Options are the options the report was built with.
	Options Options
}

// DefaultReference is the method label compared against every other by
// default: the paper's proposed method.
const DefaultReference = "GWNTF"

// NoReference as Options.ReferenceMethod disables the paired tests.
const NoReference = "none"

// Build reads the store and summarises it: one Table per dataset with rows
// in the recorded spec order (then alphabetical), one Table per sweep, the
// paired tests against the reference method and the provenance. It fails
// when the store holds no runs or the requested reference method is not a
// label of any table.
func Build(ctx context.Context, store *results.Store, opt Options) (*Report, error) {
	cols := opt.Columns
	if len(cols) == 0 {
		cols = metrics.PaperMapping()
	}
	if err := cols.Validate(); err != nil {
		return nil, fmt.Errorf("report columns: %w", err)
	}
	runs, err := store.Runs(ctx, results.Query{})
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("the database %s holds no runs: run a spec first (runexp run SPEC)", store.Path())
	}
	refs, err := store.References(ctx)
	if err != nil {
		return nil, fmt.Errorf("read reference values: %w", err)
	}
	order, err := store.MethodOrder(ctx)
	if err != nil {
		return nil, fmt.Errorf("read method order: %w", err)
	}
	specs, err := store.Specs(ctx)
	if err != nil {
		return nil, err
	}
	rep := &Report{Options: opt}
	rep.Tables, rep.Sweeps = summarise(runs, refs, order, cols)
	rep.Runs, _ = latestPerRep(runs)
	scores := map[string]bool{}
	for _, r := range rep.Runs {
		for k := range r.Metrics {
			scores[k] = true
		}
	}
	rep.Scores = sortedKeys(scores)
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	db := store.Path()
	if len(opt.Databases) > 0 {
		db = strings.Join(opt.Databases, "; ")
	}
	rep.Provenance = newProvenance(runs, specs, db, now())
	reference, how := opt.ReferenceMethod, "--versus"
	if reference == "" {
		v, err := specVersus(rep.Provenance.Specs)
		if err != nil {
			return nil, err
		}
		reference, how = v, "the spec's report.versus"
	}
	if err := rep.compare(reference, how); err != nil {
		return nil, err
	}
	rep.Ranking = rankMethods(rep.Tables)
	return rep, nil
}

// summarise groups runs into tables; rows keep the given spec order.
func summarise(runs []results.Run, refs []results.Reference, order map[string]int, cols metrics.Mapping) (tables, sweeps []Table) {
	ref := map[[3]string]float64{}
	sources := map[string]string{}
	for _, r := range refs {
		ref[[3]string{r.Dataset, r.Method, r.Metric}] = r.Value
		sources[r.Dataset] = r.Source
	}
	runs, superseded := latestPerRep(runs)
	byDS := map[string]map[string]*Row{}
	for _, r := range runs { // ordered by dataset, label, rep
		rows := byDS[r.Dataset]
		if rows == nil {
			rows = map[string]*Row{}
			byDS[r.Dataset] = rows
		}
		row := rows[r.Label]
		if row == nil {
			row = &Row{Label: r.Label, Method: r.Method, Params: r.Params, Cells: make([]Cell, len(cols)),
				Sweep: sweepPoint(r)}
			rows[r.Label] = row
		}
		if r.Status != results.StatusOK {
			row.Failed++
			if !slices.Contains(row.errors, r.Error) {
				row.errors = append(row.errors, r.Error)
			}
			continue
		}
		row.OK++
		row.Reps = append(row.Reps, r.Rep)
		row.runs = append(row.runs, r)
		row.FitSec += r.FitSeconds + r.KmSeconds
		for j, c := range cols {
			v, ok := r.Metrics[c.Field]
			if !ok {
				v = math.NaN()
			}
			row.Cells[j].Values = append(row.Cells[j].Values, v)
		}
	}
	for _, ds := range sortedKeys(byDS) {
		main := Table{Dataset: ds, Title: ds, Columns: cols, Source: sources[ds]}
		groups := map[[2]string]*Table{}
		var groupOrder [][2]string
		for _, label := range sortedKeys(byDS[ds]) {
			row := byDS[ds][label]
			finishRow(row, cols, func(col string) float64 {
				if v, ok := ref[[3]string{ds, row.Label, col}]; ok {
					return v
				}
				return math.NaN()
			})
			if row.Sweep == nil {
				main.Rows = append(main.Rows, *row)
				continue
			}
			key := [2]string{row.Sweep.Base, row.Sweep.Param}
			g := groups[key]
			if g == nil {
				g = &Table{Dataset: ds, Title: fmt.Sprintf("%s: %s, %s sweep", ds, key[0], key[1]), Columns: cols,
					Source: sources[ds], Sweep: &SweepPoint{Base: key[0], Param: key[1]}}
				groups[key] = g
				groupOrder = append(groupOrder, key)
			}
			g.Rows = append(g.Rows, *row)
		}
		sortRows(main.Rows, order)
		collectErrors(&main)
		main.Notes = supersededNotes(ds, superseded)
		markBest(&main)
		if len(main.Rows) > 0 {
			tables = append(tables, main)
		}
		sort.SliceStable(groupOrder, func(a, b int) bool {
			pa, pb := firstPosition(groups[groupOrder[a]].Rows, order), firstPosition(groups[groupOrder[b]].Rows, order)
			if pa != pb {
				return pa < pb
			}
			return groupOrder[a][0]+groupOrder[a][1] < groupOrder[b][0]+groupOrder[b][1]
		})
		for _, key := range groupOrder {
			g := groups[key]
			sortSweep(g.Rows)
			collectErrors(g)
			markBest(g)
			sweeps = append(sweeps, *g)
		}
	}
	return tables, sweeps
}

// finishRow computes the means, deviations and published values of a row.
func finishRow(row *Row, cols metrics.Mapping, paper func(col string) float64) {
	if row.OK > 0 {
		row.FitSec /= float64(row.OK)
	} else {
		row.FitSec = math.NaN()
	}
	for j, c := range cols {
		cell := &row.Cells[j]
		cell.Mean, cell.Std, cell.N = meanStd(cell.Values)
		cell.CILow, cell.CIHigh = meanCI(cell.Mean, cell.Std, cell.N)
		cell.Paper = paper(c.Name)
	}
}

// collectErrors lists the failure messages of a table's rows.
func collectErrors(t *Table) {
	for _, r := range t.Rows {
		for _, e := range r.errors {
			t.Errors = append(t.Errors, r.Label+": "+e)
		}
	}
}

// latestPerRep keeps, for every (dataset, label, repetition), only the run
// that finished last: a label whose parameters (or code) changed between two
// invocations must not average old and new configurations. It returns the
// kept runs, in their original order, and the number left out per
// (dataset, label).
func latestPerRep(runs []results.Run) ([]results.Run, map[[2]string]int) {
	type key struct {
		ds, label string
		rep       int
	}
	latest := map[key]int{}
	for i, r := range runs {
		k := key{r.Dataset, r.Label, r.Rep}
		if j, ok := latest[k]; !ok || r.Provenance.Finished.After(runs[j].Provenance.Finished) {
			latest[k] = i
		}
	}
	if len(latest) == len(runs) {
		return runs, nil
	}
	kept := make([]results.Run, 0, len(latest))
	left := map[[2]string]int{}
	for i, r := range runs {
		if latest[key{r.Dataset, r.Label, r.Rep}] == i {
			kept = append(kept, r)
		} else {
			left[[2]string{r.Dataset, r.Label}]++
		}
	}
	return kept, left
}

// supersededNotes describes the runs latestPerRep left out of dataset ds.
func supersededNotes(ds string, left map[[2]string]int) []string {
	var notes []string
	for k, n := range left {
		if k[0] == ds {
			notes = append(notes, fmt.Sprintf("%s: %d older run(s) of the same repetitions, with another configuration, are superseded by later runs and not counted", k[1], n))
		}
	}
	slices.Sort(notes)
	return notes
}

// sortRows orders rows by their recorded spec position, unknown labels last
// in alphabetical order.
func sortRows(rows []Row, order map[string]int) {
	sort.SliceStable(rows, func(a, b int) bool {
		pa, oka := order[rows[a].Label]
		pb, okb := order[rows[b].Label]
		switch {
		case oka && okb:
			return pa < pb
		case oka != okb:
			return oka
		}
		return rows[a].Label < rows[b].Label
	})
}

// sortSweep orders sweep rows by numeric value (non-numeric values keep their
// label order, after the numeric ones) and numbers non-numeric points.
func sortSweep(rows []Row) {
	sort.SliceStable(rows, func(a, b int) bool {
		sa, sb := rows[a].Sweep, rows[b].Sweep
		if sa.Numeric != sb.Numeric {
			return sa.Numeric
		}
		return sa.Numeric && sa.X < sb.X
	})
	for i := range rows {
		if !rows[i].Sweep.Numeric {
			rows[i].Sweep.X = float64(i)
		}
	}
}

func firstPosition(rows []Row, order map[string]int) int {
	best := math.MaxInt
	for _, r := range rows {
		if p, ok := order[r.Label]; ok && p < best {
			best = p
		}
	}
	return best
}

// markBest sets Cell.Best on the highest displayed mean of every column.
func markBest(t *Table) {
	for j, c := range t.Columns {
		best := math.Inf(-1)
		for _, r := range t.Rows {
			if v := displayed(r.Cells[j].Mean, c.Field); v > best {
				best = v
			}
		}
		if math.IsInf(best, -1) {
			continue
		}
		for i := range t.Rows {
			t.Rows[i].Cells[j].Best = displayed(t.Rows[i].Cells[j].Mean, c.Field) == best
		}
	}
}

// displayed returns v rounded as the tables print it (NaN stays NaN).
func displayed(v float64, field string) float64 {
	if math.IsNaN(v) {
		return v
	}
	x, _ := strconv.ParseFloat(strconv.FormatFloat(scaleOf(field)*v, 'f', 2, 64), 64)
	return x
}

// scaleOf returns the display factor of a score, from the metrics table:
// 100 (percent) for scores in [0, 1], 1 for the mutual information in bits
// or nats (and for a score this program does not know).
func scaleOf(field string) float64 {
	if m, ok := metrics.Lookup(field); ok {
		return m.Scale
	}
	return 1
}

// unitOf returns the unit shown in a column heading, from the metrics table.
func unitOf(field string) string {
	if m, ok := metrics.Lookup(field); ok {
		return m.Unit
	}
	return "?"
}

// sweepPoint returns the sweep point of a run stored as one (its parameter
// and value are data in the store), nil for other runs.
func sweepPoint(r results.Run) *SweepPoint {
	if r.SweepParam == "" {
		return nil
	}
	base := r.Label
	if i := strings.LastIndex(base, "["+r.SweepParam+"="); i > 0 {
		base = base[:i]
	}
	sp := &SweepPoint{Base: base, Param: r.SweepParam, Value: r.SweepValue}
	if x, err := strconv.ParseFloat(r.SweepValue, 64); err == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
		sp.X, sp.Numeric = x, true
	}
	return sp
}

// meanStd returns the mean and sample standard deviation of the finite
// values and their count; the mean is NaN without values, the deviation
// without two.
func meanStd(v []float64) (mean, std float64, n int) {
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			mean += x
			n++
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	mean /= float64(n)
	if n < 2 {
		return mean, math.NaN(), n
	}
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			std += (x - mean) * (x - mean)
		}
	}
	return mean, math.Sqrt(std / float64(n-1)), n
}

// meanCI returns the 95 % confidence interval of a mean from n values with
// sample standard deviation std (Student's t with n − 1 degrees of
// freedom); NaN, NaN below two values.
func meanCI(mean, std float64, n int) (lo, hi float64) {
	if n < 2 || math.IsNaN(std) {
		return math.NaN(), math.NaN()
	}
	h := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975) * std / math.Sqrt(float64(n))
	return mean - h, mean + h
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
