"""Beta-binomial regression against VGAM (fixtures: tests/r/betabinomial.R, lirat)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

import glm_lib as gl
from rdata import load_fixture

R = load_fixture("betabinomial")
close = np.testing.assert_allclose


@pytest.fixture(scope="module")
def rats():
    return gl.datasets.load_lirat()


@pytest.mark.parametrize("case, formula", [("hb", "cbind(R, N - R) ~ hb"), ("grp", "cbind(R, N - R) ~ grp")])
def test_estimates_and_loglik_match_vgam(rats, case, formula):
    res, r = gl.betabinomial_glm(formula, rats), R[case]
    close(res.params.to_numpy(), r["coefficients"], rtol=1e-6, atol=1e-7)
    close(res.logit_rho, r["logit_rho"], rtol=1e-6)
    close(res.rho, special.expit(r["logit_rho"]), rtol=1e-6)
    close([res.llf, res.aic], [r["loglik"], r["aic"]], rtol=1e-9)
    close(res.predict(rats.iloc[[0, 19, 39]]), r["fitted"], rtol=1e-6)
    # Observed and expected information give standard errors of the same size.
    close(res.bse.to_numpy(), np.array(r["se_expected"])[[0, *range(2, len(r["se_expected"]))]], rtol=0.15)


def test_variance_is_the_overdispersed_binomial_one(rats):
    """Simulated beta-binomial counts have Var = m mu (1 - mu) {1 + (m - 1) rho}, which the fit recovers."""
    rng = np.random.default_rng(11)
    m = np.full(4000, 12)
    mu, rho = 0.3, 0.2
    c = (1 - rho) / rho
    s = rng.binomial(m, rng.beta(mu * c, (1 - mu) * c, size=m.size))
    res = gl.betabinomial_glm("cbind(s, f) ~ 1", pd.DataFrame({"s": s, "f": m - s}))
    assert abs(res.rho - rho) < 3 * res.rho_se
    assert abs(special.expit(res.params["Intercept"]) - mu) < 0.01
    close(np.var(s), 12 * mu * (1 - mu) * (1 + 11 * rho), rtol=0.1)


def test_the_binomial_deviance_is_too_large_for_these_litters(rats):
    binomial = gl.glm("cbind(R, N - R) ~ hb", rats, family=gl.Binomial())
    close([binomial.deviance, binomial.df_resid], [R["binomial_deviance"], R["binomial_df"]], rtol=1e-8)
    assert binomial.deviance / binomial.df_resid > 2
    res = gl.betabinomial_glm("cbind(R, N - R) ~ hb", rats)
    assert res.aic < binomial.aic


def test_no_overdispersion_is_the_binomial_with_a_warning():
    m = np.full(300, 10)
    s = np.tile([3, 4, 5], 100)  # less spread than any binomial: rho's MLE is 0
    data = pd.DataFrame({"s": s, "f": m - s})
    with pytest.warns(gl.ConvergenceWarning, match="boundary 0"):
        res = gl.betabinomial_glm("cbind(s, f) ~ 1", data)
    binomial = gl.glm("cbind(s, f) ~ 1", data, family=gl.Binomial())
    assert res.rho == 0.0
    close(res.params.to_numpy(), binomial.params.to_numpy())
    close(res.bse.to_numpy(), binomial.bse.to_numpy())
    close(res.llf, binomial.llf)


def test_bad_input(rats):
    with pytest.raises(ValueError, match="cbind"):
        gl.betabinomial_glm("R ~ hb", rats)
    with pytest.raises(ValueError, match="link must map"):
        gl.betabinomial_glm("cbind(R, N - R) ~ hb", rats, link="log")
    bad = rats.assign(R=rats["R"].astype(float))
    bad.loc[2, "R"] = 1.5
    with pytest.raises(ValueError, match="whole numbers"):
        gl.betabinomial_glm("cbind(R, N - R) ~ hb", bad)
    with pytest.raises(TypeError):
        gl.betabinomial_glm("cbind(R, N - R) ~ hb", rats.to_numpy())
    with pytest.raises(TypeError, match="DataFrame"):
        gl.betabinomial_glm("cbind(R, N - R) ~ hb", rats).predict(rats.to_numpy())
