#!/usr/bin/env python3
"""Lee-Seung NMF (Frobenius loss) in NumPy, following the nmfbench protocol.

It mirrors nmfbench's built-in NMF (baselines/nmf): X (n x d, one sample per
row) ~ V U^T with U (d x r) the basis and V (n x r) the embedding; the same
random initialisation |N(0,1)| * sqrt(mean(X)/r), U drawn first, from a NumPy
generator seeded with the run's seed; U then V updated each iteration with
eps in the denominators; stop when one iteration changes the objective by at
most tol relative (tol = 0: run max_iter); then the columns of U are scaled
to unit L2 norm and the scale moved into V. Only the random numbers differ
from the built-in (NumPy's PCG64 stream instead of Go's PCG).

Parameters (run.json params): rank, max_iter, tol, eps (args, default 1e-10).
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nmfbench_external as nb  # noqa: E402


def main():
    run = nb.load()
    X = run.X
    n, d = X.shape
    r = run.rank
    max_iter = int(run.param("max_iter", 500))
    tol = float(run.param("tol", 0.0))
    eps = float(run.param("eps", 1e-10))

    trace = run.trace()
    rng = np.random.default_rng(run.seed)
    scale = np.sqrt(X.mean() / r)
    if not scale > 0:
        scale = 1.0
    U = np.abs(rng.standard_normal((d, r))) * scale
    V = np.abs(rng.standard_normal((n, r))) * scale
    xx = float(np.vdot(X, X))

    def objective(XU, UtU):
        # ||X - V U^T||^2 = ||X||^2 - 2 tr(U^T X^T V) + tr(U^T U V^T V), reusing
        # X U and U^T U from the V update: two n x d x r products per iteration.
        return xx - 2.0 * float(np.vdot(XU, V)) + float(np.vdot(UtU, V.T @ V))

    prev = objective(X @ U, U.T @ U)
    trace.record(prev)
    for _ in range(max_iter):
        U *= (X.T @ V) / (U @ (V.T @ V) + eps)
        XU, UtU = X @ U, U.T @ U
        V *= XU / (V @ UtU + eps)
        cur = objective(XU, UtU)
        if not nb.finite(cur):
            raise SystemExit("numpy_nmf: objective became %r (numerical breakdown)" % cur)
        trace.record(cur)
        if tol > 0 and abs(prev - cur) <= tol * max(abs(prev), 1e-300):
            trace.converged = True
            break
        prev = cur

    norms = np.linalg.norm(U, axis=0)
    norms[norms == 0] = 1.0
    U /= norms
    V *= norms
    run.save(V, trace=trace, factors={"U": U})


if __name__ == "__main__":
    main()
