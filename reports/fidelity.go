package reports

import (
	"context"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"nmfbench/results"
)

// FidelityThreshold is the largest |ours − published| (in the column's
// displayed units: percentage points for the paper's columns) that the
// fidelity page counts as reproduced.
const FidelityThreshold = 3.0

// FidelityCell is one published value beside ours.
type FidelityCell struct {
	Dataset, Label, Column string
	// Ours and Paper are in the column's displayed units (percent for the
	// paper's columns); Delta = Ours − Paper. Ours is NaN without runs.
	Ours, Paper, Delta float64
	N                  int // runs behind Ours
	// OurRank and PaperRank are the method's rank within its column (1 =
	// best, ties share the better rank, compared at two decimals) among the
	// methods that have both a published value and runs.
	OurRank, PaperRank int
	Off                bool   // |Delta| > FidelityThreshold (or no runs)
	RankDiffers        bool   // OurRank ≠ PaperRank
	Cause              string // the documented cause of a difference ("" when none)
	CauseID            int    // 1-based index into Fidelity.Causes (0: no cause)
	// Settings lists the distinct protocol settings of the runs behind Ours
	// ("preset · preprocessing · k-means"), as stored with each run.
	Settings []string
}

// Flagged reports whether the cell is off by more than the threshold or
// ranks its method differently from the paper.
func (c FidelityCell) Flagged() bool { return c.Off || c.RankDiffers }

// FidelityOrder is the order of the methods within one column, ours and
// the paper's.
type FidelityOrder struct {
	Dataset, Column string
	Ours, Paper     []string // labels, best first
	Same            bool
}

// Fidelity is the content of the fidelity page: every cell with a
// published value, ours beside it.
type Fidelity struct {
	Source  string
	Cells   []FidelityCell // dataset, then row, then column order of the tables
	Within  int            // cells with runs and |Δ| ≤ FidelityThreshold
	Total   int            // cells with a published value
	Flagged int            // cells flagged (off or rank differs)
	Orders  []FidelityOrder
	Causes  []string // distinct causes, in order of first use
}

// BuildFidelity compares every table cell that has a published value with
// ours; refs supplies the documented causes (results.Reference.Cause). It
// returns nil when no cell of the report has a published value.
func BuildFidelity(rep *Report, refs []results.Reference) *Fidelity {
	cause := map[[3]string]string{}
	for _, r := range refs {
		cause[[3]string{strings.ToLower(r.Dataset), r.Method, r.Metric}] = r.Cause
	}
	f := &Fidelity{}
	causeID := map[string]int{}
	for _, t := range rep.Tables {
		if t.Source != "" && f.Source == "" {
			f.Source = t.Source
		}
		for j, col := range t.Columns {
			scale := scaleOf(col.Field)
			// Rows with a published value in this column.
			var rows []int
			for i, r := range t.Rows {
				if j < len(r.Cells) && !math.IsNaN(r.Cells[j].Paper) {
					rows = append(rows, i)
				}
			}
			if len(rows) == 0 {
				continue
			}
			var ranked []int // rows with runs as well
			for _, i := range rows {
				if !math.IsNaN(t.Rows[i].Cells[j].Mean) {
					ranked = append(ranked, i)
				}
			}
			ours := ranks(ranked, func(i int) float64 { return t.Rows[i].Cells[j].Mean * scale })
			paper := ranks(ranked, func(i int) float64 { return t.Rows[i].Cells[j].Paper * scale })
			order := FidelityOrder{Dataset: t.Dataset, Column: col.Name,
				Ours:  orderOf(t, ranked, func(i int) float64 { return t.Rows[i].Cells[j].Mean }),
				Paper: orderOf(t, ranked, func(i int) float64 { return t.Rows[i].Cells[j].Paper })}
			order.Same = slices.Equal(order.Ours, order.Paper)
			if len(ranked) > 1 {
				f.Orders = append(f.Orders, order)
			}
			for _, i := range rows {
				r := t.Rows[i]
				c := r.Cells[j]
				fc := FidelityCell{Dataset: t.Dataset, Label: r.Label, Column: col.Name,
					Ours: c.Mean * scale, Paper: c.Paper * scale, N: c.N, Settings: settingsOf(r)}
				fc.Delta = fc.Ours - fc.Paper
				fc.OurRank, fc.PaperRank = ours[i], paper[i]
				fc.Off = math.IsNaN(fc.Delta) || math.Abs(fc.Delta) > FidelityThreshold+1e-9
				fc.RankDiffers = fc.OurRank != 0 && fc.OurRank != fc.PaperRank
				fc.Cause = cause[[3]string{strings.ToLower(t.Dataset), r.Label, col.Name}]
				if fc.Cause != "" {
					if _, ok := causeID[fc.Cause]; !ok {
						f.Causes = append(f.Causes, fc.Cause)
						causeID[fc.Cause] = len(f.Causes)
					}
					fc.CauseID = causeID[fc.Cause]
				}
				f.Total++
				if !fc.Off {
					f.Within++
				}
				if fc.Flagged() {
					f.Flagged++
				}
				f.Cells = append(f.Cells, fc)
			}
		}
	}
	if f.Total == 0 {
		return nil
	}
	// Dataset, then row, then column order.
	pos := map[string]int{}
	for ti, t := range rep.Tables {
		for ri, r := range t.Rows {
			pos[t.Dataset+"\x00"+r.Label] = ti*100000 + ri
		}
	}
	colPos := func(c FidelityCell) int {
		for _, t := range rep.Tables {
			if t.Dataset == c.Dataset {
				for j, col := range t.Columns {
					if col.Name == c.Column {
						return j
					}
				}
			}
		}
		return 0
	}
	sort.SliceStable(f.Cells, func(a, b int) bool {
		pa, pb := pos[f.Cells[a].Dataset+"\x00"+f.Cells[a].Label], pos[f.Cells[b].Dataset+"\x00"+f.Cells[b].Label]
		if pa != pb {
			return pa < pb
		}
		return colPos(f.Cells[a]) < colPos(f.Cells[b])
	})
	return f
}

