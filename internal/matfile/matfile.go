// Package matfile is a small, strict reader for numeric arrays in MATLAB
// MAT-files of Level 5 (the format MATLAB writes with save -v6 and -v7).
//
// Contract: Read and Parse return every variable of the file as an Array of
// float64 values in MATLAB's column-major order, whatever numeric type
// (miINT8 … miUINT64, miSINGLE, miDOUBLE) stored it on disk. Variables may
// be plain miMATRIX elements or zlib-compressed miCOMPRESSED elements, in
// little- or big-endian files. Anything else is rejected with an *Error that
// names the file, the variable and the byte offset at fault: a bad header,
// truncated data, corrupt zlib streams, sizes that do not add up, complex,
// sparse, cell, struct, object and char arrays (ErrUnsupported), and v7.3
// files, which are HDF5 containers (ErrUnsupported). The reader never panics
// on malformed input, and never allocates for a size the file declares
// before the data are there: a compressed element's buffer grows as it
// inflates.
//
// The format is described in MathWorks' "MAT-File Format" document: a
// 128-byte header (116 bytes of text, 8 bytes of subsystem offset, a 2-byte
// version 0x0100 and the 2-byte endian indicator "IM" or "MI"), then data
// elements, each an 8-byte tag (type, byte count) followed by the data padded
// to 8 bytes, or a 4-byte "small data element" packing type, count and up to
// 4 data bytes into one 8-byte word.
package matfile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// Array is one numeric MATLAB variable.
type Array struct {
	Name    string    // variable name
	Class   string    // MATLAB class, e.g. "double" or "uint8"
	Storage string    // on-disk type of the data, e.g. "miDOUBLE" or "miUINT8"
	Logical bool      // the MATLAB logical flag was set
	Dims    []int     // dimensions, at least two
	Data    []float64 // product(Dims) values in column-major order
}

// Len returns the number of elements, the product of Dims.
func (a *Array) Len() int { return len(a.Data) }

// ErrMalformed marks input that is not a well-formed Level 5 MAT-file.
var ErrMalformed = errors.New("malformed MAT-file")

// ErrUnsupported marks well-formed content that this reader does not handle.
var ErrUnsupported = errors.New("unsupported MAT-file content")

// Error describes why a MAT-file was rejected and where.
type Error struct {
	Path   string // file name, empty when reading from an io.Reader
	Var    string // variable name, empty when not yet known
	Index  int    // 1-based number of the top-level element, 0 for the header
	Offset int64  // byte offset in the file of the element or field at fault
	// Inner is the offset within the decompressed data of an miCOMPRESSED
	// element, or -1 when the fault is not inside one.
	Inner int64
	Msg   string // what was wrong or expected
	Kind  error  // ErrMalformed or ErrUnsupported
	Err   error  // underlying cause (e.g. a zlib error), may be nil
}

// Error formats the location and the message.
func (e *Error) Error() string {
	var b bytes.Buffer
	b.WriteString("matfile: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	switch {
	case e.Var != "":
		fmt.Fprintf(&b, "variable %q: ", e.Var)
	case e.Index > 0:
		fmt.Fprintf(&b, "element #%d: ", e.Index)
	}
	fmt.Fprintf(&b, "at byte %d", e.Offset)
	if e.Inner >= 0 {
		fmt.Fprintf(&b, " (offset %d in the decompressed element)", e.Inner)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the error kind and the underlying cause, so errors.Is works
// with ErrMalformed, ErrUnsupported and causes such as zlib.ErrChecksum.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// ReadFile reads all variables of the MAT-file at path.
func ReadFile(path string) (map[string]*Array, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("matfile: %w", err)
	}
	m, err := Parse(b)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Path = path
		}
		return nil, err
	}
	return m, nil
}

// Read reads all variables of a MAT-file from r.
func Read(r io.Reader) (map[string]*Array, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("matfile: reading input: %w", err)
	}
	return Parse(b)
}

// MAT-file data types (the "mi" constants of the format).
const (
	miINT8       = 1
	miUINT8      = 2
	miINT16      = 3
	miUINT16     = 4
	miINT32      = 5
	miUINT32     = 6
	miSINGLE     = 7
	miDOUBLE     = 9
	miINT64      = 12
	miUINT64     = 13
	miMATRIX     = 14
	miCOMPRESSED = 15
	miUTF8       = 16
	miUTF16      = 17
	miUTF32      = 18
)

