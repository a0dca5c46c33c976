package kmeans

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/metrics"
)

// blobs returns n points in d dimensions around k centers spread far apart
// (center coordinates uniform in [0, spread)) with unit Gaussian noise, and
// their true blob.
func blobs(rng *rand.Rand, n, d, k int, spread float64) (*mat.Dense, []int) {
	centers := make([][]float64, k)
	for j := range centers {
		centers[j] = make([]float64, d)
		for c := range centers[j] {
			centers[j][c] = spread * rng.Float64()
		}
	}
	x := mat.NewDense(n, d, nil)
	truth := make([]int, n)
	for i := 0; i < n; i++ {
		truth[i] = i % k
		for c := 0; c < d; c++ {
			x.Set(i, c, centers[truth[i]][c]+rng.NormFloat64())
		}
	}
	return x, truth
}

func uniform(rng *rand.Rand, n, d int) *mat.Dense {
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, rng.Float64())
		}
	}
	return x
}

// naiveSq is the squared Euclidean distance by its definition.
func naiveSq(x *mat.Dense, i int, c *mat.Dense, j int) float64 {
	_, d := x.Dims()
	s := 0.0
	for k := 0; k < d; k++ {
		t := x.At(i, k) - c.At(j, k)
		s += t * t
	}
	return s
}

// TestBlobsRecovered checks that well-separated blobs are found exactly.
func TestBlobsRecovered(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Options
	}{
		{"kmeans++", Options{K: 6}},
		{"kmeans++ greedy", Options{K: 6, SeedTrials: 3}},
		{"sample", Options{K: 6, Seeding: Sample}},
	} {
		rng := rand.New(rand.NewPCG(1, 2))
		x, truth := blobs(rng, 300, 10, 6, 100)
		res, err := Cluster(context.Background(), x, tc.opt, rng)
		if err != nil {
			t.Fatal(err)
		}
		s, err := metrics.Evaluate(truth, res.Labels)
		if err != nil {
			t.Fatal(err)
		}
		if s["acc"] != 1 {
			t.Errorf("%s: ACC %v, want 1", tc.name, s["acc"])
		}
		if !res.Converged {
			t.Errorf("%s: not converged after %d iterations", tc.name, res.Iterations)
		}
	}
}

// TestResultConsistent checks the result against naive computations: centers
// are the means of their rows, the inertia is the naive sum, every cluster is
// nonempty and, once converged by stable assignments, every row is labelled
// with its nearest center.
func TestResultConsistent(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range []int{1, 2, 7, 30} {
		x := uniform(rng, 150, 5)
		res, err := Cluster(context.Background(), x, Options{K: k, Replicates: 3, Tol: -1}, rng)
		if err != nil {
			t.Fatal(err)
		}
		n, d := x.Dims()
		sum := mat.NewDense(k, d, nil)
		count := make([]int, k)
		for i, l := range res.Labels {
			if l < 0 || l >= k {
				t.Fatalf("K=%d: label %d out of range", k, l)
			}
			count[l]++
			for c := 0; c < d; c++ {
				sum.Set(l, c, sum.At(l, c)+x.At(i, c))
			}
		}
		for j := 0; j < k; j++ {
			if count[j] == 0 {
				t.Fatalf("K=%d: cluster %d empty", k, j)
			}
			for c := 0; c < d; c++ {
				if want := sum.At(j, c) / float64(count[j]); math.Abs(res.Centers.At(j, c)-want) > 1e-14 {
					t.Errorf("K=%d: center %d,%d = %v, mean %v", k, j, c, res.Centers.At(j, c), want)
				}
			}
		}
		inertia := 0.0
		for i := 0; i < n; i++ {
			inertia += naiveSq(x, i, res.Centers, res.Labels[i])
		}
		if math.Abs(inertia-res.Inertia) > 1e-12*inertia {
			t.Errorf("K=%d: inertia %v, naive %v", k, res.Inertia, inertia)
		}
		if !res.Converged {
			t.Fatalf("K=%d: did not converge", k)
		}
		for i := 0; i < n; i++ {
			own := naiveSq(x, i, res.Centers, res.Labels[i])
			for j := 0; j < k; j++ {
				if naiveSq(x, i, res.Centers, j) < own-1e-12 {
					t.Errorf("K=%d: row %d labelled %d but center %d is nearer", k, i, res.Labels[i], j)
				}
			}
		}
	}
}

