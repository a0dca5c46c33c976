package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"nmfbench/internal/npy"
	"nmfbench/internal/pyfind"
	"nmfbench/results"
)

// fixture is a database with every table filled, and the rows each
// exported table must hold, built from what was saved (not from the
// export's own reading of the database).
type fixture struct {
	path string
	want map[string]any // table name → []T
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	st, err := results.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)
	body := "name: t\nseeds: 2\n# a comment, with \"quotes\"\n"
	if err := st.SaveSpec(ctx, "spechash", "t", "experiments/t.yaml", body); err != nil {
		t.Fatal(err)
	}
	refs := []results.Reference{{Dataset: "D", Method: "NMF", Metric: "ACC", Value: 0.625, Source: "paper, Table 2", Cause: "k-means restarts differ"}}
	if err := st.SaveReferences(ctx, refs); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveMethodOrder(ctx, []string{"NMF", "GNMF[graph_weight=10]"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveDataset(ctx, results.DatasetInfo{Name: "D", Samples: 4, Features: 6, Classes: 2, Height: 2, Width: 3}); err != nil {
		t.Fatal(err)
	}
	prov := results.Provenance{GitRevision: "abc123", GoVersion: "go1.26", BLAS: "openblas", BLASEnv: `{"OPENBLAS_NUM_THREADS":"1"}`,
		Host: "h", Started: t0, Finished: t0.Add(1500 * time.Millisecond)}
	runs := []results.Run{
		{ConfigHash: "h1", SpecName: "t", SpecHash: "spechash", Dataset: "D", Method: "NMF", Label: "NMF", Version: 1,
			Params: `{"loss":"frobenius","rank":2}`, Preprocess: "scale01", Protocol: "lineage", KMeans: `{"replicates":20,"max_iter":100,"tol":1e-06}`, Rep: 0, Seed: 1<<63 + 12345, Status: results.StatusOK,
			Metrics: map[string]float64{"acc": 0.75, "nmi_geometric": 1.0 / 3}, Labels: []int{0, 1, 1, 0},
			Iterations: 2, Converged: true, Objective: 0.1, FitSeconds: 0.25, KmSeconds: 1e-5,
			Trace: []float64{3, 0.5, 0.1}, TraceSecs: []float64{0, 0.125, 0.25},
			Factors:    []results.Factor{{Name: "U", Rows: 6, Cols: 2, Data: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, math.Pi}}, {Name: "A/1", Rows: 2, Cols: 1, Data: []float64{-0.5, 1e300}}},
			Provenance: prov},
		{ConfigHash: "h2", SpecName: "t", SpecHash: "spechash", Dataset: "D", Method: "GNMF", Label: "GNMF[graph_weight=10]",
			SweepParam: "graph_weight", SweepValue: "10", Version: 2, Params: `{"graph_weight":10}`, Preprocess: "", Rep: 1, Seed: 7,
			Status: results.StatusOK, Metrics: map[string]float64{"acc": 0.5}, Labels: []int{3, 2, 1, 0},
			Iterations: 1, Objective: math.NaN(), FitSeconds: 0.5, KmSeconds: 0.125,
			Trace: []float64{math.NaN(), math.Inf(1)}, TraceSecs: []float64{0, 0.5}, Provenance: prov},
		{ConfigHash: "h3", SpecName: "t", SpecHash: "spechash", Dataset: "D", Method: "NMF", Label: "NMF", Version: 1,
			Params: "{}", Preprocess: "scale01,l2", Rep: 1, Seed: 8, Status: results.StatusFailed,
			Error: "rank 9 above min(samples, features) = 4,\n\"see\" docs", Provenance: prov},
	}
	for i := range runs {
		if err := st.Save(ctx, &runs[i]); err != nil {
			t.Fatal(err)
		}
	}
	// A run reported under two labels, and a planned run not stored yet.
	if err := st.SetLabels(ctx, []results.LabelEntry{{ConfigHash: "h1", Label: "NMF"}, {ConfigHash: "h1", Label: "NMF, again"}, {ConfigHash: "h9", Label: "GNCP"}}); err != nil {
		t.Fatal(err)
	}
	f := fixture{path: path, want: map[string]any{}}
	var wr []Run
	var ws []Score
	var wl []Label
	var wt []TracePoint
	var wf []Factor
	var wv []FactorValue
	for _, r := range runs {
		row := Run{RunID: r.ID, ConfigHash: r.ConfigHash, SpecName: r.SpecName, SpecHash: r.SpecHash, Dataset: r.Dataset,
			Method: r.Method, Label: r.Label, MethodVersion: int64(r.Version), Params: r.Params, Preprocess: r.Preprocess,
			Protocol: r.Protocol, KMeans: r.KMeans,
			Rep: int64(r.Rep), Seed: r.Seed, Status: r.Status, Error: r.Error, Samples: int64(len(r.Labels)),
			Iterations: int64(r.Iterations), Converged: r.Converged, FitSeconds: r.FitSeconds, KmeansSeconds: r.KmSeconds,
			GitRevision: prov.GitRevision, GoVersion: prov.GoVersion, BLAS: prov.BLAS, BLASEnv: prov.BLASEnv, Host: prov.Host,
			StartedAt: "2026-12-01T10:00:00.123456789Z", FinishedAt: "2026-12-01T10:00:01.623456789Z"}
		if !math.IsNaN(r.Objective) && !math.IsInf(r.Objective, 0) { // stored as NULL otherwise
			o := r.Objective
			row.Objective = &o
		}
		wr = append(wr, row)
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for k := range r.Metrics {
				if !yield(k) {
					return
				}
			}
		}) {
			ws = append(ws, Score{RunID: r.ID, Name: name, Value: r.Metrics[name]})
		}
		for i, c := range r.Labels {
			wl = append(wl, Label{RunID: r.ID, Sample: int64(i), Cluster: int32(c)})
		}
		for i := range r.Trace {
			o, s := r.Trace[i], r.TraceSecs[i]
			wt = append(wt, TracePoint{RunID: r.ID, Iteration: int64(i), Objective: &o, Seconds: &s})
		}
		fs := slices.Clone(r.Factors)
		slices.SortFunc(fs, func(a, b results.Factor) int { return strings.Compare(a.Name, b.Name) })
		for _, fc := range fs {
			wf = append(wf, Factor{RunID: r.ID, Name: fc.Name, Rows: int64(fc.Rows), Cols: int64(fc.Cols), NPY: "factors/" + npyName(r.ID, fc.Name)})
			for k, v := range fc.Data {
				wv = append(wv, FactorValue{RunID: r.ID, Name: fc.Name, Row: int64(k / fc.Cols), Col: int64(k % fc.Cols), Value: v})
			}
		}
	}
	f.want["runs"] = wr
	f.want["scores"] = ws
	f.want["labels"] = wl
	f.want["traces"] = wt
	f.want["factors"] = wf
	f.want["factor_values"] = wv
	f.want["run_labels"] = []RunLabel{{"h1", "NMF", "", ""}, {"h1", "NMF, again", "", ""}, {"h2", "GNMF[graph_weight=10]", "graph_weight", "10"},
		{"h3", "NMF", "", ""}, {"h9", "GNCP", "", ""}}
	specs, err := st.Specs(ctx)
	if err != nil || len(specs) != 1 {
		t.Fatalf("specs %v, %v", specs, err)
	}
	f.want["specs"] = []Spec{{Hash: "spechash", Name: "t", Path: "experiments/t.yaml", Body: body, FirstRunAt: specs[0].FirstRun.UTC().Format(time.RFC3339)}}
	f.want["reference_values"] = []ReferenceValue{{"D", "NMF", "ACC", 0.625, "paper, Table 2", "k-means restarts differ"}}
	f.want["method_order"] = []MethodOrder{{"NMF", 0}, {"GNMF[graph_weight=10]", 1}}
	f.want["datasets"] = []Dataset{{"D", 4, 6, 2, 2, 3}}
	return f
}