var typeNames = map[uint32]string{
	miINT8: "miINT8", miUINT8: "miUINT8", miINT16: "miINT16", miUINT16: "miUINT16",
	miINT32: "miINT32", miUINT32: "miUINT32", miSINGLE: "miSINGLE", miDOUBLE: "miDOUBLE",
	miINT64: "miINT64", miUINT64: "miUINT64", miMATRIX: "miMATRIX", miCOMPRESSED: "miCOMPRESSED",
	miUTF8: "miUTF8", miUTF16: "miUTF16", miUTF32: "miUTF32",
}

func typeName(t uint32) string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("unknown type %d", t)
}

// numericSize is the element size in bytes of the numeric storage types.
func numericSize(t uint32) int {
	switch t {
	case miINT8, miUINT8:
		return 1
	case miINT16, miUINT16:
		return 2
	case miINT32, miUINT32, miSINGLE:
		return 4
	case miDOUBLE, miINT64, miUINT64:
		return 8
	}
	return 0
}

// MATLAB array classes (mxCLASS values).
var classNames = [...]string{
	1: "cell", 2: "struct", 3: "object", 4: "char", 5: "sparse", 6: "double", 7: "single",
	8: "int8", 9: "uint8", 10: "int16", 11: "uint16", 12: "int32", 13: "uint32",
	14: "int64", 15: "uint64", 16: "function handle", 17: "opaque",
}

func className(c uint8) string {
	if int(c) < len(classNames) && classNames[c] != "" {
		return classNames[c]
	}
	return fmt.Sprintf("unknown class %d", c)
}

const headerLen = 128

// Array flag bits (byte 2 of the first flags word).
const (
	flagComplex = 0x08
	flagLogical = 0x02
)

// maxInflateRatio bounds how many bytes deflate can produce per compressed
// byte (the format's limit is about 1032); larger declared sizes are corrupt.
const maxInflateRatio = 1040

// maxEmptySpan bounds the product of the non-zero dimensions of an empty
// array (a non-empty one is bounded by the bytes that hold its values).
const maxEmptySpan = 1 << 40

// Parse decodes all variables of the MAT-file held in data.
func Parse(data []byte) (map[string]*Array, error) {
	p := &parser{buf: data}
	if err := p.header(); err != nil {
		return nil, err
	}
	out := make(map[string]*Array)
	off := headerLen
	for idx := 1; off < len(data); idx++ {
		p.idx, p.elemOff, p.varName = idx, int64(off), ""
		a, next, err := p.topElement(off)
		if err != nil {
			return nil, err
		}
		if _, dup := out[a.Name]; dup {
			p.varName = a.Name
			return nil, p.errAt(-1, ErrMalformed, nil, "variable name occurs twice in the file")
		}
		out[a.Name] = a
		off = next
	}
	return out, nil
}

type parser struct {
	buf     []byte
	bo      binary.ByteOrder
	idx     int    // current top-level element number
	elemOff int64  // file offset of the current top-level element
	varName string // current variable name, once known
	inZip   bool   // parsing decompressed data of an miCOMPRESSED element
}

// errAt builds an error at offset off: a file offset, or, when parsing a
// compressed element, an offset in the decompressed data (-1: the element).
func (p *parser) errAt(off int64, kind, cause error, format string, args ...any) error {
	e := &Error{Var: p.varName, Index: p.idx, Offset: p.elemOff, Inner: -1, Kind: kind, Err: cause, Msg: fmt.Sprintf(format, args...)}
	switch {
	case p.inZip:
		e.Inner = max(off, 0)
	case off >= 0:
		e.Offset = off
	}
	return e
}

var hdf5Signature = []byte("\x89HDF\r\n\x1a\n")

