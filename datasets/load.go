package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"gonum.org/v1/gonum/mat"

	"nmfbench/internal/matfile"
)

// EnvDataDir is the environment variable naming the data directory.
const EnvDataDir = "NMFBENCH_DATA"

// DefaultDataDir is the data directory tried last, relative to the working
// directory: the shared/ folder beside a checkout of the repository.
const DefaultDataDir = "../shared/datasets"

// ErrChecksum marks a data file whose SHA-256 differs from the registered one.
var ErrChecksum = errors.New("checksum mismatch")

// ResolveDir chooses the data directory: flagValue when non-empty, else the
// NMFBENCH_DATA environment variable when set, else DefaultDataDir when it
// exists, else "". source says, for messages, which rule chose the directory
// (or, when dir is "", what was tried).
func ResolveDir(flagValue string) (dir, source string) {
	if flagValue != "" {
		return flagValue, "the --data-dir flag"
	}
	if env := os.Getenv(EnvDataDir); env != "" {
		return env, "the " + EnvDataDir + " environment variable"
	}
	if st, err := os.Stat(DefaultDataDir); err == nil && st.IsDir() {
		return DefaultDataDir, "the default " + DefaultDataDir + " relative to the working directory " + workDir()
	}
	return "", "no data directory: --data-dir was not given, " + EnvDataDir + " is not set, and the default " +
		DefaultDataDir + " does not exist relative to the working directory " + workDir()
}

func workDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "(unknown)"
	}
	return wd
}

// describeDir says how dir was chosen, matching ResolveDir's rules, for a
// directory handed to Load.
func describeDir(dir string) string {
	clean := filepath.Clean(dir)
	if env := os.Getenv(EnvDataDir); env != "" && filepath.Clean(env) == clean {
		return "the " + EnvDataDir + " environment variable"
	}
	if clean == filepath.Clean(DefaultDataDir) {
		return "the default " + DefaultDataDir + " relative to the working directory " + workDir()
	}
	return "the --data-dir flag or the caller"
}

// absPath returns dir made absolute when possible, for messages.
func absPath(dir string) string {
	if a, err := filepath.Abs(dir); err == nil {
		return a
	}
	return dir
}

// resolve returns dir, or the resolved default when dir is empty, with a
// description of its origin; found is false when no directory was found.
func resolve(dir string) (out, how string, found bool) {
	if dir != "" {
		return dir, absPath(dir) + " (chosen by " + describeDir(dir) + ")", true
	}
	d, src := ResolveDir("")
	if d == "" {
		return "", src, false
	}
	return d, absPath(d) + " (chosen by " + src + ")", true
}

// howToGet is the advice appended to missing-file errors.
func howToGet(source string) string {
	return "get it from " + source + ", then point nmfbench at the directory holding it with --data-dir DIR or " + EnvDataDir + "=DIR"
}

// missingError builds the error for a data file that is not there.
func missingError(what, file, sum, how string, found bool, source string, cause error) error {
	where := "not found in " + how
	if !found {
		where = "not found: " + how
	}
	if cause == nil {
		cause = fs.ErrNotExist
	}
	return fmt.Errorf("%s: file %s (sha256 %s) %s; %s: %w", what, file, sum, where, howToGet(source), cause)
}

// MaxFileSize bounds the data files nmfbench reads: every registered file
// is a few MB, so anything larger cannot have the registered checksum and is
// refused before it is read into memory.
const MaxFileSize = 64 << 20

// readVerified reads the file and checks its SHA-256 against want before
// anything parses it. Only regular files (symbolic links followed) of at most
// MaxFileSize bytes are read: a FIFO, a device or /dev/zero in place of a
// data file is an error, never a hang or an out-of-memory abort.
func readVerified(path, want string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); a data file must be an ordinary file", path, st.Mode().Type())
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes, larger than any registered data file (limit %d): %w", path, st.Size(), MaxFileSize, ErrChecksum)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st2, err := f.Stat(); err != nil || !st2.Mode().IsRegular() {
		return nil, fmt.Errorf("%s changed while being opened; a data file must be an ordinary file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s grew beyond %d bytes while being read", path, MaxFileSize)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != want {
		return nil, fmt.Errorf("%s: %w: expected sha256 %s, got %s (%d bytes); the file is corrupt or a different version, replace it with the original", path, ErrChecksum, want, got, len(b))
	}
	return b, nil
}

