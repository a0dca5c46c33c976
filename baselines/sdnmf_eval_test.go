package baselines

// Temporary evaluation harness (deleted before handing over).

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

func TestSDNMFEvalTmp(t *testing.T) {
	spec := os.Getenv("SDNMF_EVAL")
	if spec == "" {
		t.Skip()
	}
	seeds, _ := strconv.Atoi(os.Getenv("SDNMF_SEEDS"))
	dir, _ := datasets.ResolveDir("")
	data, err := datasets.Load(context.Background(), dir, os.Getenv("SDNMF_DATA"))
	if err != nil {
		t.Fatal(err)
	}
	if pre := os.Getenv("SDNMF_PRE"); pre != "" {
		data, err = datasets.Preprocess(data, strings.Split(pre, ","))
		if err != nil {
			t.Fatal(err)
		}
	}
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(spec), &node); err != nil {
		t.Fatal(err)
	}
	c, err := methods.Default.Build("SDNMF", node.Content[0])
	if err != nil {
		t.Fatal(err)
	}
	var sa, sn float64
	for seed := 1; seed <= seeds; seed++ {
		p := &methods.Problem{Data: data, K: data.Classes, RNG: rand.New(rand.NewPCG(uint64(seed), 0)), Memo: &methods.Memo{}, DataKey: data.Name}
		t0 := time.Now()
		res, err := c.Fit(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(t0)
		km, err := kmeans.Cluster(context.Background(), res.Embedding, kmeans.Options{K: data.Classes, Replicates: 20}, rand.New(rand.NewPCG(uint64(seed), 9)))
		if err != nil {
			t.Fatal(err)
		}
		sc, _ := metrics.Evaluate(data.Labels, km.Labels)
		sa += sc.ACC
		sn += sc.NMIArithmetic
		fmt.Printf("%s %s seed %d: %.1fs ACC %.4f NMI %.4f obj %.6g -> %.6g\n", spec, os.Getenv("SDNMF_PRE"), seed, el.Seconds(), sc.ACC, sc.NMIArithmetic, res.Objective[0], res.Objective[len(res.Objective)-1])
	}
	fmt.Printf("%s %s mean ACC %.4f NMI %.4f\n", spec, os.Getenv("SDNMF_PRE"), sa/float64(seeds), sn/float64(seeds))
}
