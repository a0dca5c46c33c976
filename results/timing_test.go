package results

import (
	"context"
	"math"
	"path/filepath"
	"testing"
)

// TestSeconds: mean fit and k-means seconds per (dataset, method, label),
// runs with status ok only, a run counted under every label it carries.
func TestSeconds(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	add := func(hash, label string, fit, km float64, status string) {
		r := sampleRun(hash, 0)
		r.Label, r.FitSeconds, r.KmSeconds, r.Status = label, fit, km, status
		if status == StatusFailed {
			r.Error = "boom"
		}
		if err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	add("a", "NMF", 1, 0.1, StatusOK)
	add("b", "NMF", 3, 0.3, StatusOK)
	add("c", "NMF", 100, 100, StatusFailed)
	add("d", "NMF (KL)", 5, 0.5, StatusOK)
	// Run d is also reported under a second label.
	if err := s.SetLabels(ctx, []LabelEntry{{ConfigHash: "d", Label: "NMF (KL)"}, {ConfigHash: "d", Label: "KL again"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Seconds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	nmf := got[TimingKey{"D", "NMF", "NMF"}]
	if nmf.Runs != 2 || !near(nmf.FitSeconds, 2) || !near(nmf.KmSeconds, 0.2) || !near(nmf.Total(), 2.2) {
		t.Errorf("NMF timing %+v, want 2 runs, fit 2, k-means 0.2", nmf)
	}
	for _, l := range []string{"NMF (KL)", "KL again"} {
		if kl := got[TimingKey{"D", "NMF", l}]; kl.Runs != 1 || !near(kl.FitSeconds, 5) {
			t.Errorf("%s timing %+v", l, kl)
		}
	}
	if len(got) != 3 {
		t.Errorf("%d groups, want 3: %v", len(got), got)
	}
}
