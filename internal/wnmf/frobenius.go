package wnmf

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// frobeniusNMF is the Lee–Seung multiplicative-update NMF for ‖X − WH‖²_F
// (Lee & Seung 2001, Theorem 1), used only as the pointwise-loss baseline of
// the 1-D example figure:
//
//	H ← H ⊙ (WᵀX) ⊘ (WᵀWH),  W ← W ⊙ (XHᵀ) ⊘ (WHHᵀ).
//
// W (m × k) and H (k × n) start uniform in (0, 1] from rng. It returns the
// factors and the objective after each iteration.
func frobeniusNMF(x *mat.Dense, k, iters int, rng *rand.Rand) (w, h *mat.Dense, obj []float64) {
	m, n := x.Dims()
	w, h = mat.NewDense(m, k, nil), mat.NewDense(k, n, nil)
	for _, a := range []*mat.Dense{w, h} {
		raw := a.RawMatrix().Data
		for i := range raw {
			raw[i] = 1 - rng.Float64() // (0, 1]: keeps every entry positive
		}
	}
	const tiny = 1e-300 // guards 0/0 where a factor entry has reached 0
	var wtx, wtw, wtwh, xht, hht, whht, res mat.Dense
	for it := 0; it < iters; it++ {
		wtx.Mul(w.T(), x)
		wtw.Mul(w.T(), w)
		wtwh.Mul(&wtw, h)
		h.Apply(func(i, j int, v float64) float64 { return v * wtx.At(i, j) / (wtwh.At(i, j) + tiny) }, h)
		xht.Mul(x, h.T())
		hht.Mul(h, h.T())
		whht.Mul(w, &hht)
		w.Apply(func(i, j int, v float64) float64 { return v * xht.At(i, j) / (whht.At(i, j) + tiny) }, w)
		res.Mul(w, h)
		res.Sub(x, &res)
		f := mat.Norm(&res, 2)
		obj = append(obj, f*f)
	}
	return w, h, obj
}
