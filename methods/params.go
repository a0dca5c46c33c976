package methods

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Limits on parameters shared by many methods (see docs/harness.md).
const (
	// MaxIterLimit bounds every iteration budget.
	MaxIterLimit = 1_000_000
	// RankLimit bounds every factorization rank.
	RankLimit = 10_000
)

// Check returns the first non-nil error of checks: a method's Validate is a
// list of the checks below.
func Check(checks ...error) error {
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckRank checks a factorization rank: 0 (the number of classes) up to RankLimit.
func CheckRank(key string, r int) error {
	if r < 0 || r > RankLimit {
		return fmt.Errorf("%s = %d: must be in [0, %d] (0 = number of classes)", key, r, RankLimit)
	}
	return nil
}

// CheckIters checks an iteration count in [lo, MaxIterLimit].
func CheckIters(key string, n, lo int) error {
	if n < lo || n > MaxIterLimit {
		return fmt.Errorf("%s = %d: must be in [%d, %d]", key, n, lo, MaxIterLimit)
	}
	return nil
}

// CheckCount checks an integer in [lo, hi].
func CheckCount(key string, n, lo, hi int) error {
	if n < lo || n > hi {
		return fmt.Errorf("%s = %d: must be in [%d, %d]", key, n, lo, hi)
	}
	return nil
}

// CheckNonNegative checks a finite value ≥ 0.
func CheckNonNegative(key string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%s = %v: must be finite and ≥ 0", key, v)
	}
	return nil
}

// CheckPositive checks a finite value > 0.
func CheckPositive(key string, v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%s = %v: must be positive and finite", key, v)
	}
	return nil
}

// CheckGuard checks a denominator guard in (0, 1e-3).
func CheckGuard(key string, eps float64) error {
	if !(eps > 0 && eps < 1e-3) {
		return fmt.Errorf("%s = %v: must be in (0, 1e-3)", key, eps)
	}
	return nil
}

// ParseChoice sets *dst to the choice spelled text, or returns an error
// listing the choices; enumerated option types call it from UnmarshalText.
func ParseChoice[T ~string](dst *T, text []byte, choices ...T) error {
	s := strings.TrimSpace(string(text))
	for _, c := range choices {
		if strings.EqualFold(s, string(c)) {
			*dst = c
			return nil
		}
	}
	names := make([]string, len(choices))
	for i, c := range choices {
		names[i] = string(c)
	}
	return fmt.Errorf("%q is not one of %s", s, strings.Join(names, ", "))
}

// Names returns the choices as strings, for Chooser implementations.
func Names[T ~string](choices ...T) []string {
	out := make([]string, len(choices))
	for i, c := range choices {
		out[i] = string(c)
	}
	return slices.Clip(out)
}
