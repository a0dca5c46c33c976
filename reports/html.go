package reports

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
)

// htmlCell is one rendered table cell.
type htmlCell struct {
	Text  string
	Bold  bool
	Mark  string
	Title string // tooltip: the test's p-value
	Class string
}

type htmlTable struct {
	ID, Title string
	Files     []htmlLink // the table's files (md, csv, tex)
	TestNote  string
	Params    bool // the rows end with a parameters cell
	Heads     []string
	SubHeads  []string // "ours", "paper", "Δ" per column when there are published values
	Span      int      // columns under each heading
	Rows      [][]htmlCell
	Legend    string
	TestsID   string
	TestRef   string
	TestHeads []string
	TestRows  [][]htmlCell
	Errors    []string
	Notes     []string
}

type htmlFigure struct {
	ID, Title, Caption, Kind string
	Src                      template.URL
	Files                    []htmlLink // PNG, SVG, PDF
}

type htmlLink struct{ Text, Href string }

// htmlRuns is the per-run table of a dataset.
type htmlRuns struct {
	ID    string
	Title string // the dataset
	Heads []string
	Rows  [][]htmlCell
	CSV   string
}

type htmlSection struct {
	ID, Title string
	Tables    []htmlTable
	Runs      *htmlRuns
	Figures   []htmlFigure
}

type htmlSpec struct {
	Title, Body string
}

type htmlPage struct {
	Title      string
	Generated  string
	Provenance [][2]string
	Specs      []htmlSpec
	Sections   []htmlSection
	Ranking    *htmlRanking
	Files      []htmlLink
	Notes      []string
}

// WriteHTML writes the report as one self-contained HTML page: the tables
// (bold best values, significance marks with the p-value as a tooltip),
// the paired tests, the figures embedded as PNG data URIs (with links to the
// SVG files written beside the page) and the provenance. The page loads
// nothing from elsewhere; an inline script records in the body's
// data-images-loaded attribute how many of its images decoded, which
// scripts/check_html.sh checks in a headless browser.
//
// files are the report's files relative to the page (Write passes every
// file it wrote), linked from a "Files" list.
func WriteHTML(w io.Writer, rep *Report, figs []Figure, notes []string, files []string) error {
	page := htmlPage{Title: "nmfbench report", Provenance: rep.Provenance.Items(), Notes: notes}
	for _, f := range files {
		page.Files = append(page.Files, htmlLink{Text: f, Href: f})
	}
	for _, sp := range rep.Provenance.Specs {
		page.Specs = append(page.Specs, htmlSpec{Title: fmt.Sprintf("%s (%s, SHA-256 %s)", sp.Name, sp.Path, short(sp.Hash)), Body: sp.Body})
	}
	if !rep.Provenance.Generated.IsZero() {
		page.Generated = rep.Provenance.Generated.Format("2006-01-02 15:04 UTC")
	}
	used := map[string]bool{}
	figsOf := func(ds string, keep func(Figure) bool) []htmlFigure {
		var out []htmlFigure
		for _, kind := range []string{KindBars, KindSeeds, KindConvergence, KindConvergenceTime, KindBases, KindSweep, KindRanking} {
			for _, f := range figs {
				if f.Dataset != ds || f.Kind != kind || used[f.Name] || !keep(f) {
					continue
				}
				used[f.Name] = true
				out = append(out, newHTMLFigure(f))
			}
		}
		return out
	}
	for _, t := range rep.Tables {
		page.Sections = append(page.Sections, htmlSection{
			ID: "ds-" + fileName(t.Dataset), Title: t.Dataset, Tables: []htmlTable{newHTMLTable(t, rep.Options.LaTeX)},
			Runs:    newHTMLRuns(rep, t.Dataset),
			Figures: figsOf(t.Dataset, func(f Figure) bool { return f.Kind != KindSweep }),
		})
	}
	if rep.Ranking != nil {
		page.Ranking = newHTMLRanking(rep.Ranking)
		page.Ranking.Figures = figsOf("", func(f Figure) bool { return f.Kind == KindRanking })
	}
	for _, sw := range rep.Sweeps {
		name := fileName(sw.Dataset) + "_sweep_" + fileName(sw.Sweep.Base) + "_" + fileName(sw.Sweep.Param)
		page.Sections = append(page.Sections, htmlSection{
			ID: "sweep-" + name, Title: sw.Title, Tables: []htmlTable{newHTMLTable(sw, rep.Options.LaTeX)},
			Figures: figsOf(sw.Dataset, func(f Figure) bool { return f.Name == name }),
		})
	}
	// Figures of datasets without a main table (only sweeps) are not lost.
	for _, f := range figs {
		if !used[f.Name] {
			page.Sections = append(page.Sections, htmlSection{ID: "fig-extra-" + f.Name, Title: f.Title,
				Figures: figsOf(f.Dataset, func(g Figure) bool { return g.Name == f.Name })})
		}
	}
	return pageTemplate.Execute(w, page)
}

