package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"nmfbench/internal/spec"
)

// cmdSlurm writes the sbatch scripts that run a spec as a Slurm job array:
// array.sbatch (task I runs shard I/N into a database of its own),
// merge.sbatch (merges the N shard databases and writes the report; it is
// submitted with --dependency=afterok on the array) and submit.sh (both
// submissions, for a person). With --submit it submits both and prints the
// job ids. The scripts are plain bash with comments, meant to be read and
// edited; every path in them is absolute. docs/cluster.md.
func cmdSlurm(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("slurm", "slurm [flags] SPEC.yaml --array N", stderr)
	array := fs.Int("array", 0, "number of array tasks N (= shards), required")
	partition := fs.String("partition", "", "Slurm partition (default: the cluster's)")
	timeLimit := fs.String("time", "", "time limit of each task, in Slurm's format (e.g. 2:00:00 or 1-12:00:00; default: the partition's)")
	cpus := fs.Int("cpus-per-task", 1, "CPUs of each task; the task runs that many runs in parallel (-j)")
	dir := fs.String("dir", "", "directory of the scripts, logs/ and shards/ (default slurm/SPECNAME); must be visible to every node")
	db := fs.String("db", "", "merged results database (default DIR/nmfbench.db)")
	report := fs.String("report", "", "report directory (default DIR/report)")
	dataDir := fs.String("data-dir", "", "dataset directory as the nodes see it (default: $NMFBENCH_DATA, else ../shared/datasets, made absolute)")
	runexpPath := fs.String("runexp", "", "runexp binary as the nodes see it (default: this binary)")
	pf := addPlanFlags(fs) // passed on to every task and to the merge job's status check
	timeout := fs.Duration("timeout", 0, "time limit of each run, passed to runexp run --timeout (0: the spec's)")
	scratch := fs.String("scratch", "", `node-local directory each task runs its database in, copied to DIR/shards when the task ends (e.g. '${TMPDIR:-/tmp}', expanded on the node; default: none, the database is written in DIR/shards directly)`)
	submit := fs.Bool("submit", false, "submit the array and the merge job (sbatch) and print their job ids")
	sbatch := fs.String("sbatch", "sbatch", "sbatch command used by --submit")
	if err := parseInterleaved(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	if *array < 1 || *array > spec.MaxShards {
		return specError{fmt.Errorf("--array %d: the number of tasks must be in [1, %d]", *array, spec.MaxShards)}
	}
	if *cpus < 1 {
		return specError{fmt.Errorf("--cpus-per-task %d: must be at least 1", *cpus)}
	}
	if *timeLimit != "" && !slurmTime.MatchString(*timeLimit) {
		return specError{fmt.Errorf("--time %q: not a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)", *timeLimit)}
	}
	if *partition != "" && !slurmName.MatchString(*partition) {
		return specError{fmt.Errorf("--partition %q: a partition name (or comma-separated names) of letters, digits, _ . -", *partition)}
	}
	if *timeout < 0 {
		return specError{fmt.Errorf("--timeout %s: must be positive (0: the spec's)", *timeout)}
	}
	specPath, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	// The plan is expanded here, as every task will, so that a broken spec
	// or filter fails now rather than in N tasks.
	src, err := newDataSource(*dataDir)
	if err != nil {
		return err
	}
	s, _, plan, err := pf.expand(specPath, src)
	if err != nil {
		return err
	}
	if s.Reference != "" {
		if _, err := spec.LoadReference(s.Reference); err != nil {
			return specError{fmt.Errorf("%s: reference: %w", specPath, err)}
		}
	}
	loads, err := plan.ShardLoads(*array, shardCost)
	if err != nil {
		return specError{err}
	}

	c := slurmConfig{
		Spec: specPath, SpecName: s.Name, JobName: "nmfbench-" + jobNameChars.ReplaceAllString(s.Name, "_"),
		Tasks: *array, CPUs: *cpus, Partition: *partition, Time: *timeLimit, Runs: len(plan.Runs),
	}
	if *dir == "" {
		*dir = filepath.Join("slurm", jobNameChars.ReplaceAllString(s.Name, "_"))
	}
	if c.Dir, err = filepath.Abs(*dir); err != nil {
		return err
	}
	if strings.ContainsAny(c.Dir, " \t\n'\"\\$`") {
		return specError{fmt.Errorf("--dir %q: the directory may not contain blanks, quotes, $ or backslashes (#SBATCH lines cannot quote them)", c.Dir)}
	}
	c.DB, c.Report = filepath.Join(c.Dir, "nmfbench.db"), filepath.Join(c.Dir, "report")
	if *db != "" {
		if c.DB, err = filepath.Abs(*db); err != nil {
			return err
		}
	}
	if *report != "" {
		if c.Report, err = filepath.Abs(*report); err != nil {
			return err
		}
	}
	if src.dir != "" {
		if c.Data, err = filepath.Abs(src.dir); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stderr, "warning: no dataset directory found (%s); the tasks will look for $NMFBENCH_DATA on the nodes: pass --data-dir\n", src.how)
	}
	c.Runexp = *runexpPath
	if c.Runexp == "" {
		if c.Runexp, err = os.Executable(); err != nil {
			return fmt.Errorf("locate this binary: %w (pass --runexp)", err)
		}
	}
	if c.Runexp, err = filepath.Abs(c.Runexp); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"--datasets", pf.datasets}, {"--methods", pf.methods}, {"--method-names", pf.methodNames}} {
		if f.v != "" {
			c.Filters = append(c.Filters, f.name, f.v)
		}
	}
	if pf.seeds > 0 {
		c.Filters = append(c.Filters, "--seeds", fmt.Sprint(pf.seeds))
	}
	for _, v := range pf.sets {
		c.Filters = append(c.Filters, "--set", v)
	}
	if *timeout > 0 {
		c.RunArgs = append(c.RunArgs, "--timeout", timeout.String())
	}
	c.Scratch = *scratch
	c.Command = "runexp slurm " + strings.Join(args, " ")

	files, err := c.render()
	if err != nil {
		return err
	}
	for _, sub := range []string{"", "logs", "shards"} {
		if err := os.MkdirAll(filepath.Join(c.Dir, sub), 0o755); err != nil {
			return fmt.Errorf("create %s: %w", filepath.Join(c.Dir, sub), err)
		}
	}
	for _, f := range files {
		p := filepath.Join(c.Dir, f.name)
		if err := writeAtomic(p, f.body, f.mode); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	lo, hi := loads[0], loads[0]
	var total float64
	for _, l := range loads {
		lo, hi, total = min(lo, l), max(hi, l), total+l
	}
	if total > 0 {
		fmt.Fprintf(stdout, "%d runs in %d tasks: %.1f–%.1f %% of the expected cost per task (%d CPU(s) each)\n",
			len(plan.Runs), *array, 100*lo/total, 100*hi/total, *cpus)
	}
	if *array > len(plan.Runs) {
		fmt.Fprintf(stderr, "notice: %d tasks for %d runs: %d tasks have nothing to do\n", *array, len(plan.Runs), *array-len(plan.Runs))
	}
	if !*submit {
		fmt.Fprintf(stdout, "submit with: %s\n", filepath.Join(c.Dir, "submit.sh"))
		return nil
	}
	arrayID, err := sbatchSubmit(ctx, *sbatch, filepath.Join(c.Dir, "array.sbatch"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "array job %s: %d tasks, logs %s\n", arrayID, *array, filepath.Join(c.Dir, "logs", "shard-<i>.out"))
	mergeID, err := sbatchSubmit(ctx, *sbatch, "--dependency=afterok:"+arrayID, filepath.Join(c.Dir, "merge.sbatch"))
	if err != nil {
		return fmt.Errorf("%w (the array job %s is submitted; submit the merge job by hand: sbatch --dependency=afterok:%s %s)",
			err, arrayID, arrayID, filepath.Join(c.Dir, "merge.sbatch"))
	}
	fmt.Fprintf(stdout, "merge job %s: after afterok:%s, database %s, report %s, log %s\n", mergeID, arrayID, c.DB, c.Report,
		filepath.Join(c.Dir, "logs", "merge.out"))
	return nil
}

var (
	slurmTime    = regexp.MustCompile(`^([0-9]+-[0-9]+(:[0-9]+){0,2}|[0-9]+(:[0-9]+){0,2})$`)
	slurmName    = regexp.MustCompile(`^[A-Za-z0-9_.,-]+$`)
	jobNameChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)
	jobID        = regexp.MustCompile(`^[0-9]+$`)
)

