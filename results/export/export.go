// Package export writes the contents of an nmfbench results database as
// plain, typed tables that pandas, pyarrow, R or a spreadsheet read without
// knowing SQLite or nmfbench's BLOB encodings.
//
// The contract: Export opens the database read-only (results.OpenReadOnly
// checks that it is an nmfbench database of this program's schema version)
// and writes into a directory one file per table in one format — CSV,
// JSON Lines or Parquet — with the same columns and the same values in
// every format: runs, scores, run_labels, labels (predicted clusters, one
// row per sample), traces (one row per trace entry), factors (shape and
// .npy file) and factor_values (one row per entry), specs,
// reference_values, method_order and datasets; every factor also as a
// float64 .npy file under factors/; and manifest.json listing the tables,
// their columns and types and row counts. Nothing in the database changes.
// The tables and columns are documented in docs/results.md.
package export

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "github.com/mattn/go-sqlite3" // SQLite driver
	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/npy"
	"nmfbench/results"
)

// ManifestVersion is the version of the export layout written to
// manifest.json; it changes when a table or column changes meaning.
const ManifestVersion = 1

// Manifest describes an export (written as manifest.json).
type Manifest struct {
	ExportVersion int         `json:"export_version"`
	SchemaVersion int         `json:"schema_version"` // of the database exported
	Database      string      `json:"database"`
	Format        string      `json:"format"`
	Created       string      `json:"created"`
	Tables        []TableInfo `json:"tables"`
	FactorFiles   int         `json:"factor_files"` // .npy files under factors/
}

// TableInfo describes one exported table.
type TableInfo struct {
	Name    string   `json:"name"`
	File    string   `json:"file"`
	Rows    int      `json:"rows"`
	Columns []Column `json:"columns"`
}

// Export writes the database at dbPath into dir (created if needed) in
// format (CSV, JSONL or Parquet). Files of the same names are replaced;
// other files in dir are left alone.
func Export(ctx context.Context, dbPath, dir, format string) (*Manifest, error) {
	if !slices.Contains(Formats, format) {
		return nil, fmt.Errorf("unknown export format %q (choose %s)", format, strings.Join(Formats, ", "))
	}
	// results.OpenReadOnly checks the schema and falls back to an immutable
	// read where the directory is read-only; its handle is read directly.
	st, err := results.OpenReadOnly(dbPath)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	m := &Manifest{ExportVersion: ManifestVersion, Database: dbPath, Format: format, Created: time.Now().UTC().Format(time.RFC3339)}
	if m.SchemaVersion, err = st.SchemaVersion(); err != nil {
		return nil, fmt.Errorf("%s: read schema version: %w", dbPath, err)
	}
	db := st.DB()
	if err := os.MkdirAll(filepath.Join(dir, "factors"), 0o755); err != nil {
		return nil, fmt.Errorf("create export directory: %w", err)
	}
	e := &exporter{ctx: ctx, db: db, dir: dir, format: format, m: m}
	steps := []func() error{e.runs, e.scores, e.runLabels, e.traces, e.factors, e.specs, e.references, e.methodOrder, e.datasets}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("export %s: %w", dbPath, err)
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	return m, nil
}

type exporter struct {
	ctx    context.Context
	db     *sql.DB
	dir    string
	format string
	m      *Manifest
}

