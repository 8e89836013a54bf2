"""Zero-inflated and hurdle models against pscl (fixtures: tests/r/zeroinfl.R, bioChemists)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl
from rdata import load_fixture

R = load_fixture("zeroinfl")
close = np.testing.assert_allclose
FULL = "art ~ fem + mar + kid5 + phd + ment"
CASES = {
    "zip": (gl.zeroinfl, FULL + " | ment", "poisson"),
    "zinb": (gl.zeroinfl, FULL + " | ment", "negbin"),
    "zip_same": (gl.zeroinfl, "art ~ fem + kid5 + ment", "poisson"),
    "hurdle_pois": (gl.hurdle, FULL, "poisson"),
    "hurdle_nb": (gl.hurdle, FULL + " | ment", "negbin"),
}


@pytest.fixture(scope="module")
def articles():
    return gl.datasets.load_biochemists()


@pytest.fixture(scope="module")
def fits(articles):
    return {case: fitter(formula, articles, dist=dist) for case, (fitter, formula, dist) in CASES.items()}


@pytest.mark.parametrize("case", CASES)
def test_estimates_and_standard_errors_match_pscl(fits, case):
    res, r = fits[case], R[case]
    count = [n for n in res.params.index if n.startswith("count_")]
    zero = [n for n in res.params.index if n.startswith("zero_")]
    assert len(count) == len(r["count"]["names"]) and len(zero) == len(r["zero"]["names"])
    assert count[0] == "count_Intercept" and zero[0] == "zero_Intercept"
    close(res.params[count].to_numpy(), r["count"]["estimate"], rtol=1e-6, atol=1e-7)
    close(res.params[zero].to_numpy(), r["zero"]["estimate"], rtol=1e-6, atol=1e-7)
    # pscl's standard errors come from optim's finite-difference Hessian (steps of
    # 1e-3), good to about 1e-3; see test_pscl_standard_errors_are_optims_coarse_differences.
    close(res.bse[count].to_numpy(), r["count"]["se"], rtol=1e-3)
    close(res.bse[zero].to_numpy(), r["zero"]["se"], rtol=1e-3)
    close([res.llf, res.aic, res.df_resid], [r["loglik"], r["aic"], r["df_residual"]], rtol=1e-9)
    if r["theta"] is not None:
        close(res.theta, r["theta"], rtol=1e-6)


def test_pscl_standard_errors_are_optims_coarse_differences(fits):
    """With optim's absolute step of 1e-3 the same score reproduces pscl's SEs to 1e-6;
    glm_lib's finer differences agree with a tenfold finer step to 1e-7."""
    from glm_lib._models._zeroinfl import _zi_loglik

    res = fits["zip"]
    params = np.concatenate([res._beta, res._gamma])

    def information(step, relative):
        k = params.size
        info = np.empty((k, k))
        for j in range(k):
            h = step * (max(1.0, abs(params[j])) if relative else 1.0)
            e = np.zeros(k)
            e[j] = h
            info[:, j] = -(_zi_loglik(params + e, res._data, False, True)[1] - _zi_loglik(params - e, res._data, False, True)[1]) / (2 * h)
        return np.sqrt(np.diag(np.linalg.inv((info + info.T) / 2)))

    r = R["zip"]
    close(information(1e-3, False), np.concatenate([r["count"]["se"], r["zero"]["se"]]), rtol=1e-5)
    close(res.bse.to_numpy(), information(1e-6, True), rtol=1e-7)


@pytest.mark.parametrize("case", CASES)
def test_predictions_and_pearson_residuals_match_pscl(fits, articles, case):
    res, r = fits[case], R[case]
    new = articles.iloc[[0, 99, 499]]
    for kind in ("response", "count", "zero", "prob0"):
        close(res.predict(new, type=kind), r["predict"][kind], rtol=1e-6, err_msg=kind)
    close(res.resid_pearson[[0, 99, 499]], r["pearson"], rtol=1e-6)


def test_summary_reads_like_pscl(fits):
    text = fits["zinb"].summary()
    assert "Count model coefficients (negbin with log link):" in text
    assert "Zero-inflation model coefficients (binomial with logit link):" in text
    assert "Log(theta)" in text and "Theta = " in text and "on 9 Df" in text
    assert "Zero hurdle model coefficients" in fits["hurdle_pois"].summary()


def test_bad_input(articles):
    with pytest.raises(ValueError, match="dist must be"):
        gl.zeroinfl("art ~ ment", articles, dist="zip")
    with pytest.raises(ValueError, match="more than one"):
        gl.zeroinfl("art ~ ment | fem | kid5", articles)
    with pytest.raises(ValueError, match="no zeros"):
        gl.zeroinfl("art ~ ment", articles[articles["art"] > 0])
    with pytest.raises(ValueError, match="whole counts"):
        gl.hurdle("phd ~ ment", articles)
    with pytest.raises(ValueError, match="zero_dist"):
        gl.hurdle("art ~ ment", articles, zero_dist="poisson")
    with pytest.raises(TypeError, match="DataFrame"):
        gl.zeroinfl("art ~ ment", articles.to_dict())
    with pytest.raises(ValueError, match="type must be"):
        gl.hurdle("art ~ ment", articles).predict(articles, type="prob")
    with pytest.raises(TypeError, match="weights='fem'"):
        gl.zeroinfl("art ~ ment", articles, weights="fem")


def test_weights_are_case_weights(articles):
    """Doubling every row and weighting by 1/2 leaves the fit unchanged."""
    once = gl.zeroinfl("art ~ kid5 + ment | ment", articles)
    twice = gl.zeroinfl("art ~ kid5 + ment | ment", pd.concat([articles, articles]), weights=np.full(2 * len(articles), 0.5))
    close(twice.params.to_numpy(), once.params.to_numpy(), rtol=1e-6)
    close(twice.llf, once.llf, rtol=1e-10)
