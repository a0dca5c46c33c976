package reports

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"nmfbench/internal/wilcoxon"
)

// Comparison is a paired two-sided Wilcoxon signed-rank test of one row
// against the table's reference row on one column.
type Comparison struct {
	Reference string // label of the reference row
	// Pairs is the number of repetitions present in both rows with finite
	// scores; the differences are reference − row.
	Pairs int
	// WPlus is the rank sum of the positive differences (R's V).
	WPlus float64
	// P is the two-sided p-value (NaN when Err is set).
	P float64
	// Exact reports whether P comes from the exact null distribution.
	Exact bool
	// Err says why there is no p-value, e.g. no common repetitions.
	Err string
}

// Pair returns the scores of rows a and b in column j at the repetitions both
// have with finite values, in increasing repetition order, and those
// repetitions. Runs are paired by repetition index, never by position.
func Pair(a, b Row, j int) (x, y []float64, reps []int) {
	at := map[int]float64{}
	for i, r := range a.Reps {
		if v := a.Cells[j].Values[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			at[r] = v
		}
	}
	for i, r := range b.Reps {
		v := b.Cells[j].Values[i]
		if u, ok := at[r]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			x, y, reps = append(x, u), append(y, v), append(reps, r)
		}
	}
	// Reps are increasing already (the store orders runs by repetition);
	// sort anyway so the pairing never depends on that.
	idx := make([]int, len(reps))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(p, q int) bool { return reps[idx[p]] < reps[idx[q]] })
	sx, sy, sr := make([]float64, len(idx)), make([]float64, len(idx)), make([]int, len(idx))
	for k, i := range idx {
		sx[k], sy[k], sr[k] = x[i], y[i], reps[i]
	}
	return sx, sy, sr
}

// Compare tests row b against the reference row a on column j.
func Compare(a, b Row, j int) Comparison {
	x, y, _ := Pair(a, b, j)
	c := Comparison{Reference: a.Label, Pairs: len(x), P: math.NaN()}
	if len(x) == 0 {
		c.Err = "no repetition scored by both"
		return c
	}
	res, err := wilcoxon.SignedRank(x, y)
	if err != nil {
		c.Err = err.Error()
		return c
	}
	c.WPlus, c.P, c.Exact = res.WPlus, res.P, res.Exact
	return c
}

// compare runs the paired tests of every main table against the reference
// method: reference "" means DefaultReference when a table has it (no tests
// otherwise), NoReference disables the tests. A named reference must be a
// row label of at least one table (matched ignoring case).
func (rep *Report) compare(reference string) error {
	if strings.EqualFold(reference, NoReference) {
		return nil
	}
	name := reference
	if name == "" {
		name = DefaultReference
	}
	found := false
	for ti := range rep.Tables {
		t := &rep.Tables[ti]
		ref := -1
		for i, r := range t.Rows {
			if strings.EqualFold(r.Label, name) {
				ref = i
				break
			}
		}
		if ref < 0 || t.Rows[ref].OK == 0 {
			found = found || ref >= 0
			continue
		}
		found = true
		t.Reference = t.Rows[ref].Label
		for i := range t.Rows {
			if i == ref {
				continue
			}
			for j := range t.Columns {
				c := Compare(t.Rows[ref], t.Rows[i], j)
				t.Rows[i].Cells[j].Test = &c
			}
		}
	}
	if reference != "" && !found {
		labels := map[string]bool{}
		for _, t := range rep.Tables {
			for _, r := range t.Rows {
				labels[r.Label] = true
			}
		}
		return fmt.Errorf("reference method %q is not a method label in the results (labels: %s; use %q for no tests)",
			reference, strings.Join(sortedKeys(labels), ", "), NoReference)
	}
	return nil
}
