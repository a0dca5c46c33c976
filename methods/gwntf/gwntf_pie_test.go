package gwntf_test

import (
	"context"
	"os"
	"testing"
	"time"

	"nmfbench/datasets"
	"nmfbench/methods"
)

// TestGWNTFFitTimes fits the default GWNTF (100 outer iterations) once on
// PIE_pose27 and COIL20 (scale01) and logs wall and CPU seconds and the
// scores. It is a timing probe, run only with NMFBENCH_TIMING=1 (and the
// data): `NMFBENCH_TIMING=1 OPENBLAS_NUM_THREADS=1 go test -tags netlib
// -run FitTimes -v ./methods/gwntf/`.
func TestGWNTFFitTimes(t *testing.T) {
	if os.Getenv("NMFBENCH_TIMING") == "" {
		t.Skip("timing probe; set NMFBENCH_TIMING=1")
	}
	ctx := context.Background()
	for _, name := range []string{"PIE_pose27", "COIL20"} {
		d, err := datasets.Load(ctx, os.Getenv("NMFBENCH_DATA"), name)
		if err != nil {
			t.Skip(err)
		}
		if d, err = datasets.Preprocess(d, []string{"scale01"}); err != nil {
			t.Fatal(err)
		}
		c, err := methods.Default.Build("GWNTF", nil)
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		sc, res, cpu := gwRunOnce(ctx, t, c, d, &methods.Memo{}, 1)
		t.Logf("%s: fit+kmeans %.1f s wall, fit %.1f CPU-s; %d iterations, J %.6g → %.6g; ACC %.4f NMI %.4f",
			name, time.Since(t0).Seconds(), cpu.Seconds(), res.Iterations, res.Objective[0], res.Objective[len(res.Objective)-1], sc["acc"], sc["nmi_arithmetic"])
	}
}
