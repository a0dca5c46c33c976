package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update-slurm", false, "rewrite the golden files of testdata/slurm")

// slurmSpec is the spec the Slurm tests write scripts for.
func slurmSpec(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../experiments/slurm_smoke.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// generate runs runexp slurm with args into dir and returns the three files
// with dir and the repository's root replaced by $DIR and $REPO, so that
// they compare equal wherever the test runs.
func generate(t *testing.T, dir string, args ...string) (map[string]string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), append([]string{"slurm"}, args...), &stdout, &stderr); code != 0 {
		t.Fatalf("runexp slurm %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	repo, _ := filepath.Abs("../..")
	out := map[string]string{}
	for _, name := range []string{"array.sbatch", "merge.sbatch", "submit.sh"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		s := strings.ReplaceAll(string(b), dir, "$DIR")
		out[name] = strings.ReplaceAll(s, repo, "$REPO")
	}
	return out, stdout.String()
}

// TestSlurmScriptsGolden: the scripts written for two command lines (one
// with every option, one with node-local scratch) are the reviewed ones in
// testdata/slurm (go test -run SlurmScriptsGolden -update-slurm rewrites them).
func TestSlurmScriptsGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"full", []string{"--array", "4", "--partition", "short", "--time", "1:00:00", "--cpus-per-task", "2",
			"--data-dir", "/data/nmf", "--runexp", "/opt/nmfbench/bin/runexp", "--seeds", "2", "--methods", "NMF,GNMF", "--timeout", "10m"}},
		{"scratch", []string{"--array", "3", "--data-dir", "/data/nmf", "--runexp", "/opt/nmfbench/bin/runexp", "--scratch", "${TMPDIR:-/tmp}"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "job")
			args := append([]string{slurmSpec(t), "--dir", dir}, c.args...)
			got, stdout := generate(t, dir, args...)
			if !strings.Contains(stdout, "submit with: "+filepath.Join(dir, "submit.sh")) {
				t.Errorf("stdout does not say how to submit:\n%s", stdout)
			}
			for name, body := range got {
				golden := filepath.Join("testdata", "slurm", c.name+"."+name)
				if *updateGolden {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					if err := os.WriteFile(golden, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (go test -run SlurmScriptsGolden -update-slurm writes it)", err)
				}
				if body != string(want) {
					t.Errorf("%s differs from %s:\n%s", name, golden, body)
				}
			}
		})
	}
}

// TestSlurmScriptsParse: the written scripts are valid bash (bash -n), the
// directives are what the flags asked for, and every task gets its own
// shard and database.
func TestSlurmScriptsParse(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	dir := filepath.Join(t.TempDir(), "job")
	got, _ := generate(t, dir, slurmSpec(t), "--array", "5", "--cpus-per-task", "3", "--dir", dir, "--data-dir", "/data",
		"--runexp", "/opt/runexp", "--scratch", "/local/scratch", "--set", "GNMF.max_iter=10", "--method-names", "GNMF,Kmeans")
	for _, name := range []string{"array.sbatch", "merge.sbatch", "submit.sh"} {
		if out, err := exec.Command(bash, "-n", filepath.Join(dir, name)).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", name, err, out)
		}
	}
	a := got["array.sbatch"]
	for _, want := range []string{"#SBATCH --array=0-4\n", "#SBATCH --cpus-per-task=3\n", "#SBATCH --output=$DIR/logs/shard-%a.out\n",
		`--shard "$i/$SHARD_COUNT"`, "SHARD_COUNT=5\n", `-j "${SLURM_CPUS_PER_TASK:-1}"`, "export OPENBLAS_NUM_THREADS=1\n",
		"work=/local/scratch/nmfbench-$SLURM_JOB_ID-$i\n", `"$RUNEXP" merge --force -o "$db"`,
		"FILTERS=(--method-names GNMF,Kmeans --set GNMF.max_iter=10)\n"} {
		if !strings.Contains(a, want) {
			t.Errorf("array.sbatch lacks %q", want)
		}
	}
	if !strings.Contains(got["merge.sbatch"], "FILTERS=(--method-names GNMF,Kmeans --set GNMF.max_iter=10)\n") {
		t.Error("merge.sbatch does not check the plan with the array's filters and overrides")
	}
	if strings.Contains(a, "#SBATCH --time") || strings.Contains(a, "#SBATCH --partition") {
		t.Error("array.sbatch sets --time or --partition though none was given")
	}
	if st, err := os.Stat(filepath.Join(dir, "submit.sh")); err != nil || st.Mode()&0o111 == 0 {
		t.Errorf("submit.sh is not executable: %v", err)
	}
	for _, sub := range []string{"logs", "shards"} {
		if st, err := os.Stat(filepath.Join(dir, sub)); err != nil || !st.IsDir() {
			t.Errorf("%s/ not created: %v", sub, err)
		}
	}
}

