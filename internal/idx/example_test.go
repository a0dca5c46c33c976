package idx_test

import (
	"bytes"
	"fmt"

	"nmfbench/internal/idx"
)

// ExampleRead decodes a tiny IDX file of two 2×3 unsigned-byte images.
func ExampleRead() {
	file := []byte{
		0x00, 0x00, 0x08, 0x03, // magic: unsigned bytes, 3 dimensions
		0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, // sizes 2, 2, 3 (big-endian)
		1, 2, 3, 4, 5, 6, // image 0, row-major
		7, 8, 9, 10, 11, 12, // image 1
	}
	a, err := idx.Read(bytes.NewReader(file))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Pixel (r, c) of image i is at i*rows*cols + r*cols + c.
	fmt.Println(a.Dims, "image 1, pixel (1, 2) =", a.Data[1*6+1*3+2])
	_, err = idx.Read(bytes.NewReader(file[:20]))
	fmt.Println(err)
	// Output:
	// [2 2 3] image 1, pixel (1, 2) = 12
	// idx: malformed or unsupported IDX data: truncated: header declares [2 2 3] = 12 values but only 4 follow
}
