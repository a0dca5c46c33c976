package metrics

import (
	"fmt"
	"math"
)

// Normalization selects the generalized mean of the two entropies that
// normalizes a mutual information score.
type Normalization int

// The normalizations of NMI and AMI (Vinh, Epps & Bailey 2010, Table 2).
const (
	Arithmetic Normalization = iota // (H(U) + H(V)) / 2
	Geometric                       // √(H(U) H(V))
	Max                             // max(H(U), H(V))
	Min                             // min(H(U), H(V))
)

// String returns the normalization's name as used in field names.
func (m Normalization) String() string {
	switch m {
	case Arithmetic:
		return "arithmetic"
	case Geometric:
		return "geometric"
	case Max:
		return "max"
	case Min:
		return "min"
	}
	return fmt.Sprintf("Normalization(%d)", int(m))
}

// mean returns the generalized mean of two entropies.
func (m Normalization) mean(h1, h2 float64) float64 {
	switch m {
	case Arithmetic:
		return (h1 + h2) / 2
	case Geometric:
		return math.Sqrt(h1 * h2)
	case Max:
		return math.Max(h1, h2)
	default:
		return math.Min(h1, h2)
	}
}

// Entropies returns the entropies in nats of the true classes and of the
// predicted clusters, H(U) = −Σ_i (a_i/N) log(a_i/N) and likewise for b_j.
func (c *Contingency) Entropies() (hTrue, hPred float64) {
	return entropy(c.RowSums, c.N), entropy(c.ColSums, c.N)
}

func entropy(sizes []int, n int) float64 {
	if len(sizes) <= 1 {
		return 0
	}
	logN := math.Log(float64(n))
	var h float64
	for _, s := range sizes {
		if s > 0 {
			p := float64(s) / float64(n)
			h -= p * (math.Log(float64(s)) - logN)
		}
	}
	return h
}

// MutualInfo returns the mutual information in nats,
//
//	I(U, V) = Σ_ij (n_ij/N) log(N n_ij / (a_i b_j)),
//
// clipped at 0 against rounding. It is exactly 0 when either labelling has a
// single label.
func (c *Contingency) MutualInfo() float64 {
	if len(c.Classes) <= 1 || len(c.Clusters) <= 1 {
		return 0
	}
	logN := math.Log(float64(c.N))
	m := len(c.Clusters)
	var mi float64
	for i, a := range c.RowSums {
		logA := math.Log(float64(a))
		for j, b := range c.ColSums {
			nij := c.Counts[i*m+j]
			if nij == 0 {
				continue
			}
			p := float64(nij) / float64(c.N)
			mi += p * (math.Log(float64(nij)) + logN - logA - math.Log(float64(b)))
		}
	}
	return math.Max(mi, 0)
}

// ExpectedMutualInfo returns E[I(U, V)] in nats under the hypergeometric
// model of randomness: both labellings' cluster sizes fixed, the samples
// permuted at random (Vinh, Epps & Bailey 2010, Eq. 24a):
//
//	E[I] = Σ_i Σ_j Σ_{n_ij = max(1, a_i+b_j−N)}^{min(a_i, b_j)} (n_ij/N) log(N n_ij/(a_i b_j))
//	       · a_i! b_j! (N−a_i)! (N−b_j)! / (N! n_ij! (a_i−n_ij)! (b_j−n_ij)! (N−a_i−b_j+n_ij)!).
//
// The factorial ratio is evaluated as exp of a sum of log-gamma values, so it
// neither overflows nor underflows prematurely.
func (c *Contingency) ExpectedMutualInfo() float64 {
	if len(c.Classes) <= 1 || len(c.Clusters) <= 1 {
		return 0
	}
	n := c.N
	lf := logFactorials(n) // lf[k] = log k!
	logN := math.Log(float64(n))
	var emi float64
	for _, a := range c.RowSums {
		logA := math.Log(float64(a))
		for _, b := range c.ColSums {
			logB := math.Log(float64(b))
			// Terms of nij not depending on nij.
			base := lf[a] + lf[b] + lf[n-a] + lf[n-b] - lf[n]
			lo := max(1, a+b-n)
			hi := min(a, b)
			for nij := lo; nij <= hi; nij++ {
				logP := base - lf[nij] - lf[a-nij] - lf[b-nij] - lf[n-a-b+nij]
				logRatio := math.Log(float64(nij)) + logN - logA - logB
				emi += float64(nij) / float64(n) * logRatio * math.Exp(logP)
			}
		}
	}
	return emi
}

// logFactorials returns log k! for k = 0..n.
func logFactorials(n int) []float64 {
	lf := make([]float64, n+1)
	for k := 2; k <= n; k++ {
		lf[k], _ = math.Lgamma(float64(k + 1))
	}
	return lf
}

// NMI returns the normalized mutual information I(U,V) / mean(H(U), H(V))
// with the given generalized mean. As scikit-learn does, it is 1 when both
// labellings have a single label (both entropies 0) and 0 when only one does
// or when the mutual information is 0.
func (c *Contingency) NMI(norm Normalization) float64 {
	hTrue, hPred := c.Entropies()
	return nmi(c.MutualInfo(), hTrue, hPred, len(c.Classes), len(c.Clusters), norm)
}

func nmi(mi, hTrue, hPred float64, kTrue, kPred int, norm Normalization) float64 {
	if kTrue == 1 && kPred == 1 {
		return 1
	}
	if mi == 0 {
		return 0
	}
	return mi / norm.mean(hTrue, hPred)
}

// AMI returns the adjusted mutual information (Vinh, Epps & Bailey 2010,
// Eq. 25 with their normalizations),
//
//	AMI = (I − E[I]) / (mean(H(U), H(V)) − E[I]),
//
// 1 when both labellings have a single label, and 0 when exactly one does. As
// scikit-learn does, a denominator smaller in magnitude than machine epsilon
// is replaced by ±epsilon.
func (c *Contingency) AMI(norm Normalization) float64 {
	hTrue, hPred := c.Entropies()
	return ami(c.MutualInfo(), c.ExpectedMutualInfo(), hTrue, hPred, len(c.Classes), len(c.Clusters), norm)
}

func ami(mi, emi, hTrue, hPred float64, kTrue, kPred int, norm Normalization) float64 {
	if kTrue == 1 && kPred == 1 {
		return 1
	}
	if kTrue == 1 || kPred == 1 {
		return 0 // I = E[I] = 0 exactly.
	}
	const eps = 0x1p-52
	den := norm.mean(hTrue, hPred) - emi
	if den < 0 {
		den = math.Min(den, -eps)
	} else {
		den = math.Max(den, eps)
	}
	return (mi - emi) / den
}