// ranks gives each row its competition rank (1 = highest value), values
// compared at two decimals so that ties as displayed share a rank.
func ranks(rows []int, value func(int) float64) map[int]int {
	out := map[int]int{}
	for _, i := range rows {
		vi := math.Round(value(i) * 100)
		r := 1
		for _, k := range rows {
			if math.Round(value(k)*100) > vi {
				r++
			}
		}
		out[i] = r
	}
	return out
}

// orderOf returns the row labels sorted by value, highest first (stable).
func orderOf(t Table, rows []int, value func(int) float64) []string {
	idx := slices.Clone(rows)
	sort.SliceStable(idx, func(a, b int) bool { return value(idx[a]) > value(idx[b]) })
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = t.Rows[i].Label
	}
	return out
}

// settingsOf lists the distinct stored protocol settings of a row's runs.
func settingsOf(r Row) []string {
	seen := map[string]bool{}
	var out []string
	for _, run := range r.runs {
		preset := run.Protocol
		if preset == "" {
			preset = "no preset"
		}
		pre := run.Preprocess
		if pre == "" {
			pre = "raw"
		}
		km := run.KMeans
		if km == "" {
			km = "k-means not recorded"
		} else {
			km = "k-means " + km
		}
		s := preset + " · " + pre + " · " + km
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// RankText is the rank column, "ours / paper" ("–" for a cell without runs).
func (c FidelityCell) RankText() string {
	if c.OurRank == 0 {
		return dash
	}
	return fmt.Sprintf("%d / %d", c.OurRank, c.PaperRank)
}

// FlagText is the flag column of a cell: "|Δ| > 3" when off, "rank a vs
// b" when the rank differs, both joined ("" when neither).
func (c FidelityCell) FlagText() string {
	var f []string
	switch {
	case c.OurRank == 0:
		f = append(f, "no runs")
	case c.Off:
		f = append(f, fmt.Sprintf("|Δ| > %g", FidelityThreshold))
	}
	if c.RankDiffers {
		f = append(f, fmt.Sprintf("rank %d vs %d", c.OurRank, c.PaperRank))
	}
	return strings.Join(f, "; ")
}

func fidNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	return fmt.Sprintf("%.2f", v)
}

func fidSigned(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return dash
	}
	s := fmt.Sprintf("%+.2f", v)
	if s == "+0.00" || s == "-0.00" {
		return "0.00"
	}
	return s
}

// WriteFidelityMarkdown writes the fidelity page as Markdown.
func WriteFidelityMarkdown(w io.Writer, f *Fidelity) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Fidelity to the published values\n\n")
	if f.Source != "" {
		fmt.Fprintf(&b, "Published values: %s.\n\n", mdEscape(f.Source))
	}
	fmt.Fprintf(&b, "%d of %d cells within %g points of the published value; %d flagged (|Δ| > %g, or the method ranks differently within its column). "+
		"Ranks are within each column among the methods with a published value (1 = best).\n\n", f.Within, f.Total, FidelityThreshold, f.Flagged, FidelityThreshold)
	b.WriteString("| Dataset | Method | Column | ours | paper | Δ | rank (ours / paper) | flag | cause | runs | settings |\n|---|---|---|---:|---:|---:|---|---|---|---:|---|\n")
	for _, c := range f.Cells {
		cause := ""
		if c.CauseID > 0 {
			cause = fmt.Sprintf("[%d](#cause-%d)", c.CauseID, c.CauseID)
		}
		flag := c.FlagText()
		if flag != "" {
			flag = "**" + mdEscape(flag) + "**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |\n",
			mdEscape(c.Dataset), mdEscape(c.Label), mdEscape(c.Column), fidNum(c.Ours), fidNum(c.Paper), fidSigned(c.Delta),
			c.RankText(), flag, cause, c.N, mdEscape(strings.Join(c.Settings, "; ")))
	}
	if len(f.Orders) > 0 {
		b.WriteString("\n## Method order per column\n\n| Dataset | Column | ours (best first) | paper (best first) | same |\n|---|---|---|---|---|\n")
		for _, o := range f.Orders {
			same := "no"
			if o.Same {
				same = "yes"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", mdEscape(o.Dataset), mdEscape(o.Column),
				mdJoin(o.Ours), mdJoin(o.Paper), same)
		}
	}
	if len(f.Causes) > 0 {
		b.WriteString("\n## Documented causes\n\n")
		for i, c := range f.Causes {
			fmt.Fprintf(&b, "<a id=\"cause-%d\"></a>%d. %s\n", i+1, i+1, mdEscape(c))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdJoin escapes every label and joins them with " > ".
func mdJoin(labels []string) string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = mdEscape(l)
	}
	return strings.Join(out, " > ")
}

