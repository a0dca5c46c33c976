package reports

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"nmfbench/results"
)

var fixedNow = func() time.Time { return time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC) }

// writeTestReport writes the report of the synthetic database to a temp dir.
func writeTestReport(t *testing.T) (dir string, paths []string) {
	t.Helper()
	s := newTestStore(t)
	dir = filepath.Join(t.TempDir(), "report")
	paths, err := Write(context.Background(), s, Options{OutDir: dir, Now: fixedNow, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	return dir, paths
}

func TestWriteFiles(t *testing.T) {
	dir, paths := writeTestReport(t)
	rel := map[string]bool{}
	for _, p := range paths {
		r, err := filepath.Rel(dir, p)
		if err != nil {
			t.Fatal(err)
		}
		rel[filepath.ToSlash(r)] = true
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", r, err)
		}
	}
	want := []string{"COIL20.md", "COIL20.csv", "COIL20.tex", "toy.md", "toy.csv", "toy.tex",
		"COIL20_ours.tex", "COIL20_paper.tex", "toy_ours.tex", "toy_paper.tex",
		"COIL20_sweep_GNMF_lambda.md", "COIL20_sweep_GNMF_lambda.csv", "COIL20_sweep_GNMF_lambda.tex",
		"tables.md", "provenance.md", "index.html", "runs.csv", "fidelity.md", "fidelity.html"}
	// Figures: PNG and SVG of each; bases of every method with factors
	// (Kmeans has none), convergence of the methods with traces.
	// Basis mosaics: 32×32 tiles zoomed 3× and 6×6 tiles zoomed 16×, one
	// pixel gutters, at most 10 per row.
	pngSize := map[string][2]int{
		"COIL20_bases_NMF": {3*97 + 1, 98}, "COIL20_bases_NMF__KL": {3*97 + 1, 98}, "COIL20_bases_GWNTF": {2*97 + 1, 98},
		"toy_bases_NMF": {2*97 + 1, 98},
	}
	for _, f := range []string{"COIL20_bars", "COIL20_seeds", "COIL20_convergence",
		"COIL20_bases_NMF", "COIL20_bases_NMF__KL", "COIL20_bases_GWNTF", "COIL20_sweep_GNMF_lambda",
		"toy_bars", "toy_seeds", "toy_convergence", "toy_bases_NMF"} {
		want = append(want, "figures/"+f+".png", "figures/"+f+".svg", "figures/"+f+".pdf")
	}
	for _, w := range want {
		if !rel[w] {
			t.Errorf("%s was not written", w)
		}
	}
	if len(rel) != len(want) {
		var extra []string
		for r := range rel {
			if !slicesContains(want, r) {
				extra = append(extra, r)
			}
		}
		t.Errorf("unexpected files: %v", extra)
	}
	for r := range rel {
		data, err := os.ReadFile(filepath.Join(dir, r))
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(r) {
		case ".png":
			cfg, err := png.DecodeConfig(bytes.NewReader(data))
			if err != nil || cfg.Width < 50 || cfg.Height < 50 {
				t.Errorf("%s: not a sensible PNG (%v, %dx%d)", r, err, cfg.Width, cfg.Height)
			}
			if _, err := png.Decode(bytes.NewReader(data)); err != nil {
				t.Errorf("%s: does not decode: %v", r, err)
			}
			name := strings.TrimSuffix(filepath.Base(r), ".png")
			if sz, ok := pngSize[name]; ok && (cfg.Width != sz[0] || cfg.Height != sz[1]) {
				t.Errorf("%s is %dx%d, want %dx%d", r, cfg.Width, cfg.Height, sz[0], sz[1])
			}
		case ".svg":
			if !bytes.Contains(data, []byte("<svg")) || !bytes.HasSuffix(bytes.TrimSpace(data), []byte("</svg>")) {
				t.Errorf("%s: not an SVG document", r)
			}
		case ".pdf":
			if !bytes.HasPrefix(data, []byte("%PDF-")) || !bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")) {
				t.Errorf("%s: not a PDF document", r)
			}
		}
	}
	// Print size: the plots are 6.9 in wide at 300 dpi.
	for _, f := range []string{"COIL20_bars", "COIL20_seeds", "COIL20_convergence", "COIL20_sweep_GNMF_lambda"} {
		data, _ := os.ReadFile(filepath.Join(dir, "figures", f+".png"))
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != 2070 {
			t.Errorf("%s.png is %d px wide (%v), want 6.9 in × 300 dpi = 2070", f, cfg.Width, err)
		}
	}
	// The bars figure is 2 × 2 panels of 4 columns: wider than tall.
	data, _ := os.ReadFile(filepath.Join(dir, "figures/COIL20_bars.png"))
	cfg, _ := png.DecodeConfig(bytes.NewReader(data))
	if cfg.Width <= cfg.Height/2 {
		t.Errorf("bars figure %dx%d", cfg.Width, cfg.Height)
	}
	// tables.md holds every table and the provenance.
	all, _ := os.ReadFile(filepath.Join(dir, "tables.md"))
	for _, h := range []string{"### COIL20\n", "### toy\n", "### COIL20: GNMF, lambda sweep\n", "### Provenance\n"} {
		if !bytes.Contains(all, []byte(h)) {
			t.Errorf("tables.md lacks %q", h)
		}
	}
}

