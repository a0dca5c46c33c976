package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Merging. Merge unions results databases (typically the shards of one
// grid, each run into a database of its own) into a new one:
//
//   - runs are identified by configuration hash; each hash is taken from one
//     input, with its scores, trace, factors and provenance, under a new id.
//     When several inputs hold a hash, a run with status ok beats a failed
//     one; among equal statuses the later finished_at wins; on a tie (the
//     same run, e.g. merged before) the first input on the command line wins.
//   - run_labels of a hash are the labels of the input whose run won (the
//     rows that input reports it under); labels of hashes no input has a run
//     for are taken from the first input that has them.
//   - specs are unioned by hash (the earliest first_run_at kept); reference
//     values and dataset descriptions are unioned by key, the first input
//     winning where two differ; the method order is the first input's, then
//     the labels only later inputs know, in their order.
//
// Runs are written in configuration-hash order, so the result does not
// depend on the inputs' ids, and merging the same inputs again gives the
// same rows. The output is built in a temporary file beside out and renamed
// onto it only when complete: a failed or interrupted merge leaves out
// absent or as it was.

// MergeStats counts what a merge did.
type MergeStats struct {
	Inputs int
	Runs   int // runs written
	// Conflicts: configuration hashes held by more than one input, by how they were resolved.
	OKOverFailed int // an ok run beat a failed one
	Later        int // same status, the later finished_at won
	Duplicates   int // same status and finished_at (the same run): the first input's kept
	// Rows of the small tables where inputs disagreed (the first input's kept).
	ReferenceConflicts, DatasetConflicts int
}

// MergeOptions configures Merge.
type MergeOptions struct {
	Force bool // replace out when it exists (it may never be one of the inputs)
}

// mergeHook, when set (tests), is called after every run copied; an error
// aborts the merge there.
var mergeHook func(copied int) error

// Merge writes the union of the databases inputs to out (see above).
// Every input is opened with OpenReadOnly: its schema version must be this
// program's.
func Merge(ctx context.Context, out string, inputs []string, opt MergeOptions) (MergeStats, error) {
	st := MergeStats{Inputs: len(inputs)}
	if len(inputs) == 0 {
		return st, fmt.Errorf("merge: no input databases")
	}
	outInfo, statErr := os.Stat(out)
	if statErr == nil {
		for _, in := range inputs {
			if fi, err := os.Stat(in); err == nil && os.SameFile(fi, outInfo) {
				return st, fmt.Errorf("merge: the output %s is also an input; write to a new file (then rename it yourself if you like)", out)
			}
		}
		if !opt.Force {
			return st, fmt.Errorf("merge: %s exists; pass --force to replace it", out)
		}
		if !outInfo.Mode().IsRegular() {
			return st, fmt.Errorf("merge: %s is not a regular file", out)
		}
	} else if !errors.Is(statErr, os.ErrNotExist) {
		return st, fmt.Errorf("merge: %w", statErr)
	}
	var srcs []*Store
	defer func() {
		for _, s := range srcs {
			s.Close()
		}
	}()
	for _, in := range inputs {
		s, err := OpenReadOnly(in)
		if err != nil {
			return st, fmt.Errorf("merge: %w", err)
		}
		srcs = append(srcs, s)
	}

	dir := filepath.Dir(out)
	f, err := os.CreateTemp(dir, "."+filepath.Base(out)+".merge-*.tmp")
	if err != nil {
		return st, fmt.Errorf("merge: temporary output: %w", err)
	}
	tmp := f.Name()
	f.Close()
	os.Remove(tmp) // results.Open creates it with the schema
	ok := false
	defer func() {
		if !ok {
			for _, p := range []string{tmp, tmp + "-wal", tmp + "-shm", tmp + "-journal"} {
				os.Remove(p)
			}
		}
	}()
	dst, err := Open(tmp)
	if err != nil {
		return st, fmt.Errorf("merge: %w", err)
	}
	if err := mergeInto(ctx, dst, srcs, &st); err != nil {
		dst.Close()
		return st, fmt.Errorf("merge: %w", err)
	}
	// One self-contained file: no -wal beside it to lose in the rename.
	if _, err := dst.db.ExecContext(ctx, `PRAGMA journal_mode=DELETE`); err != nil {
		dst.Close()
		return st, fmt.Errorf("merge: %w", err)
	}
	if err := dst.Close(); err != nil {
		return st, fmt.Errorf("merge: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return st, fmt.Errorf("merge: %w", err)
	}
	if statErr == nil {
		// The replaced database's WAL files must not be applied to the new one.
		os.Remove(out + "-wal")
		os.Remove(out + "-shm")
	}
	if err := os.Rename(tmp, out); err != nil {
		return st, fmt.Errorf("merge: %w", err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return st, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// candidate is one input's run of a configuration hash.
type candidate struct {
	src      int
	id       int64
	status   string
	finished string
}

// better reports whether a beats b under the merge rule, and how it was decided.
func better(a, b candidate) (bool, string) {
	if a.status != b.status {
		return a.status == StatusOK, "status"
	}
	ta, ea := time.Parse(time.RFC3339Nano, a.finished)
	tb, eb := time.Parse(time.RFC3339Nano, b.finished)
	if ea == nil && eb == nil {
		if !ta.Equal(tb) {
			return ta.After(tb), "later"
		}
		return false, "same"
	}
	if a.finished != b.finished {
		return a.finished > b.finished, "later"
	}
	return false, "same"
}

func mergeInto(ctx context.Context, dst *Store, srcs []*Store, st *MergeStats) error {
	// Pick the winning run of every configuration hash.
	win := map[string]candidate{}
	for k, s := range srcs {
		rows, err := s.db.QueryContext(ctx, `SELECT id, config_hash, status, COALESCE(finished_at, '') FROM runs ORDER BY id`)
		if err != nil {
			return fmt.Errorf("%s: read runs: %w", s.path, err)
		}
		for rows.Next() {
			c := candidate{src: k}
			var hash string
			if err := rows.Scan(&c.id, &hash, &c.status, &c.finished); err != nil {
				rows.Close()
				return fmt.Errorf("%s: read runs: %w", s.path, err)
			}
			prev, seen := win[hash]
			if !seen {
				win[hash] = c
				continue
			}
			// Decide once per pair and count by how; the first input keeps ties.
			aWins, how := better(c, prev)
			switch how {
			case "status":
				st.OKOverFailed++
			case "later":
				st.Later++
			default:
				st.Duplicates++
			}
			if aWins {
				win[hash] = c
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s: read runs: %w", s.path, err)
		}
	}

	tx, err := dst.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// The run columns (the same in every input: same schema version), id aside.
	cols, err := runColumns(ctx, tx)
	if err != nil {
		return err
	}
	colList := strings.Join(cols, ", ")
	insRun := `INSERT INTO runs (` + colList + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)`
	selRun := `SELECT ` + colList + ` FROM runs WHERE id = ?`

	hashes := slices.Sorted(func(yield func(string) bool) {
		for h := range win {
			if !yield(h) {
				return
			}
		}
	})
	labelled := map[string]bool{}
	for n, h := range hashes {
		if err := ctx.Err(); err != nil {
			return err
		}
		c := win[h]
		src := srcs[c.src]
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := src.db.QueryRowContext(ctx, selRun, c.id).Scan(ptrs...); err != nil {
			return fmt.Errorf("%s: read run %s: %w", src.path, h, err)
		}
		res, err := tx.ExecContext(ctx, insRun, vals...)
		if err != nil {
			return fmt.Errorf("write run %s: %w", h, err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		if err := copyRows(ctx, src, tx, `SELECT name, value FROM scores WHERE run_id = ? ORDER BY name`, c.id,
			`INSERT INTO scores (run_id, name, value) VALUES (?, ?, ?)`, id, 2); err != nil {
			return fmt.Errorf("run %s scores: %w", h, err)
		}
		if err := copyRows(ctx, src, tx, `SELECT objective, seconds FROM traces WHERE run_id = ?`, c.id,
			`INSERT INTO traces (run_id, objective, seconds) VALUES (?, ?, ?)`, id, 2); err != nil {
			return fmt.Errorf("run %s trace: %w", h, err)
		}
		if err := copyRows(ctx, src, tx, `SELECT name, rows, cols, data FROM factors WHERE run_id = ? ORDER BY name`, c.id,
			`INSERT INTO factors (run_id, name, rows, cols, data) VALUES (?, ?, ?, ?, ?)`, id, 4); err != nil {
			return fmt.Errorf("run %s factors: %w", h, err)
		}
		if err := copyRows(ctx, src, tx, `SELECT label, sweep_param, sweep_value FROM run_labels WHERE config_hash = ? ORDER BY label`, h,
			`INSERT INTO run_labels (config_hash, label, sweep_param, sweep_value) VALUES (?, ?, ?, ?)`, h, 3); err != nil {
			return fmt.Errorf("run %s labels: %w", h, err)
		}
		labelled[h] = true
		st.Runs++
		if mergeHook != nil {
			if err := mergeHook(n + 1); err != nil {
				return err
			}
		}
	}

	// Labels of hashes without a run anywhere: the first input's that has them.
	for _, s := range srcs {
		rows, err := s.db.QueryContext(ctx, `SELECT config_hash, label, sweep_param, sweep_value FROM run_labels ORDER BY config_hash, label`)
		if err != nil {
			return fmt.Errorf("%s: read run_labels: %w", s.path, err)
		}
		mine := map[string]bool{}
		type lab struct{ h, l, p, v string }
		var labs []lab
		for rows.Next() {
			var x lab
			if err := rows.Scan(&x.h, &x.l, &x.p, &x.v); err != nil {
				rows.Close()
				return err
			}
			if labelled[x.h] {
				continue
			}
			mine[x.h] = true
			labs = append(labs, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, x := range labs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO run_labels VALUES (?, ?, ?, ?)`, x.h, x.l, x.p, x.v); err != nil {
				return fmt.Errorf("write run_labels: %w", err)
			}
		}
		for h := range mine {
			labelled[h] = true
		}
	}

	// Specs: union by hash, the earliest first_run_at.
	for _, s := range srcs {
		if err := eachRow(ctx, s, `SELECT hash, name, path, body, first_run_at FROM specs ORDER BY hash`, 5, func(v []any) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO specs (hash, name, path, body, first_run_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT(hash) DO UPDATE SET name = excluded.name, path = excluded.path, body = excluded.body, first_run_at = excluded.first_run_at
				WHERE excluded.first_run_at < specs.first_run_at`, v...)
			return err
		}); err != nil {
			return fmt.Errorf("specs: %w", err)
		}
	}
	// Reference values and datasets: by key, the first input's where they differ.
	for _, s := range srcs {
		if err := eachRow(ctx, s, `SELECT dataset, method, metric, value, source, cause FROM reference_values ORDER BY dataset, method, metric`, 6, func(v []any) error {
			var value any
			var source, cause string
			err := tx.QueryRowContext(ctx, `SELECT value, source, cause FROM reference_values WHERE dataset = ? AND method = ? AND metric = ?`, v[0], v[1], v[2]).Scan(&value, &source, &cause)
			if errors.Is(err, sql.ErrNoRows) {
				_, err = tx.ExecContext(ctx, `INSERT INTO reference_values (dataset, method, metric, value, source, cause) VALUES (?, ?, ?, ?, ?, ?)`, v...)
				return err
			}
			if err == nil && (fmt.Sprint(value) != fmt.Sprint(v[3]) || fmt.Sprint(source) != fmt.Sprint(v[4]) || fmt.Sprint(cause) != fmt.Sprint(v[5])) {
				st.ReferenceConflicts++
			}
			return err
		}); err != nil {
			return fmt.Errorf("reference_values: %w", err)
		}
		if err := eachRow(ctx, s, `SELECT name, samples, features, classes, height, width FROM datasets ORDER BY name`, 6, func(v []any) error {
			var have [5]int64
			err := tx.QueryRowContext(ctx, `SELECT samples, features, classes, height, width FROM datasets WHERE name = ?`, v[0]).Scan(&have[0], &have[1], &have[2], &have[3], &have[4])
			if errors.Is(err, sql.ErrNoRows) {
				_, err = tx.ExecContext(ctx, `INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?)`, v...)
				return err
			}
			if err == nil {
				for i := range have {
					if fmt.Sprint(have[i]) != fmt.Sprint(v[i+1]) {
						st.DatasetConflicts++
						break
					}
				}
			}
			return err
		}); err != nil {
			return fmt.Errorf("datasets: %w", err)
		}
	}
	// Method order: the first input's, then labels only later inputs know.
	pos := 0
	placed := map[string]bool{}
	for _, s := range srcs {
		var labels []string
		if err := eachRow(ctx, s, `SELECT label FROM method_order ORDER BY position, label`, 1, func(v []any) error {
			labels = append(labels, fmt.Sprint(v[0]))
			return nil
		}); err != nil {
			return fmt.Errorf("method_order: %w", err)
		}
		for _, l := range labels {
			if placed[l] {
				continue
			}
			placed[l] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO method_order VALUES (?, ?)`, l, pos); err != nil {
				return fmt.Errorf("method_order: %w", err)
			}
			pos++
		}
	}
	return tx.Commit()
}

// runColumns lists the columns of runs except id, in table order.
func runColumns(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info('runs') ORDER BY cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		if c != "id" {
			cols = append(cols, c)
		}
	}
	return cols, rows.Err()
}

