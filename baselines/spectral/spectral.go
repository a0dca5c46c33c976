// Package spectral registers the Spectral baseline: the clustering that the
// sample graph of the graph-regularized methods supports on its own, with no
// factorization. Its embedding is Ng, Jordan and Weiss's (NIPS 2001): the
// eigenvectors of the r largest eigenvalues of the normalised affinity
// D^{-1/2} S D^{-1/2} of the p-nearest-neighbour graph S (the same graph, from
// the same cache, as GNMF, GNCP, SDNMF and GWNTF), each row scaled to unit
// Euclidean norm. The runner's k-means stage clusters it, as for every method.
//
// It is not a method of the GWNTF paper's tables; it measures how much of the
// class structure the graph alone carries (docs/fidelity.md). The embedding is
// deterministic (it draws nothing from the run's RNG), so the repetitions of a
// spec differ only in their k-means seeds, and it is computed once per dataset,
// graph and rank in a process. The eigendecomposition is dense, O(n³) time and
// n² memory, so the method refuses more than MaxSamples samples.
package spectral

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/graph"
	"nmfbench/internal/samplegraph"
	"nmfbench/methods"
)

// MaxSamples is the largest sample count the dense eigendecomposition is run
// for (about 2 GB of matrices and tens of minutes at 10 000).
const MaxSamples = 10000

// Params configures the graph and the embedding's dimension.
type Params struct {
	Rank        int             `yaml:"rank" symbol:"r" doc:"number of leading eigenvectors kept; 0 means the number of classes (Ng–Jordan–Weiss)"`
	Neighbors   int             `yaml:"neighbors" symbol:"p" doc:"nearest neighbours per sample in the kNN graph (the graph methods' p = 5)"`
	EdgeWeights graph.Weighting `yaml:"edge_weights" doc:"kNN edge weights: binary (the graph methods' default), heat or cosine"`
	Metric      graph.Metric    `yaml:"neighbor_metric" doc:"neighbour ranking: cosine (as the graph methods) or euclidean"`
	HeatT       float64         `yaml:"heat_t" symbol:"t" doc:"heat-kernel width t; 0 = mean pairwise distance (constructW's default)"`
}

// Defaults builds the graph of GNMF's and GWNTF's defaults (binary weights,
// cosine ranking, p = 5) and keeps as many eigenvectors as classes.
var Defaults = Params{Neighbors: 5, EdgeWeights: graph.Binary, Metric: graph.Angular}

// Validate checks the parameter values.
func (p *Params) Validate() error {
	return methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckCount("neighbors", p.Neighbors, 1, 1000),
		methods.CheckNonNegative("heat_t", p.HeatT),
	)
}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "Spectral",
		Summary:  "spectral clustering of the graph methods' p-NN sample graph alone (Ng–Jordan–Weiss): the r leading eigenvectors of D^{-1/2}SD^{-1/2}, rows unit-normalised; not in the paper",
		Version:  1,
		Defaults: Defaults,
		Renamed:  map[string]string{"p": "neighbors", "weight": "edge_weights", "metric": "neighbor_metric", "t": "heat_t"},
		Fit:      fit,
	})
}

// fit returns the (cached) spectral embedding of the problem's sample graph.
func fit(ctx context.Context, p *methods.Problem, prm Params) (*methods.Result, error) {
	n, r := p.Data.Samples(), p.Rank(prm.Rank)
	switch {
	case n > MaxSamples:
		return nil, fmt.Errorf("Spectral: %d samples; the dense eigendecomposition is limited to %d", n, MaxSamples)
	case r < 1 || r > n:
		return nil, fmt.Errorf("Spectral: rank %d; need 1 ≤ rank ≤ %d samples", r, n)
	}
	gopt := samplegraph.Options{Neighbors: prm.Neighbors, Weights: prm.EdgeWeights, Metric: prm.Metric, HeatT: prm.HeatT}
	g, err := samplegraph.Get(ctx, p, gopt)
	if err != nil {
		return nil, fmt.Errorf("Spectral: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("Spectral: %w", err)
	}
	// Shared like the graph, and like it computed without the run's
	// cancellation so that a cancelled run cannot leave a failed entry.
	e, err := methods.Cached(p, fmt.Sprintf("spectral|%s|r=%d", gopt.Key(), r), func() (*mat.Dense, error) {
		return Embedding(g, r)
	})
	if err != nil {
		return nil, fmt.Errorf("Spectral: %w", err)
	}
	return &methods.Result{Embedding: e}, nil
}

// Embedding returns the n × r Ng–Jordan–Weiss embedding of the graph g: the
// eigenvectors of the r largest eigenvalues of D^{-1/2} S D^{-1/2} (S the
// weights, D their row sums), columns in decreasing order of eigenvalue, each
// row scaled to unit Euclidean norm (a zero row, which has no direction, is
// left zero).
func Embedding(g *graph.CSR, r int) (*mat.Dense, error) {
	n := g.N()
	if r < 1 || r > n {
		return nil, fmt.Errorf("embedding dimension %d for a graph of %d vertices", r, n)
	}
	e, _, err := leading(g, r)
	if err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		row := e.RawRowView(i)
		if nrm := floats.Norm(row, 2); nrm > 0 {
			for k := range row {
				row[k] /= nrm
			}
		}
	}
	return e, nil
}

// leading returns the eigenvectors (n × r, orthonormal columns) and the
// eigenvalues (decreasing) of the r largest eigenvalues of D^{-1/2}SD^{-1/2}.
func leading(g *graph.CSR, r int) (*mat.Dense, []float64, error) {
	n := g.N()
	isd := make([]float64, n) // D^{-1/2}
	for i, d := range g.Degrees() {
		if d > 0 {
			isd[i] = 1 / math.Sqrt(d)
		}
	}
	a := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		cols, w := g.Row(i)
		for t, j := range cols {
			if j >= i {
				a.SetSym(i, j, isd[i]*w[t]*isd[j])
			}
		}
	}
	var es mat.EigenSym
	if !es.Factorize(a, true) {
		return nil, nil, errors.New("the eigendecomposition of the normalised affinity did not converge")
	}
	var all mat.Dense
	es.VectorsTo(&all) // eigenvalues ascending: the leading ones are the last columns
	values := es.Values(nil)
	vec := mat.NewDense(n, r, nil)
	val := make([]float64, r)
	for k := 0; k < r; k++ {
		val[k] = values[n-1-k]
		for i := 0; i < n; i++ {
			vec.Set(i, k, all.At(i, n-1-k))
		}
	}
	return vec, val, nil
}
