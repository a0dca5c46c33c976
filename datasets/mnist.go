package datasets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/idx"
)

// The original gzip-compressed MNIST test-set files and their SHA-256 sums.
const (
	MNISTImagesFile   = "t10k-images-idx3-ubyte.gz"
	MNISTLabelsFile   = "t10k-labels-idx1-ubyte.gz"
	MNISTImagesSHA256 = "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
	MNISTLabelsSHA256 = "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
	// MNISTSource says where the original files come from.
	MNISTSource = "the MNIST database, http://yann.lecun.com/exdb/mnist/ (the original gzip files, md5 " +
		"9fb629c4189551a2d022fa330f9573f3 and ec29112dd5afa0611ce80d1b7f02629c, as torchvision checks them)"
)

// LoadMNISTTest reads the MNIST test set from dir (or from the directory
// ResolveDir("") finds when dir is empty), verifying both files' SHA-256
// before parsing. images is n × 784 with pixel (r, c) of image i at column
// r*28 + c (row-major, as stored; not the column-major layout of Dataset),
// values 0..255; labels are 0..9.
func LoadMNISTTest(ctx context.Context, dir string) (images *mat.Dense, labels []int, err error) {
	const what = "MNIST test set"
	d, how, found := resolve(dir)
	read := func(file, sum string) (*idx.Array, error) {
		if !found {
			return nil, missingError(what, file, sum, how, false, MNISTSource, nil)
		}
		path := filepath.Join(d, file)
		b, err := readVerified(path, sum)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, missingError(what, file, sum, how, true, MNISTSource, err)
		case err != nil:
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		a, err := idx.Read(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", what, path, err)
		}
		return a, nil
	}
	img, err := read(MNISTImagesFile, MNISTImagesSHA256)
	if err != nil {
		return nil, nil, err
	}
	lab, err := read(MNISTLabelsFile, MNISTLabelsSHA256)
	if err != nil {
		return nil, nil, err
	}
	if len(img.Dims) != 3 || img.Dims[1] != 28 || img.Dims[2] != 28 {
		return nil, nil, fmt.Errorf("%s: %s holds an array of size %v, want n × 28 × 28", what, MNISTImagesFile, img.Dims)
	}
	n := img.Dims[0]
	if n == 0 {
		return nil, nil, fmt.Errorf("%s: %s holds no images", what, MNISTImagesFile)
	}
	if len(lab.Dims) != 1 || lab.Dims[0] != n {
		return nil, nil, fmt.Errorf("%s: %s holds %v labels, want %d", what, MNISTLabelsFile, lab.Dims, n)
	}
	labels = make([]int, n)
	for i, v := range lab.Data {
		if v > 9 {
			return nil, nil, fmt.Errorf("%s: label %d is %d, want 0..9", what, i, v)
		}
		labels[i] = int(v)
	}
	data := make([]float64, len(img.Data))
	for i, v := range img.Data {
		data[i] = float64(v)
	}
	return mat.NewDense(n, 28*28, data), labels, nil
}

// MNISTDataset converts the first n images and labels returned by
// LoadMNISTTest (all of them when n <= 0) to a Dataset named "MNIST_test",
// transposing each image to the package's column-major layout so that
// pixel (r, c) is X[i, c*28 + r]. Labels keep their values 0..9.
func MNISTDataset(images *mat.Dense, labels []int, n int) (*Dataset, error) {
	rows, cols := images.Dims()
	if cols != 28*28 || len(labels) != rows {
		return nil, fmt.Errorf("MNIST dataset: want n × 784 images and n labels, got %d × %d and %d", rows, cols, len(labels))
	}
	if n <= 0 || n > rows {
		n = rows
	}
	X := mat.NewDense(n, 28*28, nil)
	for i := range n {
		src, dst := images.RawRowView(i), X.RawRowView(i)
		for r := range 28 {
			for c := range 28 {
				dst[c*28+r] = src[r*28+c]
			}
		}
	}
	lab := slices.Clone(labels[:n])
	ds := &Dataset{Name: "MNIST_test", X: X, Labels: lab, Classes: distinct(lab), Height: 28, Width: 28}
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	return ds, nil
}
