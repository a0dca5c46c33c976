package main

import (
	"context"
	"fmt"
	"sync"

	"nmfbench/datasets"
)

// dataSource loads datasets from one directory, once each.
type dataSource struct {
	dir, how string
	mu       sync.Mutex
	cache    map[string]*datasets.Dataset
}

func newDataSource(flagValue string) (*dataSource, error) {
	dir, how := datasets.ResolveDir(flagValue)
	return &dataSource{dir: dir, how: how, cache: map[string]*datasets.Dataset{}}, nil
}

func (s *dataSource) describe() string {
	if s.dir == "" {
		return "no data directory (" + s.how + ")"
	}
	return fmt.Sprintf("%s (%s)", s.dir, s.how)
}

// Load returns the named dataset, verifying its checksum on first use.
func (s *dataSource) Load(ctx context.Context, name string) (*datasets.Dataset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.cache[name]; ok {
		return d, nil
	}
	d, err := datasets.Load(ctx, s.dir, name)
	if err != nil {
		return nil, err
	}
	s.cache[name] = d
	return d, nil
}

// Preprocess applies the named steps.
func (s *dataSource) Preprocess(d *datasets.Dataset, steps []string) (*datasets.Dataset, error) {
	return datasets.Preprocess(d, steps)
}

// Identity is the dataset's expected SHA-256 (Load verifies the file has it).
func (s *dataSource) Identity(name string) (string, error) {
	in, err := datasets.Lookup(name)
	if err != nil {
		return "", err
	}
	return in.SHA256, nil
}

// Check verifies that the named dataset can be loaded (file present,
// checksum right) before anything is written, so a missing file fails the
// command before the results database is touched.
func (s *dataSource) Check(ctx context.Context, name string) error {
	_, err := s.Load(ctx, name) // cached: the run reuses it
	return err
}