// tableNames are every exported table; the test fails when the database
// gains a table that neither the export nor this list knows.
var tableNames = []string{"runs", "scores", "run_labels", "labels", "traces", "factors", "factor_values", "specs", "reference_values", "method_order", "datasets"}

// readBack reads table name of type T from an export in format.
func readBack[T any](t *testing.T, dir, name, format string) []T {
	t.Helper()
	path := filepath.Join(dir, name+"."+format)
	fields := fieldsOf(reflect.TypeFor[T]())
	var out []T
	switch format {
	case Parquet:
		rows, err := parquet.ReadFile[T](path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return rows
	case CSV:
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var hdr []string
		for _, fl := range fields {
			hdr = append(hdr, fl.col.Name)
		}
		if !slices.Equal(recs[0], hdr) {
			t.Fatalf("%s: header %v, want %v", path, recs[0], hdr)
		}
		for _, rec := range recs[1:] {
			var row T
			v := reflect.ValueOf(&row).Elem()
			for i, fl := range fields {
				if err := parseCSV(v.Field(fl.index), rec[i]); err != nil {
					t.Fatalf("%s: column %s: %v", path, fl.col.Name, err)
				}
			}
			out = append(out, row)
		}
	case JSONL:
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if len(obj) != len(fields) {
				t.Fatalf("%s: %d keys, want %d", path, len(obj), len(fields))
			}
			var row T
			v := reflect.ValueOf(&row).Elem()
			for _, fl := range fields {
				raw, ok := obj[fl.col.Name]
				if !ok {
					t.Fatalf("%s: no key %s", path, fl.col.Name)
				}
				if err := json.Unmarshal(raw, v.Field(fl.index).Addr().Interface()); err != nil {
					t.Fatalf("%s: key %s: %v", path, fl.col.Name, err)
				}
			}
			out = append(out, row)
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func parseCSV(v reflect.Value, s string) error {
	if v.Kind() == reflect.Pointer {
		if s == "" {
			return nil
		}
		v.Set(reflect.New(v.Type().Elem()))
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Int32, reflect.Int64:
		x, err := strconv.ParseInt(s, 10, 64)
		v.SetInt(x)
		return err
	case reflect.Uint64:
		x, err := strconv.ParseUint(s, 10, 64)
		v.SetUint(x)
		return err
	case reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		v.SetFloat(x)
		return err
	case reflect.Bool:
		x, err := strconv.ParseBool(s)
		v.SetBool(x)
		return err
	default:
		v.SetString(s)
		return nil
	}
}

// canon renders rows as strings in which floats are compared bit for bit
// (NaN equals NaN). For JSON Lines, which has no non-finite numbers, a
// nullable non-finite float is expected as null.
func canon[T any](rows []T, jsonl bool) []string {
	fields := fieldsOf(reflect.TypeFor[T]())
	var out []string
	for _, row := range rows {
		v := reflect.ValueOf(row)
		var b strings.Builder
		for _, fl := range fields {
			x := v.Field(fl.index)
			if x.Kind() == reflect.Pointer {
				if x.IsNil() || jsonl && x.Elem().Kind() == reflect.Float64 && (math.IsNaN(x.Elem().Float()) || math.IsInf(x.Elem().Float(), 0)) {
					b.WriteString("null|")
					continue
				}
				x = x.Elem()
			}
			if x.Kind() == reflect.Float64 {
				fmt.Fprintf(&b, "%#x|", math.Float64bits(x.Float()))
			} else {
				fmt.Fprintf(&b, "%q|", fmt.Sprint(x.Interface()))
			}
		}
		out = append(out, b.String())
	}
	return out
}

func checkTable[T any](t *testing.T, f fixture, dir, name, format string) {
	t.Helper()
	got := canon(readBack[T](t, dir, name, format), format == JSONL)
	want := canon(f.want[name].([]T), format == JSONL)
	if !slices.Equal(got, want) {
		t.Errorf("%s.%s:\ngot  %q\nwant %q", name, format, got, want)
	}
}

func TestExportReadBack(t *testing.T) {
	f := newFixture(t)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			m, err := Export(context.Background(), f.path, dir, format)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, ti := range m.Tables {
				names = append(names, ti.Name)
				if want := reflect.ValueOf(f.want[ti.Name]).Len(); ti.Rows != want {
					t.Errorf("manifest: %s has %d rows, want %d", ti.Name, ti.Rows, want)
				}
			}
			if !slices.Equal(slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(tableNames))) {
				t.Errorf("tables %v, want %v", names, tableNames)
			}
			checkTable[Run](t, f, dir, "runs", format)
			checkTable[Score](t, f, dir, "scores", format)
			checkTable[RunLabel](t, f, dir, "run_labels", format)
			checkTable[Label](t, f, dir, "labels", format)
			checkTable[TracePoint](t, f, dir, "traces", format)
			checkTable[Factor](t, f, dir, "factors", format)
			checkTable[FactorValue](t, f, dir, "factor_values", format)
			checkTable[Spec](t, f, dir, "specs", format)
			checkTable[ReferenceValue](t, f, dir, "reference_values", format)
			checkTable[MethodOrder](t, f, dir, "method_order", format)
			checkTable[Dataset](t, f, dir, "datasets", format)
			// Every factor's .npy holds its values, as results reads them.
			st, err := results.OpenReadOnly(f.path)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			n := 0
			for _, fr := range f.want["factors"].([]Factor) {
				fs, err := st.Factors(context.Background(), fr.RunID)
				if err != nil {
					t.Fatal(err)
				}
				i := slices.IndexFunc(fs, func(x results.Factor) bool { return x.Name == fr.Name })
				m, _, err := npy.ReadFile(filepath.Join(dir, fr.NPY), 1<<20)
				if err != nil {
					t.Fatal(err)
				}
				r, c := m.Dims()
				if i < 0 || r != fs[i].Rows || c != fs[i].Cols || !slices.Equal(m.RawMatrix().Data, fs[i].Data) {
					t.Errorf("%s: %d×%d %v, database has %+v", fr.NPY, r, c, m.RawMatrix().Data, fs)
				}
				n++
			}
			if n == 0 || m.FactorFiles != n {
				t.Errorf("%d factor files checked, manifest says %d", n, m.FactorFiles)
			}
			b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
			if err != nil || !json.Valid(b) {
				t.Errorf("manifest.json: %v", err)
			}
		})
	}
}

