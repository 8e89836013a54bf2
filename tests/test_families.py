"""Families: variance functions, deviances and log-likelihoods against scipy's densities and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

import glm_lib as gl

SMF = sm.families
RNG = np.random.default_rng(123)
N = 40
ALPHA = 0.7

# Responses, means and weights inside each family's support.
POS_Y = RNG.gamma(2.0, 1.5, N)
POS_MU = RNG.uniform(0.5, 4.0, N)
COUNT_Y = RNG.poisson(3.0, N).astype(float)
TRIALS = RNG.integers(1, 15, N).astype(float)
PROP_Y = RNG.binomial(TRIALS.astype(int), 0.4) / TRIALS
PROP_MU = RNG.uniform(0.05, 0.95, N)
WEIGHTS = RNG.uniform(0.5, 2.0, N)


def close(a, b, rtol=1e-10, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


# (glm_lib family, statsmodels family, y, mu, weights)
CASES = {
    "gaussian": (gl.Gaussian(), SMF.Gaussian(), RNG.normal(1, 2, N), RNG.normal(1, 2, N), WEIGHTS),
    "poisson": (gl.Poisson(), SMF.Poisson(), COUNT_Y, POS_MU, WEIGHTS),
    "binomial": (gl.Binomial(), None, PROP_Y, PROP_MU, TRIALS),
    "gamma": (gl.Gamma(), SMF.Gamma(), POS_Y, POS_MU, WEIGHTS),
    "invgauss": (gl.InverseGaussian(), SMF.InverseGaussian(), POS_Y, POS_MU, WEIGHTS),
    "negbin": (gl.NegativeBinomial(ALPHA), SMF.NegativeBinomial(alpha=ALPHA), COUNT_Y, POS_MU, WEIGHTS),
}
IDS = list(CASES)


@pytest.mark.parametrize("name", IDS)
def test_variance_function(name):
    family, _, y, mu, w = CASES[name]
    expected = {
        "gaussian": np.ones_like(mu),
        "poisson": mu,
        "binomial": mu * (1 - mu),
        "gamma": mu**2,
        "invgauss": mu**3,
        "negbin": mu + ALPHA * mu**2,
    }[name]
    close(family.variance(mu), expected, rtol=1e-14)
    h = 1e-6
    close(family.variance_deriv(mu), (family.variance(mu + h) - family.variance(mu - h)) / (2 * h), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", [n for n in IDS if CASES[n][1] is not None])
def test_deviance_matches_statsmodels(name):
    family, other, y, mu, w = CASES[name]
    close(family.deviance(y, mu, w), other.deviance(y, mu, var_weights=w), rtol=1e-10)


def test_binomial_deviance_matches_statsmodels():
    family, _, y, mu, trials = CASES["binomial"]
    # statsmodels' Binomial with n trials per row is the var_weights = trials deviance.
    close(family.deviance(y, mu, trials), SMF.Binomial().deviance(y, mu, var_weights=trials), rtol=1e-10)


def _scipy_loglike(name, y, mu, w, scale):
    """Each row's log-density from scipy, times its weight (R's convention)."""
    if name == "gaussian":
        return np.sum(stats.norm.logpdf(y, mu, np.sqrt(scale / w)))
    if name == "poisson":
        return np.sum(w * stats.poisson.logpmf(y, mu))
    if name == "binomial":
        return np.sum(stats.binom.logpmf(np.round(y * w), w, mu))
    if name == "gamma":
        return np.sum(w * stats.gamma.logpdf(y, a=1 / scale, scale=mu * scale))
    if name == "invgauss":
        lam = 1 / scale  # IG(mean mu, shape lam) is scipy's invgauss(mu / lam, scale=lam)
        return np.sum(w * stats.invgauss.logpdf(y, mu / lam, scale=lam))
    if name == "negbin":
        theta = 1 / ALPHA
        return np.sum(w * stats.nbinom.logpmf(y, theta, theta / (theta + mu)))
    raise AssertionError(name)


LOGLIKE_CASES = [
    (name, scale)
    for name in IDS
    for scale in ((1.0, 0.3, 2.5) if CASES[name][0].estimated_dispersion else (1.0,))
]


@pytest.mark.parametrize("name, scale", LOGLIKE_CASES)
def test_loglike_matches_scipy_density(name, scale):
    family, _, y, mu, w = CASES[name]
    close(family.loglike(y, mu, w, scale), _scipy_loglike(name, y, mu, w, scale), rtol=1e-10)


@pytest.mark.parametrize("name", IDS)
def test_unit_deviance_is_twice_the_loglik_ratio(name):
    """d(y, mu) = 2 * phi * [l(y; y) - l(y; mu)] per unit weight: the definition of the deviance."""
    family, _, y, mu, w = CASES[name]
    if name == "binomial":
        # keep the saturated means strictly inside (0, 1) for the density
        y = np.clip(y, 0.05, 0.95)
        y = np.round(y * w) / w
        sat_mu = np.clip(y, 1e-300, 1 - 1e-16)
    else:
        sat_mu = np.where(y > 0, y, 1e-300) if name in ("poisson", "negbin") else y
    scale = 0.7 if family.estimated_dispersion else 1.0
    ratio = _scipy_loglike(name, y, sat_mu, w, scale) - _scipy_loglike(name, y, mu, w, scale)
    close(family.deviance(y, mu, w), 2 * scale * ratio, rtol=1e-8)


@pytest.mark.parametrize("name", IDS)
def test_unit_deviance_nonnegative_and_zero_at_y(name):
    family, _, y, mu, w = CASES[name]
    d = family.unit_deviance(y, mu)
    assert np.all(d >= -1e-12)
    at_y = family.unit_deviance(y[y > 0], y[y > 0]) if name != "binomial" else family.unit_deviance(PROP_MU, PROP_MU)
    close(at_y, 0.0, atol=1e-12)


def test_zero_counts_have_finite_deviance():
    y = np.array([0.0, 0.0, 3.0])
    mu = np.array([0.5, 2.0, 3.0])
    close(gl.Poisson().unit_deviance(y, mu), [2 * 0.5, 2 * 2.0, 0.0], rtol=1e-14, atol=1e-14)
    close(gl.Binomial().unit_deviance(np.array([0.0, 1.0]), np.array([0.2, 0.8])), [-2 * np.log(0.8), -2 * np.log(0.8)], rtol=1e-14)
    assert np.all(np.isfinite(gl.NegativeBinomial(0.5).unit_deviance(y, mu)))


def test_aic_scale_is_r_plugin():
    dev = 12.5
    w = np.array([1.0, 2.0, 0.0, 3.0])
    assert gl.Gaussian().aic_scale(dev, w) == dev / 3  # rows with positive weight
    assert gl.Gamma().aic_scale(dev, w) == dev / 6
    assert gl.InverseGaussian().aic_scale(dev, w) == dev / 6
    assert gl.Poisson().aic_scale(dev, w) == 1.0
    assert gl.Binomial().aic_scale(dev, w) == 1.0


@pytest.mark.parametrize(
    "family, canonical, allowed, estimated",
    [
        (gl.Gaussian, "identity", {"identity", "log", "inverse"}, True),
        (gl.Binomial, "logit", {"logit", "probit", "cloglog", "cauchit", "log"}, False),
        (gl.Poisson, "log", {"log", "identity", "sqrt"}, False),
        (gl.Gamma, "inverse", {"inverse", "identity", "log"}, True),
        (gl.InverseGaussian, "inverse_squared", {"inverse_squared", "inverse", "identity", "log"}, True),
        (gl.QuasiPoisson, "log", {"log", "identity", "sqrt"}, True),
        (gl.QuasiBinomial, "logit", {"logit", "probit", "cloglog", "cauchit", "log"}, True),
    ],
)
def test_links_and_dispersion_flags(family, canonical, allowed, estimated):
    assert family().link.name == canonical
    for name in allowed:
        assert family(link=name).link.name == name
    assert family.estimated_dispersion is estimated
    assert set(family.links) == allowed


def test_link_object_bypasses_the_allowed_list():
    # A Link object is trusted (R's family(link = power(1/3)) style).
    fam = gl.Poisson(link=gl.links.power(1 / 3))
    assert fam.link.power == pytest.approx(1 / 3)


def test_negative_binomial_repr_and_default_link():
    fam = gl.NegativeBinomial(0.25)
    assert fam.alpha == 0.25 and fam.link.name == "log"
    assert "alpha=0.25" in repr(fam)


@pytest.mark.parametrize("name", IDS)
def test_starting_means_are_valid(name):
    family, _, y, mu, w = CASES[name]
    if name == "binomial":
        y = np.r_[0.0, 1.0, y]
        w = np.r_[3.0, 3.0, w]
    if name in ("poisson", "negbin"):
        y = np.r_[0.0, y]
        w = np.r_[1.0, w]
    start = family.starting_mu(y, w)
    assert family.valid_mu(start)
    assert np.all(np.isfinite(family.link.link(start)))


def test_valid_mu():
    assert gl.Binomial().valid_mu(np.array([0.1, 0.9]))
    assert not gl.Binomial().valid_mu(np.array([0.0, 0.5]))
    assert not gl.Binomial().valid_mu(np.array([0.5, 1.0]))
    assert not gl.Poisson().valid_mu(np.array([0.0, 1.0]))
    assert not gl.Gamma().valid_mu(np.array([-1.0, 1.0]))
    assert not gl.Gaussian().valid_mu(np.array([np.nan]))
    assert gl.Gaussian().valid_mu(np.array([-5.0, 5.0]))


def test_quasi_families_have_no_likelihood():
    for fam in (gl.QuasiPoisson(), gl.QuasiBinomial()):
        assert not fam.has_likelihood
        with pytest.raises(ValueError, match="no likelihood"):
            fam.loglike(np.array([1.0]), np.array([0.5]), np.array([1.0]))


def test_quasi_poisson_accepts_non_integer_responses():
    X = np.column_stack([np.ones(6), np.arange(6.0)])
    y = np.array([0.5, 1.2, 2.7, 3.1, 5.9, 8.4])
    res = gl.fit(X, y, family=gl.QuasiPoisson())
    poisson_like = gl.fit(X, np.round(y), family=gl.QuasiPoisson())
    assert res.converged and poisson_like.converged
    with pytest.raises(ValueError, match="whole-number counts"):
        gl.fit(X, y, family=gl.Poisson())
