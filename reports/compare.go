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
	// MedianDiff is the effect size: the median over the pairs of
	// row − reference (negative: the row scores below the reference); NaN
	// without pairs.
	MedianDiff float64
	// MinP is the smallest two-sided p-value the exact test can give with
	// Pairs pairs, 2/2^Pairs (capped at 1): the p-value of all differences
	// on one side. When it is ≥ 0.05 no difference can be significant.
	MinP float64
}

// MinPossibleP returns 2/2ⁿ capped at 1: the smallest two-sided p-value
// the exact Wilcoxon signed-rank test reaches with n untied nonzero pairs.
func MinPossibleP(n int) float64 {
	if n < 1 {
		return 1
	}
	return math.Min(1, 2*math.Pow(0.5, float64(n)))
}

// Underpowered reports whether the comparison cannot reach p < 0.05 at
// all, whatever the data: too few pairs.
func (c Comparison) Underpowered() bool { return c.Err == "" && c.MinP >= 0.05 }

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
	c := Comparison{Reference: a.Label, Pairs: len(x), P: math.NaN(), MedianDiff: math.NaN(), MinP: MinPossibleP(len(x))}
	if len(x) == 0 {
		c.Err = "no repetition scored by both"
		return c
	}
	d := make([]float64, len(x))
	for i := range x {
		d[i] = y[i] - x[i]
	}
	sort.Float64s(d)
	c.MedianDiff = quantile(d, 0.5)
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
// row label of at least one table (matched ignoring case). Every table
// without tests, or whose tests cannot reach p < 0.05, gets a TestNote
// saying so; how says where the reference came from ("--versus", "the
// spec's report.versus"), for those notes.
func (rep *Report) compare(reference, how string) error {
	if strings.EqualFold(reference, NoReference) {
		for ti := range rep.Tables {
			rep.Tables[ti].TestNote = "Paired tests are off (" + how + " none)."
		}
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
		if ref < 0 {
			if reference == "" {
				t.TestNote = fmt.Sprintf("No paired tests: the default reference method %s is not in this table; choose one with runexp report --versus LABEL.", DefaultReference)
			} else {
				t.TestNote = fmt.Sprintf("No paired tests: the reference method %s (%s) is not in this table.", name, how)
			}
			continue
		}
		if t.Rows[ref].OK == 0 {
			found = true
			t.TestNote = fmt.Sprintf("No paired tests: the reference method %s has no ok run in this table.", t.Rows[ref].Label)
			continue
		}
		found = true
		t.Reference = t.Rows[ref].Label
		most := 0
		for i := range t.Rows {
			if i == ref {
				continue
			}
			for j := range t.Columns {
				c := Compare(t.Rows[ref], t.Rows[i], j)
				t.Rows[i].Cells[j].Test = &c
				if c.Err == "" {
					most = max(most, c.Pairs)
				}
			}
		}
		if most > 0 && MinPossibleP(most) >= 0.05 {
			t.TestNote = fmt.Sprintf("Underpowered: with at most %d pairs the smallest two-sided p-value the exact Wilcoxon test can reach is 2/2^%d = %s ≥ 0.05, so no difference can be marked significant; run at least 6 repetitions.",
				most, most, pValue(MinPossibleP(most)))
		}
	}
	if reference != "" && !found {
		labels := map[string]bool{}
		for _, t := range rep.Tables {
			for _, r := range t.Rows {
				labels[r.Label] = true
			}
		}
		return fmt.Errorf("reference method %q is not a method label in the results (from %s; labels: %s; use %q for no tests)",
			reference, how, strings.Join(sortedKeys(labels), ", "), NoReference)
	}
	return nil
}
