// Package methods defines the contract every factorization or clustering
// method of nmfbench satisfies, the registry that maps a method's name in a
// YAML spec to its implementation, and the outer-iteration driver shared by
// the iterative methods.
//
// It is the contract only: the methods themselves live in one package each
// (nmfbench/baselines/nmf, nmfbench/methods/gwntf, …), which register
// themselves from init; nmfbench/methods/all imports every one of them.
//
// A method is a parameter struct — exported fields with `yaml:"name"` and
// `doc:"…"` tags, defaults given to Register, checked by its Validate
// method — and a fit function that returns the sample embedding the runner
// clusters with k-means, together with the objective trace under one
// convention (see Result). Enumerated options are typed (they implement
// encoding.TextUnmarshaler) so that they are parsed once, when the spec is
// validated. A method never touches storage: it receives a Problem and
// returns a Result.
package methods

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
)

// Problem is what a method is fitted on in one run.
type Problem struct {
	// Data is the preprocessed dataset. Methods must not modify it.
	Data *datasets.Dataset
	// K is the number of clusters sought (the dataset's class count); the
	// default factorization rank.
	K int
	// RNG is seeded from the run's seed; every random choice of the method
	// (initialisation, restarts) must draw from it so runs are reproducible.
	RNG *rand.Rand
	// Memo caches data derived from Data alone (kNN graphs, cost kernels) across
	// the runs of one process. It may be nil, in which case nothing is cached.
	Memo *Memo
	// DataKey identifies Data (dataset name, checksum and preprocessing) and
	// prefixes Memo keys.
	DataKey string
	// Progress, when non-nil, is called after each iteration with the
	// iteration number and objective; it must be cheap.
	Progress func(iter int, objective float64)
	// Threads is the number of goroutines the method may keep busy (0 means
	// 1). The runner gives each of its workers GOMAXPROCS/workers, so that
	// parallel runs do not oversubscribe the cores. A method's result must
	// not depend on it.
	Threads int
}

// Goroutines returns p.Threads, at least 1.
func (p *Problem) Goroutines() int { return max(1, p.Threads) }

// Result is what a fitted method returns.
//
// Trace convention: Objective[0] is the objective of the initial factors and
// Objective[t] the objective after iteration t, so len(Objective) is
// Iterations+1; Seconds[t] is the time since the fit started at which
// Objective[t] was known (Seconds[0] is the set-up time). Both are empty for
// methods without an objective. Iterate follows this convention.
type Result struct {
	// Embedding is n × r, one row per sample; the runner clusters its rows
	// with k-means.
	Embedding *mat.Dense
	// Objective is the objective trace (see the trace convention).
	Objective []float64
	// Seconds holds the timestamps of Objective, same length.
	Seconds []float64
	// Iterations is the number of outer iterations performed.
	Iterations int
	// Status says why the iterations stopped.
	Status Status
	// Factors holds learned factors worth keeping for plots, by name (e.g.
	// "U" for a d × r basis, "A1", "A2" for the pixel-mode factors of a CP
	// model). It may be nil.
	Factors map[string]*mat.Dense
}

// Converged reports whether the stopping rule, not the iteration limit,
// ended the iterations.
func (r *Result) Converged() bool { return r.Status == Converged }

// CheckTrace reports whether r follows the trace convention.
func (r *Result) CheckTrace() error {
	if len(r.Objective) == 0 && len(r.Seconds) == 0 {
		return nil
	}
	if len(r.Seconds) != len(r.Objective) {
		return fmt.Errorf("trace has %d objective values but %d timestamps", len(r.Objective), len(r.Seconds))
	}
	if len(r.Objective) != r.Iterations+1 {
		return fmt.Errorf("trace has %d objective values for %d iterations; want iterations+1 (entry 0 is the initial objective)", len(r.Objective), r.Iterations)
	}
	for i := 1; i < len(r.Seconds); i++ {
		if r.Seconds[i] < r.Seconds[i-1] {
			return fmt.Errorf("trace timestamps decrease at entry %d", i)
		}
	}
	return nil
}

// Rank returns r when positive, otherwise the problem's cluster count K.
func (p *Problem) Rank(r int) int {
	if r > 0 {
		return r
	}
	return p.K
}

// CheckContext returns a wrapped context error when ctx is done; methods call
// it once per outer iteration.
func CheckContext(ctx context.Context, iter int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stopped at iteration %d: %w", iter, err)
	}
	return nil
}
