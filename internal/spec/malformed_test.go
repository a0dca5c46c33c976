package spec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"nmfbench/datasets"
	"nmfbench/methods"
)

// registryIdentity is the identity runexp uses for registered datasets:
// the registered SHA-256 (of the file, or of a synthetic configuration).
func registryIdentity(name string) (string, error) {
	in, err := datasets.Lookup(name)
	if err != nil {
		return "", err
	}
	return in.SHA256, nil
}

// located matches an error that names where the fault is: a line, or a
// top-level field of the spec.
var located = regexp.MustCompile(`line [1-9][0-9]*|^(name|seeds|kmeans|metrics|preprocess|datasets|methods|keep_factors)\b`)

// wholeFile lists errors about the file as a whole, which have no line.
var wholeFile = []string{"empty spec", "control characters are not allowed", "UTF-8", "unknown anchor", "select no runs", "runs; at most"}

// TestMalformedCorpus parses and expands every spec of testdata/malformed
// against the built-in methods and datasets. Each must be rejected with an
// error that contains the substring its first line announces
// ("# want: ...") and that names a line or field, without panicking.
func TestMalformedCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/malformed/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 85 {
		t.Fatalf("%d malformed specs, want at least 85", len(files))
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".yaml"), func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := bytes.Cut(body, []byte("\n"))
			want, ok := strings.CutPrefix(string(first), "# want: ")
			if !ok || strings.TrimSpace(want) == "" {
				t.Fatalf("first line %q is not \"# want: <substring of the error>\"", first)
			}
			err = parseAndExpand(body)
			if err == nil {
				t.Fatalf("accepted; want an error containing %q", want)
			}
			msg := err.Error()
			if !strings.Contains(msg, want) {
				t.Fatalf("error %q does not contain %q", msg, want)
			}
			if !located.MatchString(msg) && !containsAny(msg, wholeFile) {
				t.Errorf("error %q names neither a line nor a field", msg)
			}
		})
	}
}

// parseAndExpand runs the whole validation of a spec, turning a panic into
// an error so one bad case does not hide the others.
func parseAndExpand(body []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v", r)
		}
	}()
	s, err := Parse(body)
	if err != nil {
		return err
	}
	_, err = s.Expand(methods.Default, registryIdentity, Filter{})
	return err
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestRepoSpecsWithRegistry: the shipped specs still expand against the
// real dataset identities (the malformed corpus's base must stay valid).
func TestRepoSpecsWithRegistry(t *testing.T) {
	files, _ := filepath.Glob("../../experiments/*.yaml")
	for _, f := range files {
		if strings.HasSuffix(f, "_tables.yaml") {
			continue
		}
		s, _, err := Load(f)
		if err == nil {
			_, err = s.Expand(methods.Default, registryIdentity, Filter{})
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	base := "name: ok\nseed: 1\nseeds: 2\ndatasets:\n  - name: synthetic\nmethods:\n  - method: NMF\n"
	if err := parseAndExpand([]byte(base)); err != nil {
		t.Errorf("the corpus's base spec is rejected: %v", err)
	}
}
