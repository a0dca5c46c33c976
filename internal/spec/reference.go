package spec

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// ReferenceFile is a file of published values, e.g. the paper's Tables 1–2.
type ReferenceFile struct {
	Source string `yaml:"source"` // citation shown beside the values
	Units  string `yaml:"units"`  // "percent" or "fraction"
	// Tables maps dataset → method label → column name → value.
	Tables map[string]map[string]map[string]float64 `yaml:"tables"`
}

// ReferenceValue is one published value, as a fraction in [0,1].
type ReferenceValue struct {
	Dataset, Method, Metric string
	Value                   float64
	Source                  string
}

// LoadReference reads a reference file and returns its values as fractions.
func LoadReference(path string) ([]ReferenceValue, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read reference values: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(body, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty file", path)
	}
	var rf ReferenceFile
	if err := checkKeys(root.Content[0], reflectType(rf), ""); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := root.Content[0].Decode(&rf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	scale := 1.0
	switch rf.Units {
	case "percent":
		scale = 0.01
	case "fraction":
	default:
		return nil, fmt.Errorf("%s: units must be \"percent\" or \"fraction\", got %q", path, rf.Units)
	}
	var out []ReferenceValue
	for ds, t := range rf.Tables {
		for m, cols := range t {
			for c, v := range cols {
				if v < 0 || v*scale > 1 {
					return nil, fmt.Errorf("%s: %s/%s/%s = %v is out of range for units %s", path, ds, m, c, v, rf.Units)
				}
				out = append(out, ReferenceValue{Dataset: ds, Method: m, Metric: c, Value: v * scale, Source: rf.Source})
			}
		}
	}
	return out, nil
}
