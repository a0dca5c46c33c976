package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/matfile"
)

func TestRegistry(t *testing.T) {
	names := Names()
	for _, want := range []string{"COIL20", "PIE_pose27", "ORL_32x32", "Yale_32x32", "YaleB_32x32", "synthetic", "synthetic_cp", "synthetic_coil"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v lacks %q", names, want)
		}
	}
	seen := map[string]bool{}
	for _, in := range All() {
		if seen[strings.ToLower(in.Name)] {
			t.Errorf("duplicate name %q", in.Name)
		}
		seen[strings.ToLower(in.Name)] = true
		if in.Features != in.Height*in.Width || in.Samples <= 0 || in.Classes <= 0 || len(in.SHA256) != 64 || in.Source == "" {
			t.Errorf("%s: inconsistent entry %+v", in.Name, in)
		}
		if in.IsSynthetic() {
			if in.File != "" || in.SHA256 != in.Synthetic.Hash() {
				t.Errorf("%s: synthetic entry with file %q or checksum not its config hash", in.Name, in.File)
			}
		} else if in.File == "" || !strings.Contains(in.Source, DengCaiURL) || in.Height != 32 || in.Width != 32 || in.Features != 1024 {
			t.Errorf("%s: file entry %+v", in.Name, in)
		}
	}
	in, err := Lookup("coil20")
	if err != nil || in.Name != "COIL20" || in.Samples != 1440 || in.Classes != 20 {
		t.Errorf("Lookup(coil20) = %+v, %v", in, err)
	}
	_, err = Lookup("COIL100")
	if err == nil || !strings.Contains(err.Error(), "COIL100") || !strings.Contains(err.Error(), "PIE_pose27") || !strings.Contains(err.Error(), "synthetic") {
		t.Errorf("Lookup of an unknown name: %v", err)
	}
}

// The hard-coded checksums must match the data folder's SHA256SUMS.
func TestChecksumsMatchSHA256SUMS(t *testing.T) {
	dir := realDataDir(t)
	b, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		t.Skipf("no SHA256SUMS in %s: %v", dir, err)
	}
	sums := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			sums[strings.TrimPrefix(f[1], "*")] = f[0]
		}
	}
	want := map[string]string{MNISTImagesFile: MNISTImagesSHA256, MNISTLabelsFile: MNISTLabelsSHA256}
	for _, in := range All() {
		if !in.IsSynthetic() {
			want[in.File] = in.SHA256
		}
	}
	for file, sum := range want {
		if sums[file] != sum {
			t.Errorf("%s: registry sha256 %s, SHA256SUMS says %q", file, sum, sums[file])
		}
	}
}

func TestResolveDir(t *testing.T) {
	tmp := t.TempDir()
	work := filepath.Join(tmp, "main")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	t.Setenv(EnvDataDir, "")
	if d, src := ResolveDir(""); d != "" || !strings.Contains(src, EnvDataDir) || !strings.Contains(src, "--data-dir") || !strings.Contains(src, DefaultDataDir) {
		t.Errorf("nothing available: got %q, %q", d, src)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "shared", "datasets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if d, src := ResolveDir(""); d != DefaultDataDir || !strings.Contains(src, "default") || !strings.Contains(src, work) {
		t.Errorf("default: got %q, %q", d, src)
	}
	t.Setenv(EnvDataDir, "/env/dir")
	if d, src := ResolveDir(""); d != "/env/dir" || !strings.Contains(src, EnvDataDir) {
		t.Errorf("env: got %q, %q", d, src)
	}
	if d, src := ResolveDir("/flag/dir"); d != "/flag/dir" || !strings.Contains(src, "--data-dir") {
		t.Errorf("flag: got %q, %q", d, src)
	}
}

func TestLoadMissingFile(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	t.Setenv(EnvDataDir, "")
	_, err := Load(ctx, tmp, "coil20")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want a not-exist error", err)
	}
	for _, s := range []string{"COIL20.mat", "2a35c105dbb327492b90389e55612bcbf39187bc7c408252239903e4ce7d6958", tmp, "--data-dir", EnvDataDir, DengCaiURL, "panji530"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
	// Directory from the environment: the message says so.
	t.Setenv(EnvDataDir, tmp)
	_, err = Load(ctx, "", "Yale_32x32")
	if err == nil || !strings.Contains(err.Error(), "chosen by the "+EnvDataDir) || !strings.Contains(err.Error(), "Yale_32x32.mat") {
		t.Errorf("env dir: %v", err)
	}
	// No directory at all.
	t.Setenv(EnvDataDir, "")
	t.Chdir(tmp)
	_, err = Load(ctx, "", "PIE_pose27")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no data directory") || !strings.Contains(err.Error(), "PIE_pose27.mat") {
		t.Errorf("no dir: %v", err)
	}
	_, _, err = LoadMNISTTest(ctx, tmp)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), MNISTImagesFile) || !strings.Contains(err.Error(), MNISTImagesSHA256) || !strings.Contains(err.Error(), "yann.lecun.com") {
		t.Errorf("MNIST: %v", err)
	}
}

