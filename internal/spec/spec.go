// Package spec reads nmfbench experiment specs (YAML) and expands them into a
// validated plan of runs: dataset × method configuration × repetition, each
// with a seed derived deterministically from (spec seed, dataset,
// repetition) — the same for every method and sweep point, so that paired
// comparisons pair runs that started from the same random stream — and a
// configuration hash that identifies it in the results store. Neither
// depends on the row label: renaming a row reruns nothing.
//
// Decoding is strict: an unknown key anywhere is an error naming the file,
// line and key. Methods are resolved against a methods.Registry, so their
// parameters are validated before anything runs.
package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"nmfbench/datasets"
	"nmfbench/methods"
	"nmfbench/metrics"
)

// Spec is the content of an experiment YAML file.
type Spec struct {
	Name        string          `yaml:"name"`
	Description string          `yaml:"description"`
	Seed        uint64          `yaml:"seed"`       // base seed of every run's seed
	Seeds       Seeds           `yaml:"seeds"`      // repetitions: a count or a list of indices
	KMeans      KMeans          `yaml:"kmeans"`     // clustering of the embeddings
	Metrics     metrics.Mapping `yaml:"metrics"`    // report columns; default metrics.PaperMapping
	Preprocess  []string        `yaml:"preprocess"` // default preprocessing of every dataset
	Datasets    []Dataset       `yaml:"datasets"`
	Methods     []Method        `yaml:"methods"`
	Reference   string          `yaml:"reference"` // published values file, relative to the spec
	// Protocol names a protocol preset (protocol.go, docs/fidelity.md): a
	// documented bundle of the choices a paper leaves open (k-means
	// replicates, per-method preprocessing, iteration budgets, restarts)
	// that fills what the spec leaves unset. "" or "default": none.
	Protocol string `yaml:"protocol"`
	// KeepFactors is the number of repetitions (from 0) whose learned
	// factors are stored for plots; default 1.
	KeepFactors *int `yaml:"keep_factors"`
	// Report holds presentation settings read by runexp report from the
	// stored spec; they never enter a configuration hash.
	Report ReportSettings `yaml:"report"`
	// Timeout is the time limit of one run (fit, k-means and scoring), e.g.
	// "30m"; a run past it is stored as failed ("timed out after 30m").
	// Zero or absent: no limit. runexp run --timeout overrides it.
	Timeout Duration `yaml:"timeout"`
}

// ReportSettings are a spec's report settings.
type ReportSettings struct {
	// Versus is the row label every other row is compared with in the
	// paired tests (runexp report --versus overrides it); "" means the
	// report's default (GWNTF).
	Versus string `yaml:"versus"`
}

// Seeds is a list of repetition indices; YAML accepts a count n (0..n−1) or a list.
type Seeds []int

// Limits on the size-like fields of a spec (docs/harness.md).
const (
	MaxSeeds       = 10_000  // repetitions of a spec
	MaxRepIndex    = 999_999 // largest repetition index in a seeds list
	MaxLabelLen    = 200     // characters of a method label or dataset name
	MaxSweepValues = 1000    // values of one sweep
	// MaxRuns bounds the runs a spec expands into (datasets × rows ×
	// repetitions, after filters); the paper's grid is 800.
	MaxRuns = 100_000
)

