"""Firth's bias-reduced estimates against brglm2 (fixtures from tests/r/firth.R)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from rdata import load_fixture, r_frame

import glm_lib as gl
from glm_lib._engine import _firth

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
    assert "Firth" in res.summary() and "conf_int(method='profile')" in res.summary()


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


PROFILE = {case["name"]: case for case in load_fixture("firth_profile")["cases"]}


def fit_profile_case(case):
    family = getattr(gl, case["family"])(link=case["link"])
    return gl.glm(case["formula"], r_frame(case["data"]), family=family, method="firth", tol=1e-12)


@pytest.mark.parametrize("name", sorted(PROFILE))
def test_penalised_profile_intervals_and_tests_match_r(name):
    # R maximises l + 0.5 log det I by BFGS with each coefficient (or term) held fixed
    # and finds the ends with uniroot (tests/r/firth_profile.R): an independent route.
    case = PROFILE[name]
    res = fit_profile_case(case)
    np.testing.assert_allclose(res.params, case["coefficients"], rtol=1e-8, atol=1e-10)
    ci = res.conf_int(method="profile")
    np.testing.assert_allclose(ci["lower"], case["lower"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ci["upper"], case["upper"], rtol=1e-6, atol=1e-7)
    assert np.all(ci["lower"] < res.params) and np.all(res.params < ci["upper"])
    table = gl.drop1(res, test="Chisq")
    if name == "endometrial":  # 0/1 data: the deviance is -2 l, so the constants agree
        np.testing.assert_allclose(table.loc["<none>", "Pen. deviance"], case["penalised_deviance"], rtol=1e-9)
    for test in case["tests"]:
        row = table.loc[test["term"]]
        assert row["Df"] == test["df"]
        np.testing.assert_allclose(row["LRT"], test["statistic"], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(row["Pr(>Chi)"], test["p"], rtol=1e-5)


def test_heinze_schemper_endometrial_table():
    # Heinze and Schemper (2002), endometrial cancer, penalised likelihood: estimates,
    # standard errors, 95% penalised profile-likelihood intervals and penalised
    # likelihood-ratio p-values, to the printed digits.
    res = fit_case(CASES["logit_separated_endometrial"])
    ci = res.conf_int(method="profile")
    p = gl.drop1(res, test="Chisq")["Pr(>Chi)"]
    published = {  # estimate, se, lower, upper, p
        "NV": (2.93, 1.55, 0.61, 7.85, "0.009"),
        "PI": (-0.03, 0.04, -0.12, 0.04, "0.39"),
        "EH": (-2.60, 0.78, -4.37, -1.23, "<0.001"),
    }
    for name, (estimate, se, lower, upper, p_value) in published.items():
        assert round(res.params[name], 2) == estimate
        assert round(res.bse[name], 2) == se
        assert round(ci.loc[name, "lower"], 2) == lower and round(ci.loc[name, "upper"], 2) == upper
        if p_value.startswith("<"):
            assert p[name] < float(p_value[1:])
        else:
            digits = len(p_value.split(".")[1])
            assert round(p[name], digits) == float(p_value)
    # The Wald test of the Firth fit calls NV "not significant"; the penalised LR test does not.
    assert res.pvalues["NV"] > 0.05 > p["NV"]


def test_penalised_profile_by_direct_optimisation():
    # An independent route in Python: maximise l + 0.5 log det I over the other
    # coefficients with NV held at each end of glm_lib's interval (scipy's
    # Nelder-Mead then BFGS, no glm_lib code); twice the drop is the chi2_1 quantile.
    from scipy import optimize, special, stats

    res = fit_case(CASES["logit_separated_endometrial"])
    X, y = res.model_X, res.y

    def minus_penalised(beta):
        eta = X @ beta
        mu = special.expit(eta)
        info = (X * (mu * (1 - mu))[:, None]).T @ X
        return -(np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * np.linalg.slogdet(info)[1])

    top = minus_penalised(res._params)
    ci = res.conf_int(method="profile")
    for end in ("lower", "upper"):
        b = ci.loc["NV", end]

        def restricted(others):
            return minus_penalised(np.array([others[0], b, others[1], others[2]]))

        start = res._params[[0, 2, 3]]
        first = optimize.minimize(restricted, start, method="Nelder-Mead",
                                  options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
        best = optimize.minimize(restricted, first.x, method="BFGS", options={"gtol": 1e-9})
        assert np.isclose(2 * (best.fun - top), stats.chi2.ppf(0.95, 1), atol=1e-5)


def test_penalised_inputs_are_validated():
    res = fit_case(CASES["logit_counts_budworm"])
    ml = fit_case(CASES["logit_counts_budworm"], method="irls")
    with pytest.raises(ValueError, match="method='firth'"):
        gl.firth.penalised_lrt(ml)
    with pytest.raises(TypeError, match="fitted GLM"):
        gl.firth.penalised_lrt("not a fit")
    with pytest.raises(ValueError, match="not terms of the model"):
        gl.firth.penalised_lrt(res, ["dose"])
    with pytest.raises(ValueError, match="test='Chisq'"):
        gl.drop1(res, test="F")
    with pytest.raises(ValueError, match="drop1"):
        gl.anova(fit_case(CASES["logit_counts_budworm"]), res)
    with pytest.raises(ValueError, match="not coefficients of the model"):
        gl.profile.profile_conf_int(res, names=["dose"])
    with pytest.raises(ValueError, match="alpha"):
        res.conf_int(alpha=1.5, method="profile")


def test_constrained_firth_fit_checks_its_mask_and_start():
    X = np.column_stack([np.ones(6), [1.0, 2, 3, 3, 4, 5]])
    y = np.array([0.0, 0, 0, 1, 1, 1])
    ones, zero = np.ones(6), np.zeros(6)
    with pytest.raises(ValueError, match="one entry per column"):
        _firth.firth_scoring(gl.Binomial(), X, y, ones, zero, 1e-10, 50, start=[0.0, 0.0], free=[True])
    with pytest.raises(ValueError, match="start"):
        _firth.firth_scoring(gl.Binomial(), X, y, ones, zero, 1e-10, 50, free=[True, False])
    # holding the slope at Firth's estimate returns Firth's intercept
    full = _firth.firth_scoring(gl.Binomial(), X, y, ones, zero, 1e-12, 100)
    held = _firth.firth_scoring(gl.Binomial(), X, y, ones, zero, 1e-12, 100,
                                  start=[0.0, full.params[1]], free=[True, False])
    np.testing.assert_allclose(held.params, full.params, rtol=1e-8)
