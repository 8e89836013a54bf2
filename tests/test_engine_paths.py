"""The fast paths of the engine, the input checks and the fitters give what the plain computations give.

Each shortcut taken for speed (grouped column reductions, a sum that screens
for NaN, ...) is compared here with the direct computation it replaces, on
shapes that exercise its edge cases (remainder rows, one column, many columns).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import glm_lib as gl
from glm_lib._model._validation import _column_sizes, as_design, check_finite


@pytest.mark.parametrize("n", [1, 7, 32, 33, 1000, 4096, 9000])
@pytest.mark.parametrize("p", [1, 3, 20, 700])
def test_column_sizes_equal_numpy(n, p):
    X = np.random.default_rng(n * p).standard_normal((n, p))
    assert np.array_equal(_column_sizes(X), np.abs(X).max(axis=0))
    assert np.array_equal(_column_sizes(np.asfortranarray(X)), np.abs(X).max(axis=0))


@pytest.mark.parametrize("row", [0, 500, 4200, 8999])  # in the first and later chunks and in the remainder
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_design_named_wherever_it_is(row, bad):
    X = np.random.default_rng(1).standard_normal((9000, 20))
    X[row, 19] = bad
    with pytest.raises(ValueError, match=re.escape(f"X contains NaN or infinite values at rows [{row}] (1 in all)")):
        as_design(X)


def test_huge_finite_values_are_not_called_infinite():
    # Their sum overflows, which only sends the check to the elementwise test.
    check_finite("y", np.array([1e308, 1e308, -1.0]))
    with pytest.raises(ValueError, match=re.escape("rows [1] (1 in all)")):
        check_finite("y", np.array([1e308, np.inf, 1.0]))


def test_magnitude_check_on_grouped_rows():
    X = np.random.default_rng(2).standard_normal((1003, 3))
    X[700, 2] = 1e160
    with pytest.raises(ValueError, match="column 'x2' has values up to 1e\\+160"):
        gl.fit(X, np.ones(1003), family=gl.Poisson())


# --- the light final pass of IRLS ---------------------------------------------------------

from glm_lib._engine import _irls  # noqa: E402
from glm_lib._engine._backends import NumpyBackend  # noqa: E402


def _data(family, n=3000, seed=4):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 3))])
    eta = X @ np.array([0.2, 0.5, -0.3, 0.1])
    if family == "binomial":
        return X, (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, rng.poisson(np.exp(eta)).astype(float)


@pytest.mark.parametrize("family", [gl.Poisson(), gl.Binomial(), gl.Binomial(link="probit"), gl.Gamma()])
def test_light_pass_deviance_and_score_equal_the_full_pass(family):
    X, y = _data("binomial" if isinstance(family, gl.Binomial) else "poisson")
    y = y + 0.5 if isinstance(family, gl.Gamma) else y
    backend = NumpyBackend(X, y, np.ones(len(y)), np.zeros(len(y)), block_rows=1024)
    params = gl.fit(X, y, family=family).params.to_numpy() + 1e-3
    full, light = backend.sums(family, params, keep_means=True), backend.light_sums(family, params)
    assert light.deviance == full.deviance  # bit for bit: the convergence test cannot differ
    assert np.array_equal(light.mu, full.mu) and np.array_equal(light.eta, full.eta)
    np.testing.assert_allclose(light.score, full.score, rtol=1e-10, atol=1e-10 * np.abs(full.score).max())
    assert light.gram is None and light.rhs is None


@pytest.mark.parametrize("kind", ["poisson", "binomial"])
@pytest.mark.parametrize("options", [{}, {"method": "newton"}, {"tol": 1e-4}, {"start": np.full(4, 0.05)}])
def test_fit_is_the_same_with_and_without_the_light_pass(kind, options, monkeypatch):
    X, y = _data(kind)
    family = gl.Poisson() if kind == "poisson" else gl.Binomial()
    light = gl.fit(X, y, family=family, **options)
    monkeypatch.setattr(_irls, "_final_pass", lambda *args: None)
    full = gl.fit(X, y, family=family, **options)
    assert np.array_equal(light.params, full.params) and light.deviance == full.deviance
    assert light.n_iter == full.n_iter and np.array_equal(light.bse, full.bse)
    np.testing.assert_allclose(light.pearson_chi2, full.pearson_chi2, rtol=1e-12)


def test_a_wrong_prediction_costs_a_light_pass_not_the_result(monkeypatch):
    X, y = _data("binomial")
    reference = gl.fit(X, y, family=gl.Binomial())
    calls = {"light": 0}
    original = NumpyBackend.light_sums

    def counted(self, family, params):
        calls["light"] += 1
        return original(self, family, params)

    monkeypatch.setattr(NumpyBackend, "light_sums", counted)
    monkeypatch.setattr(_irls, "_predicted_change", lambda *args: 0.0)  # predict convergence at every step
    res = gl.fit(X, y, family=gl.Binomial())
    assert np.array_equal(res.params, reference.params) and res.n_iter == reference.n_iter
    assert calls["light"] == res.n_iter - 1  # every step after the first tried it; only the last one ended


@pytest.mark.parametrize("kind", ["poisson", "binomial"])
def test_means_from_a_full_pass_that_ends_the_fit(kind, monkeypatch):
    # With no prediction of convergence, every pass is a full one that keeps no per-row
    # eta and mu; the converged fit recomputes them with a light pass, bit for bit.
    X, y = _data(kind)
    family = gl.Poisson() if kind == "poisson" else gl.Binomial()
    reference = gl.fit(X, y, family=family)
    monkeypatch.setattr(_irls, "_predicted_change", lambda *args: np.inf)
    res = gl.fit(X, y, family=family)
    assert np.array_equal(res.params, reference.params) and res.n_iter == reference.n_iter
    assert np.array_equal(res.mu, reference.mu) and np.array_equal(res.eta, reference.eta)
    assert res.deviance == reference.deviance
    with pytest.warns(gl.ConvergenceWarning):
        short = gl.fit(X, y, family=family, max_iter=2)  # stops with a full pass's coefficients
    eta = X @ short.params.to_numpy()
    np.testing.assert_allclose(short.eta, eta, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("family", [gl.Poisson(), gl.Binomial(), gl.QuasiPoisson(), gl.QuasiBinomial()])
def test_start_block_by_block_equals_the_whole_vector_start(family):
    X, y = _data("binomial" if isinstance(family, gl.Binomial) else "poisson", n=5000)
    weights = np.random.default_rng(3).integers(1, 4, len(y)).astype(float)
    backend = NumpyBackend(X, y, weights, np.zeros(len(y)), block_rows=1024)
    mu = family.starting_mu(y, weights)
    whole = backend.sums(family, None, family.link.link(mu), mu)
    blocks = backend.start_sums(family)
    np.testing.assert_allclose(blocks.gram, whole.gram, rtol=1e-13)
    np.testing.assert_allclose(blocks.rhs, whole.rhs, rtol=1e-13)
    assert blocks.deviance == whole.deviance and blocks.mu is None  # (the start's means are never used)
    np.testing.assert_allclose(blocks.score, whole.score, rtol=1e-13)


def test_near_bounds_screen_agrees_with_the_rowwise_test():
    from glm_lib._engine._separation import _near_bounds

    rng = np.random.default_rng(5)
    for family in (gl.Binomial(), gl.Poisson()):
        for gap in (1e-3, 2e-6, 1e-6, 5e-7, 0.0):
            y = (rng.random(400) < 0.5).astype(float)
            mu = np.clip(rng.random(400), gap, 1 - gap)
            mu[7], y[7] = gap, 0.0
            w = np.ones(400)
            lower, upper = family.mean_bounds
            near = (y <= lower) & (mu - lower < 1e-6)
            if upper is not None:
                near |= (y >= upper) & (upper - mu < 1e-6)
            assert _near_bounds(family, y, mu, w) == bool(near.any())


@pytest.mark.parametrize("p", [2, 20, 33])  # sub-block gemm (p <= 32) and syrk of sqrt(W) X
def test_gram_of_a_pass_is_the_weighted_gram(p):
    from glm_lib._engine._linalg import weighted_gram

    rng = np.random.default_rng(p)
    n = 7000
    X = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1)) / np.sqrt(p)])
    y = rng.poisson(1.5, n).astype(float)
    params = np.zeros(p)
    params[0] = np.log(1.5)
    backend = NumpyBackend(X, y, np.ones(n), np.zeros(n), block_rows=2048)
    sums = backend.sums(gl.Poisson(), params)
    assert np.array_equal(sums.gram, sums.gram.T)
    np.testing.assert_allclose(sums.gram, weighted_gram(X, sums.working_weights), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(sums.rhs, X.T @ (sums.working_weights * (X @ params + (y - 1.5) / 1.5)),
                               rtol=1e-12, atol=1e-9)


# --- the negative binomial's theta: digamma and trigamma sums over the counts ---------------------

from glm_lib._models._negbin import _count_tails, _theta_score_and_information, theta_ml  # noqa: E402


@pytest.mark.parametrize("theta", [0.05, 1.0, 7.3, 300.0])
@pytest.mark.parametrize("weighted", [False, True])
def test_theta_sums_over_counts_equal_the_polygamma_form(theta, weighted):
    rng = np.random.default_rng(11)
    y = rng.negative_binomial(1.5, 0.3, 400).astype(float)
    mu = np.maximum(y.mean(), 0.1) * rng.uniform(0.5, 1.5, 400)
    weights = rng.integers(0, 4, 400).astype(float) if weighted else np.ones(400)  # zero weights too
    tails = _count_tails(y, weights)
    assert tails.shape == (int(y.max()),)
    rows = _theta_score_and_information(theta, y, mu, weights)
    counts = _theta_score_and_information(theta, y, mu, weights, tails)
    np.testing.assert_allclose(counts, rows, rtol=1e-10, atol=1e-12 * np.sum(weights))


def test_theta_falls_back_to_polygamma_for_non_counts():
    y = np.array([0.0, 1.5, 3.0])
    assert _count_tails(y, np.ones(3)) is None
    assert _count_tails(np.array([0.0, 2e7]), np.ones(2)) is None
    assert _count_tails(np.zeros(4), np.ones(4)).shape == (0,)
    rng = np.random.default_rng(2)
    y = rng.negative_binomial(2.0, 0.4, 300).astype(float)
    mu = np.full(300, y.mean())
    theta, se = theta_ml(y, mu)
    theta_noninteger, _ = theta_ml(y + 1e-9, mu)  # polygamma path, nearly the same data
    np.testing.assert_allclose(theta_noninteger, theta, rtol=1e-6)


# --- multinomial: log-probabilities and log-likelihood ---------------------------------------------

def test_multinomial_log_probs_equal_scipy_logsumexp():
    from scipy import special

    from glm_lib._models._multinomial import _Counts, _log_probs

    rng = np.random.default_rng(7)
    X = np.column_stack([np.ones(500), rng.standard_normal((500, 3)) * 30])  # large linear predictors too
    B = rng.standard_normal((4, 3))
    eta = np.column_stack([np.zeros(500), X @ B])
    expected = eta - special.logsumexp(eta, axis=1, keepdims=True)
    np.testing.assert_allclose(_log_probs(X, B), expected, rtol=1e-12, atol=1e-12)
    Y = np.zeros((500, 4))
    Y[np.arange(500), rng.integers(0, 4, 500)] = rng.integers(0, 3, 500)  # zero counts too
    direct = np.sum(np.where(Y > 0, Y * expected, 0.0))
    np.testing.assert_allclose(_Counts(Y).loglik(_log_probs(X, B)), direct, rtol=1e-12)
