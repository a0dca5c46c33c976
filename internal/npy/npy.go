// Package npy reads and writes NumPy .npy files holding matrices, the format
// external methods exchange data in (see docs/external.md).
//
// It is a thin layer over codeberg.org/sbinet/npyio/npy, which decodes and
// encodes the array data. The library's own header parser panics or
// allocates without bound on some malformed headers (a header without its
// closing newline panics with a slice-bounds error; keys in another order are
// misparsed), and it treats a file that ends early at an element boundary as
// complete. Files written by other programs are untrusted input here, so this
// package parses and checks the header itself — magic, version, length,
// dictionary keys in any order, dtype, shape, and that the data size matches
// the shape exactly — and hands the library only a canonical header followed
// by data of the right length.
//
// Read accepts 1-D and 2-D arrays of float64, float32 and (unsigned)
// integers of 1 to 8 bytes, little or big endian, in C or Fortran order, and
// returns them as a *mat.Dense of float64 (a 1-D array of length n is n × 1).
// Write always writes float64 in C order.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	lib "codeberg.org/sbinet/npyio/npy"
	"gonum.org/v1/gonum/mat"
)

// MaxHeader is the largest header length accepted, in bytes. NumPy writes
// headers of a few hundred bytes for any 2-D array.
const MaxHeader = 1 << 16

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("not a valid .npy file")

// Header is the parsed header of a .npy file.
type Header struct {
	Major, Minor byte
	// Dtype is the array-protocol type string, e.g. "<f8".
	Dtype string
	// Fortran reports column-major data order.
	Fortran bool
	// Shape is the array's shape (empty for a scalar).
	Shape []int
}

var magic = []byte("\x93NUMPY")

// dtype is a supported element type.
type dtype struct {
	kind  byte // 'f', 'i', 'u'
	size  int
	order binary.ByteOrder
}

func parseDtype(s string) (dtype, error) {
	if s == "" {
		return dtype{}, fmt.Errorf("empty dtype")
	}
	var d dtype
	switch s[0] {
	case '<', '=':
		d.order = binary.LittleEndian
	case '>':
		d.order = binary.BigEndian
	case '|':
		d.order = binary.LittleEndian
	default:
		return dtype{}, fmt.Errorf("dtype %q has no byte-order mark", s)
	}
	if len(s) < 3 {
		return dtype{}, fmt.Errorf("dtype %q is not supported (want float64, float32 or an integer type)", s)
	}
	d.kind = s[1]
	n, err := strconv.Atoi(s[2:])
	if err != nil {
		return dtype{}, fmt.Errorf("dtype %q is not supported (want float64, float32 or an integer type)", s)
	}
	d.size = n
	switch {
	case d.kind == 'f' && (n == 4 || n == 8):
	case (d.kind == 'i' || d.kind == 'u') && (n == 1 || n == 2 || n == 4 || n == 8):
	default:
		what := map[byte]string{'b': "boolean", 'c': "complex", 'O': "object", 'U': "unicode string", 'S': "byte string", 'V': "structured", 'M': "datetime", 'm': "timedelta", 'f': "float of this size"}[d.kind]
		if what == "" {
			what = "unknown"
		}
		return dtype{}, fmt.Errorf("dtype %q (%s) is not supported (want float64, float32 or an integer type)", s, what)
	}
	if s[0] == '|' && n != 1 {
		return dtype{}, fmt.Errorf("dtype %q: '|' (no byte order) is only valid for 1-byte types", s)
	}
	return d, nil
}

// canonical returns the dtype string the library expects.
func (d dtype) canonical() string {
	bo := "<"
	if d.order == binary.BigEndian {
		bo = ">"
	}
	if d.size == 1 {
		bo = "|"
	}
	return fmt.Sprintf("%s%c%d", bo, d.kind, d.size)
}