// Load returns the named dataset (matched case-insensitively). Synthetic
// datasets are generated; file datasets are read from dir, or from the
// directory ResolveDir("") finds when dir is empty. The file's SHA-256 is
// verified before parsing, and its shape and class count are checked against
// the registry. Errors for a missing file say which file is expected, its
// checksum, where it was looked for and where to get it; errors for a corrupt
// file wrap ErrChecksum and give both checksums.
func Load(ctx context.Context, dir, name string) (*Dataset, error) {
	in, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if in.IsSynthetic() {
		return Synthetic(*in.Synthetic)
	}
	what := "dataset " + in.Name
	d, how, found := resolve(dir)
	if !found {
		return nil, missingError(what, in.File, in.SHA256, how, false, in.Source, nil)
	}
	path := filepath.Join(d, in.File)
	b, err := readVerified(path, in.SHA256)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, missingError(what, in.File, in.SHA256, how, true, in.Source, err)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	vars, err := matfile.Parse(b)
	if err != nil {
		var e *matfile.Error
		if errors.As(err, &e) {
			e.Path = path
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	ds, err := fromMAT(in, vars)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", what, path, err)
	}
	return ds, nil
}

// fromMAT builds the Dataset from the fea and gnd variables and checks it
// against the registry entry.
func fromMAT(in Info, vars map[string]*matfile.Array) (*Dataset, error) {
	fea, gnd := vars["fea"], vars["gnd"]
	if fea == nil || gnd == nil {
		var names []string
		for k := range vars {
			names = append(names, k)
		}
		return nil, fmt.Errorf("want variables fea and gnd, file has %s", strings.Join(names, ", "))
	}
	if len(fea.Dims) != 2 || fea.Dims[0] != in.Samples || fea.Dims[1] != in.Features {
		return nil, fmt.Errorf("fea is %v, want %d × %d", fea.Dims, in.Samples, in.Features)
	}
	n, d := in.Samples, in.Features
	if len(gnd.Dims) != 2 || gnd.Len() != n || (gnd.Dims[0] != 1 && gnd.Dims[1] != 1) {
		return nil, fmt.Errorf("gnd is %v, want a vector of %d labels", gnd.Dims, n)
	}
	labels := make([]int, n)
	for i, v := range gnd.Data {
		if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
			return nil, fmt.Errorf("gnd(%d) = %v is not an integer label", i+1, v)
		}
		labels[i] = int(v)
	}
	// fea is column-major: element (i, j) at j*n + i. Transpose in blocks
	// into the row-major X.
	X := mat.NewDense(n, d, nil)
	dst := X.RawMatrix().Data
	const blk = 64
	for i0 := 0; i0 < n; i0 += blk {
		i1 := min(i0+blk, n)
		for j := range d {
			src := fea.Data[j*n+i0 : j*n+i1]
			for k, v := range src {
				dst[(i0+k)*d+j] = v
			}
		}
	}
	ds := &Dataset{Name: in.Name, X: X, Labels: labels, Classes: distinct(labels), Height: in.Height, Width: in.Width}
	if ds.Classes != in.Classes {
		return nil, fmt.Errorf("gnd has %d distinct labels, want %d", ds.Classes, in.Classes)
	}
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	return ds, nil
}

func distinct(labels []int) int {
	seen := make(map[int]bool)
	for _, l := range labels {
		seen[l] = true
	}
	return len(seen)
}

// CheckStatus is the outcome of checking one data file.
type CheckStatus string

// Check outcomes.
const (
	StatusOK         CheckStatus = "ok"
	StatusMissing    CheckStatus = "missing"
	StatusChecksum   CheckStatus = "checksum mismatch"
	StatusUnreadable CheckStatus = "unreadable"
)

// CheckResult reports the state of one registered data file.
type CheckResult struct {
	Name    string      // dataset name
	Files   []string    // file names checked
	Status  CheckStatus // outcome
	Message string      // details: shape when ok, the error otherwise
}

// CheckAll checks every file dataset (and the MNIST test set) in dir, or in
// the directory ResolveDir("") finds when dir is empty: presence, SHA-256,
// and that the file parses to the registered shape. It is the work of a
// `datasets --check` command.
func CheckAll(dir string) []CheckResult {
	ctx := context.Background()
	var out []CheckResult
	for _, in := range registry() {
		if in.IsSynthetic() {
			continue
		}
		r := CheckResult{Name: in.Name, Files: []string{in.File}}
		ds, err := Load(ctx, dir, in.Name)
		if err == nil {
			r.Message = fmt.Sprintf("%d samples × %d features, %d classes, sha256 %s", ds.Samples(), ds.Features(), ds.Classes, in.SHA256[:12])
		}
		r.Status, r.Message = classify(err, r.Message)
		out = append(out, r)
	}
	r := CheckResult{Name: "MNIST_test", Files: []string{MNISTImagesFile, MNISTLabelsFile}}
	img, labels, err := LoadMNISTTest(ctx, dir)
	if err == nil {
		n, d := img.Dims()
		r.Message = fmt.Sprintf("%d images × %d pixels, %d labels", n, d, len(labels))
	}
	r.Status, r.Message = classify(err, r.Message)
	return append(out, r)
}

func classify(err error, okMsg string) (CheckStatus, string) {
	switch {
	case err == nil:
		return StatusOK, okMsg
	case errors.Is(err, fs.ErrNotExist):
		return StatusMissing, err.Error()
	case errors.Is(err, ErrChecksum):
		return StatusChecksum, err.Error()
	default:
		return StatusUnreadable, err.Error()
	}
}
