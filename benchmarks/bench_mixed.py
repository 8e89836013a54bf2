"""Speed of gl.lmer and gl.glmer against lme4 on models with 1,200 groups.

Run from the repository root: ``python benchmarks/bench_mixed.py``. The data
are simulated (seeded) and written to a temporary CSV; both glm_lib and
lme4 (through ``Rscript``, when R with lme4 is installed) fit the same models
from it in one run, each timed as the best of ``--repeat`` fits after one
warm-up fit, and the script prints the times, their ratio, the estimates'
largest difference and the machine's load average (``uptime``), since a
loaded machine slows both sides unevenly.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import glm_lib as gl  # noqa: E402

MODELS = {
    "lmer (1 + x | g), REML": ("lmer", "y ~ x + (1 + x | g)"),
    "glmer binomial (1 | g), Laplace": ("glmer", "z ~ x + (1 | g)"),
    "glmer poisson (1 | g) + (1 | h), Laplace": ("glmer_poisson", "count ~ x + (1 | g) + (1 | h)"),
}

R_SCRIPT = r"""
suppressPackageStartupMessages(library(lme4))
args <- commandArgs(TRUE)
d <- read.csv(args[1]); d$g <- factor(d$g); d$h <- factor(d$h)
reps <- as.integer(args[2])
best <- function(f) { f(); min(replicate(reps, system.time(f())[["elapsed"]])) }
out <- list()
t <- best(function() lmer(y ~ x + (1 + x | g), d)); f <- lmer(y ~ x + (1 + x | g), d)
out[["lmer (1 + x | g), REML"]] <- list(time = t, params = unname(fixef(f)), theta = unname(getME(f, "theta")))
t <- best(function() glmer(z ~ x + (1 | g), d, binomial)); f <- glmer(z ~ x + (1 | g), d, binomial)
out[["glmer binomial (1 | g), Laplace"]] <- list(time = t, params = unname(fixef(f)), theta = unname(getME(f, "theta")))
t <- best(function() glmer(count ~ x + (1 | g) + (1 | h), d, poisson)); f <- glmer(count ~ x + (1 | g) + (1 | h), d, poisson)
out[["glmer poisson (1 | g) + (1 | h), Laplace"]] <- list(time = t, params = unname(fixef(f)), theta = unname(getME(f, "theta")))
cat(jsonlite::toJSON(out, digits = I(15), auto_unbox = TRUE))
"""


def simulate(n_groups: int, per_group: int, seed: int = 20261207) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(n_groups), per_group)
    h = rng.integers(0, 40, size=g.size)  # a crossed factor with 40 levels
    x = rng.uniform(-1, 1, size=g.size)
    b0, b1 = rng.normal(0, 1.0, n_groups), rng.normal(0, 0.5, n_groups)
    c = rng.normal(0, 0.3, 40)
    y = 2 + 0.5 * x + b0[g] + b1[g] * x + rng.normal(0, 1, size=g.size)
    z = rng.binomial(1, 1 / (1 + np.exp(-(-0.5 + 0.8 * x + 0.7 * b0[g]))))
    count = rng.poisson(np.exp(0.3 + 0.4 * x + 0.5 * b0[g] + c[h]))
    return pd.DataFrame({"y": y, "z": z, "count": count, "x": x, "g": g, "h": h})


def fit_python(kind: str, formula: str, data: pd.DataFrame):
    if kind == "lmer":
        return gl.lmer(formula, data)
    family = gl.Binomial() if kind == "glmer" else gl.Poisson()
    return gl.glmer(formula, data, family=family)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1200)
    parser.add_argument("--per-group", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = simulate(args.groups, args.per_group)
    frame = data.assign(g=pd.Categorical(data["g"]), h=pd.Categorical(data["h"]))
    print(f"{len(data)} rows, {args.groups} groups g (+ 40 levels of h); best of {args.repeat} fits after a warm-up")
    print("load average before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    ours = {}
    for label, (kind, formula) in MODELS.items():
        fit_python(kind, formula, frame)
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fit = fit_python(kind, formula, frame)
            times.append(time.perf_counter() - start)
        ours[label] = (min(times), fit)
    theirs = {}
    if shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as tmp:
            csv, script = Path(tmp) / "data.csv", Path(tmp) / "bench.R"
            data.to_csv(csv, index=False)
            script.write_text(R_SCRIPT)
            run = subprocess.run(["Rscript", str(script), str(csv), str(args.repeat)], capture_output=True, text=True)
            if run.returncode == 0:
                theirs = json.loads(run.stdout)
            else:
                print("lme4 failed:", run.stderr.strip()[-500:])
    else:
        print("Rscript not found: glm_lib's times only")
    print()
    print(f"{'model':<44}{'glm_lib (s)':>12}{'lme4 (s)':>10}{'ratio':>8}{'max |diff| beta, theta':>26}")
    for label, (seconds, fit) in ours.items():
        if label in theirs:
            r = theirs[label]
            diff = max(np.max(np.abs(fit.params.to_numpy() - np.atleast_1d(r["params"]))),
                       np.max(np.abs(fit.theta - np.atleast_1d(r["theta"]))))
            print(f"{label:<44}{seconds:>12.3f}{r['time']:>10.3f}{seconds / r['time']:>8.2f}{diff:>26.2e}")
        else:
            print(f"{label:<44}{seconds:>12.3f}{'-':>10}{'-':>8}{'-':>26}")
    print()
    print("load average after:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
