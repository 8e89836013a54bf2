"""The Tweedie (power variance) quasi-family against R's statmod::tweedie (tests/r/tweedie.R)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from rdata import load_fixture

import glm_lib as gl

R = load_fixture("tweedie")["cases"]


def _engel():
    engel = gl.datasets.load_engel()
    return engel.assign(log_income=np.log(engel["income"]))


def _biochemists():
    data = gl.datasets.load_biochemists()
    # R's alphabetical reference levels
    return data.assign(fem=pd.Categorical(data["fem"], ["Men", "Women"]),
                       mar=pd.Categorical(data["mar"], ["Married", "Single"]))


DATA = {"engel_2.5": _engel, "engel_1.5": _engel, "biochemists_1.5": _biochemists,
        "clotting_3": gl.datasets.load_clotting}
FORMULAS = {"clotting_3": "lot1 ~ np.log(u)"}


def _fit(name, family=None, **kwargs):
    case = R[name]
    family = family or gl.Tweedie(var_power=case["var_power"], link="log")
    return gl.glm(FORMULAS.get(name, case["formula"]), DATA[name](), family=family, tol=1e-12, **kwargs)


@pytest.mark.parametrize("name", sorted(R))
def test_tweedie_matches_statmod(name):
    case = R[name]
    res = _fit(name)
    np.testing.assert_allclose(res.params, case["coefficients"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.bse, case["se"], rtol=1e-6)   # R: weights one step behind
    np.testing.assert_allclose(res.dispersion, case["dispersion"], rtol=1e-7)
    np.testing.assert_allclose(res.deviance, case["deviance"], rtol=1e-8)
    np.testing.assert_allclose(res.null_deviance, case["null_deviance"], rtol=1e-8)
    assert (res.df_resid, res.df_null) == (case["df_residual"], case["df_null"])
    assert case["aic"] is None and not res.family.has_likelihood
    with pytest.raises(ValueError, match="no likelihood"):
        res.aic
    assert "t value" in res.coef_table().columns


def test_zeros_are_allowed_below_two():
    assert R["biochemists_1.5"]["n_zeros"] > 0
    assert (_biochemists()["art"] == 0).any()


def test_power_three_is_quasi_mu3_in_r_and_here():
    quasi = R["clotting_3"]["quasi_mu3"]
    res = _fit("clotting_3", family=gl.Quasi(variance="mu^3", link="log"))
    tweedie = _fit("clotting_3")
    for fit in (res, tweedie):
        np.testing.assert_allclose(fit.params, quasi["coefficients"], rtol=1e-8)
        np.testing.assert_allclose(fit.dispersion, quasi["dispersion"], rtol=1e-7)
        np.testing.assert_allclose(fit.deviance, quasi["deviance"], rtol=1e-8)


@pytest.mark.parametrize("power, other", [
    (0, lambda: gl.Quasi(variance="constant", link="log")),
    (1, gl.QuasiPoisson),
    (2, lambda: gl.Quasi(variance="mu^2", link="log")),
    (3, lambda: gl.Quasi(variance="mu^3", link="log")),
])
def test_integer_powers_agree_with_the_quasi_families(power, other):
    data = _engel()
    a = gl.glm("foodexp ~ log_income", data, family=gl.Tweedie(power), tol=1e-12)
    b = gl.glm("foodexp ~ log_income", data, family=other(), tol=1e-12)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-9)
    np.testing.assert_allclose(a.dispersion, b.dispersion, rtol=1e-9)
    np.testing.assert_allclose(a.deviance, b.deviance, rtol=1e-9)


def test_power_two_is_the_gamma_fit_with_quasi_inference():
    data = _engel()
    a = gl.glm("foodexp ~ log_income", data, family=gl.Tweedie(2), tol=1e-12)
    b = gl.glm("foodexp ~ log_income", data, family=gl.Gamma(link="log"), tol=1e-12)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-9)
    np.testing.assert_allclose(a.deviance, b.deviance, rtol=1e-9)


def test_unit_deviance_special_cases():
    y = np.array([0.5, 1.0, 2.0, 7.0])
    mu = np.array([1.0, 1.5, 1.0, 5.0])
    np.testing.assert_allclose(gl.Tweedie(0).unit_deviance(y, mu), gl.Gaussian().unit_deviance(y, mu), rtol=1e-12)
    np.testing.assert_allclose(gl.Tweedie(1).unit_deviance(y, mu), gl.Poisson().unit_deviance(y, mu), rtol=1e-12)
    np.testing.assert_allclose(gl.Tweedie(2).unit_deviance(y, mu), gl.Gamma().unit_deviance(y, mu), rtol=1e-12)
    np.testing.assert_allclose(gl.Tweedie(3).unit_deviance(y, mu), gl.InverseGaussian().unit_deviance(y, mu),
                               rtol=1e-12)
    # a zero response: 2 mu^(2 - xi) / (2 - xi) for 1 <= xi < 2 (the Poisson's 2 mu at xi = 1)
    for xi in (1.0, 1.3, 1.5, 1.9):
        np.testing.assert_allclose(gl.Tweedie(xi).unit_deviance(0.0, 3.0), 2 * 3.0 ** (2 - xi) / (2 - xi))
    # zero at y = mu, positive elsewhere
    for xi in (-1.0, 0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.2):
        family = gl.Tweedie(xi)
        np.testing.assert_allclose(family.unit_deviance(mu, mu), 0.0, atol=1e-12)
        assert np.all(family.unit_deviance(y[y != mu], mu[y != mu]) > 0)


@pytest.mark.parametrize("limit, exact", [(1.0, gl.Poisson), (2.0, gl.Gamma)])
def test_deviance_is_continuous_in_the_power(limit, exact):
    y = np.array([0.3, 1.0, 2.5, 10.0])
    mu = np.array([1.0, 2.0, 2.0, 6.0])
    target = exact().unit_deviance(y, mu)
    for eps in (1e-3, 1e-5, 1e-7):
        for xi in (limit - eps, limit + eps):
            if 0 < xi < 1:
                continue
            np.testing.assert_allclose(gl.Tweedie(xi).unit_deviance(y, mu), target, rtol=20 * eps)


def test_variance_and_its_derivative():
    family = gl.Tweedie(2.5)
    mu = np.array([0.5, 1.0, 4.0])
    np.testing.assert_allclose(family.variance(mu), mu**2.5)
    np.testing.assert_allclose(family.variance_deriv(mu), 2.5 * mu**1.5)
    h = 1e-6
    np.testing.assert_allclose(family.variance_deriv(mu), (family.variance(mu + h) - family.variance(mu - h)) / (2 * h),
                               rtol=1e-6)
    np.testing.assert_allclose(gl.Tweedie(0).variance_deriv(mu), 0.0)
    np.testing.assert_allclose(gl.Tweedie(1.5).starting_mu(np.array([0.0, 2.0]), np.ones(2)), [0.1, 2.0])


@pytest.mark.parametrize("bad", ["2", None, True, [2.0], 1 + 2j])
def test_var_power_must_be_a_number(bad):
    with pytest.raises(TypeError, match="var_power"):
        gl.Tweedie(bad)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 0.5, 1e-9, 0.999])
def test_var_power_range(bad):
    with pytest.raises(ValueError, match="var_power"):
        gl.Tweedie(bad)


def test_accepted_powers_and_links():
    for xi in (-2, 0, 1, 1.5, np.float64(2.5), 3, 5):
        assert gl.Tweedie(xi).var_power == float(xi)
    assert gl.Tweedie(1.5).link.name == "log"
    for link in ("identity", "inverse", "sqrt", "log"):
        assert gl.Tweedie(2.5, link=link).link.name == link
    with pytest.raises(ValueError, match="link"):
        gl.Tweedie(2.5, link="logit")
    assert repr(gl.Tweedie(2.5)) == "Tweedie(var_power=2.5, link='log')"


def test_responses_outside_the_support_name_the_rows():
    X = np.column_stack([np.ones(4), [1.0, 2, 3, 4]])
    for xi in (2, 2.5, 3):
        with pytest.raises(ValueError, match=r"strictly positive.*rows \[1\]"):
            gl.fit(X, np.array([1.0, 0, 2, 3]), family=gl.Tweedie(xi))
    for xi in (-1, 1, 1.5):
        with pytest.raises(ValueError, match=r"non-negative.*rows \[2\]"):
            gl.fit(X, np.array([1.0, 0, -2, 3]), family=gl.Tweedie(xi))
    gl.fit(X, np.array([1.0, 0, 2, 3]), family=gl.Tweedie(1.5))   # zeros are fine below 2


def test_anova_and_drop1_use_f_tests():
    data = _biochemists()
    full = gl.glm("art ~ fem + mar + kid5 + phd + ment", data, family=gl.Tweedie(1.5))
    small = gl.glm("art ~ fem + mar + kid5 + phd", data, family=gl.Tweedie(1.5))
    table = gl.anova(small, full, test="F")
    f = (small.deviance - full.deviance) / full.dispersion
    np.testing.assert_allclose(table["F"].iloc[1], f, rtol=1e-8)
    dropped = gl.drop1(full, test="F")   # R's drop1.glm divides by D / (n - p), not the Pearson estimate
    f_drop1 = (small.deviance - full.deviance) / (full.deviance / full.df_resid)
    np.testing.assert_allclose(dropped.loc["ment", "F value"], f_drop1, rtol=1e-6)
    assert "Tweedie" in full.summary() and "t value" in full.summary()
