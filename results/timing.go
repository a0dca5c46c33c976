package results

import (
	"context"
	"fmt"
)

// TimingKey groups runs for timing: a dataset, a registered method and a
// label the runs are reported under.
type TimingKey struct {
	Dataset, Method, Label string
}

// Timing is the mean time of a group of runs stored with status ok.
type Timing struct {
	Runs       int     // runs counted
	FitSeconds float64 // mean fit seconds
	KmSeconds  float64 // mean k-means seconds
}

// Total is the mean seconds of a run: fit plus k-means (for the Kmeans
// method nearly all of it is k-means).
func (t Timing) Total() float64 { return t.FitSeconds + t.KmSeconds }

// Seconds returns the mean fit and k-means seconds of the runs stored with
// status ok, per dataset, method and label (a run reported under two labels
// counts in both). It only reads.
func (s *Store) Seconds(ctx context.Context) (map[TimingKey]Timing, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.dataset, r.method, COALESCE(l.label, r.label),
		COUNT(*), AVG(COALESCE(r.fit_seconds, 0)), AVG(COALESCE(r.kmeans_seconds, 0))
		FROM runs r LEFT JOIN run_labels l ON l.config_hash = r.config_hash
		WHERE r.status = 'ok'
		GROUP BY r.dataset, r.method, COALESCE(l.label, r.label)`)
	if err != nil {
		return nil, fmt.Errorf("read run timings: %w", err)
	}
	defer rows.Close()
	out := map[TimingKey]Timing{}
	for rows.Next() {
		var k TimingKey
		var t Timing
		if err := rows.Scan(&k.Dataset, &k.Method, &k.Label, &t.Runs, &t.FitSeconds, &t.KmSeconds); err != nil {
			return nil, fmt.Errorf("read run timings: %w", err)
		}
		out[k] = t
	}
	return out, rows.Err()
}
