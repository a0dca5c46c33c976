//go:build netlib && cgo

package blasbackend

// #cgo pkg-config: openblas
import "C"

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

const name = "openblas via netlib"

func init() { blas64.Use(netlib.Implementation{}) }
