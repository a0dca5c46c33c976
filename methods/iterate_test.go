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
		name      string
		maxIter   int
		tol       float64
		step      func(int) (float64, error)
		wantObj   []float64
		wantIters int
		wantConv  bool
		wantErr   string
	}{
		{"runs max_iter", 3, 0, seq(8, 4, 2), []float64{10, 8, 4, 2}, 3, false, ""},
		{"stops at tol", 5, 0.1, seq(5, 4.8, 1, 1), []float64{10, 5, 4.8}, 2, true, ""},
		{"NaN fails", 3, 0, seq(5, math.NaN()), []float64{10, 5}, 2, false, "numerical breakdown"},
		{"step error", 3, 0, func(int) (float64, error) { return 0, errors.New("bad") }, []float64{10}, 0, false, "bad"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seen []int
			obj, iters, conv, err := Iterate(context.Background(), 10, tc.maxIter, tc.tol, func(it int, _ float64) { seen = append(seen, it) }, tc.step)
			if (err != nil) != (tc.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if iters != tc.wantIters || conv != tc.wantConv || len(obj) != len(tc.wantObj) {
				t.Fatalf("iters %d conv %v obj %v; want %d %v %v", iters, conv, obj, tc.wantIters, tc.wantConv, tc.wantObj)
			}
			for i := range obj {
				if obj[i] != tc.wantObj[i] {
					t.Fatalf("obj %v, want %v", obj, tc.wantObj)
				}
			}
			if tc.wantErr == "" && len(seen) != iters {
				t.Fatalf("progress called %d times for %d iterations", len(seen), iters)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, iters, _, err := Iterate(ctx, 1, 5, 0, nil, seq(1)); !errors.Is(err, context.Canceled) || iters != 0 {
		t.Fatalf("cancelled: iters %d err %v", iters, err)
	}
}