// TestAssignMatchesNaive checks the GEMM-based assignment step against naive
// distances for random centers, including centers equal to data rows.
func TestAssignMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	x := uniform(rng, 200, 13)
	// Offset so that the expanded form has real cancellation to cope with.
	for i := 0; i < 200; i++ {
		for j := 0; j < 13; j++ {
			x.Set(i, j, x.At(i, j)+50)
		}
	}
	const k = 9
	opt, _ := Options{K: k}.withDefaults(200)
	w := newWorkspace(x.RawMatrix(), opt)
	centers := mat.NewDense(k, 13, w.cent.Data)
	for j := 0; j < k; j++ {
		if j%3 == 0 {
			centers.SetRow(j, x.RawRowView(17*j))
		} else {
			for c := 0; c < 13; c++ {
				centers.Set(j, c, 50+rng.Float64())
			}
		}
	}
	for i := range w.labels {
		w.labels[i] = -1
	}
	if changed := w.assign(); changed != 200 {
		t.Errorf("first assignment changed %d labels, want 200", changed)
	}
	for i := 0; i < 200; i++ {
		best := math.Inf(1)
		for j := 0; j < k; j++ {
			best = math.Min(best, naiveSq(x, i, centers, j))
		}
		scale := 1e-11 * (w.xnorm[i] + 1)
		if got := naiveSq(x, i, centers, w.labels[i]); got > best+scale {
			t.Errorf("row %d: assigned distance %v, nearest %v", i, got, best)
		}
		if math.Abs(w.mind[i]-best) > scale || w.mind[i] < 0 {
			t.Errorf("row %d: distance %v, naive %v", i, w.mind[i], best)
		}
	}
	if changed := w.assign(); changed != 0 {
		t.Errorf("repeated assignment changed %d labels", changed)
	}
}

// TestInertiaMonotone checks that the inertia never increases over Lloyd
// iterations (up to rounding of the sums).
func TestInertiaMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, seeding := range []Seeding{PlusPlus, Sample} {
		x := uniform(rng, 400, 6)
		opt, _ := Options{K: 12, Tol: -1, Seeding: seeding}.withDefaults(400)
		w := newWorkspace(x.RawMatrix(), opt)
		for rep := 0; rep < 5; rep++ {
			prev := math.Inf(1)
			iters := 0
			_, _, _, err := w.replicate(context.Background(), rng, func(it int, inertia float64) {
				iters = it
				if inertia > prev*(1+1e-13) {
					t.Errorf("%v replicate %d: inertia rose from %.17g to %.17g at iteration %d", seeding, rep, prev, inertia, it)
				}
				prev = inertia
			})
			if err != nil {
				t.Fatal(err)
			}
			if iters < 3 {
				t.Errorf("%v replicate %d: only %d iterations; the test needs a longer run", seeding, rep, iters)
			}
		}
	}
}

