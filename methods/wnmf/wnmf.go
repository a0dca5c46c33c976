// Package wnmf registers WNMF, the Wasserstein NMF of Rolet, Cuturi & Peyré
// (AISTATS 2016), solved through its duals with L-BFGS (internal/wnmf). The
// embedding is Λᵀ, the samples' weights on the learned atoms. See
// docs/wnmf.md.
package wnmf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/wnmf"
	"nmfbench/methods"
)

// Params configures WNMF, the Wasserstein NMF of Rolet, Cuturi & Peyré
// (AISTATS 2016) solved through its duals with L-BFGS (internal/wnmf). The
// ground cost is the squared Euclidean distance between pixels of the
// H × W image grid divided by its mean over all pixel pairs; samples are
// divided by their sums. See docs/wnmf.md.
type Params struct {
	Rank      int     `yaml:"rank" doc:"number of atoms k; 0 means the number of classes"`
	Eps       float64 `yaml:"entropic_reg" symbol:"ε" doc:"entropic regularisation ε of the transport (cost normalised to mean 1; seed 0.025 in 1-D, 0.0025 on MNIST)"`
	Rho1      float64 `yaml:"rho1" doc:"entropy weight ρ₁ on the weights Λ (the embedding)"`
	Rho2      float64 `yaml:"rho2" doc:"entropy weight ρ₂ on the atoms D"`
	MaxIter   int     `yaml:"max_iter" doc:"outer iterations (one dictionary then one weights dual solve each)"`
	InnerIter int     `yaml:"inner_iter" doc:"L-BFGS iteration cap per dual subproblem (seed 250)"`
	GradTol   float64 `yaml:"grad_tol" doc:"stop a subproblem when the max-norm of the dual gradient is below grad_tol (seed 1e-4)"`
	Memory    int     `yaml:"memory" doc:"L-BFGS memory: correction pairs kept, each two d×n matrices"`
	WarmStart bool    `yaml:"warm_start" doc:"start each subproblem from its previous dual solution (the seed restarts from 0)"`
	Tol       float64 `yaml:"tol" doc:"stop when the objective changes by at most tol·max(1,|J|) between outer iterations (0: run max_iter)"`
}

// Defaults are chosen for the harness's 32 × 32 image sets; see
// docs/wnmf.md for the timings behind them.
var Defaults = Params{
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
func (p *Params) Validate() error {
	return methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckPositive("entropic_reg", p.Eps),
		methods.CheckPositive("rho1", p.Rho1),
		methods.CheckPositive("rho2", p.Rho2),
		methods.CheckIters("max_iter", p.MaxIter, 1),
		methods.CheckIters("inner_iter", p.InnerIter, 1),
		methods.CheckNonNegative("grad_tol", p.GradTol),
		methods.CheckCount("memory", p.Memory, 1, 1000),
		methods.CheckNonNegative("tol", p.Tol),
	)
}

func init() {
	methods.Register(methods.Definition[Params]{
		Name:     "WNMF",
		Summary:  "Wasserstein NMF (Rolet, Cuturi & Peyré 2016): entropic-OT loss on the pixel grid, dual L-BFGS alternation; embedding Λᵀ",
		Version:  1,
		Defaults: Defaults,
		Renamed:  map[string]string{"eps": "entropic_reg"},
		Fit:      fit,
	})
}

// histograms returns the d × n matrix whose column i is sample i divided
// by its sum.
func histograms(x *mat.Dense) (*mat.Dense, error) {
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

func fit(ctx context.Context, p *methods.Problem, prm Params) (*methods.Result, error) {
	start := time.Now()
	d := p.Data
	if d == nil || d.X == nil {
		return nil, errors.New("WNMF: no data")
	}
	if !d.IsImage() {
		return nil, fmt.Errorf("WNMF: dataset %q is not an image set (Height×Width must equal the %d features); the ground cost lives on the pixel grid", d.Name, d.Features())
	}
	x, err := histograms(d.X)
	if err != nil {
		return nil, fmt.Errorf("WNMF: %w", err)
	}
	// Pixel (r, c) is feature c*H + r, the bin order of wnmf.NewGridKernel.
	kern, err := wnmf.NewGridKernel(d.Height, d.Width, prm.Eps)
	if err != nil {
		return nil, fmt.Errorf("WNMF: %w", err)
	}
	// Timestamps: the initial objective is known when the first outer
	// iteration starts; the rest as each iteration reports.
	seconds := []float64{}
	progress := func(it int, f float64) {
		if len(seconds) == 0 {
			seconds = append(seconds, 0)
		}
		seconds = append(seconds, time.Since(start).Seconds())
		if p.Progress != nil {
			p.Progress(it, f)
		}
	}
	opt := wnmf.Options{
		Rank: p.Rank(prm.Rank), Rho1: prm.Rho1, Rho2: prm.Rho2,
		Iterations: prm.MaxIter, InnerIterations: prm.InnerIter, GradTol: prm.GradTol,
		Memory: prm.Memory, WarmStart: prm.WarmStart, Tol: prm.Tol, Progress: progress, InitialObjective: true,
	}
	res, err := wnmf.Factorize(ctx, x, kern, opt, p.RNG)
	if err != nil { // cancellation stays detectable with errors.Is
		return nil, fmt.Errorf("WNMF: %w", err)
	}
	status := methods.IterationLimit
	if res.Converged {
		status = methods.Converged
	}
	if len(seconds) == 0 {
		seconds = []float64{0}
	}
	return &methods.Result{
		Embedding:  mat.DenseCopyOf(res.Lambda.T()),
		Objective:  res.Objective,
		Seconds:    seconds,
		Iterations: res.Iterations,
		Status:     status,
		Factors:    map[string]*mat.Dense{"D": res.D},
	}, nil
}
