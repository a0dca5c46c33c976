//go:build !(netlib && cgo)

package blasbackend

const name = "gonum (pure Go)"
