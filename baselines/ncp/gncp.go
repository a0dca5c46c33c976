package ncp

import (
	"context"

	"nmfbench/internal/graph"
	"nmfbench/internal/samplegraph"
	"nmfbench/methods"
)

// GNCPParams configures graph-regularized nonnegative CP decomposition
// (Wang, He, Bu, Chen, Chen & Guan, "Image representation using Laplacian
// regularized nonnegative tensor factorization", Pattern Recognition 44,
// 2011; LRNTF there, GNCP in the GWNTF paper).
type GNCPParams struct {
	Rank        int             `yaml:"rank" symbol:"R" doc:"CP rank R; 0 means the number of classes (paper)"`
	GraphWeight float64         `yaml:"graph_weight" symbol:"λ" doc:"weight λ of λ tr(A⁽³⁾ᵀ L A⁽³⁾) on the sample mode (paper: 1e4); 0 gives NCP (mu) exactly"`
	Neighbors   int             `yaml:"neighbors" symbol:"p" doc:"nearest neighbours per sample in the kNN graph (paper: 5)"`
	EdgeWeights graph.Weighting `yaml:"edge_weights" doc:"kNN edge weights: binary (as GNMF), heat or cosine"`
	Metric      graph.Metric    `yaml:"neighbor_metric" doc:"neighbour ranking: cosine or euclidean (as GNMF)"`
	HeatT       float64         `yaml:"heat_t" symbol:"t" doc:"heat-kernel width t; 0 = mean pairwise distance (constructW's default)"`
	MaxIter     int             `yaml:"max_iter" doc:"maximum number of sweeps over the modes (as GNMF: Cai's 100)"`
	Tol         float64         `yaml:"tol" doc:"stop when the relative objective decrease of one sweep falls below tol (0: run max_iter)"`
	Eps         float64         `yaml:"eps" doc:"guard added to every denominator"`
	Init        Init            `yaml:"init" doc:"unit (default: large sample factor, as GNMF's cai start) or random, as NCP"`
}

// Validate checks the parameter values.
func (p *GNCPParams) Validate() error {
	return methods.Check(
		methods.CheckRank("rank", p.Rank),
		methods.CheckNonNegative("graph_weight", p.GraphWeight),
		methods.CheckCount("neighbors", p.Neighbors, 1, 1000),
		methods.CheckNonNegative("heat_t", p.HeatT),
		methods.CheckIters("max_iter", p.MaxIter, 1),
		methods.CheckNonNegative("tol", p.Tol),
		methods.CheckGuard("eps", p.Eps),
	)
}

// GNCPDefaults: the paper's λ = 1e4, p = 5; the binary graph on cosine-ranked
// neighbours, the scaled ("unit") start and Deng Cai's 100-iteration budget
// of his GNMF code (the start and the budget set the effective strength of
// the graph term, see docs/ncp.md); tolerance 1e-5 and guard 1e-10.
var GNCPDefaults = GNCPParams{GraphWeight: 1e4, Neighbors: 5, EdgeWeights: graph.Binary, Metric: graph.Angular,
	MaxIter: 100, Tol: 1e-5, Eps: 1e-10, Init: UnitInit}

func init() {
	methods.Register(methods.Definition[GNCPParams]{
		Name:     "GNCP",
		Summary:  "graph-regularized nonnegative CP (Wang et al. 2011, LRNTF): NCP plus λ tr(A⁽³⁾ᵀLA⁽³⁾) on a p-NN graph, MU; embedding the sample-mode factor",
		Version:  1,
		Defaults: GNCPDefaults,
		Renamed:  map[string]string{"lambda": "graph_weight", "p": "neighbors", "weight": "edge_weights", "metric": "neighbor_metric", "t": "heat_t"},
		Fit:      fitGNCP,
	})
}

func fitGNCP(ctx context.Context, p *methods.Problem, prm GNCPParams) (*methods.Result, error) {
	cfg := cpConfig{Algorithm: MU, MaxIter: prm.MaxIter, Tol: prm.Tol, Eps: prm.Eps}
	if prm.GraphWeight > 0 {
		g, err := samplegraph.Get(ctx, p, samplegraph.Options{Neighbors: prm.Neighbors, Weights: prm.EdgeWeights, Metric: prm.Metric, HeatT: prm.HeatT})
		if err != nil {
			return nil, err
		}
		cfg.Graph, cfg.Lambda = g, prm.GraphWeight
	}
	return fitCP(ctx, p, p.Rank(prm.Rank), prm.Init, cfg)
}
