package vmath

import "os"

// The dispatch paths, in increasing order of speed.
const (
	pathPortable = iota // the pure-Go code of generic.go
	pathAVX2            // kernel.c compiled for AVX2 + FMA (bit-identical to portable)
	pathAVX512          // kernel_avx512.c (table-driven, 8 lanes)
)

var pathNames = [...]string{"portable", "avx2", "avx512"}

// EnvPath is the environment variable that caps the dispatch path: set to
// "portable", "avx2" or "avx512" it selects that path, or the fastest
// supported one below it when the CPU (or a build without cgo) lacks it. Any
// other value, or none, selects the fastest supported path. It is read once,
// when the package is initialized.
const EnvPath = "NMFBENCH_VMATH"

// best is the fastest path the CPU and the build support; active the one in use.
var best = supportedPath()
var active = choosePath(os.Getenv(EnvPath))

func choosePath(env string) int {
	p := best
	for i, name := range pathNames {
		if env == name && i < p {
			p = i
		}
	}
	return p
}

// Path returns the dispatch path of Pow, DivPow, Exp and Log: "avx512",
// "avx2" or "portable" (see the package documentation and EnvPath).
func Path() string { return pathNames[active] }

// Paths returns the paths this CPU and build can run, slowest first.
func Paths() []string { return append([]string(nil), pathNames[:best+1]...) }

// setPath switches to the named path (for tests and benchmarks; not safe
// while kernels run concurrently) and returns a function restoring the
// previous one. It reports false if the path is not supported here.
func setPath(name string) (restore func(), ok bool) {
	prev := active
	for i, n := range pathNames[:best+1] {
		if n == name {
			active = i
			return func() { active = prev }, true
		}
	}
	return func() {}, false
}
