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
	SVG                      string // relative path of the SVG file ("" when none)
	PNG                      string
}

type htmlSection struct {
	ID, Title string
	Tables    []htmlTable
	Figures   []htmlFigure
}

type htmlPage struct {
	Title      string
	Generated  string
	Provenance [][2]string
	Sections   []htmlSection
	Notes      []string
}

// WriteHTML writes the report as one self-contained HTML page: the tables
// (bold best values, significance marks with the p-value as a tooltip),
// the paired tests, the figures embedded as PNG data URIs (with links to the
// SVG files written beside the page) and the provenance. The page loads
// nothing from elsewhere; an inline script records in the body's
// data-images-loaded attribute how many of its images decoded, which
// scripts/check_html.sh checks in a headless browser.
func WriteHTML(w io.Writer, rep *Report, figs []Figure, notes []string) error {
	page := htmlPage{Title: "nmfbench report", Provenance: rep.Provenance.Items(), Notes: notes}
	if !rep.Provenance.Generated.IsZero() {
		page.Generated = rep.Provenance.Generated.Format("2006-01-02 15:04 UTC")
	}
	used := map[string]bool{}
	figsOf := func(ds string, keep func(Figure) bool) []htmlFigure {
		var out []htmlFigure
		for _, kind := range []string{KindBars, KindSeeds, KindConvergence, KindConvergenceTime, KindBases, KindSweep} {
			for _, f := range figs {
				if f.Dataset != ds || f.Kind != kind || used[f.Name] || !keep(f) {
					continue
				}
				used[f.Name] = true
				hf := htmlFigure{ID: "fig-" + f.Name, Title: f.Title, Caption: f.Caption, Kind: f.Kind, PNG: "figures/" + f.Name + ".png",
					Src: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(f.PNG))}
				if f.SVG != nil {
					hf.SVG = "figures/" + f.Name + ".svg"
				}
				out = append(out, hf)
			}
		}
		return out
	}
	for _, t := range rep.Tables {
		page.Sections = append(page.Sections, htmlSection{
			ID: "ds-" + fileName(t.Dataset), Title: t.Dataset, Tables: []htmlTable{newHTMLTable(t)},
			Figures: figsOf(t.Dataset, func(f Figure) bool { return f.Kind != KindSweep }),
		})
	}
	for _, sw := range rep.Sweeps {
		name := fileName(sw.Dataset) + "_sweep_" + fileName(sw.Sweep.Base) + "_" + fileName(sw.Sweep.Param)
		page.Sections = append(page.Sections, htmlSection{
			ID: "sweep-" + name, Title: sw.Title, Tables: []htmlTable{newHTMLTable(sw)},
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

func newHTMLTable(t Table) htmlTable {
	ht := htmlTable{ID: "table-" + tableFile(t), Title: t.Title, Legend: legend(t), Errors: t.Errors, Notes: t.Notes, Span: 1}
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
		row := []htmlCell{{Text: r.Label, Class: "label"}, {Text: runsText(r)}}
		for j, c := range r.Cells {
			field := t.Columns[j].Field
			cell := htmlCell{Text: num(c.Mean, field, dash) + " ± " + num(c.Std, field, dash), Bold: c.Best, Mark: c.Marker()}
			if c.Test != nil {
				if c.Test.Err != "" {
					cell.Title = "no test against " + c.Test.Reference + ": " + c.Test.Err
				} else {
					cell.Title = fmt.Sprintf("Wilcoxon signed-rank vs %s: p = %s (%d pairs)", c.Test.Reference, pValue(c.Test.P), c.Test.Pairs)
				}
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
		ht.Rows = append(ht.Rows, row)
	}
	if hasTests(t) {
		ht.TestsID, ht.TestRef = "tests-"+tableFile(t), t.Reference
		for _, c := range t.Columns {
			ht.TestHeads = append(ht.TestHeads, c.Name+" p")
		}
		for _, r := range t.Rows {
			if r.Label == t.Reference {
				continue
			}
			row := []htmlCell{{Text: r.Label, Class: "label"}, {Text: fmt.Sprint(pairsOf(r))}}
			for _, c := range r.Cells {
				row = append(row, htmlCell{Text: testText(c)})
			}
			ht.TestRows = append(ht.TestRows, row)
		}
	}
	return ht
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", sans-serif; margin: 1.5em auto; max-width: 1300px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { padding: 0.25em 0.6em; text-align: right; white-space: nowrap; }
th { border-bottom: 1px solid #444; }
thead tr:first-child th { border-bottom: none; }
tbody tr:nth-child(even) { background: #f6f6f6; }
td.label, th.label { text-align: left; }
td.paper { color: #666; }
td.diff { color: #2a7a2a; }
td.diff.neg { color: #b03030; }
td .mark { color: #b03030; font-weight: bold; margin-left: 0.2em; }
table.results, table.tests { border-top: 2px solid #222; border-bottom: 2px solid #222; }
table.prov td { text-align: left; white-space: normal; }
table.prov td:first-child { font-weight: bold; white-space: nowrap; }
p.legend { font-size: 0.85em; color: #444; max-width: 1100px; }
figure { margin: 1.2em 0; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figure.bases img { image-rendering: pixelated; }
figcaption { font-size: 0.85em; color: #444; max-width: 1100px; }
.notes { font-size: 0.85em; color: #666; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>Built from the results database alone{{if .Generated}} on {{.Generated}}{{end}}.</p>
<nav>{{range .Sections}}<a href="#{{.ID}}">{{.Title}}</a> {{end}}<a href="#provenance">Provenance</a></nav>
{{range .Sections}}
<section id="{{.ID}}">
<h2>{{.Title}}</h2>
{{range .Tables}}
<table class="results" id="{{.ID}}">
<thead>
<tr><th class="label" rowspan="{{if .SubHeads}}2{{else}}1{{end}}">Method</th><th rowspan="{{if .SubHeads}}2{{else}}1{{end}}">runs</th>{{$span := .Span}}{{range .Heads}}<th colspan="{{$span}}">{{.}}</th>{{end}}<th rowspan="{{if .SubHeads}}2{{else}}1{{end}}">s/run</th></tr>
{{if .SubHeads}}<tr>{{range .SubHeads}}<th>{{.}}</th>{{end}}</tr>{{end}}
</thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}{{if .Title}} title="{{.Title}}"{{end}}>{{if .Bold}}<strong>{{.Text}}</strong>{{else}}{{.Text}}{{end}}{{if .Mark}}<span class="mark">{{.Mark}}</span>{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<p class="legend">{{.Legend}}</p>
{{if .TestsID}}
<h3>Paired tests against {{.TestRef}}</h3>
<table class="tests" id="{{.TestsID}}">
<thead><tr><th class="label">Method</th><th>pairs</th>{{range .TestHeads}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .TestRows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<p class="legend">Two-sided Wilcoxon signed-rank test of the differences {{.TestRef}} − method over the repetitions both have (exact null distribution below 50 pairs without ties, normal approximation otherwise).</p>
{{end}}
{{if .Errors}}<p><strong>Failures:</strong></p><ul>{{range .Errors}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Notes}}<p><strong>Notes:</strong></p><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{end}}
{{range .Figures}}
<figure id="{{.ID}}" class="{{.Kind}}">
<img src="{{.Src}}" alt="{{.Title}}">
<figcaption><strong>{{.Title}}.</strong> {{.Caption}} Files: <a href="{{.PNG}}">PNG</a>{{if .SVG}}, <a href="{{.SVG}}">SVG</a>{{end}}.</figcaption>
</figure>
{{end}}
</section>
{{end}}
<section id="provenance">
<h2>Provenance</h2>
<table class="prov">
{{range .Provenance}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td></tr>
{{end}}</table>
</section>
{{if .Notes}}<section class="notes"><h3>Notes</h3><ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul></section>{{end}}
<script>
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; }
  }
  document.body.setAttribute("data-images-loaded", ok + "/" + imgs.length);
});
</script>
</body>
</html>
`))
