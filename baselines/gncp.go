package baselines

import (
	"context"
	"fmt"
	"math"

	"nmfbench/methods"
)

// GNCPParams configures graph-regularized nonnegative CP decomposition
// (Wang, He, Bu, Chen, Chen & Guan, "Image representation using Laplacian
// regularized nonnegative tensor factorization", Pattern Recognition 44,
// 2011; LRNTF there, GNCP in the GWNTF paper).
type GNCPParams struct {
	Rank      int     `yaml:"rank" doc:"CP rank R; 0 means the number of classes (paper)"`
	Lambda    float64 `yaml:"lambda" doc:"weight λ of λ tr(A⁽³⁾ᵀ L A⁽³⁾) on the sample mode (paper: 1e4); 0 gives NCP (mu) exactly"`
	Neighbors int     `yaml:"p" doc:"nearest neighbours per sample in the kNN graph (paper: 5)"`
	Weight    string  `yaml:"weight" doc:"kNN edge weights: binary (as GNMF), heat or cosine"`
	Metric    string  `yaml:"metric" doc:"neighbour ranking: cosine or euclidean (as GNMF)"`
	HeatT     float64 `yaml:"t" doc:"heat-kernel width t; 0 = mean pairwise distance (constructW's default)"`
	MaxIter   int     `yaml:"max_iter" doc:"maximum number of sweeps over the modes (as GNMF: Cai's 100)"`
	Tol       float64 `yaml:"tol" doc:"stop when the relative objective decrease of one sweep falls below tol (0: run max_iter)"`
	Eps       float64 `yaml:"eps" doc:"guard added to every denominator"`
	Init      string  `yaml:"init" doc:"unit (default: large sample factor, as GNMF's cai start) or random, as NCP"`
}

// Validate checks the parameter values.
func (p *GNCPParams) Validate() error {
	switch {
	case p.Rank < 0:
		return fmt.Errorf("rank = %d: must be ≥ 0 (0 = number of classes)", p.Rank)
	case !(p.Lambda >= 0) || math.IsInf(p.Lambda, 1):
		return fmt.Errorf("lambda = %v: must be finite and ≥ 0", p.Lambda)
	case p.Neighbors < 1:
		return fmt.Errorf("p = %d: need at least one neighbour", p.Neighbors)
	case !(p.HeatT >= 0) || math.IsInf(p.HeatT, 1):
		return fmt.Errorf("t = %v: must be > 0, or 0 for the mean distance", p.HeatT)
	}
	if err := validateGraph(p.Weight, p.Metric); err != nil {
		return err
	}
	if err := validateCPInit(p.Init); err != nil {
		return err
	}
	return validateIterations(p.MaxIter, p.Tol, p.Eps)
}

// defaultGNCPParams: the paper's λ = 1e4, p = 5; graph, scaled start and
// 100-iteration budget carried over from GNMF's reference settings (the
// start and the budget set the effective strength of the graph term, see
// docs/ncp.md).
var defaultGNCPParams = GNCPParams{Lambda: 1e4, Neighbors: 5, Weight: "binary", Metric: defaultGNMFParams.Metric,
	MaxIter: defaultGNMFParams.MaxIter, Tol: defaultNCPParams.Tol, Eps: defaultNCPParams.Eps, Init: cpInitUnit}

func init() {
	methods.Register("GNCP", "graph-regularized nonnegative CP (Wang et al. 2011, LRNTF): NCP plus λ tr(A⁽³⁾ᵀLA⁽³⁾) on a p-NN graph, MU; embedding the sample-mode factor",
		defaultGNCPParams, fitGNCP)
}

func fitGNCP(ctx context.Context, p *methods.Problem, prm GNCPParams) (*methods.Result, error) {
	cfg := cpConfig{Algorithm: cpMU, MaxIter: prm.MaxIter, Tol: prm.Tol, Eps: prm.Eps}
	if prm.Lambda > 0 {
		g, err := sampleGraphMetric(ctx, p, prm.Neighbors, prm.Weight, prm.Metric, prm.HeatT)
		if err != nil {
			return nil, err
		}
		cfg.Graph, cfg.Lambda = g, prm.Lambda
	}
	return fitCP(ctx, p, p.Rank(prm.Rank), prm.Init, cfg)
}
