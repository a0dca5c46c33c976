package spec

import (
	"fmt"
	"slices"
	"strings"
)

// Filter restricts a plan: empty fields keep everything.
type Filter struct {
	Datasets []string // dataset names
	// Methods selects rows by label, exactly (letter case aside): an entry's
	// label selects all its sweep points, a sweep point's label
	// ("GNMF[graph_weight=10]") that point alone. "NMF" does not select
	// "NMF (KL)".
	Methods []string
	// MethodNames selects every entry of the named registered methods
	// ("NMF" selects "NMF" and "NMF (KL)"). Rows selected by Methods or by
	// MethodNames are kept.
	MethodNames []string
	Seeds       int // when > 0, only the first Seeds repetitions
}

func (f Filter) selectsRows() bool { return len(f.Methods) > 0 || len(f.MethodNames) > 0 }

// wantsEntry reports whether every row of entry m is selected.
func (f Filter) wantsEntry(m Method) bool {
	return !f.selectsRows() || containsFold(f.Methods, m.Label) || containsFold(f.MethodNames, m.Method)
}

// wantsRow reports whether the sweep point labelled label is selected by
// its own label.
func (f Filter) wantsRow(label string) bool { return containsFold(f.Methods, label) }

// wantsSomeRow reports whether a sweep point of entry m is selected by its
// own label.
func (f Filter) wantsSomeRow(m Method) bool {
	if m.Sweep == nil || len(f.Methods) == 0 {
		return false
	}
	variants, err := m.expandSweep()
	if err != nil {
		return true // let Expand report the error
	}
	return slices.ContainsFunc(variants, func(v variant) bool { return f.wantsRow(v.label) })
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(l string) bool { return strings.EqualFold(l, v) })
}

func checkFilter(f Filter, s *Spec) error {
	var dsNames, labels, rows, methodNames []string
	for _, d := range s.Datasets {
		dsNames = append(dsNames, d.Name)
	}
	for _, m := range s.Methods {
		labels = append(labels, m.Label)
		rows = append(rows, m.Label)
		if !slices.Contains(methodNames, m.Method) {
			methodNames = append(methodNames, m.Method)
		}
		if variants, err := m.expandSweep(); err == nil && m.Sweep != nil {
			for _, v := range variants {
				rows = append(rows, v.label)
			}
		}
	}
	for _, name := range f.Datasets {
		if !containsFold(dsNames, name) {
			return choiceError("--datasets", name, "a dataset of spec "+quote(s.Name), dsNames)
		}
	}
	for _, name := range f.Methods {
		if !containsFold(rows, name) {
			err := choiceError("--methods", name, "a row label of spec "+quote(s.Name), labels)
			if containsFold(methodNames, name) {
				return fmt.Errorf("%w; %q is a method name: --method-names %s selects all its rows", err, name, name)
			}
			return err
		}
	}
	for _, name := range f.MethodNames {
		if !containsFold(methodNames, name) {
			return choiceError("--method-names", name, "a method used by spec "+quote(s.Name), methodNames)
		}
	}
	return nil
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

// choiceError reports that v is not one of choices, suggesting the closest
// choice when one is near.
func choiceError(flag, v, what string, choices []string) error {
	msg := fmt.Sprintf("%s: %q is not %s", flag, v, what)
	if best := Closest(v, choices); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return fmt.Errorf("%s (choices: %s)", msg, strings.Join(quoteAll(choices), ", "))
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = quote(s)
	}
	return out
}

// Closest returns the choice nearest to v by edit distance (letter case
// ignored) when it is close enough to be a likely typo — at most a third
// of v's length, and at least 1, edits away — and "" otherwise.
func Closest(v string, choices []string) string {
	best, bestD := "", -1
	lv := strings.ToLower(v)
	for _, c := range choices {
		d := editDistance(lv, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(1, len([]rune(v))/3) {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b,
// in runes: insertions, deletions, substitutions and transpositions of
// adjacent runes ("GNFM" is one edit from "GNMF").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
