package blasbackend

import (
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// BenchmarkDgemm measures one-thread DGEMM on the workload's shapes with the
// active BLAS and core (choose it with OPENBLAS_CORETYPE), in GFLOP/s.
func BenchmarkDgemm(b *testing.B) {
	prev := Threads()
	SetThreads(1)
	defer SetThreads(prev)
	b.Logf("BLAS %s, core %s (detected %s)", Name(), Core(), DetectCore())
	impl := blas64.Implementation()
	for _, sh := range WorkloadShapes {
		b.Run(sh.Name, func(b *testing.B) {
			a, x, c := make([]float64, sh.M*sh.K), make([]float64, sh.K*sh.N), make([]float64, sh.M*sh.N)
			for i := range a {
				a[i] = float64(i%7) / 7
			}
			for i := range x {
				x[i] = float64(i%5) / 5
			}
			for b.Loop() {
				impl.Dgemm(blas.NoTrans, blas.NoTrans, sh.M, sh.N, sh.K, 1, a, sh.K, x, sh.N, 0, c, sh.N)
			}
			b.ReportMetric(sh.Flops()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkVerify is the cost Ensure adds to start-up.
func BenchmarkVerify(b *testing.B) {
	impl := blas64.Implementation()
	for b.Loop() {
		if err := Verify(impl); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFMAPeak logs the measured FMA peak (and checks it is plausible).
func TestFMAPeak(t *testing.T) {
	zmm, ymm, ok := fmaPeak(200*time.Millisecond, CPUFeatures())
	if !ok {
		t.Skip("no cgo")
	}
	t.Logf("FMA peak per core: 512-bit %.1f GFLOP/s, 256-bit %.1f GFLOP/s", zmm, ymm)
	f := CPUFeatures()
	if f.AVX2 && f.FMA && !(ymm > 1) || f.AVX512F && !(zmm > 1) {
		t.Errorf("implausible peak: zmm %.1f ymm %.1f", zmm, ymm)
	}
}
