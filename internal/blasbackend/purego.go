//go:build !(netlib && cgo)

package blasbackend

const name = "gonum (pure Go)"

// SetThreads is a no-op for the pure-Go backend, whose GEMM parallelism
// does not change results.
func SetThreads(n int) {}
