package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"nmfbench/datasets"
	"nmfbench/internal/runner"
	"nmfbench/internal/spec"
	"nmfbench/results"
)

// cmdStatus compares a spec's plan (or one shard of it) with what one or
// more results databases hold, opened read-only: per (dataset, row label)
// the runs done (stored with status ok in any of the databases), failed
// (stored as failed and ok in none) and missing (in none). It exits 0 only
// when nothing is missing or failed, 1 otherwise.
func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("status", "status [flags] SPEC.yaml", stderr)
	dbs := &dbList{values: []string{defaultDB}}
	fs.Var(dbs, "db", "results database to read (repeat it or give a glob for several, e.g. the shards' before a merge; default "+defaultDB+")")
	pf := addPlanFlags(fs)
	shardFlag := fs.String("shard", "", "only shard I/N of the plan (as runexp run --shard), or auto")
	shardCount := fs.Int("shard-count", 0, "with --shard auto: the number of shards N")
	if err := parseInterleaved(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	path := fs.Arg(0)
	// The plan needs the datasets' identities only (registry checksums), not their files.
	src, err := newDataSource("")
	if err != nil {
		return err
	}
	_, _, plan, err := pf.expand(path, src)
	if err != nil {
		return err
	}
	if *shardFlag != "" || *shardCount != 0 {
		if plan, err = shardPlan(plan, *shardFlag, *shardCount, stderr); err != nil {
			return specError{err}
		}
	}
	paths, err := dbs.expand()
	if err != nil {
		return err
	}
	stored, err := storedStatus(ctx, paths) // config hash → ok or failed
	if err != nil {
		return err
	}
	type key struct{ dataset, label string }
	type count struct{ done, failed, missing int }
	var order []key
	counts := map[key]*count{}
	var total count
	for _, r := range plan.Runs {
		st := stored[r.ConfigHash]
		switch st {
		case results.StatusOK:
			total.done++
		case results.StatusFailed:
			total.failed++
		default:
			total.missing++
		}
		for _, l := range r.Labels {
			k := key{r.Dataset, l.Name}
			c := counts[k]
			if c == nil {
				c = &count{}
				counts[k] = c
				order = append(order, k)
			}
			switch st {
			case results.StatusOK:
				c.done++
			case results.StatusFailed:
				c.failed++
			default:
				c.missing++
			}
		}
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "dataset\tlabel\tdone\tfailed\tmissing\t\n")
	for _, k := range order {
		c := counts[k]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t\n", k.dataset, k.label, c.done, c.failed, c.missing)
	}
	tw.Flush()
	fmt.Fprintf(stdout, "%d runs planned: %d done, %d failed, %d missing (read from %s, read-only)\n",
		len(plan.Runs), total.done, total.failed, total.missing, strings.Join(paths, ", "))
	if total.failed > 0 || total.missing > 0 {
		return fmt.Errorf("not complete: %d failed and %d missing run(s); runexp run %s (with the same --shard and filters) retries the failed and runs the missing", total.failed, total.missing, path)
	}
	return nil
}

// shardPlan restricts plan to the shard given by --shard (I/N or auto, with
// --shard-count), balanced by the runner's cost model on the registered
// dataset shapes (no stored timings: every task computes the same
// partition). It reports the shard's share on stderr.
func shardPlan(plan *spec.Plan, v string, count int, stderr io.Writer) (*spec.Plan, error) {
	var i, n int
	var err error
	switch {
	case v == "auto":
		if count < 0 || count > spec.MaxShards {
			return nil, fmt.Errorf("--shard-count %d: must be in [1, %d]", count, spec.MaxShards)
		}
		i, n, err = spec.ShardFromEnv(os.Getenv, count)
	case v == "":
		return nil, fmt.Errorf("--shard-count needs --shard auto (or give --shard I/N)")
	case count != 0:
		return nil, fmt.Errorf("--shard-count goes with --shard auto only; --shard %s already names the count", v)
	default:
		i, n, err = spec.ParseShard(v)
	}
	if err != nil {
		return nil, err
	}
	part, err := plan.Shard(i, n, shardCost)
	if err != nil {
		return nil, err
	}
	var all, mine float64
	for _, r := range plan.Runs {
		all += shardCost(r)
	}
	for _, r := range part.Runs {
		mine += shardCost(r)
	}
	share := 0.0
	if all > 0 {
		share = 100 * mine / all
	}
	fmt.Fprintf(stderr, "shard %d/%d: %d of %d runs, %.1f%% of the expected cost\n", i, n, len(part.Runs), len(plan.Runs), share)
	return part, nil
}

// shardCost is a run's modelled cost (runner.ModelSeconds, uncalibrated) on
// the dataset's registered shape.
func shardCost(r spec.Run) float64 {
	in, err := datasets.Lookup(r.Dataset)
	if err != nil {
		return 0
	}
	return runner.ModelSeconds(r.Method.Name, r.Method.Params, runner.Shape{Samples: in.Samples, Features: in.Features, Classes: in.Classes})
}
