package spec

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// ReferenceFile is a file of published values, e.g. the paper's Tables 1–2.
type ReferenceFile struct {
	Source string `yaml:"source"` // citation shown beside the values
	Units  string `yaml:"units"`  // "percent" or "fraction"
	// Tables maps dataset → method label → column name → value.
	Tables map[string]map[string]map[string]float64 `yaml:"tables"`
	// Causes maps dataset → method label → column name (or "*" for every
	// column of the row) → the documented reason why a reproduction may
	// differ from the published value, e.g. "one k-means replicate in the
	// paper (docs/fidelity.md#k-means-replicates)". A column's own note wins
	// over the row's "*". Every note must name a cell of Tables.
	Causes map[string]map[string]map[string]string `yaml:"causes"`
}

// ReferenceValue is one published value, as a fraction in [0,1].
type ReferenceValue struct {
	Dataset, Method, Metric string
	Value                   float64
	Source                  string
	Cause                   string // documented reason for a difference ("" if none)
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
	for ds, t := range rf.Causes {
		for m, cols := range t {
			for c, note := range cols {
				if _, ok := rf.Tables[ds][m]; !ok {
					return nil, fmt.Errorf("%s: causes: %s/%s names no row of tables", path, ds, m)
				}
				if _, ok := rf.Tables[ds][m][c]; !ok && c != "*" {
					return nil, fmt.Errorf("%s: causes: %s/%s/%s names no cell of tables (a column name, or \"*\" for the whole row)", path, ds, m, c)
				}
				if strings.TrimSpace(note) == "" {
					return nil, fmt.Errorf("%s: causes: %s/%s/%s is empty", path, ds, m, c)
				}
			}
		}
	}
	var out []ReferenceValue
	for ds, t := range rf.Tables {
		for m, cols := range t {
			for c, v := range cols {
				if v < 0 || v*scale > 1 {
					return nil, fmt.Errorf("%s: %s/%s/%s = %v is out of range for units %s", path, ds, m, c, v, rf.Units)
				}
				cause, ok := rf.Causes[ds][m][c]
				if !ok {
					cause = rf.Causes[ds][m]["*"]
				}
				out = append(out, ReferenceValue{Dataset: ds, Method: m, Metric: c, Value: v * scale, Source: rf.Source, Cause: strings.TrimSpace(cause)})
			}
		}
	}
	return out, nil
}
