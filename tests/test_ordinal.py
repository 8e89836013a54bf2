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
    assert "Low|Medium" in text and "-2 logLik: 3479.149" in text and "AIC: 3495.149" in text


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


def test_multinomial_matches_nnet():
    """The multinomial fit the ordinal chapter compares by AIC matches nnet::multinom (the models are not nested)."""
    housing = gl.datasets.load_housing()
    design = pd.get_dummies(housing[["Infl", "Type", "Cont"]], drop_first=True).astype(float)
    design.insert(0, "Intercept", 1.0)
    multinomial = gl.fit_multinomial(design, housing["Sat"], weights=housing["Freq"])
    expected = FIXTURES["housing_multinom"]
    assert multinomial.llf == pytest.approx(expected["llf"], rel=1e-10)
    assert multinomial.n_params == expected["n_params"]
    assert multinomial.aic == pytest.approx(expected["aic"], rel=1e-10)


# --- nominal (partial proportional-odds) effects against ordinal::clm(..., nominal = ~ ...) ---------------
def _values(named):
    """The values of a fixture's named list (jsonlite writes an empty one as [])."""
    return list(named.values()) if isinstance(named, dict) else list(named)


def _r_name(name):
    """clm's name for a column: contact[T.yes] -> contactyes."""
    return name.replace("[T.", "").replace("]", "")


NOMINAL_CASES = [
    ("wine_nominal_contact", "wine", "rating ~ temp", "~ contact", "logit"),
    ("wine_nominal_contact_probit", "wine", "rating ~ temp", "~ contact", "probit"),
    ("housing_nominal_all", "housing", "Sat ~ 1", "~ Infl + Type + Cont", "logit"),
    ("housing_nominal_type", "housing", "Sat ~ Infl + Cont", "~ Type", "logit"),
    ("housing_nominal_cloglog", "housing", "Sat ~ Infl + Type", "~ Cont", "cloglog"),
]


def _nominal_fit(data, formula, nominal, link):
    frame = gl.datasets.load_housing() if data == "housing" else gl.datasets.load_wine()
    weights = "Freq" if data == "housing" else None
    return frame, gl.ordinal_glm(formula, frame, link=link, weights=weights, nominal=nominal)


@pytest.mark.parametrize("key, data, formula, nominal, link", NOMINAL_CASES, ids=[c[0] for c in NOMINAL_CASES])
def test_nominal_matches_clm(key, data, formula, nominal, link):
    expected = FIXTURES[key]
    frame, res = _nominal_fit(data, formula, nominal, link)
    assert res.converged
    # clm's names and order: "1|2.(Intercept)", ..., "1|2.contactyes", ...
    assert [_r_name(n) for n in res.thresholds.index] == list(expected["thresholds"])
    assert [_r_name(n) for n in res.params.index] == list(expected["params"])
    np.testing.assert_allclose(res.thresholds.to_numpy(), list(expected["thresholds"].values()), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(res.params.to_numpy(), _values(expected["params"]), rtol=1e-7)
    np.testing.assert_allclose(res.thresholds_bse.to_numpy(), list(expected["thresholds_bse"].values()), rtol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), _values(expected["bse"]), rtol=1e-6)
    assert res.llf == pytest.approx(expected["llf"], rel=1e-11)
    assert res.aic == pytest.approx(expected["aic"], rel=1e-11)
    assert res.n_params == expected["n_params"]
    # clm's fitted values: each row's probability of its observed category, here from new data.
    probabilities = res.predict_proba(frame).to_numpy()
    observed = probabilities[np.arange(len(frame)), res.codes]
    np.testing.assert_allclose(observed, expected["fitted"], atol=1e-9)


def test_nominal_without_nominal_terms_is_proportional_odds():
    """Proportional odds is the special case gamma_k = 0: the joint LR test has (K - 2) x columns df."""
    _, everything = _nominal_fit("housing", "Sat ~ 1", "~ Infl + Type + Cont", "logit")
    po = _housing("logit")
    lr = 2 * (everything.llf - po.llf)
    expected = 2 * (FIXTURES["housing_nominal_all"]["llf"] - FIXTURES["housing_clm_logit"]["llf"])
    assert lr == pytest.approx(expected, rel=1e-8)
    assert everything.n_params - po.n_params == 6
    assert 0 < lr < 20


