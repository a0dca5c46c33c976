package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/pyfind"
)

// want is the 3 × 4 matrix the float fixtures hold (written by NumPy:
// np.arange(12).reshape(3, 4) * 0.5 - 1.25).
func want() *mat.Dense {
	m := mat.NewDense(3, 4, nil)
	for i := 0; i < 3; i++ {
		for j := 0; j < 4; j++ {
			m.Set(i, j, float64(i*4+j)*0.5-1.25)
		}
	}
	return m
}

func wantInt(off float64) *mat.Dense {
	m := mat.NewDense(3, 4, nil)
	for i := 0; i < 3; i++ {
		for j := 0; j < 4; j++ {
			m.Set(i, j, float64(i*4+j)+off)
		}
	}
	return m
}

// TestReadFixtures reads files written by NumPy 1.24 in every supported
// dtype and both orders.
func TestReadFixtures(t *testing.T) {
	for _, c := range []struct {
		file    string
		want    *mat.Dense
		dtype   string
		fortran bool
	}{
		{"f8_c.npy", want(), "<f8", false},
		{"f8_f.npy", want(), "<f8", true},
		{"f4_c.npy", want(), "<f4", false},
		{"f4_f.npy", want(), "<f4", true},
		{"f8_be.npy", want(), ">f8", false},
		{"i8_c.npy", wantInt(-5), "<i8", false},
		{"i4_f.npy", wantInt(-5), "<i4", true},
		{"i2_c.npy", wantInt(-5), "<i2", false},
		{"u1_c.npy", wantInt(0), "|u1", false},
		{"f8_1d.npy", mat.NewDense(3, 1, []float64{1.5, -2, 3.25}), "<f8", false},
	} {
		t.Run(c.file, func(t *testing.T) {
			m, h, err := ReadFile(filepath.Join("testdata", c.file), 0)
			if err != nil {
				t.Fatal(err)
			}
			if h.Dtype != c.dtype || h.Fortran != c.fortran {
				t.Errorf("header %+v; want dtype %s fortran %v", h, c.dtype, c.fortran)
			}
			if !mat.Equal(m, c.want) {
				t.Errorf("got\n%v\nwant\n%v", mat.Formatted(m), mat.Formatted(c.want))
			}
		})
	}
}

// TestRejectFixtures: unsupported NumPy arrays give errors naming the reason.
func TestRejectFixtures(t *testing.T) {
	for file, msg := range map[string]string{
		"bool.npy":    "boolean",
		"c16.npy":     "complex",
		"str.npy":     "unicode string",
		"f8_3d.npy":   "want a 1-D or 2-D array",
		"empty.npy":   "empty",
		"missing.npy": "no such file",
	} {
		_, _, err := ReadFile(filepath.Join("testdata", file), 0)
		if err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), file) {
			t.Errorf("%s: error %v; want one naming the file and containing %q", file, err, msg)
		}
	}
	if _, _, err := ReadFile(filepath.Join("testdata", "f8_c.npy"), 100); err == nil || !strings.Contains(err.Error(), "at most 100") {
		t.Errorf("size limit: error %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, m := range []*mat.Dense{want(), mat.NewDense(1, 1, []float64{-0.0}), mat.NewDense(2, 3, []float64{1e-310, 1e300, -7, 0, 3.5, 2})} {
		var buf bytes.Buffer
		if err := Write(&buf, m); err != nil {
			t.Fatal(err)
		}
		got, h, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if h.Dtype != "<f8" || h.Fortran {
			t.Errorf("written header %+v; want <f8 in C order", h)
		}
		if !mat.Equal(got, m) {
			t.Errorf("round trip changed the matrix:\n%v\n%v", mat.Formatted(got), mat.Formatted(m))
		}
	}
	// A view (stride ≠ columns) is written by value.
	big := wantInt(0)
	view := big.Slice(1, 3, 1, 3)
	var buf bytes.Buffer
	if err := Write(&buf, view); err != nil {
		t.Fatal(err)
	}
	got, _, err := Decode(buf.Bytes())
	if err != nil || !mat.Equal(got, view) {
		t.Errorf("view: %v %v", err, got)
	}
}

// python returns an interpreter that imports NumPy, or skips.
func python(t *testing.T) string {
	t.Helper()
	path := pyfind.Find("numpy")
	if path == "" {
		t.Skip("no python3 that imports numpy (install python3-numpy, or set NMFBENCH_PYTHON)")
	}
	return path
}

