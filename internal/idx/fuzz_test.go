package idx

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzRead checks that Read never panics, that every rejection is
// classified, that whatever it accepts is self-consistent, and that a
// header declaring a huge size over a short input is refused without
// allocating for the declared size. A plain go test run executes only the
// seed corpus; go test -fuzz FuzzRead ./internal/idx explores further.
func FuzzRead(f *testing.F) {
	f.Add(writeIDX([]int{10}, ramp(10)))
	f.Add(writeIDX([]int{3, 4, 5}, ramp(60)))
	f.Add(writeIDX([]int{0, 28, 28}, nil))
	f.Add(gz(writeIDX([]int{2, 1, 3, 2}, ramp(12))))
	f.Add(writeIDX([]int{1 << 16, 1 << 16}, ramp(10)))
	f.Add(writeIDX([]int{1 << 20, 1 << 20, 1 << 20}, nil))
	f.Add([]byte{0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			t.Skip("inputs are kept small")
		}
		a, err := Read(bytes.NewReader(data))
		if err != nil {
			if a != nil {
				t.Fatalf("error %v with a non-nil array", err)
			}
			// Input read from memory can only be malformed.
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		n := 1
		for _, d := range a.Dims {
			n *= d
		}
		if len(a.Dims) == 0 || len(a.Dims) > maxDims || n != len(a.Data) {
			t.Fatalf("inconsistent array: dims %v, %d values", a.Dims, len(a.Data))
		}
		// Plain input: exactly the header and the values, so the reader kept
		// what it read and no more.
		if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) && len(data) != 4+4*len(a.Dims)+n {
			t.Fatalf("accepted %d bytes for dims %v", len(data), a.Dims)
		}
		// Allocation bound: at most about twice the input plus one chunk,
		// whatever the header declares (checked on plain input only; gzip
		// legitimately inflates).
		if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) && cap(a.Data) > 2*len(data)+firstChunk {
			t.Fatalf("data buffer of %d bytes for a %d-byte input", cap(a.Data), len(data))
		}
	})
}
