package vmath

import "math"

// This file is the pure-Go twin of kernel.c: the same operations in the same
// order, so that both agree bit for bit. Products that must be rounded
// separately are wrapped in float64(…), which forbids the compiler to fuse
// them into an FMA; every fused multiply-add is an explicit math.FMA.

const (
	ln2Hi  = 0x1.62e42feep-1 // 32 significant bits: k·ln2Hi is exact for |k| < 2^21
	ln2Lo  = 0x1.a39ef35793c76p-33
	invLn2 = 0x1.71547652b82fep0
	sqrt2  = 0x1.6a09e667f3bcdp0
	shift  = 0x1.8p52
	two52  = 0x1p52
)

// logdd returns log x as the double-double hi + lo, for finite x > 0.
func logdd(x float64) (hi, lo float64) {
	xs, kadj := x, 0.0
	if x < 0x1p-1022 {
		xs, kadj = float64(x*two52), -52
	}
	ix := math.Float64bits(xs)
	e := math.Float64frombits(ix>>52|0x4330000000000000) - two52
	m := math.Float64frombits(ix&0x000fffffffffffff | 0x3ff0000000000000)
	big := 0.0
	if m > sqrt2 {
		m, big = float64(m*0.5), 1
	}
	k := (e - 1023) + (kadj + big)
	f := m - 1
	s := f / (m + 1)
	z := float64(s * s)
	p := 0x1.af286bca1af28p-4 // 2/19
	p = math.FMA(p, z, 0x1.e1e1e1e1e1e1ep-4)
	p = math.FMA(p, z, 0x1.1111111111111p-3)
	p = math.FMA(p, z, 0x1.3b13b13b13b14p-3)
	p = math.FMA(p, z, 0x1.745d1745d1746p-3)
	p = math.FMA(p, z, 0x1.c71c71c71c71cp-3)
	p = math.FMA(p, z, 0x1.2492492492492p-2)
	p = math.FMA(p, z, 0x1.999999999999ap-2)
	p = math.FMA(p, z, 0x1.5555555555555p-1) // 2/3
	lm := math.FMA(float64(s*z), p, float64(2*s))
	t := float64(k * ln2Hi)
	hi = t + lm
	l := (t - hi) + lm
	lo = math.FMA(k, ln2Lo, l)
	return hi, lo
}

// expdd returns exp(hi + lo); hi must not be NaN.
func expdd(hi, lo float64) float64 {
	// Beyond ±1400 exp saturates; lo is dropped with the clamp, since for
	// a huge exponent (Pow(5e-324, 1e300)) it is huge or NaN itself.
	if hi > 1400 {
		hi, lo = 1400, 0
	}
	if hi < -1400 {
		hi, lo = -1400, 0
	}
	j := (float64(hi*invLn2) + shift) - shift
	r := math.FMA(-j, ln2Hi, hi)
	r = math.FMA(-j, ln2Lo, r)
	r = r + lo
	p := 0x1.6124613a86d09p-33 // 1/13!
	p = math.FMA(p, r, 0x1.1eed8eff8d898p-29)
	p = math.FMA(p, r, 0x1.ae64567f544e4p-26)
	p = math.FMA(p, r, 0x1.27e4fb7789f5cp-22)
	p = math.FMA(p, r, 0x1.71de3a556c734p-19)
	p = math.FMA(p, r, 0x1.a01a01a01a01ap-16)
	p = math.FMA(p, r, 0x1.a01a01a01a01ap-13)
	p = math.FMA(p, r, 0x1.6c16c16c16c17p-10)
	p = math.FMA(p, r, 0x1.1111111111111p-7)
	p = math.FMA(p, r, 0x1.5555555555555p-5)
	p = math.FMA(p, r, 0x1.5555555555555p-3)
	p = math.FMA(p, r, 0.5)
	p = math.FMA(p, r, 1)
	p = math.FMA(p, r, 1)
	j1 := (float64(j*0.5) + shift) - shift
	j2 := j - j1
	s1 := math.Float64frombits(math.Float64bits(j1+(1023+two52)) << 52)
	s2 := math.Float64frombits(math.Float64bits(j2+(1023+two52)) << 52)
	return float64(float64(p*s1) * s2)
}

