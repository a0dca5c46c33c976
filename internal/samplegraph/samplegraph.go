// Package samplegraph gives the graph-regularized methods (GNMF, GNCP, SDNMF,
// GWNTF) and the Spectral reference row their p-nearest-neighbour sample
// graph, built once per dataset and set of graph options and shared through
// the run's methods.Memo.
package samplegraph

import (
	"context"
	"fmt"

	"nmfbench/internal/graph"
	"nmfbench/methods"
)

// Options selects the graph (Deng Cai's constructW): neighbour count, edge
// weights, the metric that ranks neighbours and the heat-kernel width.
type Options struct {
	Neighbors int
	Weights   graph.Weighting
	Metric    graph.Metric
	HeatT     float64 // 0: mean pairwise distance (heat weights only)
}

// Key returns the memo key of the graph, e.g. "knn|p=5|binary|cosine" (plus
// "|t=…" for heat weights).
func (o Options) Key() string {
	key := fmt.Sprintf("knn|p=%d|%s|%s", o.Neighbors, o.Weights, o.Metric)
	if o.Weights == graph.HeatKernel {
		key += fmt.Sprintf("|t=%g", o.HeatT)
	}
	return key
}

// Get returns the symmetrised kNN graph of the problem's samples, cached per
// dataset and options so that every graph-regularized method of a process
// shares one graph. It is built without the run's cancellation so that a
// cancelled run cannot leave a failed entry in the shared cache.
func Get(ctx context.Context, p *methods.Problem, o Options) (*graph.CSR, error) {
	g, err := methods.Cached(p, o.Key(), func() (*graph.CSR, error) {
		return graph.KNN(context.WithoutCancel(ctx), p.Data.X, graph.Options{K: o.Neighbors, Weight: o.Weights, T: o.HeatT, Metric: o.Metric})
	})
	if err != nil {
		return nil, fmt.Errorf("building the %d-NN graph: %w", o.Neighbors, err)
	}
	return g, nil
}
