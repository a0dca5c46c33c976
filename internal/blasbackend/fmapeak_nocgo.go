//go:build !(cgo && amd64)

package blasbackend

import "time"

// fmaPeak needs cgo on amd64 (its kernels are C with vector intrinsics).
func fmaPeak(d time.Duration, f Features) (zmm, ymm float64, ok bool) { return 0, 0, false }
