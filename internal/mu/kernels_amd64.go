package mu

import "golang.org/x/sys/cpu"

var haveAVX2 = cpu.X86.HasAVX2

// ratioAVX2 is ratioGo with 4-lane AVX2 arithmetic; len(x) == len(y).
//
//go:noescape
func ratioAVX2(y, x []float64, eps float64)

// divideAVX2 is divideGo with 4-lane AVX2 arithmetic; equal lengths.
//
//go:noescape
func divideAVX2(dst, x, y []float64)
