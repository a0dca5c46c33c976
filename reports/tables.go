// Package reports turns the results database into paper-style tables (and
// plots): one table per dataset, rows = method labels, columns = the chosen
// metric mapping, cells = mean ± standard deviation over repetitions with the
// published value beside each. Everything is computed from the SQLite store
// alone, so a report can be rebuilt at any time without re-running anything.
package reports

import (
	"context"
	"fmt"
	"math"
	"sort"

	"nmfbench/metrics"
	"nmfbench/results"
)

// Cell is one method × metric entry of a table.
type Cell struct {
	Mean, Std float64   // over the ok runs (sample standard deviation, n−1)
	Values    []float64 // per run, ordered by repetition
	Paper     float64   // published value; NaN when none
}

// Row is one method label of a table.
type Row struct {
	Label  string
	Method string
	OK     int     // runs with status ok
	Failed int     // runs with status failed
	Reps   []int   // repetition index of each ok run (pairs Values across rows)
	Cells  []Cell  // one per column
	FitSec float64 // mean fit seconds of the ok runs
}

// Table is the summary of one dataset.
type Table struct {
	Dataset string
	Columns metrics.Mapping
	Rows    []Row
	Source  string   // citation of the reference values, if any
	Errors  []string // distinct failure messages
}

// BuildTables summarises the store: one table per dataset, rows in the
// recorded spec order (then alphabetical), values as fractions.
func BuildTables(ctx context.Context, store *results.Store, cols metrics.Mapping) ([]Table, error) {
	if err := cols.Validate(); err != nil {
		return nil, err
	}
	runs, err := store.Runs(ctx, results.Query{})
	if err != nil {
		return nil, err
	}
	refs, err := store.References(ctx)
	if err != nil {
		return nil, err
	}
	order, err := store.MethodOrder(ctx)
	if err != nil {
		return nil, err
	}
	ref := map[[3]string]float64{}
	sources := map[string]string{}
	for _, r := range refs {
		ref[[3]string{r.Dataset, r.Method, r.Metric}] = r.Value
		sources[r.Dataset] = r.Source
	}
	byDS := map[string]map[string]*Row{}
	errs := map[string]map[string]bool{}
	for _, r := range runs {
		rows := byDS[r.Dataset]
		if rows == nil {
			rows = map[string]*Row{}
			byDS[r.Dataset] = rows
			errs[r.Dataset] = map[string]bool{}
		}
		row := rows[r.Label]
		if row == nil {
			row = &Row{Label: r.Label, Method: r.Method, Cells: make([]Cell, len(cols))}
			rows[r.Label] = row
		}
		if r.Status != results.StatusOK {
			row.Failed++
			errs[r.Dataset][r.Label+": "+r.Error] = true
			continue
		}
		row.OK++
		row.Reps = append(row.Reps, r.Rep)
		row.FitSec += r.FitSeconds
		for j, c := range cols {
			v, ok := r.Metrics[c.Field]
			if !ok {
				v = math.NaN()
			}
			row.Cells[j].Values = append(row.Cells[j].Values, v)
		}
	}
	var tables []Table
	for _, ds := range sortedKeys(byDS) {
		t := Table{Dataset: ds, Columns: cols, Source: sources[ds]}
		for _, row := range byDS[ds] {
			if row.OK > 0 {
				row.FitSec /= float64(row.OK)
			}
			for j, c := range cols {
				cell := &row.Cells[j]
				cell.Mean, cell.Std = meanStd(cell.Values)
				cell.Paper = math.NaN()
				if v, ok := ref[[3]string{ds, row.Label, c.Name}]; ok {
					cell.Paper = v
				}
			}
			t.Rows = append(t.Rows, *row)
		}
		sort.SliceStable(t.Rows, func(a, b int) bool {
			pa, oka := order[t.Rows[a].Label]
			pb, okb := order[t.Rows[b].Label]
			switch {
			case oka && okb:
				return pa < pb
			case oka != okb:
				return oka
			}
			return t.Rows[a].Label < t.Rows[b].Label
		})
		t.Errors = sortedKeys(errs[ds])
		tables = append(tables, t)
	}
	return tables, nil
}

// meanStd returns the mean and sample standard deviation (0 for one value).
func meanStd(v []float64) (mean, std float64) {
	if len(v) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	if len(v) < 2 {
		return mean, 0
	}
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)-1))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// pct formats a fraction as a percentage with two decimals ("–" for NaN).
func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", 100*v)
}
