package matfile

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math"
)

// testVar is one variable for the test-only writer.
type testVar struct {
	name       string
	class      uint8  // mxCLASS value, 6 (double) when zero
	flags      uint8  // array flag bits (complex, logical)
	storage    uint32 // mi type of the real part, miDOUBLE when zero
	dims       []int
	data       []float64 // column-major values, converted to storage
	compressed bool
}

// matWriter writes Level 5 MAT-files for tests, in either byte order.
type matWriter struct {
	bo  binary.ByteOrder
	buf bytes.Buffer
}

func newMatWriter(bo binary.ByteOrder) *matWriter {
	w := &matWriter{bo: bo}
	text := []byte("MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: test")
	hdr := make([]byte, 128)
	for i := range 116 {
		hdr[i] = ' '
	}
	copy(hdr, text)
	bo.PutUint16(hdr[124:], 0x0100)
	bo.PutUint16(hdr[126:], 'M'<<8|'I')
	w.buf.Write(hdr)
	return w
}

// element returns a tagged data element, padded to 8 bytes, in the small
// format when the data fit in 4 bytes and small is set.
func (w *matWriter) element(typ uint32, data []byte, small bool) []byte {
	if small && len(data) <= 4 && len(data) > 0 {
		out := make([]byte, 8)
		w.bo.PutUint32(out, uint32(len(data))<<16|typ)
		copy(out[4:], data)
		return out
	}
	out := make([]byte, 8+pad8(int64(len(data))))
	w.bo.PutUint32(out, typ)
	w.bo.PutUint32(out[4:], uint32(len(data)))
	copy(out[8:], data)
	return out
}

// encode converts values to storage type t.
func (w *matWriter) encode(t uint32, vals []float64) []byte {
	size := numericSize(t)
	out := make([]byte, size*len(vals))
	for k, v := range vals {
		b := out[size*k:]
		switch t {
		case miUINT8:
			b[0] = uint8(v)
		case miINT8:
			b[0] = uint8(int8(v))
		case miUINT16:
			w.bo.PutUint16(b, uint16(v))
		case miINT16:
			w.bo.PutUint16(b, uint16(int16(v)))
		case miUINT32:
			w.bo.PutUint32(b, uint32(v))
		case miINT32:
			w.bo.PutUint32(b, uint32(int32(v)))
		case miSINGLE:
			w.bo.PutUint32(b, math.Float32bits(float32(v)))
		case miUINT64:
			w.bo.PutUint64(b, uint64(v))
		case miINT64:
			w.bo.PutUint64(b, uint64(int64(v)))
		case miDOUBLE:
			w.bo.PutUint64(b, math.Float64bits(v))
		}
	}
	return out
}

// matrix returns the miMATRIX element (tag included) of v.
func (w *matWriter) matrix(v testVar) []byte {
	class, storage := v.class, v.storage
	if class == 0 {
		class = 6
	}
	if storage == 0 {
		storage = miDOUBLE
	}
	var body bytes.Buffer
	fl := make([]byte, 8)
	w.bo.PutUint32(fl, uint32(class)|uint32(v.flags)<<8)
	body.Write(w.element(miUINT32, fl, false))
	dims := make([]byte, 4*len(v.dims))
	for k, d := range v.dims {
		w.bo.PutUint32(dims[4*k:], uint32(int32(d)))
	}
	body.Write(w.element(miINT32, dims, false))
	body.Write(w.element(miINT8, []byte(v.name), true))
	body.Write(w.element(storage, w.encode(storage, v.data), true))
	return w.element(miMATRIX, body.Bytes(), false)
}

// add appends variable v, compressed when v.compressed is set.
func (w *matWriter) add(v testVar) *matWriter {
	m := w.matrix(v)
	if !v.compressed {
		w.buf.Write(m)
		return w
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(m)
	zw.Close()
	tag := make([]byte, 8)
	w.bo.PutUint32(tag, miCOMPRESSED)
	w.bo.PutUint32(tag[4:], uint32(z.Len()))
	w.buf.Write(tag)
	w.buf.Write(z.Bytes()) // MATLAB does not pad compressed elements
	return w
}

func (w *matWriter) bytes() []byte { return bytes.Clone(w.buf.Bytes()) }

// writeMAT returns a little-endian MAT-file holding vars.
func writeMAT(vars ...testVar) []byte {
	w := newMatWriter(binary.LittleEndian)
	for _, v := range vars {
		w.add(v)
	}
	return w.bytes()
}
