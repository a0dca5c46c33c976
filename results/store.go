// Package results stores benchmark runs in a SQLite database and reads them
// back for reports.
//
// The contract: one run is written in one transaction (its scores, predicted
// labels, objective trace, factors and provenance together), so a killed
// process never leaves half a run behind; a run is identified by its
// configuration hash, and saving a hash again replaces the earlier row (a
// failed run retried). Scores are stored in long format (run, metric name,
// value), so a new metric needs no schema change; the labels a run is
// reported under live beside it (run_labels), so renaming a table row
// touches no computed result. The database is opened in WAL mode; the
// schema is created and migrated on Open.
package results

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3" // SQLite driver
)

// Status values of a run.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// legacyMetrics are the score columns of schema version 1, which migration 2
// moves into the scores table.
var legacyMetrics = []string{"acc", "purity", "mi_bits", "mi_nats", "nmi_arithmetic", "nmi_geometric", "nmi_max", "nmi_min", "ami_arithmetic", "ami_max"}

// Run is one fitted and scored (dataset, method configuration, seed).
type Run struct {
	ID         int64
	ConfigHash string // identifies the configuration; unique
	SpecName   string
	SpecHash   string
	Dataset    string
	Method     string // registered method name, e.g. "NMF"
	Label      string // row label in tables, e.g. "NMF (KL)"
	SweepParam string // for a sweep point: the swept parameter ("" otherwise)
	SweepValue string // for a sweep point: its value as written in the spec
	Version    int    // the method's result version
	Params     string // resolved parameters as canonical JSON
	Preprocess string // preprocessing steps, comma separated
	// Protocol is the protocol preset of the spec that computed the run
	// ("" when none, or for runs stored before schema version 3).
	Protocol string
	// KMeans is the run's resolved k-means stage as JSON, e.g.
	// {"replicates":20,"max_iter":100,"tol":1e-06} ("" before schema 3).
	KMeans     string
	Rep        int // repetition index 0..seeds-1
	Seed       uint64
	Status     string             // StatusOK or StatusFailed
	Error      string             // failure text when Status is StatusFailed
	Metrics    map[string]float64 // scores by metric name
	Labels     []int              // predicted cluster of every sample
	Iterations int
	Converged  bool
	Objective  float64 // final objective (NaN when the method has none)
	FitSeconds float64
	KmSeconds  float64
	Trace      []float64 // objective per iteration
	TraceSecs  []float64 // seconds since fit start at each trace entry
	Factors    []Factor  // learned factors kept for plots (may be empty)
	Provenance Provenance
}

// Factor is a named dense matrix kept with a run (row-major data).
type Factor struct {
	Name       string
	Rows, Cols int
	Data       []float64
}

// Provenance records where and how a run was computed.
type Provenance struct {
	GitRevision string
	GoVersion   string
	BLAS        string
	BLASEnv     string // JSON of OPENBLAS_* and related environment variables
	Host        string
	Started     time.Time
	Finished    time.Time
}

// Store is an open results database.
type Store struct {
	db       *sql.DB
	path     string
	readOnly bool
}

// fileURI returns the SQLite URI of path with the characters that URIs
// reserve escaped, so that a file named "a#b.db" or "p%41q.db" is that file.
func fileURI(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23")
	return "file:" + r.Replace(path)
}

// Open opens (creating if needed) the database at path and migrates its schema.
func Open(path string) (*Store, error) {
	dsn := fileURI(path) + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open results database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer; SQLite serialises writes anyway
	s := &Store{db: db, path: path}
	// The schema is migrated through a handle whose transactions take the
	// write lock at BEGIN, so that processes opening a new database at once
	// do not both create it (see migrate).
	mig, err := sql.Open("sqlite3", dsn+"&_txlock=immediate")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open results database %s: %w", path, err)
	}
	mig.SetMaxOpenConns(1)
	err = (&Store{db: mig, path: path}).migrate()
	mig.Close()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("results database %s: %w", path, err)
	}
	return s, nil
}

// IsBusy reports whether err is SQLite's "database is locked" or "busy":
// another process holds the database, and a later attempt may succeed.
func IsBusy(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked
	}
	return err != nil && (strings.Contains(err.Error(), "database is locked") || strings.Contains(err.Error(), "database is busy"))
}

// ErrNotResults marks a file that is not an nmfbench results database.
var ErrNotResults = errors.New("not an nmfbench results database")

