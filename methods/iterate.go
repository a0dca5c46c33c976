package methods

import (
	"context"
	"fmt"
	"math"
)

// Iterate runs the outer loop shared by the iterative methods: starting from
// the objective f0 of the initial factors, it calls step (which performs
// iteration it and returns the new objective) at most maxIter times, checking
// ctx before each iteration, reporting to progress (may be nil), failing on a
// NaN or infinite objective, and stopping early once one iteration decreases
// the objective by at most tol relative (tol = 0: never). It returns the
// objective trace (obj[0] = f0), the iterations done and whether the
// tolerance was met.
func Iterate(ctx context.Context, f0 float64, maxIter int, tol float64, progress func(int, float64),
	step func(it int) (float64, error)) (obj []float64, iters int, converged bool, err error) {
	obj = append(make([]float64, 0, maxIter+1), f0)
	f := f0
	for it := 1; it <= maxIter; it++ {
		if err := CheckContext(ctx, it); err != nil {
			return obj, it - 1, false, err
		}
		fNew, err := step(it)
		if err != nil {
			return obj, it - 1, false, err
		}
		if math.IsNaN(fNew) || math.IsInf(fNew, 0) {
			return obj, it, false, fmt.Errorf("objective became %v at iteration %d (numerical breakdown)", fNew, it)
		}
		obj = append(obj, fNew)
		if progress != nil {
			progress(it, fNew)
		}
		if tol > 0 && math.Abs(f-fNew) <= tol*math.Max(math.Abs(f), 1e-300) {
			return obj, it, true, nil
		}
		f = fNew
	}
	return obj, maxIter, false, nil
}
