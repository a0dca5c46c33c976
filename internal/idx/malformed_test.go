package idx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"strings"
	"testing"

	"nmfbench/internal/corpus"
)

var generate = flag.Bool("generate", false, "rewrite testdata/malformed from malformedCases (cd internal/idx && go test -run TestGenerateMalformed -generate)")

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

// header returns an IDX header with raw type byte, dimension count and sizes.
func header(typ, nd byte, dims ...uint32) []byte {
	out := []byte{0, 0, typ, nd}
	for _, d := range dims {
		out = binary.BigEndian.AppendUint32(out, d)
	}
	return out
}

func malformedCases() []malformedCase {
	good := writeIDX([]int{2, 3}, ramp(6))
	gzGood := gz(good)
	set := func(b []byte, f func(b []byte)) []byte { b = bytes.Clone(b); f(b); return b }
	return []malformedCase{
		{"empty", nil, "truncated: reading the 4-byte magic number"},
		{"short_magic", []byte{0, 0}, "truncated: reading the 4-byte magic number"},
		{"wrong_magic", set(good, func(b []byte) { b[0] = 1 }), "magic number 01000802 does not start with 00 00"},
		{"text_file", []byte("P5\n28 28\n255\n"), "does not start with 00 00"},
		{"float_type", set(good, func(b []byte) { b[2] = 0x0D }), "element type 0x0d (float (4 bytes)) is not supported"},
		{"int_type", set(good, func(b []byte) { b[2] = 0x0C }), "element type 0x0c (int (4 bytes)) is not supported"},
		{"unknown_type", set(good, func(b []byte) { b[2] = 0x42 }), "unknown element type 0x42"},
		{"zero_dims", header(8, 0), "declares 0 dimensions; want 1 to 16"},
		{"too_many_dims", append(header(8, 200), make([]byte, 800)...), "declares 200 dimensions; want 1 to 16"},
		{"truncated_dims", good[:9], "truncated: reading 2 dimension sizes"},
		{"huge_dims", header(8, 3, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF), "hold more than 2^40 values"},
		{"dims_product_overflows_int", header(8, 4, 1<<31, 1<<31, 1<<31, 1<<31), "[2147483648 2147483648] hold more than 2^40 values"},
		{"zero_dim_hides_overflow", header(8, 3, 0, 0xFFFFFFFF, 0xFFFFFFFF), "[0 4294967295 4294967295] hold more than 2^40 values (zero sizes aside)"},
		{"huge_declared_short_data", append(header(8, 2, 1<<13, 1<<13), ramp(10)...), "header declares [8192 8192] = 67108864 values but only 10 follow"},
		{"mnist_header_no_data", header(8, 3, 60000, 28, 28), "= 47040000 values but only 0 follow"},
		{"truncated_data", good[:len(good)-1], "= 6 values but only 5 follow"},
		{"trailing_data", append(bytes.Clone(good), 9), "data continue past the 6 values"},
		{"gzip_trailing_data", gz(append(bytes.Clone(good), 9)), "data continue past the 6 values"},
		{"gzip_bad_crc", set(gzGood, func(b []byte) { b[len(b)-6] ^= 1 }), "corrupt gzip stream"},
		{"gzip_bad_size", set(gzGood, func(b []byte) { b[len(b)-1] ^= 1 }), "corrupt gzip stream"},
		{"gzip_bad_header", set(gzGood, func(b []byte) { b[2] = 9 }), "bad gzip header"},
		{"gzip_truncated", gzGood[:len(gzGood)-12], "unexpected EOF"},
		{"gzip_corrupt_deflate", set(gzGood, func(b []byte) { b[len(b)-12] ^= 0xff; b[len(b)-13] ^= 0xff }), "corrupt gzip stream: flate: corrupt input"},
		{"gzip_huge_declared_short_data", gz(append(header(8, 2, 1<<13, 1<<13), ramp(10)...)), "= 67108864 values but only 10 follow"},
		{"gzip_then_garbage", append(bytes.Clone(gzGood), 1, 2, 3), "bytes follow the gzip stream"},
		{"gzip_two_members", append(bytes.Clone(gzGood), gzGood...), "bytes follow the gzip stream"},
		{"gzip_float_type", gz(set(good, func(b []byte) { b[2] = 0x0E })), "0x0e (double (8 bytes)) is not supported"},
	}
}

// TestGenerateMalformed rewrites testdata/malformed; it runs only with
// -generate.
func TestGenerateMalformed(t *testing.T) {
	if !*generate {
		t.Skip("run with -generate to rewrite testdata/malformed")
	}
	corpus.Generate(t, ".idx", corpusCases())
}

// maxCorpusAlloc bounds the bytes the reader may allocate for any file of
// the malformed corpus, whatever sizes its header declares.
const maxCorpusAlloc = 4 << 20

// TestMalformedCorpus reads every file of testdata/malformed: each must be
// rejected with a classified error containing the text of its .want file,
// without panicking and without allocating more than maxCorpusAlloc.
func TestMalformedCorpus(t *testing.T) {
	corpus.Check(t, ".idx", 10, corpusCases(), maxCorpusAlloc, func(b []byte) error { _, err := Read(bytes.NewReader(b)); return err }, func(t *testing.T, err error) {
		if !strings.HasPrefix(err.Error(), "idx: ") {
			t.Errorf("error %q does not say it comes from the IDX reader", err)
		}
		if !errors.Is(err, ErrFormat) {
			t.Errorf("error %v is not ErrFormat", err)
		}
	})
}
