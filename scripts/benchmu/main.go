// Command benchmu times the built-in Lee–Seung NMF (Frobenius loss,
// multiplicative updates: internal/mu) per iteration at a given shape, one
// BLAS thread, for scripts/bench_sklearn_nmf.py, which runs it beside
// scikit-learn's NMF(solver='mu') and prints the ratio.
//
//	go run -tags netlib ./scripts/benchmu -n 2856 -d 1024 -r 68 -iters 200
//
// It prints one JSON object: shape, iterations, seconds per iteration (the
// best of -repeats timings of -iters Step calls, wall and CPU time), the final objective and
// the BLAS backend.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"syscall"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/blasbackend"
	"nmfbench/internal/mu"
)

func main() {
	blasbackend.Ensure()
	n := flag.Int("n", 2856, "samples (rows of X)")
	d := flag.Int("d", 1024, "features")
	r := flag.Int("r", 68, "rank")
	iters := flag.Int("iters", 200, "iterations per timing")
	repeats := flag.Int("repeats", 3, "timings; the fastest is reported")
	seed := flag.Uint64("seed", 1, "random seed of the data and the start")
	flag.Parse()
	blasbackend.SetThreads(1)

	rng := rand.New(rand.NewPCG(*seed, 0))
	Xt := mat.NewDense(*n, *d, nil)
	for i := range Xt.RawMatrix().Data {
		Xt.RawMatrix().Data[i] = rng.Float64()
	}
	best, bestCPU := 0.0, 0.0
	var obj float64
	for k := 0; k < *repeats; k++ {
		U, V := mu.RandomInit(rand.New(rand.NewPCG(*seed, uint64(k)+1)), Xt, *r)
		f, err := mu.New(Xt, U, V, mu.Config{Loss: mu.Frobenius})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		f.Step() // warm-up: first touch of the work buffers
		start, cpu0 := time.Now(), cpuSeconds()
		for it := 0; it < *iters; it++ {
			f.Step()
		}
		per := time.Since(start).Seconds() / float64(*iters)
		perCPU := (cpuSeconds() - cpu0) / float64(*iters)
		if k == 0 || per < best {
			best = per
		}
		if k == 0 || perCPU < bestCPU {
			bestCPU = perCPU
		}
		obj = f.Objective()
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"impl": "nmfbench internal/mu", "n": *n, "d": *d, "r": *r, "iters": *iters, "repeats": *repeats,
		"sec_per_iter": best, "cpu_sec_per_iter": bestCPU, "objective": obj, "blas": blasbackend.Describe().String(),
	})
}

// cpuSeconds is the process's user + system CPU time: unlike wall time it
// barely moves when other processes share the cores.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