func slicesContains(v []string, s string) bool {
	for _, x := range v {
		if x == s {
			return true
		}
	}
	return false
}

func TestHTML(t *testing.T) {
	dir, _ := writeTestReport(t)
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	figs, _ := filepath.Glob(filepath.Join(dir, "figures", "*.png"))
	if n := strings.Count(html, `<img src="data:image/png;base64,`); n != len(figs) || n != strings.Count(html, "<img ") {
		t.Errorf("%d embedded images, %d <img> tags, %d PNG files", n, strings.Count(html, "<img "), len(figs))
	}
	// Every embedded image is exactly the PNG file beside it.
	re := regexp.MustCompile(`<figure id="fig-([^"]+)"`)
	for _, m := range re.FindAllStringSubmatch(html, -1) {
		if _, err := os.Stat(filepath.Join(dir, "figures", m[1]+".png")); err != nil {
			t.Errorf("figure %s has no PNG file", m[1])
		}
	}
	for _, id := range []string{`id="table-COIL20"`, `id="table-toy"`, `id="table-COIL20_sweep_GNMF_lambda"`, `id="tests-COIL20"`,
		`id="provenance"`, `<strong>83.50 ± 2.45</strong>`, `<span class="mark">‡</span>`, `title="Wilcoxon signed-rank vs GWNTF: p = 0.008 (8 pairs); median difference `,
		`<details class="spec">`, `<pre>name: paper</pre>`, `id="runs-COIL20"`, `<td class="label failed">failed: diverged</td>`,
		`href="COIL20.csv"`, `href="COIL20_ours.tex"`, `href="runs.csv"`, `href="figures/COIL20_bars.pdf"`, `href="provenance.md"`,
		`parameters (resolved, defaults included)`, `<td class="params">(none)</td>`, `Δmed`, `95 % CI`,
		`<td>Runs</td><td>61 ok, 3 failed</td>`, `aaaaaaaaaaaa (paper, experiments/paper.yaml)`, "NMF (KL)", "NMF: diverged", "data-images-loaded"} {
		if !strings.Contains(html, id) {
			t.Errorf("index.html lacks %s", id)
		}
	}
	text := regexp.MustCompile(`data:image/png;base64,[A-Za-z0-9+/=]*`).ReplaceAllString(html, "")
	if regexp.MustCompile(`\bNaN\b`).MatchString(text) {
		t.Errorf("index.html shows NaN")
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//|<link |@import|url\(`).MatchString(text) {
		t.Errorf("index.html references an external resource")
	}
	// Without figures the page still holds the tables.
	var b bytes.Buffer
	s := newTestStore(t)
	rep, err := Build(context.Background(), s, Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&b, rep, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<img ") || !strings.Contains(b.String(), `id="table-COIL20"`) {
		t.Errorf("HTML without figures is wrong")
	}
}

// TestHTMLInBrowser loads the page in headless Chromium when one is
// installed: the body must report that every image decoded and hold every
// table. scripts/check_html.sh does the same with a screenshot.
func TestHTMLInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser check skipped in -short mode")
	}
	browser := os.Getenv("CHROMIUM")
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if browser != "" {
			break
		}
		if p, err := exec.LookPath(b); err == nil {
			browser = p
		}
	}
	if browser == "" {
		t.Skip("no Chromium installed (apt-get install -y chromium); browser check skipped")
	}
	dir, _ := writeTestReport(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	abs, _ := filepath.Abs(filepath.Join(dir, "index.html"))
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir="+t.TempDir(),
		"--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=10000", "--dump-dom", "file://"+abs)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", browser, err)
	}
	dom := string(out)
	m := regexp.MustCompile(`data-images-loaded="(\d+)/(\d+)"`).FindStringSubmatch(dom)
	figs, _ := filepath.Glob(filepath.Join(dir, "figures", "*.png"))
	if m == nil || m[1] != m[2] || m[2] != fmt.Sprint(len(figs)) {
		t.Errorf("images loaded in the browser: %v, want %d/%d", m, len(figs), len(figs))
	}
	for _, id := range []string{"table-COIL20", "table-toy", "table-COIL20_sweep_GNMF_lambda", "tests-COIL20"} {
		if !strings.Contains(dom, `id="`+id+`"`) {
			t.Errorf("the rendered page lacks #%s", id)
		}
	}
}

