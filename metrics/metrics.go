// Package metrics scores a clustering against ground-truth labels.
//
// Both labellings are slices of arbitrary integers over the same samples; the
// labels need not be 0-based or contiguous and the numbers of true classes and
// predicted clusters may differ. Every score is computed from one contingency
// table (NewContingency): clustering accuracy (ACC, the best one-to-one
// matching of clusters to classes by the Kuhn–Munkres algorithm, Assign),
// purity, mutual information in nats and bits, normalized mutual information
// with four normalizations and adjusted mutual information (Vinh, Epps &
// Bailey 2010) with two. The conventions for degenerate labellings follow
// scikit-learn 1.2.1, whose values the tests reproduce to 1e-9.
//
// The metrics are one table (All): name, definition, unit and function.
// Evaluate returns every score at once, keyed by name. A Mapping names the
// scores that fill a report's columns; PaperMapping is the default reading of the GWNTF
// paper's ACC, NMI, MI and Purity columns (see docs/metrics.md).
package metrics

import (
	"fmt"
	"math"
	"strings"

	"nmfbench/internal/assign"
)

// Metric is one clustering score. The table of metrics (All) is the one
// place a score is defined: evaluation, the results store (one row per run
// and score) and the reports' units all follow it, so adding a score is one
// entry.
type Metric struct {
	Name  string  // snake_case key in specs, storage and reports, e.g. "nmi_geometric"
	Doc   string  // one-line definition
	Unit  string  // unit of the reported value: "%" (a fraction in [0, 1] reported ×100), "bits" or "nats"
	Scale float64 // factor from the stored value to the reported one (100 for "%")
	value func(e *evaluation) float64
}

// evaluation holds the quantities that several scores share, computed once.
type evaluation struct {
	c                  *Contingency
	mi, emi            float64
	hTrue, hPred       float64
	kTrue, kPred       int
	emiDone, infoReady bool
}

func (e *evaluation) info() {
	if !e.infoReady {
		e.mi = e.c.MutualInfo()
		e.hTrue, e.hPred = e.c.Entropies()
		e.kTrue, e.kPred = len(e.c.Classes), len(e.c.Clusters)
		e.infoReady = true
	}
}

func (e *evaluation) nmi(n Normalization) float64 {
	e.info()
	return nmi(e.mi, e.hTrue, e.hPred, e.kTrue, e.kPred, n)
}

func (e *evaluation) ami(n Normalization) float64 {
	e.info()
	if !e.emiDone {
		e.emi, e.emiDone = e.c.ExpectedMutualInfo(), true
	}
	return ami(e.mi, e.emi, e.hTrue, e.hPred, e.kTrue, e.kPred, n)
}

// table lists every score in storage and report order.
var table = [...]Metric{
	{"acc", "clustering accuracy, best one-to-one matching of clusters to classes (Kuhn–Munkres)", "%", 100, func(e *evaluation) float64 { return e.c.Accuracy() }},
	{"purity", "Σ_j max_i n_ij / N", "%", 100, func(e *evaluation) float64 { return e.c.Purity() }},
	{"mi_bits", "mutual information I(U; V), base 2", "bits", 1, func(e *evaluation) float64 { e.info(); return e.mi / math.Ln2 }},
	{"mi_nats", "mutual information I(U; V), natural log", "nats", 1, func(e *evaluation) float64 { e.info(); return e.mi }},
	{"nmi_arithmetic", "I / ((H(U)+H(V))/2)", "%", 100, func(e *evaluation) float64 { return e.nmi(Arithmetic) }},
	{"nmi_geometric", "I / √(H(U) H(V))", "%", 100, func(e *evaluation) float64 { return e.nmi(Geometric) }},
	{"nmi_max", "I / max(H(U), H(V)) (Deng Cai's MutualInfo)", "%", 100, func(e *evaluation) float64 { return e.nmi(Max) }},
	{"nmi_min", "I / min(H(U), H(V))", "%", 100, func(e *evaluation) float64 { return e.nmi(Min) }},
	{"ami_arithmetic", "adjusted mutual information, arithmetic normalization (Vinh et al. 2010)", "%", 100, func(e *evaluation) float64 { return e.ami(Arithmetic) }},
	{"ami_max", "adjusted mutual information, max normalization", "%", 100, func(e *evaluation) float64 { return e.ami(Max) }},
}

// All returns the table of metrics, in storage and report order.
func All() []Metric { return append([]Metric(nil), table[:]...) }

// Lookup returns the metric named name (case-insensitive).
func Lookup(name string) (Metric, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, m := range table {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// FieldNames returns the metrics' names in table order: acc, purity,
// mi_bits, mi_nats, nmi_arithmetic, nmi_geometric, nmi_max, nmi_min,
// ami_arithmetic, ami_max.
func FieldNames() []string {
	out := make([]string, len(table))
	for i, m := range table {
		out[i] = m.Name
	}
	return out
}

// Scores holds the clustering scores of one predicted labelling, keyed by
// metric name.
type Scores map[string]float64

// Get returns the score named name (case-insensitive).
func (s Scores) Get(name string) (float64, error) {
	m, ok := Lookup(name)
	if !ok {
		return 0, fmt.Errorf("metrics: unknown score %q (known: %s)", name, strings.Join(FieldNames(), ", "))
	}
	v, ok := s[m.Name]
	if !ok {
		return 0, fmt.Errorf("metrics: score %q was not computed", m.Name)
	}
	return v, nil
}

// Evaluate scores the predicted labelling pred against the true labelling
// truth with every metric of the table. It fails when the lengths differ or
// are zero.
func Evaluate(truth, pred []int) (Scores, error) {
	c, err := NewContingency(truth, pred)
	if err != nil {
		return nil, err
	}
	return c.Scores(), nil
}

// Scores computes every metric of the table from the contingency table.
func (c *Contingency) Scores() Scores {
	e := &evaluation{c: c}
	out := make(Scores, len(table))
	for _, m := range table {
		out[m.Name] = m.value(e)
	}
	return out
}

// Accuracy returns the clustering accuracy: the largest fraction of samples
// whose cluster is mapped to their class by a one-to-one map from clusters to
// classes, found by the Kuhn–Munkres algorithm on the contingency table
// (maximizing Σ n_{i,σ(i)}). When the label counts differ, the surplus
// clusters or classes stay unmatched and their samples count as errors.
func (c *Contingency) Accuracy() float64 {
	r, m := len(c.Classes), len(c.Clusters)
	rowToCol := assign.SolveFunc(r, m, func(i, j int) float64 { return -float64(c.Counts[i*m+j]) })
	matched := 0
	for i, j := range rowToCol {
		if j >= 0 {
			matched += c.Counts[i*m+j]
		}
	}
	return float64(matched) / float64(c.N)
}

// Purity returns Σ_j max_i n_ij / N: each predicted cluster is credited with
// its most frequent true class.
func (c *Contingency) Purity() float64 {
	m := len(c.Clusters)
	total := 0
	for j := 0; j < m; j++ {
		best := 0
		for i := range c.Classes {
			best = max(best, c.Counts[i*m+j])
		}
		total += best
	}
	return float64(total) / float64(c.N)
}