// TestNumPyRoundTrip: NumPy reads what Write writes, bit for bit, and
// writes every dtype and order that ReadFile reads back.
func TestNumPyRoundTrip(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	m := mat.NewDense(3, 2, []float64{0.1, -2e-300, 3, 1e308, 5.5, -6})
	if err := WriteFile(filepath.Join(dir, "go.npy"), m); err != nil {
		t.Fatal(err)
	}
	script := `
import numpy as np, sys
d = sys.argv[1]
a = np.load(d + "/go.npy")
assert a.dtype == np.float64 and a.shape == (3, 2) and a.flags.c_contiguous, (a.dtype, a.shape)
want = np.array([[0.1, -2e-300], [3, 1e308], [5.5, -6]])
assert (a == want).all(), a
for dt in ["<f8", ">f8", "<f4", "<i8", "<i4", "|u1"]:
    b = (np.arange(12).reshape(3, 4) * (0.5 if dt[1] == "f" else 1)).astype(dt)
    np.save(d + "/c_%s.npy" % dt[1:], b)
    np.save(d + "/f_%s.npy" % dt[1:], np.asfortranarray(b))
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	for _, dt := range []string{"f8", "f4", "i8", "i4", "u1"} {
		scale := 1.0
		if dt[0] == 'f' {
			scale = 0.5
		}
		w := wantInt(0)
		w.Scale(scale, w)
		for _, order := range []string{"c", "f"} {
			got, h, err := ReadFile(filepath.Join(dir, order+"_"+dt+".npy"), 0)
			if err != nil {
				t.Fatal(err)
			}
			if h.Fortran != (order == "f") {
				t.Errorf("%s_%s: fortran %v", order, dt, h.Fortran)
			}
			if !mat.Equal(got, w) {
				t.Errorf("%s_%s: got %v", order, dt, mat.Formatted(got))
			}
		}
	}
}

// header builds a version-1 file with the given dictionary text and data.
func header(dict string, data []byte) []byte {
	var b bytes.Buffer
	b.Write(magic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(dict)))
	b.WriteString(dict)
	b.Write(data)
	return b.Bytes()
}

func f64(vals ...float64) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, vals)
	return b.Bytes()
}

// TestMalformed: each malformed file gives an error saying what is wrong,
// never a panic (several of these panic the library's own parser).
func TestMalformed(t *testing.T) {
	ok := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }\n"
	for _, c := range []struct {
		name string
		b    []byte
		msg  string
	}{
		{"empty", nil, "magic"},
		{"text", []byte("hello world, not npy"), "magic"},
		{"version", append(append([]byte{}, magic...), 9, 0, 0, 0), "version 9.0"},
		{"short v1", append(append([]byte{}, magic...), 1, 0, 5), "truncated"},
		{"short v2", append(append([]byte{}, magic...), 2, 0, 5, 0), "truncated"},
		{"huge v2 header", append(append([]byte{}, magic...), 2, 0, 0xff, 0xff, 0xff, 0x7f), "exceeds"},
		{"header past end", header(ok, nil)[:20], "past the end"},
		{"no newline", header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", f64(1, 2)), "newline"},
		{"keys reordered", header("{'shape': (2, 1), 'descr': '<f8', 'fortran_order': False}\n", f64(1, 2)), ""},
		{"missing shape", header("{'descr': '<f8', 'fortran_order': False}\n", f64(1, 2)), "missing key \"shape\""},
		{"extra key", header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", f64(1, 2)), "unexpected key"},
		{"duplicate key", header("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}\n", f64(1, 2)), "twice"},
		{"bad order", header("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,)}\n", f64(1, 2)), "True or False"},
		{"negative dim", header("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,)}\n", f64(1, 2)), "non-negative"},
		{"huge dim", header("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}\n", f64(1, 2)), "too large"},
		{"huge shape", header("{'descr': '<f8', 'fortran_order': False, 'shape': (2147483647, 2147483647)}\n", f64(1, 2)), "needs"},
		{"truncated data", header(ok, f64(1)), "needs 16 data bytes, the file has 8"},
		{"trailing data", header(ok, f64(1, 2, 3)), "needs 16 data bytes, the file has 24"},
		{"odd bytes", header(ok, append(f64(1), 0, 0, 0)), "needs 16"},
		{"structured", header("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,)}\n", f64(1, 2)), "structured"},
		{"no byte order", header("{'descr': 'f8', 'fortran_order': False, 'shape': (2,)}\n", f64(1, 2)), "byte-order"},
		{"half float", header("{'descr': '<f2', 'fortran_order': False, 'shape': (2,)}\n", f64(1, 2)), "not supported"},
		{"unterminated", header("{'descr': '<f8, 'fortran_order': False, 'shape': (2,)}\n", f64(1, 2)), "want ',' or '}'"},
		{"scalar", header("{'descr': '<f8', 'fortran_order': False, 'shape': ()}\n", f64(1)), "1-D or 2-D"},
		{"text after", header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,)} x\n", f64(1, 2)), "after the closing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, _, err := Decode(c.b)
			if c.msg == "" {
				if err != nil || m.At(1, 0) != 2 {
					t.Fatalf("valid file rejected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("error %v; want one containing %q", err, c.msg)
			}
		})
	}
	_, _, err := Decode([]byte("x"))
	if !errors.Is(err, ErrFormat) {
		t.Errorf("error %v does not wrap ErrFormat", err)
	}
}

// FuzzDecode: Decode never panics, and what it accepts has the header's
// shape and survives a round trip through Write.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.npy")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1), }\n", f64(1, 2)))
	f.Add(header("{'descr': '>i4', 'fortran_order': False, 'shape': (1,)}\n", []byte{0, 0, 0, 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, h, err := Decode(b)
		if err != nil {
			return
		}
		r, c := m.Dims()
		if len(h.Shape) == 2 && (r != h.Shape[0] || c != h.Shape[1]) || len(h.Shape) == 1 && (r != h.Shape[0] || c != 1) {
			t.Fatalf("matrix %d×%d for shape %v", r, c, h.Shape)
		}
		var buf bytes.Buffer
		if err := Write(&buf, m); err != nil {
			t.Fatal(err)
		}
		again, _, err := Decode(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !mat.EqualApprox(again, m, 0) && !hasNaN(m) {
			t.Fatal("round trip changed the matrix")
		}
	})
}

func hasNaN(m *mat.Dense) bool {
	for _, v := range m.RawMatrix().Data {
		if v != v {
			return true
		}
	}
	return false
}
