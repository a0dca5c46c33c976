package matfile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"flag"
	"math/rand/v2"
	"strings"
	"testing"

	"nmfbench/internal/corpus"
)

var generate = flag.Bool("generate", false, "rewrite testdata/malformed from malformedCases (go test -run TestGenerateMalformed -generate)")

// malformedCase is one file of testdata/malformed: its name, its content and
// a substring of the error the reader must return (see package corpus).
type malformedCase struct {
	name string
	data []byte
	want string
}

// corpusCases returns malformedCases as corpus cases.
func corpusCases() []corpus.Case {
	var out []corpus.Case
	for _, c := range malformedCases() {
		out = append(out, corpus.Case{Name: c.name, Data: c.data, Want: c.want})
	}
	return out
}

// malformedCases builds the malformed corpus. Offsets in plain: header
// 0..127, miMATRIX tag 128, flags tag 136 (data 144), dims tag 152 (data
// 160), name 168 (small), real tag 176 (data 184).
func malformedCases() []malformedCase {
	le := binary.LittleEndian
	plain := writeMAT(testVar{name: "fea", dims: []int{2, 2}, data: []float64{1, 2, 3, 4}})
	comp := writeMAT(testVar{name: "fea", dims: []int{2, 2}, data: []float64{1, 2, 3, 4}, compressed: true})
	set := func(b []byte, f func(b []byte)) []byte { b = bytes.Clone(b); f(b); return b }
	zlibOf := func(m []byte) []byte {
		var z bytes.Buffer
		zw := zlib.NewWriter(&z)
		zw.Write(m)
		zw.Close()
		return z.Bytes()
	}
	compressed := func(z []byte) []byte {
		out := bytes.Clone(plain[:128])
		out = le.AppendUint32(out, miCOMPRESSED)
		out = le.AppendUint32(out, uint32(len(z)))
		return append(out, z...)
	}
	// A compressed element of 8 KiB of incompressible bytes whose inner
	// miMATRIX tag declares what 8 KiB could at most inflate to: a reader
	// that trusts the tag allocates 8 MiB before finding the data short.
	noise := make([]byte, 8<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rng.Uint32())
	}
	bigTag := le.AppendUint32(le.AppendUint32(nil, miMATRIX), maxInflateRatio*(8<<10))
	dims := func(d ...int) []byte {
		return writeMAT(testVar{name: "fea", storage: miUINT8, dims: d, data: seq(4, 0, 1)})
	}
	be := newMatWriter(binary.BigEndian)
	be.add(testVar{name: "x", storage: miINT16, dims: []int{3, 3}, data: seq(9, 0, 1)})
	beFile := be.bytes()
	return []malformedCase{
		{"empty", nil, "file has 0 bytes, shorter than the 128-byte MAT-file header"},
		{"truncated_header", plain[:100], "file has 100 bytes, shorter than the 128-byte"},
		{"wrong_endian_indicator", set(plain, func(b []byte) { copy(b[126:], "XY") }), `endian indicator is "XY"`},
		{"level4_file", append(le.AppendUint32(le.AppendUint32(le.AppendUint32(le.AppendUint32(le.AppendUint32(nil, 0), 2), 2), 0), 4), append([]byte("fea\x00"), make([]byte, 160)...)...), "Level 4 files are not supported"},
		{"text_file", []byte(strings.Repeat("this is not a MAT-file at all\n", 6)), "endian indicator"},
		{"bad_version", set(plain, func(b []byte) { le.PutUint16(b[124:], 0x0300) }), "header version is 0x0300, want 0x0100"},
		{"v73_version", set(plain, func(b []byte) { le.PutUint16(b[124:], 0x0200) }), "v7.3 (HDF5)"},
		{"v73_hdf5_signature", append(set(plain, func(b []byte) { copy(b, "MATLAB 7.3 MAT-file") }), append(make([]byte, 512-len(plain)), hdf5Signature...)...), "HDF5 container"},
		{"truncated_tag", plain[:133], "5 trailing bytes, too short for an 8-byte data element tag"},
		{"element_overruns_file", set(plain, func(b []byte) { le.PutUint32(b[132:], 0xFFFFFFFF) }), "miMATRIX element declares 4294967295 bytes but only"},
		{"truncated_data", plain[:len(plain)-16], "miMATRIX element declares 80 bytes but only 64 remain"},
		{"wrong_top_level_type", set(plain, func(b []byte) { le.PutUint32(b[128:], miDOUBLE) }), "top-level element has type miDOUBLE"},
		{"unknown_top_level_type", set(plain, func(b []byte) { le.PutUint32(b[128:], 99) }), "unknown type 99"},
		{"small_top_level_element", set(plain, func(b []byte) { le.PutUint32(b[128:], 4<<16|miINT8) }), "small data element format"},
		{"bad_flags_type", set(plain, func(b []byte) { le.PutUint32(b[136:], miINT32) }), "array flags must be 8 bytes of miUINT32"},
		{"bad_dims_type", set(plain, func(b []byte) { le.PutUint32(b[152:], miDOUBLE) }), "dimensions must be at least two miINT32 values"},
		{"one_dim", dims(4), "dimensions must be at least two miINT32 values, got 4 bytes"},
		{"negative_dim", dims(-2, 2), "dimension 1 is negative (-2)"},
		{"huge_dims", dims(1<<30, 1<<30, 1<<30), "sizes do not add up: dimensions [1073741824 1073741824 1073741824] need more values"},
		{"dims_product_overflows_int", dims(0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF, 0x7FFFFFFF, 16), "need more values than the"},
		{"empty_array_huge_dims", writeMAT(testVar{name: "e", dims: []int{0, 0x7FFFFFFF, 0x7FFFFFFF}}), "non-zero dimensions of the empty array [0 2147483647 2147483647] multiply to more than 2^40"},
		{"too_few_values", writeMAT(testVar{name: "fea", dims: []int{3, 3}, data: seq(8, 0, 1)}), "real part has 64 bytes of miDOUBLE (8 values) but dimensions [3 3] need 9 values"},
		{"bad_name_type", set(plain, func(b []byte) { le.PutUint32(b[168:], 3<<16|miDOUBLE) }), "array name must be miINT8 text, got miDOUBLE"},
		{"empty_name", writeMAT(testVar{name: "", dims: []int{1, 1}, data: []float64{1}}), "variable has an empty name"},
		{"duplicate_name", writeMAT(testVar{name: "x", dims: []int{1, 1}, data: []float64{1}}, testVar{name: "x", dims: []int{1, 1}, data: []float64{2}, compressed: true}), "variable name occurs twice"},
		{"oversized_small_element", set(plain, func(b []byte) { le.PutUint32(b[168:], 9<<16|miINT8) }), "declares 9 bytes; at most 4 fit"},
		{"sub_element_overruns_matrix", set(plain, func(b []byte) { le.PutUint32(b[180:], 0xFFFFFFF8) }), "real part data declares 4294967288 bytes"},
		{"wrong_element_type_utf16", set(plain, func(b []byte) { le.PutUint32(b[176:], miUTF16) }), "real part has type miUTF16; want a numeric type"},
		{"wrong_element_type_matrix", set(plain, func(b []byte) { le.PutUint32(b[176:], miMATRIX) }), "real part has type miMATRIX"},
		{"complex", writeMAT(testVar{name: "c", flags: flagComplex, dims: []int{1, 1}, data: []float64{1}}), "complex arrays are not supported"},
		{"sparse", writeMAT(testVar{name: "sp", class: 5, dims: []int{1, 1}, data: []float64{1}}), "sparse arrays are not supported"},
		{"cell_compressed", writeMAT(testVar{name: "c", class: 1, dims: []int{1, 1}, data: []float64{1}, compressed: true}), "cell arrays are not supported"},
		{"char", writeMAT(testVar{name: "s", class: 4, storage: miUINT16, dims: []int{1, 2}, data: []float64{65, 66}}), "char arrays are not supported"},
		{"unknown_class", writeMAT(testVar{name: "s", class: 40, dims: []int{1, 1}, data: []float64{1}}), "array class 40 is not a MATLAB class"},
		{"bad_zlib_header", set(comp, func(b []byte) { b[136] ^= 0xff }), "does not start with a valid zlib header"},
		{"bad_zlib_checksum", set(comp, func(b []byte) { b[len(b)-1] ^= 0x01 }), "corrupt zlib stream"},
		{"bad_zlib_data", set(comp, func(b []byte) { b[140] ^= 0x5a; b[141] ^= 0xa5 }), "flate: corrupt input"},
		{"truncated_zlib_stream", func() []byte { z := zlibOf(plain[128:]); return compressed(z[:len(z)/2]) }(), "compressed element ends before the 80 bytes"},
		{"compressed_non_matrix", compressed(zlibOf(set(plain[128:], func(b []byte) { le.PutUint32(b, miDOUBLE) }))), "compressed element holds type miDOUBLE; want miMATRIX"},
		{"compressed_impossible_size", compressed(zlibOf(set(plain[128:], func(b []byte) { le.PutUint32(b[4:], 1<<31) }))), "declares 2147483648 decompressed bytes, impossible"},
		{"compressed_huge_declared_short", compressed(zlibOf(append(bigTag, noise...))), "compressed element ends before the 8519680 bytes its miMATRIX declares"},
		{"compressed_extra_data", compressed(zlibOf(append(bytes.Clone(plain[128:]), 1, 2, 3))), "holds data beyond its"},
		{"big_endian_truncated", beFile[:len(beFile)-8], "miMATRIX element declares 72 bytes but only 64 remain"},
		{"trailing_bytes", append(bytes.Clone(plain), 0, 0, 0), "3 trailing bytes"},
	}
}

// TestGenerateMalformed rewrites testdata/malformed; it runs only with
// -generate.
func TestGenerateMalformed(t *testing.T) {
	if !*generate {
		t.Skip("run with -generate to rewrite testdata/malformed")
	}
	corpus.Generate(t, ".mat", corpusCases())
}

// maxCorpusAlloc bounds the bytes the reader may allocate for any file of
// the malformed corpus, whatever sizes its header declares.
const maxCorpusAlloc = 4 << 20

// TestMalformedCorpus reads every file of testdata/malformed: each must be
// rejected with a classified error containing the text of its .want file,
// without panicking and without allocating more than maxCorpusAlloc.
func TestMalformedCorpus(t *testing.T) {
	corpus.Check(t, ".mat", 12, corpusCases(), maxCorpusAlloc, func(b []byte) error { _, err := Parse(b); return err }, func(t *testing.T, err error) {
		var e *Error
		if !errors.As(err, &e) || !(errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported)) {
			t.Fatalf("error %v is not a classified *Error", err)
		}
	})
}
