package export

// The row types below are the exported tables: one Go struct per table,
// whose field order is the column order of every format and whose parquet
// tag names the column (CSV header, JSON key, Parquet column alike).
// docs/results.md documents each column.

// Run is one row of the runs table (one stored run, whatever the labels it
// is reported under: those are in RunLabel).
type Run struct {
	RunID         int64    `parquet:"run_id"`
	ConfigHash    string   `parquet:"config_hash"`
	SpecName      string   `parquet:"spec_name"`
	SpecHash      string   `parquet:"spec_hash"`
	Dataset       string   `parquet:"dataset"`
	Method        string   `parquet:"method"`
	Label         string   `parquet:"label"`
	MethodVersion int64    `parquet:"method_version"`
	Params        string   `parquet:"params"`
	Preprocess    string   `parquet:"preprocess"`
	Protocol      string   `parquet:"protocol"`
	KMeans        string   `parquet:"kmeans"`
	Rep           int64    `parquet:"rep"`
	Seed          uint64   `parquet:"seed"`
	Status        string   `parquet:"status"`
	Error         string   `parquet:"error"`
	Samples       int64    `parquet:"samples"`
	Iterations    int64    `parquet:"iterations"`
	Converged     bool     `parquet:"converged"`
	Objective     *float64 `parquet:"objective,optional"`
	FitSeconds    float64  `parquet:"fit_seconds"`
	KmeansSeconds float64  `parquet:"kmeans_seconds"`
	GitRevision   string   `parquet:"git_revision"`
	GoVersion     string   `parquet:"go_version"`
	BLAS          string   `parquet:"blas"`
	BLASEnv       string   `parquet:"blas_env"`
	Host          string   `parquet:"host"`
	StartedAt     string   `parquet:"started_at"`
	FinishedAt    string   `parquet:"finished_at"`
}

// Score is one row of the scores table (long format).
type Score struct {
	RunID int64   `parquet:"run_id"`
	Name  string  `parquet:"name"`
	Value float64 `parquet:"value"`
}

// RunLabel is one row of the run_labels table: a table row label a run
// (by configuration hash) is reported under.
type RunLabel struct {
	ConfigHash string `parquet:"config_hash"`
	Label      string `parquet:"label"`
	SweepParam string `parquet:"sweep_param"`
	SweepValue string `parquet:"sweep_value"`
}

// Label is one row of the labels table: the predicted cluster of one
// sample in one run (decoded from runs.labels).
type Label struct {
	RunID   int64 `parquet:"run_id"`
	Sample  int64 `parquet:"sample"`
	Cluster int32 `parquet:"cluster"`
}

// TracePoint is one row of the traces table: entry Iteration of a run's
// objective trace (decoded from traces.objective and traces.seconds).
type TracePoint struct {
	RunID     int64    `parquet:"run_id"`
	Iteration int64    `parquet:"iteration"`
	Objective *float64 `parquet:"objective,optional"`
	Seconds   *float64 `parquet:"seconds,optional"`
}

// Factor is one row of the factors table: a stored factor's shape and the
// .npy file holding it (path relative to the export directory).
type Factor struct {
	RunID int64  `parquet:"run_id"`
	Name  string `parquet:"name"`
	Rows  int64  `parquet:"rows"`
	Cols  int64  `parquet:"cols"`
	NPY   string `parquet:"npy"`
}

// FactorValue is one row of the factor_values table: entry (Row, Col) of a
// stored factor (decoded from factors.data).
type FactorValue struct {
	RunID int64   `parquet:"run_id"`
	Name  string  `parquet:"name"`
	Row   int64   `parquet:"row"`
	Col   int64   `parquet:"col"`
	Value float64 `parquet:"value"`
}

// Spec is one row of the specs table: a spec's text as it was run.
type Spec struct {
	Hash       string `parquet:"hash"`
	Name       string `parquet:"name"`
	Path       string `parquet:"path"`
	Body       string `parquet:"body"`
	FirstRunAt string `parquet:"first_run_at"`
}

// ReferenceValue is one row of the reference_values table (published
// values shown beside ours, as fractions).
type ReferenceValue struct {
	Dataset string  `parquet:"dataset"`
	Method  string  `parquet:"method"`
	Metric  string  `parquet:"metric"`
	Value   float64 `parquet:"value"`
	Source  string  `parquet:"source"`
	Cause   string  `parquet:"cause"`
}

// MethodOrder is one row of the method_order table (display order).
type MethodOrder struct {
	Label    string `parquet:"label"`
	Position int64  `parquet:"position"`
}

// Dataset is one row of the datasets table.
type Dataset struct {
	Name     string `parquet:"name"`
	Samples  int64  `parquet:"samples"`
	Features int64  `parquet:"features"`
	Classes  int64  `parquet:"classes"`
	Height   int64  `parquet:"height"`
	Width    int64  `parquet:"width"`
}
