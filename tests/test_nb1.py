"""NB1 negative binomial regression (Var = kappa mu) against R's maximum-likelihood fit.

Fixtures: tests/r/nb1.R (nlminb and Newton steps on dnbinom's log-likelihood,
standard errors from numDeriv's Hessian), on the crabs, the ships (factors and an
exposure offset) and quine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import glm_lib as gl
from glm_lib._models import _nb1
from rdata import load_fixture

R = load_fixture("nb1")
close = np.testing.assert_allclose

SHIPS_FORMULA = "incidents ~ type + factor(year) + factor(period) + offset(log(service))"


def _data(case):
    if case == "crabs":
        return "satellites ~ width", gl.datasets.load_crabs()
    if case == "ships":
        ships = gl.datasets.load_ships()
        return SHIPS_FORMULA, ships[ships["service"] > 0].reset_index(drop=True)
    return "Days ~ Eth + Sex + Age + Lrn", gl.datasets.load_quine()


@pytest.fixture(scope="module", params=["crabs", "ships", "quine"])
def fitted(request):
    formula, data = _data(request.param)
    return gl.glm_nb1(formula, data), R[request.param], data


def test_estimates_and_loglik_match_r(fitted):
    res, r, _ = fitted
    assert res.converged and np.max(np.abs(r["gradient"])) < 1e-9   # R: a zero score to round-off
    close(res.params.to_numpy(), r["coefficients"], rtol=1e-8, atol=1e-10)
    close(res.log_kappa_minus_one, r["log_kappa_minus_one"], rtol=1e-8)
    close(res.kappa, r["kappa"], rtol=1e-9)
    close([res.llf, res.aic, res.bic], [r["loglik"], r["aic"], r["bic"]], rtol=1e-12)
    assert (res.nobs, res.df_resid) == (r["nobs"], r["nobs"] - len(r["coefficients"]) - 1)


def test_standard_errors_match_r(fitted):
    res, r, _ = fitted
    close(res.bse.to_numpy(), r["se"], rtol=1e-6)
    close([res.log_kappa_minus_one_se, res.kappa_se], [r["log_kappa_minus_one_se"], r["kappa_se"]], rtol=1e-6)
    close(res.cov_params().to_numpy(), r["cov"], rtol=1e-5, atol=1e-12)
    close(res.tvalues.to_numpy(), np.array(r["coefficients"]) / np.array(r["se"]), rtol=1e-6)


def test_predict_gives_the_fitted_means_with_the_offset(fitted):
    res, r, data = fitted
    rows = [0, 1, len(data) - 1]
    close(res.predict(data.iloc[rows]), r["fitted"], rtol=1e-8)
    close(res.predict()[rows], r["fitted"], rtol=1e-8)


def test_loglik_is_dnbinom_with_size_mu_over_kappa_minus_one(fitted):
    res, _, _ = fitted
    mu = res.predict()
    size, prob = mu / (res.kappa - 1), 1 / res.kappa
    close(res.llf, stats.nbinom.logpmf(res.y, size, prob).sum(), rtol=1e-12)


def test_summary_and_repr_show_kappa():
    formula, data = _data("crabs")
    res = gl.glm_nb1(formula, data)
    text = res.summary()
    assert "kappa" in text and "width" in text and "AIC: 742.4989" in text
    assert repr(res).startswith("<NB1Results kappa = 4.224")
    assert list(res.cov_params().index) == ["Intercept", "width", "log(kappa - 1)"]


def test_large_counts_take_the_polygamma_form_with_the_same_answer(monkeypatch):
    """Counts above the summation cap use digamma and lgamma differences: same log-likelihood and score."""
    formula, data = _data("quine")
    res = gl.glm_nb1(formula, data)
    monkeypatch.setattr(_nb1, "_MAX_SUMMED_COUNT", 10)
    other = gl.glm_nb1(formula, data)
    close(other.params.to_numpy(), res.params.to_numpy(), rtol=1e-9)
    close([other.llf, other.kappa], [res.llf, res.kappa], rtol=1e-11)


@pytest.mark.parametrize("kappa, seed", [(1.5, 1), (3.0, 2), (8.0, 3)])
def test_score_is_zero_at_the_fit_of_simulated_nb1_counts(kappa, seed):
    rng = np.random.default_rng(seed)
    n = 600
    x = rng.uniform(-1, 1, n)
    group = rng.choice(["a", "b", "c"], n)
    exposure = rng.uniform(0.5, 2.0, n)
    mu = exposure * np.exp(1.0 + 0.8 * x + np.select([group == "b", group == "c"], [0.3, -0.4], 0.0))
    y = rng.negative_binomial(mu / (kappa - 1), 1 / kappa)
    data = pd.DataFrame({"y": y, "x": x, "g": group, "exposure": exposure})
    res = gl.glm_nb1("y ~ x + g + offset(log(exposure))", data)
    assert res.converged
    X, offset = res._X, np.log(exposure)
    params = np.append(res.params.to_numpy(), res.log_kappa_minus_one)
    terms = _nb1._Terms(res.y)
    value, score = _nb1._loglik(params, X, res.y, offset, res.link, terms, True)
    close(value, res.llf, rtol=1e-14)
    # zero relative to the score's size at the start (the Poisson fit, log(kappa - 1) = 0)
    _, score_start = _nb1._loglik(np.append(params[:-1], 0.0), X, res.y, offset, res.link, terms, True)
    assert np.max(np.abs(score)) < 1e-8 * max(1.0, np.max(np.abs(score_start)))
    # the analytic score is the gradient of the log-likelihood
    h = 1e-6
    numeric = [(_nb1._loglik(params + h * e, X, res.y, offset, res.link, terms, False)
                - _nb1._loglik(params - h * e, X, res.y, offset, res.link, terms, False)) / (2 * h)
               for e in np.eye(params.size)]
    close(numeric, score, atol=1e-4)
    # and the estimate is near the truth
    assert abs(res.kappa - kappa) < 4 * res.kappa_se
    assert abs(res.params["x"] - 0.8) < 4 * res.bse["x"]


def test_poisson_counts_run_kappa_to_its_boundary_with_a_warning():
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 2, 200)
    data = pd.DataFrame({"x": x, "y": rng.poisson(np.exp(0.5 + 0.7 * x))})
    poisson = gl.glm("y ~ x", data, family=gl.Poisson())
    assert poisson.pearson_chi2 / poisson.df_resid < 1
    with pytest.warns(gl.ConvergenceWarning, match="boundary 1"):
        res = gl.glm_nb1("y ~ x", data)
    assert res.kappa == 1 and np.isnan(res.kappa_se)
    close(res.params.to_numpy(), poisson.params.to_numpy(), rtol=1e-12)
    close(res.bse.to_numpy(), poisson.bse.to_numpy(), rtol=1e-12)
    close(res.llf, poisson.llf, rtol=1e-12)
    assert res.aic == pytest.approx(poisson.aic + 2)


def test_log_likelihood_tends_to_the_poisson_as_kappa_tends_to_one():
    formula, data = _data("crabs")
    res = gl.glm_nb1(formula, data)
    poisson = gl.glm(formula, data, family=gl.Poisson())
    params = np.append(poisson.params.to_numpy(), np.log(1e-12))
    value = _nb1._loglik(params, res._X, res.y, np.zeros(res.nobs), res.link, _nb1._Terms(res.y), False)
    close(value, poisson.llf, rtol=1e-10)


def test_validation_errors():
    crabs = gl.datasets.load_crabs()
    with pytest.raises(TypeError, match="DataFrame"):
        gl.glm_nb1("satellites ~ width", crabs.to_dict())
    with pytest.raises(ValueError, match=r"rows \[3\]"):
        gl.glm_nb1("satellites ~ width", crabs.assign(satellites=crabs["satellites"].where(crabs.index != 3, -1)))
    with pytest.raises(ValueError, match=r"whole numbers.*rows \[5\]"):
        gl.glm_nb1("satellites ~ width", crabs.assign(satellites=crabs["satellites"].where(crabs.index != 5, 1.5)))
    with pytest.raises(ValueError, match=r"missing values.*rows \[7\]"):
        gl.glm_nb1("satellites ~ width", crabs.assign(width=crabs["width"].where(crabs.index != 7, np.nan)))
    with pytest.raises(ValueError, match="link"):
        gl.glm_nb1("satellites ~ width", crabs, link="logit")
    with pytest.raises(TypeError, match="link"):
        gl.glm_nb1("satellites ~ width", crabs, link=3)
    with pytest.raises(ValueError, match="one column of counts"):
        gl.glm_nb1("cbind(satellites, satellites) ~ width", crabs)
    res = gl.glm_nb1("satellites ~ width", crabs)
    with pytest.raises(TypeError, match="newdata"):
        res.predict(crabs.to_dict())


def test_predict_without_the_offset_column_is_an_error():
    formula, data = _data("ships")
    res = gl.glm_nb1(formula, data)
    with pytest.raises(ValueError, match="service"):
        res.predict(data.drop(columns="service"))