// UnmarshalYAML reads a count or a list.
func (s *Seeds) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var c int
		if n.Tag != "!!int" || n.Decode(&c) != nil || c < 1 || c > MaxSeeds {
			return fmt.Errorf("line %d: seeds = %s: must be a whole count in [1, %d] or a list of repetition indices", n.Line, n.Value, MaxSeeds)
		}
		*s = make(Seeds, c)
		for i := range *s {
			(*s)[i] = i
		}
		return nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) > MaxSeeds {
		return fmt.Errorf("line %d: seeds must be a whole count in [1, %d] or a list of at most %d repetition indices", n.Line, MaxSeeds, MaxSeeds)
	}
	if len(n.Content) == 0 {
		return fmt.Errorf("line %d: seeds list is empty; give a count or at least one repetition index", n.Line)
	}
	for _, e := range n.Content {
		if e.Kind != yaml.ScalarNode || e.Tag != "!!int" {
			return fmt.Errorf("line %d: seeds list entry %q is not a whole number", e.Line, e.Value)
		}
	}
	var l []int
	if err := n.Decode(&l); err != nil {
		return fmt.Errorf("line %d: seeds must be a positive count or a list of repetition indices", n.Line)
	}
	seen := map[int]bool{}
	for _, v := range l {
		if v < 0 || v > MaxRepIndex || seen[v] {
			return fmt.Errorf("line %d: seeds list has a negative, repeated or too large (> %d) index %d", n.Line, MaxRepIndex, v)
		}
		seen[v] = true
	}
	*s = l
	return nil
}

// KMeans configures the k-means stage applied to every embedding.
type KMeans struct {
	Replicates int     `yaml:"replicates"` // restarts, lowest inertia kept (default 10)
	MaxIter    int     `yaml:"max_iter"`   // Lloyd iterations per replicate (default 100)
	Tol        float64 `yaml:"tol"`        // relative inertia change stopping tolerance (default 1e-6)
}

// Default k-means settings of a spec (the paper grid's: 10 replicates of at
// most 100 Lloyd iterations).
const (
	DefaultKMeansReplicates = 10
	DefaultKMeansMaxIter    = 100
	DefaultKMeansTol        = 1e-6
)

// UnmarshalYAML decodes the k-means settings, filling omitted fields with
// the defaults and rejecting values that cannot be meant (0 replicates or
// iterations, a negative or non-finite tolerance) instead of replacing them.
func (k *KMeans) UnmarshalYAML(n *yaml.Node) error {
	var raw struct {
		Replicates *int     `yaml:"replicates"`
		MaxIter    *int     `yaml:"max_iter"`
		Tol        *float64 `yaml:"tol"`
	}
	if err := n.Decode(&raw); err != nil {
		return fmt.Errorf("line %d: kmeans: %w", n.Line, err)
	}
	*k = KMeans{Replicates: DefaultKMeansReplicates, MaxIter: DefaultKMeansMaxIter, Tol: DefaultKMeansTol}
	if raw.Replicates != nil {
		if *raw.Replicates < 1 || *raw.Replicates > 1000 {
			return fmt.Errorf("line %d: kmeans.replicates = %d: must be in [1, 1000]", n.Line, *raw.Replicates)
		}
		k.Replicates = *raw.Replicates
	}
	if raw.MaxIter != nil {
		if *raw.MaxIter < 1 || *raw.MaxIter > 100000 {
			return fmt.Errorf("line %d: kmeans.max_iter = %d: must be in [1, 100000]", n.Line, *raw.MaxIter)
		}
		k.MaxIter = *raw.MaxIter
	}
	if raw.Tol != nil {
		if !(*raw.Tol >= 0 && *raw.Tol < 1) {
			return fmt.Errorf("line %d: kmeans.tol = %v: must be in [0, 1)", n.Line, *raw.Tol)
		}
		k.Tol = *raw.Tol
	}
	return nil
}

// Dataset is one dataset entry.
type Dataset struct {
	Name       string   `yaml:"name"`
	Preprocess []string `yaml:"preprocess"` // overrides the spec default when set
	line       int
}

