package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"nmfbench/internal/rank"
	"nmfbench/results"
)

// RankAlpha is the significance level of the ranking's Friedman and
// Nemenyi tests.
const RankAlpha = 0.05

// Ranking compares the methods across datasets (Demšar 2006): per metric,
// each dataset ranks the methods by their mean (1 = best, ties averaged),
// the ranks are averaged, the Friedman test asks whether all methods are
// equivalent and the Nemenyi critical difference says which pairs differ.
type Ranking struct {
	Datasets []string
	// Methods are the labels with a mean on every metric of every dataset,
	// in the first table's row order: only they can be ranked.
	Methods []string
	// Left lists the labels left out (missing on some dataset) with why.
	Left    []string
	Metrics []MetricRanking
	// Notes say when the data are too few for the tests to mean much.
	Notes []string
}

// MetricRanking is the ranking on one report column.
type MetricRanking struct {
	Name, Field string
	// Means[i][j] is method j's mean on dataset i.
	Means    [][]float64
	Ranks    [][]float64 // Ranks[i][j]: method j's rank on dataset i
	AvgRanks []float64
	Friedman rank.Friedman
	// CD is the Nemenyi critical difference at RankAlpha; Cliques the
	// groups of methods (indices into Methods) not significantly different.
	CD      float64
	Cliques [][]int
	Err     string // why there is no test ("" normally)
}

// rankMethods ranks the methods of the main tables; nil with fewer than two
// datasets or two common methods.
func rankMethods(tables []Table) *Ranking {
	if len(tables) < 2 {
		return nil
	}
	rk := &Ranking{}
	for _, t := range tables {
		rk.Datasets = append(rk.Datasets, t.Dataset)
	}
	cols := tables[0].Columns
	// A label counts on a dataset when every column has a mean there.
	complete := func(t Table, label string) (Row, bool) {
		for _, r := range t.Rows {
			if r.Label != label {
				continue
			}
			for _, c := range r.Cells {
				if math.IsNaN(c.Mean) {
					return r, false
				}
			}
			return r, true
		}
		return Row{}, false
	}
	seen := map[string]bool{}
	for _, t := range tables {
		for _, r := range t.Rows {
			if seen[r.Label] {
				continue
			}
			seen[r.Label] = true
			var missing []string
			for _, u := range tables {
				if _, ok := complete(u, r.Label); !ok {
					missing = append(missing, u.Dataset)
				}
			}
			if len(missing) == 0 {
				rk.Methods = append(rk.Methods, r.Label)
			} else {
				rk.Left = append(rk.Left, fmt.Sprintf("%s (no complete results on %s)", r.Label, strings.Join(missing, ", ")))
			}
		}
	}
	if len(rk.Methods) < 2 {
		return nil
	}
	// The critical difference depends on k and N only: computed once.
	cd, cdErr := rank.NemenyiCD(len(rk.Methods), len(tables), RankAlpha)
	for j, c := range cols {
		m := MetricRanking{Name: c.Name, Field: c.Field}
		for _, t := range tables {
			row := make([]float64, len(rk.Methods))
			for k, label := range rk.Methods {
				r, _ := complete(t, label)
				row[k] = r.Cells[j].Mean
			}
			m.Means = append(m.Means, row)
			m.Ranks = append(m.Ranks, rank.Ranks(row))
		}
		f, err := rank.FriedmanTest(m.Means)
		if err != nil {
			m.Err = err.Error()
		} else {
			m.Friedman, m.AvgRanks = f, f.AvgRanks
			if cdErr != nil {
				m.Err = cdErr.Error()
			} else {
				m.CD = cd
				m.Cliques = rank.Cliques(m.AvgRanks, cd)
			}
		}
		rk.Metrics = append(rk.Metrics, m)
	}
	n, k := len(tables), len(rk.Methods)
	if n < 3 {
		rk.Notes = append(rk.Notes, fmt.Sprintf("Only %d datasets: with so few the Friedman test and the Nemenyi critical difference can hardly detect anything (the ranks are descriptive). Add datasets, e.g. experiments/paper_more.yaml.", n))
	} else if n <= 10 || k <= 5 {
		rk.Notes = append(rk.Notes, fmt.Sprintf("%d datasets, %d methods: the χ² approximation of the Friedman test is rough this small (Demšar 2006 asks for more than 10 datasets and 5 methods); the Iman–Davenport F is the better of the two.", n, k))
	}
	return rk
}

