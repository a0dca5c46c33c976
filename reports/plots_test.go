package reports

import (
	"math"
	"strings"
	"testing"

	"nmfbench/metrics"
	"nmfbench/results"
)

func TestQuantileType7(t *testing.T) {
	// R: quantile(c(1, 2, 3, 4), c(0, .25, .5, .75, 1)) = 1, 1.75, 2.5, 3.25, 4.
	v := []float64{1, 2, 3, 4}
	for _, tc := range []struct{ q, want float64 }{{0, 1}, {0.25, 1.75}, {0.5, 2.5}, {0.75, 3.25}, {1, 4}} {
		if got := quantile(v, tc.q); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("quantile(%v, %v) = %v, want %v", v, tc.q, got, tc.want)
		}
	}
	if got := quantile([]float64{7}, 0.25); got != 7 {
		t.Errorf("quantile of one value = %v", got)
	}
	if !math.IsNaN(quantile(nil, 0.5)) {
		t.Errorf("quantile of nothing is not NaN")
	}
}

func TestConvergenceBandByIteration(t *testing.T) {
	traces := []trace{
		{objective: []float64{5, 4, 3}},
		{objective: []float64{6, 5}},
		{objective: []float64{7, 6, 5, 4}},
		{}, // a run without a trace is ignored
	}
	b := convergenceBand(traces, false, 100)
	// Iteration 3: the first two runs stopped and keep 3 and 5; the third is at 4.
	want := [][4]float64{{0, 5.5, 6, 6.5}, {1, 4.5, 5, 5.5}, {2, 4, 5, 5}, {3, 3.5, 4, 4.5}}
	if len(b.x) != len(want) {
		t.Fatalf("band has %d points, want %d", len(b.x), len(want))
	}
	for i, w := range want {
		if b.x[i] != w[0] || b.q25[i] != w[1] || b.med[i] != w[2] || b.q75[i] != w[3] {
			t.Errorf("iteration %v: (q25, med, q75) = (%v, %v, %v), want %v", b.x[i], b.q25[i], b.med[i], b.q75[i], w[1:])
		}
	}
}

func TestConvergenceBandByTime(t *testing.T) {
	traces := []trace{
		{objective: []float64{10, 8, 6}, seconds: []float64{0, 1, 2}},
		{objective: []float64{9, 3}, seconds: []float64{0.5, 4}}, // nothing before 0.5 s
		{objective: []float64{1, 1}, seconds: []float64{0}},      // timestamps missing: excluded
		{objective: []float64{20, 10, 5, 2, 1}, seconds: []float64{0, 1, 2, 3, 4}},
	}
	b := convergenceBand(traces, true, 5) // grid 0, 1, 2, 3, 4 s
	// At each time: the last objective recorded by then.
	vals := [][]float64{{10, 20}, {8, 9, 10}, {6, 9, 5}, {6, 9, 2}, {6, 3, 1}}
	if len(b.x) != 5 {
		t.Fatalf("band has %d points, want 5", len(b.x))
	}
	for k, v := range vals {
		sorted := append([]float64(nil), v...)
		for i := range sorted {
			for j := i + 1; j < len(sorted); j++ {
				if sorted[j] < sorted[i] {
					sorted[i], sorted[j] = sorted[j], sorted[i]
				}
			}
		}
		if b.x[k] != float64(k) || b.med[k] != quantile(sorted, 0.5) || b.q25[k] != quantile(sorted, 0.25) || b.q75[k] != quantile(sorted, 0.75) {
			t.Errorf("t = %v: (q25, med, q75) = (%v, %v, %v), values %v", b.x[k], b.q25[k], b.med[k], b.q75[k], v)
		}
	}
	if e := convergenceBand([]trace{{objective: []float64{1}}}, true, 5); len(e.x) != 0 {
		t.Errorf("no timestamps: band %+v, want empty", e)
	}
}

func TestIterationGrid(t *testing.T) {
	for _, tc := range []struct{ n, max int }{{1, 10}, {10, 10}, {11, 10}, {1000, 400}, {401, 400}} {
		g := iterationGrid(tc.n, tc.max)
		if len(g) == 0 || len(g) > tc.max || g[0] != 0 || g[len(g)-1] != tc.n-1 {
			t.Errorf("iterationGrid(%d, %d) = %d points from %d to %d", tc.n, tc.max, len(g), g[0], g[len(g)-1])
		}
		for i := 1; i < len(g); i++ {
			if g[i] <= g[i-1] {
				t.Errorf("iterationGrid(%d, %d) not increasing at %d", tc.n, tc.max, i)
			}
		}
		if tc.n <= tc.max && len(g) != tc.n {
			t.Errorf("iterationGrid(%d, %d) drops points", tc.n, tc.max)
		}
	}
}

