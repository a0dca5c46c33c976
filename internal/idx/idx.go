// Package idx reads IDX files, the simple big-endian array format of the
// MNIST database, plain or gzip-compressed.
//
// Contract: an IDX file is a 4-byte magic number 00 00 T N (T the element
// type, N the number of dimensions), N big-endian uint32 sizes, then the
// product of the sizes elements in row-major order (last index fastest).
// Only the unsigned byte type (T = 0x08), the one MNIST uses, is supported;
// other types are rejected with an error naming them. Input starting with
// the gzip magic bytes 1f 8b is decompressed first (its CRC is verified).
// Truncated data, trailing bytes (also after a gzip member) and sizes that
// cannot fit are errors, never panics; the sizes' product, zero sizes aside,
// is at most 2^40. Memory is allocated as data arrive, never for the size a
// header declares: at most about twice the data actually present.
package idx

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Array is the content of an IDX file of unsigned bytes.
type Array struct {
	Dims []int  // sizes, outermost first (e.g. 10000, 28, 28)
	Data []byte // product(Dims) values, row-major (last index fastest)
}

// ErrFormat marks input that is not a well-formed IDX file of unsigned bytes.
var ErrFormat = errors.New("malformed or unsupported IDX data")

// typeNames names the IDX element types for error messages.
var typeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "short (2 bytes)",
	0x0C: "int (4 bytes)", 0x0D: "float (4 bytes)", 0x0E: "double (8 bytes)",
}

// maxDims bounds the number of dimensions accepted (MNIST uses 1 and 3).
const maxDims = 16

// ReadFile reads the IDX file at path, gunzipping it when it is compressed.
func ReadFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("idx: %w", err)
	}
	defer f.Close()
	a, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Read reads an IDX file from r, gunzipping it when it starts with the gzip
// magic bytes.
func Read(r io.Reader) (*Array, error) {
	br := bufio.NewReader(r)
	src := io.Reader(br)
	gz := false
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("idx: %w: bad gzip header: %w", ErrFormat, err)
		}
		defer zr.Close()
		zr.Multistream(false)
		src, gz = corruptGzip{zr}, true
	}
	a, err := decode(src)
	if err != nil {
		return nil, err
	}
	// Reading to the end verifies a gzip member's CRC-32 and size; any byte
	// left means the data run past the declared sizes.
	var extra [1]byte
	if n, err := io.ReadFull(src, extra[:]); n > 0 {
		return nil, fmt.Errorf("idx: %w: data continue past the %d values the header declares", ErrFormat, len(a.Data))
	} else if err != io.EOF && errors.Is(err, ErrFormat) {
		return nil, fmt.Errorf("idx: %w", err)
	} else if err != io.EOF && gz {
		return nil, fmt.Errorf("idx: %w: corrupt gzip stream: %w", ErrFormat, err)
	} else if err != io.EOF {
		return nil, fmt.Errorf("idx: reading input: %w", err)
	}
	// After a gzip member nothing may follow: neither a second member nor
	// other bytes (Multistream is off, so the gzip reader stops at the first).
	if gz {
		if k, _ := br.Read(extra[:]); k > 0 {
			return nil, fmt.Errorf("idx: %w: bytes follow the gzip stream", ErrFormat)
		}
	}
	return a, nil
}

func decode(r io.Reader) (*Array, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("idx: %w: truncated: reading the 4-byte magic number: %w", ErrFormat, noEOF(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("idx: %w: magic number %x does not start with 00 00", ErrFormat, magic)
	}
	if t := magic[2]; t != 0x08 {
		name, ok := typeNames[t]
		if !ok {
			return nil, fmt.Errorf("idx: %w: unknown element type 0x%02x in magic number %x", ErrFormat, t, magic)
		}
		return nil, fmt.Errorf("idx: %w: element type 0x%02x (%s) is not supported; only 0x08 (unsigned byte) is", ErrFormat, t, name)
	}
	nd := int(magic[3])
	if nd == 0 || nd > maxDims {
		return nil, fmt.Errorf("idx: %w: magic number %x declares %d dimensions; want 1 to %d", ErrFormat, magic, nd, maxDims)
	}
	hdr := make([]byte, 4*nd)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("idx: %w: truncated: reading %d dimension sizes: %w", ErrFormat, nd, noEOF(err))
	}
	dims := make([]int, nd)
	// span is the product of the non-zero sizes: bounded even when a zero
	// size makes the array empty, so that products of sizes computed by
	// callers (e.g. rows × columns of an image) cannot overflow.
	total, span := int64(1), int64(1)
	const maxTotal = 1 << 40
	for k := range dims {
		d := binary.BigEndian.Uint32(hdr[4*k:])
		dims[k] = int(d)
		if d == 0 {
			total = 0
			continue
		}
		if int64(d) > maxTotal/span {
			return nil, fmt.Errorf("idx: %w: dimensions %v hold more than 2^40 values (zero sizes aside)", ErrFormat, dims[:k+1])
		}
		span *= int64(d)
		total *= int64(d)
	}
	data, err := readUpTo(r, total)
	if err != nil {
		if errors.Is(err, ErrFormat) {
			return nil, fmt.Errorf("idx: %w", err)
		}
		return nil, fmt.Errorf("idx: reading data: %w", err)
	}
	if n := int64(len(data)); n < total {
		return nil, fmt.Errorf("idx: %w: truncated: header declares %v = %d values but only %d follow", ErrFormat, dims, total, n)
	}
	return &Array{Dims: dims, Data: data}, nil
}

// firstChunk is the most readUpTo allocates before any data have arrived.
const firstChunk = 1 << 20

// readUpTo reads up to n bytes from r without trusting n for the
// allocation: the buffer starts at min(n, firstChunk) bytes and doubles (up
// to n) only when the data already read fill it, so a header declaring a
// huge size over a short input costs at most firstChunk bytes, and a
// complete input at most about twice its size. It returns fewer than n bytes
// when r ends early.
func readUpTo(r io.Reader, n int64) ([]byte, error) {
	buf := make([]byte, 0, min(n, firstChunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		k, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// corruptGzip marks the errors of a gzip stream other than its end as
// ErrFormat: a bad checksum or deflate data is malformed input, wherever in
// the stream it shows.
type corruptGzip struct{ r io.Reader }

func (c corruptGzip) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		err = fmt.Errorf("%w: corrupt gzip stream: %w", ErrFormat, err)
	}
	return n, err
}

// noEOF turns a clean EOF inside a header into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
