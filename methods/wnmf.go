package methods

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/wnmf"
)

// WNMFParams configures WNMF, the Wasserstein NMF of Rolet, Cuturi & Peyré
// (AISTATS 2016) solved through its duals with L-BFGS (internal/wnmf). The
// ground cost is the squared Euclidean distance between pixels of the
// H × W image grid divided by its mean over all pixel pairs; samples are
// divided by their sums. See docs/wnmf.md.
type WNMFParams struct {
	Rank      int     `yaml:"rank" doc:"number of atoms k; 0 means the number of classes"`
	Eps       float64 `yaml:"eps" doc:"entropic regularisation ε of the transport (cost normalised to mean 1; seed 0.025 in 1-D, 0.0025 on MNIST)"`
	Rho1      float64 `yaml:"rho1" doc:"entropy weight ρ₁ on the weights Λ (the embedding)"`
	Rho2      float64 `yaml:"rho2" doc:"entropy weight ρ₂ on the atoms D"`
	MaxIter   int     `yaml:"max_iter" doc:"outer iterations (one dictionary then one weights dual solve each)"`
	InnerIter int     `yaml:"inner_iter" doc:"L-BFGS iteration cap per dual subproblem (seed 250)"`
	GradTol   float64 `yaml:"grad_tol" doc:"stop a subproblem when the max-norm of the dual gradient is below grad_tol (seed 1e-4)"`
	Memory    int     `yaml:"memory" doc:"L-BFGS memory: correction pairs kept, each two d×n matrices"`
	WarmStart bool    `yaml:"warm_start" doc:"start each subproblem from its previous dual solution (the seed restarts from 0)"`
	Tol       float64 `yaml:"tol" doc:"stop when the objective changes by at most tol·max(1,|J|) between outer iterations (0: run max_iter)"`
}

// defaultWNMFParams are chosen for the harness's 32 × 32 image sets; see
// docs/wnmf.md for the timings behind them.
var defaultWNMFParams = WNMFParams{
	Eps:       0.025,
	Rho1:      0.05,
	Rho2:      0.05,
	MaxIter:   10,
	InnerIter: 30,
	GradTol:   1e-4,
	Memory:    5,
	WarmStart: true,
	Tol:       0,
}

// Validate checks the parameter values.
func (p *WNMFParams) Validate() error {
	pos := func(key string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%s = %v: must be positive and finite", key, v)
		}
		return nil
	}
	switch {
	case p.Rank < 0:
		return fmt.Errorf("rank = %d: must be ≥ 0 (0 = number of classes)", p.Rank)
	case p.MaxIter < 1:
		return fmt.Errorf("max_iter = %d: must be ≥ 1", p.MaxIter)
	case p.InnerIter < 1:
		return fmt.Errorf("inner_iter = %d: must be ≥ 1", p.InnerIter)
	case !(p.GradTol >= 0):
		return fmt.Errorf("grad_tol = %v: must be ≥ 0", p.GradTol)
	case p.Memory < 1:
		return fmt.Errorf("memory = %d: must be ≥ 1", p.Memory)
	case !(p.Tol >= 0):
		return fmt.Errorf("tol = %v: must be ≥ 0", p.Tol)
	}
	for _, kv := range []struct {
		k string
		v float64
	}{{"eps", p.Eps}, {"rho1", p.Rho1}, {"rho2", p.Rho2}} {
		if err := pos(kv.k, kv.v); err != nil {
			return err
		}
	}
	return nil
}

func init() {
	Register("WNMF", "Wasserstein NMF (Rolet, Cuturi & Peyré 2016): entropic-OT loss on the pixel grid, dual L-BFGS alternation; embedding Λᵀ",
		defaultWNMFParams, fitWNMF)
}

// wnmfHistograms returns the d × n matrix whose column i is sample i divided
// by its sum.
func wnmfHistograms(x *mat.Dense) (*mat.Dense, error) {
	n, d := x.Dims()
	out := mat.NewDense(d, n, nil)
	for i := 0; i < n; i++ {
		row := x.RawRowView(i)
		var s float64
		for _, v := range row {
			s += v
		}
		if !(s > 0) || math.IsInf(s, 0) {
			return nil, fmt.Errorf("sample %d sums to %v; W-NMF needs samples with positive finite mass", i, s)
		}
		for j, v := range row {
			out.Set(j, i, v/s)
		}
	}
	return out, nil
}

func fitWNMF(ctx context.Context, p *Problem, prm WNMFParams) (*Result, error) {
	d := p.Data
	if d == nil || d.X == nil {
		return nil, errors.New("WNMF: no data")
	}
	if !d.IsImage() {
		return nil, fmt.Errorf("WNMF: dataset %q is not an image set (Height×Width must equal the %d features); the ground cost lives on the pixel grid", d.Name, d.Features())
	}
	x, err := wnmfHistograms(d.X)
	if err != nil {
		return nil, fmt.Errorf("WNMF: %w", err)
	}
	// Pixel (r, c) is feature c*H + r, the bin order of wnmf.NewGridKernel.
	kern, err := wnmf.NewGridKernel(d.Height, d.Width, prm.Eps)
	if err != nil {
		return nil, fmt.Errorf("WNMF: %w", err)
	}
	opt := wnmf.Options{
		Rank: p.Rank(prm.Rank), Rho1: prm.Rho1, Rho2: prm.Rho2,
		Iterations: prm.MaxIter, InnerIterations: prm.InnerIter, GradTol: prm.GradTol,
		Memory: prm.Memory, WarmStart: prm.WarmStart, Tol: prm.Tol, Progress: p.Progress,
	}
	res, err := wnmf.Factorize(ctx, x, kern, opt, p.RNG)
	if err != nil { // cancellation stays detectable with errors.Is
		return nil, fmt.Errorf("WNMF: %w", err)
	}
	return &Result{
		Embedding:  mat.DenseCopyOf(res.Lambda.T()),
		Objective:  res.Objective,
		Iterations: res.Iterations,
		Converged:  res.Converged,
		Factors:    map[string]*mat.Dense{"D": res.D},
	}, nil
}
