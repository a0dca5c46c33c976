package methods

import (
	"context"
	"fmt"

	"nmfbench/internal/graph"
)

// SampleGraph returns the p-nearest-neighbour graph of the problem's samples
// (Deng Cai's constructW: weight binary, heat or cosine; neighbours by the
// euclidean or cosine metric; symmetrised), cached per dataset and graph
// options under keys such as "knn|p=5|binary|cosine" (plus "|t=…" for heat
// weights), so every graph-regularized method of a run shares one graph. It is
// built without the run's cancellation so that a cancelled run cannot leave a
// failed entry in the shared cache.
func SampleGraph(ctx context.Context, p *Problem, neighbors int, weight, metric string, t float64) (*graph.CSR, error) {
	w, err := graph.ParseWeighting(weight)
	if err != nil {
		return nil, err
	}
	m, err := graph.ParseMetric(metric)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("knn|p=%d|%s|%s", neighbors, w, m)
	if w == graph.HeatKernel {
		key += fmt.Sprintf("|t=%g", t)
	}
	g, err := Cached(p, key, func() (*graph.CSR, error) {
		return graph.KNN(context.WithoutCancel(ctx), p.Data.X, graph.Options{K: neighbors, Weight: w, T: t, Metric: m})
	})
	if err != nil {
		return nil, fmt.Errorf("building the %d-NN graph: %w", neighbors, err)
	}
	return g, nil
}
