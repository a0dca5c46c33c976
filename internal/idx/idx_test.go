package idx

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeIDX returns an IDX file of unsigned bytes with the given dims.
func writeIDX(dims []int, data []byte) []byte {
	out := []byte{0, 0, 0x08, byte(len(dims))}
	for _, d := range dims {
		out = binary.BigEndian.AppendUint32(out, uint32(d))
	}
	return append(out, data...)
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Name = "test.idx3-ubyte"
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func ramp(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i * 7)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		dims []int
	}{
		{"labels", []int{10}},
		{"images", []int{3, 4, 5}},
		{"empty", []int{0, 28, 28}},
		{"four dims", []int{2, 1, 3, 2}},
	}
	for _, tc := range tests {
		n := 1
		for _, d := range tc.dims {
			n *= d
		}
		data := ramp(n)
		plain := writeIDX(tc.dims, data)
		for name, file := range map[string][]byte{"plain": plain, "gzip": gz(plain)} {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				a, err := Read(bytes.NewReader(file))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(a.Dims, tc.dims) || !bytes.Equal(a.Data, data) {
					t.Errorf("got dims %v data %v, want %v %v", a.Dims, a.Data, tc.dims, data)
				}
			})
		}
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.gz")
	if err := os.WriteFile(path, gz(writeIDX([]int{2, 2}, []byte{1, 2, 3, 4})), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := ReadFile(path)
	if err != nil || !bytes.Equal(a.Data, []byte{1, 2, 3, 4}) {
		t.Fatalf("ReadFile: %v, %v", a, err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, writeIDX([]int{2, 2}, []byte{1, 2, 3}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), bad) || !errors.Is(err, ErrFormat) {
		t.Errorf("ReadFile of a truncated file: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "absent")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
}

func TestRejects(t *testing.T) {
	good := writeIDX([]int{2, 3}, ramp(6))
	gzGood := gz(good)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty input", nil, "magic"},
		{"bad magic", append([]byte{1, 0, 8, 1}, good[4:]...), "does not start with 00 00"},
		{"float type", append([]byte{0, 0, 0x0D, 2}, good[4:]...), "0x0d (float (4 bytes)) is not supported"},
		{"unknown type", append([]byte{0, 0, 0x42, 2}, good[4:]...), "unknown element type 0x42"},
		{"zero dims", []byte{0, 0, 8, 0}, "0 dimensions"},
		{"short dims", good[:9], "dimension sizes"},
		{"short data", good[:len(good)-1], "only 5 follow"},
		{"trailing data", append(bytes.Clone(good), 9), "continue past"},
		{"gzip trailing data", gz(append(bytes.Clone(good), 9)), "continue past"},
		{"huge dims", writeIDX([]int{1 << 20, 1 << 20, 1 << 20}, ramp(10)), "more than 2^40"},
		{"big dims little data", writeIDX([]int{1 << 16, 1 << 16}, ramp(10)), "only 10 follow"},
		{"gzip crc", func() []byte { b := bytes.Clone(gzGood); b[len(b)-6] ^= 1; return b }(), "gzip"},
		{"gzip header", func() []byte { b := bytes.Clone(gzGood); b[2] = 9; return b }(), "gzip header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Read(bytes.NewReader(tc.file))
			if err == nil {
				t.Fatalf("accepted bad input: %v", a)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// Every truncation of a plain or gzipped file must fail.
func TestTruncatedEverywhere(t *testing.T) {
	plain := writeIDX([]int{4, 3, 3}, ramp(36))
	for name, file := range map[string][]byte{"plain": plain, "gzip": gz(plain)} {
		for n := range len(file) {
			if _, err := Read(bytes.NewReader(file[:n])); err == nil {
				t.Errorf("%s truncated to %d of %d bytes: no error", name, n, len(file))
			} else if name == "plain" && !errors.Is(err, ErrFormat) {
				t.Errorf("%s truncated to %d bytes: %v is not ErrFormat", name, n, err)
			} else if name == "gzip" && n > 10 && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrFormat) {
				t.Errorf("%s truncated to %d bytes: unexpected error %v", name, n, err)
			}
		}
	}
}

func BenchmarkReadMNISTSizedGzip(b *testing.B) {
	file := gz(writeIDX([]int{10000, 28, 28}, ramp(10000*28*28)))
	b.SetBytes(10000 * 28 * 28)
	for b.Loop() {
		if _, err := Read(bytes.NewReader(file)); err != nil {
			b.Fatal(err)
		}
	}
}
