package datasets

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Dataset is a labelled sample matrix, optionally of images.
//
// X is n × d with one sample per row. For image data (Height*Width == d) a row
// is the column-major vectorisation of an Height × Width image, as MATLAB's
// reshape(fea(i,:), H, W) reads it: pixel (row r, column c) of sample i is
// X[i, c*Height + r]. Seen as an H × W × n tensor 𝒳 with 𝒳[r, c, i] = X[i, c*H+r],
// X is exactly the mode-3 unfolding 𝒳₍₃₎ in the Kolda–Bader convention.
type Dataset struct {
	Name    string
	X       *mat.Dense // n × d samples, one per row
	Labels  []int      // ground-truth labels, len n (original values, e.g. 1..K)
	Classes int        // number of distinct labels
	Height  int        // image height in pixels, 0 when the samples are not images
	Width   int        // image width in pixels, 0 when the samples are not images
}

// Samples returns the number of samples n.
func (d *Dataset) Samples() int { r, _ := d.X.Dims(); return r }

// Features returns the number of features d.
func (d *Dataset) Features() int { _, c := d.X.Dims(); return c }

// IsImage reports whether the samples are Height × Width images.
func (d *Dataset) IsImage() bool {
	return d.Height > 0 && d.Width > 0 && d.Height*d.Width == d.Features()
}

// Validate checks the dataset's internal consistency: shapes, label count,
// finite nonnegative values. Every factorization method assumes it holds.
func (d *Dataset) Validate() error {
	if d.X == nil {
		return fmt.Errorf("dataset %q: no sample matrix", d.Name)
	}
	n, f := d.X.Dims()
	if len(d.Labels) != n {
		return fmt.Errorf("dataset %q: %d labels for %d samples", d.Name, len(d.Labels), n)
	}
	if (d.Height != 0 || d.Width != 0) && d.Height*d.Width != f {
		return fmt.Errorf("dataset %q: image size %d×%d does not match %d features", d.Name, d.Height, d.Width, f)
	}
	distinct := map[int]bool{}
	for _, l := range d.Labels {
		distinct[l] = true
	}
	if d.Classes != len(distinct) {
		return fmt.Errorf("dataset %q: Classes = %d but labels have %d distinct values", d.Name, d.Classes, len(distinct))
	}
	raw := d.X.RawMatrix()
	for i := 0; i < n; i++ {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+f] {
			if !(v >= 0) || v > 1e300 {
				return fmt.Errorf("dataset %q: sample %d feature %d is %v; factorizations need finite nonnegative data", d.Name, i, j, v)
			}
		}
	}
	return nil
}
