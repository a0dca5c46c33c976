package methods

import (
	"context"
	"fmt"
	"math"
	"time"
)

// Status says why an iterative method stopped, in the spirit of
// gonum/optimize's Status.
type Status int

const (
	// NotTerminated: the method has no iterations (e.g. Kmeans) or did not
	// report why it stopped.
	NotTerminated Status = iota
	// IterationLimit: the iteration budget was used up.
	IterationLimit
	// Converged: the Converger accepted the last objective.
	Converged
)

// String names the status.
func (s Status) String() string {
	switch s {
	case IterationLimit:
		return "IterationLimit"
	case Converged:
		return "Converged"
	}
	return "NotTerminated"
}

// Converger decides from the objective trace whether the iterations have
// converged; it is called after every iteration with the previous and the
// new objective, as gonum/optimize's Converger is with each location.
type Converger interface {
	Converged(iter int, prev, cur float64) bool
}

// RelativeDecrease converges once one iteration changes the objective by at
// most Tol relative: |prev − cur| ≤ Tol·|prev|. Tol = 0 never converges.
type RelativeDecrease struct{ Tol float64 }

// Converged implements Converger.
func (r RelativeDecrease) Converged(_ int, prev, cur float64) bool {
	return r.Tol > 0 && math.Abs(prev-cur) <= r.Tol*math.Max(math.Abs(prev), 1e-300)
}

// Loop configures Iterate.
type Loop struct {
	// MaxIter is the iteration budget (≥ 0).
	MaxIter int
	// Converger is the stopping rule (nil: run MaxIter iterations).
	Converger Converger
	// Progress, when non-nil, is called after every iteration.
	Progress func(iter int, objective float64)
	// Start is when the fit started (zero: when Iterate is called); trace
	// timestamps are measured from it.
	Start time.Time
}

// Iterate runs the outer loop shared by the iterative methods and fills the
// trace, iteration count and status of res under the trace convention:
// starting from the objective f0 of the initial factors, it calls step
// (which performs iteration it and returns the new objective) at most
// MaxIter times, checking ctx before each iteration, reporting to Progress,
// failing on a NaN or infinite objective, and stopping once the Converger
// accepts. On an error res holds the trace up to the last good iteration.
func Iterate(ctx context.Context, res *Result, f0 float64, loop Loop, step func(it int) (float64, error)) error {
	start := loop.Start
	if start.IsZero() {
		start = time.Now()
	}
	if math.IsNaN(f0) || math.IsInf(f0, 0) {
		return fmt.Errorf("objective of the initial factors is %v (numerical breakdown)", f0)
	}
	res.Objective = append(res.Objective[:0], f0)
	res.Seconds = append(res.Seconds[:0], time.Since(start).Seconds())
	res.Iterations, res.Status = 0, IterationLimit
	f := f0
	for it := 1; it <= loop.MaxIter; it++ {
		if err := CheckContext(ctx, it); err != nil {
			return err
		}
		fNew, err := step(it)
		if err != nil {
			return err
		}
		if math.IsNaN(fNew) || math.IsInf(fNew, 0) {
			return fmt.Errorf("objective became %v at iteration %d (numerical breakdown)", fNew, it)
		}
		res.Objective = append(res.Objective, fNew)
		res.Seconds = append(res.Seconds, time.Since(start).Seconds())
		res.Iterations = it
		if loop.Progress != nil {
			loop.Progress(it, fNew)
		}
		if loop.Converger != nil && loop.Converger.Converged(it, f, fNew) {
			res.Status = Converged
			return nil
		}
		f = fNew
	}
	return nil
}
