package spec

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a length of time written in a spec the way Go writes one:
// a number with a unit ("90s", "30m", "1h30m"). A bare number is refused
// (seconds or minutes?), and so is a negative one; "0" means none.
type Duration struct{ time.Duration }

// UnmarshalYAML reads a duration such as "30m", naming the line on error.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a duration must be a single value such as 30m or 1h30m", n.Line)
	}
	v := strings.TrimSpace(n.Value)
	if v == "0" {
		d.Duration = 0
		return nil
	}
	if n.Tag == "!!int" || n.Tag == "!!float" {
		return fmt.Errorf("line %d: duration %s needs a unit, e.g. %ss or %sm", n.Line, v, v, v)
	}
	t, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("line %d: duration %q: want a number with a unit (ms, s, m, h), e.g. 30m or 1h30m", n.Line, n.Value)
	}
	if t < 0 {
		return fmt.Errorf("line %d: duration %s is negative; give a positive limit, or 0 for none", n.Line, v)
	}
	d.Duration = t
	return nil
}

// MarshalYAML writes the duration as Go formats it ("1h30m0s").
func (d Duration) MarshalYAML() (any, error) { return d.Duration.String(), nil }
