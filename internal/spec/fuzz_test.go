package spec

import (
	"os"
	"path/filepath"
	"testing"

	"nmfbench/methods"
)

// FuzzParseExpand checks that Parse and Expand never panic on any input,
// that a plan they accept has one run per configuration hash, and that every
// run is consistent with the spec's limits. The seed corpus is the
// repository's experiments/*.yaml, the malformed corpus and the specs of the
// unit tests. A plain go test run executes only the seed corpus; run
// go test -fuzz FuzzParseExpand ./internal/spec to explore further.
func FuzzParseExpand(f *testing.F) {
	for _, pattern := range []string{"../../experiments/*.yaml", "testdata/malformed/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			// Large files (the over-limit lists) make slow seeds: the
			// fuzzer mutates and minimizes small inputs much faster.
			if b, err := os.ReadFile(p); err == nil && len(b) <= 4<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(good))
	f.Add([]byte(good + "  - label: S\n    method: M\n    sweep: {param: alpha, values: [1, 2]}\n"))
	f.Add([]byte("name: x\nseeds: [0, 5]\ndatasets: [{name: a}, {name: A}]\nmethods: [{method: NMF, sweep: {param: rank, values: [1, 2]}}]\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		const fuzzRuns = 2000
		if len(body) > 64<<10 {
			t.Skip("inputs are kept small")
		}
		s, err := Parse(body)
		if err != nil {
			return
		}
		if len(s.Seeds) == 0 || len(s.Seeds) > MaxSeeds {
			t.Fatalf("parsed spec has %d seeds", len(s.Seeds))
		}
		// Large grids are cut to fewer repetitions to keep each execution
		// fast (the MaxRuns check itself is in the malformed corpus).
		var filter Filter
		rows := 0
		for _, m := range s.Methods {
			if m.Sweep != nil {
				rows += max(1, len(m.Sweep.Values))
			} else {
				rows++
			}
		}
		if per := len(s.Datasets) * rows; per > 0 && per*len(s.Seeds) > fuzzRuns {
			filter.Seeds = max(1, fuzzRuns/per)
		}
		plan, err := s.Expand(methods.Default, ident, filter)
		if err != nil {
			return
		}
		if len(plan.Runs) == 0 || len(plan.Runs) > MaxRuns {
			t.Fatalf("plan has %d runs", len(plan.Runs))
		}
		hashes := make(map[string]bool, len(plan.Runs))
		for _, r := range plan.Runs {
			if hashes[r.ConfigHash] {
				t.Fatalf("two runs share config hash %s (%s %s rep %d)", r.ConfigHash, r.Dataset, r.Label, r.Rep)
			}
			hashes[r.ConfigHash] = true
			if r.Method == nil || len(r.Labels) == 0 || r.Labels[0].Name != r.Label {
				t.Fatalf("run %+v is incomplete", r)
			}
			for _, l := range r.Labels {
				if err := checkName("label", l.Name); err != nil {
					t.Fatalf("accepted row label: %v", err)
				}
			}
		}
	})
}
