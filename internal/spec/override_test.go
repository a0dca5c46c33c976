package spec

import (
	"strings"
	"testing"
)

func TestParseOverride(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Override
		err  string
	}{
		{in: "GNMF.graph_weight=10", want: Override{"GNMF", "graph_weight", "10"}},
		{in: "NMF (KL).max_iter = 300", want: Override{"NMF (KL)", "max_iter", "300"}},
		{in: "a.b.c=[1, 2]", want: Override{"a.b", "c", "[1, 2]"}},
		{in: "GNMF=10", err: "want LABEL.param=value"},
		{in: "GNMF.graph_weight", err: "want LABEL.param=value"},
		{in: ".x=1", err: "want LABEL.param=value"},
		{in: "GNMF.=1", err: "want LABEL.param=value"},
		{in: "GNMF.x= ", err: "want LABEL.param=value"},
	} {
		got, err := ParseOverride(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestApplyOverrides(t *testing.T) {
	const body = `name: o
seeds: 2
datasets: [{name: A}]
methods:
  - method: M
    params: &p {alpha: 2}
  - label: Other
    method: M
    params: *p
  - label: S
    method: M
    sweep: {param: alpha, values: [1, 2]}
`
	expand := func(sets ...string) (*Plan, error) {
		s, err := Parse([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		var os []Override
		for _, v := range sets {
			o, err := ParseOverride(v)
			if err != nil {
				t.Fatal(err)
			}
			os = append(os, o)
		}
		if err := s.Apply(os); err != nil {
			return nil, err
		}
		return s.Expand(testRegistry(), ident, Filter{})
	}
	base, err := expand()
	if err != nil {
		t.Fatal(err)
	}
	// A label override changes that entry only (not the one sharing its
	// anchor), and its hashes equal those of the same edit in the spec.
	over, err := expand("M.alpha=10")
	if err != nil {
		t.Fatal(err)
	}
	byLabel := func(p *Plan) map[string]Run {
		m := map[string]Run{}
		for _, r := range p.Runs {
			for _, l := range r.Labels {
				if r.Rep == 0 {
					m[l.Name] = r
				}
			}
		}
		return m
	}
	b, o := byLabel(base), byLabel(over)
	if o["M"].Method.Params["alpha"] != 10.0 || o["Other"].Method.Params["alpha"] != 2.0 {
		t.Fatalf("override params: M %v, Other %v", o["M"].Method.Params, o["Other"].Method.Params)
	}
	if o["M"].ConfigHash == b["M"].ConfigHash || o["Other"].ConfigHash != b["Other"].ConfigHash {
		t.Errorf("hashes: M changed %v (want true), Other changed %v (want false)", o["M"].ConfigHash != b["M"].ConfigHash, o["Other"].ConfigHash != b["Other"].ConfigHash)
	}
	// Same edit in the spec text: same hash.
	s2, err := Parse([]byte(strings.Replace(body, "params: &p {alpha: 2}", "params: &p {alpha: 10}", 1)))
	if err != nil {
		t.Fatal(err)
	}
	p2, err := s2.Expand(testRegistry(), ident, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if byLabel(p2)["M"].ConfigHash != o["M"].ConfigHash {
		t.Errorf("--set M.alpha=10 and the spec edit give different hashes")
	}
	// A method name targets every entry of the method that is not sweeping it.
	if _, err := expand("M.rank=3"); err != nil {
		t.Errorf("method-name override: %v", err)
	}
	for _, tc := range []struct{ set, want string }{
		{"Othr.alpha=1", `did you mean "Other"?`},
		{"Q.alpha=1", `is not a row label or method name of spec "o"`},
		{"S.alpha=5", "S sweeps alpha"},
		{"M.alpha=[1", "not a YAML value"},
		{"M.beta=1", "beta"},
	} {
		if _, err := expand(tc.set); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--set %s: error %v, want %q", tc.set, err, tc.want)
		}
	}
}

func TestWithOverrides(t *testing.T) {
	body := []byte("name: x\n")
	if got := WithOverrides(body, nil); string(got) != string(body) {
		t.Errorf("no overrides changed the body: %q", got)
	}
	got := string(WithOverrides([]byte("name: x"), []Override{{"GNMF", "graph_weight", "10"}}))
	if !strings.HasPrefix(got, "name: x\n# runexp --set") || !strings.Contains(got, "#   --set GNMF.graph_weight=10\n") {
		t.Errorf("body %q", got)
	}
	spec := "name: x\ndatasets: [{name: A}]\nmethods: [{method: M}]"
	if _, err := Parse(WithOverrides([]byte(spec), []Override{{"M", "alpha", "1"}})); err != nil {
		t.Errorf("the body with overrides does not parse: %v", err)
	}
}