// table runs query and writes one file of rows of type T made by scan
// (which may emit several rows per database row, or none).
func table[T any](e *exporter, name, query string, scan func(rows *sql.Rows, emit func(T) error) error) error {
	s, err := newSink[T](e.dir, name, e.format)
	if err != nil {
		return err
	}
	rows, err := e.db.QueryContext(e.ctx, query)
	if err != nil {
		s.Close()
		return fmt.Errorf("read %s: %w", name, err)
	}
	for rows.Next() {
		if err := scan(rows, s.Write); err != nil {
			rows.Close()
			s.Close()
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.Close()
		return fmt.Errorf("read %s: %w", name, err)
	}
	if err := s.Close(); err != nil {
		return err
	}
	e.m.Tables = append(e.m.Tables, TableInfo{Name: name, File: filepath.Base(s.path), Rows: s.rows, Columns: Columns[T]()})
	return nil
}

// runs writes the runs table and, from the labels BLOBs, the labels table.
func (e *exporter) runs() error {
	ls, err := newSink[Label](e.dir, "labels", e.format)
	if err != nil {
		return err
	}
	err = table(e, "runs", `SELECT id, config_hash, spec_name, spec_hash, dataset, method, label, method_version,
		params, preprocess, protocol, kmeans, rep, seed, status, error, labels, COALESCE(iterations, 0), COALESCE(converged, 0), objective,
		COALESCE(fit_seconds, 0), COALESCE(kmeans_seconds, 0), COALESCE(git_revision, ''), COALESCE(go_version, ''),
		COALESCE(blas, ''), COALESCE(blas_env, ''), COALESCE(host, ''), COALESCE(started_at, ''), COALESCE(finished_at, '')
		FROM runs ORDER BY id`, func(rows *sql.Rows, emit func(Run) error) error {
		var r Run
		var seed int64
		var labels []byte
		var obj sql.NullFloat64
		if err := rows.Scan(&r.RunID, &r.ConfigHash, &r.SpecName, &r.SpecHash, &r.Dataset, &r.Method, &r.Label, &r.MethodVersion,
			&r.Params, &r.Preprocess, &r.Protocol, &r.KMeans, &r.Rep, &seed, &r.Status, &r.Error, &labels, &r.Iterations, &r.Converged, &obj,
			&r.FitSeconds, &r.KmeansSeconds, &r.GitRevision, &r.GoVersion, &r.BLAS, &r.BLASEnv, &r.Host, &r.StartedAt, &r.FinishedAt); err != nil {
			return err
		}
		r.Seed = uint64(seed) // stored as the int64 with the same bits
		if obj.Valid {
			r.Objective = &obj.Float64
		}
		if len(labels)%4 != 0 {
			return fmt.Errorf("run %d: labels BLOB of %d bytes is not a whole number of int32", r.RunID, len(labels))
		}
		r.Samples = int64(len(labels) / 4)
		for i := range r.Samples {
			c := int32(binary.LittleEndian.Uint32(labels[4*i:]))
			if err := ls.Write(Label{RunID: r.RunID, Sample: i, Cluster: c}); err != nil {
				return err
			}
		}
		return emit(r)
	})
	if err != nil {
		ls.Close()
		return err
	}
	if err := ls.Close(); err != nil {
		return err
	}
	e.m.Tables = append(e.m.Tables, TableInfo{Name: "labels", File: filepath.Base(ls.path), Rows: ls.rows, Columns: Columns[Label]()})
	return nil
}

func (e *exporter) scores() error {
	return table(e, "scores", `SELECT run_id, name, value FROM scores ORDER BY run_id, name`, func(rows *sql.Rows, emit func(Score) error) error {
		var s Score
		if err := rows.Scan(&s.RunID, &s.Name, &s.Value); err != nil {
			return err
		}
		return emit(s)
	})
}

func (e *exporter) runLabels() error {
	return table(e, "run_labels", `SELECT config_hash, label, sweep_param, sweep_value FROM run_labels ORDER BY config_hash, label`,
		func(rows *sql.Rows, emit func(RunLabel) error) error {
			var l RunLabel
			if err := rows.Scan(&l.ConfigHash, &l.Label, &l.SweepParam, &l.SweepValue); err != nil {
				return err
			}
			return emit(l)
		})
}

// floats decodes a BLOB of little-endian float64 values.
func floats(b []byte, what string) ([]float64, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("%s BLOB of %d bytes is not a whole number of float64", what, len(b))
	}
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v, nil
}

