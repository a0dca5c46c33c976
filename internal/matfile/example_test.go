package matfile

import (
	"bytes"
	"fmt"
)

// ExampleRead decodes a small MAT-file holding a compressed 2×3 double
// matrix and an uncompressed label vector stored as miUINT8.
func ExampleRead() {
	file := writeMAT( // a test-only writer; real files come from MATLAB
		testVar{name: "fea", dims: []int{2, 3}, data: []float64{1, 4, 2, 5, 3, 6}, compressed: true},
		testVar{name: "gnd", storage: miUINT8, dims: []int{2, 1}, data: []float64{1, 2}},
	)
	vars, err := Read(bytes.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	fea := vars["fea"]
	rows := fea.Dims[0]
	// Element (i, j) of a column-major array is at j*rows + i.
	fmt.Println(fea.Dims, fea.Class, fea.Storage, "fea(2,3) =", fea.Data[2*rows+1])
	fmt.Println(vars["gnd"].Storage, vars["gnd"].Data)
	_, err = Read(bytes.NewReader(file[:100]))
	fmt.Println(err)
	// Output:
	// [2 3] double miDOUBLE fea(2,3) = 6
	// miUINT8 [1 2]
	// matfile: at byte 100: file has 100 bytes, shorter than the 128-byte MAT-file header
}