func TestSpansDecades(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want bool
	}{
		{[]float64{0.1, 1, 10, 100, 1000}, true},
		{[]float64{1, 100}, true},
		{[]float64{1, 99}, false},
		{[]float64{2, 3, 5, 7, 10, 15}, false},
		{[]float64{0, 10, 1000}, false}, // zero has no logarithm
		{[]float64{-1, 1000}, false},
		{[]float64{10}, false},
	} {
		if got := spansDecades(tc.xs); got != tc.want {
			t.Errorf("spansDecades(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}

func TestBasisTilesLayout(t *testing.T) {
	noSize := func(int) (int, int) { return 0, 0 }
	square := func(d int) (int, int) { s := int(math.Sqrt(float64(d))); return s, s }
	// U: column k is one pixel; the image layout is column-major, (r, c) at c·H + r.
	at := [][2]int{{0, 0}, {3, 7}, {31, 2}}
	u := oneHotU(32, 32, at)
	tiles, h, w, _, ok := basisTiles([]results.Factor{u}, square)
	if !ok || h != 32 || w != 32 || len(tiles) != 3 {
		t.Fatalf("U: ok %v, %d×%d, %d tiles", ok, h, w, len(tiles))
	}
	for k, p := range at {
		for i, v := range tiles[k] {
			want := 0.0
			if i == p[0]*w+p[1] {
				want = 1
			}
			if v != want {
				t.Fatalf("U tile %d pixel (%d, %d) = %v, want %v", k, i/w, i%w, v, want)
			}
		}
	}
	// A non-square image needs the size.
	rect := results.Factor{Name: "D", Rows: 6, Cols: 1, Data: []float64{0, 0, 0, 0, 5, 0}} // 2×3, (r, c) = (0, 2)
	if _, _, _, _, ok := basisTiles([]results.Factor{rect}, noSize); ok {
		t.Errorf("a 6-pixel basis without a size should not be drawable")
	}
	tiles, h, w, _, ok = basisTiles([]results.Factor{rect}, func(int) (int, int) { return 2, 3 })
	if !ok || h != 2 || w != 3 || tiles[0][0*3+2] != 5 {
		t.Errorf("D 2×3: ok %v %d×%d tiles %v; want pixel (0, 2) = 5", ok, h, w, tiles)
	}
	// CP: component k is A1[:, k] A2[:, k]ᵀ, preferred over U.
	fs := testFactors("GWNTF")
	fs = append(fs, u)
	tiles, h, w, _, ok = basisTiles(fs, square)
	if !ok || h != 32 || w != 32 || len(tiles) != 2 {
		t.Fatalf("CP: ok %v, %d×%d, %d tiles", ok, h, w, len(tiles))
	}
	for k, want := range []struct {
		r, c int
		v    float64
	}{{5, 9, 2}, {20, 1, 3}} {
		for i, v := range tiles[k] {
			if exp := map[bool]float64{true: want.v, false: 0}[i == want.r*w+want.c]; v != exp {
				t.Fatalf("CP tile %d pixel (%d, %d) = %v, want %v", k, i/w, i%w, v, exp)
			}
		}
	}
	if _, _, _, _, ok := basisTiles([]results.Factor{{Name: "V", Rows: 4, Cols: 2, Data: make([]float64, 8)}}, square); ok {
		t.Errorf("a factor named V is not a basis")
	}
}

func TestMosaic(t *testing.T) {
	tiles := [][]float64{
		{0, 2, 0, 1}, // 2×2: max 2 at (0, 1), half at (1, 1)
		{0, 0, math.NaN(), -1},
		{0, 0, 0, 4},
	}
	img := mosaic(tiles, 2, 2, 2, 3) // 2 columns → 2 rows of tiles, zoom 3
	if b := img.Bounds(); b.Dx() != 2*(2*3+1)+1 || b.Dy() != 2*(2*3+1)+1 {
		t.Fatalf("mosaic is %v", b)
	}
	px := func(tile, r, c, dy, dx int) uint8 {
		ox, oy := (tile%2)*7+1, (tile/2)*7+1
		return img.GrayAt(ox+c*3+dx, oy+r*3+dy).Y
	}
	for _, tc := range []struct {
		tile, r, c int
		want       uint8
	}{
		{0, 0, 1, 0}, {0, 1, 1, 127}, {0, 0, 0, 255}, // own maximum black, half grey (255 − round(127.5)), zero white
		{1, 1, 0, 255}, {1, 1, 1, 255}, // NaN and negative count as 0; an all-zero tile stays white
		{2, 1, 1, 0},
	} {
		for d := 0; d < 9; d++ {
			if got := px(tc.tile, tc.r, tc.c, d/3, d%3); got != tc.want {
				t.Errorf("tile %d pixel (%d, %d) sub (%d, %d) = %d, want %d", tc.tile, tc.r, tc.c, d/3, d%3, got, tc.want)
			}
		}
	}
	// Gutters are white; the unused fourth slot too.
	if img.GrayAt(0, 0).Y != 255 || img.GrayAt(7, 3).Y != 255 || px(3, 0, 0, 0, 0) != 255 {
		t.Errorf("gutters or the empty slot are not white")
	}
}

func TestFiguresEdgeCases(t *testing.T) {
	nan := math.NaN()
	cols := metrics.Mapping{{Name: "ACC", Field: "acc"}, {Name: "MI", Field: "mi_bits"}}
	tb := Table{Dataset: "edge", Title: "edge", Columns: cols, Rows: []Row{
		{Label: "one run", OK: 1, Reps: []int{4}, Cells: []Cell{{Mean: 0.5, Std: nan, Values: []float64{0.5}, Paper: 0.4}, {Mean: 1.5, Std: nan, Values: []float64{1.5}, Paper: nan}}},
		{Label: "no runs", Failed: 2, Cells: []Cell{{Mean: nan, Std: nan, Paper: nan}, {Mean: nan, Std: nan, Paper: nan}}},
		{Label: "[odd] label", OK: 2, Reps: []int{0, 1}, Cells: []Cell{{Mean: nan, Std: nan, Values: []float64{nan, nan}, Paper: nan}, {Mean: 2, Std: 0, Values: []float64{2, 2}, Paper: nan}}},
	}}
	colors := colorsOf(tb.Rows)
	for _, kind := range []string{KindBars, KindSeeds} {
		f, err := tableFigure(tb, kind, colors, widthOf(WidthOneColumn))
		if err != nil || f == nil || len(f.PNG) == 0 || len(f.SVG) == 0 || len(f.PDF) == 0 {
			t.Errorf("%s: %v", kind, err)
		}
	}
	// Traces with non-finite values, negative objectives, a single entry.
	traces := map[string][]trace{
		"one run": {{objective: []float64{-3, -4, math.Inf(1), -5}, seconds: []float64{0, 1, 2, 3}}},
		"no runs": {{objective: []float64{7}}},
	}
	for _, logY := range []bool{false, true} {
		if _, err := convergenceFigure("edge", tb.Rows[:2], traces, colors, logY, widthOf(WidthTwoColumn)); err != nil {
			t.Errorf("convergence (log %v): %v", logY, err)
		}
	}
	// A sweep with non-numeric values and one with a single point.
	sw := Table{Dataset: "edge", Title: "edge sweep", Columns: cols, Sweep: &SweepPoint{Base: "M", Param: "loss"}, Rows: []Row{
		{Label: "M[loss=kl]", Sweep: &SweepPoint{Base: "M", Param: "loss", Value: "kl", X: 0}, Cells: tb.Rows[0].Cells},
		{Label: "M[loss=is]", Sweep: &SweepPoint{Base: "M", Param: "loss", Value: "is", X: 1}, Cells: tb.Rows[2].Cells},
	}}
	for _, s := range []Table{sw, {Dataset: "edge", Columns: cols, Sweep: sw.Sweep, Rows: sw.Rows[:1]}} {
		if f, err := sweepFigure(s, tb.Rows, colors, math.NaN(), widthOf(WidthTwoColumn)); err != nil || len(f.PNG) == 0 {
			t.Errorf("sweep %d points: %v", len(s.Rows), err)
		}
	}
	var b strings.Builder
	if err := WriteLaTeX(&b, tb); err != nil || !strings.Contains(b.String(), "\\\\\n{}[odd] label") {
		t.Errorf("a label starting with '[' must be protected after a row end:\n%s", b.String())
	}
}