func (p *parser) header() error {
	b := p.buf
	if len(b) >= 512+8 && bytes.Equal(b[512:520], hdf5Signature) || len(b) >= 8 && bytes.Equal(b[:8], hdf5Signature) {
		return p.errAt(0, ErrUnsupported, nil, "this is a MATLAB v7.3 MAT-file, which is an HDF5 container; only Level 5 files (save -v7 or -v6) are supported")
	}
	if len(b) < headerLen {
		return p.errAt(int64(len(b)), ErrMalformed, nil, "file has %d bytes, shorter than the 128-byte MAT-file header", len(b))
	}
	if bytes.HasPrefix(b, []byte("MATLAB 7.3 MAT-file")) {
		return p.errAt(0, ErrUnsupported, nil, "this is a MATLAB v7.3 MAT-file (HDF5); only Level 5 files (save -v7 or -v6) are supported")
	}
	switch string(b[126:128]) {
	case "IM":
		p.bo = binary.LittleEndian
	case "MI":
		p.bo = binary.BigEndian
	default:
		return p.errAt(126, ErrMalformed, nil, "endian indicator is %q, want \"IM\" or \"MI\"; not a Level 5 MAT-file (Level 4 files are not supported)", b[126:128])
	}
	switch v := p.bo.Uint16(b[124:126]); v {
	case 0x0100:
	case 0x0200:
		return p.errAt(124, ErrUnsupported, nil, "header version 0x0200 marks a MATLAB v7.3 (HDF5) MAT-file; only Level 5 files are supported")
	default:
		return p.errAt(124, ErrMalformed, nil, "header version is 0x%04x, want 0x0100", v)
	}
	return nil
}

// topElement decodes the top-level element at off and returns the offset of
// the next one.
func (p *parser) topElement(off int) (*Array, int, error) {
	b := p.buf
	if len(b)-off < 8 {
		return nil, 0, p.errAt(int64(off), ErrMalformed, nil, "truncated: %d trailing bytes, too short for an 8-byte data element tag", len(b)-off)
	}
	w0 := p.bo.Uint32(b[off:])
	if w0>>16 != 0 {
		return nil, 0, p.errAt(int64(off), ErrMalformed, nil, "top-level element uses the small data element format (type %s); want miMATRIX or miCOMPRESSED", typeName(w0&0xffff))
	}
	typ, n := w0, int64(p.bo.Uint32(b[off+4:]))
	start := int64(off) + 8
	if avail := int64(len(b)) - start; n > avail {
		return nil, 0, p.errAt(int64(off), ErrMalformed, nil, "truncated: %s element declares %d bytes but only %d remain in the file", typeName(typ), n, avail)
	}
	body := b[start : start+n]
	switch typ {
	case miMATRIX:
		a, err := p.matrix(b[off:start+n], int64(off))
		if err != nil {
			return nil, 0, err
		}
		next := start + pad8(n)
		if next > int64(len(b)) { // tolerate a missing final padding
			next = int64(len(b))
		}
		return a, int(next), nil
	case miCOMPRESSED:
		inner, err := p.inflate(body, int64(off))
		if err != nil {
			return nil, 0, err
		}
		p.inZip = true
		defer func() { p.inZip = false }()
		a, err := p.matrix(inner, 0)
		if err != nil {
			return nil, 0, err
		}
		return a, int(start + n), nil // compressed elements are not padded
	default:
		return nil, 0, p.errAt(int64(off), ErrMalformed, nil, "top-level element has type %s; want miMATRIX (14) or miCOMPRESSED (15)", typeName(typ))
	}
}

// inflate decompresses an miCOMPRESSED payload, checks that it holds exactly
// one miMATRIX element and returns that element with its 8-byte tag.
func (p *parser) inflate(z []byte, off int64) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, p.errAt(off+8, ErrMalformed, err, "miCOMPRESSED element does not start with a valid zlib header")
	}
	defer zr.Close()
	var tag [8]byte
	if _, err := io.ReadFull(zr, tag[:]); err != nil {
		return nil, p.errAt(off+8, ErrMalformed, err, "cannot decompress the tag of the compressed element")
	}
	w0 := p.bo.Uint32(tag[:])
	if w0 != miMATRIX {
		return nil, p.errAt(off+8, ErrMalformed, nil, "compressed element holds type %s; want miMATRIX", typeName(w0&0xffff))
	}
	n := int64(p.bo.Uint32(tag[4:]))
	if n > maxInflateRatio*int64(len(z))+1024 {
		return nil, p.errAt(off, ErrMalformed, nil, "compressed element declares %d decompressed bytes, impossible from %d compressed bytes", n, len(z))
	}
	out, err := readUpTo(zr, tag[:], 8+n)
	if err == nil && int64(len(out)) < 8+n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, p.errAt(off+8, ErrMalformed, err, "compressed element ends before the %d bytes its miMATRIX declares", n)
	}
	// Reading to the end verifies the zlib checksum.
	var extra [1]byte
	k, err := io.ReadFull(zr, extra[:])
	switch {
	case k > 0:
		return nil, p.errAt(off+8, ErrMalformed, nil, "compressed element holds data beyond its %d-byte miMATRIX", n)
	case err != io.EOF:
		return nil, p.errAt(off+8, ErrMalformed, err, "corrupt zlib stream")
	}
	return out, nil
}

