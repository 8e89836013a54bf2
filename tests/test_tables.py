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


# --- stratified tables: mantelhaen.test and Breslow-Day ------------------------------------------------
STRATIFIED = json.loads((Path(__file__).parent / "r" / "fixtures" / "tables.json").read_text())["stratified"]


def _rabbits():
    """R's ?mantelhaen.test example (penicillin, delay and cure in rabbits), as long counts."""
    spec = STRATIFIED["rabbits"]
    dims = spec["dims"]
    counts = np.array(spec["counts"], dtype=float).reshape(2, 2, 5, order="F")
    rows = [(d, r, p, counts[i, j, k]) for k, p in enumerate(dims["Penicillin.Level"])
            for j, r in enumerate(dims["Response"]) for i, d in enumerate(dims["Delay"])]
    frame = pd.DataFrame(rows, columns=["Delay", "Response", "Penicillin", "Freq"])
    for column, key in (("Delay", "Delay"), ("Response", "Response"), ("Penicillin", "Penicillin.Level")):
        frame[column] = pd.Categorical(frame[column], categories=dims[key])
    return frame


def _check_htest(result, expected):
    assert result.df == expected["df"]
    assert result.statistic == pytest.approx(expected["statistic"], rel=1e-10)
    assert result.pvalue == pytest.approx(expected["p"], rel=1e-8)
    if expected.get("estimate") is None:
        assert result.estimate is None and result.conf_int is None
    else:
        assert result.estimate == pytest.approx(expected["estimate"], rel=1e-12)
        np.testing.assert_allclose(result.conf_int, expected["conf_int"], rtol=1e-10)


@pytest.mark.parametrize("correct, key", [(True, "ucb_correct"), (False, "ucb_uncorrected")])
def test_mantelhaen_matches_r_on_berkeley(correct, key):
    result = tables.mantelhaen(_ucb(), "Freq", rows="Admit", columns="Gender", strata="Dept", correct=correct)
    _check_htest(result, STRATIFIED[key])
    assert "continuity" in result.method and str(result).startswith(result.method)


def test_mantelhaen_matches_r_with_empty_cells():
    rabbits = _rabbits()
    _check_htest(tables.mantelhaen(rabbits, "Freq", "Delay", "Response", "Penicillin"), STRATIFIED["rabbits_correct"])
    _check_htest(tables.mantelhaen(rabbits, "Freq", "Delay", "Response", "Penicillin", correct=False, conf_level=0.9),
                 STRATIFIED["rabbits_uncorrected"])


def test_generalised_cmh_matches_r():
    _check_htest(tables.mantelhaen(_ucb(), "Freq", rows="Admit", columns="Dept", strata="Gender"),
                 STRATIFIED["ucb_admit_dept_by_gender"])
    housing = gl.datasets.load_housing()
    _check_htest(tables.mantelhaen(housing, "Freq", rows="Sat", columns="Infl", strata="Cont"),
                 STRATIFIED["housing_sat_infl_by_cont"])


def test_mantel_haenszel_is_close_to_the_loglinear_conditional_odds_ratio():
    """The MH estimate and the ML estimate of the homogeneous-association model nearly agree (large strata)."""
    ucb = _ucb()
    mh = tables.mantelhaen(ucb, "Freq", rows="Admit", columns="Gender", strata="Dept")
    fit = gl.glm("Freq ~ Admit * Gender + Admit * Dept + Gender * Dept", ucb, family=gl.Poisson(), tol=1e-12)
    ml = float(np.exp(fit.params["Admit[T.Rejected]:Gender[T.Female]"]))
    assert abs(mh.estimate - ml) < 0.01 and mh.estimate != pytest.approx(ml, rel=1e-6)


@pytest.mark.parametrize("data, tarone", [("ucb", False), ("ucb", True), ("rabbits", False), ("rabbits", True)])
def test_breslow_day_matches_the_r_formula(data, tarone):
    frame, spec = (_ucb(), ("Admit", "Gender", "Dept")) if data == "ucb" else (_rabbits(), ("Delay", "Response", "Penicillin"))
    result = tables.breslow_day(frame, "Freq", *spec, correct=tarone)
    expected = STRATIFIED[f"{data}_breslow_day" + ("_tarone" if tarone else "")]
    assert result.df == expected["df"]   # rabbits: two strata fixed by their margins are left out
    assert result.statistic == pytest.approx(expected["statistic"], rel=1e-9)
    assert result.pvalue == pytest.approx(expected["p"], rel=1e-8)
    assert ("Tarone" in result.method) == tarone


def test_breslow_day_published_berkeley_value():
    """DescTools::BreslowDayTest(UCBAdmissions): X-squared = 18.826, df = 5, p-value = 0.002071."""
    result = tables.breslow_day(_ucb(), "Freq", "Admit", "Gender", "Dept")
    assert (round(result.statistic, 3), result.df, round(result.pvalue, 6)) == (18.826, 5, 0.002071)


def test_stratified_bad_input():
    ucb = _ucb()
    with pytest.raises(TypeError, match="DataFrame"):
        tables.mantelhaen(ucb.to_dict(), "Freq", "Admit", "Gender", "Dept")
    with pytest.raises(ValueError, match="three different columns"):
        tables.mantelhaen(ucb, "Freq", "Admit", "Admit", "Dept")
    with pytest.raises(TypeError, match="strata must name one column"):
        tables.mantelhaen(ucb, "Freq", "Admit", "Gender", ["Dept"])
    with pytest.raises(ValueError, match="not a column"):
        tables.mantelhaen(ucb, "Freq", "Admit", "Gender", "Faculty")
    with pytest.raises(ValueError, match="non-negative"):
        tables.mantelhaen(ucb.assign(Freq=-ucb["Freq"]), "Freq", "Admit", "Gender", "Dept")
    with pytest.raises(ValueError, match="conf_level"):
        tables.mantelhaen(ucb, "Freq", "Admit", "Gender", "Dept", conf_level=95)
    one_dept = ucb[ucb["Dept"] == "A"].assign(Dept=lambda d: d["Dept"].cat.remove_unused_categories())
    with pytest.raises(ValueError, match="at least 2 levels"):
        tables.mantelhaen(one_dept, "Freq", "Admit", "Gender", "Dept")
    tiny = ucb.assign(Freq=np.where(ucb["Dept"] == "F", 0, ucb["Freq"]))
    with pytest.raises(ValueError, match="strata F have fewer than 2"):
        tables.mantelhaen(tiny, "Freq", "Admit", "Gender", "Dept")
    with pytest.raises(ValueError, match="2 x 2"):
        tables.breslow_day(ucb, "Freq", "Admit", "Dept", "Gender")
