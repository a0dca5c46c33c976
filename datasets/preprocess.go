package datasets

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// stepDocs maps each step name to its description, for errors and docs.
func stepDocs() map[string]string {
	return map[string]string{
		"scale01": "divide every value by the largest one, so the data lie in [0, 1]",
		"l2rows":  "scale each sample (row) to unit Euclidean norm, as Deng Cai's NormalizeFea",
		"l1rows":  "scale each sample (row) to unit sum",
	}
}

// PreprocessSteps returns the valid step names of Preprocess, sorted.
func PreprocessSteps() []string {
	var out []string
	for k := range stepDocs() {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// StepDoc returns the one-line description of a preprocessing step, or ""
// for an unknown step.
func StepDoc(step string) string { return stepDocs()[strings.ToLower(step)] }

// Preprocess returns a new Dataset with the named steps applied to the
// samples in order; d is never modified. Steps (case-insensitive):
//
//   - "scale01": X ← X / max(X), so the data lie in [0, 1] (PIE's 0..255
//     becomes 0..1; COIL20, already peaking at 1, is unchanged).
//   - "l2rows": x_i ← x_i / max(‖x_i‖₂, 1e-7), Deng Cai's NormalizeFea
//     (which divides by sqrt(max(‖x_i‖², 1e-14))).
//   - "l1rows": x_i ← x_i / Σ_j x_ij, rows of zeros left as they are.
//
// An unknown step is an error naming the valid ones; scale01 of all-zero
// data is an error.
func Preprocess(d *Dataset, steps []string) (*Dataset, error) {
	if d == nil || d.X == nil {
		return nil, fmt.Errorf("preprocess: no dataset")
	}
	docs := stepDocs()
	for _, s := range steps {
		if _, ok := docs[strings.ToLower(s)]; !ok {
			return nil, fmt.Errorf("preprocess %s: unknown step %q; valid steps: %s", d.Name, s, strings.Join(PreprocessSteps(), ", "))
		}
	}
	out := &Dataset{
		Name: d.Name, X: mat.DenseCopyOf(d.X), Labels: slices.Clone(d.Labels),
		Classes: d.Classes, Height: d.Height, Width: d.Width,
	}
	n, f := out.X.Dims()
	raw := out.X.RawMatrix()
	row := func(i int) []float64 { return raw.Data[i*raw.Stride : i*raw.Stride+f] }
	for _, s := range steps {
		switch strings.ToLower(s) {
		case "scale01":
			m := math.Inf(-1)
			for i := range n {
				for _, v := range row(i) {
					if v > m || math.IsNaN(v) {
						m = v
					}
				}
			}
			if !(m > 0) || math.IsInf(m, 1) { // also catches NaN
				return nil, fmt.Errorf("preprocess %s: scale01 needs a finite positive maximum, got %v", d.Name, m)
			}
			for i := range n {
				scale(row(i), 1/m)
			}
		case "l2rows":
			for i := range n {
				r := row(i)
				ss := 0.0
				for _, v := range r {
					ss += v * v
				}
				scale(r, 1/math.Sqrt(math.Max(ss, 1e-14)))
			}
		case "l1rows":
			for i := range n {
				r := row(i)
				sum := 0.0
				for _, v := range r {
					sum += math.Abs(v)
				}
				if sum > 0 {
					scale(r, 1/sum)
				}
			}
		}
	}
	return out, nil
}

func scale(v []float64, a float64) {
	for j := range v {
		v[j] *= a
	}
}

// PreprocessKey returns a canonical string for a list of steps, for cache
// keys and result records: the lower-cased steps joined by "+", or "raw"
// when there are none.
func PreprocessKey(steps []string) string {
	if len(steps) == 0 {
		return "raw"
	}
	low := make([]string, len(steps))
	for i, s := range steps {
		low[i] = strings.ToLower(s)
	}
	return strings.Join(low, "+")
}
