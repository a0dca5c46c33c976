// Package methods defines the contract every factorization or clustering
// method of nmfbench satisfies, and the registry that maps a method's name in
// a YAML spec to its implementation.
//
// A method is one file: a parameter struct (yaml tags name the spec keys, doc
// tags document them, its zero-filled defaults come from the value given to
// Register) and a fit function returning the sample embedding that the runner
// clusters with k-means. Registration happens in the file's init function.
package methods

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

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
}

// Result is what a fitted method returns.
type Result struct {
	// Embedding is n × r, one row per sample; the runner clusters its rows
	// with k-means.
	Embedding *mat.Dense
	// Objective holds the objective value after each iteration (may be empty
	// for methods without one).
	Objective []float64
	// Iterations is the number of outer iterations performed.
	Iterations int
	// Converged reports whether the stopping tolerance was reached before the
	// iteration limit.
	Converged bool
	// Factors holds learned factors worth keeping for plots, by name (e.g.
	// "U" for a d × r basis, "A1", "A2" for the pixel-mode factors of a CP
	// model). It may be nil.
	Factors map[string]*mat.Dense
}

// Memo is a concurrency-safe cache of derived data, computed once per key.
type Memo struct {
	mu sync.Mutex
	m  map[string]*memoCell
}

type memoCell struct {
	once sync.Once
	v    any
	err  error
}

// Get returns the value cached under key, computing it with compute on first
// use. Concurrent callers for the same key wait for one computation. A failed
// computation is returned to the callers that waited for it but not kept:
// the next call computes again (a cancelled run must not poison the cache).
func (m *Memo) Get(key string, compute func() (any, error)) (any, error) {
	if m == nil {
		return compute()
	}
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[string]*memoCell)
	}
	c, ok := m.m[key]
	if !ok {
		c = &memoCell{}
		m.m[key] = c
	}
	m.mu.Unlock()
	c.once.Do(func() { c.v, c.err = compute() })
	if c.err != nil {
		m.mu.Lock()
		if m.m[key] == c {
			delete(m.m, key)
		}
		m.mu.Unlock()
	}
	return c.v, c.err
}

// Cached is the typed form of Memo.Get for data derived from p.Data: the key
// is prefixed with p.DataKey.
func Cached[T any](p *Problem, key string, compute func() (T, error)) (T, error) {
	v, err := p.Memo.Get(p.DataKey+"|"+key, func() (any, error) { return compute() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
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
