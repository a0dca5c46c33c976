package reports

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"

	"nmfbench/results"
)

// newHTMLRuns returns the per-run table of dataset ds: one row per run
// the report counts, scores scaled as in the tables.
func newHTMLRuns(rep *Report, ds string) *htmlRuns {
	hr := &htmlRuns{ID: "runs-" + fileName(ds), Title: ds, CSV: "runs.csv"}
	hr.Heads = []string{"method", "rep", "seed"}
	for _, s := range rep.Scores {
		hr.Heads = append(hr.Heads, heading(s, s))
	}
	hr.Heads = append(hr.Heads, "iterations", "fit s", "k-means s", "status")
	for _, r := range rep.Runs {
		if r.Dataset != ds {
			continue
		}
		row := []htmlCell{{Text: r.Label, Class: "label"}, {Text: strconv.Itoa(r.Rep)}, {Text: strconv.FormatUint(r.Seed, 10)}}
		for _, s := range rep.Scores {
			v, ok := r.Metrics[s]
			if !ok {
				v = math.NaN()
			}
			row = append(row, htmlCell{Text: num(v, s, dash)})
		}
		iters := dash
		if r.Status == results.StatusOK {
			iters = strconv.Itoa(r.Iterations)
		}
		status := htmlCell{Text: r.Status, Class: "label"}
		if r.Status != results.StatusOK {
			status = htmlCell{Text: r.Status + ": " + r.Error, Class: "label failed"}
		}
		row = append(row, htmlCell{Text: iters}, htmlCell{Text: secs(r.FitSeconds, dash)}, htmlCell{Text: secs(r.KmSeconds, dash)}, status)
		hr.Rows = append(hr.Rows, row)
	}
	if len(hr.Rows) == 0 {
		return nil
	}
	return hr
}

// htmlRanking is the ranking across datasets as the pages show it.
type htmlRanking struct {
	Title    string
	Datasets string
	Heads    []string
	Rows     [][]htmlCell
	Tests    [][]htmlCell
	PerDS    []htmlRankDS
	Legend   string
	Left     []string
	Notes    []string
	Figures  []htmlFigure
}

// htmlRankDS is one metric's ranks on every dataset.
type htmlRankDS struct {
	Metric string
	Heads  []string
	Rows   [][]htmlCell
}

func newHTMLRanking(rk *Ranking) *htmlRanking {
	h := &htmlRanking{Title: fmt.Sprintf("Ranking across %d datasets", len(rk.Datasets)), Legend: rankingLegend(rk), Left: rk.Left, Notes: rk.Notes}
	for i, d := range rk.Datasets {
		if i > 0 {
			h.Datasets += ", "
		}
		h.Datasets += d
	}
	for _, m := range rk.Metrics {
		h.Heads = append(h.Heads, m.Name)
	}
	for k, label := range rk.Methods {
		row := []htmlCell{{Text: label, Class: "label"}}
		for _, m := range rk.Metrics {
			if m.Err != "" {
				row = append(row, htmlCell{Text: dash})
				continue
			}
			best := true
			for _, r := range m.AvgRanks {
				if r < m.AvgRanks[k] {
					best = false
				}
			}
			row = append(row, htmlCell{Text: strconv.FormatFloat(m.AvgRanks[k], 'f', 2, 64), Bold: best})
		}
		h.Rows = append(h.Rows, row)
	}
	for _, m := range rk.Metrics {
		if m.Err != "" {
			h.Tests = append(h.Tests, []htmlCell{{Text: m.Name, Class: "label"}, {Text: m.Err, Class: "label"}})
			continue
		}
		f := m.Friedman
		h.Tests = append(h.Tests, []htmlCell{{Text: m.Name, Class: "label"}, {Text: strconv.FormatFloat(f.ChiSq, 'f', 3, 64)}, {Text: pValue(f.P)},
			{Text: statText(f.FF)}, {Text: fmt.Sprintf("%g, %g", f.DF1, f.DF2)}, {Text: pValue(f.PF)}, {Text: strconv.FormatFloat(m.CD, 'f', 3, 64)}})
		ds := htmlRankDS{Metric: m.Name, Heads: append([]string(nil), rk.Datasets...)}
		for k, label := range rk.Methods {
			row := []htmlCell{{Text: label, Class: "label"}}
			for i := range rk.Datasets {
				row = append(row, htmlCell{Text: fmt.Sprintf("%s (%g)", num(m.Means[i][k], m.Field, dash), m.Ranks[i][k])})
			}
			ds.Rows = append(ds.Rows, row)
		}
		h.PerDS = append(h.PerDS, ds)
	}
	return h
}