func newHTMLFigure(f Figure) htmlFigure {
	hf := htmlFigure{ID: "fig-" + f.Name, Title: f.Title, Caption: f.Caption, Kind: f.Kind,
		Src: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG))}
	hf.Files = append(hf.Files, htmlLink{"PNG", "figures/" + f.Name + ".png"})
	if f.SVG != nil {
		hf.Files = append(hf.Files, htmlLink{"SVG", "figures/" + f.Name + ".svg"})
	}
	if f.PDF != nil {
		hf.Files = append(hf.Files, htmlLink{"PDF", "figures/" + f.Name + ".pdf"})
	}
	return hf
}

func newHTMLTable(t Table, style string) htmlTable {
	base := tableFile(t)
	ht := htmlTable{ID: "table-" + base, Title: t.Title, Legend: legend(t), Errors: t.Errors, Notes: t.Notes, Span: 1,
		TestNote: t.TestNote, Params: true}
	ht.Files = []htmlLink{{"Markdown", base + ".md"}, {"CSV", base + ".csv"}, {"LaTeX", base + ".tex"}}
	if t.Sweep == nil {
		if style == "" {
			style = LaTeXFull
		}
		for _, other := range []string{LaTeXFull, LaTeXOurs, LaTeXPaper} {
			if other != style {
				ht.Files = append(ht.Files, htmlLink{"LaTeX (" + other + ")", base + "_" + other + ".tex"})
			}
		}
	}
	paper := hasPaper(t)
	for _, c := range t.Columns {
		ht.Heads = append(ht.Heads, heading(c.Name, c.Field))
		if paper {
			ht.SubHeads = append(ht.SubHeads, "ours", "paper", "Δ")
		}
	}
	if paper {
		ht.Span = 3
	}
	for _, r := range t.Rows {
		row := []htmlCell{{Text: r.Label, Class: "label", Title: r.Method + ": " + paramsText(r.Params)}, {Text: runsText(r)}}
		for j, c := range r.Cells {
			field := t.Columns[j].Field
			cell := htmlCell{Text: num(c.Mean, field, dash) + " ± " + num(c.Std, field, dash), Bold: c.Best, Mark: c.Marker()}
			if c.Test != nil {
				if c.Test.Err != "" {
					cell.Title = "no test against " + c.Test.Reference + ": " + c.Test.Err
				} else {
					cell.Title = fmt.Sprintf("Wilcoxon signed-rank vs %s: p = %s (%d pairs); median difference %s; 95 %% CI of the mean %s", c.Test.Reference, pValue(c.Test.P), c.Test.Pairs, effectText(c, field), ciText(c, field))
				}
			} else if !math.IsNaN(c.CILow) {
				cell.Title = "95 % CI of the mean " + ciText(c, field)
			}
			row = append(row, cell)
			if paper {
				d := htmlCell{Text: signed(c.Diff(), field, dash), Class: "diff"}
				if v := c.Diff(); !math.IsNaN(v) && v < 0 {
					d.Class += " neg"
				}
				row = append(row, htmlCell{Text: num(c.Paper, field, dash), Class: "paper"}, d)
			}
		}
		row = append(row, htmlCell{Text: secs(r.FitSec, dash)})
		row = append(row, htmlCell{Text: paramsText(r.Params), Class: "params"})
		ht.Rows = append(ht.Rows, row)
	}
	if hasTests(t) {
		ht.TestsID, ht.TestRef = "tests-"+tableFile(t), t.Reference
		for _, c := range t.Columns {
			ht.TestHeads = append(ht.TestHeads, c.Name+" p", c.Name+" Δmed", c.Name+" 95 % CI")
		}
		for _, r := range t.Rows {
			if r.Label == t.Reference {
				continue
			}
			row := []htmlCell{{Text: r.Label, Class: "label"}, {Text: fmt.Sprint(pairsOf(r))}}
			for j, c := range r.Cells {
				f := t.Columns[j].Field
				row = append(row, htmlCell{Text: testText(c)}, htmlCell{Text: effectText(c, f)}, htmlCell{Text: ciText(c, f), Class: "ci"})
			}
			ht.TestRows = append(ht.TestRows, row)
		}
	}
	return ht
}

