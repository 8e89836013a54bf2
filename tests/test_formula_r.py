"""R's formula language, fitted unchanged, against R (fixtures from tests/r/formula.R)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl
from test_vs_r import close, r_frame

R = json.loads((Path(__file__).parent / "r" / "fixtures" / "formula.json").read_text())
CASES = {case["name"]: case for case in R["glm"]}


def fit(case):
    family = getattr(gl, case["family"])(link=case["link"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return gl.glm(case["formula"], r_frame(case["data"]), family=family, tol=1e-12, max_iter=100)


@pytest.mark.parametrize("name", sorted(CASES))
def test_r_formula_fits_unchanged(name):
    case = CASES[name]
    r = case["r"]
    res = fit(case)
    assert len(res.params) == len(case["coefficient_names"])
    close(res.params.to_numpy(), list(r["coefficients"].values()))
    close(res.bse.to_numpy(), list(r["se"].values()))
    close(res.deviance, r["deviance"])
    close(res.null_deviance, r["null_deviance"])
    close(res.aic, r["aic"], rtol=1e-9)
    close(res.leverage, r["hatvalues"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_predict_on_new_data_as_r(name):
    """New data through the formula: offset() evaluated in it, poly() with the fitted coefficients."""
    case = CASES[name]
    pred = case["r"]["predict"]
    new = r_frame(pred["newdata"])
    res = fit(case)
    table = res.predict(new, kind="response", interval=True)
    close(table["fit"], pred["response"])
    close(table["se_response"], pred["response_se"])
    link = res.predict(new, kind="link", interval=True)
    close(link["fit"], pred["link"])
    close(link["se_link"], pred["link_se"])


def test_ordered_factors_get_polynomial_contrasts():
    res = fit(CASES["offset_in_formula_ordered_factors"])
    assert "C(Group, Poly)[.L]" in res.params.index and "C(Age, Poly)[.C]" in res.params.index


def test_glm_nb_offset_in_formula():
    case = R["glm_nb"]
    r = case["r"]
    res = gl.glm_nb(case["formula"], r_frame(case["data"]), tol=1e-12, max_iter=100)
    close(res.theta, r["theta"])
    close(res.params.to_numpy(), list(r["coefficients"].values()))
    close(res.bse.to_numpy(), list(r["se"].values()))
    new = r_frame(r["predict"]["newdata"])
    close(res.predict(new), r["predict"]["response"])


def test_offset_column_name_is_evaluated_in_new_data():
    """offset="column" at fit time: predict rebuilds it from the new rows (it used to become 0)."""
    case = CASES["offset_in_formula_ordered_factors"]
    data = r_frame(case["data"])
    data["log_holders"] = np.log(data["Holders"])
    res = gl.glm("Claims ~ District + Group + Age", data, family=gl.Poisson(), offset="log_holders", tol=1e-12)
    new = r_frame(case["r"]["predict"]["newdata"])
    new["log_holders"] = np.log(new["Holders"])
    close(res.predict(new), case["r"]["predict"]["response"])
    with pytest.raises(ValueError, match="lacks the column"):
        res.predict(new.drop(columns="log_holders"))


def test_offset_given_as_values_must_be_given_again():
    data = gl.datasets.load_ships()
    data = data[data["service"] > 0]
    res = gl.glm("incidents ~ type", data, family=gl.Poisson(), offset=np.log(data["service"].to_numpy()))
    with pytest.raises(ValueError, match="pass offset="):
        res.predict(data.head(3))
    close(res.predict(data.head(3), offset=np.log(data["service"].head(3).to_numpy())), res.mu[:3], rtol=1e-12)


def test_formula_offset_and_offset_argument_add_up():
    data = gl.datasets.load_ships()
    data = data[data["service"] > 0].reset_index(drop=True)
    data["half"] = np.log(0.5)
    both = gl.glm("incidents ~ type + offset(log(service))", data, family=gl.Poisson(), offset="half")
    one = gl.glm("incidents ~ type + offset(log(service) + log(0.5))", data, family=gl.Poisson())
    close(both.params, one.params, rtol=1e-10)
    close(both.predict(data.head(4)), one.predict(data.head(4)), rtol=1e-10)


@pytest.mark.parametrize("formula, message", [
    ("y ~ g", "only one level"),
    ("y ~ x + C(one)", "only one level"),
])
def test_single_level_factor_is_an_error(formula, message):
    data = pd.DataFrame({"y": [1.0, 2, 3, 4], "x": [0.1, 0.5, 0.2, 0.9], "g": ["a"] * 4, "one": [7] * 4})
    with pytest.raises(ValueError, match=message):
        gl.glm(formula, data)


def test_offset_removal_keeps_the_intercept_choice():
    data = pd.DataFrame({"y": [1.0, 3, 2, 5], "x": [1.0, 2, 3, 4], "o": [0.1, 0.2, 0.3, 0.4]})
    assert gl.glm("y ~ 0 + x + offset(o)", data).names == ["x"]
    assert gl.glm("y ~ offset(o) + x - 1", data).names == ["x"]
    assert gl.glm("y ~ offset(o)", data).names == ["Intercept"]
    close(gl.glm("y ~ offset(o) + x", data).params, gl.glm("y ~ x", data, offset="o").params, rtol=1e-12)


def test_power_outside_I_is_formula_crossing_as_in_r():
    data = pd.DataFrame({"y": [1.0, 3, 2, 5, 4], "a": [1.0, 2, 3, 4, 6], "b": [2.0, 1, 0, 1, 3]})
    assert gl.glm("y ~ (a + b)^2", data).names == ["Intercept", "a", "b", "a:b"]
    assert gl.glm("y ~ I((a + b)^2)", data).names == ["Intercept", "I((a + b) ** 2)"]


def test_factor_response_with_non_binomial_family_is_an_error():
    data = pd.DataFrame({"y": ["a", "b", "a", "b"], "x": [1.0, 2, 3, 4]})
    with pytest.raises(ValueError, match="only a binomial response may be"):
        gl.glm("y ~ x", data, family=gl.Poisson())


def test_r_functions_sqrt_and_abs_fit_and_predict():
    data = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6], "x": [1.0, 4, 2, 9, 7, 12], "z": [-1.0, 2, -3, 1, 0, 2]})
    r_style = gl.glm("y ~ sqrt(x) + abs(z)", data)
    numpy_style = gl.glm("y ~ np.sqrt(x) + np.abs(z)", data)
    close(r_style.params.to_numpy(), numpy_style.params.to_numpy(), rtol=1e-12)
    new = pd.DataFrame({"x": [16.0], "z": [-2.0]})
    close(r_style.predict(new), numpy_style.predict(new), rtol=1e-12)
