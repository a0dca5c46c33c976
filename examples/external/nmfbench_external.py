"""Read an nmfbench run and write its outputs: the external-method protocol.

An external method is a program that nmfbench starts once per run, in a
private directory holding X.npy (n x d float64, one sample per row) and
run.json (seed, rank, parameters, output paths). This module does the I/O so
that a method author writes only the math:

    import nmfbench_external as nb

    run = nb.load()                  # reads $NMFBENCH_RUN (or argv[1])
    rng = np.random.default_rng(run.seed)
    trace = run.trace()              # clock starts here
    ... trace.record(objective) after the initial factors and each iteration
    run.save(embedding, trace=trace, factors={"U": U})

Only NumPy is needed. The protocol itself is specified in docs/external.md;
a program in any language may implement it directly.
"""

import json
import math
import os
import sys
import time

import numpy as np

PROTOCOL = 1

_started = time.perf_counter()


class Trace:
    """Objective values with their timestamps (seconds since the trace began).

    Record the objective of the initial factors first, then one value per
    iteration, so that len(objective) == iterations + 1. A method that has
    no objective per iteration sets .count (and .converged) instead.
    """

    def __init__(self):
        self.start = time.perf_counter()
        self.objective = []
        self.seconds = []
        self.converged = False
        self.count = None

    def record(self, objective):
        self.objective.append(float(objective))
        self.seconds.append(time.perf_counter() - self.start)

    @property
    def iterations(self):
        if self.count is not None:
            return int(self.count)
        return max(0, len(self.objective) - 1)


class Run:
    """One run: the data, the seed and the parameters, and where to write."""

    def __init__(self, path):
        with open(path) as f:
            self.raw = json.load(f)
        if self.raw.get("protocol") != PROTOCOL:
            raise SystemExit(
                "nmfbench_external: run.json has protocol %r; this helper speaks %d"
                % (self.raw.get("protocol"), PROTOCOL)
            )
        t = time.perf_counter()
        self.X = np.load(self.raw["inputs"]["X"])
        self.load_seconds = time.perf_counter() - t
        self.seed = int(self.raw["seed"])
        self.rank = int(self.raw["rank"])
        self.classes = int(self.raw["classes"])
        self.height = int(self.raw["image_height"])
        self.width = int(self.raw["image_width"])
        self.tensor_shape = self.raw.get("tensor_shape")
        self.threads = int(self.raw["threads"])
        self.params = dict(self.raw["params"])
        self.outputs = self.raw["outputs"]
        self._fit_start = time.perf_counter()

    def param(self, name, default=None):
        """The parameter name from the spec (rank, max_iter, tol or args)."""
        return self.params.get(name, default)

    def tensor(self):
        """X as the height x width x n tensor T[r, c, i] = X[i, c*height + r].

        A row of X is the column-major vectorisation of an image (MATLAB's
        reshape(X(i,:), H, W)); X is the mode-3 unfolding of T. The result
        is a view of X, not a copy. Image data only.
        """
        if not self.tensor_shape:
            raise ValueError("the samples of this dataset are not images")
        h, w, n = self.tensor_shape
        return self.X.reshape(n, w, h).transpose(2, 1, 0)

    def image(self, i):
        """Sample i as a height x width image."""
        return self.X[i].reshape(self.width, self.height).T

    def trace(self):
        """A new Trace whose clock starts now."""
        return Trace()

    def save(self, embedding, trace=None, factors=None, info=None):
        """Write the embedding (n x r), the trace and the factors.

        The embedding is checked first (shape, finite values), so that a
        mistake fails here with a traceback rather than in the harness.
        """
        fit_seconds = time.perf_counter() - self._fit_start
        t = time.perf_counter()
        emb = np.ascontiguousarray(embedding, dtype=np.float64)
        n = self.X.shape[0]
        if emb.ndim != 2 or emb.shape[0] != n:
            raise ValueError("embedding has shape %s; want (%d, r)" % (emb.shape, n))
        if not np.isfinite(emb).all():
            raise ValueError("embedding has non-finite entries")
        np.save(self.outputs["embedding"], emb)
        for name, a in (factors or {}).items():
            np.save(os.path.join(self.outputs["factors"], name + ".npy"),
                    np.ascontiguousarray(a, dtype=np.float64))
        out = {}
        if trace is not None:
            if trace.objective:
                out["objective"] = trace.objective
                out["seconds"] = trace.seconds
            out["iterations"] = trace.iterations
            out["converged"] = bool(trace.converged)
        meta = {
            "python_start_to_load_seconds": self._fit_start - _started - self.load_seconds,
            "load_seconds": self.load_seconds,
            "fit_seconds": fit_seconds,
        }
        meta.update(info or {})
        meta["save_seconds"] = time.perf_counter() - t
        out["info"] = meta
        with open(self.outputs["trace"], "w") as f:
            json.dump(out, f, allow_nan=False)


def load(path=None):
    """Load the run described by path, argv[1] or $NMFBENCH_RUN."""
    if path is None:
        path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("NMFBENCH_RUN")
    if not path:
        raise SystemExit("nmfbench_external: no run.json (give its path or set NMFBENCH_RUN)")
    return Run(path)


def finite(x):
    """True when x is a finite number (objectives must be)."""
    return math.isfinite(float(x))