// OpenReadOnly opens an existing database for reading only: nothing is
// created or migrated, and a file without nmfbench's schema is refused with
// ErrNotResults. It works on read-only files and directories (falling back
// to SQLite's immutable mode when even the WAL index cannot be opened) and
// reads databases of this program's schema version or an older one (which
// it must not migrate: open it for writing once, e.g. with runexp run).
func OpenReadOnly(path string) (*Store, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("results database %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("results database %s is not a regular file", path)
	}
	var lastErr error
	for _, mode := range []string{"mode=ro", "mode=ro&immutable=1"} {
		db, err := sql.Open("sqlite3", fileURI(path)+"?"+mode+"&_busy_timeout=10000")
		if err != nil {
			return nil, fmt.Errorf("open results database %s: %w", path, err)
		}
		s := &Store{db: db, path: path, readOnly: true}
		v, err := s.version()
		if err == nil {
			if v != len(migrations) {
				db.Close()
				if v > len(migrations) {
					return nil, fmt.Errorf("results database %s has schema version %d, newer than this program knows (%d): use a newer nmfbench", path, v, len(migrations))
				}
				return nil, fmt.Errorf("results database %s has the older schema version %d: open it once for writing (runexp run) to migrate it to version %d", path, v, len(migrations))
			}
			return s, nil
		}
		db.Close()
		if errors.Is(err, ErrNotResults) {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		lastErr = err
	}
	return nil, fmt.Errorf("results database %s: %w", path, lastErr)
}

// version returns the schema version, or ErrNotResults when the database has
// no nmfbench schema.
func (s *Store) version() (int, error) {
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('schema_version', 'runs')`).Scan(&n); err != nil {
		if strings.Contains(err.Error(), "file is not a database") {
			return 0, ErrNotResults
		}
		return 0, err
	}
	if n != 2 {
		return 0, ErrNotResults
	}
	var v int
	if err := s.db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil {
		return 0, ErrNotResults
	}
	return v, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the database file path.
func (s *Store) Path() string { return s.path }

// DB returns the store's database handle, for packages of this module that
// read whole tables (results/export). Callers must not write through a
// read-only store's handle, nor close it.
func (s *Store) DB() *sql.DB { return s.db }

// SchemaVersion returns the schema version of the database.
func (s *Store) SchemaVersion() (int, error) { return s.version() }

// A migration moves the schema one version up inside a transaction.
type migration func(tx *sql.Tx) error

// migrations are applied in order; schema_version holds how many ran.
var migrations = []migration{
	sqlMigration(`CREATE TABLE runs (
		id INTEGER PRIMARY KEY,
		config_hash TEXT NOT NULL UNIQUE,
		spec_name TEXT NOT NULL, spec_hash TEXT NOT NULL,
		dataset TEXT NOT NULL, method TEXT NOT NULL, label TEXT NOT NULL,
		params TEXT NOT NULL, preprocess TEXT NOT NULL,
		rep INTEGER NOT NULL, seed INTEGER NOT NULL,
		status TEXT NOT NULL CHECK (status IN ('ok','failed')), error TEXT NOT NULL DEFAULT '',
		acc REAL, purity REAL, mi_bits REAL, mi_nats REAL,
		nmi_arithmetic REAL, nmi_geometric REAL, nmi_max REAL, nmi_min REAL,
		ami_arithmetic REAL, ami_max REAL,
		labels BLOB, iterations INTEGER, converged INTEGER, objective REAL,
		fit_seconds REAL, kmeans_seconds REAL,
		git_revision TEXT, go_version TEXT, blas TEXT, blas_env TEXT, host TEXT,
		started_at TEXT, finished_at TEXT
	);
	CREATE INDEX runs_by_dataset ON runs(dataset, label);
	CREATE TABLE traces (
		run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
		objective BLOB NOT NULL, seconds BLOB NOT NULL
	);
	CREATE TABLE factors (
		run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
		name TEXT NOT NULL, rows INTEGER NOT NULL, cols INTEGER NOT NULL, data BLOB NOT NULL,
		PRIMARY KEY (run_id, name)
	);
	CREATE TABLE specs (
		hash TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL, body TEXT NOT NULL,
		first_run_at TEXT NOT NULL
	);
	CREATE TABLE reference_values (
		dataset TEXT NOT NULL, method TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL,
		source TEXT NOT NULL,
		PRIMARY KEY (dataset, method, metric)
	);
	CREATE TABLE method_order (
		label TEXT PRIMARY KEY, position INTEGER NOT NULL
	);`),
	migrateLongScores,
	// Version 3: the protocol preset and the resolved k-means stage of every
	// run (per-method k-means settings make the spec-level ones ambiguous),
	// and a documented cause beside each reference value (issue 14).
	sqlMigration(`ALTER TABLE runs ADD COLUMN protocol TEXT NOT NULL DEFAULT '';
	ALTER TABLE runs ADD COLUMN kmeans TEXT NOT NULL DEFAULT '';
	ALTER TABLE reference_values ADD COLUMN cause TEXT NOT NULL DEFAULT '';`),
}

func sqlMigration(stmts string) migration {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(stmts)
		return err
	}
}

// migrateLongScores (version 2) moves the ten score columns of version 1
// into the long-format scores table, adds the method's result version to
// every run, and records each run's label in run_labels, with the sweep
// parameter and value read back from labels of the form "Base[param=value]"
// that version 1 wrote for sweep points. Nothing is lost: every stored score
// is carried over.
func migrateLongScores(tx *sql.Tx) error {
	if _, err := tx.Exec(`CREATE TABLE scores (
		run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
		name TEXT NOT NULL, value REAL NOT NULL,
		PRIMARY KEY (run_id, name)
	);
	CREATE TABLE run_labels (
		config_hash TEXT NOT NULL, label TEXT NOT NULL,
		sweep_param TEXT NOT NULL DEFAULT '', sweep_value TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (config_hash, label)
	);
	CREATE TABLE datasets (
		name TEXT PRIMARY KEY, samples INTEGER NOT NULL, features INTEGER NOT NULL, classes INTEGER NOT NULL,
		height INTEGER NOT NULL, width INTEGER NOT NULL
	);
	ALTER TABLE runs ADD COLUMN method_version INTEGER NOT NULL DEFAULT 0;`); err != nil {
		return err
	}
	for _, m := range legacyMetrics {
		if _, err := tx.Exec(`INSERT INTO scores (run_id, name, value) SELECT id, ?, `+m+` FROM runs WHERE `+m+` IS NOT NULL`, m); err != nil {
			return fmt.Errorf("carry over %s: %w", m, err)
		}
		if _, err := tx.Exec(`ALTER TABLE runs DROP COLUMN ` + m); err != nil {
			return fmt.Errorf("drop column %s: %w", m, err)
		}
	}
	rows, err := tx.Query(`SELECT config_hash, label FROM runs`)
	if err != nil {
		return err
	}
	type lab struct{ hash, label, param, value string }
	var labs []lab
	for rows.Next() {
		var l lab
		if err := rows.Scan(&l.hash, &l.label); err != nil {
			rows.Close()
			return err
		}
		if m := legacySweepLabel.FindStringSubmatch(l.label); m != nil {
			l.param, l.value = m[2], m[3]
		}
		labs = append(labs, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, l := range labs {
		if _, err := tx.Exec(`INSERT OR IGNORE INTO run_labels VALUES (?,?,?,?)`, l.hash, l.label, l.param, l.value); err != nil {
			return err
		}
	}
	return nil
}

// legacySweepLabel matches the labels version 1 gave sweep points.
var legacySweepLabel = regexp.MustCompile(`^(.+)\[([^=\[\]]+)=([^\[\]]*)\]$`)

// migrate brings the schema up to date. Processes opening one database at
// once (runexp run with claims) migrate it one at a time: each step reads
// the version and applies the next migration in one transaction that takes
// the write lock first (Open's migration handle uses BEGIN IMMEDIATE), so a
// second process sees the first one's version instead of migrating again.
func (s *Store) migrate() error {
	if _, err := s.db.Exec(`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_version: %w", err)
	}
	for {
		tx, err := s.db.Begin()
		if err != nil {
			return err
		}
		var v int
		err = tx.QueryRow(`SELECT version FROM schema_version`).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = tx.Exec(`INSERT INTO schema_version VALUES (0)`)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("read schema version: %w", err)
		}
		if v > len(migrations) {
			tx.Rollback()
			return fmt.Errorf("schema version %d is newer than this program knows (%d): use a newer nmfbench", v, len(migrations))
		}
		if v == len(migrations) {
			return tx.Commit()
		}
		if err := migrations[v](tx); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.Exec(`UPDATE schema_version SET version = ?`, v+1); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
}