func TestProvenance(t *testing.T) {
	rep := buildTest(t, Options{})
	p := rep.Provenance
	if p.OK != 61 || p.Failed != 3 {
		t.Errorf("runs %d ok, %d failed; want 61, 3", p.OK, p.Failed)
	}
	if len(p.Specs) != 1 || p.Specs[0].Name != "paper" || len(p.SpecHashes) != 1 {
		t.Errorf("specs %+v hashes %v; want only the spec the runs carry", p.Specs, p.SpecHashes)
	}
	start := time.Date(2024, 1, 4, 10, 0, 0, 0, time.UTC)
	if !p.First.Equal(start) || !p.Last.Equal(start.Add(7*time.Minute+30*time.Second)) {
		t.Errorf("dates %v – %v", p.First, p.Last)
	}
	var b bytes.Buffer
	if err := WriteProvenance(&b, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- Specs (SHA-256): aaaaaaaaaaaa (paper, experiments/paper.yaml)\n", "- Git revisions: abc123\n",
		"- BLAS: gonum (pure Go)\n", "- BLAS environment: –\n", "- Go: go1.26\n", "- Hosts: testhost\n", "- Runs: 61 ok, 3 failed\n",
		"- First run started: 2024-01-04 10:00:00 UTC\n", "- Report generated: 2024-02-01 12:00:00 UTC\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("provenance lacks %q:\n%s", want, b.String())
		}
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{"COIL20": "COIL20", "NMF (KL)": "NMF__KL", "GNMF[lambda=10]": "GNMF_lambda_10",
		"a/b": "a_b", "": "unnamed", "..": "unnamed", "PIE_pose27": "PIE_pose27"} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// newBenchStore writes the paper's grid size: 7 methods × 2 datasets × 50
// repetitions, 300-iteration traces, factors of repetition 0.
func newBenchStore(b *testing.B) *results.Store {
	ctx := context.Background()
	s, err := results.Open(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	labels := []string{"Kmeans", "NMF", "GNMF", "SDNMF", "NCP", "GNCP", "GWNTF"}
	if _, err := s.SaveMethodOrder(ctx, labels); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for _, ds := range []struct {
		name string
		k    int
	}{{"COIL20", 20}, {"PIE_pose27", 68}} {
		for li, label := range labels {
			for rep := 0; rep < 50; rep++ {
				n++
				r := results.Run{ConfigHash: fmt.Sprint(n), SpecHash: "h", Dataset: ds.name, Method: label, Label: label, Params: "{}",
					Rep: rep, Status: results.StatusOK, Objective: math.NaN(), Metrics: map[string]float64{}}
				for _, f := range []string{"acc", "nmi_geometric", "nmi_max", "purity"} {
					r.Metrics[f] = 0.5 + 0.04*float64(li) + 0.02*rng.NormFloat64()
				}
				if label != "Kmeans" {
					for i := 0; i < 300; i++ {
						r.Trace = append(r.Trace, 1e4/float64(i+1)*(1+0.1*rng.Float64()))
						r.TraceSecs = append(r.TraceSecs, 0.01*float64(i))
					}
				}
				if rep == 0 && label != "Kmeans" {
					u := results.Factor{Name: "U", Rows: 1024, Cols: ds.k, Data: make([]float64, 1024*ds.k)}
					for i := range u.Data {
						u.Data[i] = rng.Float64()
					}
					r.Factors = []results.Factor{u}
				}
				if err := s.Save(ctx, &r); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return s
}

// BenchmarkWrite measures a whole report of the paper's grid (tables,
// tests, 2 × (4 + 6) figures in PNG and SVG, HTML).
func BenchmarkWrite(b *testing.B) {
	s := newBenchStore(b)
	dir := b.TempDir()
	var paths []string
	var err error
	for b.Loop() {
		if paths, err = Write(context.Background(), s, Options{OutDir: dir, Now: fixedNow}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(paths)), "files")
}

// BenchmarkBuild measures reading the store and computing the tables and
// tests alone.
func BenchmarkBuild(b *testing.B) {
	s := newBenchStore(b)
	for b.Loop() {
		if _, err := Build(context.Background(), s, Options{Now: fixedNow}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvergenceBand measures the quartile band of 50 traces of 1000
// iterations on the 400-point grid.
func BenchmarkConvergenceBand(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	traces := make([]trace, 50)
	for i := range traces {
		for k := 0; k < 1000; k++ {
			traces[i].objective = append(traces[i].objective, rng.Float64())
			traces[i].seconds = append(traces[i].seconds, float64(k)*0.01)
		}
	}
	for b.Loop() {
		convergenceBand(traces, false, maxTracePoints)
		convergenceBand(traces, true, maxTracePoints)
	}
}
