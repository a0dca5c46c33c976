package reports

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestPrintSizes: every plot's SVG is as wide as the chosen print width (in
// points, the unit of its font sizes) and no text is below 8 pt.
func TestPrintSizes(t *testing.T) {
	for _, tc := range []struct {
		width string
		pt    float64
	}{{WidthTwoColumn, 6.9 * 72}, {WidthOneColumn, 3.3 * 72}} {
		dir := t.TempDir()
		if _, err := Write(context.Background(), newTestStore(t), Options{OutDir: dir, FigureWidth: tc.width, Now: fixedNow}); err != nil {
			t.Fatal(err)
		}
		svgs, _ := filepath.Glob(filepath.Join(dir, "figures", "*.svg"))
		widthRe := regexp.MustCompile(`<svg width="([0-9.]+)pt"`)
		fontRe := regexp.MustCompile(`font-size:([0-9.]+)px`)
		checked := 0
		for _, f := range svgs {
			if strings.Contains(f, "_bases_") {
				continue // pixel mosaics, not plots
			}
			data, _ := os.ReadFile(f)
			m := widthRe.FindSubmatch(data)
			if m == nil {
				t.Errorf("%s: no width in pt", f)
				continue
			}
			if w, _ := strconv.ParseFloat(string(m[1]), 64); w < tc.pt-0.01 || w > tc.pt+0.01 {
				t.Errorf("%s is %v pt wide, want %v", filepath.Base(f), w, tc.pt)
			}
			sizes := fontRe.FindAllSubmatch(data, -1)
			if len(sizes) == 0 {
				t.Errorf("%s has no text", filepath.Base(f))
			}
			for _, s := range sizes {
				if v, _ := strconv.ParseFloat(string(s[1]), 64); v < 8 {
					t.Errorf("%s has %v pt text", filepath.Base(f), v)
				}
			}
			checked++
		}
		if checked < 4 {
			t.Errorf("%s: only %d plots checked", tc.width, checked)
		}
	}
}

func TestTickFormats(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want []string
	}{
		{[]float64{0, 40, 80}, []string{"0", "40", "80"}},
		{[]float64{77.5, 85, 92.5}, []string{"77.5", "85.0", "92.5"}},
		{[]float64{150000, 1e6, 175000}, []string{"1.50e5", "1.00e6", "1.75e5"}},
		{[]float64{0, 0.0005, 0.001}, []string{"0", "5e-4", "1e-3"}},
		{[]float64{-0.5, 0, 0.5}, []string{"-0.5", "0.0", "0.5"}},
	} {
		if got := uniformLabels(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("uniformLabels(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := valueLabels([]float64{0.1, 1, 10, 10000}); !slices.Equal(got, []string{"0.1", "1", "10", "10000"}) {
		t.Errorf("valueLabels = %q", got)
	}
	if got := valueLabels([]float64{100, 1e6}); !slices.Equal(got, []string{"1e2", "1e6"}) {
		t.Errorf("valueLabels(1e2, 1e6) = %q", got)
	}
	labelled := func(lo, hi float64) []string {
		var out []string
		for _, tk := range (decadeTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				out = append(out, tk.Label)
			}
		}
		return out
	}
	if got := labelled(1e-6, 1); !slices.Equal(got, []string{"1e-6", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1", "1"}) {
		t.Errorf("decade ticks on [1e-6, 1] = %q", got)
	}
	// Less than two decades in range: 2× and 5× are labelled too.
	if got := labelled(0.15, 0.9); !slices.Equal(got, []string{"2e-1", "5e-1"}) {
		t.Errorf("decade ticks on [0.15, 0.9] = %q", got)
	}
	if got := labelled(1e-12, 1e2); len(got) > 8 || len(got) < 2 {
		t.Errorf("decade ticks on 14 decades: %q, want between 2 and 8 labels", got)
	}
	ticks := (valueTicks{values: []float64{1, 3, 5, 7, 10, 15}}).Ticks(0, 20)
	if len(ticks) != 6 || ticks[4].Value != 10 || ticks[4].Label != "10" {
		t.Errorf("value ticks = %+v", ticks)
	}
}
