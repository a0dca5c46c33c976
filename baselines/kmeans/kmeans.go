// Package kmeans registers the Kmeans baseline of the GWNTF paper's tables:
// k-means directly on the preprocessed, vectorised samples. Its embedding is
// the data itself; the runner's k-means stage (with its replicates) does the
// clustering, as it does for every method.
package kmeans

import (
	"context"

	"nmfbench/methods"
)

// Params has no parameters: the embedding is the preprocessed data.
type Params struct{}

// Defaults is the (empty) parameter set.
var Defaults = Params{}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "Kmeans",
		Summary:  "k-means directly on the preprocessed, vectorised samples (the paper's Kmeans row)",
		Version:  1,
		Defaults: Defaults,
		Fit:      fit,
	})
}

// fit returns the samples themselves as the embedding.
func fit(ctx context.Context, p *methods.Problem, _ Params) (*methods.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return &methods.Result{Embedding: p.Data.X}, nil
}
