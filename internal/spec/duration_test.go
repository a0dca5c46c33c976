package spec

import (
	"strings"
	"testing"
	"time"
)

func TestSpecTimeout(t *testing.T) {
	base := "name: t\ndatasets: [{name: synthetic}]\nmethods: [{method: Kmeans}]\n"
	for _, c := range []struct {
		line string
		want time.Duration
		err  string
	}{
		{"", 0, ""},
		{"timeout: 30m", 30 * time.Minute, ""},
		{"timeout: 1h30m", 90 * time.Minute, ""},
		{"timeout: 250ms", 250 * time.Millisecond, ""},
		{"timeout: 0", 0, ""},
		{"timeout: 30", 0, "line 4: duration 30 needs a unit"},
		{"timeout: 1.5", 0, "needs a unit"},
		{"timeout: -5m", 0, "line 4: duration -5m is negative"},
		{"timeout: soon", 0, `line 4: duration "soon"`},
		{"timeout: [1m]", 0, "line 4: a duration must be a single value"},
	} {
		s, err := Parse([]byte(base + c.line + "\n"))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one containing %q", c.line, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if s.Timeout.Duration != c.want {
			t.Errorf("%q: timeout %v, want %v", c.line, s.Timeout.Duration, c.want)
		}
	}
}
