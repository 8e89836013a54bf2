"""glm_lib against R's glm and MASS::glm.nb on real data (fixtures from tests/r/glm.R).

R fitted every model with ``glm.control(epsilon = 1e-12)``; glm_lib fits with
``tol=1e-12``, so estimates and standard errors agree to about 1e-8 and are
compared at 1e-6 relative.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl

FIXTURES = Path(__file__).parent / "r" / "fixtures"
R = json.loads((FIXTURES / "glm.json").read_text())
RTOL = 1e-6


def r_frame(exported: dict) -> pd.DataFrame:
    """A data frame exported by tests/r/_common.R, with R's factor levels (and order)."""
    frame = pd.DataFrame(exported["columns"])
    for column, levels in exported["levels"].items():
        ordered = column in exported.get("ordered", [])
        frame[column] = pd.Categorical(frame[column], categories=levels, ordered=ordered)
    return frame


def close(actual, expected, rtol=RTOL, atol=1e-10):
    expected = np.asarray([np.nan if v is None else v for v in np.atleast_1d(expected)], dtype=float)
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=rtol, atol=atol)


def fit_case(case: dict, formula: str | None = None) -> gl.GLMResults:
    family = getattr(gl, case["family"])(link=case["link"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # R fitted every case without a warning
        return gl.glm(formula or case["formula"], r_frame(case["data"]), family=family, weights=case["weights"],
                      offset=case["offset"], start=case["start"], tol=1e-12, max_iter=100)


GLM_CASES = {case["name"]: case for case in R["glm"]}


@pytest.fixture(scope="module", params=sorted(GLM_CASES))
def glm_case(request):
    case = GLM_CASES[request.param]
    return case, fit_case(case)


def test_estimates_and_inference(glm_case):
    case, res = glm_case
    r = case["r"]
    assert list(res.params.index) == [name for name in res.params.index]  # names come from the formula
    close(res.params.to_numpy(), list(r["coefficients"].values()))
    close(res.bse.to_numpy(), list(r["se"].values()))
    close(res.deviance, r["deviance"])
    close(res.null_deviance, r["null_deviance"])
    assert (res.df_resid, res.df_null) == (r["df_residual"], r["df_null"])
    close(res.dispersion, r["dispersion"])


def test_likelihood_and_information_criteria(glm_case):
    case, res = glm_case
    r = case["r"]
    if r["loglik"] is None:  # quasi families: R's logLik is NA, glm_lib refuses
        with pytest.raises(ValueError, match="no likelihood"):
            res.llf
        return
    close(res.llf, r["loglik"], rtol=1e-9)
    close(res.aic, r["aic"], rtol=1e-9)
    close(res.bic, r["bic"], rtol=1e-9)


def test_fitted_values_and_influence(glm_case):
    case, res = glm_case
    r = case["r"]
    close(res.mu, r["fitted"])
    close(res.prior_weights, r["prior_weights"])
    close(res.leverage, r["hatvalues"])
    close(res.resid_studentized, r["rstandard"])
    close(res.cooks_distance, r["cooks_distance"])


def test_predictions_with_standard_errors(glm_case):
    case, res = glm_case
    pred = case["r"]["predict"]
    new = r_frame(pred["newdata"])
    offset = None if case["offset"] is None else new[case["offset"]].to_numpy()
    link = res.predict(new, kind="link", interval=True, offset=offset)
    close(link["fit"], pred["link"])
    close(link["se_link"], pred["link_se"])
    response = res.predict(new, kind="response", interval=True, offset=offset)
    close(response["fit"], pred["response"])
    close(response["se_response"], pred["response_se"])


@pytest.mark.parametrize("name", sorted(name for name, case in GLM_CASES.items() if "anova" in case))
def test_anova_table(name):
    case = GLM_CASES[name]
    table = case["anova"]["table"]
    big, small = fit_case(case), fit_case(case, case["anova"]["small"])
    ours = gl.anova(small, big, test=case["anova"]["test"])
    for column, values in table.items():
        close(ours[column].to_numpy(), values, rtol=1e-7)


# --- MASS::glm.nb --------------------------------------------------------------------------

NB_CASES = {case["name"]: case for case in R["glm_nb"]}


def fit_nb(case: dict) -> gl.GLMResults:
    return gl.glm_nb(case["formula"], r_frame(case["data"]), link=case["link"], tol=1e-12, max_iter=100)


@pytest.mark.parametrize("name", sorted(NB_CASES))
def test_glm_nb(name):
    case = NB_CASES[name]
    r = case["r"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # converges without a warning
        res = fit_nb(case)
    close(res.theta, r["theta"])
    # R's theta.ml takes the SE from the information one Newton step before its final
    # theta (steps stop below eps^0.25, absolute); glm_lib's is at the estimate.
    close(res.theta_se, r["theta_se"], rtol=1e-3)
    close(res.params.to_numpy(), list(r["coefficients"].values()))
    close(res.bse.to_numpy(), list(r["se"].values()))
    close(res.deviance, r["deviance"])
    close(res.llf, r["loglik"], rtol=1e-9)
    close(2 * res.llf, r["twologlik"], rtol=1e-9)
    close(res.aic, r["aic"], rtol=1e-9)
    close(res.leverage, r["hatvalues"])
    new = r_frame(r["predict"]["newdata"])
    link = res.predict(new, kind="link", interval=True)
    close(link["fit"], r["predict"]["link"])
    close(link["se_link"], r["predict"]["link_se"])


# --- issue 8's bugs, each against R's numbers ------------------------------------------------

BUGS = R["bugs"]


def test_bug1_binomial_loglik_with_cbind_and_prior_weights():
    """R: logLik = sum(w * dbinom(s, n, mu)), not sum(dbinom(w s, w n, mu)); mustart uses n."""
    case = GLM_CASES["binomial_logit_cbind_weights_budworm"]
    res = fit_case(case)
    close(res.llf, case["r"]["loglik"], rtol=1e-10)
    close(res.aic, case["r"]["aic"], rtol=1e-10)
    # the old formula gives a different number, so this test can tell them apart
    from scipy import stats
    w = r_frame(case["data"])["w"].to_numpy()
    trials, successes = res.prior_weights, res.prior_weights * res.y
    assert abs(np.sum(stats.binom.logpmf(successes, trials, res.mu)) - res.llf) > 1.0
    close(res.llf, np.sum(w * stats.binom.logpmf(successes / w, trials / w, res.mu)), rtol=1e-12)


def test_bug1_binomial_start_uses_the_numbers_of_trials():
    """At R's default epsilon the start shows in the one-step-behind SEs and hat values."""
    case = BUGS["cbind_weights_default"]
    res = gl.glm(case["formula"], r_frame(case["data"]), family=gl.Binomial(), weights=case["weights"])
    r = case["r"]
    assert res.n_iter == r["iterations"]
    close(res.params.to_numpy(), list(r["coefficients"].values()), rtol=1e-10)
    close(res.bse.to_numpy(), list(r["se"].values()), rtol=1e-10)
    close(res.leverage, r["hatvalues"], rtol=1e-10)


def test_bug3_warns_when_the_fit_stops_at_the_boundary():
    case = BUGS["boundary"]
    assert "glm.fit: algorithm stopped at boundary value" in case["warnings"]
    with pytest.warns(gl.ConvergenceWarning, match="boundary"):
        res = gl.glm(case["formula"], r_frame(case["data"]), family=gl.Binomial(link=case["link"]),
                     start=case["start"])
    # both stop with the largest fitted probability on the bound 1
    assert 1 - res.mu.max() < 1e-8 and 1 - max(case["fitted"]) < 1e-8
    close(res.params.to_numpy(), list(case["coefficients"].values()), rtol=1e-3)


def test_bug3_no_boundary_warning_when_the_link_keeps_means_inside():
    # logit never leaves (0, 1); R warns only for links that can
    data = r_frame(BUGS["boundary"]["data"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gl.glm("y ~ x", data, family=gl.Binomial())


def test_bug5_glm_nb_sqrt_link_converges_to_r_precision_at_default_tol():
    case = NB_CASES["negbin_sqrt_quine"]
    res = gl.glm_nb(case["formula"], r_frame(case["data"]), link="sqrt")
    # Within 1e-6 standard errors of R's tightly converged fit (epsilon 1e-12), as R's
    # own default fit is.
    exact = np.array(list(case["r"]["coefficients"].values()))
    se = np.array(list(case["r"]["se"].values()))
    r_default = np.array(list(BUGS["nb_sqrt_default"]["coefficients"].values()))
    assert np.max(np.abs(r_default - exact) / se) < 1e-6
    assert np.max(np.abs(res.params.to_numpy() - exact) / se) < 1e-6
    close(res.theta, case["r"]["theta"], rtol=1e-8)
    # the score of theta is zero at the estimate
    from glm_lib._models._negbin import _theta_score_and_information
    score, information = _theta_score_and_information(res.theta, res.y, res.mu, res.prior_weights)
    assert abs(score) / np.sqrt(information) < 1e-5


def test_bug6_anova_of_two_glm_nb_fits_is_r_anova_negbin():
    """Each fit at its own theta: 2 (l1 - l0), never a (negative) deviance difference."""
    spec = R["glm_nb_anova"]
    small, large = fit_nb(NB_CASES[spec["small"]]), fit_nb(NB_CASES[spec["large"]])
    table = gl.anova(small, large)
    r = spec["table"]
    assert table["Model"].tolist() == r["Model"]
    assert table["Test"].tolist() == r["Test"]
    close(table["theta"], r["theta"])
    close(table["Resid. df"], r["Resid. df"])
    close(table["2 x log-lik."], r["   2 x log-lik."], rtol=1e-9)
    close(table["df"], r["   df"])
    close(table["LR stat."], r["LR stat."], rtol=1e-6)
    close(table["Pr(Chi)"], r["Pr(Chi)"], rtol=1e-6)
    assert table["LR stat."].iloc[1] > 0
