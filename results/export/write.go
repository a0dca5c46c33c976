package export

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Formats of the exported tables.
const (
	CSV     = "csv"
	JSONL   = "jsonl"
	Parquet = "parquet"
)

// Formats lists the supported formats.
var Formats = []string{CSV, JSONL, Parquet}

// Column describes one exported column.
type Column struct {
	Name string `json:"name"`
	// Type is one of int32, int64, uint64, float64, string, bool; Nullable
	// columns may hold null (empty in CSV).
	Type     string `json:"type"`
	Nullable bool   `json:"nullable,omitempty"`
}

// field is how a struct field of a row type is written.
type field struct {
	index int
	col   Column
}

// fieldsOf returns the columns of row type T in field order.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		ft := f.Type
		c := Column{Name: name}
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
			c.Nullable = true
		}
		c.Type = ft.Kind().String()
		out = append(out, field{index: i, col: c})
	}
	return out
}

// Columns returns the columns of row type T (one of this package's table
// types), in order.
func Columns[T any]() []Column {
	var cols []Column
	for _, f := range fieldsOf(reflect.TypeFor[T]()) {
		cols = append(cols, f.col)
	}
	return cols
}

// sink writes rows of one table to one file.
type sink[T any] struct {
	path   string
	format string
	f      *os.File
	bw     *bufio.Writer
	cw     *csv.Writer
	pw     *parquet.GenericWriter[T]
	fields []field
	batch  []T
	rec    []string
	rows   int
}

// newSink creates dir/name.format and, for CSV, writes the header.
func newSink[T any](dir, name, format string) (*sink[T], error) {
	path := dir + string(os.PathSeparator) + name + "." + format
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", name, err)
	}
	s := &sink[T]{path: path, format: format, f: f, fields: fieldsOf(reflect.TypeFor[T]())}
	switch format {
	case CSV:
		s.bw = bufio.NewWriterSize(f, 1<<16)
		s.cw = csv.NewWriter(s.bw)
		hdr := make([]string, len(s.fields))
		for i, fl := range s.fields {
			hdr[i] = fl.col.Name
		}
		if err := s.cw.Write(hdr); err != nil {
			f.Close()
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
	case JSONL:
		s.bw = bufio.NewWriterSize(f, 1<<16)
	case Parquet:
		s.pw = parquet.NewGenericWriter[T](f, parquet.Compression(&parquet.Snappy))
	default:
		f.Close()
		return nil, fmt.Errorf("unknown export format %q (choose %s)", format, strings.Join(Formats, ", "))
	}
	return s, nil
}

// Write appends one row.
func (s *sink[T]) Write(row T) error {
	s.rows++
	switch s.format {
	case Parquet:
		s.batch = append(s.batch, row)
		if len(s.batch) == 4096 {
			return s.flushBatch()
		}
		return nil
	case CSV:
		v := reflect.ValueOf(row)
		s.rec = s.rec[:0]
		for _, fl := range s.fields {
			s.rec = append(s.rec, csvValue(v.Field(fl.index)))
		}
		if err := s.cw.Write(s.rec); err != nil {
			return fmt.Errorf("write %s: %w", s.path, err)
		}
		return nil
	default: // JSONL
		v := reflect.ValueOf(row)
		s.bw.WriteByte('{')
		for i, fl := range s.fields {
			if i > 0 {
				s.bw.WriteByte(',')
			}
			s.bw.WriteString(strconv.Quote(fl.col.Name))
			s.bw.WriteByte(':')
			if err := jsonValue(s.bw, v.Field(fl.index)); err != nil {
				return fmt.Errorf("write %s: %w", s.path, err)
			}
		}
		_, err := s.bw.WriteString("}\n")
		return err
	}
}

func (s *sink[T]) flushBatch() error {
	if len(s.batch) == 0 {
		return nil
	}
	if _, err := s.pw.Write(s.batch); err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	s.batch = s.batch[:0]
	return nil
}

// Close finishes the file.
func (s *sink[T]) Close() error {
	var err error
	switch s.format {
	case Parquet:
		err = s.flushBatch()
		if cerr := s.pw.Close(); err == nil {
			err = cerr
		}
	case CSV:
		s.cw.Flush()
		err = s.cw.Error()
		if ferr := s.bw.Flush(); err == nil {
			err = ferr
		}
	default:
		err = s.bw.Flush()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	return nil
}

// csvValue formats one value for CSV: floats in the shortest form that
// reads back to the same float64 (NaN, inf, -inf for the non-finite), null
// as the empty field, booleans as true/false.
func csvValue(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float64:
		x := v.Float()
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "inf"
		case math.IsInf(x, -1):
			return "-inf"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	default:
		return v.String()
	}
}

// jsonValue writes one value as JSON: non-finite floats, which JSON cannot
// represent, and nulls as null.
func jsonValue(w *bufio.Writer, v reflect.Value) error {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			_, err := w.WriteString("null")
			return err
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Float64:
		x := v.Float()
		if math.IsNaN(x) || math.IsInf(x, 0) {
			_, err := w.WriteString("null")
			return err
		}
		_, err := w.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
		return err
	case reflect.String:
		b, err := json.Marshal(v.String())
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	default:
		_, err := w.WriteString(csvValue(v))
		return err
	}
}
