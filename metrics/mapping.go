package metrics

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Column is one report column: its heading and the metric (a name from
// FieldNames) that fills it.
type Column struct {
	Name  string // heading, e.g. "NMI"
	Field string // Scores field, e.g. "nmi_geometric"
}

// Mapping lists a report's columns, in order, with the score behind each.
type Mapping []Column

// PaperMapping returns the default reading of the GWNTF paper's columns
// ACC, NMI, MI, Purity, which the paper does not define: those are the fields
// of NMFLibrary's clustering evaluator, where NMI is I/√(H(U)H(V)) and "MI"
// is Deng Cai's MutualInfo.m, I/max(H(U), H(V)). See docs/metrics.md.
func PaperMapping() Mapping {
	return Mapping{
		{Name: "ACC", Field: "acc"},
		{Name: "NMI", Field: "nmi_geometric"},
		{Name: "MI", Field: "nmi_max"},
		{Name: "Purity", Field: "purity"},
	}
}

// ParseMapping parses a comma-separated list of columns, each "Name=field"
// or a bare "field" (then the column is named after the field), e.g.
// "ACC=acc, NMI=nmi_arithmetic, MI=nmi_max, Purity=purity". Field names are
// those of FieldNames, matched case-insensitively; column names must be
// distinct and non-empty.
func ParseMapping(spec string) (Mapping, error) {
	var m Mapping
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, field, ok := strings.Cut(item, "=")
		if !ok {
			field = name
		}
		col, err := newColumn(name, field)
		if err != nil {
			return nil, err
		}
		m = append(m, col)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func newColumn(name, field string) (Column, error) {
	name = strings.TrimSpace(name)
	field = strings.ToLower(strings.TrimSpace(field))
	if _, ok := Lookup(field); !ok {
		return Column{}, fmt.Errorf("metrics: column %q: unknown score %q (known: %s)", name, field, strings.Join(FieldNames(), ", "))
	}
	return Column{Name: name, Field: field}, nil
}

// Validate checks that the mapping has at least one column, that column
// names are non-empty and distinct, and that every field is known.
func (m Mapping) Validate() error {
	if len(m) == 0 {
		return fmt.Errorf("metrics: a column mapping needs at least one column")
	}
	seen := map[string]bool{}
	for _, c := range m {
		if c.Name == "" {
			return fmt.Errorf("metrics: column for score %q has an empty name", c.Field)
		}
		if seen[c.Name] {
			return fmt.Errorf("metrics: column %q appears twice", c.Name)
		}
		seen[c.Name] = true
		if _, ok := Lookup(c.Field); !ok {
			return fmt.Errorf("metrics: column %q: unknown score %q (known: %s)", c.Name, c.Field, strings.Join(FieldNames(), ", "))
		}
	}
	return nil
}

// String formats the mapping in the syntax ParseMapping reads.
func (m Mapping) String() string {
	parts := make([]string, len(m))
	for i, c := range m {
		parts[i] = c.Name + "=" + c.Field
	}
	return strings.Join(parts, ",")
}

// Names returns the column headings in order.
func (m Mapping) Names() []string {
	out := make([]string, len(m))
	for i, c := range m {
		out[i] = c.Name
	}
	return out
}

// Values returns the scores of s that fill the columns, in order.
func (m Mapping) Values(s Scores) ([]float64, error) {
	out := make([]float64, len(m))
	for i, c := range m {
		v, err := s.Get(c.Field)
		if err != nil {
			return nil, fmt.Errorf("metrics: column %q: %w", c.Name, err)
		}
		out[i] = v
	}
	return out, nil
}

// With returns a copy of m in which the column named name is filled by
// field; the column is appended when m has none of that name.
func (m Mapping) With(name, field string) (Mapping, error) {
	col, err := newColumn(name, field)
	if err != nil {
		return nil, err
	}
	out := append(Mapping(nil), m...)
	for i := range out {
		if out[i].Name == col.Name {
			out[i] = col
			return out, out.Validate()
		}
	}
	out = append(out, col)
	return out, out.Validate()
}

// UnmarshalYAML reads a mapping from YAML, either as an ordered mapping of
// column names to fields,
//
//	columns: {ACC: acc, NMI: nmi_geometric, MI: nmi_max, Purity: purity}
//
// or as a string in ParseMapping's syntax. Errors name the line.
func (m *Mapping) UnmarshalYAML(node *yaml.Node) error {
	switch node.Kind {
	case yaml.ScalarNode:
		pm, err := ParseMapping(node.Value)
		if err != nil {
			return fmt.Errorf("line %d: %w", node.Line, err)
		}
		*m = pm
		return nil
	case yaml.MappingNode:
		var out Mapping
		for i := 0; i+1 < len(node.Content); i += 2 {
			k, v := node.Content[i], node.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: column %q must map to a score name", v.Line, k.Value)
			}
			col, err := newColumn(k.Value, v.Value)
			if err != nil {
				return fmt.Errorf("line %d: %w", k.Line, err)
			}
			out = append(out, col)
		}
		if err := out.Validate(); err != nil {
			return fmt.Errorf("line %d: %w", node.Line, err)
		}
		*m = out
		return nil
	}
	return fmt.Errorf("line %d: a column mapping must be a mapping {Column: score} or a string \"Column=score,...\"", node.Line)
}

// MarshalYAML writes the mapping as an ordered YAML mapping.
func (m Mapping) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.MappingNode}
	for _, c := range m {
		n.Content = append(n.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: c.Name},
			&yaml.Node{Kind: yaml.ScalarNode, Value: c.Field})
	}
	return n, nil
}
