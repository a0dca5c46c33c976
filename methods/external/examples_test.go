package external

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	_ "nmfbench/baselines/nmf" // the built-in NMF, for comparison
	"nmfbench/datasets"
	"nmfbench/internal/pyfind"
	"nmfbench/methods"
)

// examples is examples/external, relative to this package.
const examples = "../../examples/external"

// Python returns an interpreter that imports NumPy and every module in mods
// (pyfind.Find), or "".
func Python(mods ...string) string { return pyfind.Find(append([]string{"numpy"}, mods...)...) }

func python(t *testing.T, mods ...string) string {
	t.Helper()
	py := Python(mods...)
	if py == "" {
		t.Skipf("no python3 that imports numpy %v (install python3-numpy, or set NMFBENCH_PYTHON to an interpreter that has them)", mods)
	}
	return py
}

func example(t *testing.T, py, script, extra string) *methods.Configured {
	t.Helper()
	c, err := methods.Default.BuildYAML("External", fmt.Sprintf("{command: [%q, %q], files: [%q]%s}",
		py, filepath.Join(examples, script), filepath.Join(examples, "nmfbench_external.py"), extra))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func blobs(t *testing.T) *datasets.Dataset {
	t.Helper()
	d, err := datasets.Synthetic(datasets.SyntheticConfig{Name: "ex", Kind: datasets.KindBlobs, Height: 8, Width: 8, Classes: 3, PerClass: 27, Seed: 5, MaxShift: 1, Contrast: 0.2, Noise: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestNumPyExample runs examples/external/numpy_nmf.py: the contract of
// every method (finite n × r embedding, trace convention with a
// non-increasing Frobenius objective, determinism for a seed), and the
// built-in NMF's normalisation (unit-norm basis columns).
func TestNumPyExample(t *testing.T) {
	py := python(t)
	d := blobs(t)
	c := example(t, py, "numpy_nmf.py", ", max_iter: 40, tol: 0")
	if c.Identity == "" {
		t.Error("no identity for the example's script files")
	}
	res, err := c.Fit(context.Background(), problem(d, 3))
	if err != nil {
		t.Fatal(err)
	}
	if r, k := res.Embedding.Dims(); r != d.Samples() || k != d.Classes {
		t.Fatalf("embedding %d×%d", r, k)
	}
	if err := res.CheckTrace(); err != nil || res.Iterations != 40 || res.Converged() {
		t.Fatalf("trace: %v, %d iterations, %v", err, res.Iterations, res.Status)
	}
	for i := 1; i < len(res.Objective); i++ {
		if res.Objective[i] > res.Objective[i-1]*(1+1e-12) {
			t.Errorf("objective rises at iteration %d: %g → %g", i, res.Objective[i-1], res.Objective[i])
		}
	}
	// The final objective is ‖X − VUᵀ‖², recomputed here from the factors.
	U := res.Factors["U"]
	var rec mat.Dense
	rec.Mul(res.Embedding, U.T())
	rec.Sub(d.X, &rec)
	if got, want := res.Objective[len(res.Objective)-1], mat.Norm(&rec, 2)*mat.Norm(&rec, 2); math.Abs(got-want) > 1e-8*want {
		t.Errorf("final objective %g; ‖X − VUᵀ‖² of the returned factors is %g", got, want)
	}
	for j := 0; j < d.Classes; j++ {
		if n := floats.Norm(mat.Col(nil, j, U), 2); math.Abs(n-1) > 1e-12 {
			t.Errorf("basis column %d has norm %g; want 1", j, n)
		}
	}
	again, err := c.Fit(context.Background(), problem(d, 3))
	if err != nil || !mat.Equal(again.Embedding, res.Embedding) {
		t.Errorf("same seed, different result (%v)", err)
	}
	// tol stops it early, as the built-in's relative-decrease rule does.
	early, err := example(t, py, "numpy_nmf.py", ", max_iter: 500, tol: 1e-3").Fit(context.Background(), problem(d, 3))
	if err != nil || !early.Converged() || early.Iterations >= 500 {
		t.Errorf("tol 1e-3: %v, %d iterations, %v", err, early.Iterations, early.Status)
	}
}

// TestNumPyMatchesBuiltin: the NumPy example and the built-in NMF run the
// same algorithm, so from their own random starts they reach objectives of
// the same size on the same data.
func TestNumPyMatchesBuiltin(t *testing.T) {
	py := python(t)
	d := blobs(t)
	builtin, err := methods.Default.BuildYAML("NMF", "{max_iter: 200, tol: 0}")
	if err != nil {
		t.Fatal(err)
	}
	ext := example(t, py, "numpy_nmf.py", ", max_iter: 200, tol: 0")
	for seed := uint64(1); seed <= 3; seed++ {
		a, err := builtin.Fit(context.Background(), problem(d, seed))
		if err != nil {
			t.Fatal(err)
		}
		b, err := ext.Fit(context.Background(), problem(d, seed))
		if err != nil {
			t.Fatal(err)
		}
		fa, fb := a.Objective[200], b.Objective[200]
		if math.Abs(fa-fb) > 0.05*fa {
			t.Errorf("seed %d: objective after 200 iterations %g (built-in) vs %g (NumPy)", seed, fa, fb)
		}
		if a.Objective[0] < 0.5*b.Objective[0] || a.Objective[0] > 2*b.Objective[0] {
			t.Errorf("seed %d: initial objectives %g vs %g: not the same initialisation scheme", seed, a.Objective[0], b.Objective[0])
		}
	}
}

// TestSklearnExample runs examples/external/sklearn_nmf.py.
func TestSklearnExample(t *testing.T) {
	py := python(t, "sklearn")
	d := blobs(t)
	c := example(t, py, "sklearn_nmf.py", ", max_iter: 30, tol: 0")
	res, err := c.Fit(context.Background(), problem(d, 2))
	if err != nil {
		t.Fatal(err)
	}
	if r, k := res.Embedding.Dims(); r != d.Samples() || k != d.Classes {
		t.Fatalf("embedding %d×%d", r, k)
	}
	if res.Iterations != 30 || len(res.Objective) != 0 || res.Factors["U"] == nil {
		t.Errorf("%d iterations, %d objective values, factors %v", res.Iterations, len(res.Objective), res.Factors)
	}
	again, err := c.Fit(context.Background(), problem(d, 2))
	if err != nil || !mat.Equal(again.Embedding, res.Embedding) {
		t.Errorf("same seed, different result (%v)", err)
	}
}

// TestPythonFailure: a Python exception fails the run with the traceback's
// last lines.
func TestPythonFailure(t *testing.T) {
	py := python(t)
	d := blobs(t)
	c, err := methods.Default.BuildYAML("External", fmt.Sprintf("{command: [%q, -c, %q]}", py, "import numpy\nraise ValueError('my method broke')"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fit(context.Background(), problem(d, 1))
	if err == nil || !contains(err.Error(), "exit status 1", "Traceback", "ValueError: my method broke") {
		t.Errorf("error %v", err)
	}
	// The helper rejects a wrong-shaped embedding before the harness does.
	c, err = methods.Default.BuildYAML("External", fmt.Sprintf("{command: [%q, -c, %q]}", py,
		"import sys; sys.path.insert(0, "+fmt.Sprintf("%q", mustAbs(examples))+")\nimport nmfbench_external as nb, numpy as np\nr = nb.load()\nr.save(np.ones((3, 2)))"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Fit(context.Background(), problem(d, 1))
	if err == nil || !contains(err.Error(), "embedding has shape (3, 2); want (81, r)") {
		t.Errorf("error %v", err)
	}
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		panic(err)
	}
	return a
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
