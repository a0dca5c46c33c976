package idx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

var generate = flag.Bool("generate", false, "rewrite testdata/malformed from malformedCases (cd internal/idx && go test -run TestGenerateMalformed -generate)")

// malformedCase is one file of testdata/malformed: its name, its content
// and a substring of the error Read must return (kept beside it in
// NAME.want).
type malformedCase struct {
	name string
	data []byte
	want string
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
	dir := filepath.Join("testdata", "malformed")
	old, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, p := range old {
		os.Remove(p)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range malformedCases() {
		p := filepath.Join(dir, c.name+".idx")
		if err := os.WriteFile(p, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p+".want", []byte(c.want+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// maxCorpusAlloc bounds the bytes Read may allocate for any file of the
// malformed corpus, whatever sizes its header declares.
const maxCorpusAlloc = 4 << 20

// TestMalformedCorpus reads every file of testdata/malformed: each must be
// rejected with an error containing the text of its .want file, without
// panicking and without allocating more than maxCorpusAlloc.
func TestMalformedCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "malformed", "*.idx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("%d malformed files, want at least 10", len(files))
	}
	names := map[string]bool{}
	for _, c := range malformedCases() {
		names[c.name] = true
	}
	for _, p := range files {
		name := strings.TrimSuffix(filepath.Base(p), ".idx")
		t.Run(name, func(t *testing.T) {
			if !names[name] {
				t.Errorf("no generator for %s; run go test -run TestGenerateMalformed -generate", p)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			w, err := os.ReadFile(p + ".want")
			if err != nil {
				t.Fatal(err)
			}
			want := strings.TrimSpace(string(w))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			a, err := readNoPanic(data)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("accepted: dims %v", a.Dims)
			}
			if !strings.HasPrefix(err.Error(), "idx: ") {
				t.Errorf("error %q does not say it comes from the IDX reader", err)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %v is not ErrFormat", err)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > maxCorpusAlloc {
				t.Errorf("Read allocated %d bytes for a %d-byte file; at most %d", n, len(data), maxCorpusAlloc)
			}
		})
	}
	for name := range names {
		if _, err := os.Stat(filepath.Join("testdata", "malformed", name+".idx")); err != nil {
			t.Errorf("case %s is not in testdata/malformed; run go test -run TestGenerateMalformed -generate", name)
		}
	}
}

func readNoPanic(data []byte) (a *Array, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v", r)
		}
	}()
	return Read(bytes.NewReader(data))
}