// SaveSpec records a spec's text under its hash (once).
func (s *Store) SaveSpec(ctx context.Context, hash, name, path, body string) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO specs(hash, name, path, body, first_run_at) VALUES (?,?,?,?,?)`,
		hash, name, path, body, time.Now().UTC().Format(time.RFC3339))
	return err
}

// Reference is a published value (e.g. the paper's table entry) to show beside ours.
type Reference struct {
	Dataset, Method, Metric string  // Metric is a report column name, e.g. "ACC"
	Value                   float64 // as a fraction in [0,1]
	Source                  string
	// Cause is the documented reason why ours may differ from the
	// published value ("" when none is known), shown on the fidelity page.
	Cause string
}

// SaveReferences replaces the stored reference values of the given datasets.
func (s *Store) SaveReferences(ctx context.Context, refs []Reference) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, r := range refs {
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO reference_values (dataset, method, metric, value, source, cause) VALUES (?,?,?,?,?,?)`,
			r.Dataset, r.Method, r.Metric, r.Value, r.Source, r.Cause); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// References returns every stored reference value.
func (s *Store) References(ctx context.Context) ([]Reference, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT dataset, method, metric, value, source, cause FROM reference_values`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reference
	for rows.Next() {
		var r Reference
		if err := rows.Scan(&r.Dataset, &r.Method, &r.Metric, &r.Value, &r.Source, &r.Cause); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveMethodOrder records the display order of method labels (spec order):
// this spec's labels take positions 0…n−1 and labels of other specs keep
// their relative order after them. It returns the labels already stored
// whose order relative to each other this changed, so that the caller can
// say so (a report built from several specs is reordered by the latest).
func (s *Store) SaveMethodOrder(ctx context.Context, labels []string) (moved []string, err error) {
	old, err := s.MethodOrder(ctx)
	if err != nil {
		return nil, err
	}
	var known []string
	for _, l := range labels {
		if _, ok := old[l]; ok {
			known = append(known, l)
		}
	}
	for i := 1; i < len(known); i++ {
		if old[known[i-1]] > old[known[i]] {
			moved = append(moved, known[i])
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	mine := map[string]bool{}
	for i, l := range labels {
		mine[l] = true
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO method_order VALUES (?,?)`, l, i); err != nil {
			return nil, err
		}
	}
	others := slices.SortedFunc(maps.Keys(old), func(a, b string) int { return old[a] - old[b] })
	pos := len(labels)
	for _, l := range others {
		if mine[l] {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE method_order SET position = ? WHERE label = ?`, pos, l); err != nil {
			return nil, err
		}
		pos++
	}
	return moved, tx.Commit()
}

// MethodOrder returns the recorded position of each method label.
func (s *Store) MethodOrder(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT label, position FROM method_order`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var l string
		var p int
		if err := rows.Scan(&l, &p); err != nil {
			return nil, err
		}
		out[l] = p
	}
	return out, rows.Err()
}