// TestDeterministic checks that one seed gives bit-identical results.
func TestDeterministic(t *testing.T) {
	x := uniform(rand.New(rand.NewPCG(1, 1)), 300, 8)
	run := func() *Result {
		res, err := Cluster(context.Background(), x, Options{K: 10, SeedTrials: 2}, rand.New(rand.NewPCG(42, 43)))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(), run()
	if a.Inertia != b.Inertia || a.Iterations != b.Iterations || a.Replicate != b.Replicate || !mat.Equal(a.Centers, b.Centers) {
		t.Fatalf("results differ: inertia %v/%v iterations %d/%d", a.Inertia, b.Inertia, a.Iterations, b.Iterations)
	}
	for i := range a.Labels {
		if a.Labels[i] != b.Labels[i] {
			t.Fatalf("label %d differs", i)
		}
	}
}

// TestReplicatesNeverWorse checks that more replicates never give a higher
// inertia than the first replicate alone (same seed, so the first replicate
// is the same run).
func TestReplicatesNeverWorse(t *testing.T) {
	x := uniform(rand.New(rand.NewPCG(2, 2)), 250, 4)
	improved := 0
	for seed := uint64(0); seed < 10; seed++ {
		one, err := Cluster(context.Background(), x, Options{K: 15, Replicates: 1}, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		many, err := Cluster(context.Background(), x, Options{K: 15, Replicates: 10}, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if many.Inertia > one.Inertia {
			t.Errorf("seed %d: 10 replicates inertia %v > first replicate %v", seed, many.Inertia, one.Inertia)
		}
		if many.Replicate == 0 && many.Inertia != one.Inertia {
			t.Errorf("seed %d: best is replicate 0 but inertia %v differs from the single run %v", seed, many.Inertia, one.Inertia)
		}
		if many.Inertia < one.Inertia {
			improved++
		}
	}
	if improved == 0 {
		t.Errorf("replicates never improved on the first one; the test data is too easy")
	}
}

// TestEmptyClusterRefilled drives the assignment into empty clusters: with
// duplicated rows and K equal to the number of distinct rows, and with a
// center far from every row.
func TestEmptyClusterRefilled(t *testing.T) {
	// Four distinct points, each repeated, K = 4 → one point per cluster.
	data := []float64{0, 0, 0, 0, 10, 10, 10, 10, 0, 10, 0, 10, 10, 0, 10, 0}
	x := mat.NewDense(16, 1, nil)
	for i := range 16 {
		x.Set(i, 0, data[i])
	}
	x2 := mat.NewDense(8, 2, data)
	for _, xs := range []*mat.Dense{x, x2} {
		n, _ := xs.Dims()
		for seed := uint64(0); seed < 20; seed++ {
			k := 2
			if n == 8 {
				k = 4
			}
			res, err := Cluster(context.Background(), xs, Options{K: k, Replicates: 1, Seeding: Sample}, rand.New(rand.NewPCG(seed, 1)))
			if err != nil {
				t.Fatal(err)
			}
			count := make([]int, k)
			for _, l := range res.Labels {
				count[l]++
			}
			for j, c := range count {
				if c == 0 {
					t.Fatalf("seed %d: cluster %d empty", seed, j)
				}
			}
			if res.Inertia != 0 {
				t.Errorf("seed %d, %d×K=%d: inertia %v, want 0 (one distinct point per cluster)", seed, n, k, res.Inertia)
			}
		}
	}

	// Direct check of the rule: a far-away center gets the row farthest from
	// its own center.
	pts := mat.NewDense(5, 1, []float64{0, 1, 2, 3, 9})
	opt, _ := Options{K: 2}.withDefaults(5)
	w := newWorkspace(pts.RawMatrix(), opt)
	w.cent.Data[0], w.cent.Data[1] = 2, 1000
	for i := range w.labels {
		w.labels[i] = -1
	}
	w.assign()
	if moved := w.fillEmpty(); moved != 1 || w.labels[4] != 1 || w.counts[0] != 4 || w.counts[1] != 1 {
		t.Errorf("fillEmpty moved %d rows, labels %v counts %v; want row 4 (farthest) moved to cluster 1", moved, w.labels, w.counts)
	}
}

// TestEdgeCases checks K = 1 (the mean) and K = n (zero inertia).
func TestEdgeCases(t *testing.T) {
	x := uniform(rand.New(rand.NewPCG(9, 1)), 20, 3)
	res, err := Cluster(context.Background(), x, Options{K: 1}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < 3; c++ {
		if want := mat.Sum(x.ColView(c)) / 20; math.Abs(res.Centers.At(0, c)-want) > 1e-15 {
			t.Errorf("K=1: center %v, mean %v", res.Centers.At(0, c), want)
		}
	}
	res, err = Cluster(context.Background(), x, Options{K: 20}, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Inertia != 0 {
		t.Errorf("K=n: inertia %v, want 0", res.Inertia)
	}
}

// TestSampleD2 checks the D² draw's frequencies (fixed seed) and that rows at
// distance 0 are never drawn.
func TestSampleD2(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 34))
	mind := []float64{0, 1, 0, 3, 0, 4}
	counts := make([]int, len(mind))
	const draws = 80000
	for range draws {
		counts[sampleD2(mind, 8, rng)]++
	}
	for i, p := range mind {
		p /= 8
		sd := math.Sqrt(draws * p * (1 - p))
		if math.Abs(float64(counts[i])-draws*p) > 5*sd+1e-9 {
			t.Errorf("row %d drawn %d times, expected %.0f ± %.0f", i, counts[i], draws*p, sd)
		}
	}
	if counts[0]+counts[2]+counts[4] != 0 {
		t.Errorf("rows at distance 0 drawn: %v", counts)
	}
}

func TestErrors(t *testing.T) {
	x := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 8})
	bad := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, math.NaN(), 7, 8})
	inf := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, math.Inf(-1), 8})
	rng := rand.New(rand.NewPCG(1, 1))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		x    *mat.Dense
		opt  Options
		rng  *rand.Rand
		want string
	}{
		{"K=0", context.Background(), x, Options{K: 0}, rng, "K = 0"},
		{"K>n", context.Background(), x, Options{K: 5}, rng, "only 4 samples"},
		{"NaN", context.Background(), bad, Options{K: 2}, rng, "row 2, column 1 is NaN"},
		{"Inf", context.Background(), inf, Options{K: 2}, rng, "row 3, column 0 is -Inf"},
		{"nil x", context.Background(), nil, Options{K: 1}, rng, "no samples"},
		{"nil rng", context.Background(), x, Options{K: 1}, nil, "random source"},
		{"negative", context.Background(), x, Options{K: 1, Replicates: -1}, rng, "negative"},
		{"NaN tol", context.Background(), x, Options{K: 1, Tol: math.NaN()}, rng, "tolerance"},
		{"seeding", context.Background(), x, Options{K: 1, Seeding: 7}, rng, "seeding"},
		{"cancelled", cancelled, x, Options{K: 2}, rng, "canceled"},
	} {
		_, err := Cluster(tc.ctx, tc.x, tc.opt, tc.rng)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
		if tc.name == "cancelled" && !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: error %v does not wrap context.Canceled", err)
		}
	}
}

