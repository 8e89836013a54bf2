"""Tests for glm_lib.multinomial: softmax regression against statsmodels and scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import glm_lib as gl
from glm_lib._models._multinomial import MultinomialResults, fit_multinomial

RTOL = 1e-6


@pytest.fixture(scope="module")
def iris():
    data = load_iris(as_frame=True)
    frame = data.frame.rename(
        columns={
            "sepal length (cm)": "sepal_length",
            "sepal width (cm)": "sepal_width",
            "petal length (cm)": "petal_length",
            "petal width (cm)": "petal_width",
        }
    )
    frame["species"] = pd.Categorical.from_codes(data.target, data.target_names)
    return frame


@pytest.fixture(scope="module")
def simulated():
    """Four classes, two covariates plus an intercept, overlapping classes."""
    rng = np.random.default_rng(2024)
    n = 600
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.uniform(-1, 1, size=n)])
    beta = np.array([[0.0, 0.5, -0.3, 0.2], [0.0, 1.0, -0.5, 0.8], [0.0, -0.7, 1.2, 0.4]])
    eta = X @ beta
    prob = np.exp(eta - eta.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    codes = np.array([rng.choice(4, p=row) for row in prob])
    labels = np.array(["a", "b", "c", "d"])[codes]
    return pd.DataFrame(X, columns=["Intercept", "x1", "x2"]), labels, codes


def _statsmodels(X, codes):
    return sm.MNLogit(codes, X).fit(disp=0, method="newton", tol=1e-12, maxiter=100)


def _sklearn(X_no_intercept, codes):
    # C = inf is scikit-learn's unpenalised fit (penalty=None is deprecated in 1.8).
    model = LogisticRegression(C=np.inf, solver="newton-cg", tol=1e-12, max_iter=10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_no_intercept, codes)
    coef = np.column_stack([model.intercept_, model.coef_]).T  # (p, k), symmetric parametrisation
    return model, coef[:, 1:] - coef[:, [0]]  # fix the first class as the baseline


# --- agreement with statsmodels and scikit-learn ------------------------------
def test_iris_matches_statsmodels(iris):
    X = sm.add_constant(iris[["sepal_length"]])
    res = fit_multinomial(X, iris["species"])
    ref = _statsmodels(X, iris["species"].cat.codes.to_numpy())
    assert res.converged
    assert res.baseline == "setosa"
    assert list(res.params.columns) == ["versicolor", "virginica"]
    assert list(res.params.index) == ["const", "sepal_length"]
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.bse.to_numpy(), ref.bse.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.llf, ref.llf, rtol=RTOL)
    np.testing.assert_allclose(res.aic, ref.aic, rtol=RTOL)
    np.testing.assert_allclose(res.bic, ref.bic, rtol=RTOL)
    np.testing.assert_allclose(res.null_deviance, -2 * ref.llnull, rtol=RTOL)
    np.testing.assert_allclose(res.pvalues.to_numpy(), ref.pvalues.to_numpy(), rtol=1e-5)
    assert res.df_resid == ref.df_resid


def test_iris_matches_sklearn(iris):
    X = sm.add_constant(iris[["sepal_length"]])
    res = fit_multinomial(X, iris["species"])
    model, coef = _sklearn(iris[["sepal_length"]], iris["species"].cat.codes)
    np.testing.assert_allclose(res.params.to_numpy(), coef, rtol=RTOL)
    np.testing.assert_allclose(res.predict_proba(X), model.predict_proba(iris[["sepal_length"]]), atol=1e-8)


def test_simulated_matches_statsmodels_and_sklearn(simulated):
    X, labels, codes = simulated
    res = fit_multinomial(X, labels)
    ref = _statsmodels(X, codes)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.bse.to_numpy(), ref.bse.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.llf, ref.llf, rtol=RTOL)
    model, coef = _sklearn(X[["x1", "x2"]], codes)
    np.testing.assert_allclose(res.params.to_numpy(), coef, rtol=RTOL)
    np.testing.assert_allclose(res.predict_proba(), model.predict_proba(X[["x1", "x2"]]), atol=1e-8)
    assert (res.predict() == np.array(["a", "b", "c", "d"])[model.predict(X[["x1", "x2"]])]).all()


def test_one_hot_input_equals_labels(simulated):
    X, labels, codes = simulated
    onehot = pd.get_dummies(labels).astype(float)
    a = fit_multinomial(X, labels)
    b = fit_multinomial(X, onehot)
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-10)
    assert list(b.params.columns) == ["b", "c", "d"]


# --- structure ------------------------------------------------------------------
def test_two_classes_reduce_to_logistic_regression(iris):
    sub = iris[iris["species"] != "setosa"]
    X = sm.add_constant(sub[["sepal_length", "sepal_width"]])
    y = (sub["species"] == "virginica").astype(int).to_numpy()
    res = fit_multinomial(X, y)
    # gl.fit, like R, computes standard errors from the working weights of the
    # last IRLS step (one step behind the estimate); a tight tol makes that
    # step negligible, so both use the information at the estimate.
    logit = gl.fit(X, y, family=gl.Binomial(), tol=1e-12)
    np.testing.assert_allclose(res.params[1].to_numpy(), logit.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.bse[1].to_numpy(), logit.bse.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(res.llf, logit.llf, rtol=RTOL)
    np.testing.assert_allclose(res.deviance, logit.deviance, rtol=RTOL)
    np.testing.assert_allclose(res.null_deviance, logit.null_deviance, rtol=RTOL)
    np.testing.assert_allclose(res.predict_proba()[:, 1], logit.mu, rtol=1e-8)


def test_grouped_counts_equal_expanded_rows():
    df = gl.datasets.load_alligator()
    design = pd.get_dummies(df[["lake", "size"]], drop_first=True).astype(float)
    design.insert(0, "Intercept", 1.0)
    # (1) labels with frequency weights, one row per cell
    by_weights = fit_multinomial(design, df["food"], weights=df["count"])
    # (2) a count matrix, one row per covariate pattern
    table = df.pivot_table(index=["lake", "sex", "size"], columns="food", values="count", aggfunc="sum", observed=True)
    keys = table.index.to_frame(index=False)
    Xg = pd.get_dummies(keys[["lake", "size"]], drop_first=True).astype(float)
    Xg.insert(0, "Intercept", 1.0)
    by_counts = fit_multinomial(Xg, table.reset_index(drop=True))
    # (3) one row per animal
    rows = df.loc[df.index.repeat(df["count"])].reset_index(drop=True)
    Xe = pd.get_dummies(rows[["lake", "size"]], drop_first=True).astype(float)
    Xe.insert(0, "Intercept", 1.0)
    expanded = fit_multinomial(Xe, rows["food"])
    ref = _statsmodels(Xe, rows["food"].cat.codes.to_numpy())
    for res in (by_weights, by_counts):
        np.testing.assert_allclose(res.params.to_numpy(), expanded.params.to_numpy(), rtol=1e-8)
        np.testing.assert_allclose(res.bse.to_numpy(), expanded.bse.to_numpy(), rtol=1e-8)
        np.testing.assert_allclose(res.llf, expanded.llf, rtol=1e-10)
        np.testing.assert_allclose(res.aic, expanded.aic, rtol=1e-10)
        np.testing.assert_allclose(res.bic, expanded.bic, rtol=1e-10)
        assert res.nobs == 219
    np.testing.assert_allclose(expanded.params.to_numpy(), ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(expanded.bse.to_numpy(), ref.bse.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(expanded.llf, ref.llf, rtol=RTOL)


def test_baseline_choice_reparametrises(simulated):
    X, labels, _ = simulated
    first = fit_multinomial(X, labels)
    other = fit_multinomial(X, labels, baseline="c")
    assert other.baseline == "c" and list(other.params.columns) == ["a", "b", "d"]
    np.testing.assert_allclose(other.params["a"], -first.params["c"], rtol=1e-8)
    np.testing.assert_allclose(other.params["d"], first.params["d"] - first.params["c"], rtol=1e-8)
    np.testing.assert_allclose(other.predict_proba(), first.predict_proba(), atol=1e-12)
    np.testing.assert_allclose(other.llf, first.llf, rtol=1e-12)


def test_results_interface(simulated):
    X, labels, _ = simulated
    res = fit_multinomial(X, labels)
    assert isinstance(res, MultinomialResults)
    proba = res.predict_proba(X.iloc[:5])
    assert proba.shape == (5, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # a DataFrame is matched by column name, whatever its column order
    np.testing.assert_allclose(res.predict_proba(X.iloc[:5, ::-1]), proba)
    assert set(res.predict()) <= set(res.classes)
    assert res.classes == ["a", "b", "c", "d"]
    assert res.bse.shape == res.params.shape == res.tvalues.shape == res.pvalues.shape == (3, 3)
    ci = res.conf_int()
    assert ci.shape == (9, 2) and (ci["lower"] < ci["upper"]).all()
    np.testing.assert_allclose(ci.loc[("b", "x1")].mean(), res.params.loc["x1", "b"])
    np.testing.assert_allclose(res.deviance, -2 * res.llf)
    assert res.n_params == 9 and res.df_resid == 600 - 9
    text = res.summary()
    assert "baseline class: a" in text and "log(P(d) / P(a))" in text and "x2" in text
    with pytest.raises(ValueError, match="columns"):
        res.predict_proba(np.ones((2, 5)))


def test_extreme_linear_predictors_do_not_overflow():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    codes = (x + rng.normal(size=200) > 0).astype(int) + (x + rng.normal(size=200) > 1).astype(int)
    X = np.column_stack([np.ones(200), x])
    res = fit_multinomial(X, codes)
    proba = res.predict_proba(np.array([[1.0, 1e4], [1.0, -1e4]]))
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


# --- warnings -----------------------------------------------------------------------
def test_separation_warning_on_iris(iris):
    X = sm.add_constant(iris[["sepal_length", "sepal_width", "petal_length", "petal_width"]])
    with pytest.warns(gl.SeparationWarning, match="separation"):
        res = fit_multinomial(X, iris["species"])
    assert res.separation is not None
    # setosa is separable from the others with the two sepal measurements alone
    with pytest.warns(gl.SeparationWarning):
        fit_multinomial(sm.add_constant(iris[["sepal_length", "sepal_width"]]), iris["species"])


def test_separation_warning_when_a_class_is_absent_at_a_factor_level():
    """No row at level c has class w: its coefficient runs off while every fitted
    probability of an observed class stays moderate, so only a near-zero probability
    of the absent class reveals it (R's multinom is silent here too)."""
    rng = np.random.default_rng(1)
    g = rng.choice(list("abc"), 300)
    y = rng.choice(["u", "v", "w"], 300)
    y = np.where((g == "c") & (y == "w"), "u", y)
    data = pd.DataFrame({"y": y, "g": g, "x": rng.normal(size=300)})
    with pytest.warns(gl.SeparationWarning, match="quasi-complete"):
        res = gl.multinom("y ~ g + x", data)
    assert set(res.separation["rows"]) == set(np.flatnonzero(g == "c"))
    direction = pd.DataFrame(res.separation["direction"], index=res.params.index, columns=res.params.columns)
    # The direction of divergence lowers w's log odds at level c and changes nothing else.
    assert direction.loc["g[T.c]", "w"] < 0
    assert np.allclose(direction.drop(index="g[T.c]"), 0, atol=1e-9)


def test_no_warning_on_well_posed_fit(iris):
    X = sm.add_constant(iris[["sepal_length"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit_multinomial(X, iris["species"])
    assert res.separation is None


def test_convergence_warning(simulated):
    X, labels, _ = simulated
    with pytest.warns(gl.ConvergenceWarning, match="did not converge"):
        res = fit_multinomial(X, labels, max_iter=1)
    assert not res.converged


# --- bad input ------------------------------------------------------------------------
@pytest.fixture
def small():
    X = np.column_stack([np.ones(6), [0.0, 1, 2, 3, 4, 5]])
    y = np.array(["a", "b", "a", "c", "b", "c"])
    return X, y


def test_bad_shapes(small):
    X, y = small
    with pytest.raises(ValueError, match="rows but X has"):
        fit_multinomial(X, y[:5])
    with pytest.raises(ValueError, match="rows but X has"):
        fit_multinomial(X, np.ones((5, 3)))
    with pytest.raises(ValueError, match="weights has 4 rows"):
        fit_multinomial(X, y, weights=np.ones(4))
    with pytest.raises(ValueError, match="must be labels"):
        fit_multinomial(X, np.zeros((6, 1, 2)))


def test_non_finite_values(small):
    X, y = small
    bad = X.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        fit_multinomial(bad, y)
    labels = pd.Series(["a", "b", None, "c", "b", "c"])
    with pytest.raises(ValueError, match="missing labels at rows \\[2\\]"):
        fit_multinomial(X, labels)
    counts = np.eye(3)[[0, 1, 0, 2, 1, 2]]
    counts[4, 1] = np.inf
    with pytest.raises(ValueError, match="y contains NaN or infinite"):
        fit_multinomial(X, counts)
    with pytest.raises(ValueError, match="weights contains NaN"):
        fit_multinomial(X, y, weights=[1, 1, np.nan, 1, 1, 1])


def test_too_few_classes(small):
    X, _ = small
    with pytest.raises(ValueError, match="at least 2"):
        fit_multinomial(X, ["a"] * 6)


def test_negative_weights_and_counts(small):
    X, y = small
    with pytest.raises(ValueError, match="weights must be non-negative"):
        fit_multinomial(X, y, weights=[1, 1, -1, 1, 1, 1])
    counts = np.eye(3)[[0, 1, 0, 2, 1, 2]]
    counts[3, 0] = -2
    with pytest.raises(ValueError, match="counts must be non-negative; negative at rows \\[3\\]"):
        fit_multinomial(X, counts)


def test_empty_class_column(small):
    X, _ = small
    counts = np.eye(3)[[0, 1, 0, 1, 1, 0]]
    with pytest.raises(ValueError, match="class\\(es\\) 2 have no observations"):
        fit_multinomial(X, counts)


def test_rank_deficient_design_names_columns(small):
    X, y = small
    frame = pd.DataFrame({"Intercept": X[:, 0], "x": X[:, 1], "x_twice": 2 * X[:, 1]})
    with pytest.raises(ValueError, match="rank-deficient.*x_twice"):
        fit_multinomial(frame, y)


def test_unknown_baseline_and_bad_options(small):
    X, y = small
    with pytest.raises(ValueError, match="baseline 'z' is not one of the classes"):
        fit_multinomial(X, y, baseline="z")
    with pytest.raises(ValueError, match="tol must be a positive number"):
        fit_multinomial(X, y, tol=0)
    with pytest.raises(ValueError, match="feature_names has 1 names"):
        fit_multinomial(X, y, feature_names=["a"])


def test_argument_types_and_ranges(small):
    X, y = small
    with pytest.raises(ValueError, match=r"tol must be a positive number"):
        fit_multinomial(X, y, tol=0.0)
    with pytest.raises(ValueError, match=r"max_iter must be a whole number, got 2\.5"):
        fit_multinomial(X, y, max_iter=2.5)
    with pytest.raises(TypeError, match=r"max_iter must be a whole number, not NoneType"):
        fit_multinomial(X, y, max_iter=None)


def test_pandas_labels_are_aligned_by_index(small):
    X, y = small
    frame = pd.DataFrame(np.asarray(X), columns=[f"c{j}" for j in range(np.shape(X)[1])],
                         index=[f"r{i}" for i in range(len(y))])
    labels = pd.Series(np.asarray(y), index=frame.index)
    reference = fit_multinomial(frame, labels)
    shuffled = fit_multinomial(frame, labels.iloc[::-1])
    np.testing.assert_allclose(shuffled.params, reference.params, rtol=1e-10)
    with pytest.raises(ValueError, match=r"the index of y does not match the index of X"):
        fit_multinomial(frame, labels.reset_index(drop=True))
