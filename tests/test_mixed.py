"""Random-intercept GLMs: gl.random_intercept_glm, adaptive quadrature and gl.marginal_loglike.

All three are gl.glmer's engine (PIRLS, then Laplace or adaptive Gauss-Hermite
quadrature). References:

- lme4::glmer refitted tightly (tests/r/glmer.R, fixture glmer.json: bobyqa
  rhoend = 1e-10, tolPwrss = 1e-14) for logit, probit, cloglog and Poisson
  log/sqrt links, with nAGQ = 1, 5, 9 and 25, and its deviance function
  (devFunOnly = TRUE) at fixed parameters;
- the Ohio wheeze data with nAGQ = 1 to 25 (tests/r/ohio_nagq.R; PIRLS to
  1e-12, the tightest lme4 accepts on these data);
- brute-force numerical integration of each cluster's integral (scipy.integrate.quad).

lme4's printed cbpp fit with its default control (the lme4 manual) stops a
little short of the optimum (its PIRLS exits at tolPwrss = 1e-7, lme4 issue
#998), so the printed estimates differ from the optimum in the fourth
decimal; the tightly converged lme4 agrees with glm_lib to ~1e-7.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special

import glm_lib as gl
from rdata import load_fixture, r_frame

GLMER = load_fixture("glmer")
OHIO = json.loads((Path(__file__).parent / "r" / "fixtures" / "ohio_nagq.json").read_text())


@pytest.fixture(scope="module")
def cbpp():
    data = gl.datasets.load_cbpp()
    data["healthy"] = data["size"] - data["incidence"]
    return data


@pytest.fixture(scope="module")
def design(cbpp):
    pooled = gl.glm("cbind(incidence, healthy) ~ period", data=cbpp, family=gl.Binomial())
    return pooled.model_X, pooled.y, pooled.prior_weights, cbpp["herd"]


@pytest.fixture(scope="module")
def laplace(cbpp):
    return gl.random_intercept_glm("cbind(incidence, healthy) ~ period", cbpp, groups="herd")


# --- the lme4 manual's cbpp fit --------------------------------------------------------
def test_cbpp_fit_statistics_match_lme4s_printout(laplace):
    """lme4 prints AIC 194.1, BIC 204.2, logLik -92.0, deviance 184.1, df.resid 51."""
    assert laplace.converged and isinstance(laplace, gl.GLMMResults)
    assert [f"{v:.1f}" for v in (laplace.aic, laplace.bic, laplace.llf, laplace.deviance)] == \
        ["194.1", "204.2", "-92.0", "184.1"]
    assert laplace.df_resid == 51 and laplace.nobs == 56
    # lme4's default control stops early: -1.3983, -0.9919, -1.1282, -1.5797 and SD 0.6421 printed.
    np.testing.assert_allclose(laplace.params.to_numpy(), [-1.3983, -0.9919, -1.1282, -1.5797], atol=1e-3)
    assert laplace.sd_u == pytest.approx(0.6421, abs=5e-4)


def test_summary_looks_like_lme4(laplace):
    text = laplace.summary()
    assert "Generalized linear mixed model fit by maximum likelihood (Laplace Approximation)" in text
    assert " herd   (Intercept) 0.4125   0.6423" in text
    assert "Number of obs: 56, groups:  herd, 15" in text
    assert "period[T.4]" in text and "Pr(>|z|)" in text


def test_conditional_modes_and_sds_per_herd(laplace, cbpp):
    modes = laplace.ranef()["herd"]
    assert list(modes.index) == [str(h) for h in sorted(cbpp["herd"].unique())]
    assert list(modes.columns) == ["(Intercept)"]
    # Herd 14 (11 new cases among 19 animals in period 1) has the largest mode.
    assert modes["(Intercept)"].idxmax() == "14"
    # The conditional variance of a random intercept is 1 / (sum_i W_ij + 1 / sigma_u^2) at the mode.
    eta = laplace.fitted_link
    w = laplace.prior_weights * laplace.fitted * (1 - laplace.fitted)
    information = np.bincount(cbpp["herd"].cat.codes, w)
    np.testing.assert_allclose(modes.attrs["postVar"][:, 0, 0], 1 / (information + 1 / laplace.sd_u**2), rtol=1e-10)
    assert np.isfinite(eta).all()


# --- lme4::glmer fixtures (tests/r/glmer.R) -----------------------------------------------
def _glmer_case(name: str):
    spec = GLMER["models"][name]
    data = r_frame(GLMER["data"][spec["data"]])
    if spec["data"] == "cbpp":
        data["healthy"] = data["size"] - data["incidence"]
    return spec, data, getattr(gl, spec["family"])(link=spec["link"])


def _saturated_loglik(family, y, weights):
    """sum_i log f(y_i | mu_i = y_i), which lme4's logLik leaves out for nAGQ > 1."""
    if isinstance(family, gl.Binomial):
        m, s = weights, weights * y
        return float(np.sum(special.gammaln(m + 1) - special.gammaln(s + 1) - special.gammaln(m - s + 1)
                            + special.xlogy(s, y) + special.xlogy(m - s, 1 - y)))
    return float(np.sum(special.xlogy(y, y) - y - special.gammaln(y + 1)))


