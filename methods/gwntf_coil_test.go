package methods_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"nmfbench/datasets"
	_ "nmfbench/internal/blasbackend"
	"nmfbench/internal/kmeans"
	"nmfbench/methods"
	"nmfbench/metrics"
)

// gwRunOnce fits a configured method on d with the given seed and scores a
// 10-replicate k-means of its embedding.
func gwRunOnce(ctx context.Context, t testing.TB, c *methods.Configured, d *datasets.Dataset, memo *methods.Memo, seed uint64) (metrics.Scores, *methods.Result, time.Duration) {
	t.Helper()
	p := &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(seed, 0x5eed)), Memo: memo, DataKey: d.Name}
	cpu0 := cpuTime()
	res, err := c.Fit(ctx, p)
	el := cpuTime() - cpu0
	if err != nil {
		t.Fatalf("%s seed %d: %v", c.Name, seed, err)
	}
	km, err := kmeans.Cluster(ctx, res.Embedding, kmeans.Options{K: d.Classes, Replicates: 10}, rand.New(rand.NewPCG(seed, 0xc1)))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := metrics.Evaluate(d.Labels, km.Labels)
	if err != nil {
		t.Fatal(err)
	}
	return sc, res, el
}

// cpuTime returns the process's user+system CPU time (the machine is shared,
// so wall time is not a usable measure).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestGWNTFExperiment runs the COIL20 comparisons reported in docs/gwntf.md.
// It runs only when GWNTF_EXP is set: a ';'-separated list of YAML flow
// mappings of GWNTF parameters; GWNTF_SEEDS gives the number of seeds.
func TestGWNTFExperiment(t *testing.T) {
	spec := os.Getenv("GWNTF_EXP")
	if spec == "" {
		t.Skip("set GWNTF_EXP to run the COIL20 experiments")
	}
	ctx := context.Background()
	d, err := datasets.Load(ctx, os.Getenv("NMFBENCH_DATA"), "COIL20")
	if err != nil {
		t.Skip(err)
	}
	seeds := 3
	if s := os.Getenv("GWNTF_SEEDS"); s != "" {
		seeds, _ = strconv.Atoi(s)
	}
	memo := &methods.Memo{}
	for _, cfg := range strings.Split(spec, ";") {
		var node yaml.Node
		if err := yaml.Unmarshal([]byte(cfg), &node); err != nil {
			t.Fatal(err)
		}
		var n *yaml.Node
		if len(node.Content) > 0 {
			n = node.Content[0]
		}
		c, err := methods.Default.Build("GWNTF", n)
		if err != nil {
			t.Fatal(err)
		}
		var acc, nmi, pur, secs float64
		for s := 1; s <= seeds; s++ {
			sc, res, el := gwRunOnce(ctx, t, c, d, memo, uint64(s))
			acc += sc.ACC
			nmi += sc.NMIArithmetic
			pur += sc.Purity
			secs += el.Seconds()
			obj := res.Objective
			fmt.Printf("  %s seed %d: ACC %.4f NMI %.4f Pur %.4f  %.1f cpu-s  J %.6g -> %.6g (%d it)\n", cfg, s, sc.ACC, sc.NMIArithmetic, sc.Purity, el.Seconds(), obj[0], obj[len(obj)-1], res.Iterations)
		}
		k := float64(seeds)
		fmt.Printf("MEAN %s over %d seeds: ACC %.2f NMI %.2f Purity %.2f  %.1f cpu-s/run\n", cfg, seeds, 100*acc/k, 100*nmi/k, 100*pur/k, secs/k)
	}
}
