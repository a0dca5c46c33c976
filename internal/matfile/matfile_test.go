package matfile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// seq returns n values start, start+step, ….
func seq(n int, start, step float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = start + float64(i)*step
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	types := []struct {
		storage uint32
		class   uint8
		vals    []float64
	}{
		{miDOUBLE, 6, []float64{0, 1.5, -2.25, math.Pi, 1e-300, 4.0 / 4080}},
		{miUINT8, 6, []float64{0, 1, 2, 127, 254, 255}},
		{miINT8, 8, []float64{-128, -1, 0, 1, 100, 127}},
		{miUINT16, 11, []float64{0, 1, 300, 65535, 2, 3}},
		{miINT16, 10, []float64{-32768, -1, 0, 1, 32767, 5}},
		{miUINT32, 13, []float64{0, 1, 4294967295, 7, 8, 9}},
		{miINT32, 12, []float64{-2147483648, -1, 0, 1, 2147483647, 3}},
		{miSINGLE, 7, []float64{0, 0.5, -1.25, 1024, 1 << 40, 1.0 / 1024}},
		{miINT64, 14, []float64{-1 << 53, -1, 0, 1, 1 << 53, 42}},
		{miUINT64, 15, []float64{0, 1, 1 << 60, 7, 8, 9}},
	}
	for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, tc := range types {
			for _, compressed := range []bool{false, true} {
				name := typeName(tc.storage) + "/" + bo.String()
				if compressed {
					name += "/compressed"
				}
				t.Run(name, func(t *testing.T) {
					v := testVar{name: "fea", class: tc.class, storage: tc.storage, dims: []int{2, 3}, data: tc.vals, compressed: compressed}
					// A 1×1 array whose data fit a small data element, and a
					// 3-D array with a long name.
					s := testVar{name: "s", class: tc.class, storage: tc.storage, dims: []int{1, 1}, data: tc.vals[1:2], compressed: compressed}
					cube := testVar{name: "a_longer_name", class: tc.class, storage: tc.storage, dims: []int{1, 2, 3}, data: tc.vals, compressed: !compressed}
					w := newMatWriter(bo)
					w.add(v).add(s).add(cube)
					got, err := Parse(w.bytes())
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != 3 {
						t.Fatalf("got %d variables, want 3", len(got))
					}
					for _, want := range []testVar{v, s, cube} {
						a := got[want.name]
						if a == nil {
							t.Fatalf("variable %q missing", want.name)
						}
						if a.Name != want.name || !slices.Equal(a.Dims, want.dims) || !slices.Equal(a.Data, want.data) {
							t.Errorf("%q: got name %q dims %v data %v, want dims %v data %v", want.name, a.Name, a.Dims, a.Data, want.dims, want.data)
						}
						if a.Class != className(tc.class) || a.Storage != typeName(tc.storage) || a.Len() != len(want.data) {
							t.Errorf("%q: class %q storage %q len %d", want.name, a.Class, a.Storage, a.Len())
						}
					}
				})
			}
		}
	}
}

func TestEmptyAndLogical(t *testing.T) {
	b := writeMAT(
		testVar{name: "e", dims: []int{0, 0}},
		testVar{name: "z", dims: []int{3, 0}, compressed: true},
		testVar{name: "L", class: 9, flags: flagLogical, storage: miUINT8, dims: []int{1, 4}, data: []float64{1, 0, 1, 1}},
	)
	got, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if a := got["e"]; len(a.Data) != 0 || !slices.Equal(a.Dims, []int{0, 0}) {
		t.Errorf("e: dims %v, %d values", a.Dims, len(a.Data))
	}
	if a := got["z"]; len(a.Data) != 0 || !slices.Equal(a.Dims, []int{3, 0}) {
		t.Errorf("z: dims %v, %d values", a.Dims, len(a.Data))
	}
	if a := got["L"]; !a.Logical || a.Class != "uint8" || !slices.Equal(a.Data, []float64{1, 0, 1, 1}) {
		t.Errorf("L: %+v", a)
	}
}