// eachRow calls fn with the n values of every row of query on s.
func eachRow(ctx context.Context, s *Store, query string, n int, fn func([]any) error) error {
	rows, err := s.db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	var all [][]any
	for rows.Next() {
		v := make([]any, n)
		p := make([]any, n)
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			rows.Close()
			return fmt.Errorf("%s: %w", s.path, err)
		}
		all = append(all, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", s.path, err)
	}
	for _, v := range all {
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// copyRows copies the n-column rows query(arg) of src into insert(key, row…).
func copyRows(ctx context.Context, src *Store, tx *sql.Tx, query string, arg any, insert string, key any, n int) error {
	rows, err := src.db.QueryContext(ctx, query, arg)
	if err != nil {
		return fmt.Errorf("%s: %w", src.path, err)
	}
	var all [][]any
	for rows.Next() {
		v := make([]any, n+1)
		v[0] = key
		p := make([]any, n)
		for i := range p {
			p[i] = &v[i+1]
		}
		if err := rows.Scan(p...); err != nil {
			rows.Close()
			return fmt.Errorf("%s: %w", src.path, err)
		}
		all = append(all, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", src.path, err)
	}
	for _, v := range all {
		if _, err := tx.ExecContext(ctx, insert, v...); err != nil {
			return err
		}
	}
	return nil
}
