"""Firth's bias-reduced estimates against brglm2 (fixtures from tests/r/firth.R)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from rdata import load_fixture, r_frame

import glm_lib as gl

R = load_fixture("firth")
CASES = {case["name"]: case for case in R["cases"]}


def fit_case(case, method="firth"):
    family = getattr(gl, case["family"])(link=case["link"])
    return gl.glm(case["formula"], r_frame(case["data"]), family=family, method=method, tol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_brglm2_as_mean(name):
    case = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no separation warning for a Firth fit
        res = fit_case(case)
    assert res.converged and case["converged"]
    np.testing.assert_allclose(res.params, case["coefficients"], rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(res.bse, case["se"], rtol=1e-9)
    np.testing.assert_allclose(res.deviance, case["deviance"], rtol=1e-9)
    np.testing.assert_allclose(res.mu, case["fitted"], rtol=1e-9, atol=1e-12)
    assert "Firth" in res.summary()


def test_separated_data_give_finite_estimates_where_ml_warns():
    case = CASES["logit_separated_endometrial"]
    with pytest.warns(gl.SeparationWarning, match="method='firth'") as caught:
        fit_case(case, method="irls")
    assert "dropping" not in str(caught[0].message)
    res = fit_case(case)
    assert np.all(np.isfinite(res.params)) and res.separation is None


def test_firth_shrinks_toward_zero_for_a_saturated_logit():
    # One binomial group: Firth's estimate is logit((s + 1/2) / (m + 1)), the
    # classical "add a half" correction (a closed form, independent of brglm2).
    res = gl.fit(np.ones((1, 1)), np.array([[3.0, 7.0]]), family=gl.Binomial(), method="firth", tol=1e-13)
    np.testing.assert_allclose(res.params.iloc[0], np.log(3.5 / 7.5), rtol=1e-12)
    # A Poisson count of zero: log(y + 1/2) is finite where the MLE log(0) is not.
    res = gl.fit(np.ones((1, 1)), np.array([0.0]), family=gl.Poisson(), method="firth", tol=1e-13)
    np.testing.assert_allclose(res.params.iloc[0], np.log(0.5), rtol=1e-12)


@pytest.mark.parametrize("family", [gl.Binomial(link="probit"), gl.Gaussian(), gl.QuasiPoisson(), gl.Poisson(link="sqrt")])
def test_other_families_and_links_are_refused(family):
    X = np.column_stack([np.ones(4), [0.0, 1, 2, 3]])
    with pytest.raises(ValueError, match="method='firth' is implemented for"):
        gl.fit(X, np.array([0.0, 1, 0, 1]), family=family, method="firth")


def test_profile_interval_refused_for_firth_fit():
    res = fit_case(CASES["logit_counts_budworm"])
    with pytest.raises(ValueError, match="method='firth'"):
        res.conf_int(method="profile")
