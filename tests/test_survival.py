"""glm_lib.survival against R's survival package (tests/r/survival.R -> fixtures/survival.json).

survsplit must give survSplit's rows; the Poisson GLM on the risk-set rows must give
coxph's Breslow estimates and standard errors; survreg must give survreg's.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glm_lib as gl
from glm_lib.survival import survreg, survsplit

FIXTURE = json.loads((Path(__file__).parent / "r" / "fixtures" / "survival.json").read_text())


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    data = gl.datasets.load_lung()[["time", "status", "age", "sex"]]
    data["female"] = (data["sex"] == "female").astype(int)
    return data.rename(columns={"status": "event"})


def _split_rows(long: pd.DataFrame) -> dict:
    return {"id": long["id"], "tstart": long["tstart"], "tstop": long["tstop"], "event": long["event"], "age": long["age"]}


def test_lung_loader_is_r_lung():
    data = gl.datasets.load_lung()
    assert data.shape == (228, 10)
    assert int(data["status"].sum()) == 165  # deaths; R's status == 2
    assert list(data["sex"].cat.categories) == ["male", "female"]
    assert (data["sex"] == "female").sum() == 90
    assert data["ph_ecog"].isna().sum() == 1


@pytest.mark.parametrize("key", ["split_coarse", "split_event_times"])
def test_survsplit_gives_survsplits_rows(lung, key):
    expected = FIXTURE[key]
    cut = expected.get("cut")
    long = survsplit(lung, time="time", event="event", cut=cut, id="id")
    assert len(long) == len(expected["id"])
    for column, values in _split_rows(long).items():
        np.testing.assert_array_equal(values.to_numpy(), np.asarray(expected[column], dtype=float), err_msg=column)
    np.testing.assert_array_equal(long["exposure"], long["tstop"] - long["tstart"])
    # R's episode numbers count every interval; ours label the ones with rows, in time order.
    assert list(long["interval"].cat.codes.groupby(np.asarray(expected["episode"])).nunique().unique()) == [1]
    assert long.groupby("id")["event"].sum().to_numpy().tolist() == lung["event"].tolist()


def test_survsplit_with_delayed_entry(lung):
    expected = FIXTURE["split_delayed"]
    data = lung.iloc[:40][["time", "event", "age", "sex"]].copy()
    data["entry"] = expected["entry"]
    long = survsplit(data, time="time", event="event", cut=expected["cut"], start="entry", id="id")
    for column, values in _split_rows(long).items():
        np.testing.assert_array_equal(values.to_numpy(), np.asarray(expected[column], dtype=float), err_msg=column)
    assert "entry" not in long.columns and "time" not in long.columns


def test_cut_none_splits_at_every_distinct_event_time(lung):
    long = survsplit(lung, time="time", event="event")
    np.testing.assert_array_equal(np.unique(long["tstart"])[1:], FIXTURE["event_times"])


def test_risk_set_rows_are_the_risk_sets(lung):
    long = survsplit(lung, time="time", event="event", risk_sets=True)
    times, events = lung["time"].to_numpy(), lung["event"].to_numpy()
    event_times = np.asarray(FIXTURE["event_times"])
    sizes = long.groupby("tstop")["event"].agg(["size", "sum"])
    np.testing.assert_array_equal(sizes.index, event_times)
    np.testing.assert_array_equal(sizes["size"], [(times >= tk).sum() for tk in event_times])
    np.testing.assert_array_equal(sizes["sum"], [((times == tk) & (events == 1)).sum() for tk in event_times])
    # Within an interval every row has the same exposure (no delayed entry), so the offset is absorbed.
    assert (long.groupby("interval", observed=True)["exposure"].nunique() == 1).all()


def test_poisson_on_risk_sets_is_breslow_cox(lung):
    long = survsplit(lung, time="time", event="event", risk_sets=True)
    res = gl.glm("event ~ interval + female + age", long, family=gl.Poisson(), offset=np.log(long["exposure"]), tol=1e-12)
    cox = FIXTURE["coxph_breslow"]
    for name in ("female", "age"):
        assert res.params[name] == pytest.approx(cox["coefficients"][name], rel=1e-7)
        assert res.bse[name] == pytest.approx(cox["se"][name], rel=1e-8)
    # The offset only shifts the intervals' coefficients: without it, the same slopes.
    plain = gl.glm("event ~ interval + female + age", long, family=gl.Poisson(), tol=1e-12)
    assert plain.params["female"] == pytest.approx(res.params["female"], rel=1e-9)


def test_poisson_on_survsplit_rows_is_not_cox(lung):
    long = survsplit(lung, time="time", event="event")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.SeparationWarning)  # the interval after the last death has no events
        res = gl.glm("event ~ interval + female + age", long, family=gl.Poisson(), offset=np.log(long["exposure"]), tol=1e-12)
    naive = FIXTURE["poisson_survsplit"]
    assert len(long) == naive["n_rows"]
    for name in ("female", "age"):
        assert res.params[name] == pytest.approx(naive["coefficients"][name], rel=1e-6)
        assert res.bse[name] == pytest.approx(naive["se"][name], rel=1e-6)
    assert abs(res.params["female"] - FIXTURE["coxph_breslow"]["coefficients"]["female"]) > 1e-4


@pytest.mark.parametrize("dist,key,formula", [
    ("exponential", "survreg_exponential", "~ female + age"),
    ("weibull", "survreg_weibull", "~ female + age"),
    ("weibull", "survreg_weibull_sex", "Surv(time, event) ~ female"),
])
def test_survreg_matches_r(lung, dist, key, formula):
    expected = FIXTURE[key]
    kwargs = {} if formula.startswith("Surv") else {"time": "time", "event": "event"}
    res = survreg(formula, lung, dist=dist, **kwargs)
    assert res.converged
    names = list(expected["coefficients"])
    np.testing.assert_allclose(res.params.to_numpy(), list(expected["coefficients"].values()), rtol=1e-9, atol=1e-11)
    assert list(res.params.index) == names
    assert res.scale == pytest.approx(expected["scale"], rel=1e-9)
    np.testing.assert_allclose(res.bse.to_numpy(), list(expected["se"].values()), rtol=1e-8)
    np.testing.assert_allclose(res.tvalues.to_numpy(), list(expected["z"].values()), rtol=1e-8)
    np.testing.assert_allclose(res.cov_params().to_numpy(), np.asarray(expected["var"]), rtol=1e-7, atol=1e-14)
    assert res.llf == pytest.approx(expected["loglik"], rel=1e-12)
    assert res.llf_null == pytest.approx(expected["loglik_null"], rel=1e-12)
    assert res.chisq == pytest.approx(expected["chisq"], rel=1e-8)


def test_survreg_factor_formula_and_summary(lung):
    res = survreg("~ sex + age", lung, time="time", event="event")
    expected = FIXTURE["survreg_weibull"]
    assert res.params["sex[T.female]"] == pytest.approx(expected["coefficients"]["female"], rel=1e-9)
    text = res.summary()
    for piece in ("Value", "Std. Error", "Log(scale)", "Scale= 0.754", "Weibull distribution",
                  "Loglik(model)= -1147.1", "Loglik(intercept only)= -1153.9", "n= 228"):
        assert piece in text


def test_exponential_aft_is_poisson_glm_with_log_time_offset(lung):
    res = survreg("~ female + age", lung, time="time", event="event", dist="exponential")
    poisson = gl.glm("event ~ female + age", lung, family=gl.Poisson(), offset=np.log(lung["time"]), tol=1e-12)
    np.testing.assert_allclose(res.params.to_numpy(), -poisson.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(res.bse.to_numpy(), poisson.bse.to_numpy(), rtol=1e-7)
    # The likelihoods differ by sum(event * log time), free of the coefficients.
    assert res.llf == pytest.approx(poisson.llf - float((lung["event"] * np.log(lung["time"])).sum()), rel=1e-10)


def test_weibull_hazard_ratios_and_predictions(lung):
    res = survreg("~ female + age", lung, time="time", event="event")
    hr = res.hazard_ratios()
    assert hr["female"] == pytest.approx(np.exp(-res.params["female"] / res.scale))
    new = pd.DataFrame({"female": [0, 1], "age": [60, 60]})
    median = res.predict(new, type="quantile", p=0.5)
    curve = res.survival_function(median[:, 0] if median.ndim == 2 else median, new)
    np.testing.assert_allclose(np.diag(curve), 0.5)
    np.testing.assert_allclose(res.predict(new, type="response"), np.exp(res.predict(new)))


def test_kaplan_meier_from_scipy_matches_survfit(lung):
    km = FIXTURE["kaplan_meier"]
    for sex in ("male", "female"):
        group = lung[lung["sex"] == sex]
        data = stats.CensoredData(
            uncensored=group.loc[group["event"] == 1, "time"].to_numpy(),
            right=group.loc[group["event"] == 0, "time"].to_numpy(),
        )
        ecdf = stats.ecdf(data)
        rows = [i for i, s in enumerate(km["sex"]) if s == sex]
        r_times = np.asarray(km["time"])[rows]
        r_surv = np.asarray(km["surv"])[rows]
        np.testing.assert_allclose(ecdf.sf.evaluate(r_times), r_surv, rtol=1e-12)


# --- bad input -------------------------------------------------------------------------------


@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame({"time": [5.0, 8.0, 3.0, 9.0], "event": [1, 0, 1, 1], "x": [0.1, 0.4, -0.2, 0.3]})


@pytest.mark.parametrize("change,argument,rows", [
    ({"time": [5.0, -1.0, 3.0, 9.0]}, "time", "rows [1]"),
    ({"time": [5.0, np.nan, 3.0, np.nan]}, "time", "rows [1, 3]"),
    ({"time": [0.0, 8.0, 3.0, 9.0]}, "time", "rows [0]"),
    ({"event": [1, 2, 1, 1]}, "event", "rows [1]"),
    ({"event": [1.0, 0.0, 0.5, 1.0]}, "event", "rows [2]"),
    ({"event": [1.0, np.nan, 1.0, 1.0]}, "event", "rows [1]"),
])
def test_bad_times_and_events_are_named(small, change, argument, rows):
    data = small.assign(**change)
    for call in (lambda: survsplit(data, time="time", event="event"),
                 lambda: survreg("~ x", data, time="time", event="event")):
        with pytest.raises(ValueError, match=argument) as info:
            call()
        assert rows in str(info.value)


def test_bad_arguments(small):
    with pytest.raises(ValueError, match="time='days' is not a column"):
        survsplit(small, time="days", event="event")
    with pytest.raises(ValueError, match="event='dead' is not a column"):
        survreg("~ x", small, time="time", event="dead")
    with pytest.raises(TypeError, match="data must be a pandas DataFrame"):
        survsplit(small.to_numpy(), time="time", event="event")
    with pytest.raises(TypeError, match="time must be a column name"):
        survsplit(small, time=3, event="event")
    with pytest.raises(TypeError, match="cut must be numbers"):
        survsplit(small, time="time", event="event", cut="5")
    with pytest.raises(ValueError, match="cut holds NaN"):
        survsplit(small, time="time", event="event", cut=[2.0, np.nan])
    with pytest.raises(ValueError, match="risk_sets=True"):
        survsplit(small, time="time", event="event", cut=[4.0], risk_sets=True)
    with pytest.raises(ValueError, match="start='entry' must be earlier"):
        survsplit(small.assign(entry=[1.0, 8.0, 0.0, 0.0]), time="time", event="event", start="entry")
    with pytest.raises(ValueError, match="already has the column"):
        survsplit(small.assign(tstart=1.0), time="time", event="event")
    with pytest.raises(ValueError, match="dist must be one of"):
        survreg("~ x", small, time="time", event="event", dist="lognormal")
    with pytest.raises(ValueError, match="no events"):
        survreg("~ x", small.assign(event=0), time="time", event="event")
    with pytest.raises(ValueError, match="cut=None splits at the distinct event times"):
        survsplit(small.assign(event=0), time="time", event="event")
    with pytest.raises(ValueError, match="time= and event="):
        survreg("~ x", small)
    with pytest.raises(ValueError, match="linearly dependent"):
        survreg("~ x + I(2 * x)", small, time="time", event="event")
    with pytest.raises(ValueError, match="1/2 codes"):
        survsplit(small.assign(event=[1, 2, 2, 1]), time="time", event="event")


def test_survreg_formula_errors_name_the_problem(small):
    with pytest.raises(ValueError, match="age"):
        survreg("~ x + age", small, time="time", event="event")
    with pytest.raises(ValueError, match=r"missing values in x at rows \[2\]"):
        survreg("~ x", small.assign(x=[0.1, 0.4, np.nan, 0.3]), time="time", event="event")
    with pytest.raises(ValueError, match="formula names 'days' as the time"):
        survreg("days ~ x", small, time="time", event="event")
    with pytest.raises(TypeError, match="formula must be a string"):
        survreg(None, small, time="time", event="event")


def test_survreg_left_hand_sides_and_bool_events(lung):
    plain = survreg("~ female", lung, time="time", event="event")
    for formula, kwargs in (("time ~ female", {"event": "event"}), ("Surv(time, event) ~ female", {})):
        other = survreg(formula, lung, **kwargs)
        np.testing.assert_allclose(other.params, plain.params, rtol=1e-12)
    as_bool = survreg("~ female", lung.assign(event=lung["event"].astype(bool)), time="time", event="event")
    np.testing.assert_allclose(as_bool.params, plain.params, rtol=1e-12)
    with pytest.raises(ValueError, match="newdata has missing values"):
        plain.predict(pd.DataFrame({"female": [np.nan]}))


def test_non_convergence_warns(lung):
    with pytest.warns(gl.ConvergenceWarning, match="max_iter=1"):
        survreg("~ female + age", lung, time="time", event="event", max_iter=1)


def test_survsplit_keeps_covariates_and_order(small):
    long = survsplit(small, time="time", event="event", cut=[4.0, 6.0])
    assert list(long.columns) == ["x", "tstart", "tstop", "event", "exposure", "interval"]
    assert list(long["interval"].cat.categories) == ["(0, 4]", "(4, 6]", "(6, inf)"]
    assert long["tstop"].tolist() == [4.0, 5.0, 4.0, 6.0, 8.0, 3.0, 4.0, 6.0, 9.0]
    assert long["event"].tolist() == [0, 1, 0, 0, 0, 1, 0, 0, 1]
