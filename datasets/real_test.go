package datasets

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// realDataDir returns the directory holding the real data files, or skips
// the test: NMFBENCH_DATA, else ../shared/datasets relative to the
// repository root (../../shared/datasets from this package).
func realDataDir(t testing.TB) string {
	t.Helper()
	for _, d := range []string{os.Getenv(EnvDataDir), "../../shared/datasets", DefaultDataDir} {
		if d == "" {
			continue
		}
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	t.Skipf("real data not available: set %s to the folder holding COIL20.mat etc. (e.g. shared/datasets beside the repository)", EnvDataDir)
	return ""
}

// Quick-check values from shared/datasets/README.md.
var realChecks = []struct {
	name     string
	sum      float64
	mean     float64
	row0Sum  float64
	first6   []float64
	perClass map[int]int // class sizes that differ from the default
	defSize  int
}{
	{"COIL20", 444661.992892, 0.301556, 361.406618, []float64{4. / 255, 4. / 255, 4. / 255, 4. / 255, 4. / 255, 4. / 255}, nil, 72},
	{"PIE_pose27", 250451258, 85.637712, 60407, []float64{0, 0, 0, 0, 0, 0}, nil, 42},
	{"ORL_32x32", 54429100, 132.883545, 158187, []float64{75, 83, 81, 75, 60, 69}, nil, 10},
	{"Yale_32x32", 16640447, 98.487494, 128428, []float64{24, 24, 26, 24, 29, 30}, nil, 11},
	{"YaleB_32x32", 171356015, 69.320571, 116694, []float64{82, 81, 72, 72, 40, 93},
		map[int]int{11: 60, 12: 59, 13: 60, 14: 63, 15: 62, 16: 63, 17: 63}, 64},
}

// near reports |a-b| <= tol·max(1, |b|).
func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func TestRealDatasets(t *testing.T) {
	dir := realDataDir(t)
	writeFigures := os.Getenv("NMFBENCH_WRITE_FIGURES") == "1"
	for _, rc := range realChecks {
		t.Run(rc.name, func(t *testing.T) {
			in, err := Lookup(rc.name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, in.File)); err != nil {
				t.Skipf("%s not in %s", in.File, dir)
			}
			ds, err := Load(context.Background(), dir, rc.name)
			if err != nil {
				t.Fatal(err)
			}
			n, d := ds.X.Dims()
			if n != in.Samples || d != 1024 || ds.Classes != in.Classes || ds.Height != 32 || ds.Width != 32 {
				t.Fatalf("shape %d×%d, %d classes", n, d, ds.Classes)
			}
			raw := ds.X.RawMatrix()
			sum, row0 := 0.0, 0.0
			for i := range n {
				for _, v := range raw.Data[i*raw.Stride : i*raw.Stride+d] {
					sum += v
					if i == 0 {
						row0 += v
					}
				}
			}
			// The README rounds to 6 decimals (integer sums are exact).
			if !near(sum, rc.sum, 1e-9) || math.Abs(sum/float64(n*d)-rc.mean) > 5e-7 || math.Abs(row0-rc.row0Sum) > 5e-7 {
				t.Errorf("sum %.6f mean %.6f row-0 sum %.6f, want %.6f %.6f %.6f", sum, sum/float64(n*d), row0, rc.sum, rc.mean, rc.row0Sum)
			}
			if got := raw.Data[:6]; !slices.Equal(got, rc.first6) {
				t.Errorf("fea[0, 0:6] = %v, want %v", got, rc.first6)
			}
			// Labels 1..K in contiguous non-decreasing blocks of the README's sizes.
			counts := map[int]int{}
			for i, l := range ds.Labels {
				if i > 0 && l < ds.Labels[i-1] {
					t.Fatalf("labels decrease at sample %d", i)
				}
				counts[l]++
			}
			for k := 1; k <= in.Classes; k++ {
				want := rc.defSize
				if s, ok := rc.perClass[k]; ok {
					want = s
				}
				if counts[k] != want {
					t.Errorf("class %d has %d samples, want %d", k, counts[k], want)
				}
			}
			// One montage: the first sample of up to 20 classes.
			var idx []int
			for i, l := range ds.Labels {
				if (i == 0 || l != ds.Labels[i-1]) && len(idx) < 20 {
					idx = append(idx, i)
				}
			}
			var buf bytes.Buffer
			if err := WriteMontagePNG(&buf, ds, idx, 10, 3); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(t.TempDir(), rc.name+".png"), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if writeFigures {
				out := filepath.Join("..", "reports", "figures", "datasets")
				if err := os.MkdirAll(out, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(out, rc.name+".png"), buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s", filepath.Join(out, rc.name+".png"))
			}
		})
	}
}

func TestRealMNIST(t *testing.T) {
	dir := realDataDir(t)
	if _, err := os.Stat(filepath.Join(dir, MNISTImagesFile)); err != nil {
		t.Skipf("%s not in %s", MNISTImagesFile, dir)
	}
	img, labels, err := LoadMNISTTest(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	n, d := img.Dims()
	if n != 10000 || d != 784 || len(labels) != 10000 {
		t.Fatalf("got %d×%d images, %d labels", n, d, len(labels))
	}
	if !slices.Equal(labels[:10], []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}) || labels[9999] != 6 {
		t.Errorf("labels start %v, end %d", labels[:10], labels[9999])
	}
	counts := make([]int, 10)
	for _, l := range labels {
		counts[l]++
	}
	if !slices.Equal(counts, []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}) {
		t.Errorf("label counts %v", counts)
	}
	rowSum := func(i int) float64 {
		s := 0.0
		for _, v := range img.RawRowView(i) {
			s += v
		}
		return s
	}
	total := 0.0
	for i := range n {
		total += rowSum(i)
	}
	if rowSum(0) != 18454 || rowSum(9999) != 41833 || total != 264923200 {
		t.Errorf("sums: image 0 %v, image 9999 %v, total %v", rowSum(0), rowSum(9999), total)
	}
	if os.Getenv("NMFBENCH_WRITE_FIGURES") == "1" {
		sub, err := MNISTDataset(img, labels, 20)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		idx := make([]int, 20)
		for i := range idx {
			idx[i] = i
		}
		if err := WriteMontagePNG(&buf, sub, idx, 10, 3); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join("..", "reports", "figures", "datasets")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, "MNIST_test.png"), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCheckAllReal(t *testing.T) {
	dir := realDataDir(t)
	for _, r := range CheckAll(dir) {
		if r.Status != StatusOK {
			t.Errorf("%s: %s: %s", r.Name, r.Status, r.Message)
		}
	}
}

func BenchmarkLoadCOIL20(b *testing.B) {
	dir := realDataDir(b)
	if _, err := os.Stat(filepath.Join(dir, "COIL20.mat")); err != nil {
		b.Skip("COIL20.mat absent")
	}
	for b.Loop() {
		if _, err := Load(context.Background(), dir, "COIL20"); err != nil {
			b.Fatal(err)
		}
	}
}