// ParseHeader parses the header at the start of b and returns it with the
// offset at which the data starts.
func ParseHeader(b []byte) (Header, int, error) {
	var h Header
	if len(b) < len(magic)+2 || !bytes.Equal(b[:len(magic)], magic) {
		return h, 0, fmt.Errorf("%w: missing the \\x93NUMPY magic string", ErrFormat)
	}
	h.Major, h.Minor = b[6], b[7]
	var hlen, off int
	switch h.Major {
	case 1:
		if len(b) < 10 {
			return h, 0, fmt.Errorf("%w: truncated header", ErrFormat)
		}
		hlen, off = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return h, 0, fmt.Errorf("%w: truncated header", ErrFormat)
		}
		v := binary.LittleEndian.Uint32(b[8:12])
		if v > MaxHeader {
			return h, 0, fmt.Errorf("%w: header length %d exceeds %d bytes", ErrFormat, v, MaxHeader)
		}
		hlen, off = int(v), 12
	default:
		return h, 0, fmt.Errorf("%w: unsupported format version %d.%d", ErrFormat, h.Major, h.Minor)
	}
	if hlen > len(b)-off {
		return h, 0, fmt.Errorf("%w: header length %d runs past the end of the file (%d bytes)", ErrFormat, hlen, len(b))
	}
	text := string(b[off : off+hlen])
	if !strings.HasSuffix(text, "\n") {
		return h, 0, fmt.Errorf("%w: header does not end with a newline", ErrFormat)
	}
	if err := parseDict(strings.TrimRight(text, " \n"), &h); err != nil {
		return h, 0, fmt.Errorf("%w: header %q: %v", ErrFormat, strings.TrimSpace(text), err)
	}
	return h, off + hlen, nil
}

// parseDict parses the header dictionary: exactly the keys 'descr' (a
// string), 'fortran_order' (True or False) and 'shape' (a tuple of
// non-negative integers), in any order.
func parseDict(s string, h *Header) error {
	p := &parser{s: s}
	if !p.eat('{') {
		return errors.New("want a dictionary in braces")
	}
	seen := map[string]bool{}
	for {
		p.space()
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return fmt.Errorf("key: %v", err)
		}
		if seen[key] {
			return fmt.Errorf("key %q given twice", key)
		}
		seen[key] = true
		p.space()
		if !p.eat(':') {
			return fmt.Errorf("want ':' after key %q", key)
		}
		p.space()
		switch key {
		case "descr":
			if h.Dtype, err = p.str(); err != nil {
				return fmt.Errorf("descr: %v (structured dtypes are not supported)", err)
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.Fortran = true
			case p.word("False"):
				h.Fortran = false
			default:
				return errors.New("fortran_order: want True or False")
			}
		case "shape":
			if h.Shape, err = p.tuple(); err != nil {
				return fmt.Errorf("shape: %v", err)
			}
		default:
			return fmt.Errorf("unexpected key %q", key)
		}
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat('}') {
			return errors.New("want ',' or '}' after a value")
		}
		break
	}
	p.space()
	if p.i != len(p.s) {
		return errors.New("text after the closing brace")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fmt.Errorf("missing key %q", k)
		}
	}
	return nil
}

type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) word(w string) bool {
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *parser) str() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("want a quoted string")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *parser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("want a tuple in parentheses")
	}
	shape := []int{}
	for {
		p.space()
		if p.eat(')') {
			return shape, nil
		}
		j := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if j == p.i {
			return nil, errors.New("want non-negative integers")
		}
		v, err := strconv.Atoi(p.s[j:p.i])
		if err != nil || v > math.MaxInt32 {
			return nil, fmt.Errorf("dimension %q is too large", p.s[j:p.i])
		}
		shape = append(shape, v)
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if !p.eat(')') {
			return nil, errors.New("want ',' or ')' after a dimension")
		}
		return shape, nil
	}
}