@pytest.mark.parametrize("data", ["housing", "wine"])
def test_nominal_test_matches_clm(data):
    expected = FIXTURES[f"{data}_nominal_test"]
    fit = _housing("logit") if data == "housing" else _wine("logit")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = gl.nominal_test(fit)
    assert list(table.index) == ["<none>", *expected["terms"]]
    rows = table.iloc[1:]
    np.testing.assert_array_equal(rows["Df"], expected["df"])
    np.testing.assert_allclose(rows["logLik"], expected["llf"], rtol=1e-10)
    np.testing.assert_allclose(rows["LRT"], expected["lrt"], rtol=1e-6)
    np.testing.assert_allclose(rows["Pr(>Chi)"], expected["p"], rtol=1e-6)
    assert table.loc["<none>", "logLik"] == pytest.approx(fit.llf)
    # Wine: no warm wine was rated 1 and no cold wine 5, so temperature's outer cut effects are infinite.
    separated = [w for w in caught if issubclass(w.category, gl.SeparationWarning)]
    assert (len(separated) > 0) == (data == "wine")


def test_nominal_summary_and_sign():
    _, res = _nominal_fit("wine", "rating ~ temp", "~ contact", "logit")
    text = res.summary()
    assert "partial proportional odds" in text and "Nominal: ~ contact" in text and "4|5.contact[T.yes]" in text
    # A nominal coefficient shifts a threshold: negative moves mass up, like a positive proportional beta.
    po = _wine("logit")
    assert po.params["contact[T.yes]"] > 0 and (res.thresholds.filter(like="contact") < 0).all()


def test_nominal_array_interface():
    wine = gl.datasets.load_wine()
    warm = (wine["temp"] == "warm").to_numpy(float)[:, None]
    contact = (wine["contact"] == "yes").to_numpy(float)[:, None]
    res = gl.fit_ordinal(warm, wine["rating"].astype(int).to_numpy(), nominal=contact,
                         feature_names=["warm"], nominal_names=["contactyes"])
    expected = FIXTURES["wine_nominal_contact"]
    assert list(res.thresholds.index) == list(expected["thresholds"])
    np.testing.assert_allclose(res.thresholds.to_numpy(), list(expected["thresholds"].values()), rtol=1e-7)
    only_nominal = gl.fit_ordinal(np.zeros((72, 0)), wine["rating"].astype(int).to_numpy(), nominal=contact)
    assert only_nominal.params.empty and len(only_nominal.thresholds) == 8
    with pytest.raises(ValueError, match="predict|DataFrame"):
        res.predict_proba(warm)


def test_predictions_warn_where_thresholds_cross():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, 300)
    latent = 2 * x + rng.logistic(size=300) * (1 + 2 * x)   # the spread grows with x: non-proportional
    frame = pd.DataFrame({"y": np.digitize(latent, [-1.0, 1.0, 3.0]), "x": x})
    res = gl.ordinal_glm("y ~ 1", frame, nominal="~ x")
    with pytest.warns(RuntimeWarning, match="cross"):
        res.predict_proba(pd.DataFrame({"x": [40.0]}))


