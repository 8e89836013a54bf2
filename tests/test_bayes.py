"""Bayesian GLMs: the posterior mode against a direct optimisation of the log posterior,
the Laplace approximation and PyMC's NUTS against rstanarm::stan_glm (fixtures:
tests/r/bayes.R, 4 chains of 5000 draws), and the input checks.

Monte Carlo error allowed: a posterior mean or standard deviation from NUTS may differ
from rstanarm's by at most 4 combined Monte Carlo standard errors,
``4 sqrt(mcse_python^2 + mcse_R^2)`` (ArviZ's ``mcse`` of the mean and of the sd here;
rstan's ``mcse`` and ``sd / sqrt(2 n_eff)`` in R): a false alarm about once in 16 000
comparisons when the two samplers target the same posterior.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

import glm_lib as gl
from rdata import load_fixture

R = load_fixture("bayes")
close = np.testing.assert_allclose
FORMULA = "cbind(distressed, n - distressed) ~ temp_c"


@pytest.fixture(scope="module")
def challenger():
    df = gl.datasets.load_challenger()
    df["temp_c"] = df["temp"] - df["temp"].mean()
    return df


@pytest.fixture(scope="module")
def crabs():
    df = gl.datasets.load_crabs()
    df["width_c"] = df["width"] - df["width"].mean()
    return df


@pytest.fixture(scope="module")
def separated():
    return pd.DataFrame(R["separated"])


def _log_posterior_by_hand(beta, X, s, m, log_priors):
    """Binomial log-likelihood (scipy) plus independent log prior densities (scipy)."""
    pi = special.expit(X @ beta)
    return np.sum(stats.binom.logpmf(s, m, pi)) + sum(lp(b) for lp, b in zip(log_priors, beta))


@pytest.mark.parametrize("prior, prior_intercept, log_priors", [
    (gl.priors.Normal(0, 2.5), gl.priors.Normal(0, 10), [stats.norm(0, 10).logpdf, stats.norm(0, 2.5).logpdf]),
    (gl.priors.StudentT(3, 0, 2.5), gl.priors.StudentT(3, 0, 10),
     [stats.t(3, 0, 10).logpdf, stats.t(3, 0, 2.5).logpdf]),
    (gl.priors.Cauchy(0, 0.05), gl.priors.Cauchy(1, 0.5), [stats.cauchy(1, 0.5).logpdf, stats.cauchy(0, 0.05).logpdf]),
])
def test_mode_and_log_posterior_match_a_direct_optimisation(challenger, prior, prior_intercept, log_priors):
    res = gl.bayes_glm(FORMULA, challenger, family=gl.Binomial(), prior=prior, prior_intercept=prior_intercept)
    X = np.column_stack([np.ones(len(challenger)), challenger["temp_c"]])
    s, m = challenger["distressed"].to_numpy(), challenger["n"].to_numpy()
    direct = optimize.minimize(lambda b: -_log_posterior_by_hand(b, X, s, m, log_priors), np.zeros(2),
                               method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20000})
    close(res.params.to_numpy(), direct.x, atol=1e-6)
    close(res.log_posterior, -direct.fun, rtol=1e-10)
    close(res.llf, np.sum(stats.binom.logpmf(s, m, special.expit(X @ direct.x))), rtol=1e-8)
    # The Laplace covariance is the inverse of minus the log posterior's Hessian (finite differences).
    h = 1e-4
    hess = np.empty((2, 2))
    f = lambda b: _log_posterior_by_hand(b, X, s, m, log_priors)  # noqa: E731
    b0 = res.params.to_numpy()
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (f(b0 + ei + ej) - f(b0 + ei - ej) - f(b0 - ei + ej) + f(b0 - ei - ej)) / (4 * h * h)
    close(res.cov_params().to_numpy(), np.linalg.inv(-hess), rtol=1e-5)


def test_normal_prior_mode_is_a_ridge_fit_of_the_working_response(challenger):
    """At the mode, penalised IRLS is a fixed point: (X'WX + P) beta = X'Wz + P m."""
    res = gl.bayes_glm(FORMULA, challenger, family=gl.Binomial(), prior=gl.priors.Normal(-0.2, 0.1),
                       prior_intercept=gl.priors.Normal(1, 3))
    X = np.column_stack([np.ones(len(challenger)), challenger["temp_c"]])
    m = challenger["n"].to_numpy()
    beta = res.params.to_numpy()
    eta = X @ beta
    pi = special.expit(eta)
    W = m * pi * (1 - pi)
    z = eta + (challenger["distressed"] / m - pi) / (pi * (1 - pi))
    P = np.diag([1 / 9, 1 / 0.01])
    close(np.linalg.solve(X.T @ (W[:, None] * X) + P, X.T @ (W * z) + P @ [1, -0.2]), beta, rtol=1e-9)


def test_flat_priors_give_the_maximum_likelihood_fit(challenger):
    res = gl.bayes_glm(FORMULA, challenger, family=gl.Binomial(), prior=None, prior_intercept=None)
    ml = gl.glm(FORMULA, challenger, family=gl.Binomial())
    close(res.params.to_numpy(), ml.params.to_numpy(), rtol=1e-6)  # glm stops at R's tolerance, 1e-8 in deviance
    close(res.bse.to_numpy(), ml.bse.to_numpy(), rtol=1e-4)


def test_non_canonical_link_uses_the_observed_information(challenger):
    res = gl.bayes_glm(FORMULA, challenger, family=gl.Binomial(link="probit"))
    X = np.column_stack([np.ones(len(challenger)), challenger["temp_c"]])
    s, m = challenger["distressed"].to_numpy(), challenger["n"].to_numpy()

    def f(b):
        return (np.sum(stats.binom.logpmf(s, m, stats.norm.cdf(X @ b)))
                + stats.norm(0, 10).logpdf(b[0]) + stats.norm(0, 2.5).logpdf(b[1]))

    b0, h = res.params.to_numpy(), 1e-4
    hess = np.array([[(f(b0 + ei + ej) - f(b0 + ei - ej) - f(b0 - ei + ej) + f(b0 - ei - ej)) / (4 * h * h)
                      for ej in np.eye(2) * h] for ei in np.eye(2) * h])
    close(res.cov_params().to_numpy(), np.linalg.inv(-hess), rtol=1e-5)


def test_laplace_agrees_with_rstanarm_on_a_large_poisson_sample(crabs):
    """173 crabs: the posterior is nearly normal, so mode and Laplace SD equal stan_glm's mean and SD."""
    res, r = gl.bayes_glm("satellites ~ width_c", crabs, family=gl.Poisson()), R["crabs_poisson"]
    # Not Monte Carlo error alone: the posterior's own skewness moves its mean from its mode.
    assert np.all(np.abs(res.params.to_numpy() - r["mean"]) < 0.05 * np.array(r["sd"]))
    close(res.bse.to_numpy(), r["sd"], rtol=0.02)


def test_laplace_misses_the_skewed_posterior_of_separated_data(separated):
    """Separation: the normal prior gives a finite mode, but the posterior is skewed far beyond it."""
    res, r = gl.bayes_glm("y ~ x", separated, family=gl.Binomial()), R["separated_normal"]
    assert np.isfinite(res.params["x"]) and 0 < res.params["x"] < 5
    assert r["mean"][1] - res.params["x"] > 0.5 * r["sd"][1]  # the mean lies well beyond the mode


def test_sample_draws_from_the_laplace_approximation(challenger):
    res = gl.bayes_glm(FORMULA, challenger, family=gl.Binomial())
    draws = res.sample(200_000, np.random.default_rng(3))
    assert list(draws.columns) == list(res.params.index)
    close(draws.mean().to_numpy(), res.params.to_numpy(), atol=4 * res.bse.max() / np.sqrt(200_000))
    close(np.cov(draws.to_numpy().T), res.cov_params().to_numpy(), rtol=0.02, atol=1e-5)
    assert res.sample(5, 7).equals(res.sample(5, np.random.default_rng(7)))
    ci = res.conf_int(0.1)
    close(ci["upper"] - res.params, stats.norm.ppf(0.95) * res.bse)
    assert "temp_c" in res.summary() and "Normal(location=0, scale=2.5)" in res.summary()


def test_input_checks(challenger):
    with pytest.raises(TypeError, match="data"):
        gl.bayes_glm(FORMULA, challenger.to_numpy(), family=gl.Binomial())
    with pytest.raises(TypeError, match="family"):
        gl.bayes_glm(FORMULA, challenger, family="binomial")
    with pytest.raises(ValueError, match="phi = 1"):
        gl.bayes_glm("temp ~ pressure", challenger, family=gl.Gaussian())
    with pytest.raises(TypeError, match="prior must be a prior"):
        gl.bayes_glm(FORMULA, challenger, family=gl.Binomial(), prior=2.5)
    with pytest.raises(ValueError, match="scale must be positive"):
        gl.priors.Normal(0, -1)
    with pytest.raises(ValueError, match="df must be positive"):
        gl.priors.StudentT(0)
    with pytest.raises(TypeError, match="location must be a real number"):
        gl.priors.Cauchy("0")
    with pytest.raises(ValueError, match="y: the Poisson family"):
        gl.bayes_glm("temp_c ~ pressure", challenger, family=gl.Poisson())
    res = gl.bayes_glm(FORMULA, challenger, family=gl.Binomial())
    with pytest.raises(ValueError, match="n must be"):
        res.sample(0)
    with pytest.raises(TypeError, match="rng"):
        res.sample(5, rng="seed")
    with pytest.raises(ValueError, match="alpha"):
        res.conf_int(1.5)


def test_flat_prior_under_separation_warns(separated):
    with pytest.warns(gl.SeparationWarning, match="proper prior"):
        gl.bayes_glm("y ~ x", separated, family=gl.Binomial(), prior=None, prior_intercept=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a proper prior on the slope: a finite mode and no warning
        gl.bayes_glm("y ~ x", separated, family=gl.Binomial(), prior=gl.priors.Cauchy(0, 2.5), prior_intercept=None)


# --- NUTS with PyMC against rstanarm -----------------------------------------------------------

@pytest.mark.parametrize("case, formula, data, priors", [
    ("challenger_t", FORMULA, "challenger", (gl.priors.StudentT(3, 0, 2.5), gl.priors.StudentT(3, 0, 10))),
    ("separated_normal", "y ~ x", "separated", (gl.priors.Normal(0, 2.5), gl.priors.Normal(0, 10))),
    ("crabs_poisson", "satellites ~ width_c", "crabs", (gl.priors.Normal(0, 2.5), gl.priors.Normal(0, 10))),
])
def test_nuts_posterior_matches_rstanarm_within_monte_carlo_error(request, case, formula, data, priors):
    pm = pytest.importorskip("pymc")
    az = pytest.importorskip("arviz")
    frame = request.getfixturevalue(data)
    family = gl.Poisson() if case == "crabs_poisson" else gl.Binomial()
    res = gl.bayes_glm(formula, frame, family=family, prior=priors[0], prior_intercept=priors[1])
    with res.pymc_model(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = pm.sample(draws=2000, tune=1000, chains=2, cores=1, random_seed=2026, progressbar=False,
                          compute_convergence_checks=False)
    r, names = R[case], list(res.params.index)
    table = az.summary(idata, var_names=names, round_to="none")
    mean, sd = table["mean"].to_numpy(), table["sd"].to_numpy()
    assert np.all(np.abs(mean - r["mean"]) < 4 * np.hypot(table["mcse_mean"].to_numpy(), r["mcse_mean"]))
    assert np.all(np.abs(sd - r["sd"]) < 4 * np.hypot(table["mcse_sd"].to_numpy(), r["mcse_sd"]))
    assert table["r_hat"].max() < 1.01


def test_nuts_is_reproducible_with_a_seed_and_sequential_chains(challenger):
    """The chapter prints NUTS summaries: the same seed must give the same draws, bit for bit."""
    pm = pytest.importorskip("pymc")
    res = gl.bayes_glm(FORMULA, challenger, family=gl.Binomial())
    runs = []
    for _ in range(2):
        with res.pymc_model(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = pm.sample(draws=100, tune=100, chains=2, cores=1, random_seed=7, progressbar=False,
                              compute_convergence_checks=False)
        runs.append(idata.posterior["temp_c"].to_numpy())
    assert np.array_equal(runs[0], runs[1])


def test_offset_and_flat_priors_reproduce_the_poisson_glm(crabs):
    crabs = crabs.assign(exposure=np.linspace(0.5, 2.0, len(crabs)))
    formula = "satellites ~ width_c + offset(np.log(exposure))"
    res = gl.bayes_glm(formula, crabs, family=gl.Poisson(), prior=None, prior_intercept=None)
    ml = gl.glm(formula, crabs, family=gl.Poisson())
    close(res.params.to_numpy(), ml.params.to_numpy(), rtol=1e-6)
    close(res.predict(), ml.mu, rtol=1e-6)


def test_too_few_iterations_warn(challenger):
    with pytest.warns(gl.ConvergenceWarning, match="did not converge"):
        res = gl.bayes_glm(FORMULA, challenger, family=gl.Binomial(), max_iter=1)
    assert not res.converged and "did not converge" in res.summary()
