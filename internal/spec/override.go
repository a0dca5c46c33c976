package spec

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Override is a parameter override from the command line,
// TARGET.param=value: TARGET is a row label of the spec (that entry) or a
// registered method name (every entry of that method); the value is YAML
// ("10", "kl", "[1, 2]"). An override changes the resolved parameters, so it
// enters the configuration hash exactly as the same edit of the spec would.
type Override struct {
	Target, Param, Value string
}

// String returns the override as it is written on the command line.
func (o Override) String() string { return o.Target + "." + o.Param + "=" + o.Value }

// ParseOverride parses TARGET.param=value. The parameter name is what
// follows the last dot before "=", so labels may contain dots.
func ParseOverride(s string) (Override, error) {
	key, value, ok := strings.Cut(s, "=")
	dot := strings.LastIndexByte(key, '.')
	if !ok || dot <= 0 || dot == len(key)-1 || strings.TrimSpace(value) == "" {
		return Override{}, fmt.Errorf("--set %q: want LABEL.param=value (e.g. --set GNMF.graph_weight=10)", s)
	}
	return Override{Target: strings.TrimSpace(key[:dot]), Param: strings.TrimSpace(key[dot+1:]), Value: strings.TrimSpace(value)}, nil
}

// Apply sets each override's parameter in the entries it targets. An
// unknown target, a parameter the entry sweeps, or a value that is not YAML
// is an error naming the override; whether the parameter exists is checked
// by the method when the plan is expanded.
func (s *Spec) Apply(overrides []Override) error {
	for _, o := range overrides {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(o.Value), &doc); err != nil || len(doc.Content) != 1 {
			return fmt.Errorf("--set %s: the value is not a YAML value", o)
		}
		value := doc.Content[0]
		var targets []int
		for i, m := range s.Methods {
			if strings.EqualFold(m.Label, o.Target) {
				targets = append(targets, i)
			}
		}
		if len(targets) == 0 {
			for i, m := range s.Methods {
				if strings.EqualFold(m.Method, o.Target) {
					targets = append(targets, i)
				}
			}
		}
		if len(targets) == 0 {
			var choices []string
			for _, m := range s.Methods {
				choices = append(choices, m.Label)
			}
			return choiceError("--set "+o.String(), o.Target, "a row label or method name of spec "+quote(s.Name), choices)
		}
		for _, i := range targets {
			m := &s.Methods[i]
			if m.Sweep != nil && m.Sweep.Param == o.Param {
				return fmt.Errorf("--set %s: %s sweeps %s; change the sweep's values in the spec instead", o, m.Label, o.Param)
			}
			m.Params = withParam(m.Params, o.Param, value)
		}
	}
	return nil
}

// withParam returns a copy of the params mapping with key set to value (an
// alias is resolved first, so entries sharing an anchor are not changed
// together).
func withParam(params yaml.Node, key string, value *yaml.Node) yaml.Node {
	base := &params
	for base.Kind == yaml.AliasNode && base.Alias != nil {
		base = base.Alias
	}
	out := yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: base.Line, Column: base.Column}
	if base.Kind == yaml.MappingNode {
		for j := 0; j+1 < len(base.Content); j += 2 {
			if base.Content[j].Value != key {
				out.Content = append(out.Content, base.Content[j], base.Content[j+1])
			}
		}
	}
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	out.Content = append(out.Content, k, value)
	if base.Kind != yaml.MappingNode && base.Kind != 0 {
		// Not a mapping: keep it so that the method reports the malformed
		// params of the spec rather than silently replacing them.
		return params
	}
	return out
}

// WithOverrides returns the spec body with the overrides appended as YAML
// comments, the text stored as the run's spec: its hash differs from the
// file's, and the stored spec says how the runs were configured.
func WithOverrides(body []byte, overrides []Override) []byte {
	if len(overrides) == 0 {
		return body
	}
	var b bytes.Buffer
	b.Write(body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString("# runexp --set overrides (applied after this file was read):\n")
	for _, o := range overrides {
		fmt.Fprintf(&b, "#   --set %s\n", o)
	}
	return b.Bytes()
}
