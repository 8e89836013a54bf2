"""glm_lib's other fitters against R and statsmodels, CPU time with one BLAS thread.

Times, on seeded simulated data of moderate size, in one run:

==========================  =====================  ==============================
glm_lib                     R (through Rscript)    statsmodels
==========================  =====================  ==============================
``glm_nb``                  ``MASS::glm.nb``       ``NegativeBinomial`` (discrete)
``multinom``                ``nnet::multinom``     ``MNLogit``
``ordinal_glm``             ``MASS::polr``         ``OrderedModel``
``gee`` (exchangeable)      ``geepack::geeglm``    ``GEE``
``glmer`` (Laplace)         ``lme4::glmer``        (none: no Laplace ML fit)
==========================  =====================  ==============================

Every fit includes its standard errors (glm_lib computes them with the fit;
the peers are asked for them: ``summary``, ``Hess = TRUE``, ``.bse``). Each
time is the median CPU time (Python: ``time.process_time``; R: user +
system time of ``system.time``) of ``--repeat`` fits, with one BLAS thread
everywhere, so that a shared machine hits all alike; the load average is
printed beside each row (figures above load 2 are marked INVALID; the
ratios measured side by side stay meaningful). Printed per model: each time,
each peer's time over glm_lib's (above 1: glm_lib is faster) and the largest
coefficient difference from glm_lib where the parametrisations agree. Target
(issue 23): glm_lib within 2x of the faster peer.

R runs as one ``Rscript`` process reading the same data from CSV files; its
start-up and package loading are outside the timed fits.

Usage: python benchmarks/bench_fitters.py [--scale S] [--repeat R]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import glm_lib as gl  # noqa: E402

SEED = 2024
LOAD_LIMIT = 2.0


def tag() -> str:
    load = os.getloadavg()[0]
    return f"load {load:4.1f}" + ("" if load <= LOAD_LIMIT else " INVALID")


def simulate(scale: float) -> dict[str, pd.DataFrame]:
    """One data set per model, seeded; ``scale`` multiplies the numbers of rows."""
    rng = np.random.default_rng(SEED)
    n = int(20_000 * scale)
    x1, x2, x3 = rng.standard_normal((3, n))
    data = {}
    mu = np.exp(0.5 + 0.3 * x1 - 0.2 * x2)
    data["negbin"] = pd.DataFrame({"y": rng.negative_binomial(2.0, 2.0 / (2.0 + mu)).astype(float), "x1": x1, "x2": x2})
    scores = np.column_stack([np.zeros(n), 0.2 + 0.5 * x1, -0.3 + 0.4 * x2 - 0.2 * x3, 0.1 - 0.3 * x1 + 0.3 * x3])
    prob = np.exp(scores - scores.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    choice = (prob.cumsum(axis=1) < rng.random(n)[:, None]).sum(axis=1)
    data["multinom"] = pd.DataFrame({"y": np.array(["a", "b", "c", "d"])[choice], "x1": x1, "x2": x2, "x3": x3})
    latent = 0.6 * x1 - 0.4 * x2 + rng.logistic(size=n)
    level = np.digitize(latent, [-1.0, 0.0, 1.2])
    data["ordinal"] = pd.DataFrame({"y": level + 1, "x1": x1, "x2": x2})
    clusters, size = int(2_000 * scale), 5
    group = np.repeat(np.arange(clusters), size)
    shared = np.repeat(rng.normal(0.0, 0.8, clusters), size)
    z1, z2 = rng.standard_normal((2, clusters * size))
    eta = -0.3 + 0.5 * z1 - 0.4 * z2 + shared
    y = (rng.random(clusters * size) < 1 / (1 + np.exp(-eta))).astype(float)
    data["gee"] = pd.DataFrame({"y": y, "x1": z1, "x2": z2, "id": group})
    data["glmer"] = data["gee"].copy()
    return data


def cpu_median(function, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return float(np.median(times)), result


R_SCRIPT = r"""
suppressPackageStartupMessages({library(MASS); library(nnet); library(geepack); library(lme4); library(jsonlite)})
args <- commandArgs(TRUE); dir <- args[1]; repeats <- as.integer(args[2])
rd <- function(name) read.csv(file.path(dir, paste0(name, ".csv")))
timed <- function(f) {
  f()
  t <- sapply(seq_len(repeats), function(i) { s <- system.time(r <<- f()); s[["user.self"]] + s[["sys.self"]] })
  list(seconds = median(t), coef = unname(r))
}
nb <- rd("negbin"); mn <- rd("multinom"); od <- rd("ordinal"); ge <- rd("gee"); gm <- rd("glmer")
od$y <- factor(od$y, ordered = TRUE)
out <- list(
  negbin = timed(function() summary(glm.nb(y ~ x1 + x2, data = nb))$coefficients[, 1]),
  multinom = timed(function() { f <- multinom(y ~ x1 + x2 + x3, data = mn, trace = FALSE, maxit = 1000,
                                             reltol = 1e-12, Hess = TRUE); s <- sqrt(diag(solve(f$Hessian))); as.vector(t(coef(f))) }),
  ordinal = timed(function() { f <- polr(y ~ x1 + x2, data = od, Hess = TRUE); s <- sqrt(diag(vcov(f))); c(f$coefficients, f$zeta) }),
  gee = timed(function() summary(geeglm(y ~ x1 + x2, id = id, data = ge, family = binomial, corstr = "exchangeable"))$coefficients[, 1]),
  glmer = timed(function() summary(glmer(y ~ x1 + x2 + (1 | id), data = gm, family = binomial))$coefficients[, 1])
)
cat(toJSON(out, digits = 15, auto_unbox = TRUE))
"""


def run_r(data: dict, repeat: int) -> dict | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as directory:
        for name, frame in data.items():
            frame.to_csv(os.path.join(directory, f"{name}.csv"), index=False)
        script = os.path.join(directory, "bench.R")
        with open(script, "w") as handle:
            handle.write(R_SCRIPT)
        done = subprocess.run(["Rscript", script, directory, str(repeat)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print("Rscript failed:", done.stderr[-2000:])
        return None
    return json.loads(done.stdout)


def glm_lib_fits(data: dict) -> dict:
    return {
        "negbin": lambda: gl.glm_nb("y ~ x1 + x2", data["negbin"]).params.to_numpy(),
        "multinom": lambda: np.asarray(gl.multinom("y ~ x1 + x2 + x3", data["multinom"]).params).ravel(),
        "ordinal": lambda: gl.ordinal_glm("y ~ x1 + x2", data["ordinal"]).params.to_numpy(),
        "gee": lambda: gl.gee("y ~ x1 + x2", data["gee"], groups="id", family=gl.Binomial(),
                              cov_struct="exchangeable").params.to_numpy(),
        "glmer": lambda: gl.glmer("y ~ x1 + x2 + (1 | id)", data["glmer"], family=gl.Binomial()).params.to_numpy(),
    }


def statsmodels_fits(data: dict) -> dict:
    try:
        import statsmodels.api as sm
        from statsmodels.miscmodels.ordinal_model import OrderedModel
    except ImportError:
        return {}

    def with_se(result):
        _ = result.bse  # standard errors are part of the timed work, as for glm_lib
        return np.asarray(result.params)

    def design(frame, columns, intercept=True):
        X = frame[columns].to_numpy()
        return sm.add_constant(X) if intercept else X

    nb, mn, od, ge = data["negbin"], data["multinom"], data["ordinal"], data["gee"]
    return {
        "negbin": lambda: with_se(sm.NegativeBinomial(nb["y"].to_numpy(), design(nb, ["x1", "x2"]))
                                  .fit(disp=0, maxiter=200))[:3],
        "multinom": lambda: with_se(sm.MNLogit(pd.Categorical(mn["y"]).codes, design(mn, ["x1", "x2", "x3"]))
                                    .fit(disp=0, method="newton", maxiter=100)).T.ravel(),
        "ordinal": lambda: with_se(OrderedModel(od["y"].to_numpy(), design(od, ["x1", "x2"], False), distr="logit")
                                   .fit(method="bfgs", disp=0, maxiter=1000))[:2],
        "gee": lambda: with_se(sm.GEE(ge["y"].to_numpy(), design(ge, ["x1", "x2"]), groups=ge["id"].to_numpy(),
                                      family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable()).fit()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the numbers of rows (default 20,000)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    data = simulate(args.scale)
    print(f"CPU seconds, median of {args.repeat}, one BLAS thread; rows: "
          + ", ".join(f"{name} {len(frame):,}" for name, frame in data.items()))
    r_results = run_r(data, args.repeat)
    print(f"R: {'not run' if r_results is None else 'done'} ({tag()})")
    ours = glm_lib_fits(data)
    theirs = statsmodels_fits(data)
    header = f"{'model':<10}{'glm_lib':>9}{'R':>9}{'R/gl':>7}{'statsm.':>9}{'sm/gl':>7}{'faster peer/gl':>16}   load"
    print(header)
    for name, function in ours.items():
        seconds, coef = cpu_median(function, args.repeat)
        r_seconds = None if r_results is None else float(r_results[name]["seconds"])
        sm_seconds = cpu_median(theirs[name], args.repeat)[0] if name in theirs else None
        peers = [t for t in (r_seconds, sm_seconds) if t is not None]
        best = min(peers) if peers else None

        def show(value, width=9):
            return f"{'-':>{width}}" if value is None else f"{value:>{width}.3f}"

        def ratio(value):
            return f"{'-':>7}" if value is None else f"{value / seconds:>7.2f}"

        verdict = "" if best is None else ("  ok (within 2x)" if seconds <= 2 * best else "  SLOWER than 2x")
        print(f"{name:<10}{show(seconds)}{show(r_seconds)}{ratio(r_seconds)}{show(sm_seconds)}{ratio(sm_seconds)}"
              f"{'-' if best is None else f'{best / seconds:.2f}':>16}   {tag()}{verdict}")
        if r_results is not None and name in ("negbin", "gee", "glmer", "ordinal"):
            r_coef = np.asarray(r_results[name]["coef"], dtype=float)
            if name == "ordinal":  # polr: slopes then thresholds; compare the slopes
                r_coef, coef = r_coef[:2], coef[-2:] if coef.shape[0] > 2 else coef
            if r_coef.shape == coef.shape:
                print(f"{'':<10}max |coef - R| = {np.max(np.abs(r_coef - coef)):.2e}")


if __name__ == "__main__":
    main()