// Method is one method entry: a table row.
type Method struct {
	Label   string    `yaml:"label"`   // row label; default: the method name
	Method  string    `yaml:"method"`  // registered method name
	Params  yaml.Node `yaml:"params"`  // method parameters (validated by the method)
	Planned string    `yaml:"planned"` // non-empty: not runnable yet; the runner skips it with this notice
	Sweep   *Sweep    `yaml:"sweep"`   // optional parameter sweep: one row per value
	// Preprocess, when set, replaces the dataset's preprocessing for this
	// entry's runs (e.g. [l2rows] for a baseline whose reference code
	// L2-normalises each sample); an empty list means the raw data.
	Preprocess []string `yaml:"preprocess"`
	// KMeans, when set, replaces the spec's k-means settings for this
	// entry's runs (omitted fields take the defaults, as in the spec's).
	KMeans *KMeans `yaml:"kmeans"`
	line   int
}

// Sweep varies one parameter of a method entry over values.
type Sweep struct {
	Param  string      `yaml:"param"`
	Values []yaml.Node `yaml:"values"`
}

// Load reads and strictly decodes a spec file, filling defaults.
func Load(path string) (*Spec, []byte, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read spec: %w", err)
	}
	s, err := Parse(body)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if s.Reference != "" && !filepath.IsAbs(s.Reference) {
		s.Reference = filepath.Join(filepath.Dir(path), s.Reference)
	}
	return s, body, nil
}

// Parse decodes a spec from YAML, rejecting unknown keys, and fills defaults.
func Parse(body []byte) (*Spec, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("empty spec")
		}
		return nil, err
	}
	var second yaml.Node
	if err := dec.Decode(&second); !errors.Is(err, io.EOF) {
		line := second.Line
		if len(second.Content) > 0 {
			line = second.Content[0].Line
		}
		return nil, fmt.Errorf("line %d: the file holds a second YAML document (after ---); a spec is one document", line)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, fmt.Errorf("empty spec")
	}
	doc := root.Content[0]
	if err := checkKeys(doc, reflect.TypeOf(Spec{}), ""); err != nil {
		return nil, err
	}
	var s Spec
	if err := doc.Decode(&s); err != nil {
		return nil, err
	}
	// Record the lines of list entries for later error messages.
	if n := field(doc, "datasets"); n != nil {
		for i, e := range n.Content {
			if i < len(s.Datasets) {
				s.Datasets[i].line = e.Line
			}
		}
	}
	if n := field(doc, "methods"); n != nil {
		for i, e := range n.Content {
			if i < len(s.Methods) {
				s.Methods[i].line = e.Line
			}
		}
	}
	if err := s.applyProtocol(doc); err != nil {
		return nil, err
	}
	s.fillDefaults()
	return &s, s.validate()
}

func (s *Spec) fillDefaults() {
	if len(s.Seeds) == 0 {
		s.Seeds = Seeds{0}
	}
	if s.KMeans == (KMeans{}) {
		s.KMeans = KMeans{Replicates: DefaultKMeansReplicates, MaxIter: DefaultKMeansMaxIter, Tol: DefaultKMeansTol}
	}
	if len(s.Metrics) == 0 {
		s.Metrics = metrics.PaperMapping()
	}
	for i := range s.Methods {
		if s.Methods[i].Label == "" {
			s.Methods[i].Label = s.Methods[i].Method
		}
	}
	if s.KeepFactors == nil {
		one := 1
		s.KeepFactors = &one
	}
}

