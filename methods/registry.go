package methods

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Param documents one parameter of a registered method.
type Param struct {
	Name    string // key in the YAML spec
	Type    string // Go type, e.g. "float64"
	Default any    // value used when the spec omits the key
	Doc     string // one-line description, from the field's doc tag
}

// Info describes a registered method.
type Info struct {
	Name    string
	Summary string
	Params  []Param
}

// Configured is a method with its parameters resolved.
type Configured struct {
	Name string
	// Params holds every parameter, defaults included, as JSON-compatible
	// values keyed by spec name. It identifies the configuration.
	Params map[string]any
	fit    func(ctx context.Context, p *Problem) (*Result, error)
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

type entry struct {
	info  Info
	build func(node *yaml.Node) (*Configured, error)
}

// Registry maps method names to implementations.
type Registry struct{ m map[string]entry }

// Default is the registry that method files register into from init.
var Default = &Registry{}

// Register adds a method to the Default registry. P is the method's parameter
// struct: exported fields with `yaml:"name"` and `doc:"..."` tags; defaults
// holds their default values. fit is called with the spec's values decoded
// over the defaults. Register panics on a duplicate name or a malformed P,
// which are programming errors caught by any test that imports the method.
func Register[P any](name, summary string, defaults P, fit func(ctx context.Context, p *Problem, params P) (*Result, error)) {
	RegisterIn(Default, name, summary, defaults, fit)
}

// RegisterIn is Register for an explicit registry (tests use their own).
func RegisterIn[P any](r *Registry, name, summary string, defaults P, fit func(ctx context.Context, p *Problem, params P) (*Result, error)) {
	if r.m == nil {
		r.m = make(map[string]entry)
	}
	if _, dup := r.m[name]; dup {
		panic("methods: duplicate registration of " + name)
	}
	fields := paramFields(reflect.TypeOf(defaults))
	info := Info{Name: name, Summary: summary}
	dv := reflect.ValueOf(defaults)
	for _, f := range fields {
		info.Params = append(info.Params, Param{Name: f.key, Type: f.typ.String(), Default: dv.Field(f.index).Interface(), Doc: f.doc})
	}
	build := func(node *yaml.Node) (*Configured, error) {
		params := defaults
		if node != nil && node.Kind != 0 {
			if node.Kind != yaml.MappingNode {
				return nil, fmt.Errorf("line %d: parameters of %s must be a mapping", node.Line, name)
			}
			known := map[string]bool{}
			for _, f := range fields {
				known[f.key] = true
			}
			for i := 0; i+1 < len(node.Content); i += 2 {
				k := node.Content[i]
				if !known[k.Value] {
					return nil, fmt.Errorf("line %d: %s has no parameter %q (it has: %s)", k.Line, name, k.Value, strings.Join(sortedKeys(known), ", "))
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
		return &Configured{Name: name, Params: resolved, fit: func(ctx context.Context, p *Problem) (*Result, error) {
			return fit(ctx, p, params)
		}}, nil
	}
	r.m[name] = entry{info: info, build: build}
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
	index int
	key   string
	doc   string
	typ   reflect.Type
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
		out = append(out, paramField{index: i, key: key, doc: f.Tag.Get("doc"), typ: f.Type})
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