@pytest.mark.parametrize("name", list(GLMER["models"]))
def test_fit_matches_glmer(name):
    spec, data, family = _glmer_case(name)
    res = gl.random_intercept_glm(spec["formula"], data, family=family, nAGQ=spec["nAGQ"])
    assert res.converged and res.nAGQ == spec["nAGQ"]
    np.testing.assert_allclose(res.params.to_numpy(), list(spec["params"].values()), atol=5e-7)
    assert res.sd_u == pytest.approx(spec["sigma"], abs=5e-7)
    np.testing.assert_allclose(res.bse.to_numpy(), spec["se"], rtol=5e-6)
    np.testing.assert_allclose(res.ranef()[res.structure.terms[0].group]["(Intercept)"], spec["ranef"], atol=1e-6)
    lme4_loglik = spec["loglik"]
    if spec["nAGQ"] > 1:  # lme4's logLik then sums deviance residuals: the saturated terms are left out
        lme4_loglik += _saturated_loglik(family, res.y, res.prior_weights)
    assert res.llf == pytest.approx(lme4_loglik, abs=1e-7)


@pytest.mark.parametrize("name", list(GLMER["models"]))
def test_marginal_loglike_matches_glmers_deviance_function(name):
    """-2 logLik at fixed (sigma_u, beta) equals lme4's deviance function, also for probit, cloglog and sqrt
    links (where lme4 takes the Fisher curvature at the mode) and for adaptive quadrature."""
    spec, data, family = _glmer_case(name)
    pooled = gl.glm(spec["formula"].split(" + (1 |")[0], data, family=family)
    group = spec["formula"].split("(1 | ")[1].rstrip(")")
    saturated = _saturated_loglik(family, pooled.y, pooled.prior_weights) if spec["nAGQ"] > 1 else 0.0
    for point in spec["points"]:
        value = -2 * gl.marginal_loglike(pooled.model_X, pooled.y, data[group], point["params"], point["sigma"],
                                         family=family, weights=pooled.prior_weights, offset=pooled.offset,
                                         nAGQ=spec["nAGQ"])
        assert value + 2 * saturated == pytest.approx(point["minus2loglik"], abs=2e-7)