func (s *Spec) validate() error {
	if strings.TrimSpace(s.Name) == "" {
		return fmt.Errorf("name: a spec needs a name")
	}
	if s.KMeans.Replicates < 1 || s.KMeans.MaxIter < 1 || s.KMeans.Tol < 0 {
		return fmt.Errorf("kmeans: replicates and max_iter must be ≥ 1 and tol ≥ 0")
	}
	if len(s.Datasets) == 0 {
		return fmt.Errorf("datasets: at least one dataset is needed")
	}
	if len(s.Methods) == 0 {
		return fmt.Errorf("methods: at least one method is needed")
	}
	if *s.KeepFactors < 0 || *s.KeepFactors > MaxSeeds {
		return fmt.Errorf("keep_factors = %d: must be in [0, %d]", *s.KeepFactors, MaxSeeds)
	}
	if err := checkName("name", s.Name); err != nil {
		return err
	}
	if v := s.Report.Versus; v != "" {
		if err := checkName("report.versus", v); err != nil {
			return err
		}
		var labels []string
		found := false
		for _, m := range s.Methods {
			labels = append(labels, m.Label)
			found = found || m.Label == v
			if variants, err := m.expandSweep(); err == nil && m.Sweep != nil {
				for _, x := range variants {
					found = found || x.label == v
				}
			}
		}
		if !found {
			return choiceError("report.versus", v, "a row label of this spec", labels)
		}
	}
	for i, c := range s.Metrics {
		if err := checkName(fmt.Sprintf("metrics: column %d", i+1), c.Name); err != nil {
			return err
		}
	}
	for _, step := range s.Preprocess {
		if datasets.StepDoc(step) == "" {
			return fmt.Errorf("preprocess: unknown preprocessing step %q (valid: %s)", step, strings.Join(datasets.PreprocessSteps(), ", "))
		}
	}
	seen := map[string]int{}
	for i, d := range s.Datasets {
		if d.Name == "" {
			return fmt.Errorf("line %d: datasets[%d].name is missing", d.line, i)
		}
		if err := checkName(fmt.Sprintf("line %d: datasets[%d].name", d.line, i), d.Name); err != nil {
			return err
		}
		if prev, dup := seen[foldKey(d.Name)]; dup {
			return fmt.Errorf("line %d: dataset %q is listed twice (also line %d; names are case-insensitive)", d.line, d.Name, prev)
		}
		seen[foldKey(d.Name)] = d.line
	}
	labels := map[string]int{}
	for i, m := range s.Methods {
		if m.Method == "" {
			return fmt.Errorf("line %d: methods[%d].method is missing", m.line, i)
		}
		if err := checkName(fmt.Sprintf("line %d: methods[%d].label", m.line, i), m.Label); err != nil {
			return err
		}
		if m.Sweep != nil && len(m.Sweep.Values) > MaxSweepValues {
			return fmt.Errorf("line %d: methods[%d].sweep has %d values; at most %d", m.line, i, len(m.Sweep.Values), MaxSweepValues)
		}
		// Sweeps expand into "Label[param=value]" rows, so two sweeps of one
		// label over different parameters may share it; Expand checks the
		// expanded labels.
		if prev, dup := labels[m.Label]; dup && m.Sweep == nil {
			return fmt.Errorf("line %d: method label %q is used twice (also line %d); give one a distinct label", m.line, m.Label, prev)
		}
		if m.Sweep == nil {
			labels[m.Label] = m.line
		}
		if m.Sweep != nil && (m.Sweep.Param == "" || len(m.Sweep.Values) == 0) {
			return fmt.Errorf("line %d: methods[%d].sweep needs param and values", m.line, i)
		}
		for _, step := range m.Preprocess {
			if datasets.StepDoc(step) == "" {
				return fmt.Errorf("line %d: methods[%d].preprocess: unknown preprocessing step %q (valid: %s)", m.line, i, step, strings.Join(datasets.PreprocessSteps(), ", "))
			}
		}
	}
	return nil
}

// checkName rejects names and labels that cannot be shown or stored well:
// longer than MaxLabelLen characters, blank, or holding control characters
// (a newline would break every table), line or paragraph separators, or
// bidirectional-text controls (which reorder what a table shows).
func checkName(what, v string) error {
	if n := utf8.RuneCountInString(v); n > MaxLabelLen {
		return fmt.Errorf("%s is %d characters long; at most %d", what, n, MaxLabelLen)
	}
	if !utf8.ValidString(v) {
		return fmt.Errorf("%s is not valid UTF-8", what)
	}
	if v != "" && strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s %q is blank", what, v)
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || unicode.Is(unicode.Bidi_Control, r) {
			return fmt.Errorf("%s %q holds a control character (%U)", what, v, r)
		}
	}
	return nil
}

