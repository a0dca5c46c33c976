# Prints the constant tables of kernel_avx512.c (needs mpmath).
from mpmath import mp, mpf, log, exp, ldexp, floor, nint
import struct
mp.prec = 300
def hexd(x):
    x = float(x)
    return x.hex()
def dbl(x): return float(x)  # round-to-nearest from mpf
# log table: slot s = j mod 16 for j = round(16 m), m in [0.75, 1.5)
invc = [1.0]*16; lch=[0.0]*16; lcl=[0.0]*16
ln2 = log(2)
for j in range(12, 25):
    if j == 12: c = mpf(0.765625)
    elif j == 24: c = mpf(1.484375)
    else: c = mpf(j)/16
    ic = 1.0 if j == 16 else dbl(1/c)
    lc = -log(mpf(ic))
    hi = nint(lc * 2**33) / mpf(2**33)
    lo = dbl(lc - hi)
    s = j % 16
    invc[s] = ic; lch[s] = dbl(hi); lcl[s] = lo
    assert mpf(lch[s]) == hi
print("// log tables, slot j mod 16 for j = round(16m), m in [0.75, 1.5)")
print("static const double LOG_INVC[16] = {" + ", ".join(hexd(v) for v in invc) + "};")
print("static const double LOG_LOGC_HI[16] = {" + ", ".join(hexd(v) for v in lch) + "};")
print("static const double LOG_LOGC_LO[16] = {" + ", ".join(hexd(v) for v in lcl) + "};")
T=[];TL=[]
for j in range(16):
    t = mpf(2)**(mpf(j)/16)
    th = dbl(t); T.append(th); TL.append(dbl((t - th)/th))
print("static const double EXP_T[16] = {" + ", ".join(hexd(v) for v in T) + "};")
print("static const double EXP_TL[16] = {" + ", ".join(hexd(v) for v in TL) + "};")
print("// 1/n")
for n in range(2,12): print(n, hexd(mpf(1)/n))
from mpmath import factorial
for n in range(2,8): print("1/%d!"%n, hexd(1/factorial(n)))
print("16/ln2", hexd(16/ln2))
# max |r|
mx=0
for j in range(12,25):
    lo = max(mpf(0.75), (mpf(j)-0.5)/16); hi = min(mpf(1.5), (mpf(j)+0.5)/16)
    s=j%16
    for m in (lo,hi):
        mx=max(mx, abs(m*invc[s]-1))
print("max r", float(mx))
