// Package corpus runs the malformed-input corpora of the file readers (MAT,
// IDX) from their tests: each case is a generated file in testdata/malformed
// with a NAME.EXT.want sidecar holding a substring of the error the reader
// must return. Generate rewrites the files (behind a test flag); Check reads
// every file and requires the expected error, no panic and bounded
// allocation. It is imported by tests only.
package corpus

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Case is one file of a corpus: its name (without extension), its content
// and a substring of the expected error.
type Case struct {
	Name string
	Data []byte
	Want string
}

// Dir is where a package's corpus lives, relative to the package.
const Dir = "testdata/malformed"

// Generate replaces the files with extension ext in Dir by cases.
func Generate(t *testing.T, ext string, cases []Case) {
	t.Helper()
	old, _ := filepath.Glob(filepath.Join(Dir, "*"+ext+"*"))
	for _, p := range old {
		os.Remove(p)
	}
	if err := os.MkdirAll(Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		p := filepath.Join(Dir, c.Name+ext)
		if err := os.WriteFile(p, c.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p+".want", []byte(c.Want+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Check reads every file with extension ext in Dir (at least min of them,
// and exactly the cases' names) with read, which must reject each with an
// error containing the text of its .want file, without panicking and
// allocating at most maxAlloc bytes; classify, when non-nil, checks the
// error's kind.
func Check(t *testing.T, ext string, min int, cases []Case, maxAlloc uint64, read func([]byte) error, classify func(*testing.T, error)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(Dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < min {
		t.Fatalf("%d malformed files, want at least %d", len(files), min)
	}
	names := map[string]bool{}
	for _, c := range cases {
		names[c.Name] = true
	}
	for _, p := range files {
		name := strings.TrimSuffix(filepath.Base(p), ext)
		t.Run(name, func(t *testing.T) {
			if !names[name] {
				t.Errorf("no generator for %s; run go test -run TestGenerateMalformed -generate in its package", p)
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
			err = noPanic(data, read)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("accepted")
			}
			if classify != nil {
				classify(t, err)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > maxAlloc {
				t.Errorf("the reader allocated %d bytes for a %d-byte file; at most %d", n, len(data), maxAlloc)
			}
		})
	}
	for name := range names {
		if _, err := os.Stat(filepath.Join(Dir, name+ext)); err != nil {
			t.Errorf("case %s is not in %s; run go test -run TestGenerateMalformed -generate in its package", name, Dir)
		}
	}
}

func noPanic(data []byte, read func([]byte) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v", r)
		}
	}()
	return read(data)
}
