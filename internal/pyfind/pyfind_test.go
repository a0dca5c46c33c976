package pyfind

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFind: a stand-in interpreter named by $NMFBENCH_PYTHON is chosen when
// it "imports" the modules (exits 0) and passed over when it does not.
func TestFind(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok")
	os.WriteFile(ok, []byte("#!/bin/sh\nexit 0\n"), 0o755)
	t.Setenv("NMFBENCH_PYTHON", ok)
	if got := Find("numpy"); got != ok {
		t.Errorf("Find with a working $NMFBENCH_PYTHON = %q, want %q", got, ok)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("#!/bin/sh\nexit 1\n"), 0o755)
	t.Setenv("NMFBENCH_PYTHON", bad)
	t.Setenv("PATH", dir) // no python3 on PATH either
	if got := Find("numpy"); got == bad {
		t.Errorf("Find chose an interpreter that fails the import")
	}
}