// foldKey maps names that strings.EqualFold treats as equal (the way
// datasets are looked up) to one key: every rune is replaced by the
// smallest rune of its simple case-folding orbit.
func foldKey(v string) string {
	var b strings.Builder
	for _, r := range v {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		b.WriteRune(m)
	}
	return b.String()
}

// checkKeys reports the first mapping key in n that has no yaml-tagged field
// in t, recursing into nested structs and slices of structs.
func checkKeys(n *yaml.Node, t reflect.Type, path string) error {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias // check what an alias stands for, after resolution
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeOf(yaml.Node{}) {
		return nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32, reflect.Uint:
		if n.Kind == yaml.ScalarNode && n.Tag != "!!int" {
			return fmt.Errorf("line %d: %s = %s: must be a whole number", n.Line, orRoot(path), n.Value)
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if _, custom := reflect.PointerTo(t).MethodByName("UnmarshalYAML"); custom {
				return nil
			}
			return fmt.Errorf("line %d: %s must be a mapping", n.Line, orRoot(path))
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			key := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if key == "" || !f.IsExported() {
				continue
			}
			fields[key] = f.Type
			names = append(names, key)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "<<" {
				return fmt.Errorf("line %d: merge keys (<<) are not supported in specs; write the keys out", k.Line)
			}
			ft, ok := fields[k.Value]
			if !ok {
				sort.Strings(names)
				return fmt.Errorf("line %d: unknown key %q in %s (known keys: %s)", k.Line, k.Value, orRoot(path), strings.Join(names, ", "))
			}
			if err := checkKeys(v, ft, join(path, k.Value)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for i, e := range n.Content {
				if err := checkKeys(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func orRoot(path string) string {
	if path == "" {
		return "the spec"
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// field returns the value node of key in mapping n, or nil.
func field(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Hash returns the SHA-256 of a spec's bytes, hex encoded.
func Hash(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// Run is one planned computation: a dataset, a method configuration and a
// repetition. Entries of the spec that resolve to the same computation (a
// sweep point equal to another entry, say) share one Run, listed under each
// of their labels.
type Run struct {
	Dataset    string
	Preprocess []string
	Label      string // the first label of the run (see Labels)
	Labels     []Label
	Method     *methods.Configured
	// KMeans is the run's k-means stage: the method entry's override or
	// the spec's settings.
	KMeans     KMeans
	Protocol   string // the spec's protocol preset ("" when none)
	Rep        int
	Seed       uint64
	ConfigHash string
}

// KMeansOr returns the run's k-means settings, or def when the run has none
// (a Run built by hand rather than by Expand).
func (r Run) KMeansOr(def KMeans) KMeans {
	if r.KMeans == (KMeans{}) {
		return def
	}
	return r.KMeans
}

// JSON returns the k-means settings as canonical JSON, as stored beside
// every run.
func (k KMeans) JSON() string {
	b, _ := json.Marshal(struct {
		Replicates int     `json:"replicates"`
		MaxIter    int     `json:"max_iter"`
		Tol        float64 `json:"tol"`
	}{k.Replicates, k.MaxIter, k.Tol})
	return string(b)
}

// Label is one table row a run is reported under: the entry's label, and
// for a sweep the parameter and its value as data.
type Label struct {
	Name       string
	SweepParam string // "" when the entry is not a sweep
	SweepValue string
}

// Plan is a spec expanded into runs.
type Plan struct {
	Spec    *Spec
	Runs    []Run
	Labels  []string // method labels in spec order (rows of the tables)
	Notices []string // methods skipped, with the reason
}

// Datasets returns the names of the datasets the plan's runs use, in order.
func (p *Plan) Datasets() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range p.Runs {
		if !seen[r.Dataset] {
			seen[r.Dataset] = true
			out = append(out, r.Dataset)
		}
	}
	return out
}

// Identity returns a string that changes whenever a dataset's content does
// (e.g. its SHA-256); it enters every configuration hash.
type Identity func(dataset string) (string, error)

// Expand validates the spec against the registry and expands it into runs.
func (s *Spec) Expand(reg *methods.Registry, id Identity, f Filter) (*Plan, error) {
	plan := &Plan{Spec: s}
	want := func(list []string, name string) bool { return len(list) == 0 || containsFold(list, name) }
	if err := checkFilter(f, s); err != nil {
		return nil, err
	}
	type entry struct {
		label Label
		cfg   *methods.Configured
		pre   []string // nil: the dataset's preprocessing
		km    KMeans
	}
	var entries []entry
	seenLabels := map[string]int{}
	for i, m := range s.Methods {
		whole := f.wantsEntry(m)
		if !whole && !f.wantsSomeRow(m) {
			continue
		}
		if m.Planned != "" {
			plan.Notices = append(plan.Notices, fmt.Sprintf("skipping %s: %s", m.Label, m.Planned))
			continue
		}
		if !reg.Has(m.Method) {
			return nil, fmt.Errorf("line %d: methods[%d].method: unknown method %q (registered: %s; mark unbuilt methods with planned: \"reason\")",
				m.line, i, m.Method, strings.Join(reg.Names(), ", "))
		}
		variants, err := m.expandSweep()
		if err != nil {
			return nil, fmt.Errorf("line %d: methods[%d]: %w", m.line, i, err)
		}
		for _, v := range variants {
			if !whole && !f.wantsRow(v.label) {
				continue
			}
			if err := checkName(fmt.Sprintf("line %d: methods[%d]: row label", m.line, i), v.label); err != nil {
				return nil, err
			}
			if prev, dup := seenLabels[v.label]; dup {
				return nil, fmt.Errorf("line %d: methods[%d]: row label %q is produced twice (also line %d)", m.line, i, v.label, prev)
			}
			seenLabels[v.label] = m.line
			cfg, err := reg.Build(m.Method, v.params)
			if err != nil {
				return nil, fmt.Errorf("methods[%d] (%s): %w", i, m.Label, err)
			}
			km := s.KMeans
			if m.KMeans != nil {
				km = *m.KMeans
			}
			entries = append(entries, entry{Label{Name: v.label, SweepParam: v.param, SweepValue: v.value}, cfg, m.Preprocess, km})
			plan.Labels = append(plan.Labels, v.label)
		}
	}
	seeds := s.Seeds
	if f.Seeds > 0 && f.Seeds < len(seeds) {
		seeds = seeds[:f.Seeds]
	}
	nData := 0
	for _, d := range s.Datasets {
		if want(f.Datasets, d.Name) {
			nData++
		}
	}
	if total := int64(nData) * int64(len(entries)) * int64(len(seeds)); total > MaxRuns {
		return nil, fmt.Errorf("the spec expands to %d datasets × %d rows × %d repetitions = %d runs; at most %d (split it, or narrow it with --datasets, --methods, --seeds)",
			nData, len(entries), len(seeds), total, MaxRuns)
	}
	for _, d := range s.Datasets {
		if !want(f.Datasets, d.Name) {
			continue
		}
		ident, err := id(d.Name)
		if err != nil {
			return nil, fmt.Errorf("line %d: dataset %q: %w", d.line, d.Name, err)
		}
		pre := d.Preprocess
		if pre == nil {
			pre = s.Preprocess
		}
		for _, step := range pre {
			if datasets.StepDoc(step) == "" {
				return nil, fmt.Errorf("line %d: dataset %q: unknown preprocessing step %q (valid: %s)", d.line, d.Name, step, strings.Join(datasets.PreprocessSteps(), ", "))
			}
		}
		index := map[string]int{} // config hash → position in plan.Runs
		for _, e := range entries {
			runPre := pre
			if e.pre != nil {
				runPre = e.pre
			}
			for _, rep := range seeds {
				r := Run{Dataset: d.Name, Preprocess: runPre, Label: e.label.Name, Labels: []Label{e.label}, Method: e.cfg, Rep: rep,
					KMeans: e.km, Protocol: s.Protocol, Seed: DeriveSeed(s.Seed, d.Name, rep)}
				r.ConfigHash = configHash(ident, r, e.km)
				if i, dup := index[r.ConfigHash]; dup {
					plan.Runs[i].Labels = append(plan.Runs[i].Labels, e.label)
					continue
				}
				index[r.ConfigHash] = len(plan.Runs)
				plan.Runs = append(plan.Runs, r)
			}
		}
	}
	if len(plan.Runs) == 0 {
		return nil, fmt.Errorf("the spec and filters select no runs")
	}
	return plan, nil
}

type variant struct {
	label        string
	param, value string // the swept parameter and its value ("" without a sweep)
	params       *yaml.Node
}

// expandSweep returns one variant per sweep value (or the entry itself).
func (m Method) expandSweep() ([]variant, error) {
	base := &m.Params
	for base.Kind == yaml.AliasNode && base.Alias != nil {
		base = base.Alias
	}
	if base.Kind == 0 {
		base = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: m.line}
	}
	if m.Sweep == nil {
		return []variant{{label: m.Label, params: base}}, nil
	}
	if base.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("params must be a mapping to sweep %q", m.Sweep.Param)
	}
	var out []variant
	for i := range m.Sweep.Values {
		v := m.Sweep.Values[i]
		if v.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: sweep values must be scalars", v.Line)
		}
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: base.Line}
		for j := 0; j+1 < len(base.Content); j += 2 {
			if base.Content[j].Value != m.Sweep.Param {
				n.Content = append(n.Content, base.Content[j], base.Content[j+1])
			}
		}
		key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: m.Sweep.Param, Line: v.Line}
		n.Content = append(n.Content, key, &v)
		out = append(out, variant{label: fmt.Sprintf("%s[%s=%s]", m.Label, m.Sweep.Param, v.Value), param: m.Sweep.Param, value: v.Value, params: n})
	}
	return out, nil
}

// DeriveSeed returns the seed of repetition rep on a dataset: the first 8
// bytes of SHA-256 over the spec seed, the dataset name and rep. It depends
// on nothing else — not on the method or the row label — so every method
// and sweep point of a repetition starts from the same random stream
// (common random numbers), and results do not depend on worker count or
// order.
func DeriveSeed(base uint64, dataset string, rep int) uint64 {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, base)
	fmt.Fprintf(&b, "\x00%s\x00%d", dataset, rep)
	h := sha256.Sum256(b.Bytes())
	return binary.LittleEndian.Uint64(h[:8])
}

// configHash identifies everything that determines a run's result: the
// dataset's content, its preprocessing, the method and its result version,
// the resolved parameters, the k-means settings and the seed — never the
// label or the repetition index, which are presentation. A method's Identity
// (External: the SHA-256 of its scripts) is appended when it is non-empty, so
// the hashes of the built-in methods are unchanged.
func configHash(datasetIdentity string, r Run, km KMeans) string {
	b, _ := json.Marshal(struct {
		Dataset, Identity, Preprocess, Method string
		Version                               int
		Params                                map[string]any
		Seed                                  uint64
		KMeans                                KMeans
	}{strings.ToLower(r.Dataset), datasetIdentity, datasets.PreprocessKey(r.Preprocess), r.Method.Name, r.Method.Version, r.Method.Params, r.Seed, km})
	if r.Method.Identity != "" {
		b = append(b, "\x00method identity: "+r.Method.Identity...)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

func reflectType(v any) reflect.Type { return reflect.TypeOf(v) }
