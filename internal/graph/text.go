package graph

import "fmt"

// MarshalText returns the weighting's spec name.
func (w Weighting) MarshalText() ([]byte, error) {
	if w < Binary || w > Cosine {
		return nil, fmt.Errorf("graph: invalid Weighting(%d)", int(w))
	}
	return []byte(w.String()), nil
}

// UnmarshalText parses a spec name (see ParseWeighting).
func (w *Weighting) UnmarshalText(b []byte) error {
	v, err := ParseWeighting(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// Choices lists the spec names of the weightings.
func (Weighting) Choices() []string { return []string{"binary", "heat", "cosine"} }

// MarshalText returns the metric's spec name.
func (m Metric) MarshalText() ([]byte, error) {
	if m < Euclidean || m > Angular {
		return nil, fmt.Errorf("graph: invalid Metric(%d)", int(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText parses a spec name (see ParseMetric).
func (m *Metric) UnmarshalText(b []byte) error {
	v, err := ParseMetric(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Choices lists the spec names of the metrics.
func (Metric) Choices() []string { return []string{"cosine", "euclidean"} }