// powGo1 is x^y for finite y ≠ 0 and x ≥ 0; NaN for x < 0 or NaN.
func powGo1(x, y float64) float64 {
	switch {
	case x < 0 || x != x:
		return math.NaN()
	case x == 0:
		if y > 0 {
			return 0
		}
		return math.Inf(1)
	case math.IsInf(x, 1):
		if y > 0 {
			return x
		}
		return 0
	}
	hi, lo := logdd(x)
	yh := float64(y * hi)
	yl := math.FMA(y, lo, math.FMA(y, hi, -yh))
	return expdd(yh, yl)
}

func powGo(dst, x []float64, y float64) {
	for i, v := range x {
		dst[i] = powGo1(v, y)
	}
}

func divPowGo(dst, a, b []float64, y, floor float64) int {
	bad := 0
	for i, ai := range a {
		bi := b[i]
		if bi < floor {
			bi = floor
		}
		r := powGo1(ai/bi, y)
		if ai == 0 {
			r = 0
		}
		dst[i] = r
		if !(r <= math.MaxFloat64) {
			bad++
		}
	}
	return bad
}

func expGo(dst, x []float64) {
	for i, v := range x {
		if v != v {
			dst[i] = v
			continue
		}
		dst[i] = expdd(v, 0)
	}
}

func logGo(dst, x []float64) {
	for i, v := range x {
		switch {
		case v < 0 || v != v:
			dst[i] = math.NaN()
		case v == 0:
			dst[i] = math.Inf(-1)
		case math.IsInf(v, 1):
			dst[i] = v
		default:
			hi, lo := logdd(v)
			dst[i] = hi + lo
		}
	}
}

// axisMulGo is vmath_axismul: per output, the products k[i,l]·src[l] summed
// in increasing l from 0 without fusing, then multiplied by alpha.
func axisMulGo(dst, src, k []float64, outer, m, inner int, alpha float64) {
	for o := 0; o < outer; o++ {
		s := src[o*m*inner : (o+1)*m*inner]
		d := dst[o*m*inner : (o+1)*m*inner]
		for i := 0; i < m; i++ {
			ki := k[i*m : (i+1)*m]
			di := d[i*inner : (i+1)*inner]
			for t := range di {
				var a float64
				for l, c := range ki {
					a += float64(c * s[l*inner+t])
				}
				di[t] = alpha * a
			}
		}
	}
}

// axisExpGo is vmath_axisexp.
func axisExpGo(dst, src []float64, q float64, outer, m, inner int, alpha float64) {
	g := make([]float64, inner)
	for o := 0; o < outer; o++ {
		s := src[o*m*inner : (o+1)*m*inner]
		d := dst[o*m*inner : (o+1)*m*inner]
		copy(d[:inner], s[:inner])
		for i := 1; i < m; i++ {
			si, dp, di := s[i*inner:(i+1)*inner], d[(i-1)*inner:i*inner], d[i*inner:(i+1)*inner]
			for t := range di {
				di[t] = math.FMA(q, dp[t], si[t])
			}
		}
		clear(g)
		for i := m - 1; i >= 0; i-- {
			si, di := s[i*inner:(i+1)*inner], d[i*inner:(i+1)*inner]
			for t, gi := range g {
				di[t] = alpha * (di[t] + gi)
				g[t] = q * (si[t] + gi)
			}
		}
	}
}

// dotLogGo is vmath_dotlog: term i goes to partial sum i mod 4.
func dotLogGo(w, x, y []float64) float64 {
	var acc [4]float64
	l := make([]float64, 1)
	for i, wi := range w {
		q := x[i]
		if y != nil {
			q /= y[i]
		}
		logGo(l, []float64{q})
		var t float64
		if wi != 0 {
			t = float64(wi * l[0])
		}
		acc[i%4] += t
	}
	return (acc[0] + acc[1]) + (acc[2] + acc[3])
}

// quotGo is vmath_quot.
func quotGo(dst, a, b []float64) {
	for i, v := range a {
		if v == 0 {
			dst[i] = 0
			continue
		}
		dst[i] = v / b[i]
	}
}