def test_nominal_bad_input():
    housing = gl.datasets.load_housing()
    fit = lambda **kw: gl.ordinal_glm("Sat ~ Infl + Type + Cont", housing, weights="Freq", **kw)
    with pytest.raises(ValueError, match="both in the formula and in nominal"):
        fit(nominal="~ Cont")
    with pytest.raises(ValueError, match="nominal design.*nope"):
        fit(nominal="~ nope")
    with pytest.raises(ValueError, match="one-sided"):
        fit(nominal="Sat ~ Cont")
    with pytest.raises(ValueError, match="no terms"):
        fit(nominal="~ 1")
    with pytest.raises(TypeError, match="nominal must be"):
        fit(nominal=["Cont"])
    with pytest.raises(ValueError, match="no covariates"):
        gl.ordinal_glm("Sat ~ 1", housing, weights="Freq")
    with pytest.raises(ValueError, match="missing values in Cont"):
        gl.ordinal_glm("Sat ~ Infl", housing.assign(Cont=housing["Cont"].where(housing.index != 3)),
                       weights="Freq", nominal="~ Cont")
    X = np.random.default_rng(1).normal(size=(30, 1))
    y = np.arange(30) % 3
    with pytest.raises(ValueError, match="rows"):
        gl.fit_ordinal(X, y, nominal=X[:-1])
    with pytest.raises(ValueError, match="constant column"):
        gl.fit_ordinal(X, y, nominal=np.ones((30, 1)))
    with pytest.raises(ValueError, match="both in X and in nominal"):
        gl.fit_ordinal(X, y, nominal=X, feature_names=["x"], nominal_names=["x"])
    with pytest.raises(ValueError, match="rank-deficient.*nominal z"):
        gl.fit_ordinal(X, y, nominal=2 * X, feature_names=["x"], nominal_names=["z"])
    with pytest.raises(ValueError, match="X is empty"):
        gl.fit_ordinal(np.zeros((30, 0)), y)
    with pytest.raises(TypeError, match="OrdinalResults"):
        gl.nominal_test("fit")
    with pytest.raises(ValueError, match="ordinal_glm"):
        gl.nominal_test(gl.fit_ordinal(X, y))


def test_nominal_test_keeps_the_fit_s_nominal_terms():
    """Testing the proportional terms of a partial proportional-odds fit moves each into nominal beside Type."""
    expected = FIXTURES["housing_type_nominal_test"]
    _, fit = _nominal_fit("housing", "Sat ~ Infl + Cont", "~ Type", "logit")
    table = gl.nominal_test(fit)
    assert list(table.index) == ["<none>", *expected["terms"]]
    np.testing.assert_array_equal(table["Df"].iloc[1:], expected["df"])
    np.testing.assert_allclose(table["logLik"].iloc[1:], expected["llf"], rtol=1e-10)
    np.testing.assert_allclose(table["LRT"].iloc[1:], expected["lrt"], rtol=1e-6)
    # Each refit is nested in the all-nominal model, so none can beat its log-likelihood.
    assert table["logLik"].iloc[1:].max() < FIXTURES["housing_nominal_all"]["llf"]


@pytest.mark.parametrize(
    "name, formula, data, weights, bic",
    [
        ("housing_drop1", "Sat ~ Infl + Type + Cont", "housing", "Freq", False),
        ("housing_interaction_drop1_bic", "Sat ~ Infl * Type + Cont", "housing", "Freq", True),
        ("wine_temp_drop1", "rating ~ temp", "wine", None, False),
    ],
)
def test_drop1_on_an_ordinal_fit_matches_r(name, formula, data, weights, bic):
    """gl.drop1 on an ordinal fit: R's drop1 on polr (marginality respected; thresholds-only when no term is left)."""
    expected = FIXTURES[name]
    frame = getattr(gl.datasets, f"load_{data}")()
    res = gl.ordinal_glm(formula, frame, weights=weights)
    k = np.log(res.nobs) if bic else 2.0
    table = gl.drop1(res, test="Chisq", k=k)
    assert list(table.index) == ["<none>", *np.atleast_1d(expected["terms"]).tolist()]
    assert np.array_equal(table["Df"].iloc[1:], np.atleast_1d(expected["df"]))
    assert np.allclose(table["AIC"], expected["aic"], rtol=1e-9, atol=0)
    assert np.allclose(table["LRT"].iloc[1:], np.atleast_1d(expected["lrt"]), rtol=1e-7, atol=1e-8)
    assert np.allclose(table["Pr(>Chi)"].iloc[1:], np.atleast_1d(expected["p"]), rtol=1e-6, atol=0)


def test_drop1_on_an_ordinal_fit_rejects_what_it_cannot_do():
    res = gl.ordinal_glm("Sat ~ Infl + Type + Cont", gl.datasets.load_housing(), weights="Freq")
    with pytest.raises(ValueError, match="no F test"):
        gl.drop1(res, test="F")
    with pytest.raises(ValueError, match="scope: Age not terms"):
        gl.drop1(res, scope=["Age"])
    wine = gl.datasets.load_wine()
    direct = gl.fit_ordinal((wine["temp"] == "warm").to_numpy(float)[:, None], wine["rating"])
    with pytest.raises(ValueError, match="made by gl.ordinal_glm"):
        gl.drop1(direct)