func TestReadAndReadFile(t *testing.T) {
	b := writeMAT(testVar{name: "gnd", storage: miUINT8, dims: []int{3, 1}, data: []float64{1, 1, 2}, compressed: true})
	m, err := Read(bytes.NewReader(b))
	if err != nil || !slices.Equal(m["gnd"].Data, []float64{1, 1, 2}) {
		t.Fatalf("Read: %v, %v", m, err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.mat")
	bad := filepath.Join(dir, "bad.mat")
	if err := os.WriteFile(good, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, b[:len(b)-3], 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err := ReadFile(good); err != nil || !slices.Equal(m["gnd"].Dims, []int{3, 1}) {
		t.Fatalf("ReadFile: %v, %v", m, err)
	}
	_, err = ReadFile(bad)
	var e *Error
	if !errors.As(err, &e) || e.Path != bad || !strings.Contains(err.Error(), bad) {
		t.Fatalf("ReadFile of truncated file: error %v does not name the file", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "absent.mat")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadFile of a missing file: %v, want os.ErrNotExist", err)
	}
}

// mutate returns a copy of b changed by f.
func mutate(b []byte, f func(b []byte) []byte) []byte { return f(bytes.Clone(b)) }

func TestRejects(t *testing.T) {
	le := binary.LittleEndian
	plain := writeMAT(testVar{name: "fea", dims: []int{2, 2}, data: []float64{1, 2, 3, 4}})
	// Offsets in plain: header 0..127, miMATRIX tag 128, flags tag 136 (data
	// 144), dims tag 152 (data 160), name 168 (small), real tag 176 (data 184).
	comp := writeMAT(testVar{name: "fea", dims: []int{2, 2}, data: []float64{1, 2, 3, 4}, compressed: true})
	zlibOf := func(m []byte) []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(m)
		zw.Close()
		return z.Bytes()
	}
	compressedFile := func(inner []byte) []byte {
		z := zlibOf(inner)
		out := bytes.Clone(plain[:128])
		out = le.AppendUint32(out, miCOMPRESSED)
		out = le.AppendUint32(out, uint32(len(z)))
		return append(out, z...)
	}
	tests := []struct {
		name   string
		file   []byte
		kind   error
		cause  error
		want   string // substring of the message
		offset int64  // expected Error.Offset, -1 to skip
	}{
		{"short header", plain[:100], ErrMalformed, nil, "shorter than the 128-byte", 100},
		{"bad endian", mutate(plain, func(b []byte) []byte { copy(b[126:], "XY"); return b }), ErrMalformed, nil, "endian indicator", 126},
		{"bad version", mutate(plain, func(b []byte) []byte { b[125] = 7; return b }), ErrMalformed, nil, "version", 124},
		{"v7.3 version", mutate(plain, func(b []byte) []byte { le.PutUint16(b[124:], 0x0200); return b }), ErrUnsupported, nil, "v7.3", 124},
		{"v7.3 text", mutate(plain, func(b []byte) []byte { copy(b, "MATLAB 7.3 MAT-file"); return b }), ErrUnsupported, nil, "HDF5", 0},
		{"HDF5 signature", mutate(plain, func(b []byte) []byte {
			b = append(b, make([]byte, 600)...)
			copy(b[512:], hdf5Signature)
			return b
		}), ErrUnsupported, nil, "HDF5", 0},
		{"complex", writeMAT(testVar{name: "c", flags: flagComplex, dims: []int{1, 1}, data: []float64{1}}), ErrUnsupported, nil, "complex", 136},
		{"sparse", writeMAT(testVar{name: "sp", class: 5, dims: []int{1, 1}, data: []float64{1}}), ErrUnsupported, nil, "sparse arrays", 136},
		{"cell", writeMAT(testVar{name: "c", class: 1, dims: []int{1, 1}, data: []float64{1}}), ErrUnsupported, nil, "cell arrays", 136},
		{"struct compressed", writeMAT(testVar{name: "s", class: 2, dims: []int{1, 1}, data: []float64{1}, compressed: true}), ErrUnsupported, nil, "struct arrays", 128},
		{"char", writeMAT(testVar{name: "s", class: 4, storage: miUINT16, dims: []int{1, 2}, data: []float64{65, 66}}), ErrUnsupported, nil, "char arrays", 136},
		{"unknown class", writeMAT(testVar{name: "s", class: 40, dims: []int{1, 1}, data: []float64{1}}), ErrMalformed, nil, "not a MATLAB class", 136},
		{"too few values", writeMAT(testVar{name: "fea", dims: []int{3, 3}, data: seq(8, 0, 1)}), ErrMalformed, nil, "sizes do not add up", -1},
		{"too many values compressed", writeMAT(testVar{name: "fea", dims: []int{2, 2}, data: seq(5, 0, 1), compressed: true}), ErrMalformed, nil, "need 4 values", 128},
		{"huge dims", writeMAT(testVar{name: "fea", dims: []int{1 << 30, 1 << 30, 1 << 30}, data: seq(4, 0, 1)}), ErrMalformed, nil, "sizes do not add up", 152},
		{"negative dim", writeMAT(testVar{name: "fea", dims: []int{-2, 2}, data: seq(4, 0, 1)}), ErrMalformed, nil, "negative", 152},
		{"one dim", writeMAT(testVar{name: "fea", dims: []int{4}, data: seq(4, 0, 1)}), ErrMalformed, nil, "at least two", 152},
		{"empty name", writeMAT(testVar{name: "", dims: []int{1, 1}, data: []float64{1}}), ErrMalformed, nil, "empty name", -1},
		{"duplicate name", writeMAT(testVar{name: "x", dims: []int{1, 1}, data: []float64{1}}, testVar{name: "x", dims: []int{1, 1}, data: []float64{2}, compressed: true}), ErrMalformed, nil, "twice", -1},
		{"non-numeric data", mutate(plain, func(b []byte) []byte { le.PutUint32(b[176:], miUTF16); return b }), ErrMalformed, nil, "want a numeric type", 176},
		{"bad flags type", mutate(plain, func(b []byte) []byte { le.PutUint32(b[136:], miINT32); return b }), ErrMalformed, nil, "array flags", 136},
		{"bad dims type", mutate(plain, func(b []byte) []byte { le.PutUint32(b[152:], miDOUBLE); return b }), ErrMalformed, nil, "dimensions", 152},
		{"bad name type", mutate(plain, func(b []byte) []byte { le.PutUint32(b[168:], 3<<16|miDOUBLE); return b }), ErrMalformed, nil, "array name", 168},
		{"oversized small element", mutate(plain, func(b []byte) []byte { le.PutUint32(b[168:], 9<<16|miINT8); return b }), ErrMalformed, nil, "at most 4", 168},
		{"sub-element overruns matrix", mutate(plain, func(b []byte) []byte { le.PutUint32(b[180:], 4000); return b }), ErrMalformed, nil, "sizes do not add up", 176},
		{"element overruns file", mutate(plain, func(b []byte) []byte { le.PutUint32(b[132:], 4000); return b }), ErrMalformed, nil, "truncated", 128},
		{"extra sub-element", mutate(plain, func(b []byte) []byte {
			b = append(b, plain[176:]...) // a second "real part" acting as an imaginary part
			le.PutUint32(b[132:], uint32(len(b)-136))
			return b
		}), ErrMalformed, nil, "unexpected bytes after the real part", -1},
		{"wrong top-level type", mutate(plain, func(b []byte) []byte { le.PutUint32(b[128:], miDOUBLE); return b }), ErrMalformed, nil, "want miMATRIX", 128},
		{"small top-level element", mutate(plain, func(b []byte) []byte { le.PutUint32(b[128:], 4<<16|miINT8); return b }), ErrMalformed, nil, "small data element", 128},
		{"trailing bytes", append(bytes.Clone(plain), 0, 0, 0), ErrMalformed, nil, "trailing bytes", int64(len(plain))},
		{"zlib header", mutate(comp, func(b []byte) []byte { b[136] ^= 0xff; return b }), ErrMalformed, zlib.ErrHeader, "zlib header", 136},
		{"zlib checksum", mutate(comp, func(b []byte) []byte { b[len(b)-1] ^= 0x01; return b }), ErrMalformed, zlib.ErrChecksum, "corrupt zlib", 136},
		{"compressed non-matrix", compressedFile(mutate(plain[128:], func(b []byte) []byte { le.PutUint32(b, miDOUBLE); return b })), ErrMalformed, nil, "want miMATRIX", 136},
		{"compressed short", compressedFile(mutate(plain[128:], func(b []byte) []byte { le.PutUint32(b[4:], 4000); return b })), ErrMalformed, io.ErrUnexpectedEOF, "ends before", 136},
		{"compressed extra data", compressedFile(append(bytes.Clone(plain[128:]), 1, 2, 3)), ErrMalformed, nil, "beyond", 136},
		{"compressed impossible size", compressedFile(mutate(plain[128:], func(b []byte) []byte { le.PutUint32(b[4:], 1<<31); return b })), ErrMalformed, nil, "impossible", 128},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.file)
			if err == nil {
				t.Fatalf("Parse accepted a bad file: %v", m)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %v is not %v", err, tc.kind)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Errorf("error %v does not wrap %v", err, tc.cause)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if tc.offset >= 0 && e.Offset != tc.offset {
				t.Errorf("error %q at offset %d, want %d", err, e.Offset, tc.offset)
			}
		})
	}
}