def test_ohio_node_convergence_matches_lme4():
    """lme4's Laplace fit here stops 2e-5 short (its stored Cholesky factor is from the penultimate
    PIRLS iterate, which moves its log-likelihood by 3e-5 at tolPwrss = 1e-12); with quadrature the
    fits agree to ~1e-6. For 0/1 responses the saturated log-likelihood is 0, so lme4's logLik is comparable."""
    ohio = gl.datasets.load_ohio()
    for key, reference in OHIO.items():
        if key == "slope":
            continue
        res = gl.glmer("resp ~ age + smoke + (1 | id)", ohio, family=gl.Binomial(), nAGQ=int(key))
        laplace = key == "1"
        np.testing.assert_allclose(res.params.to_numpy(), list(reference["params"].values()),
                                   atol=5e-5 if laplace else 5e-6)
        assert res.sd_u == pytest.approx(reference["sigma"], abs=5e-5 if laplace else 5e-6)
        np.testing.assert_allclose(res.bse.to_numpy(), reference["se"], rtol=5e-4 if laplace else 1e-4)
        assert res.llf >= reference["loglik"] - 1e-7
        assert res.llf == pytest.approx(reference["loglik"], abs=5e-5 if laplace else 1e-7)
        point = reference["point"]
        res._problem.u[:] = 0.0
        assert res._problem.deviance(np.r_[point["sigma"], point["params"]]) == pytest.approx(
            point["minus2loglik"], abs=5e-7)


def test_ohio_random_slope_matches_lme4():
    ohio = gl.datasets.load_ohio()
    reference = OHIO["slope"]
    res = gl.glmer(reference["formula"], ohio, family=gl.Binomial())
    np.testing.assert_allclose(res.params.to_numpy(), list(reference["params"].values()), atol=5e-6)
    np.testing.assert_allclose(res.theta, reference["theta"], atol=5e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), reference["se"], rtol=1e-3)
    assert res.llf == pytest.approx(reference["loglik"], abs=1e-7) and res.singular == reference["singular"]
    np.testing.assert_allclose(res.VarCorr()["sdcor"], reference["varcorr"]["sdcor"], atol=5e-6)


# --- quadrature against brute-force integration ---------------------------------------
def _brute_force_loglike(X, y, weights, groups, beta, sigma, family):
    """Sum over groups of log int prod_j f(y_ij | u) phi(u; 0, sigma^2) du by scipy.integrate.quad."""
    eta0 = X @ beta
    total = 0.0
    for label in pd.unique(groups):
        rows = np.asarray(groups == label)
        e, yy, ww = eta0[rows], y[rows], weights[rows]
        if isinstance(family, gl.Binomial):
            m, s = np.round(ww), np.round(ww * yy)
            const = np.sum(special.gammaln(m + 1) - special.gammaln(s + 1) - special.gammaln(m - s + 1))

            def log_f(u):
                return const + np.sum(s * (e + u) - m * np.logaddexp(0, e + u))
        else:
            const = -np.sum(special.gammaln(yy + 1))

            def log_f(u):
                return const + np.sum(yy * (e + u) - np.exp(e + u))

        grid = np.linspace(-6 * sigma, 6 * sigma, 241)
        peak = max(log_f(u) - 0.5 * (u / sigma) ** 2 for u in grid)
        integrand = lambda u: np.exp(log_f(u) - 0.5 * (u / sigma) ** 2 - peak) / (sigma * np.sqrt(2 * np.pi))
        with np.errstate(over="ignore", under="ignore"):
            value, _ = integrate.quad(integrand, -np.inf, np.inf, epsabs=0, epsrel=1e-12, limit=200)
        total += np.log(value) + peak
    return total


def _simulate_poisson(seed=7, n_groups=30, per_group=8, beta=(0.4, -0.6), sigma=0.7):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_groups), per_group)
    x = rng.normal(size=groups.size)
    u = rng.normal(0, sigma, n_groups)
    X = np.column_stack([np.ones_like(x), x])
    y = rng.poisson(np.exp(X @ np.asarray(beta) + u[groups]))
    return X, y.astype(float), groups


def test_quadrature_matches_brute_force_integration_binomial(design, laplace):
    X, y, w, herd = design
    beta, sigma = laplace.params.to_numpy() + 0.1, 1.3
    exact = _brute_force_loglike(X, y, w, herd.to_numpy(), beta, sigma, gl.Binomial())
    agq = gl.marginal_loglike(X, y, herd, beta, sigma, weights=w, nAGQ=60)
    lap = gl.marginal_loglike(X, y, herd, beta, sigma, weights=w)
    assert abs(agq - exact) < 1e-8
    assert abs(lap - exact) > 1e-4  # Laplace is an approximation, and visibly so


