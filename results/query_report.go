package results

import (
	"context"
	"fmt"
	"time"
)

// SpecRecord is a spec recorded with SaveSpec: its hash, name, path, the
// YAML text as it was run and the time its first run started.
type SpecRecord struct {
	Hash, Name, Path string
	Body             string
	FirstRun         time.Time
}

// Specs returns every recorded spec, oldest first (reports list them as
// provenance).
func (s *Store) Specs(ctx context.Context) ([]SpecRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT hash, name, path, body, first_run_at FROM specs ORDER BY first_run_at, name`)
	if err != nil {
		return nil, fmt.Errorf("list specs: %w", err)
	}
	defer rows.Close()
	var out []SpecRecord
	for rows.Next() {
		var r SpecRecord
		var first string
		if err := rows.Scan(&r.Hash, &r.Name, &r.Path, &r.Body, &first); err != nil {
			return nil, fmt.Errorf("list specs: %w", err)
		}
		r.FirstRun, _ = time.Parse(time.RFC3339, first)
		out = append(out, r)
	}
	return out, rows.Err()
}

// Traces returns the objective traces and their timestamps of the given runs
// in one query, keyed by run id; runs without a trace are absent.
func (s *Store) Traces(ctx context.Context, ids []int64) (objective, seconds map[int64][]float64, err error) {
	objective, seconds = map[int64][]float64{}, map[int64][]float64{}
	if len(ids) == 0 {
		return objective, seconds, nil
	}
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	rows, err := s.db.QueryContext(ctx, `SELECT run_id, objective, seconds FROM traces`)
	if err != nil {
		return nil, nil, fmt.Errorf("read traces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var o, sec []byte
		if err := rows.Scan(&id, &o, &sec); err != nil {
			return nil, nil, fmt.Errorf("read traces: %w", err)
		}
		if want[id] {
			objective[id], seconds[id] = decodeFloats(o), decodeFloats(sec)
		}
	}
	return objective, seconds, rows.Err()
}
