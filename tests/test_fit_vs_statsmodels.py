"""glm_lib against statsmodels' GLM on seeded simulated data, every family x link.

Each case simulates a well-posed data set (n = 400, intercept + 3 predictors,
true coefficients chosen so the means stay well inside the family's domain),
fits it with glm_lib and with statsmodels at tight tolerances, and compares
params, bse, deviance, null deviance, Pearson statistic, dispersion, llf and AIC
at rtol 1e-6.  It also checks that glm_lib's own solvers (IRLS, Newton and, for
the Gaussian identity model, the closed form) land on the same fit.

Convention differences (glm_lib follows R, see glm_lib/results.py):

* For the Gaussian, Gamma and inverse Gaussian, R's llf plugs in the dispersion
  ``deviance / n`` (Gaussian) or ``deviance / sum(weights)`` (Gamma, IG) and the
  AIC counts that dispersion as a parameter. statsmodels' llf uses its Pearson
  scale and its AIC does not count the scale. So llf is compared with
  statsmodels' *family* ``loglike`` (an independent implementation of the
  density) evaluated at statsmodels' fitted means with R's plug-in scale, and
  the AIC with ``-2 * that + 2 * (k + 1)``.
* With prior weights R treats the Gaussian's weights as precisions (statsmodels'
  ``var_weights``) but multiplies the Gamma's and the inverse Gaussian's
  log-densities by the weights (statsmodels' ``freq_weights`` in ``loglike``).
  Fits (params, bse, scale, deviance) use ``var_weights`` in both cases, which
  is what R's df_residual = n - p corresponds to.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import statsmodels.api as sm

import glm_lib as gl

SMF = sm.families
SML = sm.families.links
N = 400
RTOL = 1e-6


def design(rng: np.random.Generator, n: int = N) -> np.ndarray:
    """Intercept, a uniform, a clipped normal and a binary predictor."""
    x1 = rng.uniform(-1.0, 1.0, n)
    x2 = 0.5 * np.clip(rng.standard_normal(n), -2.0, 2.0)
    x3 = rng.integers(0, 2, n).astype(float)
    return np.column_stack([np.ones(n), x1, x2, x3])


@dataclass
class Case:
    """One family x link simulation."""

    id: str
    gl_family: object  # zero-argument factory of the glm_lib family
    sm_family: object  # zero-argument factory of the statsmodels family
    beta: tuple
    draw: object  # (rng, mu, trials) -> y
    weights: str | None = None  # None, "float" (precision weights) or "trials"
    offset: bool = False
    # R's glm also needs start= for some non-canonical links: its first IRLS
    # step from mu = y + 0.1 can leave the domain (e.g. Poisson identity).
    needs_start: bool = False


def _normal(sd):
    return lambda rng, mu, m: mu + sd * rng.standard_normal(mu.shape)


def _bernoulli_or_binomial(rng, mu, m):
    return rng.binomial(m.astype(int), mu) / m


def _poisson(rng, mu, m):
    return rng.poisson(mu).astype(float)


def _gamma(shape):
    return lambda rng, mu, m: rng.gamma(shape, mu / shape)


def _inverse_gaussian(lam):
    return lambda rng, mu, m: rng.wald(mu, lam)


def _negbin(alpha):
    return lambda rng, mu, m: rng.negative_binomial(1.0 / alpha, 1.0 / (1.0 + alpha * mu)).astype(float)


NB_ALPHA = 0.5

CASES = [
    # Gaussian
    Case("gaussian-identity", gl.Gaussian, lambda: SMF.Gaussian(SML.Identity()), (1.0, 2.0, -1.0, 0.5), _normal(1.0)),
    Case("gaussian-identity-weights", gl.Gaussian, lambda: SMF.Gaussian(SML.Identity()), (1.0, 2.0, -1.0, 0.5), _normal(1.0), weights="float"),
    Case("gaussian-identity-offset", gl.Gaussian, lambda: SMF.Gaussian(SML.Identity()), (1.0, 2.0, -1.0, 0.5), _normal(1.0), offset=True),
    Case("gaussian-log", lambda: gl.Gaussian("log"), lambda: SMF.Gaussian(SML.Log()), (1.0, 0.5, -0.3, 0.2), _normal(0.5)),
    Case("gaussian-inverse", lambda: gl.Gaussian("inverse"), lambda: SMF.Gaussian(SML.InversePower()), (1.0, 0.3, -0.2, 0.2), _normal(0.05)),
    # Binomial
    Case("binomial-logit", gl.Binomial, lambda: SMF.Binomial(SML.Logit()), (0.2, 1.0, -0.8, 0.5), _bernoulli_or_binomial),
    Case("binomial-logit-trials", gl.Binomial, lambda: SMF.Binomial(SML.Logit()), (0.2, 1.0, -0.8, 0.5), _bernoulli_or_binomial, weights="trials"),
    Case("binomial-probit", lambda: gl.Binomial("probit"), lambda: SMF.Binomial(SML.Probit()), (0.1, 0.6, -0.5, 0.3), _bernoulli_or_binomial, weights="trials"),
    Case("binomial-cloglog", lambda: gl.Binomial("cloglog"), lambda: SMF.Binomial(SML.CLogLog()), (-0.5, 0.7, -0.5, 0.3), _bernoulli_or_binomial, weights="trials"),
    Case("binomial-log", lambda: gl.Binomial("log"), lambda: SMF.Binomial(SML.Log()), (-1.6, 0.4, -0.3, 0.2), _bernoulli_or_binomial, weights="trials"),
    Case("binomial-logit-offset", gl.Binomial, lambda: SMF.Binomial(SML.Logit()), (0.2, 1.0, -0.8, 0.5), _bernoulli_or_binomial, weights="trials", offset=True),
    # Poisson
    Case("poisson-log", gl.Poisson, lambda: SMF.Poisson(SML.Log()), (0.5, 0.6, -0.4, 0.3), _poisson),
    Case("poisson-log-weights-offset", gl.Poisson, lambda: SMF.Poisson(SML.Log()), (0.5, 0.6, -0.4, 0.3), _poisson, weights="float", offset=True),
    Case("poisson-identity", lambda: gl.Poisson("identity"), lambda: SMF.Poisson(SML.Identity()), (4.0, 1.5, -1.0, 1.0), _poisson, needs_start=True),
    Case("poisson-sqrt", lambda: gl.Poisson("sqrt"), lambda: SMF.Poisson(SML.Sqrt()), (2.0, 0.5, -0.3, 0.3), _poisson),
    # Gamma
    Case("gamma-inverse", gl.Gamma, lambda: SMF.Gamma(SML.InversePower()), (1.0, 0.3, -0.2, 0.2), _gamma(4.0)),
    Case("gamma-identity", lambda: gl.Gamma("identity"), lambda: SMF.Gamma(SML.Identity()), (3.0, 1.0, -0.5, 0.5), _gamma(4.0)),
    Case("gamma-log", lambda: gl.Gamma("log"), lambda: SMF.Gamma(SML.Log()), (0.5, 0.5, -0.3, 0.2), _gamma(4.0)),
    Case("gamma-log-weights-offset", lambda: gl.Gamma("log"), lambda: SMF.Gamma(SML.Log()), (0.5, 0.5, -0.3, 0.2), _gamma(4.0), weights="float", offset=True),
    # Inverse Gaussian
    Case("invgauss-inverse_squared", gl.InverseGaussian, lambda: SMF.InverseGaussian(SML.InverseSquared()), (1.0, 0.3, -0.2, 0.2), _inverse_gaussian(5.0)),
    Case("invgauss-inverse", lambda: gl.InverseGaussian("inverse"), lambda: SMF.InverseGaussian(SML.InversePower()), (1.0, 0.3, -0.2, 0.2), _inverse_gaussian(5.0)),
    Case("invgauss-identity", lambda: gl.InverseGaussian("identity"), lambda: SMF.InverseGaussian(SML.Identity()), (2.0, 0.5, -0.3, 0.3), _inverse_gaussian(5.0)),
    Case("invgauss-log", lambda: gl.InverseGaussian("log"), lambda: SMF.InverseGaussian(SML.Log()), (0.3, 0.4, -0.3, 0.2), _inverse_gaussian(5.0)),
    Case("invgauss-log-weights", lambda: gl.InverseGaussian("log"), lambda: SMF.InverseGaussian(SML.Log()), (0.3, 0.4, -0.3, 0.2), _inverse_gaussian(5.0), weights="float"),
    # Negative binomial with known alpha
    Case("negbin-log", lambda: gl.NegativeBinomial(NB_ALPHA), lambda: SMF.NegativeBinomial(SML.Log(), alpha=NB_ALPHA), (1.0, 0.6, -0.4, 0.3), _negbin(NB_ALPHA)),
    Case("negbin-log-offset", lambda: gl.NegativeBinomial(NB_ALPHA), lambda: SMF.NegativeBinomial(SML.Log(), alpha=NB_ALPHA), (1.0, 0.6, -0.4, 0.3), _negbin(NB_ALPHA), offset=True),
]


@dataclass
class Data:
    X: np.ndarray
    y: np.ndarray  # 1-D response, or (successes, failures) for binomial trials
    weights: np.ndarray | None
    offset: np.ndarray | None
    beta: np.ndarray


def simulate(case: Case, seed: int) -> Data:
    """Seeded data for ``case``; with an offset the true means include it."""
    rng = np.random.default_rng(seed)
    X = design(rng)
    beta = np.asarray(case.beta)
    offset = rng.uniform(-0.2, 0.2, N) if case.offset else None
    eta = X @ beta + (0.0 if offset is None else offset)
    mu = case.gl_family().link.inverse(eta)
    trials = rng.integers(1, 11, N).astype(float) if case.weights == "trials" else np.ones(N)
    y = case.draw(rng, mu, trials)
    weights = rng.uniform(0.5, 2.0, N) if case.weights == "float" else None
    if case.weights == "trials":
        successes = np.round(y * trials)
        y = np.column_stack([successes, trials - successes])
    return Data(X, y, weights, offset, beta)


def fit_gl(case: Case, data: Data, method: str = "irls"):
    # R's criterion is on the deviance, which is quadratic near the optimum:
    # a relative change of 1e-12 can leave coefficients ~1e-5 away from the MLE
    # when IRLS converges linearly (non-canonical links), hence 1e-15.
    return gl.fit(
        data.X, data.y, family=case.gl_family(), weights=data.weights, offset=data.offset,
        method=method, tol=1e-15, max_iter=500, start=data.beta if case.needs_start else None,
    )


def fit_sm(case: Case, data: Data):
    with warnings.catch_warnings():
        # statsmodels warns that non-canonical links may be outside the domain.
        warnings.simplefilter("ignore")
        model = sm.GLM(data.y, data.X, family=case.sm_family(), var_weights=data.weights, offset=data.offset)
        result = model.fit(start_params=data.beta, tol=1e-13, maxiter=500)
    assert result.converged, f"statsmodels did not converge on {case.id}"
    return model, result


@pytest.fixture(scope="module", params=CASES, ids=[c.id for c in CASES])
def fitted(request):
    case = request.param
    data = simulate(case, seed=20240 + CASES.index(case))
    return case, data, fit_gl(case, data), fit_sm(case, data)


def close(actual, expected, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(actual, float), np.asarray(expected, float), rtol=rtol, atol=atol)


def test_params(fitted):
    case, data, res, (_, sm_res) = fitted
    assert res.converged
    close(res.params.to_numpy(), sm_res.params, atol=1e-10)


def test_bse(fitted):
    case, data, res, (_, sm_res) = fitted
    close(res.bse.to_numpy(), sm_res.bse)


def test_deviance_and_null_deviance(fitted):
    case, data, res, (_, sm_res) = fitted
    close(res.deviance, sm_res.deviance)
    close(res.null_deviance, sm_res.null_deviance)
    assert res.df_resid == N - 4 == sm_res.df_resid
    assert res.df_null == N - 1


def test_pearson_and_dispersion(fitted):
    case, data, res, (_, sm_res) = fitted
    close(res.pearson_chi2, sm_res.pearson_chi2)
    # R's summary.glm dispersion: Pearson X^2 / df at convergence; 1 when fixed.
    close(res.dispersion, sm_res.scale)
    if not res.family.estimated_dispersion:
        assert res.dispersion == 1.0


def _r_plugin_llf(case: Case, data: Data, model, sm_res) -> float:
    """statsmodels' family density at its own fitted means with R's plug-in dispersion."""
    family = model.family
    mu = sm_res.mu
    w = np.ones(N) if data.weights is None else data.weights
    name = case.id.split("-")[0]
    if name == "gaussian":
        scale = sm_res.deviance / N
        return family.loglike(data.y, mu, var_weights=w, scale=scale)
    scale = sm_res.deviance / w.sum()
    return family.loglike(data.y, mu, freq_weights=w, scale=scale)


def test_llf_and_aic(fitted):
    case, data, res, (model, sm_res) = fitted
    k = data.X.shape[1]
    if res.family.estimated_dispersion:
        llf = _r_plugin_llf(case, data, model, sm_res)
        close(res.llf, llf)
        close(res.aic, -2.0 * llf + 2.0 * (k + 1))
        close(res.bic, -2.0 * llf + np.log(N) * (k + 1))
    else:
        close(res.llf, sm_res.llf)
        close(res.aic, sm_res.aic)
        close(res.aic, -2.0 * sm_res.llf + 2.0 * k)


def test_fitted_values(fitted):
    case, data, res, (_, sm_res) = fitted
    close(res.mu, sm_res.mu)
    sm_eta = data.X @ sm_res.params + (0.0 if data.offset is None else data.offset)
    # eta crosses zero for some links, so compare on the scale of eta.
    close(res.eta, sm_eta, atol=RTOL * np.max(np.abs(sm_eta)))


def test_tvalues_and_pvalues(fitted):
    case, data, res, (_, sm_res) = fitted
    close(res.tvalues.to_numpy(), sm_res.tvalues)
    if not res.family.estimated_dispersion:
        # statsmodels uses the normal reference for all families; R (and
        # glm_lib) switch to t on df_resid when the dispersion is estimated.
        # A relative error e in z becomes about z^2 e in the tail probability,
        # so z values that agree to 1e-6 give p values that agree to ~1e-4.
        close(res.pvalues.to_numpy(), sm_res.pvalues, rtol=1e-4)


def test_newton_agrees_with_irls(fitted):
    case, data, res, _ = fitted
    newton = fit_gl(case, data, method="newton")
    assert newton.converged
    close(newton.params.to_numpy(), res.params.to_numpy(), atol=1e-10)
    close(newton.bse.to_numpy(), res.bse.to_numpy())
    close(newton.deviance, res.deviance)
    close(newton.dispersion, res.dispersion)


def test_closed_form_agrees_with_irls_gaussian_identity():
    for case in CASES:
        if not case.id.startswith("gaussian-identity"):
            continue
        data = simulate(case, seed=20240 + CASES.index(case))
        irls = fit_gl(case, data)
        closed = fit_gl(case, data, method="closed_form")
        newton = fit_gl(case, data, method="newton")
        for other in (closed, newton):
            close(other.params.to_numpy(), irls.params.to_numpy())
            close(other.bse.to_numpy(), irls.bse.to_numpy())
            close(other.deviance, irls.deviance)
            close(other.llf, irls.llf)
        # The closed form is ordinary weighted least squares.
        w = np.ones(N) if data.weights is None else data.weights
        target = data.y - (0.0 if data.offset is None else data.offset)
        sw = np.sqrt(w)
        lstsq = np.linalg.lstsq(data.X * sw[:, None], target * sw, rcond=None)[0]
        close(closed.params.to_numpy(), lstsq)


def test_closed_form_rejected_outside_gaussian_identity():
    case = CASES[0]
    data = simulate(case, seed=1)
    with pytest.raises(ValueError, match="closed_form"):
        gl.fit(data.X, np.abs(data.y) + 1, family=gl.Gamma(), method="closed_form")


def test_binomial_proportion_form_matches_two_column():
    case = next(c for c in CASES if c.id == "binomial-logit-trials")
    data = simulate(case, seed=7)
    two_col = fit_gl(case, data)
    trials = data.y.sum(axis=1)
    prop = gl.fit(data.X, data.y[:, 0] / trials, family=gl.Binomial(), weights=trials, tol=1e-12)
    close(prop.params.to_numpy(), two_col.params.to_numpy())
    close(prop.bse.to_numpy(), two_col.bse.to_numpy())
    close(prop.deviance, two_col.deviance)
    close(prop.llf, two_col.llf)


@pytest.mark.parametrize("case_id, rate", [("poisson-log", 1e-3), ("binomial-logit", 5e-3), ("gaussian-identity", 1e-3)])
def test_gradient_descent_reaches_the_irls_estimate(case_id, rate):
    case = next(c for c in CASES if c.id == case_id)
    data = simulate(case, seed=20240 + CASES.index(case))
    irls = fit_gl(case, data)
    gd = gl.fit(data.X, data.y, family=case.gl_family(), method="gd", learning_rate=rate, tol=1e-9, max_iter=20000)
    assert gd.converged
    # Gradient descent stops on the gradient's size, so compare in units of the SE.
    assert np.max(np.abs(gd.params.to_numpy() - irls.params.to_numpy()) / irls.bse.to_numpy()) < 1e-5
    close(gd.deviance, irls.deviance, rtol=1e-8)
