package wnmf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"

	"nmfbench/internal/dense"
)

// Options configures Factorize. The zero value is not usable; start from
// DefaultOptions.
type Options struct {
	// Rank is the number of atoms k.
	Rank int
	// Rho1 and Rho2 weight the entropies of Λ and D in Eq. (1).
	Rho1, Rho2 float64
	// Iterations is the number of outer alternations (one D then one Λ
	// subproblem each).
	Iterations int
	// InnerIterations caps the L-BFGS iterations of each subproblem.
	InnerIterations int
	// GradTol stops a subproblem when the dual gradient's max-norm falls below
	// it (Optim.jl's g_tol).
	GradTol float64
	// Memory is the number of L-BFGS correction pairs kept (each costs two
	// m × n matrices).
	Memory int
	// WarmStart starts each subproblem from its previous dual solution instead
	// of G = 0 (the seed restarts from 0).
	WarmStart bool
	// Tol, when positive, stops the alternation once the objective changes by
	// at most Tol·max(1, |J|) between outer iterations.
	Tol float64
	// InitialObjective, when set, makes Result.Objective[0] the objective of
	// the initial dictionary with its optimal weights, J(D₀, Λ*(D₀)) (one
	// extra weights solve, from G = 0, that leaves the iterates unchanged),
	// so that Objective[t] is the value after outer iteration t.
	InitialObjective bool
	// Progress, when non-nil, is called after each outer iteration.
	Progress func(iter int, objective float64)
}

// DefaultOptions returns the seed's settings for the 1-D example: k = 3,
// ρ₁ = ρ₂ = 0.05, 10 outer iterations, 250 L-BFGS iterations per subproblem
// with gradient tolerance 1e-4, memory 10 (Optim.jl's default); ε lives in
// the Kernel (seed: 0.025). One deviation: warm starts are on, because from
// G = 0 gonum's L-BFGS mostly stops at the 250-iteration cap with a gradient
// of 5e-4–2e-3, while warm-started subproblems meet the 1e-4 tolerance.
func DefaultOptions() Options {
	return Options{Rank: 3, Rho1: 0.05, Rho2: 0.05, Iterations: 10, InnerIterations: 250, GradTol: 1e-4, Memory: 10, WarmStart: true}
}

func (o *Options) validate() error {
	switch {
	case o.Rank < 1:
		return fmt.Errorf("wnmf: rank %d, want ≥ 1", o.Rank)
	case !(o.Rho1 > 0) || math.IsInf(o.Rho1, 1):
		return fmt.Errorf("wnmf: ρ₁ = %v, want a finite positive number", o.Rho1)
	case !(o.Rho2 > 0) || math.IsInf(o.Rho2, 1):
		return fmt.Errorf("wnmf: ρ₂ = %v, want a finite positive number", o.Rho2)
	case o.Iterations < 1:
		return fmt.Errorf("wnmf: %d outer iterations, want ≥ 1", o.Iterations)
	case o.InnerIterations < 1:
		return fmt.Errorf("wnmf: %d inner iterations, want ≥ 1", o.InnerIterations)
	case !(o.GradTol >= 0):
		return fmt.Errorf("wnmf: gradient tolerance %v, want ≥ 0", o.GradTol)
	case o.Memory < 1:
		return fmt.Errorf("wnmf: L-BFGS memory %d, want ≥ 1", o.Memory)
	case !(o.Tol >= 0):
		return fmt.Errorf("wnmf: tolerance %v, want ≥ 0", o.Tol)
	}
	return nil
}

// SubproblemStats summarises one L-BFGS solve of a dual subproblem.
type SubproblemStats struct {
	Iterations  int     // L-BFGS major iterations
	Evaluations int     // objective+gradient evaluations
	GradNorm    float64 // max-norm of the final dual gradient
	Status      string  // gonum's termination status or the accepted line-search error
	Fallbacks   int     // log-domain fallback entries at the final point
}

// Result is the outcome of Factorize.
type Result struct {
	// D (m × k) holds the atoms, Lambda (k × n) the weights; columns of both
	// lie on the simplex.
	D, Lambda *mat.Dense
	// Objective[t] is J(D, Λ) of Eq. (1) after outer iteration t, evaluated by
	// strong duality as ρ₂E(D) − min(2): it equals J at the exact Λ
	// subproblem optimum and is a lower bound on J(D, Λ) at the recovered Λ.
	Objective []float64
	// Iterations is the number of outer iterations performed.
	Iterations int
	// Converged reports whether Tol was met before the iteration limit.
	Converged bool
	// DictStats and WeightsStats describe each outer iteration's subproblems.
	DictStats, WeightsStats []SubproblemStats
}

