package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"nmfbench/datasets"
	"nmfbench/internal/runner"
	"nmfbench/internal/spec"
	"nmfbench/methods"
	"nmfbench/results"
)

// cmdTiming reads a results database (it writes nothing) and prints, per
// dataset and label, the mean fit and k-means seconds of the runs stored
// with status ok, how many runs were counted, and the projected wall time
// of the whole grid for N seeds on J workers.
//
// The projection simulates what runexp run does: every (dataset, label)
// group contributes N runs of its measured mean seconds (fit + k-means),
// handed out longest first to the worker that becomes free first
// (runner.SimulateLongestFirst). It assumes a run takes its measured
// seconds whatever runs beside it: if the measurements were taken with
// fewer workers than J, memory bandwidth and shared caches can make the
// real wall time longer. Groups without measurements are listed and left
// out of the projection.
func cmdTiming(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("timing", "timing [--db PATH] [--seeds N] [-j J] [--spec SPEC.yaml]", stderr)
	db := fs.String("db", defaultDB, "SQLite results database to read (not modified)")
	seeds := fs.Int("seeds", 50, "repetitions per (dataset, label) in the projection")
	workers := fs.Int("j", 2, "parallel workers in the projection")
	specPath := fs.String("spec", "", "restrict to the datasets and labels of this spec (sweep rows included)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	if *seeds < 1 || *seeds > spec.MaxSeeds {
		return specError{fmt.Errorf("--seeds %d: must be in [1, %d]", *seeds, spec.MaxSeeds)}
	}
	if *workers < 1 {
		return specError{fmt.Errorf("-j %d: the number of parallel workers must be at least 1", *workers)}
	}
	if _, err := os.Stat(*db); err != nil {
		return fmt.Errorf("results database %s not found: run a spec first (runexp run SPEC --db %s)", *db, *db)
	}
	store, err := results.OpenReadOnly(*db)
	if err != nil {
		return err
	}
	defer store.Close()
	timings, err := store.Seconds(ctx)
	if err != nil {
		return err
	}
	order, err := store.MethodOrder(ctx)
	if err != nil {
		return err
	}

	type group struct {
		dataset, label, method string
		t                      results.Timing
		measured               bool
	}
	var groups []group
	if *specPath != "" {
		s, _, err := spec.Load(*specPath)
		if err != nil {
			return err
		}
		plan, err := s.Expand(methods.Default, func(name string) (string, error) {
			in, err := datasets.Lookup(name)
			return in.SHA256, err
		}, spec.Filter{})
		if err != nil {
			return fmt.Errorf("%s: %w", *specPath, err)
		}
		order = map[string]int{}
		for i, l := range plan.Labels {
			order[l] = i
		}
		seen := map[[2]string]bool{}
		for _, r := range plan.Runs {
			for _, l := range r.Labels {
				k := [2]string{r.Dataset, l.Name}
				if seen[k] {
					continue
				}
				seen[k] = true
				t, ok := timings[results.TimingKey{Dataset: r.Dataset, Method: r.Method.Name, Label: l.Name}]
				groups = append(groups, group{r.Dataset, l.Name, r.Method.Name, t, ok && t.Runs > 0})
			}
		}
	} else {
		for k, t := range timings {
			groups = append(groups, group{k.Dataset, k.Label, k.Method, t, t.Runs > 0})
		}
	}
	if len(groups) == 0 {
		return fmt.Errorf("%s has no runs stored with status ok", *db)
	}
	pos := func(label string) int {
		if p, ok := order[label]; ok {
			return p
		}
		return math.MaxInt
	}
	slices.SortFunc(groups, func(a, b group) int {
		return cmp.Or(strings.Compare(a.dataset, b.dataset), cmp.Compare(pos(a.label), pos(b.label)),
			strings.Compare(a.label, b.label), strings.Compare(a.method, b.method))
	})

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "dataset\tlabel\tmethod\t runs\t     fit s\t k-means s\t fit+k-means s")
	var durations []float64
	var perSeed float64
	var missing []string
	for _, g := range groups {
		if !g.measured {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%5d\t%10s\t%10s\t%14s\n", g.dataset, g.label, g.method, 0, "–", "–", "–")
			missing = append(missing, g.dataset+" "+g.label)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%5d\t%10.3f\t%10.3f\t%14.3f\n", g.dataset, g.label, g.method, g.t.Runs, g.t.FitSeconds, g.t.KmSeconds, g.t.Total())
		perSeed += g.t.Total()
		for range *seeds {
			durations = append(durations, g.t.Total())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\none seed of the grid: %.1f s of work (sum of the mean fit+k-means seconds of %d rows)\n", perSeed, len(groups)-len(missing))
	if len(missing) > 0 {
		fmt.Fprintf(stdout, "not measured, left out of the projection: %s\n", strings.Join(missing, ", "))
	}
	wall := runner.SimulateLongestFirst(durations, *workers)
	fmt.Fprintf(stdout, "projected %d-seed wall time with -j %d: %s (%.0f s)\n", *seeds, *workers, hoursMinutes(wall), wall)
	fmt.Fprintf(stdout, "(%d runs handed out longest first to the first free worker; assumes each run keeps its measured seconds when runs execute side by side)\n",
		len(durations))
	return nil
}

// hoursMinutes formats seconds as "H h M min", rounded to the minute.
func hoursMinutes(s float64) string {
	m := int(math.Round(s / 60))
	return fmt.Sprintf("%d h %d min", m/60, m%60)
}
