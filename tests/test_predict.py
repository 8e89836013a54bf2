"""predict() on new data: what R does, or a clear error (issue 8, bug 2 and the input classes)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl


@pytest.fixture(scope="module")
def sprays():
    data = pd.DataFrame({
        "count": [10.0, 7, 20, 14, 14, 12, 11, 17, 21, 11, 16, 14, 0, 1, 7, 2, 3, 1],
        "spray": list("AAAAAABBBBBBCCCCCC"),
        "dose": [1.0, 2, 3, 1, 2, 3] * 3,
    })
    return data, gl.glm("count ~ spray + dose", data, family=gl.Poisson())


def test_bug2_unseen_factor_level_is_an_error_naming_variable_and_levels(sprays):
    # R: "factor spray has new levels Z"
    _, res = sprays
    with pytest.raises(ValueError, match=r"factor spray has new levels Z.*levels \['A', 'B', 'C'\]"):
        res.predict(pd.DataFrame({"spray": ["A", "Z"], "dose": [1.0, 2.0]}))


def test_unseen_level_inside_C_and_factor():
    data = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6], "g": [1, 2, 3, 1, 2, 3]})
    for formula in ("y ~ C(g)", "y ~ factor(g)"):
        res = gl.glm(formula, data)
        with pytest.raises(ValueError, match="factor g has new levels 4"):
            res.predict(pd.DataFrame({"g": [1, 4]}))
        np.testing.assert_allclose(res.predict(pd.DataFrame({"g": [3, 1]})), res.mu[[2, 0]], rtol=1e-12)


def test_columns_are_matched_by_name_not_position(sprays):
    data, res = sprays
    new = data[["dose", "spray", "count"]].head(4)  # other order, an extra column
    np.testing.assert_allclose(res.predict(new), res.mu[:4], rtol=1e-12)
    X = res.model_X
    arrays = gl.fit(pd.DataFrame(X, columns=res.names), data["count"], family=gl.Poisson())
    shuffled = pd.DataFrame(X[:3], columns=res.names)[res.names[::-1]]
    np.testing.assert_allclose(arrays.predict(shuffled), arrays.mu[:3], rtol=1e-12)


def test_missing_columns(sprays):
    _, res = sprays
    with pytest.raises(ValueError, match="lacks the column.*dose"):
        res.predict(pd.DataFrame({"spray": ["A"]}))
    X = res.model_X
    arrays = gl.fit(pd.DataFrame(X, columns=res.names), res.y, family=gl.Poisson())
    with pytest.raises(ValueError, match="lacks the column"):
        arrays.predict(pd.DataFrame({"Intercept": [1.0], "dose": [2.0]}))


def test_nan_in_new_data(sprays):
    _, res = sprays
    with pytest.raises(ValueError, match=r"missing values in dose at rows \[1\]"):
        res.predict(pd.DataFrame({"spray": ["A", "B"], "dose": [1.0, np.nan]}))
    with pytest.raises(ValueError, match="X_new contains NaN"):
        res.predict(np.array([[1.0, 0.0, 0.0, np.nan]]))


def test_new_offset_nan_and_length():
    data = pd.DataFrame({"y": [2.0, 3, 6, 7, 8, 9], "x": [1.0, 2, 3, 4, 5, 6], "t": [1.0, 2, 2, 3, 3, 4]})
    res = gl.glm("y ~ x + offset(log(t))", data, family=gl.Poisson())
    new = pd.DataFrame({"x": [1.0, 2.0], "t": [1.0, 2.0]})
    with pytest.raises(ValueError, match="offset contains NaN"):
        res.predict(new, offset=[0.0, np.nan])
    with pytest.raises(ValueError, match="offset has 3 rows but X has 2"):
        res.predict(new, offset=[0.0, 0.1, 0.2])
    with pytest.raises(ValueError, match="offset 'log\\(t\\)' is NaN or infinite at rows \\[1\\]"):
        res.predict(pd.DataFrame({"x": [1.0, 2.0], "t": [1.0, 0.0]}))
    np.testing.assert_allclose(res.predict(new), np.exp(res.params["Intercept"] + res.params["x"] * new["x"]) * new["t"])


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, "0.05", None])
def test_alpha_outside_zero_one(sprays, alpha):
    _, res = sprays
    with pytest.raises(ValueError, match="alpha must be a number between 0 and 1"):
        res.predict(interval=True, alpha=alpha)


def test_kind_and_interval_types(sprays):
    _, res = sprays
    with pytest.raises(ValueError, match="kind must be"):
        res.predict(kind="mean")
    with pytest.raises(TypeError, match="interval must be True or False"):
        res.predict(interval="yes")


def test_dict_is_accepted_like_r_list(sprays):
    data, res = sprays
    from_dict = res.predict({"spray": ["A", "C"], "dose": [1.0, 3.0]})
    from_frame = res.predict(pd.DataFrame({"spray": ["A", "C"], "dose": [1.0, 3.0]}))
    np.testing.assert_allclose(from_dict, from_frame, rtol=1e-14)
    np.testing.assert_allclose(res.predict({"spray": "B", "dose": 2.0}), res.predict(data.iloc[[7]]), rtol=1e-14)


def test_array_fit_with_offset_needs_the_new_offset():
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(30), rng.normal(size=30)])
    exposure = rng.uniform(1, 5, 30)
    y = rng.poisson(exposure * np.exp(0.2 + 0.3 * X[:, 1]))
    res = gl.fit(X, y, family=gl.Poisson(), offset=np.log(exposure))
    with pytest.raises(ValueError, match="pass offset="):
        res.predict(X[:2])
    np.testing.assert_allclose(res.predict(X[:2], offset=np.log(exposure[:2])), res.mu[:2], rtol=1e-12)


def test_response_se_is_the_delta_method(sprays):
    _, res = sprays
    table = res.predict(interval=True)
    np.testing.assert_allclose(table["se_response"], table["se_link"] * res.mu, rtol=1e-12)  # log link


def test_dict_for_an_array_fit_is_matched_by_name(sprays):
    _, res = sprays
    arrays = gl.fit(pd.DataFrame(res.model_X, columns=res.names), res.y, family=gl.Poisson())
    row = dict(zip(res.names, res.model_X[5]))
    np.testing.assert_allclose(arrays.predict(row), arrays.mu[5:6], rtol=1e-12)


def test_factor_response_with_three_levels_is_first_level_against_the_rest():
    # R's binomial(): "the first level denotes failure and all others success"
    data = pd.DataFrame({"y": ["a", "b", "c", "a", "c", "b", "a", "a"], "x": [1.0, 2, 3, 4, 1, 2, 3, 2]})
    as_factor = gl.glm("y ~ x", data, family=gl.Binomial())
    as_numbers = gl.glm("y ~ x", data.assign(y=(data["y"] != "a").astype(float)), family=gl.Binomial())
    np.testing.assert_allclose(as_factor.params, as_numbers.params, rtol=1e-12)


def test_categorical_column_with_integer_levels_in_new_data_as_int_or_string():
    # A categorical column whose levels are integers (the insurance District): new data
    # may carry it as plain ints or as strings, as R's predict() accepts 4 and "4" for a
    # factor. Left numeric, formulaic encoded the value 4 into every dummy column.
    data = pd.DataFrame({"y": [1.0, 3, 2, 5, 4, 6, 2, 7],
                         "g": pd.Categorical([1, 2, 3, 4, 1, 2, 3, 4]),
                         "x": [0.1, 0.5, 0.3, 0.9, 0.2, 0.4, 0.6, 0.8]})
    res = gl.glm("y ~ g + x", data, family=gl.Poisson())
    expected = res.mu[[3, 1]]
    for values in ([4, 2], ["4", "2"], pd.Categorical([4, 2])):
        new = pd.DataFrame({"g": values, "x": [0.9, 0.5]})
        np.testing.assert_allclose(res.predict(new), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="factor g has new levels 5"):
        res.predict(pd.DataFrame({"g": [5], "x": [0.1]}))
