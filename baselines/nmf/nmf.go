// Package nmf registers NMF: Lee–Seung multiplicative-update nonnegative
// matrix factorization X ≈ UVᵀ with the Frobenius or the KL (Poisson) loss
// (Lee & Seung, NIPS 2001). The embedding is V (one row per sample), with U's
// columns normalised and the scale moved into V. See docs/nmf.md.
package nmf

import (
	"context"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/dense"
	"nmfbench/internal/mu"
	"nmfbench/methods"
)

// Params configures NMF.
type Params struct {
	Rank    int     `yaml:"rank" symbol:"r" doc:"factorization rank r; 0 means the number of classes"`
	Loss    mu.Loss `yaml:"loss" doc:"objective: frobenius (‖X − UVᵀ‖²) or kl (generalised KL divergence, i.e. Poisson likelihood)"`
	MaxIter int     `yaml:"max_iter" doc:"maximum number of multiplicative-update iterations"`
	Tol     float64 `yaml:"tol" doc:"stop when the relative objective decrease of one iteration falls below tol (0: run max_iter)"`
	Init    Init    `yaml:"init" doc:"initialisation: random (|N(0,1)|·sqrt(mean(X)/r), as scikit-learn's 'random')"`
	Eps     float64 `yaml:"eps" doc:"guard added to every denominator and inside logarithms"`
}

// Init is the initialisation of NMF's factors.
type Init string

// RandomInit is scikit-learn's "random" NMF initialisation.
const RandomInit Init = "random"

// UnmarshalText parses an initialisation name.
func (i *Init) UnmarshalText(b []byte) error { return methods.ParseChoice(i, b, RandomInit) }

// Choices lists the initialisations.
func (Init) Choices() []string { return methods.Names(RandomInit) }

// Validate checks the parameter values.
func (p *Params) Validate() error {
	return methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckIters("max_iter", p.MaxIter, 1),
		methods.CheckNonNegative("tol", p.Tol),
		methods.CheckGuard("eps", p.Eps),
	)
}

// Defaults: 500 iterations or a relative decrease below 1e-5, whichever
// comes first.
var Defaults = Params{Loss: mu.Frobenius, MaxIter: 500, Tol: 1e-5, Init: RandomInit, Eps: 1e-10}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "NMF",
		Summary:  "Lee–Seung multiplicative-update NMF, X ≈ UVᵀ, Frobenius or KL (Poisson) loss; embedding V",
		Version:  1,
		Defaults: Defaults,
		Fit:      fit,
	})
}

func fit(ctx context.Context, p *methods.Problem, prm Params) (*methods.Result, error) {
	start := time.Now()
	U, V := mu.RandomInit(p.RNG, p.Data.X, p.Rank(prm.Rank))
	f, err := mu.New(p.Data.X, U, V, mu.Config{Loss: prm.Loss, Eps: prm.Eps})
	if err != nil {
		return nil, err
	}
	res := &methods.Result{}
	err = methods.Iterate(ctx, res, f.Objective(), methods.Loop{MaxIter: prm.MaxIter, Converger: methods.RelativeDecrease{Tol: prm.Tol}, Progress: p.Progress, Start: start},
		func(int) (float64, error) { f.Step(); return f.Objective(), nil })
	if err != nil {
		return nil, err
	}
	dense.AbsorbScale([]*mat.Dense{U, V}, 1, prm.Loss.Norm())
	res.Embedding, res.Factors = V, map[string]*mat.Dense{"U": U}
	return res, nil
}
