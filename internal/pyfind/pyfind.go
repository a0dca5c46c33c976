// Package pyfind finds a Python interpreter that has given modules, for the
// tests that check nmfbench's files from NumPy, pandas or scikit-learn and
// for running the external-method examples.
//
// PATH's python3 may be a pyenv or virtualenv one without NumPy while
// Debian's python3-numpy lives in /usr/bin/python3, so both are tried, after
// $NMFBENCH_PYTHON.
package pyfind

import (
	"os"
	"os/exec"
	"strings"
)

// Find returns the path of the first interpreter among $NMFBENCH_PYTHON,
// python3 on PATH and /usr/bin/python3 that imports every module in mods,
// or "" when none does.
func Find(mods ...string) string {
	code := "import " + strings.Join(mods, ", ")
	for _, p := range []string{os.Getenv("NMFBENCH_PYTHON"), "python3", "/usr/bin/python3"} {
		if p == "" {
			continue
		}
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", code).Run() == nil {
			return path
		}
	}
	return ""
}