func TestLoadChecksumMismatch(t *testing.T) {
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "ORL_32x32.mat"), []byte("not the ORL file"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(context.Background(), tmp, "ORL_32x32")
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("got %v, want ErrChecksum", err)
	}
	actual := sha256.Sum256([]byte("not the ORL file"))
	for _, s := range []string{"expected sha256 c30cb53be2cab2da293eaeb35c1a7c16cad513fa14d0400ad5ed51f03e1ce7c8", "got " + hex.EncodeToString(actual[:]), "ORL_32x32.mat"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q lacks %q", err, s)
		}
	}
}

func TestCheckAllWithoutData(t *testing.T) {
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "Yale_32x32.mat"), []byte("corrupt"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(tmp, "COIL20.mat"), 0o755); err != nil { // unreadable: a directory
		t.Fatal(err)
	}
	want := map[string]CheckStatus{"COIL20": StatusUnreadable, "PIE_pose27": StatusMissing, "ORL_32x32": StatusMissing,
		"Yale_32x32": StatusChecksum, "YaleB_32x32": StatusMissing, "MNIST_test": StatusMissing}
	res := CheckAll(tmp)
	if len(res) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(res), len(want), res)
	}
	for _, r := range res {
		if r.Status != want[r.Name] || r.Message == "" || len(r.Files) == 0 {
			t.Errorf("%s: status %q (%s), want %q", r.Name, r.Status, r.Message, want[r.Name])
		}
	}
}

// fromMAT must transpose MATLAB's column-major fea into row-major X and
// check the shape, labels and classes against the registry.
func TestFromMAT(t *testing.T) {
	in := Info{Name: "tiny", Samples: 3, Features: 4, Classes: 2, Height: 2, Width: 2}
	// fea(i, j) = 10*i + j (0-based), stored column-major.
	fea := &matfile.Array{Name: "fea", Dims: []int{3, 4}}
	for j := range 4 {
		for i := range 3 {
			fea.Data = append(fea.Data, float64(10*i+j))
		}
	}
	gnd := &matfile.Array{Name: "gnd", Dims: []int{3, 1}, Data: []float64{1, 1, 2}}
	ds, err := fromMAT(in, map[string]*matfile.Array{"fea": fea, "gnd": gnd})
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(3, 4, []float64{0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23})
	if !mat.Equal(ds.X, want) || !slices.Equal(ds.Labels, []int{1, 1, 2}) || ds.Classes != 2 || ds.Height != 2 {
		t.Errorf("got X %v labels %v classes %d", mat.Formatted(ds.X), ds.Labels, ds.Classes)
	}
	bad := []struct {
		name string
		vars map[string]*matfile.Array
		want string
	}{
		{"no gnd", map[string]*matfile.Array{"fea": fea}, "want variables fea and gnd"},
		{"fea shape", map[string]*matfile.Array{"fea": {Dims: []int{4, 3}, Data: fea.Data}, "gnd": gnd}, "want 3 × 4"},
		{"gnd length", map[string]*matfile.Array{"fea": fea, "gnd": {Dims: []int{2, 1}, Data: []float64{1, 2}}}, "vector of 3 labels"},
		{"fractional label", map[string]*matfile.Array{"fea": fea, "gnd": {Dims: []int{1, 3}, Data: []float64{1, 1.5, 2}}}, "not an integer label"},
		{"classes", map[string]*matfile.Array{"fea": fea, "gnd": {Dims: []int{3, 1}, Data: []float64{1, 2, 3}}}, "3 distinct labels, want 2"},
		{"negative value", map[string]*matfile.Array{"fea": {Dims: []int{3, 4}, Data: append([]float64{-1}, fea.Data[1:]...)}, "gnd": gnd}, "nonnegative"},
	}
	for _, tc := range bad {
		if _, err := fromMAT(in, tc.vars); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadSynthetic(t *testing.T) {
	t.Setenv(EnvDataDir, "/nonexistent")
	ds, err := Load(context.Background(), "", "Synthetic")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Name != "synthetic" || ds.Samples() != 180 || ds.Features() != 256 || ds.Classes != 6 || ds.Height != 16 {
		t.Errorf("synthetic: %s %d×%d, %d classes", ds.Name, ds.Samples(), ds.Features(), ds.Classes)
	}
	if err := ds.Validate(); err != nil {
		t.Error(err)
	}
	for _, name := range []string{"synthetic_cp", "synthetic_coil"} {
		in, _ := Lookup(name)
		ds, err := Load(context.Background(), "", name)
		if err != nil {
			t.Fatal(err)
		}
		if ds.Samples() != in.Samples || ds.Features() != in.Features || ds.Classes != in.Classes || ds.Validate() != nil {
			t.Errorf("%s: %d×%d, %d classes, want %+v", name, ds.Samples(), ds.Features(), ds.Classes, in)
		}
	}
}

// TestLoadRefusesNonRegularFiles: a FIFO, a device (through a symbolic link)
// or a file larger than any dataset in place of a data file is an error
// naming the file, returned at once (no hang, no out-of-memory abort).
func TestLoadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "COIL20.mat")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(context.Background(), dir, "COIL20"); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("FIFO: error %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load hung on a FIFO")
	}
	dir2 := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir2, "COIL20.mat")); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), dir2, "COIL20"); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("/dev/zero: error %v", err)
	}
	dir3 := t.TempDir()
	big := filepath.Join(dir3, "COIL20.mat")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), dir3, "COIL20"); err == nil || !strings.Contains(err.Error(), "larger than any registered data file") {
		t.Errorf("huge file: error %v", err)
	}
}