// Truncating a file anywhere must give an error, except exactly at the end
// of a top-level element, where the shorter file is valid.
func TestTruncatedEverywhere(t *testing.T) {
	a := testVar{name: "fea", storage: miUINT8, dims: []int{4, 5}, data: seq(20, 0, 3), compressed: true}
	b := testVar{name: "gnd", dims: []int{4, 1}, data: []float64{1, 1, 2, 2}}
	first := writeMAT(a)
	file := writeMAT(a, b)
	for n := range len(file) {
		m, err := Parse(file[:n])
		switch {
		case n == len(first):
			if err != nil || len(m) != 1 || m["fea"] == nil {
				t.Errorf("cut at the element boundary %d: %v, %v", n, m, err)
			}
		case n == headerLen:
			if err != nil || len(m) != 0 {
				t.Errorf("header only: %v, %v", m, err)
			}
		case err == nil:
			t.Errorf("truncated to %d of %d bytes: no error", n, len(file))
		case !errors.Is(err, ErrMalformed):
			t.Errorf("truncated to %d bytes: %v is not ErrMalformed", n, err)
		}
	}
}

// Changing any single byte of a compressed element's zlib stream must be
// caught (by the zlib header check, the deflate decoder or Adler-32) or
// leave a file that still parses consistently.
func TestCorruptZlibEverywhere(t *testing.T) {
	file := writeMAT(testVar{name: "fea", dims: []int{3, 4}, data: seq(12, 0.5, 0.25), compressed: true})
	for i := 136; i < len(file); i++ {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			bad := mutate(file, func(b []byte) []byte { b[i] ^= x; return b })
			if _, err := Parse(bad); err == nil {
				t.Errorf("byte %d xor %#x: corruption not detected", i, x)
			} else if !errors.Is(err, ErrMalformed) {
				t.Errorf("byte %d: %v is not ErrMalformed", i, err)
			}
		}
	}
}

func TestErrorMessage(t *testing.T) {
	b := writeMAT(testVar{name: "fea", dims: []int{2, 2}, data: seq(4, 0, 1)},
		testVar{name: "gnd", dims: []int{3, 3}, data: seq(8, 0, 1), compressed: true})
	_, err := Parse(b)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v", err)
	}
	if e.Var != "gnd" || e.Index != 2 || e.Inner < 0 {
		t.Errorf("error fields: %+v", e)
	}
	for _, s := range []string{`variable "gnd"`, "at byte", "decompressed element", "sizes do not add up"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
}

func BenchmarkParseCOIL20Like(b *testing.B) {
	// 1440 × 1024 doubles that are multiples of 1/4080, like COIL20's fea.
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 1440*1024)
	for i := range vals {
		vals[i] = float64(rng.IntN(4081)) / 4080
	}
	file := writeMAT(testVar{name: "fea", dims: []int{1440, 1024}, data: vals, compressed: true})
	b.SetBytes(int64(len(vals) * 8))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Parse(file); err != nil {
			b.Fatal(err)
		}
	}
}
