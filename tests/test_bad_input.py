"""Bad input: every case raises a clear ValueError (or the stated warning).

Each error message must name the offending argument and, where rows are at
fault, the first offending rows (glm_lib writes them as ``rows [3, 7] (2 in all)``).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl

N = 12


def rows_text(*rows: int, total: int | None = None) -> str:
    """The regex of glm_lib's row list, e.g. ``rows \\[3, 7\\] \\(2 in all\\)``."""
    total = len(rows) if total is None else total
    return re.escape(f"rows [{', '.join(str(r) for r in rows)}] ({total} in all)")


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    X = np.column_stack([np.ones(N), rng.uniform(-1, 1, N), rng.uniform(-1, 1, N)])
    y = rng.poisson(2.0, N).astype(float)
    return X, y


def raises(match: str, *args, **kwargs):
    with pytest.raises(ValueError, match=match) as info:
        gl.fit(*args, **kwargs)
    return str(info.value)


# --- shapes --------------------------------------------------------------------------


def test_y_length_mismatch(data):
    X, y = data
    raises(r"y has 11 rows but X has 12", X, y[:-1], family=gl.Poisson())


def test_weights_length_mismatch(data):
    X, y = data
    raises(r"weights has 13 rows but X has 12", X, y, family=gl.Poisson(), weights=np.ones(N + 1))


def test_offset_length_mismatch(data):
    X, y = data
    raises(r"offset has 5 rows but X has 12", X, y, family=gl.Poisson(), offset=np.zeros(5))


def test_weights_two_dimensional(data):
    X, y = data
    raises(r"weights must be 1-dimensional", X, y, family=gl.Poisson(), weights=np.ones((N, 2)))


def test_y_two_columns_for_poisson(data):
    X, y = data
    raises(r"y must be 1-dimensional for the Poisson family", X, np.column_stack([y, y]), family=gl.Poisson())


@pytest.mark.parametrize("shape", [(0, 3), (12, 0)])
def test_empty_design(shape):
    X = np.empty(shape)
    y = np.ones(shape[0])
    raises(r"X is empty: shape \(%d, %d\)" % shape, X, y)


def test_all_weights_zero(data):
    X, y = data
    raises(r"weights: every weight is zero", X, y, family=gl.Poisson(), weights=np.zeros(N))


# --- NaN and infinity ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_X(data, bad):
    X, y = data
    X = X.copy()
    X[3, 1] = bad
    X[7, 2] = bad
    raises(r"X contains NaN or infinite values at " + rows_text(3, 7), X, y, family=gl.Poisson())


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_y(data, bad):
    X, y = data
    y = y.copy()
    y[2] = bad
    raises(r"y contains NaN or infinite values at " + rows_text(2), X, y, family=gl.Poisson())


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nonfinite_weights(data, bad):
    X, y = data
    w = np.ones(N)
    w[[0, 4, 9]] = bad
    raises(r"weights contains NaN or infinite values at " + rows_text(0, 4, 9), X, y, family=gl.Poisson(), weights=w)


@pytest.mark.parametrize("bad", [np.nan, -np.inf])
def test_nonfinite_offset(data, bad):
    X, y = data
    offset = np.zeros(N)
    offset[11] = bad
    raises(r"offset contains NaN or infinite values at " + rows_text(11), X, y, family=gl.Poisson(), offset=offset)


def test_many_bad_rows_are_abbreviated(data):
    X, y = data
    y = y.copy()
    y[1:9] = np.nan
    message = raises(r"y contains NaN", X, y, family=gl.Poisson())
    assert "rows [1, 2, 3, 4, 5, ...] (8 in all)" in message


def test_nonfinite_binomial_two_column(data):
    X, _ = data
    counts = np.column_stack([np.full(N, 2.0), np.full(N, 3.0)])
    counts[6, 1] = np.nan
    raises(r"y contains NaN or infinite values at " + rows_text(6), X, counts, family=gl.Binomial())