// exportedColumns are the database columns the export reads, by table: a
// table or column added by a later migration must be added to the export
// (and docs/results.md) too, or this test fails.
var exportedColumns = map[string][]string{
	"runs": {"id", "config_hash", "spec_name", "spec_hash", "dataset", "method", "label", "params", "preprocess", "rep", "seed",
		"status", "error", "labels", "iterations", "converged", "objective", "fit_seconds", "kmeans_seconds", "git_revision",
		"go_version", "blas", "blas_env", "host", "started_at", "finished_at", "method_version", "protocol", "kmeans"},
	"scores":           {"run_id", "name", "value"},
	"run_labels":       {"config_hash", "label", "sweep_param", "sweep_value"},
	"traces":           {"run_id", "objective", "seconds"},
	"factors":          {"run_id", "name", "rows", "cols", "data"},
	"specs":            {"hash", "name", "path", "body", "first_run_at"},
	"reference_values": {"dataset", "method", "metric", "value", "source", "cause"},
	"method_order":     {"label", "position"},
	"datasets":         {"name", "samples", "features", "classes", "height", "width"},
	"schema_version":   {"version"}, // in manifest.json
	// claims: leases of running processes (results/claims.go), not results; not exported.
	"claims": nil,
}

func TestExportCoversSchema(t *testing.T) {
	f := newFixture(t)
	// Create the claims table as a process sharing the database would.
	st, err := results.Open(f.path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.NewClaimer(context.Background(), results.ClaimOptions{}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	ro, err := results.OpenReadOnly(f.path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	db := ro.DB()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	for _, tab := range tables {
		want, ok := exportedColumns[tab]
		if !ok {
			t.Errorf("database table %s is not exported", tab)
			continue
		}
		if tab == "claims" {
			continue
		}
		cr, err := db.Query(`SELECT name FROM pragma_table_info(?)`, tab)
		if err != nil {
			t.Fatal(err)
		}
		for cr.Next() {
			var c string
			cr.Scan(&c)
			if !slices.Contains(want, c) {
				t.Errorf("column %s.%s is not exported", tab, c)
			}
		}
		cr.Close()
	}
	if !slices.Contains(tables, "claims") {
		t.Error("the claims table was not created; the check of its exclusion is void")
	}
}

func TestExportErrors(t *testing.T) {
	f := newFixture(t)
	if _, err := Export(context.Background(), f.path, t.TempDir(), "xlsx"); err == nil || !strings.Contains(err.Error(), "csv, jsonl, parquet") {
		t.Errorf("unknown format: %v", err)
	}
	if _, err := Export(context.Background(), filepath.Join(t.TempDir(), "none.db"), t.TempDir(), CSV); err == nil {
		t.Error("a missing database was exported")
	}
	notDB := filepath.Join(t.TempDir(), "x.db")
	os.WriteFile(notDB, []byte("hello"), 0o644)
	if _, err := Export(context.Background(), notDB, t.TempDir(), CSV); err == nil {
		t.Error("a file that is not a database was exported")
	}
}

// pandas (CSV, JSON Lines), pyarrow (Parquet) and numpy (.npy) read the
// export with the values the database holds.
func TestExportReadByPython(t *testing.T) {
	py := pyfind.Find("pandas", "numpy")
	if py == "" {
		t.Skip("no python3 with pandas and numpy (Debian: apt-get install python3-pandas): the export is not checked from Python")
	}
	hasArrow := exec.Command(py, "-c", "import pyarrow").Run() == nil
	f := newFixture(t)
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			if format == Parquet && !hasArrow {
				t.Skip("pyarrow is not installed (Debian bookworm has no python3-pyarrow; pip install pyarrow): Parquet is checked by the Go reader only")
			}
			dir := filepath.Join(t.TempDir(), "out")
			if _, err := Export(context.Background(), f.path, dir, format); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "testdata/read_export.py", dir)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("read_export.py: %v", err)
			}
			var got map[string][]string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("read_export.py output: %v\n%s", err, out)
			}
			want := map[string][]string{
				"runs": pyCanon(f.want["runs"].([]Run), format == JSONL), "scores": pyCanon(f.want["scores"].([]Score), format == JSONL),
				"run_labels": pyCanon(f.want["run_labels"].([]RunLabel), format == JSONL), "labels": pyCanon(f.want["labels"].([]Label), format == JSONL),
				"traces": pyCanon(f.want["traces"].([]TracePoint), format == JSONL), "factors": pyCanon(f.want["factors"].([]Factor), format == JSONL),
				"factor_values": pyCanon(f.want["factor_values"].([]FactorValue), format == JSONL), "specs": pyCanon(f.want["specs"].([]Spec), format == JSONL),
				"reference_values": pyCanon(f.want["reference_values"].([]ReferenceValue), format == JSONL),
				"method_order":     pyCanon(f.want["method_order"].([]MethodOrder), format == JSONL), "datasets": pyCanon(f.want["datasets"].([]Dataset), format == JSONL),
			}
			var npyWant []string
			for _, fr := range f.want["factors"].([]Factor) {
				var vals []string
				for _, v := range f.want["factor_values"].([]FactorValue) {
					if v.RunID == fr.RunID && v.Name == fr.Name {
						vals = append(vals, pyFloat(v.Value))
					}
				}
				npyWant = append(npyWant, fmt.Sprintf("%s|(%d, %d)|%s", fr.NPY, fr.Rows, fr.Cols, strings.Join(vals, ",")))
			}
			want["npy"] = npyWant
			for name, w := range want {
				if !slices.Equal(got[name], w) {
					t.Errorf("%s read from Python:\ngot  %q\nwant %q", name, got[name], w)
				}
			}
		})
	}
}

