# Fits the degree-8 log polynomial Q of kernel_avx512.c (log8; needs mpmath):
# Q(r) = -1/2 + r*g(r), g of degree 7 minimizing max |r^3 (g - f)| on |r| <= 1/25.5
# by iteratively reweighted least squares, then checked with the double coefficients.
from mpmath import mp, mpf, log1p, chebyt, cos, pi, matrix, lu_solve
mp.prec = 200
R = mpf(1)/25.5
def f(r):  # (log1p(r) - r)/r^2 + 1/2, divided by r
    if abs(r) < mpf(10)**-30: return mpf(1)/3
    return ((log1p(r) - r)/r**2 + mpf(1)/2)/r
for deg in (8,):
    n = deg  # poly g of degree deg-1 for f -> Q = -1/2 + r g(r), Q degree deg
    N = 200
    nodes = [R*cos(pi*(k+mpf(0.5))/N) for k in range(N)]
    # weighted least squares with weight r^3 (absolute error of r^2 Q) -- minimax-ish via IRLS
    w = [abs(x)**3 for x in nodes]
    import itertools
    coef=None
    for it in range(30):
        A = matrix(n, n); b = matrix(n, 1)
        for x, wi in zip(nodes, w):
            fx = f(x); p = [x**i for i in range(n)]
            for i in range(n):
                b[i] += wi*wi*p[i]*fx
                for j in range(n): A[i,j] += wi*wi*p[i]*p[j]
        coef = lu_solve(A, b)
        errs = [abs(x)**3*(sum(coef[i]*x**i for i in range(n)) - f(x)) for x in nodes]
        mx = max(abs(e) for e in errs)
        w = [wi*(abs(e)/mx)**0.5 + mpf(10)**-40 for wi,e in zip(w, errs)]
    cd = [float(c) for c in coef]
    # verify with double coefficients on dense grid
    M = 4000; worst = 0
    for k in range(M+1):
        x = -R + 2*R*k/M
        if x == 0: continue
        q = -mpf(1)/2 + x*sum(mpf(cd[i])*x**i for i in range(n))
        ex = log1p(x) - x
        worst = max(worst, abs(x*x*q - ex))
    print(deg, "max abs err", float(worst), [c.hex() for c in cd])