# --- negative weights ------------------------------------------------------------------------


def test_negative_weights(data):
    X, y = data
    w = np.ones(N)
    w[[2, 10]] = -1.0
    raises(r"weights must be non-negative; negative at " + rows_text(2, 10), X, y, family=gl.Poisson(), weights=w)


# --- responses outside the family's support ---------------------------------------------------


@pytest.mark.parametrize("family", [gl.Poisson(), gl.NegativeBinomial(0.5)], ids=["poisson", "negbin"])
def test_negative_counts(data, family):
    X, y = data
    y = y.copy()
    y[[4, 8]] = -1.0
    raises(r"y: .*non-negative whole-number counts.*" + rows_text(4, 8), X, y, family=family)


@pytest.mark.parametrize("family", [gl.Poisson(), gl.NegativeBinomial(0.5)], ids=["poisson", "negbin"])
def test_non_integer_counts(data, family):
    X, y = data
    y = y.copy()
    y[5] = 2.5
    message = raises(r"y: .*whole-number counts.*" + rows_text(5), X, y, family=family)
    assert "2.5" in message


@pytest.mark.parametrize("value", [1.5, -0.1])
def test_binomial_outside_unit_interval(data, value):
    X, _ = data
    y = np.tile([0.0, 1.0], N // 2)
    y[3] = value
    raises(r"y: the Binomial family needs proportions in \[0, 1\].*" + rows_text(3), X, y, family=gl.Binomial())


def test_binomial_more_successes_than_trials(data):
    X, _ = data
    successes = np.full(N, 2.0)
    trials = np.full(N, 5.0)
    successes[[1, 9]] = 7.0  # 7 successes out of 5 trials
    raises(r"y: the Binomial family needs proportions in \[0, 1\].*" + rows_text(1, 9), X, successes / trials,
           family=gl.Binomial(), weights=trials)


def test_binomial_two_column_negative_counts(data):
    X, _ = data
    counts = np.column_stack([np.full(N, 2.0), np.full(N, 3.0)])
    counts[4] = [7.0, -2.0]  # "failures = trials - successes" with trials < successes
    raises(r"y: successes and failures must be non-negative; offending " + rows_text(4), X, counts, family=gl.Binomial())


def test_binomial_non_integer_successes(data):
    X, _ = data
    y = np.full(N, 0.5)
    trials = np.full(N, 4.0)
    y[6] = 0.3  # 1.2 successes out of 4
    with pytest.warns(UserWarning, match=r"weights \* y are not whole numbers.*" + rows_text(6)):
        gl.fit(X, y, family=gl.Binomial(), weights=trials)


@pytest.mark.parametrize("family", [gl.Gamma(), gl.InverseGaussian()], ids=["gamma", "invgauss"])
@pytest.mark.parametrize("value", [0.0, -1.0])
def test_non_positive_response(data, family, value):
    X, y = data
    y = y + 1.0
    y[[0, 7]] = value
    raises(r"y: the \w+ family needs strictly positive responses.*" + rows_text(0, 7), X, y, family=family)


# --- rank deficiency ------------------------------------------------------------------------------


@pytest.fixture
def collinear():
    rng = np.random.default_rng(11)
    n = 60
    frame = pd.DataFrame({"const": np.ones(n), "a": rng.uniform(0, 1, n), "b": rng.uniform(0, 1, n)})
    frame["a_plus_b"] = frame["a"] + frame["b"]
    frame["c"] = rng.uniform(0, 1, n)
    y = rng.poisson(np.exp(0.5 + frame["a"] - frame["b"] + 0.3 * frame["c"])).astype(float)
    return frame, y


def test_rank_deficient_names_aliased_column(collinear):
    X, y = collinear
    message = raises(r"X is rank-deficient", X, y, family=gl.Poisson())
    assert "a_plus_b" in message
    assert "drop_aliased=True" in message
    # Only the later of the collinear columns is reported as aliased.
    listed = re.search(r"\(([^)]*)\):", message).group(1)
    assert listed == "a_plus_b"


def test_rank_deficient_duplicate_column():
    rng = np.random.default_rng(2)
    x = rng.uniform(size=30)
    X = np.column_stack([np.ones(30), x, x])
    y = rng.poisson(2.0, 30).astype(float)
    message = raises(r"X is rank-deficient", X, y, family=gl.Poisson())
    assert "x2" in message


def test_drop_aliased_warns_and_reports_nan(collinear):
    X, y = collinear
    with pytest.warns(gl.AliasedColumnsWarning, match="a_plus_b"):
        res = gl.fit(X, y, family=gl.Poisson(), drop_aliased=True, tol=1e-12)
    assert np.isnan(res.params["a_plus_b"]) and np.isnan(res.bse["a_plus_b"])
    assert res.aliased == ["a_plus_b"]
    reduced = gl.fit(X.drop(columns="a_plus_b"), y, family=gl.Poisson(), tol=1e-12)
    kept = ["const", "a", "b", "c"]
    np.testing.assert_allclose(res.params[kept], reduced.params[kept], rtol=1e-10)
    np.testing.assert_allclose(res.bse[kept], reduced.bse[kept], rtol=1e-10)
    np.testing.assert_allclose(res.deviance, reduced.deviance, rtol=1e-12)
    assert res.df_resid == reduced.df_resid == len(y) - 4
    assert "not defined because of singularities" in res.summary()


# --- separation -----------------------------------------------------------------------------------


def fit_recording(X, y, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = gl.fit(X, y, **kwargs)
    return res, caught


def test_complete_separation():
    x = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    y = np.array([0.0, 0, 0, 0, 1, 1, 1, 1])
    X = np.column_stack([np.ones(8), x])
    res, caught = fit_recording(X, y, family=gl.Binomial())
    separation = [w for w in caught if issubclass(w.category, gl.SeparationWarning)]
    assert separation, f"no SeparationWarning; got {[str(w.message) for w in caught]}"
    assert "complete separation" in str(separation[0].message)
    assert "quasi-complete" not in str(separation[0].message)
    assert res.separation is not None and res.separation["kind"] == "complete"
    assert sorted(res.separation["rows"]) == list(range(8))


def test_quasi_complete_separation():
    # x = 4 holds both outcomes; everything below is 0 and above is 1.
    x = np.array([1.0, 2, 3, 4, 4, 5, 6, 7])
    y = np.array([0.0, 0, 0, 0, 1, 1, 1, 1])
    X = np.column_stack([np.ones(8), x])
    res, caught = fit_recording(X, y, family=gl.Binomial())
    separation = [w for w in caught if issubclass(w.category, gl.SeparationWarning)]
    assert separation, f"no SeparationWarning; got {[str(w.message) for w in caught]}"
    assert "quasi-complete separation" in str(separation[0].message)
    assert res.separation is not None and res.separation["kind"] == "quasi-complete"
    # The tied rows 3 and 4 are the ones the separating direction leaves at 0.
    assert set(res.separation["rows"]) == {0, 1, 2, 5, 6, 7}


def test_poisson_zero_group_is_quasi_separated():
    # Every count in group 1 is 0: its log-rate runs to -infinity.
    g = np.repeat([0.0, 1.0], 6)
    y = np.array([3.0, 1, 4, 2, 2, 5, 0, 0, 0, 0, 0, 0])
    X = np.column_stack([np.ones(12), g])
    res, caught = fit_recording(X, y, family=gl.Poisson())
    assert any(issubclass(w.category, gl.SeparationWarning) for w in caught)
    assert res.separation is not None and res.separation["kind"] == "quasi-complete"
    assert set(res.separation["rows"]) == set(range(6, 12))


def test_no_separation_no_warning():
    rng = np.random.default_rng(3)
    x = rng.normal(size=200)
    y = (rng.uniform(size=200) < 1 / (1 + np.exp(-x))).astype(float)
    res, caught = fit_recording(np.column_stack([np.ones(200), x]), y, family=gl.Binomial())
    assert not [w for w in caught if issubclass(w.category, (gl.SeparationWarning, gl.ConvergenceWarning))]
    assert res.separation is None


# --- non-convergence ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["irls", "newton"])
def test_non_convergence_warning(data, method):
    X, y = data
    with pytest.warns(gl.ConvergenceWarning) as record:
        res = gl.fit(X, y, family=gl.Poisson(), method=method, max_iter=2)
    assert res.converged is False
    assert res.n_iter == 2
    message = str(record[0].message)
    assert "2 iterations" in message
    # The message reports the last relative change of the deviance, R's criterion.
    dev = res.history["deviance"].to_numpy()
    change = abs(dev[-1] - dev[-2]) / (abs(dev[-1]) + 0.1)
    assert f"{change:.3g}" in message, message
    assert "not converge" in res.summary().lower() or "did not converge" in res.summary()


def test_gradient_descent_non_convergence(data):
    X, y = data
    with pytest.warns(gl.ConvergenceWarning, match=r"gd did not converge in 5 iterations"):
        res = gl.fit(X, y, family=gl.Poisson(), method="gd", max_iter=5, learning_rate=1e-3)
    assert res.converged is False


# --- overflow: never a silent NaN -------------------------------------------------------------------------


def _no_silent_nan(X, y, family, **kwargs):
    """Fit; if no exception and no glm_lib warning, everything must be finite."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = gl.fit(X, y, family=family, **kwargs)
    except (ValueError, FloatingPointError) as exc:
        assert str(exc), "an error must explain itself"
        return None
    warned = [w for w in caught if issubclass(w.category, (gl.ConvergenceWarning, gl.SeparationWarning))]
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not runtime, f"numpy warnings leaked: {[str(w.message) for w in runtime]}"
    if not warned:
        values = np.concatenate([res.params.to_numpy(), res.bse.to_numpy(), [res.deviance, res.llf, res.aic]])
        assert np.all(np.isfinite(values)), f"silent non-finite results: {values}"
        assert np.all(np.isfinite(res.mu))
        # Nor silent garbage: a fit reported as converged without a warning is
        # the MLE, so it cannot be worse than the intercept-only model.
        assert res.converged
        assert res.deviance <= res.null_deviance * (1 + 1e-8) + 1e-8, (
            f"'converged' silently to deviance {res.deviance:.6g}, above the null deviance {res.null_deviance:.6g}"
        )
        reference = gl.fit(X, y, family=family, **{k: v for k, v in kwargs.items() if k != "start"})
        np.testing.assert_allclose(res.deviance, reference.deviance, rtol=1e-6)
    return res


@pytest.mark.parametrize("scale", [1e3, 1e8, 1e150])
def test_huge_predictor_poisson_log(scale):
    rng = np.random.default_rng(8)
    u = rng.uniform(0, 1, 100)
    y = rng.poisson(np.exp(1 + u)).astype(float)
    res = _no_silent_nan(np.column_stack([np.ones(100), scale * u]), y, gl.Poisson())
    if res is not None and res.converged and res.separation is None:
        # Rescaling x rescales its coefficient: the fit is the same model.
        small = gl.fit(np.column_stack([np.ones(100), u]), y, family=gl.Poisson())
        np.testing.assert_allclose(res.deviance, small.deviance, rtol=1e-6)


@pytest.mark.parametrize("scale", [1e3, 1e8, 1e150])
def test_huge_predictor_logit(scale):
    rng = np.random.default_rng(9)
    u = rng.normal(size=150)
    y = (rng.uniform(size=150) < 1 / (1 + np.exp(-u))).astype(float)
    _no_silent_nan(np.column_stack([np.ones(150), scale * u]), y, gl.Binomial())


def test_huge_start_log_link(data):
    X, y = data
    _no_silent_nan(X, y, gl.Poisson(), start=[1000.0, 1000.0, 1000.0])


def test_huge_start_logit(data):
    X, _ = data
    y = np.tile([0.0, 1.0], N // 2)
    _no_silent_nan(X, y, gl.Binomial(), start=[800.0, -800.0, 800.0])


def test_huge_offset_poisson(data):
    X, y = data
    _no_silent_nan(X, y, gl.Poisson(), offset=np.full(N, 800.0))


# --- links, families, methods ---------------------------------------------------------------------------


def test_unknown_link_name():
    with pytest.raises(ValueError, match=r"unknown link 'lgoit'"):
        gl.Binomial(link="lgoit")
    with pytest.raises(ValueError, match=r"unknown link 'banana'"):
        gl.links.get_link("banana")


@pytest.mark.parametrize(
    "family, link",
    [(gl.Poisson, "logit"), (gl.Binomial, "inverse"), (gl.Gamma, "probit"), (gl.Gaussian, "sqrt"),
     (gl.InverseGaussian, "cloglog")],
)
def test_link_not_allowed_for_family(family, link):
    with pytest.raises(ValueError, match=rf"link '{link}' is not available for the \w+ family"):
        family(link=link)


def test_unknown_method(data):
    X, y = data
    raises(r"method must be one of .*'bfgs'", X, y, family=gl.Poisson(), method="bfgs")


def test_bad_tolerance(data):
    X, y = data
    raises(r"tol must be a positive number", X, y, family=gl.Poisson(), tol=0.0)
    raises(r"max_iter must be at least 1", X, y, family=gl.Poisson(), max_iter=0)


def test_negative_binomial_alpha():
    for alpha in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="alpha must be a positive number"):
            gl.NegativeBinomial(alpha)


def test_non_numeric_design():
    frame = pd.DataFrame({"x": ["a", "b", "c"]})
    with pytest.raises(ValueError, match=r"X must be numeric"):
        gl.fit(frame, [1.0, 2.0, 3.0])


def test_family_must_be_a_glm_lib_family(data):
    X, y = data
    with pytest.raises(TypeError, match="family must be a glm_lib family"):
        gl.fit(X, y, family="poisson")


def test_dispersion_needs_residual_df():
    X = np.column_stack([np.ones(3), [1.0, 2.0, 3.0], [1.0, 4.0, 9.0]])
    with pytest.raises(ValueError, match=r"dispersion of the Gamma family cannot be estimated with 0 residual"):
        gl.fit(X, [1.0, 2.0, 4.0], family=gl.Gamma("log"))


# --- pandas inputs ----------------------------------------------------------------------------------------


@pytest.fixture
def frame_data():
    rng = np.random.default_rng(21)
    n = 30
    X = pd.DataFrame({"const": np.ones(n), "x": rng.normal(size=n)}, index=[f"r{i}" for i in range(n)])
    y = pd.Series(rng.poisson(np.exp(0.5 + 0.4 * X["x"])).astype(float), index=X.index)
    return X, y


def test_pandas_y_is_aligned_by_index(frame_data):
    X, y = frame_data
    reference = gl.fit(X, y, family=gl.Poisson())
    shuffled = y.sample(frac=1.0, random_state=3)
    assert not shuffled.index.equals(X.index)
    aligned = gl.fit(X, shuffled, family=gl.Poisson())
    np.testing.assert_allclose(aligned.params, reference.params, rtol=1e-12)
    # Matching by position instead would have fitted a different model.
    by_position = gl.fit(X, shuffled.to_numpy(), family=gl.Poisson())
    assert not np.allclose(by_position.params, reference.params)


def test_pandas_weights_and_offset_are_aligned_by_index(frame_data):
    X, y = frame_data
    exposure = pd.Series(np.linspace(1.0, 3.0, len(y)), index=X.index)
    reference = gl.fit(X, y, family=gl.Poisson(), offset=np.log(exposure), weights=exposure)
    order = np.random.default_rng(4).permutation(len(y))
    shuffled = gl.fit(X, y, family=gl.Poisson(), offset=np.log(exposure).iloc[order], weights=exposure.iloc[order])
    np.testing.assert_allclose(shuffled.params, reference.params, rtol=1e-12)


def test_pandas_index_mismatch_is_an_error(frame_data):
    X, y = frame_data
    with pytest.raises(ValueError, match=r"the index of y does not match the index of X.*'r0'.*\.to_numpy\(\)"):
        gl.fit(X, y.reset_index(drop=True), family=gl.Poisson())
    with pytest.raises(ValueError, match=r"the index of weights does not match"):
        gl.fit(X, y, family=gl.Poisson(), weights=pd.Series(np.ones(len(y))))


@pytest.mark.parametrize("categories", [["a", "b", "c"], [10, 20, 30]], ids=["strings", "numbers"])
def test_categorical_column_refused(frame_data, categories):
    X, y = frame_data
    X = X.assign(g=pd.Categorical(np.resize(categories, len(X))))
    with pytest.raises(ValueError, match=r"X must be numeric: column 'g' is categorical.*gl\.glm\(\)"):
        gl.fit(X, y, family=gl.Poisson())


def test_string_column_refused_even_if_numeric_text(frame_data):
    X, y = frame_data
    X = X.assign(g=np.resize(["1", "2", "3"], len(X)))
    with pytest.raises(ValueError, match=r"X must be numeric: column 'g' is non-numeric \(string\)"):
        gl.fit(X, y, family=gl.Poisson())


def test_categorical_y_refused(frame_data):
    X, y = frame_data
    with pytest.raises(ValueError, match=r"y is categorical"):
        gl.fit(X, pd.Series(pd.Categorical((y > 1).astype(int)), index=X.index), family=gl.Binomial())


def test_duplicate_column_names(frame_data):
    X, y = frame_data
    X = pd.concat([X, X[["x"]]], axis=1)
    with pytest.raises(ValueError, match=r"X has duplicate column names \['x'\]"):
        gl.fit(X, y, family=gl.Poisson())


@pytest.mark.parametrize("where", ["X", "y", "weights", "offset"])
def test_complex_numbers_refused(data, where):
    X, y = data
    kwargs = {"X": X, "y": y, "family": gl.Poisson()}
    if where in ("X", "y"):
        kwargs[where] = kwargs[where] + 0j
    else:
        kwargs[where] = np.ones(N) + 0j
    with pytest.raises(TypeError, match=rf"{where} holds complex numbers"):
        gl.fit(**kwargs)


def test_nullable_dtypes(frame_data):
    X, y = frame_data
    reference = gl.fit(X, y, family=gl.Poisson())
    nullable = gl.fit(X.astype({"x": "Float64"}), y.astype("Int64"), family=gl.Poisson())
    np.testing.assert_allclose(nullable.params, reference.params, rtol=1e-12)
    X_na = X.astype({"x": "Float64"})
    X_na.iloc[[2, 5], 1] = pd.NA
    with pytest.raises(ValueError, match=r"X contains NaN .* at " + rows_text(2, 5) + r".*pd\.NA"):
        gl.fit(X_na, y, family=gl.Poisson())
    y_na = y.astype("Int64")
    y_na.iloc[7] = pd.NA
    with pytest.raises(ValueError, match=r"y contains NaN .* at " + rows_text(7)):
        gl.fit(X, y_na, family=gl.Poisson())
    w_na = pd.Series(pd.array([1.0] * len(y), dtype="Float64"), index=X.index)
    w_na.iloc[0] = pd.NA
    with pytest.raises(ValueError, match=r"weights contains NaN .* at " + rows_text(0)):
        gl.fit(X, y, family=gl.Poisson(), weights=w_na)


# --- argument types and ranges ----------------------------------------------------------------------------


def test_max_iter_whole_float_accepted_fraction_refused(data):
    X, y = data
    a = gl.fit(X, y, family=gl.Poisson(), max_iter=25.0)
    b = gl.fit(X, y, family=gl.Poisson(), max_iter=25)
    np.testing.assert_array_equal(a.params, b.params)
    raises(r"max_iter must be a whole number, got 10\.5", X, y, family=gl.Poisson(), max_iter=10.5)
    with pytest.raises(TypeError, match=r"max_iter must be a whole number, not str"):
        gl.fit(X, y, family=gl.Poisson(), max_iter="100")


@pytest.mark.parametrize("tol", [0.0, -1e-8, np.nan, np.inf])
def test_tol_must_be_positive(data, tol):
    X, y = data
    raises(r"tol must be a positive number", X, y, family=gl.Poisson(), tol=tol)


def test_tol_type(data):
    X, y = data
    with pytest.raises(TypeError, match=r"tol must be a positive number, not str"):
        gl.fit(X, y, family=gl.Poisson(), tol="1e-8")


@pytest.mark.parametrize("rate", [-1e-3, 0.0])
def test_learning_rate_must_be_positive(data, rate):
    X, y = data
    raises(r"learning_rate must be a positive number", X, y, family=gl.Poisson(), method="gd", learning_rate=rate)


def test_negative_binomial_alpha_type():
    with pytest.raises(TypeError, match=r"alpha must be a positive number, not NoneType"):
        gl.NegativeBinomial(alpha=None)
    with pytest.raises(TypeError, match=r"alpha must be a positive number, not str"):
        gl.NegativeBinomial(alpha="1")


def test_start_length_checked_before_dropping_aliased(collinear):
    X, y = collinear
    with pytest.raises(ValueError, match=r"start has 4 values but X has 5 columns"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gl.AliasedColumnsWarning)
            gl.fit(X, y, family=gl.Poisson(), drop_aliased=True, start=np.zeros(4))
    # The right length works: the aliased column's entry is ignored.
    with pytest.warns(gl.AliasedColumnsWarning):
        res = gl.fit(X, y, family=gl.Poisson(), drop_aliased=True, start=[0.5, 0, 0, 99.0, 0], tol=1e-12)
    reference = gl.fit(X.drop(columns="a_plus_b"), y, family=gl.Poisson(), tol=1e-12)
    np.testing.assert_allclose(res.params.dropna(), reference.params, rtol=1e-8)


@pytest.mark.parametrize("max_iter", [0, -3, 2.5])
def test_negative_binomial_max_iter(data, max_iter):
    X, y = data
    with pytest.raises(ValueError, match=r"max_iter must be"):
        gl.fit_negative_binomial(X, y, max_iter=max_iter)


def test_negative_binomial_tol(data):
    X, y = data
    with pytest.raises(ValueError, match=r"tol must be a positive number"):
        gl.fit_negative_binomial(X, y, tol=0)


def test_glm_formula_type():
    frame = pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [0.0, 1.0, 2.0]})
    with pytest.raises(TypeError, match=r"formula must be a string such as 'y ~ x', not NoneType"):
        gl.glm(None, frame)
    with pytest.raises(ValueError, match=r"formula needs a response"):
        gl.glm("x", frame)
    with pytest.raises(TypeError, match=r"family must be a glm_lib family"):
        gl.glm("y ~ x", frame, family="poisson")


# --- perfect fit ----------------------------------------------------------------------------------


@pytest.mark.parametrize("family", [gl.Gaussian(), gl.Gamma("log")], ids=["gaussian", "gamma"])
def test_perfect_fit_warns(family):
    x = np.arange(1.0, 9.0)
    X = np.column_stack([np.ones(8), x])
    y = np.exp(0.1 * x) if isinstance(family, gl.Gamma) else 2.0 + 3.0 * x
    with pytest.warns(gl.PerfectFitWarning, match=r"essentially perfect fit.*dispersion of the \w+ family is 0"):
        gl.fit(X, y, family=family)


def test_ordinary_fit_does_not_warn_of_a_perfect_fit(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", gl.PerfectFitWarning)
        gl.fit(X, y + 1.0, family=gl.Gaussian())
        gl.fit(X, y, family=gl.Poisson())  # no dispersion estimated: nothing to say


# --- magnitudes that floating point cannot square ----------------------------------------------------


@pytest.mark.parametrize("scale, problem", [(1e200, "overflows"), (1e-200, "underflows to 0")])
@pytest.mark.parametrize("fitter", ["fit", "multinomial"])
def test_columns_whose_squares_overflow_are_refused_not_called_aliased(data, scale, problem, fitter):
    X, y = data
    X = X * np.array([1.0, scale, 1.0])
    with pytest.raises(ValueError, match=rf"X column 'x1' has values up to .*{problem}.*rescale it") as info:
        if fitter == "fit":
            gl.fit(X, y, family=gl.Poisson())
        else:
            gl.fit_multinomial(X, np.resize(["a", "b", "c"], N))
    assert "rank-deficient" not in str(info.value)


def test_gradient_descent_ending_where_the_information_is_singular():
    rng = np.random.default_rng(1)
    X = np.column_stack([np.ones(15), rng.normal(size=15)])
    y = rng.poisson(2.0, 15).astype(float)
    with pytest.raises(FloatingPointError, match=r"X'WX is singular at the gd estimate.*learning_rate"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", gl.ConvergenceWarning)
            gl.fit(X, y, family=gl.Gaussian("log"), method="gd", max_iter=1, learning_rate=10.0)


@pytest.mark.parametrize("family", [gl.Gaussian(), gl.Gamma("log"), gl.InverseGaussian("log")],
                         ids=["gaussian", "gamma", "invgauss"])
def test_perfect_fit_log_likelihood_is_infinite_without_numpy_errors(family):
    X = np.column_stack([np.ones(4), [0.1, 0.5, -0.3, 0.2]])
    with pytest.warns(gl.PerfectFitWarning):
        res = gl.fit(X, np.ones(4), family=family)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert res.llf == np.inf and res.aic == -np.inf


@pytest.mark.parametrize("shift", [0.5, 3.0, 10.0])
def test_exact_aliasing_found_where_the_gram_matrix_cannot_resolve_it(shift):
    """x2 = x1 + shift with an intercept: X'WX loses the column's zero distance in rounding (it came out
    near 1e-7, so the fit either ran with standard errors of 1e5 or stopped with a message about
    separation); the QR of sqrt(W) X that decides such cases finds it."""
    n = 20_000
    t = np.linspace(0.0, 1.0, n)
    x1 = 0.5 * np.sin(40 * t) + 1e-3 * np.cos(7 * t)
    X = np.column_stack([np.ones(n), x1, x1 + shift])
    y = np.random.default_rng(0).poisson(np.exp(0.2 + 0.3 * x1)).astype(float)
    with pytest.raises(ValueError, match=r"rank-deficient.*x2 = "):
        gl.fit(X, y, family=gl.Poisson())
    with pytest.warns(gl.AliasedColumnsWarning):
        dropped = gl.fit(X, y, family=gl.Poisson(), drop_aliased=True)
    kept = gl.fit(X[:, :2], y, family=gl.Poisson())
    np.testing.assert_allclose(dropped.params.to_numpy()[:2], kept.params.to_numpy(), rtol=1e-10)
    assert np.isnan(dropped.params.to_numpy()[2])
