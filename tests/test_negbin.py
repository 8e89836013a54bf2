"""Negative binomial with alpha estimated (R's glm.nb) against statsmodels' joint MLE."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import special

import glm_lib as gl


@pytest.fixture(scope="module")
def crabs_fit():
    crabs = gl.datasets.load_crabs()
    return crabs, gl.glm_nb("satellites ~ width", crabs)


@pytest.fixture(scope="module")
def statsmodels_fit():
    crabs = gl.datasets.load_crabs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.NegativeBinomial(crabs["satellites"], sm.add_constant(crabs[["width"]])).fit(
            disp=0, method="newton", maxiter=200
        )


def test_matches_statsmodels_joint_mle(crabs_fit, statsmodels_fit):
    _, res = crabs_fit
    np.testing.assert_allclose(res.params.to_numpy(), statsmodels_fit.params[["const", "width"]], rtol=1e-6)
    np.testing.assert_allclose(res.family.alpha, statsmodels_fit.params["alpha"], rtol=1e-5)
    np.testing.assert_allclose(res.llf, statsmodels_fit.llf, rtol=1e-10)
    # statsmodels counts alpha among its parameters, as glm.nb's AIC does
    np.testing.assert_allclose(res.aic, statsmodels_fit.aic, rtol=1e-10)


def test_agresti_crabs_figures(crabs_fit):
    # Agresti, Categorical Data Analysis: exp(-4.05 + 0.192 x), dispersion 1.106;
    # R's glm.nb prints Theta 0.905 (SE 0.161) and AIC 757.29.
    _, res = crabs_fit
    assert round(res.params["Intercept"], 2) == -4.05
    assert round(res.params["width"], 3) == 0.192
    # Agresti's 1.106 rounds 1.1055; R's glm.nb (epsilon 1e-12) gives 1.1054999856
    assert round(res.family.alpha, 4) == 1.1055
    assert abs(res.family.alpha - 1.10549998564193) < 1e-8
    assert round(res.theta, 3) == 0.905 and round(res.theta_se, 3) == 0.161
    assert round(res.aic, 2) == 757.29
    assert res.n_params == 3


def test_alpha_maximises_the_profile_likelihood(crabs_fit):
    crabs, res = crabs_fit
    for alpha in (res.family.alpha * 0.98, res.family.alpha * 1.02):
        other = gl.glm("satellites ~ width", crabs, family=gl.NegativeBinomial(alpha))
        assert other.llf < res.llf


def test_theta_se_is_the_inverse_root_curvature(crabs_fit):
    crabs, res = crabs_fit
    y, mu = crabs["satellites"].to_numpy(float), res.mu

    def loglik(theta):
        return np.sum(special.gammaln(y + theta) - special.gammaln(theta) + theta * np.log(theta / (theta + mu))
                      + special.xlogy(y, mu / (theta + mu)))

    h = 1e-4
    curvature = (loglik(res.theta + h) - 2 * loglik(res.theta) + loglik(res.theta - h)) / h**2
    np.testing.assert_allclose(res.theta_se, 1 / np.sqrt(-curvature), rtol=1e-5)
    np.testing.assert_allclose(res.family.alpha_se, res.theta_se / res.theta**2, rtol=1e-12)


def test_frequency_weights_equal_duplicated_rows():
    rng = np.random.default_rng(7)
    x = rng.normal(size=60)
    X = np.column_stack([np.ones(60), x])
    y = rng.negative_binomial(2, 2 / (2 + np.exp(0.5 + 0.4 * x)))
    counts = rng.integers(1, 4, 60)
    weighted = gl.fit_negative_binomial(X, y, weights=counts)
    expanded = gl.fit_negative_binomial(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.params, expanded.params, rtol=1e-6)
    np.testing.assert_allclose(weighted.family.alpha, expanded.family.alpha, rtol=1e-6)
    np.testing.assert_allclose(weighted.llf, expanded.llf, rtol=1e-9)


def test_counts_without_overdispersion_are_refused_with_a_clear_message():
    X = np.ones((50, 1))
    with pytest.raises(ValueError, match="not overdispersed"):
        gl.fit_negative_binomial(X, np.full(50, 3.0))
    # binomial counts are underdispersed: variance below the mean
    y = np.random.default_rng(3).binomial(6, 0.5, 400).astype(float)
    with pytest.raises(ValueError, match="not overdispersed"):
        gl.fit_negative_binomial(np.ones((400, 1)), y)


def test_counts_are_validated():
    with pytest.raises(ValueError, match="non-negative whole-number counts"):
        gl.fit_negative_binomial(np.ones((3, 1)), [1.0, -2.0, 3.0])


def test_aliased_column_dropped_as_without_it():
    """drop_aliased=True: the aliased coefficient is NaN (R's NA), the rest is the fit without the column,
    and the aliasing is reported once, not once per round of the alternation."""
    crabs = gl.datasets.load_crabs().assign(width2=lambda d: 2.0 * d["width"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        aliased = gl.glm_nb("satellites ~ width + width2", crabs, drop_aliased=True)
    assert sum(issubclass(w.category, gl.AliasedColumnsWarning) for w in caught) == 1
    plain = gl.glm_nb("satellites ~ width", crabs)
    assert np.isnan(aliased.params["width2"])
    np.testing.assert_allclose(aliased.params[["Intercept", "width"]], plain.params, rtol=1e-10)
    np.testing.assert_allclose(aliased.theta, plain.theta, rtol=1e-10)