// sbatchSubmit runs sbatch --parsable with args and returns the job id.
func sbatchSubmit(ctx context.Context, sbatch string, args ...string) (string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, sbatch, append([]string{"--parsable"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w: %s (is this a Slurm submit host? the scripts are written; submit.sh submits them)",
			sbatch, strings.Join(args, " "), err, strings.TrimSpace(errOut.String()))
	}
	// --parsable prints "jobid" or "jobid;cluster".
	id, _, _ := strings.Cut(strings.TrimSpace(out.String()), ";")
	if !jobID.MatchString(id) {
		return "", fmt.Errorf("%s %s printed %q, not a job id", sbatch, strings.Join(args, " "), out.String())
	}
	return id, nil
}

// slurmConfig is what the scripts are written from.
type slurmConfig struct {
	Command                 string // the runexp slurm command line, for the header
	Spec, SpecName, JobName string
	Tasks, CPUs, Runs       int
	Partition, Time         string
	Dir, DB, Report, Data   string
	Runexp, Scratch         string
	Filters, RunArgs        []string
}

type slurmFile struct {
	name string
	body []byte
	mode os.FileMode
}

func (c slurmConfig) render() ([]slurmFile, error) {
	funcs := template.FuncMap{"q": shellQuote, "last": func(n int) int { return n - 1 }, "words": func(v []string) string {
		q := make([]string, len(v))
		for i, s := range v {
			q[i] = shellQuote(s)
		}
		return strings.Join(q, " ")
	}, "scratch": func(s string) string {
		// A value with $ is kept for the shell to expand on the node.
		if strings.Contains(s, "$") {
			return `"` + strings.NewReplacer(`"`, `\"`, "`", "\\`").Replace(s) + `"`
		}
		return shellQuote(s)
	}}
	var out []slurmFile
	for _, f := range []struct {
		name, tmpl string
		mode       os.FileMode
	}{{"array.sbatch", arrayTemplate, 0o644}, {"merge.sbatch", mergeTemplate, 0o644}, {"submit.sh", submitTemplate, 0o755}} {
		t, err := template.New(f.name).Funcs(funcs).Parse(f.tmpl)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := t.Execute(&b, c); err != nil {
			return nil, err
		}
		out = append(out, slurmFile{f.name, b.Bytes(), f.mode})
	}
	return out, nil
}

