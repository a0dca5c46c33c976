package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEndToEnd runs a spec on the synthetic dataset, re-runs it (resume:
// nothing to do), and builds the report from the database.
func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "s.yaml")
	os.WriteFile(specPath, []byte(`name: e2e
seeds: 2
datasets: [{name: synthetic}]
methods:
  - method: Kmeans
  - method: NMF
    params: {max_iter: 50}
`), 0o644)
	db := filepath.Join(dir, "r.db")
	ctx := context.Background()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"run", specPath, "--db", db, "-j", "2"}, &out, &errb); code != 0 {
		t.Fatalf("run exited %d: %s", code, errb.String())
	}
	errb.Reset()
	if code := run(ctx, []string{"run", "--db", db, specPath}, &out, &errb); code != 0 || !strings.Contains(errb.String(), "4 of 4 runs already stored") {
		t.Fatalf("second run exited %d: %s", code, errb.String())
	}
	rep := filepath.Join(dir, "rep")
	out.Reset()
	if code := run(ctx, []string{"report", "--db", db, "--out", rep}, &out, &errb); code != 0 {
		t.Fatalf("report exited %d: %s", code, errb.String())
	}
	md, err := os.ReadFile(filepath.Join(rep, "synthetic.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Kmeans | 2 |", "| NMF | 2 |", "±"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	for _, ext := range []string{".csv", ".tex"} {
		if _, err := os.Stat(filepath.Join(rep, "synthetic"+ext)); err != nil {
			t.Error(err)
		}
	}
}

func TestCLIErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"run"}, 2, "Usage: runexp run"},
		{[]string{"run", filepath.Join(dir, "missing.yaml")}, 1, "read spec"},
		{[]string{"report", "--db", filepath.Join(dir, "none.db")}, 1, "not found: run a spec first"},
		{[]string{"report", "--columns", "ACC=bogus"}, 1, `unknown score "bogus"`},
		{[]string{"methods", "--help"}, 0, "Usage: runexp methods"},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		code := run(ctx, tc.args, &out, &errb)
		if code != tc.code || !strings.Contains(out.String()+errb.String(), tc.want) {
			t.Errorf("%v: exit %d output %q; want exit %d containing %q", tc.args, code, out.String()+errb.String(), tc.code, tc.want)
		}
	}
}
