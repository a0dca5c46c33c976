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
// Evaluate returns all scores at once. A Mapping names the Scores fields that
// fill a report's columns; PaperMapping is the default reading of the GWNTF
// paper's ACC, NMI, MI and Purity columns (see docs/metrics.md).
package metrics

import (
	"fmt"
	"math"
	"strings"
)

// Scores holds every clustering score of one predicted labelling.
type Scores struct {
	ACC           float64 `json:"acc"`            // clustering accuracy, best one-to-one matching
	Purity        float64 `json:"purity"`         // Σ_j max_i n_ij / N
	MIBits        float64 `json:"mi_bits"`        // mutual information, base 2
	MINats        float64 `json:"mi_nats"`        // mutual information, natural log
	NMIArithmetic float64 `json:"nmi_arithmetic"` // I / ((H(U)+H(V))/2)
	NMIGeometric  float64 `json:"nmi_geometric"`  // I / √(H(U) H(V))
	NMIMax        float64 `json:"nmi_max"`        // I / max(H(U), H(V))
	NMIMin        float64 `json:"nmi_min"`        // I / min(H(U), H(V))
	AMIArithmetic float64 `json:"ami_arithmetic"` // adjusted MI, arithmetic normalization
	AMIMax        float64 `json:"ami_max"`        // adjusted MI, max normalization
}

// fieldNames lists the snake_case names of the Scores fields in declaration
// order; fieldPtr must agree with it.
var fieldNames = [...]string{"acc", "purity", "mi_bits", "mi_nats", "nmi_arithmetic", "nmi_geometric", "nmi_max", "nmi_min", "ami_arithmetic", "ami_max"}

func (s *Scores) fieldPtr(name string) *float64 {
	switch name {
	case "acc":
		return &s.ACC
	case "purity":
		return &s.Purity
	case "mi_bits":
		return &s.MIBits
	case "mi_nats":
		return &s.MINats
	case "nmi_arithmetic":
		return &s.NMIArithmetic
	case "nmi_geometric":
		return &s.NMIGeometric
	case "nmi_max":
		return &s.NMIMax
	case "nmi_min":
		return &s.NMIMin
	case "ami_arithmetic":
		return &s.AMIArithmetic
	case "ami_max":
		return &s.AMIMax
	}
	return nil
}

// FieldNames returns the snake_case names of the Scores fields, in
// declaration order: acc, purity, mi_bits, mi_nats, nmi_arithmetic,
// nmi_geometric, nmi_max, nmi_min, ami_arithmetic, ami_max.
func FieldNames() []string { return append([]string(nil), fieldNames[:]...) }

// Get returns the score named by its snake_case field name (see FieldNames).
// Names are matched case-insensitively.
func (s Scores) Get(field string) (float64, error) {
	p := s.fieldPtr(strings.ToLower(strings.TrimSpace(field)))
	if p == nil {
		return 0, fmt.Errorf("metrics: unknown score %q (known: %s)", field, strings.Join(fieldNames[:], ", "))
	}
	return *p, nil
}

// Evaluate scores the predicted labelling pred against the true labelling
// truth. It fails when the lengths differ or are zero.
func Evaluate(truth, pred []int) (Scores, error) {
	c, err := NewContingency(truth, pred)
	if err != nil {
		return Scores{}, err
	}
	return c.Scores(), nil
}

// Scores computes every score from the contingency table.
func (c *Contingency) Scores() Scores {
	mi := c.MutualInfo()
	emi := c.ExpectedMutualInfo()
	hTrue, hPred := c.Entropies()
	kt, kp := len(c.Classes), len(c.Clusters)
	return Scores{
		ACC:           c.Accuracy(),
		Purity:        c.Purity(),
		MIBits:        mi / math.Ln2,
		MINats:        mi,
		NMIArithmetic: nmi(mi, hTrue, hPred, kt, kp, Arithmetic),
		NMIGeometric:  nmi(mi, hTrue, hPred, kt, kp, Geometric),
		NMIMax:        nmi(mi, hTrue, hPred, kt, kp, Max),
		NMIMin:        nmi(mi, hTrue, hPred, kt, kp, Min),
		AMIArithmetic: ami(mi, emi, hTrue, hPred, kt, kp, Arithmetic),
		AMIMax:        ami(mi, emi, hTrue, hPred, kt, kp, Max),
	}
}

// Accuracy returns the clustering accuracy: the largest fraction of samples
// whose cluster is mapped to their class by a one-to-one map from clusters to
// classes, found by the Kuhn–Munkres algorithm on the contingency table
// (maximizing Σ n_{i,σ(i)}). When the label counts differ, the surplus
// clusters or classes stay unmatched and their samples count as errors.
func (c *Contingency) Accuracy() float64 {
	r, m := len(c.Classes), len(c.Clusters)
	rowToCol := assign(r, m, func(i, j int) float64 { return -float64(c.Counts[i*m+j]) })
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