// Factorize runs W-NMF on histograms x (m × n, columns summing to 1) with
// the kernel k (which fixes the cost and ε). D and Λ start from uniform
// random entries with columns normalised, drawn from rng; each outer
// iteration solves the D subproblem (3) then the Λ subproblem (2) with L-BFGS
// from G = 0 (or the previous solution with WarmStart) and recovers the
// primal factors by softmax. It returns an error rather than non-finite
// factors, and a wrapped ctx error when cancelled.
func Factorize(ctx context.Context, x *mat.Dense, k *Kernel, opt Options, rng *rand.Rand) (*Result, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	if rng == nil {
		return nil, errors.New("wnmf: nil random number generator")
	}
	dual, err := NewDual(x, k)
	if err != nil {
		return nil, err
	}
	m, n := dual.Dims()
	for l, s := range dual.mass {
		if math.Abs(s-1) > 1e-8 {
			return nil, fmt.Errorf("wnmf: column %d of the data sums to %v; W-NMF needs histograms (columns summing to 1)", l, s)
		}
	}
	r := opt.Rank
	dict := randSimplexCols(m, r, rng)
	lam := randSimplexCols(r, n, rng)
	dual.ensureRank(r)

	s := newSubSolver(dual, opt)
	res := &Result{D: dict, Lambda: lam}
	gD := make([]float64, m*n)
	gW := make([]float64, m*n)
	prev := math.NaN()
	if opt.InitialObjective {
		g0 := make([]float64, m*n)
		f0, _, err := s.solve(ctx, g0, func(grad, g *mat.Dense) float64 { return dual.weights(grad, g, dict, opt.Rho1) })
		if err != nil {
			return nil, fmt.Errorf("wnmf: objective of the initial dictionary: %w", err)
		}
		prev = opt.Rho2*negEntropy(dict) - f0
		res.Objective = append(res.Objective, prev)
	}
	for it := 0; it < opt.Iterations; it++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("wnmf: stopped at outer iteration %d: %w", it, err)
		}
		if !opt.WarmStart {
			clear(gD)
			clear(gW)
		}
		// D subproblem (3) at fixed Λ.
		_, st, err := s.solve(ctx, gD, func(grad, g *mat.Dense) float64 { return dual.dict(grad, g, lam, opt.Rho2) })
		if err != nil {
			return nil, fmt.Errorf("wnmf: outer iteration %d, dictionary step: %w", it, err)
		}
		dual.dictPrimal(dict, s.gm(gD), lam, opt.Rho2)
		if !dense.Finite(dict) {
			return nil, fmt.Errorf("wnmf: outer iteration %d: dictionary became non-finite (try larger ε or ρ₂)", it)
		}
		res.DictStats = append(res.DictStats, st)

		// Λ subproblem (2) at fixed D.
		fW, st, err := s.solve(ctx, gW, func(grad, g *mat.Dense) float64 { return dual.weights(grad, g, dict, opt.Rho1) })
		if err != nil {
			return nil, fmt.Errorf("wnmf: outer iteration %d, weights step: %w", it, err)
		}
		dual.weightsPrimal(lam, s.gm(gW), dict, opt.Rho1)
		if !dense.Finite(lam) {
			return nil, fmt.Errorf("wnmf: outer iteration %d: weights became non-finite (try larger ε or ρ₁)", it)
		}
		res.WeightsStats = append(res.WeightsStats, st)

		obj := opt.Rho2*negEntropy(dict) - fW
		if math.IsNaN(obj) || math.IsInf(obj, 0) {
			return nil, fmt.Errorf("wnmf: outer iteration %d: objective is %v (try larger ε or ρ)", it, obj)
		}
		res.Objective = append(res.Objective, obj)
		res.Iterations = it + 1
		if opt.Progress != nil {
			opt.Progress(it+1, obj)
		}
		if opt.Tol > 0 && math.Abs(prev-obj) <= opt.Tol*math.Max(1, math.Abs(obj)) {
			res.Converged = true
			break
		}
		prev = obj
	}
	return res, nil
}

