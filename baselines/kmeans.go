package baselines

import (
	"context"

	"nmfbench/methods"
)

// KmeansParams has no parameters: the embedding is the preprocessed data.
type KmeansParams struct{}

func init() {
	methods.Register("Kmeans", "k-means directly on the preprocessed, vectorised samples (the paper's Kmeans row)",
		KmeansParams{}, fitKmeans)
}

// fitKmeans returns the samples themselves as the embedding; the runner's
// k-means stage (with its replicates) does the clustering.
func fitKmeans(ctx context.Context, p *methods.Problem, _ KmeansParams) (*methods.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &methods.Result{Embedding: p.Data.X, Converged: true}, nil
}
