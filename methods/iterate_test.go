package methods

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestIterate(t *testing.T) {
	seq := func(vals ...float64) func(int) (float64, error) {
		return func(it int) (float64, error) { return vals[it-1], nil }
	}
	cases := []struct {
		name       string
		maxIter    int
		tol        float64
		step       func(int) (float64, error)
		wantObj    []float64
		wantIters  int
		wantStatus Status
		wantErr    string
	}{
		{"runs max_iter", 3, 0, seq(8, 4, 2), []float64{10, 8, 4, 2}, 3, IterationLimit, ""},
		{"stops at tol", 5, 0.1, seq(5, 4.8, 1, 1), []float64{10, 5, 4.8}, 2, Converged, ""},
		{"NaN fails", 3, 0, seq(5, math.NaN()), []float64{10, 5}, 1, IterationLimit, "numerical breakdown"},
		{"step error", 3, 0, func(int) (float64, error) { return 0, errors.New("bad") }, []float64{10}, 0, IterationLimit, "bad"},
		{"no iterations", 0, 0, seq(), []float64{10}, 0, IterationLimit, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seen []int
			var res Result
			err := Iterate(context.Background(), &res, 10, Loop{MaxIter: tc.maxIter, Converger: RelativeDecrease{tc.tol},
				Progress: func(it int, _ float64) { seen = append(seen, it) }}, tc.step)
			if (err != nil) != (tc.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if res.Iterations != tc.wantIters || res.Status != tc.wantStatus || len(res.Objective) != len(tc.wantObj) {
				t.Fatalf("iters %d status %v obj %v; want %d %v %v", res.Iterations, res.Status, res.Objective, tc.wantIters, tc.wantStatus, tc.wantObj)
			}
			for i := range res.Objective {
				if res.Objective[i] != tc.wantObj[i] {
					t.Fatalf("obj %v, want %v", res.Objective, tc.wantObj)
				}
			}
			if err := res.CheckTrace(); err != nil {
				t.Fatalf("trace convention: %v", err)
			}
			if tc.wantErr == "" && len(seen) != res.Iterations {
				t.Fatalf("progress called %d times for %d iterations", len(seen), res.Iterations)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var res Result
	if err := Iterate(ctx, &res, 1, Loop{MaxIter: 5}, seq(1)); !errors.Is(err, context.Canceled) || res.Iterations != 0 {
		t.Fatalf("cancelled: iters %d err %v", res.Iterations, err)
	}
}
