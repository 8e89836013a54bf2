"""Beta-binomial regression against VGAM (fixtures: tests/r/betabinomial.R, lirat; and
tests/r/betabinomial_fixed.R, rho held fixed, lirat and Challenger)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import special, stats

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


# --- rho held fixed (fixtures: tests/r/betabinomial_fixed.R; lirat and Challenger) ---

FIXED = load_fixture("betabinomial_fixed")
FIXED_CASES = {"lirat_hb": ("cbind(R, N - R) ~ hb", gl.datasets.load_lirat),
               "challenger_temp": ("cbind(distressed, n - distressed) ~ temp", gl.datasets.load_challenger)}


@pytest.mark.parametrize("key", sorted(FIXED))
def test_fixed_rho_matches_r(key):
    r = FIXED[key]
    formula, load = FIXED_CASES[key.rsplit("_rho", 1)[0]]
    res = gl.betabinomial_glm(formula, load(), rho=r["rho"])
    # R's optimum is as flat as ours; the Challenger intercept and slope are strongly correlated
    close(res.params.to_numpy(), r["coefficients"], rtol=1e-7)
    close(res.params.to_numpy(), r["vglm_coefficients"], rtol=1e-7)
    close(res.llf, r["loglik"], rtol=1e-13)
    close([res.aic, res.bic], [r["aic"], r["bic"]], rtol=1e-12)
    assert res.df_resid == r["df_residual"] and res.n_params == len(r["coefficients"])
    close(res.bse.to_numpy(), r["se"], rtol=3e-6)  # the observed information given rho
    assert res.rho_fixed and res.rho == r["rho"]
    assert np.isnan(res.rho_se) and np.isnan(res.logit_rho_se)
    close(res.logit_rho, special.logit(r["rho"]), rtol=1e-15)
    cov = res.cov_params()
    assert list(cov.index) == list(res.params.index) == list(cov.columns)
    close(np.sqrt(np.diag(cov.to_numpy())), res.bse.to_numpy(), rtol=1e-15)
    assert "held fixed at" in res.summary() and "held fixed" in repr(res)


def test_profile_at_the_free_estimate_is_the_maximum(rats):
    for formula in ["cbind(R, N - R) ~ hb", "cbind(R, N - R) ~ grp"]:
        free = gl.betabinomial_glm(formula, rats)
        held = gl.betabinomial_glm(formula, rats, rho=free.rho)
        close(held.llf, free.llf, rtol=1e-12)
        close(held.params.to_numpy(), free.params.to_numpy(), rtol=1e-6, atol=1e-8)
        # rho's uncertainty is ignored given rho, so the standard errors cannot be larger
        assert (held.bse <= free.bse * (1 + 1e-9)).all()
        assert held.n_params == free.n_params - 1 and held.df_resid == free.df_resid + 1
        close(held.aic, free.aic - 2, rtol=1e-12)
        # and elsewhere the profile lies below the maximum
        for rho in [0.05, 0.5, 0.9]:
            assert gl.betabinomial_glm(formula, rats, rho=rho).llf < free.llf


def test_fixed_rho_tends_to_the_binomial(rats):
    binomial = gl.glm("cbind(R, N - R) ~ hb", rats, family=gl.Binomial())
    slopes = []
    for rho in [1e-4, 1e-5, 1e-6]:
        res = gl.betabinomial_glm("cbind(R, N - R) ~ hb", rats, rho=rho)
        close(res.params.to_numpy(), binomial.params.to_numpy(), rtol=50 * rho)
        close(res.bse.to_numpy(), binomial.bse.to_numpy(), rtol=100 * rho)
        slopes.append((res.llf - binomial.llf) / rho)
    close(slopes, slopes[-1], rtol=0.01)  # llf(rho) - llf(0) is linear in rho near 0


binomial_data = st.integers(min_value=3, max_value=25).flatmap(lambda n: st.tuples(
    st.lists(st.integers(1, 20), min_size=n, max_size=n),
    st.lists(st.floats(0, 1), min_size=n, max_size=n),
    st.lists(st.floats(-2, 2, allow_nan=False), min_size=n, max_size=n)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(binomial_data)
def test_rho_zero_is_the_binomial(args):
    m, share, x = (np.asarray(a) for a in args)
    s = np.floor(share * m + 0.5).astype(int).clip(0, m)
    assume(0 < s.sum() < m.sum())
    data = pd.DataFrame({"s": s, "f": m - s, "x": x})
    formula = "cbind(s, f) ~ x" if np.ptp(x) > 0.1 else "cbind(s, f) ~ 1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # separation, where the data allow it, is the binomial fit's affair
        binomial = gl.glm(formula, data, family=gl.Binomial())
        res = gl.betabinomial_glm(formula, data, rho=0)
    close(res.params.to_numpy(), binomial.params.to_numpy(), rtol=1e-12)
    close(res.bse.to_numpy(), binomial.bse.to_numpy(), rtol=1e-12)
    # the binomial log-likelihood with the binomial coefficients log C(m, s)
    close(res.llf, stats.binom.logpmf(s, m, res.predict()).sum(), rtol=1e-9, atol=1e-9)
    close(res.llf, binomial.llf, rtol=1e-12)
    assert res.rho == 0 and res.rho_fixed and res.n_params == binomial.df_model + 1
    close(res.aic, binomial.aic, rtol=1e-12)


def test_bad_rho(rats):
    formula = "cbind(R, N - R) ~ hb"
    for bad in ["0.1", [0.1], True, np.array([0.1])]:
        with pytest.raises(TypeError, match="rho must be None or a number"):
            gl.betabinomial_glm(formula, rats, rho=bad)
    for bad in [-0.1, 1, 1.5, np.nan, np.inf]:
        with pytest.raises(ValueError, match=r"rho must be .*\[0, 1\)"):
            gl.betabinomial_glm(formula, rats, rho=bad)
    res = gl.betabinomial_glm(formula, rats, rho=np.float32(0.25))  # numpy numbers are numbers
    assert res.rho == pytest.approx(0.25) and gl.betabinomial_glm(formula, rats, rho=0).rho == 0