var pageTemplate = template.Must(template.New("page").Parse(figuresBlock + rankingBlock + `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
` + pageStyle + `
</head>
<body>
<h1>{{.Title}}</h1>
<p>Built from the results database alone{{if .Generated}} on {{.Generated}}{{end}}.</p>
<nav>{{range .Sections}}<a href="#{{.ID}}">{{.Title}}</a> {{end}}{{if .Ranking}}<a href="#ranking">Ranking</a> {{end}}{{range .Files}}{{if eq .Href "fidelity.html"}}<a href="fidelity.html">Fidelity</a> {{end}}{{end}}<a href="#provenance">Provenance</a> <a href="#files">Files</a></nav>
{{range .Sections}}
<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{range .Tables}}
<div class="wide">
<table class="results" id="{{.ID}}">
<thead>
<tr><th class="label" rowspan="{{if .SubHeads}}2{{else}}1{{end}}">Method</th><th rowspan="{{if .SubHeads}}2{{else}}1{{end}}">runs</th>{{$span := .Span}}{{range .Heads}}<th colspan="{{$span}}">{{.}}</th>{{end}}<th rowspan="{{if .SubHeads}}2{{else}}1{{end}}">s/run</th><th class="label" rowspan="{{if .SubHeads}}2{{else}}1{{end}}">parameters (resolved, defaults included)</th></tr>
{{if .SubHeads}}<tr>{{range .SubHeads}}<th>{{.}}</th>{{end}}</tr>{{end}}
</thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}{{if .Title}} title="{{.Title}}"{{end}}>{{if .Bold}}<strong>{{.Text}}</strong>{{else}}{{.Text}}{{end}}{{if .Mark}}<span class="mark">{{.Mark}}</span>{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>
<p class="legend">{{.Legend}}</p>
<p class="files">Table files: {{range $i, $f := .Files}}{{if $i}} · {{end}}<a href="{{$f.Href}}">{{$f.Text}}</a>{{end}}</p>
{{if .TestNote}}<p class="note"><strong>Note:</strong> {{.TestNote}}</p>{{end}}
{{if .TestsID}}
<h3>Paired tests against {{.TestRef}}</h3>
<table class="tests" id="{{.TestsID}}">
<thead><tr><th class="label">Method</th><th>pairs</th>{{range .TestHeads}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .TestRows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<p class="legend">Per metric: p, the two-sided Wilcoxon signed-rank test of the differences method − {{.TestRef}} over the repetitions both have (exact null distribution below 50 pairs without ties, normal approximation otherwise); Δmed, the median of those differences (the effect size; negative: below {{.TestRef}}); 95 % CI, Student's t interval of the method's mean.</p>
{{end}}
{{if .Errors}}<p><strong>Failures:</strong></p><ul>{{range .Errors}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Notes}}<p><strong>Notes:</strong></p><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{end}}
{{with .Runs}}
<details id="{{.ID}}">
<summary>Every run of {{.Title}} ({{len .Rows}}): dataset, method, repetition, seed, every score, iterations, seconds, status</summary>
<p class="files">Also in <a href="{{.CSV}}">{{.CSV}}</a> (every dataset, full precision).</p>
<div class="scroll">
<table class="runs">
<thead><tr>{{range .Heads}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</div>
</details>
{{end}}
{{template "figures" .Figures}}
</section>
{{end}}
{{with .Ranking}}
<section id="ranking">
<h2>{{.Title}}</h2>
<p class="files">On a page of its own with the ranks per dataset: <a href="ranking.html">ranking.html</a> (also <a href="ranking.md">Markdown</a>, <a href="ranking.csv">CSV</a>).</p>
{{template "ranking" .}}
</section>
{{end}}
<section id="provenance">
<h2>Provenance</h2>
<table class="prov">
{{range .Provenance}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>
{{end}}</table>
{{range .Specs}}
<details class="spec">
<summary>Spec {{.Title}}</summary>
<pre>{{.Body}}</pre>
</details>
{{end}}
</section>
<section id="files">
<h2>Files</h2>
<ul>{{range .Files}}<li><a href="{{.Href}}">{{.Text}}</a></li>{{end}}</ul>
</section>
{{if .Notes}}<section class="notes"><h3>Notes</h3><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul></section>{{end}}
` + loadScript + `
</body>
</html>
`))