// pyFloat is the rendering testdata/read_export.py gives a float: its hex
// bits in hexadecimal, NaN and null alike as "null" (pandas holds both as NaN).
func pyFloat(x float64) string {
	switch {
	case math.IsNaN(x):
		return "null"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	return fmt.Sprintf("f%#x", math.Float64bits(x))
}

// pyCanon renders rows as testdata/read_export.py does.
// For JSON Lines every non-finite float is expected as null.
func pyCanon[T any](rows []T, jsonl bool) []string {
	fields := fieldsOf(reflect.TypeFor[T]())
	var out []string
	for _, row := range rows {
		v := reflect.ValueOf(row)
		var cells []string
		for _, fl := range fields {
			x := v.Field(fl.index)
			if x.Kind() == reflect.Pointer {
				if x.IsNil() {
					cells = append(cells, "null")
					continue
				}
				x = x.Elem()
			}
			switch x.Kind() {
			case reflect.Float64:
				if jsonl && math.IsInf(x.Float(), 0) {
					cells = append(cells, "null")
					break
				}
				cells = append(cells, pyFloat(x.Float()))
			case reflect.Bool:
				cells = append(cells, "b"+strconv.FormatBool(x.Bool()))
			case reflect.String:
				cells = append(cells, "s"+x.String())
			default:
				cells = append(cells, "i"+fmt.Sprint(x.Interface()))
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
	return out
}