// WriteRankingHTML writes ranking.html: the ranking across datasets on a
// page of its own (average ranks, Friedman tests, the critical-difference
// diagram embedded, the ranks on every dataset), self-contained like
// index.html.
func WriteRankingHTML(w io.Writer, rep *Report, figs []Figure) error {
	h := newHTMLRanking(rep.Ranking)
	for _, f := range figs {
		if f.Kind == KindRanking {
			h.Figures = append(h.Figures, newHTMLFigure(f))
		}
	}
	return rankingTemplate.Execute(w, struct {
		R         *htmlRanking
		Generated string
		Full      bool
	}{h, rep.Provenance.Generated.Format("2006-01-02 15:04 UTC"), true})
}

// figuresBlock renders a list of figures (image, caption, file links); both
// pages' templates include it.
const figuresBlock = `{{define "figures"}}{{range .}}
<figure id="{{.ID}}" class="{{.Kind}}">
<img src="{{.Src}}" alt="{{.Title}}">
<figcaption><strong>{{.Title}}.</strong> {{.Caption}} Files: {{range $i, $f := .Files}}{{if $i}}, {{end}}<a href="{{$f.Href}}">{{$f.Text}}</a>{{end}}.</figcaption>
</figure>
{{end}}{{end}}`

const rankingBlock = `{{define "ranking"}}
<p>Datasets: {{.Datasets}}. Average rank of each method per metric (1 = best on a dataset, by the mean over the runs; ties share the mean rank); bold: best.</p>
<table class="results" id="ranking-avg">
<thead><tr><th class="label">Method</th>{{range .Heads}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{if .Bold}}<strong>{{.Text}}</strong>{{else}}{{.Text}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<table class="tests" id="ranking-tests">
<thead><tr><th class="label">Metric</th><th>χ²<sub>F</sub></th><th>p</th><th>F<sub>F</sub></th><th>df</th><th>p (F)</th><th>CD (α = 0.05)</th></tr></thead>
<tbody>
{{range .Tests}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
<p class="legend">{{.Legend}}</p>
{{if .Left}}<p><strong>Left out of the ranking:</strong></p><ul>{{range .Left}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{range .Notes}}<p class="note"><strong>Note:</strong> {{.}}</p>{{end}}
{{template "figures" .Figures}}
{{end}}`

const pageStyle = `<style>
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
td.params { text-align: left; white-space: normal; font-size: 0.75em; color: #555; min-width: 14em; max-width: 24em; line-height: 1.25; }
.wide { overflow-x: auto; }
td.failed { color: #b03030; white-space: normal; }
td.paper { color: #666; }
td.diff { color: #2a7a2a; }
td.diff.neg { color: #b03030; }
td .mark { color: #b03030; font-weight: bold; margin-left: 0.2em; }
table.results, table.tests, table.runs { border-top: 2px solid #222; border-bottom: 2px solid #222; }
table.runs { font-size: 0.8em; }
table.prov td { text-align: left; white-space: normal; }
table.prov td:first-child { font-weight: bold; white-space: nowrap; }
p.legend { font-size: 0.85em; color: #444; max-width: 1100px; }
p.note { background: #fff6d8; border-left: 4px solid #e0b000; padding: 0.4em 0.7em; max-width: 1100px; }
p.files { font-size: 0.85em; }
details { margin: 0.6em 0; }
summary { cursor: pointer; font-weight: bold; }
pre { background: #f6f6f6; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
.scroll { overflow-x: auto; max-height: 40em; overflow-y: auto; }
figure { margin: 1.2em 0; }
figure img { width: 100%; max-width: 960px; border: 1px solid #ddd; }
figure.bases img { image-rendering: pixelated; }
figcaption { font-size: 0.85em; color: #444; max-width: 1100px; }
.notes { font-size: 0.85em; color: #666; }
</style>`

const loadScript = `<script>
(function () {
  function count() {
    var n = Number(document.body.getAttribute("data-errors") || 0) + 1;
    document.body.setAttribute("data-errors", String(n));
  }
  window.addEventListener("error", count, true);
  var err = console.error;
  console.error = function () { count(); return err.apply(console, arguments); };
})();
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; }
  }
  document.body.setAttribute("data-images-loaded", ok + "/" + imgs.length);
  if (!document.body.hasAttribute("data-errors")) { document.body.setAttribute("data-errors", "0"); }
});
</script>`

var rankingTemplate = template.Must(template.New("rankingPage").Parse(figuresBlock + rankingBlock + `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.R.Title}}</title>
` + pageStyle + `
</head>
<body>
<h1>{{.R.Title}}</h1>
<p>Built from the results database alone on {{.Generated}}. <a href="index.html">Back to the report</a>. Files: <a href="ranking.md">Markdown</a>, <a href="ranking.csv">CSV</a>.</p>
<section id="ranking">
{{template "ranking" .R}}
<h2>Ranks per dataset</h2>
{{range .R.PerDS}}
<h3>{{.Metric}}: mean (rank) per dataset</h3>
<table class="results ranks">
<thead><tr><th class="label">Method</th>{{range .Heads}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}
</section>
` + loadScript + `
</body>
</html>
`))