// Decode decodes a whole .npy file held in b into a float64 matrix.
func Decode(b []byte) (*mat.Dense, Header, error) {
	h, off, err := ParseHeader(b)
	if err != nil {
		return nil, h, err
	}
	dt, err := parseDtype(h.Dtype)
	if err != nil {
		return nil, h, err
	}
	var rows, cols int
	switch len(h.Shape) {
	case 1:
		rows, cols = h.Shape[0], 1
	case 2:
		rows, cols = h.Shape[0], h.Shape[1]
	default:
		return nil, h, fmt.Errorf("array has shape %v; want a 1-D or 2-D array", h.Shape)
	}
	n := int64(rows) * int64(cols)
	if want, got := n*int64(dt.size), int64(len(b)-off); want != got {
		return nil, h, fmt.Errorf("%w: shape %v of %s needs %d data bytes, the file has %d", ErrFormat, h.Shape, h.Dtype, want, got)
	}
	if n == 0 {
		return nil, h, fmt.Errorf("array has shape %v: it is empty", h.Shape)
	}
	vals, err := decodeData(dt, b[off:])
	if err != nil {
		return nil, h, err
	}
	m := mat.NewDense(rows, cols, nil)
	if h.Fortran {
		for j := 0; j < cols; j++ {
			for i := 0; i < rows; i++ {
				m.Set(i, j, vals[j*rows+i])
			}
		}
	} else {
		copy(m.RawMatrix().Data, vals)
	}
	return m, h, nil
}

// decodeData decodes the data with the library, behind a canonical header.
func decodeData(dt dtype, data []byte) (vals []float64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: decoding the data: %v", ErrFormat, r)
		}
	}()
	var hdr bytes.Buffer
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }", dt.canonical(), len(data)/dt.size)
	dict += strings.Repeat(" ", (64-(10+len(dict)+1)%64)%64) + "\n"
	hdr.Write(magic)
	hdr.Write([]byte{1, 0})
	binary.Write(&hdr, binary.LittleEndian, uint16(len(dict)))
	hdr.WriteString(dict)
	r, err := lib.NewReader(io.MultiReader(&hdr, bytes.NewReader(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	n := len(data) / dt.size
	vals = make([]float64, n)
	read := func(ptr any) error { return r.Read(ptr) }
	switch {
	case dt.kind == 'f' && dt.size == 8:
		err = read(&vals)
	case dt.kind == 'f' && dt.size == 4:
		v := make([]float32, n)
		err = read(&v)
		for i, x := range v {
			vals[i] = float64(x)
		}
	case dt.kind == 'i' && dt.size == 8:
		err = convert[int64](read, vals)
	case dt.kind == 'i' && dt.size == 4:
		err = convert[int32](read, vals)
	case dt.kind == 'i' && dt.size == 2:
		err = convert[int16](read, vals)
	case dt.kind == 'i' && dt.size == 1:
		err = convert[int8](read, vals)
	case dt.kind == 'u' && dt.size == 8:
		err = convert[uint64](read, vals)
	case dt.kind == 'u' && dt.size == 4:
		err = convert[uint32](read, vals)
	case dt.kind == 'u' && dt.size == 2:
		err = convert[uint16](read, vals)
	case dt.kind == 'u' && dt.size == 1:
		err = convert[uint8](read, vals)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: decoding the data: %v", ErrFormat, err)
	}
	return vals, nil
}

func convert[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](read func(any) error, out []float64) error {
	v := make([]T, len(out))
	if err := read(&v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	for i, x := range v {
		out[i] = float64(x)
	}
	return nil
}

// ReadFile reads the .npy file at path, which must not exceed maxBytes
// (0 means no limit), into a float64 matrix. Errors name the file.
func ReadFile(path string, maxBytes int64) (*mat.Dense, Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Header{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, Header{}, err
	}
	if !st.Mode().IsRegular() {
		return nil, Header{}, fmt.Errorf("%s is not a regular file", path)
	}
	if maxBytes > 0 && st.Size() > maxBytes {
		return nil, Header{}, fmt.Errorf("%s is %d bytes; at most %d are read", path, st.Size(), maxBytes)
	}
	b, err := io.ReadAll(io.LimitReader(f, st.Size()+1))
	if err != nil {
		return nil, Header{}, fmt.Errorf("reading %s: %w", path, err)
	}
	m, h, err := Decode(b)
	if err != nil {
		return nil, h, fmt.Errorf("%s: %w", path, err)
	}
	return m, h, nil
}

// Write writes m as a float64 array in C order.
func Write(w io.Writer, m mat.Matrix) error {
	d := mat.DenseCopyOf(m)
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := lib.Write(bw, d); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteFile writes m to path as a float64 array in C order.
func WriteFile(path string, m mat.Matrix) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(f, m); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