// firstChunk is the most readUpTo allocates before any data have arrived.
const firstChunk = 1 << 20

// readUpTo returns head followed by bytes of r, n bytes in all unless r
// ends first, without trusting n for the allocation: the buffer starts at
// min(n, firstChunk) bytes and doubles (up to n) only when the data already
// decompressed fill it, so an element declaring a huge size over a short
// stream costs at most firstChunk bytes, and a valid one at most about
// twice its size.
func readUpTo(r io.Reader, head []byte, n int64) ([]byte, error) {
	buf := make([]byte, len(head), max(int64(len(head)), min(n, firstChunk)))
	copy(buf, head)
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

func pad8(n int64) int64 { return (n + 7) &^ 7 }

// element is one decoded sub-element.
type element struct {
	typ  uint32
	data []byte
	off  int64 // offset of the tag, in the parser's offset space
}

// next decodes the sub-element at local offset i of b (whose first byte is
// at offset base) and returns the local offset after it.
func (p *parser) next(b []byte, i int, base int64, what string) (element, int, error) {
	at := base + int64(i)
	if len(b)-i < 8 {
		return element{}, 0, p.errAt(at, ErrMalformed, nil, "truncated: %s expected, but only %d bytes remain in the miMATRIX element", what, len(b)-i)
	}
	w0 := p.bo.Uint32(b[i:])
	if n := int(w0 >> 16); n != 0 { // small data element: type and size packed in 4 bytes
		if n > 4 {
			return element{}, 0, p.errAt(at, ErrMalformed, nil, "small data element for %s declares %d bytes; at most 4 fit", what, n)
		}
		return element{typ: w0 & 0xffff, data: b[i+4 : i+4+n], off: at}, i + 8, nil
	}
	n := int64(p.bo.Uint32(b[i+4:]))
	if avail := int64(len(b) - i - 8); n > avail {
		return element{}, 0, p.errAt(at, ErrMalformed, nil, "sizes do not add up: %s declares %d bytes but only %d remain in the miMATRIX element", what, n, avail)
	}
	end := int64(i) + 8 + pad8(n)
	if end > int64(len(b)) { // tolerate missing padding of the last sub-element
		end = int64(len(b))
	}
	return element{typ: w0, data: b[i+8 : int64(i)+8+n], off: at}, int(end), nil
}

// matrix decodes the miMATRIX element elem (8-byte tag included) whose tag
// is at offset tagOff of the parser's offset space.
func (p *parser) matrix(elem []byte, tagOff int64) (*Array, error) {
	body := elem[8:]
	bb := tagOff + 8
	if len(body) == 0 {
		return nil, p.errAt(tagOff, ErrMalformed, nil, "empty miMATRIX element has no variable name")
	}
	i := 0
	// Array flags: miUINT32, 8 bytes.
	fl, i, err := p.next(body, i, bb, "array flags")
	if err != nil {
		return nil, err
	}
	if fl.typ != miUINT32 || len(fl.data) != 8 {
		return nil, p.errAt(fl.off, ErrMalformed, nil, "array flags must be 8 bytes of miUINT32, got %d bytes of %s", len(fl.data), typeName(fl.typ))
	}
	w := p.bo.Uint32(fl.data)
	class, flags := uint8(w), uint8(w>>8)
	// Dimensions: miINT32, at least two.
	dm, i, err := p.next(body, i, bb, "dimensions array")
	if err != nil {
		return nil, err
	}
	if dm.typ != miINT32 || len(dm.data)%4 != 0 || len(dm.data) < 8 {
		return nil, p.errAt(dm.off, ErrMalformed, nil, "dimensions must be at least two miINT32 values, got %d bytes of %s", len(dm.data), typeName(dm.typ))
	}
	dims := make([]int, len(dm.data)/4)
	for k := range dims {
		d := int32(p.bo.Uint32(dm.data[4*k:]))
		if d < 0 {
			return nil, p.errAt(dm.off, ErrMalformed, nil, "dimension %d is negative (%d)", k+1, d)
		}
		dims[k] = int(d)
	}
	// total = product(dims), saturated at limit+1: each value takes at least
	// one byte, so more values than bytes cannot be right (and cannot overflow).
	limit := len(elem)
	total := 1
	for _, d := range dims {
		if d == 0 {
			total = 0
			break
		}
	}
	if total != 0 {
		for _, d := range dims {
			if total > limit/d {
				total = limit + 1
				break
			}
			total *= d
		}
	}
	// Array name: miINT8 (or miUINT8/miUTF8) characters.
	nm, i, err := p.next(body, i, bb, "array name")
	if err != nil {
		return nil, err
	}
	if nm.typ != miINT8 && nm.typ != miUINT8 && nm.typ != miUTF8 {
		return nil, p.errAt(nm.off, ErrMalformed, nil, "array name must be miINT8 text, got %s", typeName(nm.typ))
	}
	name := string(nm.data)
	if name == "" {
		return nil, p.errAt(nm.off, ErrMalformed, nil, "variable has an empty name")
	}
	p.varName = name
	switch {
	case class >= 6 && class <= 15:
	case class == 0 || int(class) >= len(classNames) || classNames[class] == "":
		return nil, p.errAt(fl.off, ErrMalformed, nil, "array class %d is not a MATLAB class", class)
	default:
		return nil, p.errAt(fl.off, ErrUnsupported, nil, "%s arrays are not supported; only real numeric arrays (double, single, int8 … uint64) are", className(class))
	}
	if flags&flagComplex != 0 {
		return nil, p.errAt(fl.off, ErrUnsupported, nil, "complex arrays are not supported; only real numeric arrays are")
	}
	if total > limit {
		return nil, p.errAt(dm.off, ErrMalformed, nil, "sizes do not add up: dimensions %v need more values than the %d-byte element can hold", dims, limit)
	}
	if total == 0 {
		// An empty array holds no values, but its other sizes must still
		// multiply to a sane count: callers compute such products.
		span := int64(1)
		for _, d := range dims {
			if d == 0 {
				continue
			}
			if int64(d) > maxEmptySpan/span {
				return nil, p.errAt(dm.off, ErrMalformed, nil, "sizes do not add up: the non-zero dimensions of the empty array %v multiply to more than 2^40", dims)
			}
			span *= int64(d)
		}
	}
	// Real part.
	re, i, err := p.next(body, i, bb, "real part data")
	if err != nil {
		return nil, err
	}
	size := numericSize(re.typ)
	if size == 0 {
		return nil, p.errAt(re.off, ErrMalformed, nil, "real part has type %s; want a numeric type (miINT8 … miUINT64, miSINGLE, miDOUBLE)", typeName(re.typ))
	}
	if len(re.data)%size != 0 || len(re.data)/size != total {
		return nil, p.errAt(re.off, ErrMalformed, nil, "sizes do not add up: real part has %d bytes of %s (%g values) but dimensions %v need %d values", len(re.data), typeName(re.typ), float64(len(re.data))/float64(size), dims, total)
	}
	if i < len(body) {
		return nil, p.errAt(bb+int64(i), ErrMalformed, nil, "%d unexpected bytes after the real part of a real array", len(body)-i)
	}
	return &Array{
		Name:    name,
		Class:   className(class),
		Storage: typeName(re.typ),
		Logical: flags&flagLogical != 0,
		Dims:    dims,
		Data:    p.convert(re.typ, re.data, total),
	}, nil
}

// convert decodes n values of numeric storage type t to float64.
func (p *parser) convert(t uint32, b []byte, n int) []float64 {
	out := make([]float64, n)
	bo := p.bo
	switch t {
	case miUINT8:
		for k, v := range b[:n] {
			out[k] = float64(v)
		}
	case miINT8:
		for k, v := range b[:n] {
			out[k] = float64(int8(v))
		}
	case miUINT16:
		for k := range out {
			out[k] = float64(bo.Uint16(b[2*k:]))
		}
	case miINT16:
		for k := range out {
			out[k] = float64(int16(bo.Uint16(b[2*k:])))
		}
	case miUINT32:
		for k := range out {
			out[k] = float64(bo.Uint32(b[4*k:]))
		}
	case miINT32:
		for k := range out {
			out[k] = float64(int32(bo.Uint32(b[4*k:])))
		}
	case miSINGLE:
		for k := range out {
			out[k] = float64(math.Float32frombits(bo.Uint32(b[4*k:])))
		}
	case miUINT64:
		for k := range out {
			out[k] = float64(bo.Uint64(b[8*k:]))
		}
	case miINT64:
		for k := range out {
			out[k] = float64(int64(bo.Uint64(b[8*k:])))
		}
	case miDOUBLE:
		for k := range out {
			out[k] = math.Float64frombits(bo.Uint64(b[8*k:]))
		}
	}
	return out
}
