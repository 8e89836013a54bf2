"""Fit Poisson and logistic GLMs with N = 1,000,000 rows and p = 20 columns.

glm_lib, statsmodels' GLM, scikit-learn (no penalty, newton-cholesky) and glum
(no penalty) are run side by side on the same data, each to a tolerance of 1e-8
in its own convergence criterion. Prints each wall time, its ratio to glm_lib,
the largest coefficient difference from glm_lib, and glm_lib's peak extra
memory as a multiple of the size of X.

Targets (issue 2): glm_lib (standard errors included) at least 5x faster than
statsmodels, no slower than glum or scikit-learn, peak memory within about 3x X.

Usage: python benchmarks/bench_fit.py [--rows N] [--cols P] [--repeat R]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings

import numpy as np

import glm_lib as gl


def simulate(family: str, rows: int, cols: int, seed: int = 2024):
    """A design with an intercept and standard normal columns, and a response."""
    rng = np.random.default_rng(seed)
    X = np.empty((rows, cols))
    X[:, 0] = 1.0
    X[:, 1:] = rng.standard_normal((rows, cols - 1))
    beta = rng.normal(0.0, 0.1, cols)
    eta = X @ beta
    if family == "poisson":
        y = rng.poisson(np.exp(eta)).astype(float)
    else:
        y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    return X, y


def run_glm_lib(family, X, y):
    fam = gl.Poisson() if family == "poisson" else gl.Binomial()
    res = gl.fit(X, y, family=fam, tol=1e-8)
    _ = res.bse  # standard errors are part of the timed work
    return res.params.to_numpy()


def run_statsmodels(family, X, y):
    import statsmodels.api as sm

    fam = sm.families.Poisson() if family == "poisson" else sm.families.Binomial()
    res = sm.GLM(y, X, family=fam).fit(tol=1e-8)
    _ = res.bse
    return np.asarray(res.params)


def run_sklearn(family, X, y):
    from sklearn.linear_model import LogisticRegression, PoissonRegressor

    if family == "poisson":
        model = PoissonRegressor(alpha=0.0, solver="newton-cholesky", tol=1e-8, max_iter=100, fit_intercept=False)
    else:
        model = LogisticRegression(penalty=None, solver="newton-cholesky", tol=1e-8, max_iter=100, fit_intercept=False)
    model.fit(X, y)
    return np.ravel(model.coef_)


def run_glum(family, X, y):
    from glum import GeneralizedLinearRegressor

    model = GeneralizedLinearRegressor(
        family="poisson" if family == "poisson" else "binomial",
        alpha=0.0,
        fit_intercept=False,
        gradient_tol=1e-8,
        max_iter=100,
    )
    model.fit(X, y)
    return np.ravel(model.coef_)


PEERS = {"glm_lib": run_glm_lib, "statsmodels": run_statsmodels, "scikit-learn": run_sklearn, "glum": run_glum}


def best_time(function, repeat):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_memory(function) -> int:
    """Peak bytes numpy and Python allocate while ``function`` runs (tracemalloc)."""
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # peers' deprecation chatter is not the subject here

    print(f"N = {args.rows:,} rows, p = {args.cols} columns, best of {args.repeat}")
    for family in ("poisson", "logistic"):
        X, y = simulate(family, args.rows, args.cols)
        print(f"\n{family}: X is {X.nbytes / 2**20:.0f} MiB")
        print(f"{'library':<14}{'seconds':>10}{'ratio':>10}{'max |coef - glm_lib|':>24}")
        reference_time, reference = None, None
        for name, runner in PEERS.items():
            seconds, coef = best_time(lambda: runner(family, X, y), args.repeat)
            if name == "glm_lib":
                reference_time, reference = seconds, coef
            ratio = seconds / reference_time
            diff = np.max(np.abs(coef - reference))
            print(f"{name:<14}{seconds:>10.3f}{ratio:>10.2f}{diff:>24.2e}")
        peak = peak_memory(lambda: run_glm_lib(family, X, y))
        print(f"glm_lib peak extra memory: {peak / 2**20:.0f} MiB = {peak / X.nbytes:.2f} x X")


if __name__ == "__main__":
    main()
