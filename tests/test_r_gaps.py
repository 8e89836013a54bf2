"""R's behaviour in the places glm_lib used to differ from it (fixtures: tests/r/gaps.R).

One model's sequential analysis of deviance, predictions after dotted column
names and ``y ~ .``, R's proportion response ``s/m`` with ``weights = m``,
non-integer binomial successes (fitted with a warning, as R does), ``test="LRT"``
as R's alias, ``weights=`` naming a text column, and ``gl.multinom``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl
from rdata import as_array, load_fixture, r_frame

R = load_fixture("gaps")
close = np.testing.assert_allclose

ANOVA_CASES = {
    "dobson": ("counts ~ outcome + treatment", gl.Poisson(), "Chisq"),
    "budworm": ("cbind(numdead, numalive) ~ ldose * sex", gl.Binomial(), "Chisq"),
    "mtcars": ("mpg ~ wt + cyl + hp", gl.Gaussian(), "F"),
    "clotting": ("lot1 ~ log(u)", gl.Gamma(), "F"),
}


@pytest.mark.parametrize("case", ANOVA_CASES)
def test_one_model_anova_adds_terms_in_order_as_r(case):
    formula, family, test = ANOVA_CASES[case]
    r = R["anova"][case]
    res = gl.glm(formula, r_frame(r["data"]), family=family, tol=1e-12)
    table = gl.anova(res, test=test)
    assert len(table) == len(r["terms"]) and table.index[0] == "NULL"
    close(table["Df"].to_numpy(), as_array(r["df"]), equal_nan=True)
    close(table["Resid. Df"].to_numpy(), as_array(r["resid_df"]))
    close(table["Resid. Dev"].to_numpy(), as_array(r["resid_dev"]), rtol=1e-8)
    close(table["Deviance"].to_numpy(), as_array(r["deviance"]), rtol=1e-7, atol=1e-9, equal_nan=True)
    close(table.iloc[:, -1].to_numpy(), as_array(r["p"]), rtol=1e-6, atol=1e-12, equal_nan=True)
    if test == "F":
        close(table["F"].to_numpy(), as_array(r["f"]), rtol=1e-7, equal_nan=True)


def test_lrt_is_chisq_everywhere_a_test_is_chosen():
    r = R["anova"]["dobson"]
    data = r_frame(r["data"])
    small = gl.glm("counts ~ outcome", data, family=gl.Poisson())
    big = gl.glm("counts ~ outcome + treatment", data, family=gl.Poisson())
    pd.testing.assert_frame_equal(gl.anova(big, test="LRT"), gl.anova(big, test="Chisq"))
    pd.testing.assert_frame_equal(gl.anova(small, big, test="LRT"), gl.anova(small, big, test="Chisq"))
    pd.testing.assert_frame_equal(gl.drop1(big, test="LRT"), gl.drop1(big, test="Chisq"))
    with pytest.raises(ValueError, match="test must be"):
        gl.anova(big, test="Wald")


@pytest.mark.parametrize("case", ["dotted", "everything"])
def test_predict_after_dotted_names_and_dot_formula(case):
    r = R["dotted"]
    formula = {"dotted": "Ozone ~ Solar.R + Wind", "everything": "Ozone ~ ."}[case]
    res = gl.glm(formula, r_frame(r["data"]), family=gl.Gamma(link="log"), tol=1e-12)
    close(res.params.to_numpy(), list(r[case]["coefficients"].values()), rtol=1e-8)
    new = r_frame(r["newdata"])
    close(np.asarray(res.predict(new)), as_array(r[case]["predicted"]), rtol=1e-8)


def test_proportion_response_with_weights_is_rs_s_over_m():
    r = R["proportion"]
    res = gl.glm("numdead/m ~ ldose + sex", r_frame(r["data"]), family=gl.Binomial(), weights="m", tol=1e-12)
    close(res.params.to_numpy(), list(r["coefficients"].values()), rtol=1e-8)
    close(res.bse.to_numpy(), list(r["se"].values()), rtol=1e-6)
    close([res.deviance, res.aic], [r["deviance"], r["aic"]], rtol=1e-8)


def test_non_integer_successes_fit_with_a_warning_like_r():
    r = R["non_integer"]
    with pytest.warns(UserWarning, match="not whole numbers of successes"):
        res = gl.glm("cbind(numdead, numalive) ~ ldose", r_frame(r["data"]), family=gl.Binomial(), tol=1e-12)
    close(res.params.to_numpy(), list(r["coefficients"].values()), rtol=1e-8)
    close([res.deviance, res.aic], [r["deviance"], r["aic"]], rtol=1e-8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gl.glm("cbind(numdead, numalive) ~ ldose", r_frame(r["data"]), family=gl.QuasiBinomial())


def test_weights_naming_a_text_column_is_an_error_naming_weights():
    data = r_frame(R["proportion"]["data"])
    with pytest.raises(TypeError, match=r"weights='sex'.*must be numbers"):
        gl.glm("numdead/m ~ ldose", data, family=gl.Binomial(), weights="sex")


def test_multinom_matches_nnet():
    r = R["multinom"]
    gators = gl.datasets.load_alligator()
    res = gl.multinom("food ~ lake + size", gators, weights="count")
    assert res.classes == r["classes"] and res.baseline == r["classes"][0]
    params = res.params.T.loc[r["classes"][1:]].to_numpy()
    close(params, np.array(r["params"]), rtol=1e-5, atol=1e-6)
    close(res.bse.T.loc[r["classes"][1:]].to_numpy(), np.array(r["bse"]), rtol=1e-4)
    close([res.llf, res.aic, res.deviance], [r["llf"], r["aic"], r["deviance"]], rtol=1e-8)
    close(res.predict_proba(gators.iloc[[0, 1, 40]]), np.array(r["probs"]), rtol=1e-5)
    text = res.summary()
    assert text.startswith("Call:\nmultinom(formula = food ~ lake + size)")
    assert "Std. Errors:" in text and f"AIC: {r['aic']:.7g}" in text


def test_multinom_refuses_bad_input():
    gators = gl.datasets.load_alligator()
    with pytest.raises(ValueError, match="not a column"):
        gl.multinom("diet ~ lake", gators)
    with pytest.raises(ValueError, match="at least two"):
        gl.multinom("food ~ lake", gators[gators["food"] == "fish"].assign(food=lambda d: d["food"].astype(str)))
    with pytest.raises(TypeError, match="weights='lake'"):
        gl.multinom("food ~ size", gators, weights="lake")