// WriteFidelityHTML writes the fidelity page as a standalone HTML page.
func WriteFidelityHTML(w io.Writer, f *Fidelity) error {
	return fidelityTemplate.Execute(w, struct {
		*Fidelity
		Threshold float64
	}{f, FidelityThreshold})
}

var fidelityTemplate = template.Must(template.New("fidelity").Funcs(template.FuncMap{
	"num": fidNum, "signed": fidSigned, "join": strings.Join, "inc": func(i int) int { return i + 1 },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fidelity to the published values</title>
` + pageStyle + `
<style>tr.flagged td { background: #fff3cd; } td.flag { font-weight: bold; color: #8a4b00; }</style>
</head>
<body>
<h1>Fidelity to the published values</h1>
<p><a href="index.html">Back to the report</a>. Built from the results database alone.{{if .Source}} Published values: {{.Source}}.{{end}}</p>
<p><strong>{{.Within}} of {{.Total}}</strong> cells within {{.Threshold}} points of the published value; {{.Flagged}} flagged (|Δ| &gt; {{.Threshold}}, or the method ranks differently within its column). Ranks are within each column among the methods with a published value (1 = best).</p>
<table class="results" id="fidelity">
<thead><tr><th>Dataset</th><th>Method</th><th>Column</th><th>ours</th><th>paper</th><th>Δ</th><th>rank (ours / paper)</th><th>flag</th><th>cause</th><th>runs</th><th>settings</th></tr></thead>
<tbody>
{{range .Cells}}<tr{{if .Flagged}} class="flagged"{{end}}><td>{{.Dataset}}</td><td>{{.Label}}</td><td>{{.Column}}</td><td class="num">{{num .Ours}}</td><td class="num">{{num .Paper}}</td><td class="num">{{signed .Delta}}</td><td>{{.RankText}}</td><td class="flag">{{.FlagText}}</td><td>{{if .CauseID}}<a href="#cause-{{.CauseID}}">{{.CauseID}}</a>{{end}}</td><td class="num">{{.N}}</td><td>{{join .Settings "; "}}</td></tr>
{{end}}</tbody>
</table>
{{if .Orders}}<h2 id="orders">Method order per column</h2>
<table class="results">
<thead><tr><th>Dataset</th><th>Column</th><th>ours (best first)</th><th>paper (best first)</th><th>same</th></tr></thead>
<tbody>
{{range .Orders}}<tr{{if not .Same}} class="flagged"{{end}}><td>{{.Dataset}}</td><td>{{.Column}}</td><td>{{join .Ours " > "}}</td><td>{{join .Paper " > "}}</td><td>{{if .Same}}yes{{else}}no{{end}}</td></tr>
{{end}}</tbody>
</table>{{end}}
{{if .Causes}}<h2 id="causes">Documented causes</h2>
<ol>{{range $i, $c := .Causes}}<li id="cause-{{inc $i}}">{{$c}}</li>{{end}}</ol>{{end}}
</body>
</html>
`))

// writeFidelity writes fidelity.md and fidelity.html when some table cell
// has a published value; it reports whether it wrote them. write is
// Write's file writer.
func writeFidelity(ctx context.Context, store *results.Store, rep *Report, write func(string, func(io.Writer) error) error) (bool, error) {
	refs, err := store.References(ctx)
	if err != nil {
		return false, fmt.Errorf("read reference values: %w", err)
	}
	f := BuildFidelity(rep, refs)
	if f == nil {
		return false, nil
	}
	if err := write("fidelity.md", func(w io.Writer) error { return WriteFidelityMarkdown(w, f) }); err != nil {
		return false, err
	}
	if err := write("fidelity.html", func(w io.Writer) error { return WriteFidelityHTML(w, f) }); err != nil {
		return false, err
	}
	return true, nil
}
