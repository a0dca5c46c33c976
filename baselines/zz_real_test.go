package baselines

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"nmfbench/datasets"
	"nmfbench/internal/kmeans"
	"nmfbench/methods"
	"nmfbench/metrics"
)

// TestScratchReal: MEASURE="DATASET;METHOD;yamlparams;seeds"
func TestScratchReal(t *testing.T) {
	spec := os.Getenv("MEASURE")
	if spec == "" {
		t.Skip()
	}
	parts := strings.Split(spec, ";")
	ctx := context.Background()
	raw, err := datasets.Load(ctx, "/work/shared/datasets", parts[0])
	if err != nil {
		t.Fatal(err)
	}
	steps := []string{"scale01"}
	if len(parts) > 4 && parts[4] != "" {
		steps = strings.Split(parts[4], ",")
	}
	d, err := datasets.Preprocess(raw, steps)
	if err != nil {
		t.Fatal(err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(parts[2]), &node); err != nil {
		t.Fatal(err)
	}
	var pn *yaml.Node
	if len(node.Content) > 0 {
		pn = node.Content[0]
	}
	cm, err := methods.Default.Build(parts[1], pn)
	if err != nil {
		t.Fatal(err)
	}
	seeds, _ := strconv.Atoi(parts[3])
	memo := &methods.Memo{}
	var accs, nmis, secs []float64
	for s := 1; s <= seeds; s++ {
		p := &methods.Problem{Data: d, K: d.Classes, RNG: rand.New(rand.NewPCG(uint64(s), 1)), Memo: memo, DataKey: parts[0]}
		t0 := time.Now()
		res, err := cm.Fit(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		sec := time.Since(t0).Seconds()
		km, err := kmeans.Cluster(ctx, res.Embedding, kmeans.Options{K: d.Classes, Replicates: 10}, rand.New(rand.NewPCG(uint64(s), 2)))
		if err != nil {
			t.Fatal(err)
		}
		sc, _ := metrics.Evaluate(d.Labels, km.Labels)
		accs = append(accs, sc.ACC)
		nmis = append(nmis, sc.NMIGeometric)
		secs = append(secs, sec)
		fmt.Printf("seed %d: ACC %.4f NMI %.4f it %d conv %v obj %.6g sec %.2f\n", s, sc.ACC, sc.NMIGeometric, res.Iterations, res.Converged, res.Objective[len(res.Objective)-1], sec)
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	fmt.Printf("RESULT %s %s %s: ACC %.4f NMI %.4f sec %.2f (n=%d)\n", parts[0], parts[1], parts[2], mean(accs), mean(nmis), mean(secs), len(accs))
}