// subSolver runs L-BFGS on a dual objective f(G) with its gradient, caching
// the last evaluation because gonum asks for value and gradient separately.
type subSolver struct {
	dual  *Dual
	opt   Options
	m, n  int
	gx    *mat.Dense // view of the optimiser's x
	gg    *mat.Dense // view of a gradient destination
	lastX []float64
	lastG []float64
	lastF float64
	valid bool
}

func newSubSolver(d *Dual, opt Options) *subSolver {
	m, n := d.Dims()
	return &subSolver{dual: d, opt: opt, m: m, n: n, gx: &mat.Dense{}, gg: &mat.Dense{},
		lastX: make([]float64, m*n), lastG: make([]float64, m*n)}
}

// gm wraps a raw m × n slice as a matrix without copying.
func (s *subSolver) gm(x []float64) *mat.Dense {
	return mat.NewDense(s.m, s.n, x)
}

func (s *subSolver) eval(f func(grad, g *mat.Dense) float64, x []float64) {
	if s.valid && floats.Equal(x, s.lastX) {
		return
	}
	s.gx.SetRawMatrix(blas64.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: x})
	s.gg.SetRawMatrix(blas64.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: s.lastG})
	s.lastF = f(s.gg, s.gx)
	copy(s.lastX, x)
	s.valid = true
}

// solve minimises f from g (updated in place to the solution) and returns the
// final value.
func (s *subSolver) solve(ctx context.Context, g []float64, f func(grad, g *mat.Dense) float64) (float64, SubproblemStats, error) {
	s.valid = false
	var evals int
	prob := optimize.Problem{
		Func: func(x []float64) float64 {
			s.eval(f, x)
			evals++
			if math.IsNaN(s.lastF) {
				return math.Inf(1) // lets the line search back off
			}
			return s.lastF
		},
		Grad: func(grad, x []float64) {
			s.eval(f, x)
			copy(grad, s.lastG)
		},
		Status: func() (optimize.Status, error) {
			if err := ctx.Err(); err != nil {
				return optimize.Failure, err
			}
			return optimize.NotTerminated, nil
		},
	}
	settings := &optimize.Settings{
		MajorIterations:   s.opt.InnerIterations,
		GradientThreshold: s.opt.GradTol,
		Converger:         optimize.NeverTerminate{},
	}
	method := &optimize.LBFGS{Store: s.opt.Memory, Linesearcher: &optimize.MoreThuente{}}
	res, err := optimize.Minimize(prob, g, settings, method)
	if cerr := ctx.Err(); cerr != nil {
		return 0, SubproblemStats{}, cerr
	}
	st := SubproblemStats{}
	if res != nil {
		st.Iterations = res.Stats.MajorIterations
		st.Status = res.Status.String()
	}
	st.Evaluations = evals
	if err != nil {
		// Line-search stalls near the optimum are normal in floating point:
		// keep the best point found so far.
		if res == nil || !(errors.Is(err, optimize.ErrNoProgress) || errors.Is(err, optimize.ErrLinesearcherFailure) ||
			errors.Is(err, optimize.ErrNonDescentDirection) || errors.Is(err, optimize.ErrLinesearcherBound)) {
			return 0, st, fmt.Errorf("L-BFGS: %w", err)
		}
		st.Status = err.Error()
	}
	if math.IsNaN(res.F) || math.IsInf(res.F, 0) || !dense.AllFinite(res.X) {
		return 0, st, fmt.Errorf("L-BFGS ended at a non-finite point (objective %v); try larger ε or ρ", res.F)
	}
	copy(g, res.X)
	// Value, gradient norm and fallback count at the returned point.
	s.eval(f, g)
	st.GradNorm = floats.Norm(s.lastG, math.Inf(1))
	st.Fallbacks = s.dual.Fallbacks()
	return s.lastF, st, nil
}

func randSimplexCols(r, c int, rng *rand.Rand) *mat.Dense {
	a := mat.NewDense(r, c, nil)
	sum := make([]float64, c)
	raw := a.RawMatrix().Data
	for i := range raw {
		raw[i] = rng.Float64()
		sum[i%c] += raw[i]
	}
	for i := range raw {
		raw[i] /= sum[i%c]
	}
	return a
}

// negEntropy returns E(A) = Σ A_ij log A_ij (0 log 0 = 0).
func negEntropy(a *mat.Dense) float64 {
	r, c := a.Dims()
	raw := a.RawMatrix()
	var s float64
	for i := 0; i < r; i++ {
		for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+c] {
			if v > 0 {
				s += v * math.Log(v)
			}
		}
	}
	return s
}
