package kmeans

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// sameResult reports how a differs from the reference result b, or "".
// Labels, centers and inertia must agree bit for bit.
func sameResult(a, b *Result) string {
	if math.Float64bits(a.Inertia) != math.Float64bits(b.Inertia) {
		return fmt.Sprintf("inertia %.17g, reference %.17g", a.Inertia, b.Inertia)
	}
	if a.Iterations != b.Iterations || a.Converged != b.Converged || a.Replicate != b.Replicate {
		return fmt.Sprintf("iterations/converged/replicate %d/%v/%d, reference %d/%v/%d",
			a.Iterations, a.Converged, a.Replicate, b.Iterations, b.Converged, b.Replicate)
	}
	for i := range a.Labels {
		if a.Labels[i] != b.Labels[i] {
			return fmt.Sprintf("label %d is %d, reference %d", i, a.Labels[i], b.Labels[i])
		}
	}
	ad, bd := a.Centers.RawMatrix().Data, b.Centers.RawMatrix().Data
	for i := range ad {
		if math.Float64bits(ad[i]) != math.Float64bits(bd[i]) {
			return fmt.Sprintf("center entry %d is %v, reference %v", i, ad[i], bd[i])
		}
	}
	return ""
}

// equivData are the datasets of TestMatchesReference: generic, clustered,
// PIE-like, offset (cancellation in the expanded distance), integer-valued
// (exact ties between distances) and duplicated rows (zero potentials and
// empty clusters).
func equivData() []struct {
	name string
	x    *mat.Dense
} {
	rng := rand.New(rand.NewPCG(77, 78))
	offset := uniform(rng, 300, 12)
	for i := 0; i < 300; i++ {
		for j := 0; j < 12; j++ {
			offset.Set(i, j, offset.At(i, j)+1e3)
		}
	}
	ints := mat.NewDense(240, 3, nil)
	for i := 0; i < 240; i++ {
		for j := 0; j < 3; j++ {
			ints.Set(i, j, float64(rng.IntN(4)))
		}
	}
	dups := mat.NewDense(90, 2, nil)
	for i := 0; i < 90; i++ {
		dups.Set(i, 0, float64(i%9))
		dups.Set(i, 1, float64((i*7)%9%3))
	}
	blob, _ := blobs(rng, 500, 16, 12, 3)
	return []struct {
		name string
		x    *mat.Dense
	}{
		{"uniform400x6", uniform(rng, 400, 6)},
		{"blobs500x16", blob},
		{"pie600x256", pieShape(3, 600, 256, 20)},
		{"offset300x12", offset},
		{"ints240x3", ints},
		{"dups90x2", dups},
		{"embed700x68", benchData(700, 68, 68)},
	}
}

// TestMatchesReference runs Cluster and the reference copy of the
// pre-optimization algorithm (reference_test.go) on several datasets, K,
// seedings, tolerances and seeds, and requires identical results: the same
// labels, centers and inertia bit for bit, the same iterations and best
// replicate.
func TestMatchesReference(t *testing.T) {
	t.Run("all", testMatchesReference)
	// A short drift history: assignments restart their bounds every 3
	// iterations.
	defer func(h int) { histMax = h }(histMax)
	histMax = 3
	t.Run("history3", testMatchesReference)
	// Bounds also for short rows (d < boundMinDim), where Cluster does not
	// use them by default.
	defer func() { boundAlways = false }()
	boundAlways = true
	t.Run("boundsAlways", testMatchesReference)
}

func testMatchesReference(t *testing.T) {
	var st stats
	statsHook = func(w *workspace) { st.add(w.st) }
	defer func() { statsHook = nil }()
	for _, ds := range equivData() {
		n, _ := ds.x.Dims()
		for _, k := range []int{1, 2, 5, 9, 20, 68} {
			if k > n {
				continue
			}
			for _, opt := range []Options{
				{K: k, Replicates: 3},
				{K: k, Replicates: 2, SeedTrials: 3, MaxIter: 50},
				{K: k, Replicates: 2, Seeding: Sample, Tol: -1},
				{K: k, Replicates: 2, MaxIter: 4},
			} {
				for seed := uint64(0); seed < 3; seed++ {
					name := fmt.Sprintf("%s/K%d/%v/t%d/tol%g/max%d/seed%d", ds.name, k, opt.Seeding, opt.SeedTrials, opt.Tol, opt.MaxIter, seed)
					got, err := Cluster(context.Background(), ds.x, opt, rand.New(rand.NewPCG(seed, 9)))
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					want, err := refCluster(context.Background(), ds.x, opt, rand.New(rand.NewPCG(seed, 9)))
					if err != nil {
						t.Fatalf("%s: reference: %v", name, err)
					}
					if msg := sameResult(got, want); msg != "" {
						t.Errorf("%s: %s", name, msg)
					}
				}
			}
		}
	}
	t.Logf("%+v", st)
	// The fast paths must have been taken, and the fallbacks exercised.
	if st.skipped == 0 || st.gathered == 0 || st.full == 0 || st.batchedSeeds == 0 || st.exactSeeds == 0 || st.sequentialSeeds == 0 {
		t.Errorf("some code path never ran: %+v", st)
	}
}

// TestMatchesReferencePIEShape compares with the spec's settings on
// PIE-shaped data (2856 × 1024, K = 68).
func TestMatchesReferencePIEShape(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	x := pieShape(1, 2856, 1024, 68)
	for seed := uint64(0); seed < 2; seed++ {
		got, err := Cluster(context.Background(), x, specOptions(68), rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		want, err := refCluster(context.Background(), x, specOptions(68), rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if msg := sameResult(got, want); msg != "" {
			t.Errorf("seed %d: %s", seed, msg)
		}
	}
}

// TestMatchesReferencePIEReal compares with the spec's settings on the real
// PIE_pose27 pixels, scaled to [0, 1] (skipped without the data).
func TestMatchesReferencePIEReal(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	x := pieData(t)
	for seed := uint64(0); seed < 2; seed++ {
		got, err := Cluster(context.Background(), x, specOptions(68), rand.New(rand.NewPCG(seed, 5)))
		if err != nil {
			t.Fatal(err)
		}
		want, err := refCluster(context.Background(), x, specOptions(68), rand.New(rand.NewPCG(seed, 5)))
		if err != nil {
			t.Fatal(err)
		}
		if msg := sameResult(got, want); msg != "" {
			t.Errorf("seed %d: %s", seed, msg)
		}
	}
}
