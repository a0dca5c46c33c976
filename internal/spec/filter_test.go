package spec

import (
	"strings"
	"testing"
)

const filterSpec = `name: f
seeds: 1
datasets: [{name: A}, {name: B}]
methods:
  - method: M
  - label: M (KL)
    method: M
    params: {alpha: 2}
  - label: S
    method: M
    sweep: {param: alpha, values: [0.5, 10]}
`

func TestFilterSelection(t *testing.T) {
	s, err := Parse([]byte(filterSpec))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    Filter
		want string // the plan's labels
	}{
		{"all", Filter{}, "M M (KL) S[alpha=0.5] S[alpha=10]"},
		{"exact label", Filter{Methods: []string{"M"}}, "M"},
		{"label, other case", Filter{Methods: []string{"m (kl)"}}, "M (KL)"},
		{"entry label selects its sweep", Filter{Methods: []string{"S"}}, "S[alpha=0.5] S[alpha=10]"},
		{"one sweep point", Filter{Methods: []string{"S[alpha=10]"}}, "S[alpha=10]"},
		{"method name", Filter{MethodNames: []string{"M"}}, "M M (KL) S[alpha=0.5] S[alpha=10]"},
		{"union", Filter{Methods: []string{"M (KL)", "S[alpha=0.5]"}}, "M (KL) S[alpha=0.5]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			plan, err := s.Expand(testRegistry(), ident, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(plan.Labels, " "); got != tc.want {
				t.Errorf("labels %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFilterErrors(t *testing.T) {
	s, err := Parse([]byte(filterSpec))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    Filter
		want []string
	}{
		{Filter{Methods: []string{"M (KK)"}}, []string{`--methods: "M (KK)" is not a row label`, `did you mean "M (KL)"?`, `choices: "M", "M (KL)", "S"`}},
		{Filter{Methods: []string{"Zebra"}}, []string{`"Zebra" is not a row label`, `(choices: "M", "M (KL)", "S")`}},
		{Filter{Datasets: []string{"C"}}, []string{`--datasets: "C" is not a dataset of spec "f"`, `did you mean "A"?`, `choices: "A", "B"`}},
		{Filter{MethodNames: []string{"N"}}, []string{`--method-names: "N" is not a method used by spec "f"`, `did you mean "M"?`}},
	} {
		_, err := s.Expand(testRegistry(), ident, tc.f)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %v, want it to contain %q", tc.f, err, w)
			}
		}
	}
	if err := (Filter{Methods: []string{"Zebra"}}); strings.Contains(choiceError("--methods", "Zebra", "x", []string{"M"}).Error(), "did you mean") {
		t.Errorf("%v: a far name got a suggestion", err)
	}
}

func TestClosest(t *testing.T) {
	choices := []string{"GNMF", "GNCP", "SDNMF", "Kmeans", "NMF (KL)"}
	for _, tc := range []struct{ in, want string }{
		{"gnmf", "GNMF"}, {"GNFM", "GNMF"}, {"kmean", "Kmeans"}, {"SDNM", "SDNMF"},
		{"NMF (kl)", "NMF (KL)"}, {"GWNTF", ""}, {"x", ""}, {"", ""},
	} {
		if got := Closest(tc.in, choices); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := editDistance("kitten", "sitting"); got != 3 {
		t.Errorf("editDistance(kitten, sitting) = %d, want 3", got)
	}
}

func TestReportVersus(t *testing.T) {
	for _, tc := range []struct{ versus, err string }{
		{"M (KL)", ""},
		{"S[alpha=10]", ""},
		{"M (KK)", `report.versus: "M (KK)" is not a row label of this spec; did you mean "M (KL)"?`},
	} {
		s, err := Parse([]byte(filterSpec + "report: {versus: \"" + tc.versus + "\"}\n"))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("versus %q: %v", tc.versus, err)
		case tc.err == "" && s.Report.Versus != tc.versus:
			t.Errorf("versus %q decoded as %q", tc.versus, s.Report.Versus)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("versus %q: error %v, want %q", tc.versus, err, tc.err)
		}
	}
	if _, err := Parse([]byte(filterSpec + "report: {verus: M}\n")); err == nil || !strings.Contains(err.Error(), "verus") {
		t.Errorf("unknown report key: %v", err)
	}
}