def test_quadrature_matches_brute_force_integration_poisson():
    X, y, groups = _simulate_poisson()
    beta, sigma = np.array([0.3, -0.5]), 0.8
    exact = _brute_force_loglike(X, y, np.ones_like(y), groups, beta, sigma, gl.Poisson())
    agq = gl.marginal_loglike(X, y, groups, beta, sigma, family=gl.Poisson(), nAGQ=40)
    assert abs(agq - exact) < 1e-8


def test_quadrature_is_stable_as_nodes_grow(design, laplace):
    X, y, w, herd = design
    values = [gl.marginal_loglike(X, y, herd, laplace.params, laplace.sd_u, weights=w, nAGQ=k) for k in (15, 25, 50, 100)]
    assert np.ptp(values) < 1e-8


@pytest.mark.parametrize("nAGQ", [1, 9])
def test_sd_u_to_zero_recovers_the_glm_loglikelihood(design, nAGQ):
    X, y, w, herd = design
    beta = np.array([-1.2, -1.0, -1.3, -1.8])
    glm_llf = gl.Binomial().loglike(y, special.expit(X @ beta), w)
    assert abs(gl.marginal_loglike(X, y, herd, beta, 1e-6, weights=w, nAGQ=nAGQ) - glm_llf) < 1e-8
    X, y, groups = _simulate_poisson(seed=3)
    beta = np.array([0.2, -0.4])
    glm_llf = gl.Poisson().loglike(y, np.exp(X @ beta), np.ones_like(y))
    assert abs(gl.marginal_loglike(X, y, groups, beta, 1e-6, family=gl.Poisson(), nAGQ=nAGQ) - glm_llf) < 1e-8


# --- simulation: the estimates recover the truth ----------------------------------------
def test_simulated_binomial_recovery():
    rng = np.random.default_rng(2024)
    n_groups, per_group, trials = 60, 6, 12
    beta, sigma = np.array([-0.5, 0.8]), 0.9
    groups = np.repeat(np.arange(n_groups), per_group)
    x = rng.normal(size=groups.size)
    u = rng.normal(0, sigma, n_groups)
    successes = rng.binomial(trials, special.expit(beta[0] + beta[1] * x + u[groups]))
    data = pd.DataFrame({"s": successes, "f": trials - successes, "x": x, "g": groups, "p": successes / trials})
    res = gl.random_intercept_glm("cbind(s, f) ~ x", data, groups="g")
    assert res.converged
    assert np.all(np.abs(res.params.to_numpy() - beta) < 3 * res.bse.to_numpy())
    assert abs(res.sd_u - sigma) < 0.3
    # The two-column response and proportions with weights = trials are the same model.
    same = gl.random_intercept_glm("p ~ x + (1 | g)", data, weights=np.full(len(data), trials))
    np.testing.assert_allclose(same.params, res.params, atol=1e-6)
    # Ignoring the grouping understates the standard error of the intercept.
    pooled = gl.glm("cbind(s, f) ~ x", data, family=gl.Binomial())
    assert pooled.bse.iloc[0] < res.bse.iloc[0]


def test_simulated_poisson_recovery_with_offset():
    rng = np.random.default_rng(11)
    n_groups, per_group = 50, 10
    beta, sigma = np.array([0.5, 0.3]), 0.6
    groups = np.repeat(np.arange(n_groups), per_group)
    x = rng.normal(size=groups.size)
    exposure = rng.uniform(0.5, 2.0, groups.size)
    u = rng.normal(0, sigma, n_groups)
    y = rng.poisson(exposure * np.exp(beta[0] + beta[1] * x + u[groups]))
    data = pd.DataFrame({"y": y, "x": x, "g": groups, "exposure": exposure})
    for nAGQ in (1, 7):
        res = gl.random_intercept_glm("y ~ x + offset(log(exposure)) + (1 | g)", data, family=gl.Poisson(), nAGQ=nAGQ)
        assert res.converged
        assert np.all(np.abs(res.params.to_numpy() - beta) < 3 * res.bse.to_numpy())
        assert abs(res.sd_u - sigma) < 0.2


