"""Cumulative-link models against MASS::polr and ordinal::clm (fixtures from tests/r/ordinal.R)."""

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl

FIXTURES = json.loads((Path(__file__).parent / "r" / "fixtures" / "ordinal.json").read_text())
HOUSING = "Sat ~ Infl + Type + Cont"


def _housing(link):
    return gl.ordinal_glm(HOUSING, gl.datasets.load_housing(), link=link, weights="Freq")


def _wine(link):
    return gl.ordinal_glm("rating ~ temp + contact", gl.datasets.load_wine(), link=link)


CASES = [
    ("housing_polr_logit", _housing, "logit", "housing"),
    ("housing_clm_logit", _housing, "logit", "housing"),
    ("housing_clm_probit", _housing, "probit", "housing"),
    ("housing_polr_probit", _housing, "probit", "housing"),
    ("housing_clm_cloglog", _housing, "cloglog", "housing"),
    ("wine_polr_logit", _wine, "logit", "wine"),
    ("wine_clm_logit", _wine, "logit", "wine"),
    ("wine_clm_cloglog", _wine, "cloglog", "wine"),
]


@pytest.mark.parametrize("key, fitter, link, data", CASES, ids=[c[0] for c in CASES])
def test_matches_r(key, fitter, link, data):
    expected = FIXTURES[key]
    res = fitter(link)
    assert res.converged
    # R's names differ (InflMedium vs Infl[T.Medium]); the order is the same.
    np.testing.assert_allclose(res.params.to_numpy(), list(expected["params"].values()), rtol=1e-6)
    assert list(res.thresholds.index) == list(expected["thresholds"])
    np.testing.assert_allclose(res.thresholds.to_numpy(), list(expected["thresholds"].values()), rtol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), list(expected["bse"].values()), rtol=1e-4)
    np.testing.assert_allclose(res.thresholds_bse.to_numpy(), list(expected["thresholds_bse"].values()), rtol=1e-4)
    assert res.llf == pytest.approx(expected["llf"], rel=1e-10)
    assert res.aic == pytest.approx(expected["aic"], rel=1e-10)
    assert res.deviance == pytest.approx(expected["deviance"], rel=1e-10)
    frame = gl.datasets.load_housing() if data == "housing" else gl.datasets.load_wine()
    new = frame.iloc[FIXTURES[f"{data}_new_rows"]]
    probabilities = res.predict_proba(new)
    assert list(probabilities.columns) == res.levels
    np.testing.assert_allclose(probabilities.to_numpy(), expected["predict_proba"], atol=1e-7)


def test_clm_is_tighter_than_polr():
    """clm's analytic Hessian and ours agree far beyond polr's numerical one."""
    res = _housing("logit")
    np.testing.assert_allclose(res.bse.to_numpy(), list(FIXTURES["housing_clm_logit"]["bse"].values()), rtol=1e-7)


def test_array_interface_and_integer_levels():
    wine = gl.datasets.load_wine()
    X = np.column_stack([(wine["temp"] == "warm").to_numpy(float), (wine["contact"] == "yes").to_numpy(float)])
    res = gl.fit_ordinal(X, wine["rating"].astype(int).to_numpy(), feature_names=["warm", "contact"])
    assert list(res.thresholds.index) == ["1|2", "2|3", "3|4", "4|5"]
    np.testing.assert_allclose(res.params.to_numpy(), list(FIXTURES["wine_clm_logit"]["params"].values()), rtol=1e-6)
    proba = res.predict_proba(X[:3])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert res.predict(X[:1])[0] in res.levels


def test_frequency_weights_equal_expanded_rows():
    housing = gl.datasets.load_housing()
    expanded = housing.loc[housing.index.repeat(housing["Freq"])].reset_index(drop=True)
    weighted = _housing("logit")
    unweighted = gl.ordinal_glm(HOUSING, expanded)
    np.testing.assert_allclose(unweighted.params, weighted.params, rtol=1e-8)
    assert unweighted.llf == pytest.approx(weighted.llf, rel=1e-10)


def test_summary_layout():
    text = _housing("logit").summary()
    assert "Coefficients:" in text and "Intercepts:" in text
    assert "Low|Medium" in text and "Residual Deviance: 3479.149" in text and "AIC: 3495.149" in text


# --- bad input -----------------------------------------------------------------
def _x(n=30):
    return np.random.default_rng(1).normal(size=(n, 1))


def test_two_levels_rejected():
    with pytest.raises(ValueError, match="at least 3"):
        gl.fit_ordinal(_x(), np.arange(30) % 2)


def test_unordered_strings_rejected():
    with pytest.raises(ValueError, match="ordered=True"):
        gl.fit_ordinal(_x(), np.array(["a", "b", "c"] * 10))
    with pytest.raises(ValueError, match="unordered categorical"):
        gl.fit_ordinal(_x(), pd.Categorical(["a", "b", "c"] * 10))


def test_empty_level_rejected():
    y = pd.Categorical(["lo", "hi", "mid"] * 10, categories=["lo", "mid", "top", "hi"], ordered=True)
    with pytest.raises(ValueError, match="level\\(s\\) top"):
        gl.fit_ordinal(_x(), y)


def test_intercept_column_rejected():
    X = np.column_stack([np.ones(30), _x()])
    with pytest.raises(ValueError, match="constant column"):
        gl.fit_ordinal(X, np.arange(30) % 3)


def test_other_bad_inputs():
    y = np.arange(30) % 3
    with pytest.raises(ValueError, match="link must be"):
        gl.fit_ordinal(_x(), y, link="cauchit")
    with pytest.raises(ValueError, match="non-integer"):
        gl.fit_ordinal(_x(), y + 0.5)
    with pytest.raises(ValueError, match="missing"):
        gl.fit_ordinal(_x(), pd.Series(y, dtype=float).where(y != 1))
    with pytest.raises(ValueError, match="weights must be non-negative"):
        gl.fit_ordinal(_x(), y, weights=-np.ones(30))
    with pytest.raises(ValueError, match="rows"):
        gl.fit_ordinal(_x(), y[:-1])
    with pytest.raises(ValueError, match="rank-deficient"):
        gl.fit_ordinal(np.column_stack([_x(), 2 * _x()]), y)
    with pytest.raises(ValueError, match="not a column"):
        gl.ordinal_glm("nope ~ temp", gl.datasets.load_wine())
    with pytest.raises(TypeError, match="DataFrame"):
        gl.ordinal_glm("rating ~ temp", {"rating": [1]})


def test_separation_warns():
    x = np.repeat([0.0, 1.0, 2.0], 10)
    y = np.repeat([1, 2, 3], 10)
    with pytest.warns(gl.SeparationWarning, match="probability 1"):
        gl.fit_ordinal(x, y)


def test_no_warning_on_regular_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _wine("probit")


def test_proportional_odds_nested_in_multinomial():
    """The multinomial fit the proportional-odds model is tested against matches nnet::multinom."""
    housing = gl.datasets.load_housing()
    design = pd.get_dummies(housing[["Infl", "Type", "Cont"]], drop_first=True).astype(float)
    design.insert(0, "Intercept", 1.0)
    multinomial = gl.fit_multinomial(design, housing["Sat"], weights=housing["Freq"])
    expected = FIXTURES["housing_multinom"]
    assert multinomial.llf == pytest.approx(expected["llf"], rel=1e-10)
    assert multinomial.n_params == expected["n_params"]
    assert multinomial.llf > _housing("logit").llf