// Completed returns the configuration hashes of runs stored with status ok.
func (s *Store) Completed(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT config_hash FROM runs WHERE status = 'ok'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out[h] = true
	}
	return out, rows.Err()
}

// Save writes a run, its trace and factors in one transaction, replacing any
// earlier run with the same configuration hash. It sets r.ID.
func (s *Store) Save(ctx context.Context, r *Run) error {
	if r.Status != StatusOK && r.Status != StatusFailed {
		return fmt.Errorf("run %s: invalid status %q", r.ConfigHash, r.Status)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM runs WHERE config_hash = ?`, r.ConfigHash); err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	var obj any
	if !math.IsNaN(r.Objective) && !math.IsInf(r.Objective, 0) {
		obj = r.Objective
	}
	p := r.Provenance
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (config_hash, spec_name, spec_hash, dataset, method, label, params, preprocess,
		rep, seed, status, error, labels, iterations, converged, objective, fit_seconds, kmeans_seconds,
		git_revision, go_version, blas, blas_env, host, started_at, finished_at, method_version, protocol, kmeans)
		VALUES (?,?,?,?,?,?,?,?, ?,?,?,?, ?,?,?,?,?,?, ?,?,?,?,?,?,?,?, ?,?)`,
		r.ConfigHash, r.SpecName, r.SpecHash, r.Dataset, r.Method, r.Label, r.Params, r.Preprocess,
		r.Rep, int64(r.Seed), r.Status, r.Error,
		encodeInts(r.Labels), r.Iterations, r.Converged, obj, r.FitSeconds, r.KmSeconds,
		p.GitRevision, p.GoVersion, p.BLAS, p.BLASEnv, p.Host,
		p.Started.UTC().Format(time.RFC3339Nano), p.Finished.UTC().Format(time.RFC3339Nano), r.Version, r.Protocol, r.KMeans)
	if err != nil {
		return fmt.Errorf("save run %s/%s rep %d: %w", r.Dataset, r.Label, r.Rep, err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(r.Metrics)) {
		v := r.Metrics[name]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue // a score that could not be computed is absent, never NaN
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO scores VALUES (?,?,?)`, id, name, v); err != nil {
			return fmt.Errorf("save score %s: %w", name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO run_labels VALUES (?,?,?,?)`, r.ConfigHash, r.Label, r.SweepParam, r.SweepValue); err != nil {
		return fmt.Errorf("save label: %w", err)
	}
	if len(r.Trace) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO traces VALUES (?,?,?)`, id, encodeFloats(r.Trace), encodeFloats(r.TraceSecs)); err != nil {
			return fmt.Errorf("save trace: %w", err)
		}
	}
	for _, f := range r.Factors {
		if len(f.Data) != f.Rows*f.Cols {
			return fmt.Errorf("factor %s: %d values for %d×%d", f.Name, len(f.Data), f.Rows, f.Cols)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO factors VALUES (?,?,?,?,?)`, id, f.Name, f.Rows, f.Cols, encodeFloats(f.Data)); err != nil {
			return fmt.Errorf("save factor %s: %w", f.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save run: %w", err)
	}
	r.ID = id
	return nil
}

// Query selects runs; zero fields match everything.
type Query struct {
	Dataset string
	Label   string
	Status  string
}

// Runs returns the matching runs without traces and factors (use Trace and
// Factors for those), one per label the run is reported under (run_labels),
// ordered by dataset, label and repetition.
func (s *Store) Runs(ctx context.Context, q Query) ([]Run, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.config_hash, r.spec_name, r.spec_hash, r.dataset, r.method,
		COALESCE(l.label, r.label), COALESCE(l.sweep_param, ''), COALESCE(l.sweep_value, ''), r.method_version,
		r.params, r.preprocess, r.rep, r.seed, r.status, r.error, r.labels, r.iterations, r.converged, r.objective,
		r.fit_seconds, r.kmeans_seconds, r.git_revision, r.go_version, r.blas, r.blas_env, r.host, r.started_at, r.finished_at,
		r.protocol, r.kmeans
		FROM runs r LEFT JOIN run_labels l ON l.config_hash = r.config_hash
		WHERE (?1 = '' OR r.dataset = ?1) AND (?2 = '' OR COALESCE(l.label, r.label) = ?2) AND (?3 = '' OR r.status = ?3)
		ORDER BY r.dataset, COALESCE(l.label, r.label), r.rep, r.id`, q.Dataset, q.Label, q.Status)
	if err != nil {
		return nil, fmt.Errorf("query runs: %w", err)
	}
	var out []Run
	index := map[int64][]int{} // run id → positions in out
	for rows.Next() {
		var r Run
		var seed int64
		var labels []byte
		var obj sql.NullFloat64
		var started, finished string
		if err := rows.Scan(&r.ID, &r.ConfigHash, &r.SpecName, &r.SpecHash, &r.Dataset, &r.Method,
			&r.Label, &r.SweepParam, &r.SweepValue, &r.Version, &r.Params, &r.Preprocess, &r.Rep, &seed, &r.Status, &r.Error,
			&labels, &r.Iterations, &r.Converged, &obj, &r.FitSeconds, &r.KmSeconds,
			&r.Provenance.GitRevision, &r.Provenance.GoVersion, &r.Provenance.BLAS, &r.Provenance.BLASEnv, &r.Provenance.Host,
			&started, &finished, &r.Protocol, &r.KMeans); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read run: %w", err)
		}
		r.Seed = uint64(seed)
		r.Metrics = map[string]float64{}
		r.Labels = decodeInts(labels)
		r.Objective = math.NaN()
		if obj.Valid {
			r.Objective = obj.Float64
		}
		r.Provenance.Started, _ = time.Parse(time.RFC3339Nano, started)
		r.Provenance.Finished, _ = time.Parse(time.RFC3339Nano, finished)
		index[r.ID] = append(index[r.ID], len(out))
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	srows, err := s.db.QueryContext(ctx, `SELECT run_id, name, value FROM scores`)
	if err != nil {
		return nil, fmt.Errorf("read scores: %w", err)
	}
	defer srows.Close()
	for srows.Next() {
		var id int64
		var name string
		var v float64
		if err := srows.Scan(&id, &name, &v); err != nil {
			return nil, fmt.Errorf("read scores: %w", err)
		}
		for _, i := range index[id] {
			out[i].Metrics[name] = v
		}
	}
	return out, srows.Err()
}

// DatasetInfo describes a dataset the runs were computed on, for reports
// (which draw images at their height and width without opening any data file).
type DatasetInfo struct {
	Name                       string
	Samples, Features, Classes int
	Height, Width              int // 0 when the samples are not images
}

// SaveDataset records (or updates) a dataset's description.
func (s *Store) SaveDataset(ctx context.Context, d DatasetInfo) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO datasets VALUES (?,?,?,?,?,?)`, d.Name, d.Samples, d.Features, d.Classes, d.Height, d.Width)
	if err != nil {
		return fmt.Errorf("record dataset %s: %w", d.Name, err)
	}
	return nil
}

