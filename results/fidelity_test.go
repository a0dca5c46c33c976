package results

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Schema version 3 (issue 14): every run keeps its protocol preset and its
// resolved k-means stage, every reference value its documented cause; both
// survive a save/read round trip and a merge, and older databases migrate
// with empty values.
func TestProtocolKMeansAndCause(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := sampleRun("h1", 0)
	a.Protocol, a.KMeans = "lineage", `{"replicates":20,"max_iter":100,"tol":0.000001}`
	b := sampleRun("h2", 1)
	b.Protocol, b.KMeans = "paper-literal", `{"replicates":1,"max_iter":100,"tol":0.000001}`
	pa, pb := filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")
	for _, c := range []struct {
		path string
		run  *Run
		ref  Reference
	}{
		{pa, a, Reference{Dataset: "D", Method: "NMF", Metric: "ACC", Value: 0.5, Source: "paper", Cause: "one k-means replicate"}},
		{pb, b, Reference{Dataset: "D", Method: "GNMF", Metric: "NMI", Value: 0.9, Source: "paper", Cause: "l2rows"}},
	} {
		s, err := Open(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Save(ctx, c.run); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveReferences(ctx, []Reference{c.ref}); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	s, err := OpenReadOnly(pa)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Protocol != a.Protocol || runs[0].KMeans != a.KMeans {
		t.Fatalf("read back %+v; want protocol %q, kmeans %s", runs, a.Protocol, a.KMeans)
	}
	refs, err := s.References(ctx)
	s.Close()
	if err != nil || len(refs) != 1 || refs[0].Cause != "one k-means replicate" {
		t.Fatalf("references %+v, %v; want the cause back", refs, err)
	}

	out := filepath.Join(dir, "m.db")
	if _, err := Merge(ctx, out, []string{pa, pb}, MergeOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := OpenReadOnly(out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	runs, err = m.Runs(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range runs {
		got[r.ConfigHash] = r.Protocol + " " + r.KMeans
	}
	if got["h1"] != a.Protocol+" "+a.KMeans || got["h2"] != b.Protocol+" "+b.KMeans {
		t.Errorf("merged runs %v: protocol and k-means must be carried over", got)
	}
	refs, err = m.References(ctx)
	if err != nil {
		t.Fatal(err)
	}
	causes := map[string]string{}
	for _, r := range refs {
		causes[r.Method] = r.Cause
	}
	if causes["NMF"] != "one k-means replicate" || causes["GNMF"] != "l2rows" {
		t.Errorf("merged causes %v", causes)
	}
}

func TestMigrateToVersion3(t *testing.T) {
	ctx := context.Background()
	src, err := os.ReadFile("testdata/v1.db")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "v1.db")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.version(); err != nil || v != len(migrations) || v < 3 {
		t.Fatalf("version %d, %v; want %d (≥ 3)", v, err, len(migrations))
	}
	runs, err := s.Runs(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) == 0 {
		t.Fatal("no runs in testdata/v1.db")
	}
	for _, r := range runs {
		if r.Protocol != "" || r.KMeans != "" {
			t.Errorf("migrated run %s: protocol %q, kmeans %q; want empty (not recorded then)", r.ConfigHash, r.Protocol, r.KMeans)
		}
	}
	if _, err := s.References(ctx); err != nil {
		t.Errorf("references after migration: %v", err)
	}
}

// Handles opening one new database at once (as processes sharing it do)
// migrate it once: none fails with "table runs already exists", and the
// version table holds one row.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	const n = 6
	errs := make(chan error, n)
	stores := make(chan *Store, n)
	for i := 0; i < n; i++ {
		go func() {
			s, err := Open(path)
			errs <- err
			stores <- s
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	for i := 0; i < n; i++ {
		if s := <-stores; s != nil {
			defer s.Close()
		}
	}
	s, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rows, v int
	if err := s.db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_version`).Scan(&rows, &v); err != nil {
		t.Fatal(err)
	}
	if rows != 1 || v != len(migrations) {
		t.Errorf("schema_version: %d rows, version %d; want 1 row, version %d", rows, v, len(migrations))
	}
}