func (e *exporter) traces() error {
	return table(e, "traces", `SELECT run_id, objective, seconds FROM traces ORDER BY run_id`, func(rows *sql.Rows, emit func(TracePoint) error) error {
		var id int64
		var ob, sb []byte
		if err := rows.Scan(&id, &ob, &sb); err != nil {
			return err
		}
		obj, err := floats(ob, fmt.Sprintf("run %d: trace objective", id))
		if err != nil {
			return err
		}
		sec, err := floats(sb, fmt.Sprintf("run %d: trace seconds", id))
		if err != nil {
			return err
		}
		for i := range max(len(obj), len(sec)) {
			p := TracePoint{RunID: id, Iteration: int64(i)}
			if i < len(obj) {
				p.Objective = &obj[i]
			}
			if i < len(sec) {
				p.Seconds = &sec[i]
			}
			if err := emit(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// npyName returns a file name for factor name of run id: characters other
// than letters, digits, '-' and '_' become '_'.
func npyName(id int64, name string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
	return fmt.Sprintf("run%d_%s.npy", id, clean)
}

// factors writes the factors and factor_values tables and one .npy file per
// factor.
func (e *exporter) factors() error {
	vs, err := newSink[FactorValue](e.dir, "factor_values", e.format)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	err = table(e, "factors", `SELECT run_id, name, rows, cols, data FROM factors ORDER BY run_id, name`, func(rows *sql.Rows, emit func(Factor) error) error {
		var f Factor
		var b []byte
		if err := rows.Scan(&f.RunID, &f.Name, &f.Rows, &f.Cols, &b); err != nil {
			return err
		}
		data, err := floats(b, fmt.Sprintf("run %d: factor %s", f.RunID, f.Name))
		if err != nil {
			return err
		}
		if f.Rows < 0 || f.Cols < 0 || int64(len(data)) != f.Rows*f.Cols {
			return fmt.Errorf("run %d: factor %s has %d values for %d×%d", f.RunID, f.Name, len(data), f.Rows, f.Cols)
		}
		file := npyName(f.RunID, f.Name)
		for i := 2; used[file]; i++ { // two names that clean to the same file
			file = strings.TrimSuffix(npyName(f.RunID, f.Name), ".npy") + fmt.Sprintf("_%d.npy", i)
		}
		used[file] = true
		f.NPY = "factors/" + file
		if f.Rows > 0 && f.Cols > 0 {
			if err := npy.WriteFile(filepath.Join(e.dir, "factors", file), mat.NewDense(int(f.Rows), int(f.Cols), data)); err != nil {
				return err
			}
		} else if err := writeEmptyNPY(filepath.Join(e.dir, "factors", file), f.Rows, f.Cols); err != nil {
			return err
		}
		e.m.FactorFiles++
		for k, v := range data {
			if err := vs.Write(FactorValue{RunID: f.RunID, Name: f.Name, Row: int64(k) / f.Cols, Col: int64(k) % f.Cols, Value: v}); err != nil {
				return err
			}
		}
		return emit(f)
	})
	if err != nil {
		vs.Close()
		return err
	}
	if err := vs.Close(); err != nil {
		return err
	}
	e.m.Tables = append(e.m.Tables, TableInfo{Name: "factor_values", File: filepath.Base(vs.path), Rows: vs.rows, Columns: Columns[FactorValue]()})
	return nil
}

// writeEmptyNPY writes a float64 .npy file of shape (rows, cols) with a zero
// dimension, which gonum cannot hold as a matrix.
func writeEmptyNPY(path string, rows, cols int64) error {
	dict := fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	pad := 64 - (10+len(dict)+1)%64
	if pad == 64 {
		pad = 0
	}
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(hdr)), byte(len(hdr)>>8))
	return os.WriteFile(path, append(b, hdr...), 0o644)
}

func (e *exporter) specs() error {
	return table(e, "specs", `SELECT hash, name, path, body, first_run_at FROM specs ORDER BY first_run_at, name`, func(rows *sql.Rows, emit func(Spec) error) error {
		var s Spec
		if err := rows.Scan(&s.Hash, &s.Name, &s.Path, &s.Body, &s.FirstRunAt); err != nil {
			return err
		}
		return emit(s)
	})
}

func (e *exporter) references() error {
	return table(e, "reference_values", `SELECT dataset, method, metric, value, source, cause FROM reference_values ORDER BY dataset, method, metric`,
		func(rows *sql.Rows, emit func(ReferenceValue) error) error {
			var r ReferenceValue
			if err := rows.Scan(&r.Dataset, &r.Method, &r.Metric, &r.Value, &r.Source, &r.Cause); err != nil {
				return err
			}
			return emit(r)
		})
}

func (e *exporter) methodOrder() error {
	return table(e, "method_order", `SELECT label, position FROM method_order ORDER BY position, label`, func(rows *sql.Rows, emit func(MethodOrder) error) error {
		var o MethodOrder
		if err := rows.Scan(&o.Label, &o.Position); err != nil {
			return err
		}
		return emit(o)
	})
}

func (e *exporter) datasets() error {
	return table(e, "datasets", `SELECT name, samples, features, classes, height, width FROM datasets ORDER BY name`, func(rows *sql.Rows, emit func(Dataset) error) error {
		var d Dataset
		if err := rows.Scan(&d.Name, &d.Samples, &d.Features, &d.Classes, &d.Height, &d.Width); err != nil {
			return err
		}
		return emit(d)
	})
}