// Datasets returns the recorded dataset descriptions by name.
func (s *Store) Datasets(ctx context.Context) (map[string]DatasetInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, samples, features, classes, height, width FROM datasets`)
	if err != nil {
		return nil, fmt.Errorf("read datasets: %w", err)
	}
	defer rows.Close()
	out := map[string]DatasetInfo{}
	for rows.Next() {
		var d DatasetInfo
		if err := rows.Scan(&d.Name, &d.Samples, &d.Features, &d.Classes, &d.Height, &d.Width); err != nil {
			return nil, fmt.Errorf("read datasets: %w", err)
		}
		out[d.Name] = d
	}
	return out, rows.Err()
}

// LabelEntry is one label a planned run is reported under.
type LabelEntry struct {
	ConfigHash             string
	Label                  string
	SweepParam, SweepValue string
}

// SetLabels records, in one transaction, the labels of the given runs: for
// every configuration hash among entries its earlier labels are replaced,
// so that the latest spec decides the rows a run is reported under (a
// renamed row moves its runs; a run two entries share is listed under both).
func (s *Store) SetLabels(ctx context.Context, entries []LabelEntry) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record labels: %w", err)
	}
	defer tx.Rollback()
	cleared := map[string]bool{}
	for _, e := range entries {
		if !cleared[e.ConfigHash] {
			if _, err := tx.ExecContext(ctx, `DELETE FROM run_labels WHERE config_hash = ?`, e.ConfigHash); err != nil {
				return fmt.Errorf("record labels: %w", err)
			}
			cleared[e.ConfigHash] = true
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO run_labels VALUES (?,?,?,?)`, e.ConfigHash, e.Label, e.SweepParam, e.SweepValue); err != nil {
			return fmt.Errorf("record labels: %w", err)
		}
	}
	return tx.Commit()
}

