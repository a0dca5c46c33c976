package matfile

import (
	"encoding/binary"
	"errors"
	"testing"
)

// FuzzRead checks that Parse never panics and that whatever it accepts is
// self-consistent. A plain go test run executes only the seed corpus; run
// go test -fuzz FuzzRead ./internal/matfile to explore further.
func FuzzRead(f *testing.F) {
	f.Add(writeMAT(testVar{name: "fea", dims: []int{2, 3}, data: seq(6, 0, 0.5)}))
	f.Add(writeMAT(testVar{name: "fea", storage: miUINT8, dims: []int{2, 3}, data: seq(6, 0, 1), compressed: true},
		testVar{name: "gnd", storage: miUINT8, dims: []int{2, 1}, data: []float64{1, 2}}))
	be := newMatWriter(binary.BigEndian)
	be.add(testVar{name: "x", class: 12, storage: miINT32, dims: []int{1, 1}, data: []float64{-3}, compressed: true})
	f.Add(be.bytes())
	f.Add(writeMAT(testVar{name: "c", flags: flagComplex, dims: []int{1, 1}, data: []float64{1}}))
	f.Add(writeMAT(testVar{name: "e", dims: []int{0, 4}})[:150])
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported)) {
				t.Fatalf("error %v is not a classified *Error", err)
			}
			return
		}
		for name, a := range m {
			n := 1
			for _, d := range a.Dims {
				n *= d
			}
			if name == "" || a.Name != name || len(a.Dims) < 2 || n != len(a.Data) {
				t.Fatalf("inconsistent array %q: dims %v, %d values", name, a.Dims, len(a.Data))
			}
		}
	})
}
