package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliSpec has two rows of the same method, a sweep, and a label that is
// another row's prefix.
const cliSpec = `name: cli
seeds: 2
datasets: [{name: synthetic}]
methods:
  - method: NMF
    params: {max_iter: 5}
  - label: NMF (KL)
    method: NMF
    params: {loss: kl, max_iter: 5}
  - label: G
    method: GNMF
    params: {max_iter: 5}
    sweep: {param: graph_weight, values: [1, 10]}
`

func cliRun(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

func writeCLISpec(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cli.yaml")
	if err := os.WriteFile(p, []byte(cliSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// dryRows returns the dry-run table's rows (header dropped) as field lists.
func dryRows(t *testing.T, out string) [][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "DATASET") {
		t.Fatalf("dry run without a header:\n%s", out)
	}
	var rows [][]string
	for _, l := range lines[1:] {
		rows = append(rows, strings.Fields(l))
	}
	return rows
}

func TestMethodSelection(t *testing.T) {
	p := writeCLISpec(t)
	db := filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct {
		args []string
		rows int
		want string // a row label every selected run has
	}{
		{[]string{"--methods", "NMF"}, 2, "NMF"},
		{[]string{"--methods", "nmf (kl)"}, 2, "NMF (KL)"},
		{[]string{"--method-names", "NMF"}, 4, ""},
		{[]string{"--methods", "G[graph_weight=10]"}, 2, "G[graph_weight=10]"},
		{[]string{"--methods", "G"}, 4, ""},
	} {
		out, errOut, code := cliRun(append([]string{"run", p, "--dry-run", "--db", db}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		rows := dryRows(t, out)
		if len(rows) != tc.rows {
			t.Errorf("%v: %d runs, want %d:\n%s", tc.args, len(rows), tc.rows, out)
		}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			if tc.want != "" && !strings.Contains(l, "  "+tc.want+"  ") {
				t.Errorf("%v: run %q is not of row %q", tc.args, l, tc.want)
			}
		}
	}
}

func TestDidYouMean(t *testing.T) {
	p := writeCLISpec(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", p, "--dry-run", "--methods", "NMF (LK)"}, []string{`did you mean "NMF (KL)"?`, `choices: "NMF", "NMF (KL)", "G"`}},
		{[]string{"run", p, "--dry-run", "--methods", "GNMF"}, []string{`"GNMF" is a method name: --method-names GNMF`}},
		{[]string{"run", p, "--dry-run", "--datasets", "synthtic"}, []string{`did you mean "synthetic"?`}},
		{[]string{"status", p, "--methods", "Kmeans"}, []string{`"Kmeans" is not a row label`}},
		{[]string{"reprot"}, []string{`unknown command "reprot"; did you mean "report"?`}},
	} {
		_, errOut, code := cliRun(tc.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", tc.args, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: stderr %q, want %q", tc.args, errOut, w)
			}
		}
	}
}

// TestSetOverride: --set changes the resolved parameters and the hash like
// an edit of the spec, and is validated like one.
func TestSetOverride(t *testing.T) {
	p := writeCLISpec(t)
	hashes := func(args ...string) map[string]string {
		out, errOut, code := cliRun(append([]string{"run", p, "--dry-run"}, args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, errOut)
		}
		m := map[string]string{}
		for _, r := range dryRows(t, out) {
			m[strings.Join(r[1:len(r)-6], " ")+"/"+r[len(r)-6]] = r[len(r)-3] + " " + r[len(r)-1]
		}
		return m
	}
	base := hashes()
	over := hashes("--set", "NMF.max_iter=7")
	edited := filepath.Join(t.TempDir(), "edited.yaml")
	os.WriteFile(edited, []byte(strings.Replace(cliSpec, "params: {max_iter: 5}\n  - label: NMF (KL)", "params: {max_iter: 7}\n  - label: NMF (KL)", 1)), 0o644)
	out, _, _ := cliRun("run", edited, "--dry-run")
	for _, r := range dryRows(t, out) {
		key := strings.Join(r[1:len(r)-6], " ") + "/" + r[len(r)-6]
		if got := over[key]; got != r[len(r)-3]+" "+r[len(r)-1] {
			t.Errorf("%s: --set gives %q, the spec edit %q", key, got, r[len(r)-3]+" "+r[len(r)-1])
		}
	}
	changed := 0
	for k, v := range over {
		if base[k] != v {
			changed++
			if !strings.HasPrefix(k, "NMF/") || !strings.Contains(v, `"max_iter":7`) {
				t.Errorf("%s changed by --set NMF.max_iter=7: %s", k, v)
			}
		}
	}
	if changed != 2 {
		t.Errorf("%d runs changed by --set NMF.max_iter=7, want the 2 of row NMF", changed)
	}
	for _, tc := range []struct {
		set, want string
	}{
		{"NMF.max_iter", "want LABEL.param=value"},
		{"NMF.maxiter=3", "max_iter"},
		{"NFM.max_iter=3", `did you mean "NMF"?`},
		{"G.graph_weight=3", "G sweeps graph_weight"},
		{"NMF.max_iter=-3", "max_iter"},
	} {
		_, errOut, code := cliRun("run", p, "--dry-run", "--set", tc.set)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("--set %s: exit %d %q; want 2 and %q", tc.set, code, errOut, tc.want)
		}
	}
}

func TestDryRunShowsStored(t *testing.T) {
	p := writeCLISpec(t)
	db := filepath.Join(t.TempDir(), "r.db")
	if _, e, code := cliRun("run", p, "--db", db, "--methods", "NMF", "--seeds", "1", "-j", "1"); code != 0 {
		t.Fatalf("run: %d %s", code, e)
	}
	out, errOut, code := cliRun("run", p, "--db", db, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: %d %s", code, errOut)
	}
	var ok, missing int
	for _, r := range dryRows(t, out) {
		switch {
		case strings.Contains(strings.Join(r, " "), " ok "):
			ok++
		case strings.Contains(strings.Join(r, " "), " missing "):
			missing++
		}
	}
	if ok != 1 || missing != 7 || !strings.Contains(errOut, "8 runs planned: 1 stored ok, 0 failed (to rerun), 7 missing") {
		t.Errorf("ok %d missing %d (want 1, 7); stderr %q\n%s", ok, missing, errOut, out)
	}
}

func TestHelpAndVersion(t *testing.T) {
	out, _, code := cliRun("help", "run")
	if code != 0 || !strings.Contains(out, "Usage: runexp run") || !strings.Contains(out, "\n  --db string") || !strings.Contains(out, "\n  -j int") || strings.Contains(out, "\n  -db") {
		t.Errorf("help run: exit %d\n%s", code, out)
	}
	out, _, code = cliRun("help")
	if code != 0 || !strings.Contains(out, "Exit codes: 0 all ok, 1 some runs failed, 2 usage or spec error, 130 interrupted") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	if out, errOut, code := cliRun("help", "nope"); code != 2 || !strings.Contains(out+errOut, `unknown command "nope"`) {
		t.Errorf("help nope: exit %d %q", code, out+errOut)
	}
	for _, arg := range []string{"--version", "version"} {
		out, _, code := cliRun(arg)
		if code != 0 || !strings.HasPrefix(out, "runexp ") || !strings.Contains(out, "git ") || !strings.Contains(out, "BLAS ") || !strings.Contains(out, "go1.") {
			t.Errorf("%s: exit %d %q", arg, code, out)
		}
	}
}

// TestFlagValidation: out-of-range numbers are usage errors (exit 2) with
// the flag named, never silently clamped.
func TestFlagValidation(t *testing.T) {
	p := writeCLISpec(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", p, "--seeds", "-1"}, "--seeds -1: must be in [0, 10000]"},
		{[]string{"run", p, "--seeds", "10001"}, "--seeds 10001"},
		{[]string{"run", p, "-j", "0"}, "-j 0: the number of parallel runs must be at least 1"},
		{[]string{"run", p, "-j", "-2", "--dry-run"}, "-j -2"},
		{[]string{"run", p, "-j", "x"}, "invalid value"},
		{[]string{"status", p, "--seeds", "-3"}, "--seeds -3"},
		{[]string{"timing", "--db", filepath.Join(t.TempDir(), "x.db"), "-j", "0"}, "-j"},
		{[]string{"timing", "--db", filepath.Join(t.TempDir(), "x.db"), "--seeds", "0"}, "--seeds"},
		{[]string{"doctor", "--time", "-1s"}, "--time -1s"},
		{[]string{"examples", "nope"}, `unknown example "nope"`},
	} {
		_, errOut, code := cliRun(tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