func benchData(n, d, k int) *mat.Dense {
	x, _ := blobs(rand.New(rand.NewPCG(uint64(n), uint64(d))), n, d, k, 4)
	return x
}

// BenchmarkCluster times 10 replicates on the shapes nmfbench clusters:
// COIL20-sized embeddings (1440×20, K=20), PIE-sized (2856×68, K=68) and raw
// COIL20 pixels (1440×1024, K=20).
func BenchmarkCluster(b *testing.B) {
	for _, sz := range []struct{ n, d, k int }{{1440, 20, 20}, {2856, 68, 68}, {1440, 1024, 20}} {
		x := benchData(sz.n, sz.d, sz.k)
		b.Run(fmt.Sprintf("%dx%d_K%d", sz.n, sz.d, sz.k), func(b *testing.B) {
			b.ReportAllocs()
			iters := 0
			for i := 0; b.Loop(); i++ {
				res, err := Cluster(context.Background(), x, Options{K: sz.k, Replicates: 10}, rand.New(rand.NewPCG(uint64(i), 0)))
				if err != nil {
					b.Fatal(err)
				}
				iters += res.Iterations
			}
			b.ReportMetric(float64(iters)/float64(b.N), "iters(best)/op")
		})
	}
}

// BenchmarkLloydStep times one assignment + update step, which must not
// allocate beyond the BLAS call.
func BenchmarkLloydStep(b *testing.B) {
	for _, sz := range []struct{ n, d, k int }{{1440, 20, 20}, {2856, 68, 68}, {1440, 1024, 20}} {
		x := benchData(sz.n, sz.d, sz.k)
		opt, _ := Options{K: sz.k}.withDefaults(sz.n)
		w := newWorkspace(x.RawMatrix(), opt)
		w.seedPlusPlus(rand.New(rand.NewPCG(1, 1)))
		b.Run(fmt.Sprintf("%dx%d_K%d", sz.n, sz.d, sz.k), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w.assign()
				w.fillEmpty()
				w.updateCenters()
				w.inertia()
			}
		})
	}
}

// BenchmarkSeed times one k-means++ seeding (standard and with 3 trials).
func BenchmarkSeed(b *testing.B) {
	for _, sz := range []struct{ n, d, k int }{{1440, 20, 20}, {2856, 68, 68}, {1440, 1024, 20}} {
		x := benchData(sz.n, sz.d, sz.k)
		for _, trials := range []int{1, 3} {
			opt, _ := Options{K: sz.k, SeedTrials: trials}.withDefaults(sz.n)
			w := newWorkspace(x.RawMatrix(), opt)
			rng := rand.New(rand.NewPCG(1, 1))
			b.Run(fmt.Sprintf("%dx%d_K%d_trials%d", sz.n, sz.d, sz.k, trials), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					w.seedPlusPlus(rng)
				}
			})
		}
	}
}
