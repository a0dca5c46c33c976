package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"

	"nmfbench/internal/blasbackend"
	"nmfbench/internal/runner"
	"nmfbench/internal/spec"
	_ "nmfbench/methods/all" // registers every built-in method
	"nmfbench/results"
)

const defaultDB = "results/nmfbench.db"

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", "run [flags] SPEC.yaml", stderr)
	db := fs.String("db", defaultDB, "SQLite results database (created if missing)")
	dataDir := fs.String("data-dir", "", "directory holding the dataset files (default: $NMFBENCH_DATA, else ../shared/datasets)")
	workers := fs.Int("j", runtime.NumCPU(), "number of runs executed in parallel")
	pf := addPlanFlags(fs)
	dry := fs.Bool("dry-run", false, "print the plan as a table (stored or missing in --db per run) and exit without running")
	shardFlag := fs.String("shard", "", "run only shard I/N of the plan (0 ≤ I < N; cost-balanced, see docs/cluster.md), or auto (Slurm array / Kubernetes Indexed Job)")
	shardCount := fs.Int("shard-count", 0, "with --shard auto: the number of shards N (required with JOB_COMPLETION_INDEX)")
	timeout := fs.Duration("timeout", 0, "time limit of each run, e.g. 30m; a run past it is stored as failed (default: the spec's timeout; 0: none)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof; docs/performance.md)")
	if err := parseInterleaved(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	if *workers < 1 {
		return specError{fmt.Errorf("-j %d: the number of parallel runs must be at least 1", *workers)}
	}
	src, err := newDataSource(*dataDir)
	if err != nil {
		return err
	}
	s, body, plan, err := pf.expand(path, src)
	if err != nil {
		return err
	}
	for _, n := range plan.Notices {
		fmt.Fprintf(stderr, "notice: %s\n", n)
	}
	if *shardFlag != "" || *shardCount != 0 {
		if plan, err = shardPlan(plan, *shardFlag, *shardCount, stderr); err != nil {
			return specError{err}
		}
	}
	if *dry {
		return dryRun(ctx, plan, *db, stdout, stderr)
	}
	// One BLAS thread per run whatever the worker count: parallelism comes
	// from running runs side by side, and -j 1, 2 or 8 give bit-identical
	// results (a multithreaded GEMM sums in another order). docs/harness.md.
	blasbackend.SetThreads(1)
	// Everything that can fail on the spec's side is checked before the
	// database is touched: a broken spec leaves no rows behind.
	var refs []results.Reference
	if s.Reference != "" {
		rv, err := spec.LoadReference(s.Reference)
		if err != nil {
			return specError{fmt.Errorf("%s: reference: %w (the path is relative to the spec file; copy the reference file beside the spec or fix the path)", path, err)}
		}
		for _, r := range rv {
			refs = append(refs, results.Reference(r))
		}
	}
	for _, d := range plan.Datasets() {
		if err := src.Check(ctx, d); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(*db), 0o755); err != nil {
		return fmt.Errorf("create database directory: %w", err)
	}
	store, err := results.Open(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	hash := spec.Hash(body)
	if err := store.SaveSpec(ctx, hash, s.Name, path, string(body)); err != nil {
		return fmt.Errorf("record spec: %w", err)
	}
	moved, err := store.SaveMethodOrder(ctx, plan.Labels)
	if err != nil {
		return fmt.Errorf("record method order: %w", err)
	}
	if len(moved) > 0 {
		fmt.Fprintf(stderr, "notice: this spec puts the stored rows %s in another order than before; reports follow the latest spec\n", strings.Join(moved, ", "))
	}
	if len(refs) > 0 {
		if err := store.SaveReferences(ctx, refs); err != nil {
			return fmt.Errorf("record reference values: %w", err)
		}
	}
	fmt.Fprintf(stderr, "spec %s (%s): %d runs planned on %d worker(s); BLAS: %s; data: %s; results: %s\n",
		s.Name, hash[:12], len(plan.Runs), *workers, blasbackend.Describe(), src.describe(), *db)
	limit := s.Timeout.Duration // the spec's, unless --timeout is given
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "timeout" {
			limit = *timeout
		}
	})
	if limit < 0 {
		return specError{fmt.Errorf("--timeout %s: must be positive (0: no limit)", limit)}
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	// Claim: other runexp processes on this database (same host) split the
	// work with this one instead of computing every run twice.
	sum, err := runner.Execute(ctx, plan, runner.Options{
		Workers: *workers, Store: store, Data: src, Log: stderr, Terminal: isTerminal(stderr),
		SpecName: s.Name, SpecHash: hash, Provenance: provenance(), Claim: true, Timeout: limit,
	})
	fmt.Fprintf(stderr, "%d planned: %d already stored, %d ok, %d failed, %d abandoned, %d computed but not stored, %d stored by other processes (%.1fs)\n",
		sum.Planned, sum.Skipped, sum.OK, sum.Failed, sum.Abandoned, sum.Unsaved, sum.Elsewhere, sum.Elapsed.Seconds())
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return fmt.Errorf("%d run(s) failed; their errors are stored (runexp report lists them) and they are retried on the next run", sum.Failed)
	}
	return nil
}

// parseInterleaved parses flags that may appear before or after positional
// arguments (runexp run SPEC --seeds 3).
func parseInterleaved(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// provenance describes this process for every stored run.
func provenance() results.Provenance {
	info := blasbackend.Describe()
	env, _ := json.Marshal(info)
	host, _ := os.Hostname()
	return results.Provenance{GitRevision: gitRevision(), GoVersion: runtime.Version(), BLAS: info.String(),
		BLASEnv: string(env), Host: host}
}

// gitRevision returns the VCS revision the binary was built from (with
// "+dirty" for uncommitted changes), asking git when the build has none.
func gitRevision() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			if modified == "true" {
				rev += "+dirty"
			}
			return rev
		}
	}
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		rev += "+dirty"
	}
	return rev
}

// startCPUProfile starts the Go CPU profiler writing to path and returns the
// function that stops it and closes the file. Time spent inside BLAS shows as
// runtime.cgocall under the Go function that called it.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