// shellQuote quotes s for bash when it holds anything beyond a safe set.
func shellQuote(s string) string {
	if s != "" && shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// writeAtomic writes a file through a temporary file and a rename.
func writeAtomic(path string, body []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, body, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

const arrayTemplate = `#!/bin/bash
# nmfbench on Slurm: a job array of {{.Tasks}} tasks; task I runs shard I/{{.Tasks}} of the spec
# {{.Spec}} ({{.Runs}} runs in all) into a database of its own, {{.Dir}}/shards/shard-I.db.
# Written by: {{.Command}}
# Edit freely. Every task must expand the same plan: keep SPEC, FILTERS and the binary the same in all.
#
# Submit (submit.sh does both): the array, then the merge job, which waits until every task succeeded:
#   jid=$(sbatch --parsable {{.Dir}}/array.sbatch)
#   sbatch --dependency=afterok:$jid {{.Dir}}/merge.sbatch
# Rerun one task (here 2) after it failed or hit its time limit (it resumes from its database):
#   sbatch --array=2 {{.Dir}}/array.sbatch
#
#SBATCH --job-name={{.JobName}}
#SBATCH --array=0-{{last .Tasks}}
#SBATCH --cpus-per-task={{.CPUs}}
{{- if .Time}}
#SBATCH --time={{.Time}}
{{- end}}
{{- if .Partition}}
#SBATCH --partition={{.Partition}}
{{- end}}
#SBATCH --output={{.Dir}}/logs/shard-%a.out

set -euo pipefail

# The runexp binary, at this path on every node.
RUNEXP={{q .Runexp}}
# The spec (its reference file is found relative to it).
SPEC={{q .Spec}}
{{- if .Data}}
# The datasets; runexp checks their SHA-256 before it runs anything.
DATA={{q .Data}}
{{- end}}
# Where the tasks' databases end up: shard-0.db … shard-{{last .Tasks}}.db.
SHARDS={{q .Dir}}/shards
# The array size: task I runs shard I of SHARD_COUNT (change it with --array above).
SHARD_COUNT={{.Tasks}}
# Plan filters and overrides (--datasets, --methods, --method-names, --seeds, --set): the same
# in every task and in merge.sbatch.
FILTERS=({{words .Filters}})

i=$SLURM_ARRAY_TASK_ID
db=$SHARDS/shard-$i.db
# One BLAS thread per run; the task runs one run per CPU it was given (-j).
# Results do not depend on -j.
export OPENBLAS_NUM_THREADS=1
mkdir -p "$SHARDS"
{{- if .Scratch}}

# The database lives on node-local disk while the task runs (SQLite must not be
# written over a network filesystem) and is copied to $SHARDS when the task ends,
# however it ends: "runexp merge" of one input writes a self-contained copy
# through a temporary file and a rename. An earlier attempt's database is the
# starting point, so a rerun task resumes.
work={{scratch .Scratch}}/nmfbench-$SLURM_JOB_ID-$i
mkdir -p "$work"
if [ -f "$db" ]; then cp "$db" "$work/shard-$i.db"; fi
save() {
  if [ -f "$work/shard-$i.db" ]; then
    "$RUNEXP" merge --force -o "$db" "$work/shard-$i.db" && rm -rf "$work"
  fi
}
trap save EXIT
# Slurm's time limit sends SIGTERM: pass it to runexp, which stores what is done and stops.
trap 'kill -TERM "$pid" 2>/dev/null || true' TERM
"$RUNEXP" run "$SPEC" --shard "$i/$SHARD_COUNT" --db "$work/shard-$i.db"{{if .Data}} --data-dir "$DATA"{{end}} \
  -j "${SLURM_CPUS_PER_TASK:-1}"{{range .RunArgs}} {{q .}}{{end}} "${FILTERS[@]}" &
pid=$!
status=0
wait "$pid" || status=$?
if kill -0 "$pid" 2>/dev/null; then  # wait was interrupted by SIGTERM: wait for runexp to stop
  status=0
  wait "$pid" || status=$?
fi
exit "$status"
{{- else}}

"$RUNEXP" run "$SPEC" --shard "$i/$SHARD_COUNT" --db "$db"{{if .Data}} --data-dir "$DATA"{{end}} \
  -j "${SLURM_CPUS_PER_TASK:-1}"{{range .RunArgs}} {{q .}}{{end}} "${FILTERS[@]}"
{{- end}}
`

const mergeTemplate = `#!/bin/bash
# nmfbench on Slurm: merge the {{.Tasks}} shard databases of the job array into
# {{.DB}}, check that every run of the plan is there, and write the report to
# {{.Report}}.
# Written by: {{.Command}}
# Submitted with --dependency=afterok:<array job id>, so it starts only when every task succeeded.
# By hand, once all shards are complete: sbatch {{.Dir}}/merge.sbatch
#
#SBATCH --job-name={{.JobName}}-merge
#SBATCH --cpus-per-task=1
{{- if .Time}}
#SBATCH --time={{.Time}}
{{- end}}
{{- if .Partition}}
#SBATCH --partition={{.Partition}}
{{- end}}
#SBATCH --output={{.Dir}}/logs/merge.out

set -euo pipefail

RUNEXP={{q .Runexp}}
SPEC={{q .Spec}}
SHARDS={{q .Dir}}/shards
SHARD_COUNT={{.Tasks}}
# The merged database and the report directory.
DB={{q .DB}}
REPORT={{q .Report}}
# The same plan filters and overrides as array.sbatch's.
FILTERS=({{words .Filters}})

shards=()
for ((i = 0; i < SHARD_COUNT; i++)); do shards+=("$SHARDS/shard-$i.db"); done

# Union by configuration hash into a temporary file, renamed onto $DB when complete.
"$RUNEXP" merge --force -o "$DB" "${shards[@]}"
# Exit 1 (failing this job) when a run of the plan is missing or failed.
"$RUNEXP" status "$SPEC" --db "$DB" "${FILTERS[@]}"
# Tables (Markdown, CSV, LaTeX), plots and index.html, from the database alone.
"$RUNEXP" report --db "$DB" --out "$REPORT"
`

const submitTemplate = `#!/bin/bash
# Submit the nmfbench job array and the merge job that waits for it (afterok:
# it starts only when every task succeeded). Written by: {{.Command}}
set -euo pipefail
array=$(sbatch --parsable {{q .Dir}}/array.sbatch)
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" {{q .Dir}}/merge.sbatch)
echo "array job $array ({{.Tasks}} tasks), merge job ${merge%%;*}; logs in {{.Dir}}/logs"
`
