package methods

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Param documents one parameter of a registered method.
type Param struct {
	Name    string   // key in the YAML spec
	Type    string   // Go type, e.g. "float64"
	Choices []string // allowed values of an enumerated option (nil otherwise)
	Symbol  string   // the paper's symbol, from the field's symbol tag (may be empty)
	Default any      // value used when the spec omits the key
	Doc     string   // one-line description, from the field's doc tag
}

// Info describes a registered method.
type Info struct {
	Name    string
	Summary string
	Version int
	Params  []Param
	Renamed map[string]string // old parameter name → current name
}

// Configured is a method with its parameters resolved.
type Configured struct {
	Name string
	// Version is the method's result version (see Definition.Version).
	Version int
	// Params holds every parameter, defaults included, as JSON-compatible
	// values keyed by spec name. It identifies the configuration.
	Params map[string]any
	// Identity is what Definition.Identity returned for these parameters
	// ("" for methods without one); it enters the configuration hash.
	Identity string
	fit      func(ctx context.Context, p *Problem) (*Result, error)
}

// Fit runs the method on p.
func (c *Configured) Fit(ctx context.Context, p *Problem) (*Result, error) { return c.fit(ctx, p) }

// ParamsJSON returns Params as canonical JSON (keys sorted).
func (c *Configured) ParamsJSON() string {
	b, err := json.Marshal(c.Params) // encoding/json sorts map keys
	if err != nil {
		return "{}"
	}
	return string(b)
}

// Validator is implemented by parameter structs that check their own values.
type Validator interface{ Validate() error }

// Chooser is implemented by enumerated option types (which also implement
// encoding.TextUnmarshaler): it lists the allowed values for documentation.
type Chooser interface{ Choices() []string }

// Definition describes a method to Register.
type Definition[P any] struct {
	// Name is the method's name in specs, e.g. "GNMF".
	Name string
	// Summary is a one-line description for `runexp methods`.
	Summary string
	// Version enters every configuration hash of the method: bump it when a
	// change of the code changes results, so that stored runs are redone.
	Version int
	// Defaults holds every parameter's default value.
	Defaults P
	// Renamed maps parameter names of earlier releases to the current ones;
	// a spec that uses an old name gets an error naming the new one.
	Renamed map[string]string
	// Fit fits the method with the spec's values decoded over Defaults.
	Fit func(ctx context.Context, p *Problem, params P) (*Result, error)
	// Identity, when non-nil, identifies what the parameters refer to
	// outside the spec — for External, the SHA-256 of the script files its
	// command names — so that editing such a file changes the configuration
	// hash and reruns the method. It is called once when the parameters are
	// resolved, with the parameters Fit will receive (it may record what it
	// saw in unexported fields, so that Fit can tell a file changed since);
	// an error rejects them. Built-in methods leave it nil.
	Identity func(params *P) (string, error)
}

type entry struct {
	info  Info
	build func(node *yaml.Node) (*Configured, error)
}

// Registry maps method names to implementations.
type Registry struct{ m map[string]entry }

// Default is the registry that method packages register into from init.
var Default = &Registry{}

// Register adds a method to the Default registry. P is the method's parameter
// struct: exported fields with `yaml:"name"`, `doc:"..."` and optionally
// `symbol:"λ"` tags. Register panics on a duplicate name or a malformed P,
// which are programming errors caught by any test that imports the method.
func Register[P any](d Definition[P]) { RegisterIn(Default, d) }

