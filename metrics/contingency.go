package metrics

import (
	"errors"
	"fmt"
	"sort"
)

// Contingency is the contingency table of two labellings of the same n
// samples: rows are the distinct true classes, columns the distinct predicted
// clusters, both in increasing label order, and Counts[i*len(Clusters)+j] is
// the number n_ij of samples of class Classes[i] put in cluster Clusters[j].
type Contingency struct {
	Classes  []int // distinct true labels, sorted (rows)
	Clusters []int // distinct predicted labels, sorted (columns)
	Counts   []int // row-major n_ij, len(Classes)*len(Clusters)
	RowSums  []int // a_i = Σ_j n_ij, the class sizes
	ColSums  []int // b_j = Σ_i n_ij, the cluster sizes
	N        int   // number of samples
}

// ErrEmpty is returned (wrapped) when a labelling has no samples.
var ErrEmpty = errors.New("no samples")

// NewContingency builds the contingency table of truth (rows) against pred
// (columns). Labels are arbitrary integers; the two labellings may have
// different numbers of distinct labels. It fails when the lengths differ or
// are zero.
func NewContingency(truth, pred []int) (*Contingency, error) {
	if len(truth) != len(pred) {
		return nil, fmt.Errorf("metrics: %d true labels but %d predicted labels; both must label the same samples", len(truth), len(pred))
	}
	if len(truth) == 0 {
		return nil, fmt.Errorf("metrics: cannot score a clustering: %w", ErrEmpty)
	}
	classes, rowOf := distinct(truth)
	clusters, colOf := distinct(pred)
	c := &Contingency{
		Classes:  classes,
		Clusters: clusters,
		Counts:   make([]int, len(classes)*len(clusters)),
		RowSums:  make([]int, len(classes)),
		ColSums:  make([]int, len(clusters)),
		N:        len(truth),
	}
	m := len(clusters)
	for k := range truth {
		i, j := rowOf[truth[k]], colOf[pred[k]]
		c.Counts[i*m+j]++
		c.RowSums[i]++
		c.ColSums[j]++
	}
	return c, nil
}

// At returns n_ij, the count of row i (class Classes[i]) and column j
// (cluster Clusters[j]).
func (c *Contingency) At(i, j int) int { return c.Counts[i*len(c.Clusters)+j] }

// distinct returns the sorted distinct values of labels and the index of each.
func distinct(labels []int) ([]int, map[int]int) {
	idx := make(map[int]int)
	var vals []int
	for _, l := range labels {
		if _, ok := idx[l]; !ok {
			idx[l] = 0
			vals = append(vals, l)
		}
	}
	sort.Ints(vals)
	for i, v := range vals {
		idx[v] = i
	}
	return vals, idx
}