def test_offset_term_in_the_formula_adds_to_the_offset_argument():
    spec, data, family = _glmer_case("sim_poisson_offset")
    in_formula = gl.random_intercept_glm(spec["formula"], data, family=family)
    as_argument = gl.random_intercept_glm("y ~ x + (1 | g)", data, family=family, offset=np.log(data["exposure"]))
    np.testing.assert_allclose(in_formula.params, as_argument.params, rtol=1e-10)
    half = np.log(data["exposure"]) / 2
    both = gl.random_intercept_glm("y ~ x + offset(log(exposure) / 2) + (1 | g)", data, family=family, offset=half)
    np.testing.assert_allclose(both.params, as_argument.params, rtol=1e-8)


# --- lme4's formula syntax ---------------------------------------------------------------------
def test_lme4_random_term_in_formula(laplace, cbpp):
    res = gl.random_intercept_glm("cbind(incidence, healthy) ~ period + (1 | herd)", cbpp)
    np.testing.assert_allclose(res.params, laplace.params, rtol=1e-10)
    assert res.formula == laplace.formula == "cbind(incidence, healthy) ~ period + (1 | herd)"
    both = gl.random_intercept_glm("cbind(incidence, healthy) ~ (1 | herd) + period", cbpp, groups="herd")
    np.testing.assert_allclose(both.params, laplace.params, rtol=1e-10)


@pytest.mark.parametrize("formula, groups, message", [
    ("cbind(incidence, healthy) ~ period + (period | herd)", None, r"random slopes.*gl.glmer"),
    ("cbind(incidence, healthy) ~ period + (1 | herd/period)", None, r"2 random-effect terms"),
    ("cbind(incidence, healthy) ~ period + (1 | herd:period)", None, r"one column name"),
    ("cbind(incidence, healthy) ~ (1 | herd) + (1 | period)", None, r"2 random-effect terms"),
    ("cbind(incidence, healthy) ~ period + (1 | herd)", "period", r"contradicts the formula's \(1 \| herd\)"),
    ("cbind(incidence, healthy) ~ period", None, r"no grouping: add \(1 \| group\)"),
    ("cbind(incidence, healthy) ~ period + (1 | farm)", None, r"groups='farm' is not a column"),
])
def test_lme4_syntax_errors(cbpp, formula, groups, message):
    with pytest.raises(ValueError, match=message):
        gl.random_intercept_glm(formula, cbpp, groups=groups)


def test_front_end_argument_errors(cbpp):
    with pytest.raises(TypeError, match=r"formula must be a string"):
        gl.random_intercept_glm(None, cbpp, groups="herd")
    with pytest.raises(TypeError, match=r"data must be a pandas DataFrame"):
        gl.random_intercept_glm("y ~ x + (1 | g)", {"y": [1]})
    with pytest.raises(TypeError, match=r"family must be a glm_lib family"):
        gl.random_intercept_glm("cbind(incidence, healthy) ~ period", cbpp, groups="herd", family="binomial")
    with pytest.raises(ValueError, match="Binomial and Poisson"):
        gl.random_intercept_glm("cbind(incidence, healthy) ~ period", cbpp, groups="herd", family=gl.Gaussian())
    with pytest.raises(ValueError, match=r"nAGQ must be at least 1 and at most 25, got 26"):
        gl.random_intercept_glm("cbind(incidence, healthy) ~ period", cbpp, groups="herd", nAGQ=26)


