package reports

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"nmfbench/results"
)

// fidelityStore holds COIL20 runs of Kmeans, NMF and GWNTF (4 reps each)
// with closed-form ACC and NMI, and published ACC and NMI for all three.
func fidelityStore(t *testing.T, withRefs bool) *results.Store {
	t.Helper()
	ctx := context.Background()
	s, err := results.Open(filepath.Join(t.TempDir(), "fid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.SaveMethodOrder(ctx, []string{"Kmeans", "NMF", "GWNTF"}); err != nil {
		t.Fatal(err)
	}
	if withRefs {
		ref := func(m, c string, v float64, cause string) results.Reference {
			return results.Reference{Dataset: "COIL20", Method: m, Metric: c, Value: v, Source: "paper", Cause: cause}
		}
		if err := s.SaveReferences(ctx, []results.Reference{
			ref("Kmeans", "ACC", 0.54, ""), ref("NMF", "ACC", 0.58, "NMF iterations (docs/fidelity.md#nmf-iterations)"), ref("GWNTF", "ACC", 0.78, ""),
			ref("Kmeans", "NMI", 0.72, ""), ref("NMF", "NMI", 0.71, "NMF iterations (docs/fidelity.md#nmf-iterations)"), ref("GWNTF", "NMI", 0.90, "scaling rounds"),
		}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for _, label := range []string{"Kmeans", "NMF", "GWNTF"} {
		for rep := 0; rep < 4; rep++ {
			n++
			r := float64(rep)
			m := map[string]float64{}
			switch label {
			case "Kmeans":
				m["acc"], m["nmi_geometric"] = 0.50+0.01*r, 0.70
			case "NMF":
				m["acc"], m["nmi_geometric"] = 0.70, 0.75
			case "GWNTF":
				m["acc"], m["nmi_geometric"] = 0.80, 0.74
			}
			run := results.Run{ConfigHash: fmt.Sprintf("h%02d", n), SpecName: "t", SpecHash: "x", Dataset: "COIL20", Method: label, Label: label,
				Params: "{}", Preprocess: "scale01", Rep: rep, Seed: uint64(rep), Status: results.StatusOK, Metrics: m, Objective: math.NaN(),
				Protocol: "lineage", KMeans: `{"replicates":20,"max_iter":100,"tol":0.000001}`,
				Provenance: results.Provenance{Started: time.Unix(int64(n), 0), Finished: time.Unix(int64(n)+1, 0)}}
			if err := s.Save(ctx, &run); err != nil {
				t.Fatal(err)
			}
		}
	}
	return s
}

func TestBuildFidelity(t *testing.T) {
	ctx := context.Background()
	s := fidelityStore(t, true)
	rep, err := Build(ctx, s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	refs, err := s.References(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := BuildFidelity(rep, refs)
	if f == nil {
		t.Fatal("no fidelity page for a report with published values")
	}
	if f.Total != 6 || f.Within != 3 || f.Flagged != 4 {
		t.Errorf("total %d, within %d, flagged %d; want 6, 3, 4", f.Total, f.Within, f.Flagged)
	}
	type want struct {
		delta           float64
		ours, paper     int
		off, rankDiffer bool
		cause           string
	}
	wants := map[string]want{
		"Kmeans/ACC": {51.5 - 54, 3, 3, false, false, ""},
		"NMF/ACC":    {70 - 58, 2, 2, true, false, "NMF iterations (docs/fidelity.md#nmf-iterations)"},
		"GWNTF/ACC":  {80 - 78, 1, 1, false, false, ""},
		"Kmeans/NMI": {70 - 72, 3, 2, false, true, ""},
		"NMF/NMI":    {75 - 71, 1, 3, true, true, "NMF iterations (docs/fidelity.md#nmf-iterations)"},
		"GWNTF/NMI":  {74 - 90, 2, 1, true, true, "scaling rounds"},
	}
	var order []string
	for _, c := range f.Cells {
		key := c.Label + "/" + c.Column
		order = append(order, key)
		w, ok := wants[key]
		if !ok {
			t.Errorf("unexpected cell %s", key)
			continue
		}
		if math.Abs(c.Delta-w.delta) > 1e-9 || c.OurRank != w.ours || c.PaperRank != w.paper || c.Off != w.off || c.RankDiffers != w.rankDiffer || c.Cause != w.cause {
			t.Errorf("%s: Δ %.4f, ranks %d/%d, off %v, rank differs %v, cause %q; want %+v", key, c.Delta, c.OurRank, c.PaperRank, c.Off, c.RankDiffers, c.Cause, w)
		}
		if c.Cause != "" && (c.CauseID < 1 || f.Causes[c.CauseID-1] != c.Cause) {
			t.Errorf("%s: cause id %d does not point at its cause", key, c.CauseID)
		}
		if len(c.Settings) != 1 || !strings.Contains(c.Settings[0], "lineage · scale01 · k-means {\"replicates\":20") {
			t.Errorf("%s: settings %q", key, c.Settings)
		}
	}
	if got := strings.Join(order, " "); got != "Kmeans/ACC Kmeans/NMI NMF/ACC NMF/NMI GWNTF/ACC GWNTF/NMI" {
		t.Errorf("cell order %s; want table row order, then column order", got)
	}
	if len(f.Causes) != 2 {
		t.Errorf("causes %q; want the two distinct notes", f.Causes)
	}
	if len(f.Orders) != 2 || !f.Orders[0].Same || f.Orders[1].Same ||
		strings.Join(f.Orders[1].Ours, ">") != "NMF>GWNTF>Kmeans" || strings.Join(f.Orders[1].Paper, ">") != "GWNTF>Kmeans>NMF" {
		t.Errorf("orders %+v", f.Orders)
	}

	var md, html bytes.Buffer
	if err := WriteFidelityMarkdown(&md, f); err != nil {
		t.Fatal(err)
	}
	if err := WriteFidelityHTML(&html, f); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 of 6 cells within 3 points", "| COIL20 | NMF | ACC | 70.00 | 58.00 | +12.00 | 2 / 2 | **|Δ| > 3** | [1](#cause-1) | 4 |", "rank 1 vs 3", "NMF > GWNTF > Kmeans", `<a id="cause-2"></a>2. scaling rounds`} {
		if !strings.Contains(md.String(), strings.ReplaceAll(want, "**|Δ| > 3**", `**\|Δ\| &gt; 3**`)) && !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md.String())
		}
	}
	for _, want := range []string{`<strong>3 of 6</strong>`, `<tr class="flagged"><td>COIL20</td><td>NMF</td><td>ACC</td><td class="num">70.00</td>`, `<a href="#cause-1">1</a>`, `<li id="cause-2">scaling rounds</li>`, `href="index.html"`} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

// runexp report writes the page (and links it from index.html) whenever a
// cell has a published value, and not otherwise.
func TestWriteFidelityPage(t *testing.T) {
	ctx := context.Background()
	for _, withRefs := range []bool{true, false} {
		dir := t.TempDir()
		if _, err := Write(ctx, fidelityStore(t, withRefs), Options{OutDir: dir, NoPlots: true}); err != nil {
			t.Fatal(err)
		}
		index, err := os.ReadFile(filepath.Join(dir, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"fidelity.html", "fidelity.md"} {
			_, err := os.Stat(filepath.Join(dir, name))
			if withRefs && err != nil {
				t.Errorf("%s not written: %v", name, err)
			}
			if !withRefs && err == nil {
				t.Errorf("%s written without published values", name)
			}
		}
		linked := strings.Contains(string(index), `<a href="fidelity.html">Fidelity</a>`)
		if linked != withRefs {
			t.Errorf("published values %v: index.html links the fidelity page: %v", withRefs, linked)
		}
	}
	if got := (FidelityCell{Ours: math.NaN(), Off: true}).RankText() + " " + (FidelityCell{Off: true}).FlagText(); got != "– no runs" {
		t.Errorf("a cell without runs shows %q, want \"– no runs\"", got)
	}
	if f := BuildFidelity(&Report{}, nil); f != nil {
		t.Errorf("BuildFidelity of an empty report = %+v, want nil", f)
	}
}
