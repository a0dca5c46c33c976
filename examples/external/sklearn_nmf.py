#!/usr/bin/env python3
"""scikit-learn's NMF (solver "mu", Frobenius loss) under the nmfbench protocol.

X (n x d) ~ W H with W (n x r) the embedding; init "random" (scikit-learn's
|N(0,1)| * sqrt(mean(X)/r), the built-in NMF's initialisation) seeded with the
run's seed. Afterwards the rows of H are scaled to unit L2 norm and the scale
moved into W, as the built-in NMF does with its basis. scikit-learn exposes
no objective per iteration, so the trace holds the iteration count only (and
the final reconstruction error in its info).

Parameters (run.json params): rank, max_iter, tol (scikit-learn's meaning:
checked every 10 iterations against the initial error; 0 runs max_iter).
"""

import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nmfbench_external as nb  # noqa: E402


def main():
    from sklearn import __version__ as skversion
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning

    run = nb.load()
    max_iter = int(run.param("max_iter", 500))
    model = NMF(
        n_components=run.rank,
        init="random",
        solver="mu",
        beta_loss="frobenius",
        max_iter=max_iter,
        tol=float(run.param("tol", 0.0)),
        random_state=run.seed,
    )
    with warnings.catch_warnings():
        # tol = 0 runs max_iter iterations on purpose.
        warnings.simplefilter("ignore", ConvergenceWarning)
        W = model.fit_transform(run.X)
    H = model.components_
    norms = np.linalg.norm(H, axis=1)
    norms[norms == 0] = 1.0
    W = W * norms
    H = H / norms[:, None]
    trace = run.trace()
    trace.count = int(model.n_iter_)  # no per-iteration objective
    trace.converged = model.n_iter_ < max_iter
    run.save(W, trace=trace, factors={"U": H.T}, info={
        "reconstruction_err": float(model.reconstruction_err_),
        "sklearn": skversion,
    })


if __name__ == "__main__":
    main()