// WriteRankingMarkdown writes the ranking as Markdown: per metric the
// average ranks, the Friedman test and the critical difference; then the
// ranks of every dataset.
func WriteRankingMarkdown(w io.Writer, rk *Ranking) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Ranking across %d datasets (%s)\n\n", len(rk.Datasets), mdEscape(strings.Join(rk.Datasets, ", ")))
	b.WriteString("Average rank per metric (1 = best on a dataset; ties share the mean rank).\n\n| Method |")
	align := "|---|"
	for _, m := range rk.Metrics {
		fmt.Fprintf(&b, " %s |", m.Name)
		align += "---:|"
	}
	b.WriteString("\n" + align + "\n")
	for k, label := range rk.Methods {
		fmt.Fprintf(&b, "| %s |", mdEscape(label))
		for _, m := range rk.Metrics {
			if m.Err != "" {
				b.WriteString(" – |")
				continue
			}
			fmt.Fprintf(&b, " %.2f |", m.AvgRanks[k])
		}
		b.WriteString("\n")
	}
	b.WriteString("\n| Metric | χ²_F | p | F_F | df | p (F) | CD (α = 0.05) |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, m := range rk.Metrics {
		if m.Err != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", m.Name, mdEscape(m.Err))
			continue
		}
		f := m.Friedman
		fmt.Fprintf(&b, "| %s | %.3f | %s | %s | %g, %g | %s | %.3f |\n", m.Name, f.ChiSq, pValue(f.P), statText(f.FF), f.DF1, f.DF2, pValue(f.PF), m.CD)
	}
	b.WriteString("\n" + rankingLegend(rk) + "\n")
	for _, l := range rk.Left {
		fmt.Fprintf(&b, "- left out: %s\n", mdEscape(l))
	}
	for _, n := range rk.Notes {
		fmt.Fprintf(&b, "\nNote: %s\n", mdEscape(n))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// statText formats a test statistic (∞ when infinite).
func statText(v float64) string {
	if math.IsInf(v, 1) {
		return "∞"
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func rankingLegend(rk *Ranking) string {
	return fmt.Sprintf("Friedman test of the hypothesis that all %d methods are equivalent, over %d datasets: χ²_F (corrected for ties) with %d degrees of freedom, and the Iman–Davenport F_F. Nemenyi test: two methods differ at α = 0.05 when their average ranks differ by at least CD = q_0.05·√(k(k+1)/(6N)) (Demšar 2006, JMLR 7).",
		len(rk.Methods), len(rk.Datasets), len(rk.Methods)-1)
}

// WriteRankingCSV writes one line per (metric, dataset, method): the mean,
// the rank on that dataset, the average rank, and per metric the Friedman
// statistics and the critical difference.
func WriteRankingCSV(w io.Writer, rk *Ranking) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"metric", "dataset", "method", "mean", "rank", "avg_rank", "friedman_chi2", "friedman_p", "iman_davenport_f", "iman_davenport_p", "nemenyi_cd"}); err != nil {
		return err
	}
	f := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		if math.IsInf(v, 1) {
			return "inf"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, m := range rk.Metrics {
		if m.Err != "" {
			continue
		}
		for i, ds := range rk.Datasets {
			for k, label := range rk.Methods {
				if err := cw.Write([]string{csvText(m.Name), csvText(ds), csvText(label), f(m.Means[i][k]), f(m.Ranks[i][k]), f(m.AvgRanks[k]),
					f(m.Friedman.ChiSq), f(m.Friedman.P), f(m.Friedman.FF), f(m.Friedman.PF), f(m.CD)}); err != nil {
					return err
				}
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// specVersus returns the reference method the recorded specs name under
// report.versus ("" when none does); specs that name different ones are an
// error.
func specVersus(specs []results.SpecRecord) (string, error) {
	found, from := "", ""
	for _, s := range specs {
		var doc struct {
			Report struct {
				Versus string `yaml:"versus"`
			} `yaml:"report"`
		}
		if err := yaml.Unmarshal([]byte(s.Body), &doc); err != nil {
			continue // a recorded spec ran, so it parsed once; nothing to take from it now
		}
		v := strings.TrimSpace(doc.Report.Versus)
		if v == "" {
			continue
		}
		if found != "" && !strings.EqualFold(found, v) {
			return "", fmt.Errorf("the specs %s and %s name different reference methods (report.versus %q and %q); choose one with runexp report --versus LABEL", from, s.Path, found, v)
		}
		found, from = v, s.Path
	}
	return found, nil
}
