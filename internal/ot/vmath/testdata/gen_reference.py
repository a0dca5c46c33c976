# Generates testdata/reference.txt (run in testdata/; needs mpmath): exact values at 400 bits.
from mpmath import mp, mpf, log, exp
import random, math
mp.prec = 400
rnd = random.Random(20240104)
def xs(n):
    out = []
    for i in range(n):
        e = -1074 + 2098*rnd.random()
        x = math.ldexp(1 + rnd.random(), 0) * 2.0**int(e) if e > -1022 else math.ldexp(1+rnd.random(), int(e))
        if x == 0 or math.isinf(x): continue
        out.append(x)
    for i in range(n//4):
        out.append(1 + (rnd.random()-0.5)*1e-3); out.append(rnd.random())
    return out
def hl(v):
    h = float(v)
    return h, float(v - mpf(h))
lines = ["# kind x y want_hi want_lo: want = want_hi + want_lo to 2^-106 relative (mpmath, 400 bits)"]
for x in xs(300):
    h, l = hl(log(mpf(x)))
    if h == 0: continue
    lines.append("log %s 0 %s %s" % (x.hex(), h.hex(), l.hex()))
for i in range(400):
    x = (rnd.random()-0.5)*1400 if i % 2 else (rnd.random()-0.5)*2
    v = exp(mpf(x))
    h, l = hl(v)
    if h < 2.2250738585072014e-308 or math.isinf(h): continue
    lines.append("exp %s 0 %s %s" % (x.hex(), h.hex(), l.hex()))
for y in [0.5, 100.0/101, 1.0/3, 1.5, -0.8, 7.0, 100.0]:
    for x in xs(120):
        v = exp(mpf(y)*log(mpf(x)))
        h, l = hl(v)
        if h < 2.2250738585072014e-308 or math.isinf(h) or h > 1.7e308: continue
        lines.append("pow %s %s %s %s" % (x.hex(), y.hex(), h.hex(), l.hex()))
open('reference.txt','w').write("\n".join(lines)+"\n")
print(len(lines))