// Trace returns the objective trace and its timestamps of run id (nil when none).
func (s *Store) Trace(ctx context.Context, id int64) (objective, seconds []float64, err error) {
	var o, sec []byte
	err = s.db.QueryRowContext(ctx, `SELECT objective, seconds FROM traces WHERE run_id = ?`, id).Scan(&o, &sec)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return decodeFloats(o), decodeFloats(sec), nil
}

// Factors returns the factors stored with run id.
func (s *Store) Factors(ctx context.Context, id int64) ([]Factor, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, rows, cols, data FROM factors WHERE run_id = ? ORDER BY name`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Factor
	for rows.Next() {
		var f Factor
		var b []byte
		if err := rows.Scan(&f.Name, &f.Rows, &f.Cols, &b); err != nil {
			return nil, err
		}
		f.Data = decodeFloats(b)
		out = append(out, f)
	}
	return out, rows.Err()
}

// encodeFloats packs values as little-endian float64.
func encodeFloats(v []float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

func decodeFloats(b []byte) []float64 {
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}

// encodeInts packs labels as little-endian int32.
func encodeInts(v []int) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(x)))
	}
	return b
}

func decodeInts(b []byte) []int {
	v := make([]int, len(b)/4)
	for i := range v {
		v[i] = int(int32(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return v
}
