"""Contingency-table helpers: round trips, closed forms of log-linear fits, bad input."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl
from glm_lib import tables


def _ucb():
    return gl.datasets.load_ucb_admissions()


def test_xtabs_and_to_long_round_trip():
    ucb = _ucb()
    table = tables.xtabs(ucb, "Freq", rows=["Dept", "Gender"], columns="Admit")
    assert table.shape == (12, 2)
    assert table.loc[("A", "Male"), "Admitted"] == 512
    assert table.to_numpy().sum() == ucb["Freq"].sum() == 4526
    long = tables.to_long(table)
    assert list(long.columns) == ["Dept", "Gender", "Admit", "Freq"]
    assert list(long["Admit"].cat.categories) == ["Admitted", "Rejected"]
    merged = long.merge(ucb, on=["Dept", "Gender", "Admit"], suffixes=("", "_orig"))
    np.testing.assert_array_equal(merged["Freq"], merged["Freq_orig"])


def test_to_long_from_crosstab_matches_r_order():
    raw = pd.DataFrame({"a": ["x", "y", "y", "x", "y"], "b": ["u", "u", "v", "v", "v"]})
    long = tables.to_long(pd.crosstab(raw["a"], raw["b"]))
    assert long[["a", "b"]].astype(str).values.tolist() == [["x", "u"], ["y", "u"], ["x", "v"], ["y", "v"]]
    assert long["Freq"].tolist() == [1, 1, 1, 2]


def test_independence_fit_equals_margins():
    """Under independence the expected counts are row total x column total / n."""
    ucb = _ucb()
    two_way = ucb.groupby(["Admit", "Gender"], observed=True, as_index=False)["Freq"].sum()
    fit = gl.glm("Freq ~ Admit + Gender", two_way, family=gl.Poisson())
    expected = tables.fitted_table(fit, two_way, rows="Admit", columns="Gender")
    observed = tables.xtabs(two_way, "Freq", rows="Admit", columns="Gender").to_numpy()
    closed_form = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    np.testing.assert_allclose(expected.to_numpy(), closed_form, rtol=1e-10)
    pearson = np.sum((observed - closed_form) ** 2 / closed_form)
    assert np.sum(fit.resid_pearson**2) == pytest.approx(pearson, rel=1e-10)


def test_empty_cells_are_zero():
    data = pd.DataFrame({"a": pd.Categorical(["x", "y"], categories=["x", "y", "z"]), "b": ["u", "v"], "n": [3, 4]})
    table = tables.xtabs(data, "n", rows="a", columns="b")
    assert table.loc["z"].tolist() == [0.0, 0.0]


def test_bad_input():
    ucb = _ucb()
    with pytest.raises(ValueError, match="'nope' is not a column"):
        tables.xtabs(ucb, "nope", rows="Dept", columns="Admit")
    with pytest.raises(ValueError, match="both rows and columns"):
        tables.xtabs(ucb, "Freq", rows="Dept", columns=["Dept", "Admit"])
    negative = ucb.assign(Freq=ucb["Freq"].where(ucb.index != 2, -1))
    with pytest.raises(ValueError, match="non-negative counts; offending rows \\[2\\]"):
        tables.xtabs(negative, "Freq", rows="Dept", columns="Admit")
    with pytest.raises(ValueError, match="needs a name"):
        tables.to_long(pd.DataFrame([[1, 2], [3, 4]]))
    with pytest.raises(TypeError, match="DataFrame or Series"):
        tables.to_long(np.ones((2, 2)))
    with pytest.raises(TypeError, match="result.mu"):
        tables.fitted_table(object(), ucb, rows="Dept", columns="Admit")
    fit = gl.glm("Freq ~ Dept + Admit", ucb, family=gl.Poisson())
    with pytest.raises(ValueError, match="fitted values but data has"):
        tables.fitted_table(fit, ucb.iloc[:5], rows="Dept", columns="Admit")


# --- against R (tests/r/tables.R) ---------------------------------------------
R = json.loads((Path(__file__).parent / "r" / "fixtures" / "tables.json").read_text())
LOGLINEAR = {
    "mutual": "Freq ~ Admit + Gender + Dept",
    "joint_AG_D": "Freq ~ Admit * Gender + Dept",
    "conditional_AD_GD": "Freq ~ Admit * Dept + Gender * Dept",
    "homogeneous": "Freq ~ Admit * Gender + Admit * Dept + Gender * Dept",
}


@pytest.mark.parametrize("name", list(LOGLINEAR))
def test_loglinear_models_match_loglm(name):
    fit = gl.glm(LOGLINEAR[name], _ucb(), family=gl.Poisson(), tol=1e-12)
    expected = R["loglm"][name]
    assert fit.df_resid == expected["df"]
    assert fit.deviance == pytest.approx(expected["G2"], rel=1e-8)
    assert fit.pearson_chi2 == pytest.approx(expected["X2"], rel=1e-6)


def test_two_way_chisq_test():
    ucb = _ucb()
    two_way = ucb.groupby(["Admit", "Gender"], observed=True, as_index=False)["Freq"].sum()
    fit = gl.glm("Freq ~ Admit + Gender", two_way, family=gl.Poisson())
    assert fit.pearson_chi2 == pytest.approx(R["two_way"]["X2"], rel=1e-10)
    expected = tables.fitted_table(fit, two_way, rows="Admit", columns="Gender")
    # R's chisq.test: the expected table in column-major order (Admit varies fastest)
    np.testing.assert_allclose(expected.to_numpy().ravel(order="F"), R["two_way"]["expected"], rtol=1e-10)


def test_logistic_is_loglinear_with_margins_fixed():
    """Admit ~ Gender + Dept (logit) and the homogeneous-association log-linear model are one model."""
    ucb = _ucb()
    wide = tables.xtabs(ucb, "Freq", rows=["Gender", "Dept"], columns="Admit").reset_index()
    logit = gl.glm("cbind(Admitted, Rejected) ~ Gender + Dept", wide, family=gl.Binomial(), tol=1e-12)
    expected = R["logit_gender_dept"]
    np.testing.assert_allclose(logit.params.to_numpy(), list(expected["coefficients"].values()), rtol=1e-7)
    np.testing.assert_allclose(logit.bse.to_numpy(), list(expected["se"].values()), rtol=1e-6)
    loglinear = gl.glm(LOGLINEAR["homogeneous"], ucb, family=gl.Poisson(), tol=1e-12)
    assert loglinear.deviance == pytest.approx(logit.deviance, rel=1e-8)
    # Rejected is the second Admit level, so the log-linear Admit:Gender term is minus the logit's Gender effect
    interaction = loglinear.params["Admit[T.Rejected]:Gender[T.Female]"]
    assert -interaction == pytest.approx(logit.params["Gender[T.Female]"], rel=1e-7)
    assert loglinear.bse["Admit[T.Rejected]:Gender[T.Female]"] == pytest.approx(logit.bse["Gender[T.Female]"], rel=1e-6)