// TestSlurmSubmit: --submit submits the array, then the merge job with
// --dependency=afterok on the array's id, and prints both ids (here with a
// stand-in sbatch that records its arguments).
func TestSlurmSubmit(t *testing.T) {
	tmp := t.TempDir()
	record := filepath.Join(tmp, "calls")
	fake := filepath.Join(tmp, "sbatch")
	os.WriteFile(fake, []byte(`#!/bin/sh
echo "$*" >> `+record+`
n=$(wc -l < `+record+`)
echo "$((4100 + n));testcluster"
`), 0o755)
	dir := filepath.Join(tmp, "job")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"slurm", slurmSpec(t), "--array", "4", "--dir", dir, "--data-dir", "/data",
		"--runexp", "/opt/runexp", "--submit", "--sbatch", fake}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	calls, _ := os.ReadFile(record)
	want := "--parsable " + filepath.Join(dir, "array.sbatch") + "\n--parsable --dependency=afterok:4101 " + filepath.Join(dir, "merge.sbatch") + "\n"
	if string(calls) != want {
		t.Errorf("sbatch calls:\n%s\nwant:\n%s", calls, want)
	}
	if !strings.Contains(stdout.String(), "array job 4101: 4 tasks") || !strings.Contains(stdout.String(), "merge job 4102: after afterok:4101") {
		t.Errorf("job ids not printed:\n%s", stdout.String())
	}

	// A failing sbatch: the error says so and where the scripts are.
	os.WriteFile(fake, []byte("#!/bin/sh\necho 'sbatch: error: invalid partition' >&2\nexit 1\n"), 0o755)
	stderr.Reset()
	code = run(context.Background(), []string{"slurm", slurmSpec(t), "--array", "4", "--dir", dir, "--data-dir", "/data",
		"--runexp", "/opt/runexp", "--submit", "--sbatch", fake}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "invalid partition") || !strings.Contains(stderr.String(), "submit.sh") {
		t.Errorf("failing sbatch: exit %d, %s", code, stderr.String())
	}
}

// TestSlurmErrors: bad flags are usage errors (exit 2) that name the flag,
// and nothing is written.
func TestSlurmErrors(t *testing.T) {
	spec := slurmSpec(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{spec}, "--array 0"},
		{[]string{spec, "--array", "0"}, "--array 0"},
		{[]string{spec, "--array", "20000"}, "--array 20000"},
		{[]string{spec, "--array", "2", "--cpus-per-task", "0"}, "--cpus-per-task 0"},
		{[]string{spec, "--array", "2", "--time", "2 hours"}, `--time "2 hours"`},
		{[]string{spec, "--array", "2", "--partition", "a b"}, `--partition "a b"`},
		{[]string{spec, "--array", "2", "--methods", "NoSuchRow"}, "NoSuchRow"},
		{[]string{spec, "--array", "2", "--dir", "/tmp/with space"}, "--dir"},
		{[]string{"/nonexistent/spec.yaml", "--array", "2"}, "spec.yaml"},
	} {
		dir := filepath.Join(t.TempDir(), "job")
		args := append([]string{"slurm", "--dir", dir}, c.args...)
		if strings.Contains(strings.Join(c.args, " "), "--dir") {
			args = append([]string{"slurm"}, c.args...)
		}
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", c.args, code, stderr.String(), c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "array.sbatch")); err == nil {
			t.Errorf("%v: scripts written despite the error", c.args)
		}
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b.yaml": "/a/b.yaml", "": "''", "a b": "'a b'", "it's": `'it'\''s'`, "NMF (KL)": "'NMF (KL)'", "$HOME": "'$HOME'",
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