def test_marginal_loglike_validation(design):
    X, y, w, herd = design
    beta = np.zeros(4)
    with pytest.raises(ValueError, match=r"groups has 55 labels but X has 56 rows"):
        gl.marginal_loglike(X, y, herd.to_numpy()[:-1], beta, 1.0, weights=w)
    with pytest.raises(ValueError, match=r"groups must be 1-dimensional.*shape \(56, 2\)"):
        gl.marginal_loglike(X, y, np.column_stack([herd, herd]), beta, 1.0, weights=w)
    with pytest.raises(ValueError, match=r"groups must be 1-dimensional.*shape \(56, 1\)"):
        gl.marginal_loglike(X, y, herd.to_frame(), beta, 1.0, weights=w)
    with pytest.raises(ValueError, match="single level"):
        gl.marginal_loglike(X, y, np.ones(len(y)), beta, 1.0, weights=w)
    bad_groups = herd.astype(object).copy()
    bad_groups.iloc[3] = None
    with pytest.raises(ValueError, match="missing labels"):
        gl.marginal_loglike(X, y, bad_groups, beta, 1.0, weights=w)
    X_nan = X.copy()
    X_nan[2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        gl.marginal_loglike(X_nan, y, herd, beta, 1.0, weights=w)
    with pytest.raises(ValueError, match="weights has"):
        gl.marginal_loglike(X, y, herd, beta, 1.0, weights=w[:-1])
    with pytest.raises(ValueError, match="proportions"):
        gl.marginal_loglike(X, y * 3, herd, beta, 1.0, weights=w)
    with pytest.raises(ValueError, match="Binomial and Poisson"):
        gl.marginal_loglike(X, y, herd, beta, 1.0, family=gl.QuasiBinomial(), weights=w)
    with pytest.raises(TypeError, match=r"family must be a glm_lib family"):
        gl.marginal_loglike(X, y, herd, beta, 1.0, family="binomial", weights=w)
    with pytest.raises(ValueError, match="sd_u must be a positive number"):
        gl.marginal_loglike(X, y, herd, beta, 0.0, weights=w)
    with pytest.raises(TypeError, match="sd_u must be a positive number, not str"):
        gl.marginal_loglike(X, y, herd, beta, "1", weights=w)
    with pytest.raises(ValueError, match=r"params has 3 values but X has 4 columns"):
        gl.marginal_loglike(X, y, herd, np.zeros(3), 1.0, weights=w)
    with pytest.raises(ValueError, match=r"nAGQ must be at least 1 and at most 100, got 101"):
        gl.marginal_loglike(X, y, herd, beta, 1.0, weights=w, nAGQ=101)
    with pytest.raises(ValueError, match=r"nAGQ must be a whole number"):
        gl.marginal_loglike(X, y, herd, beta, 1.0, weights=w, nAGQ=2.5)


# --- warnings ------------------------------------------------------------------------------
def test_convergence_warning_when_the_optimiser_is_stopped(cbpp):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = gl.random_intercept_glm("cbind(incidence, healthy) ~ period", cbpp, groups="herd", max_iter=1)
    assert any(issubclass(c.category, gl.ConvergenceWarning) for c in caught)
    assert not res.converged and "did not converge" in res.summary()


def test_no_warning_on_a_good_fit(cbpp):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gl.random_intercept_glm("cbind(incidence, healthy) ~ period", cbpp, groups="herd", nAGQ=5)


def test_separated_data_say_so():
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    data = pd.DataFrame({"y": (x > 0).astype(float), "x": x, "g": np.repeat(np.arange(10), 6)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gl.random_intercept_glm("y ~ x", data, groups="g")
    separation = [w for w in caught if issubclass(w.category, gl.SeparationWarning)]
    assert len(separation) == 1, [str(w.message) for w in caught]
    assert "separat" in str(separation[0].message)


def test_group_of_zeros_is_not_separation():
    """A group whose responses are all 0 is handled by its random intercept: no warning."""
    rng = np.random.default_rng(2)
    groups = np.repeat(np.arange(12), 10)
    x = rng.normal(size=120)
    u = rng.normal(scale=0.7, size=12)
    y = (rng.uniform(size=120) < special.expit(-0.3 + 0.8 * x + u[groups])).astype(float)
    y[groups == 0] = 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gl.random_intercept_glm("y ~ x", pd.DataFrame({"y": y, "x": x, "g": groups}), groups="g")
    assert not [w for w in caught if issubclass(w.category, gl.SeparationWarning)]
