package kmeans

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"nmfbench/datasets"
)

// pieShape returns synthetic data shaped like PIE_pose27 after scale01:
// n rows in d dimensions, k blobs around centers near a common gray level,
// plus a shared 8-dimensional "illumination" variation and pixel noise,
// values clipped to [0, 1]. The blobs overlap like the real faces do, so
// Lloyd's algorithm needs tens of iterations (about 20–30 with the spec's
// settings, as on PIE_pose27).
func pieShape(seed uint64, n, d, k int) *mat.Dense {
	rng := rand.New(rand.NewPCG(seed, uint64(n*d)))
	const rank = 8
	centers := make([]float64, k*d)
	for i := range centers {
		centers[i] = 0.5 + 0.3*(rng.Float64()-0.5)
	}
	basis := make([]float64, rank*d)
	for i := range basis {
		basis[i] = 0.08 * rng.NormFloat64()
	}
	x := mat.NewDense(n, d, nil)
	raw := x.RawMatrix()
	z := make([]float64, rank)
	for i := 0; i < n; i++ {
		c := centers[(i%k)*d : (i%k+1)*d]
		for r := range z {
			z[r] = rng.NormFloat64()
		}
		for j := 0; j < d; j++ {
			v := c[j] + 0.05*rng.NormFloat64()
			for r, zr := range z {
				v += zr * basis[r*d+j]
			}
			raw.Data[i*raw.Stride+j] = min(max(v, 0), 1)
		}
	}
	return x
}

// clusterFunc is Cluster or the reference copy refCluster.
type clusterFunc func(context.Context, *mat.Dense, Options, *rand.Rand) (*Result, error)

var impls = []struct {
	name string
	f    clusterFunc
}{{"new", Cluster}, {"ref", refCluster}}

// specOptions are the paper spec's k-means settings.
func specOptions(k int) Options { return Options{K: k, Replicates: 10, MaxIter: 100, Tol: 1e-6} }

func benchCluster(b *testing.B, x *mat.Dense, opt Options) {
	for _, im := range impls {
		b.Run(im.name, func(b *testing.B) {
			b.ReportAllocs()
			iters := 0
			for i := 0; b.Loop(); i++ {
				res, err := im.f(context.Background(), x, opt, rand.New(rand.NewPCG(uint64(i), 0)))
				if err != nil {
					b.Fatal(err)
				}
				iters += res.Iterations
			}
			b.ReportMetric(float64(iters)/float64(b.N), "iters(best)/op")
		})
	}
}

// BenchmarkClusterPIEShape times the spec's settings (K = 68, 10 replicates,
// MaxIter 100, Tol 1e-6) on synthetic 2856 × 1024 data in [0, 1], the shape
// of the raw-pixel Kmeans baseline on PIE_pose27; new is Cluster, ref the
// pre-optimization copy.
func BenchmarkClusterPIEShape(b *testing.B) {
	benchCluster(b, pieShape(1, 2856, 1024, 68), specOptions(68))
}

// BenchmarkClusterEmbedding times the spec's settings on embedding shapes:
// PIE_pose27 (2856 × 68, K = 68) and COIL20 (1440 × 20, K = 20).
func BenchmarkClusterEmbedding(b *testing.B) {
	for _, sz := range []struct{ n, d, k int }{{2856, 68, 68}, {1440, 20, 20}} {
		x := benchData(sz.n, sz.d, sz.k)
		b.Run(fmt.Sprintf("%dx%d_K%d", sz.n, sz.d, sz.k), func(b *testing.B) { benchCluster(b, x, specOptions(sz.k)) })
	}
}

// pieData loads PIE_pose27 scaled to [0, 1] from $NMFBENCH_DATA (or the
// default ../shared/datasets next to the repository), or reports why not.
func pieData(tb testing.TB) *mat.Dense {
	dir, _ := datasets.ResolveDir("")
	if dir == "" {
		if repo := filepath.Join("..", "..", "..", "shared", "datasets"); dirExists(repo) {
			dir = repo
		}
	}
	if dir == "" {
		tb.Skip("PIE_pose27.mat not available: set NMFBENCH_DATA to the datasets directory")
	}
	d, err := datasets.Load(context.Background(), dir, "PIE_pose27")
	if err != nil {
		tb.Skipf("PIE_pose27 not loadable from %s: %v", dir, err)
	}
	d, err = datasets.Preprocess(d, []string{"scale01"})
	if err != nil {
		tb.Fatal(err)
	}
	return d.X
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// BenchmarkClusterPIEReal times the spec's settings on the real PIE_pose27
// pixels (skipped when the data are absent).
func BenchmarkClusterPIEReal(b *testing.B) {
	benchCluster(b, pieData(b), specOptions(68))
}
