package nmf_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "nmfbench/baselines/gnmf"
	_ "nmfbench/baselines/ncp"
	_ "nmfbench/baselines/nmf"
	_ "nmfbench/baselines/sdnmf"
	"nmfbench/datasets"
	"nmfbench/methods"
)

// TestRealDataTiming times fits on the real datasets with the parameters of
// experiments/paper.yaml, two runs at a time with one thread each (as
// runexp -j 2 does), and prints seconds, iterations and the final objective
// (all 17 digits, so that two builds can be compared for identical
// iterates). It runs only with NMFBENCH_TIMING=1; NMFBENCH_TIMING_METHODS
// and NMFBENCH_TIMING_DATASETS (comma-separated labels / names) filter,
// NMFBENCH_TIMING_SEEDS sets the number of seeds (default 2) and
// NMFBENCH_TIMING_J the number of runs at a time (default 2); with 1 the
// process CPU time of each run is printed too (on a shared machine it
// says more than the wall time).
//
//	NMFBENCH_TIMING=1 OPENBLAS_NUM_THREADS=1 go test -tags netlib -run RealDataTiming -v ./baselines/nmf/
func TestRealDataTiming(t *testing.T) {
	if os.Getenv("NMFBENCH_TIMING") != "1" {
		t.Skip("set NMFBENCH_TIMING=1 to time fits on the real datasets")
	}
	want := func(env, v string) bool {
		f := os.Getenv(env)
		if f == "" {
			return true
		}
		for _, s := range strings.Split(f, ",") {
			if strings.EqualFold(strings.TrimSpace(s), v) {
				return true
			}
		}
		return false
	}
	seeds, jobs := 2, 2
	if s := os.Getenv("NMFBENCH_TIMING_SEEDS"); s != "" {
		fmt.Sscan(s, &seeds)
	}
	if s := os.Getenv("NMFBENCH_TIMING_J"); s != "" {
		fmt.Sscan(s, &jobs)
	}
	cfgs := []struct{ label, method, params string }{
		{"NMF", "NMF", "{loss: frobenius}"},
		{"NMF(KL)", "NMF", "{loss: kl}"},
		{"GNMF", "GNMF", "{graph_weight: 100, neighbors: 5}"},
		{"SDNMF", "SDNMF", "{entropic: 100, neighbors: 5, marginal_weight: 1, graph_weight: 10}"},
		{"NCP", "NCP", ""},
		{"GNCP", "GNCP", "{graph_weight: 10000, neighbors: 5}"},
	}
	ctx := context.Background()
	for _, name := range []string{"COIL20", "PIE_pose27"} {
		if !want("NMFBENCH_TIMING_DATASETS", name) {
			continue
		}
		raw, err := datasets.Load(ctx, os.Getenv("NMFBENCH_DATA"), name)
		if err != nil {
			t.Fatal(err)
		}
		d, err := datasets.Preprocess(raw, []string{"scale01"})
		if err != nil {
			t.Fatal(err)
		}
		memo := &methods.Memo{}
		for _, c := range cfgs {
			if !want("NMFBENCH_TIMING_METHODS", c.label) {
				continue
			}
			m, err := methods.Default.BuildYAML(c.method, c.params)
			if err != nil {
				t.Fatal(err)
			}
			problem := func(seed uint64) *methods.Problem {
				return &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 7)), Memo: memo, DataKey: name, Threads: 1}
			}
			if strings.HasPrefix(c.method, "G") || c.method == "SDNMF" { // build the kNN graph outside the timing
				w, _ := methods.Default.BuildYAML(c.method, strings.TrimSuffix(c.params, "}")+", max_iter: 1}")
				if _, err := w.Fit(ctx, problem(99)); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			sem := make(chan struct{}, max(1, jobs))
			lines := make([]string, seeds)
			for s := range seeds {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					start, cpu0 := time.Now(), processCPU()
					res, err := m.Fit(ctx, problem(uint64(s+1)))
					if err != nil {
						lines[s] = err.Error()
						return
					}
					cpu := ""
					if jobs == 1 {
						cpu = fmt.Sprintf(" (CPU %6.2f s)", (processCPU() - cpu0).Seconds())
					}
					lines[s] = fmt.Sprintf("%-10s %-8s seed %d: %6.2f s%s  %3d iterations  objective %.17g", name, c.label, s+1,
						time.Since(start).Seconds(), cpu, res.Iterations, res.Objective[len(res.Objective)-1])
				}()
			}
			wg.Wait()
			for _, l := range lines {
				fmt.Println(l)
			}
		}
	}
}

// processCPU returns the CPU time (user + system) of the process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