// RegisterIn is Register for an explicit registry (tests use their own).
func RegisterIn[P any](r *Registry, d Definition[P]) {
	if r.m == nil {
		r.m = make(map[string]entry)
	}
	name := d.Name
	if _, dup := r.m[name]; dup {
		panic("methods: duplicate registration of " + name)
	}
	if d.Fit == nil {
		panic("methods: " + name + " has no Fit function")
	}
	fields := paramFields(reflect.TypeOf(d.Defaults))
	info := Info{Name: name, Summary: d.Summary, Version: d.Version, Renamed: d.Renamed}
	dv := reflect.ValueOf(d.Defaults)
	known := map[string]bool{}
	for _, f := range fields {
		known[f.key] = true
		p := Param{Name: f.key, Type: f.typ.String(), Symbol: f.symbol, Default: jsonValue(dv.Field(f.index).Interface()), Doc: f.doc}
		if c, ok := reflect.New(f.typ).Interface().(Chooser); ok {
			p.Choices = c.Choices()
		}
		info.Params = append(info.Params, p)
	}
	for old, cur := range d.Renamed {
		if !known[cur] {
			panic(fmt.Sprintf("methods: %s renames %q to unknown parameter %q", name, old, cur))
		}
	}
	build := func(node *yaml.Node) (*Configured, error) {
		params := d.Defaults
		for node != nil && node.Kind == yaml.AliasNode && node.Alias != nil {
			node = node.Alias // check what an alias stands for
		}
		if node != nil && node.Kind != 0 {
			if node.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("line %d: parameters of %s must be a mapping", node.Line, name)
			}
			seen := map[string]bool{}
			for i := 0; i+1 < len(node.Content); i += 2 {
				k := node.Content[i]
				if cur, ok := d.Renamed[k.Value]; ok {
					return nil, fmt.Errorf("line %d: %s parameter %q is now called %q", k.Line, name, k.Value, cur)
				}
				if !known[k.Value] {
					return nil, fmt.Errorf("line %d: %s has no parameter %q (it has: %s)", k.Line, name, k.Value, strings.Join(sortedKeys(known), ", "))
				}
				if seen[k.Value] {
					return nil, fmt.Errorf("line %d: %s parameter %q is given twice", k.Line, name, k.Value)
				}
				seen[k.Value] = true
			}
			for i := 0; i+1 < len(node.Content); i += 2 {
				k, v := node.Content[i], node.Content[i+1]
				f := fields[fieldIndex(fields, k.Value)]
				if err := checkScalar(v, f.typ); err != nil {
					return nil, fmt.Errorf("line %d: %s parameter %s: %w", v.Line, name, k.Value, err)
				}
				if err := v.Decode(reflect.New(f.typ).Interface()); err != nil {
					return nil, fmt.Errorf("line %d: %s parameter %s: %w", v.Line, name, k.Value, err)
				}
			}
			if err := node.Decode(&params); err != nil {
				return nil, fmt.Errorf("line %d: parameters of %s: %w", node.Line, name, err)
			}
		}
		if v, ok := any(&params).(Validator); ok {
			if err := v.Validate(); err != nil {
				line := 0
				if node != nil {
					line = node.Line
				}
				return nil, fmt.Errorf("line %d: parameters of %s: %w", line, name, err)
			}
		}
		resolved := map[string]any{}
		pv := reflect.ValueOf(params)
		for _, f := range fields {
			resolved[f.key] = jsonValue(pv.Field(f.index).Interface())
		}
		var identity string
		if d.Identity != nil {
			id, err := d.Identity(&params)
			if err != nil {
				return nil, fmt.Errorf("parameters of %s: %w", name, err)
			}
			identity = id
		}
		return &Configured{Name: name, Version: d.Version, Params: resolved, Identity: identity, fit: func(ctx context.Context, p *Problem) (*Result, error) {
			return d.Fit(ctx, p, params)
		}}, nil
	}
	r.m[name] = entry{info: info, build: build}
}

// checkScalar rejects YAML values that would be silently converted: a
// fractional number for an integer parameter, a mapping or list for a
// scalar one.
func checkScalar(v *yaml.Node, t reflect.Type) error {
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		// yaml.v3 decodes null as the zero value, replacing the default.
		return fmt.Errorf("no value given (null); omit the key to keep the default")
	}
	if reflect.PointerTo(t).Implements(reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()) {
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("want one of the listed words")
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		var f float64
		if v.Kind != yaml.ScalarNode || v.Decode(&f) != nil {
			return fmt.Errorf("want an integer, got %q", v.Value)
		}
		if v.Tag != "!!int" {
			if f == math.Trunc(f) && math.Abs(f) < 1e18 {
				return fmt.Errorf("want an integer written in digits, got %q (%.0f)", v.Value, f)
			}
			return fmt.Errorf("want an integer, got %q", v.Value)
		}
	case reflect.Float64, reflect.Bool, reflect.String:
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("want a single value, not a list or mapping")
		}
	}
	return nil
}

func fieldIndex(fields []paramField, key string) int {
	for i, f := range fields {
		if f.key == key {
			return i
		}
	}
	return -1
}

// Build resolves a method's parameters from a YAML mapping node (nil for all
// defaults). Errors name the offending line and key.
func (r *Registry) Build(name string, node *yaml.Node) (*Configured, error) {
	e, ok := r.m[name]
	if !ok {
		return nil, fmt.Errorf("unknown method %q (registered: %s)", name, strings.Join(r.Names(), ", "))
	}
	return e.build(node)
}

// BuildYAML is Build with the parameters given as YAML text (e.g. "{loss: kl}").
func (r *Registry) BuildYAML(name, params string) (*Configured, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(params), &doc); err != nil {
		return nil, fmt.Errorf("parameters of %s: %w", name, err)
	}
	var node *yaml.Node
	if len(doc.Content) > 0 {
		node = doc.Content[0]
	}
	return r.Build(name, node)
}

// Has reports whether name is registered.
func (r *Registry) Has(name string) bool { _, ok := r.m[name]; return ok }

// Names lists the registered methods, sorted.
func (r *Registry) Names() []string {
	out := make([]string, 0, len(r.m))
	for k := range r.m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Infos describes every registered method, sorted by name.
func (r *Registry) Infos() []Info {
	var out []Info
	for _, n := range r.Names() {
		out = append(out, r.m[n].info)
	}
	return out
}

type paramField struct {
	index  int
	key    string
	doc    string
	symbol string
	typ    reflect.Type
}

func paramFields(t reflect.Type) []paramField {
	if t.Kind() != reflect.Struct {
		panic("methods: parameter type must be a struct, got " + t.String())
	}
	var out []paramField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if key == "" || key == "-" {
			panic(fmt.Sprintf("methods: field %s.%s needs a yaml tag", t.Name(), f.Name))
		}
		out = append(out, paramField{index: i, key: key, doc: f.Tag.Get("doc"), symbol: f.Tag.Get("symbol"), typ: f.Type})
	}
	return out
}

func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return fmt.Sprint(v)
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
