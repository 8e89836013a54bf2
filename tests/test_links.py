"""Link functions: inverses, derivatives (against finite differences and statsmodels), clamping, lookup."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

from glm_lib import links as L

SML = sm.families.links

# (glm_lib link, statsmodels link, interior means, interior linear predictors)
CASES = {
    "identity": (L.identity, SML.Identity(), np.linspace(-3, 3, 13), np.linspace(-3, 3, 13)),
    "log": (L.log, SML.Log(), np.linspace(0.05, 20, 13), np.linspace(-3, 3, 13)),
    "logit": (L.logit, SML.Logit(), np.linspace(0.01, 0.99, 13), np.linspace(-6, 6, 13)),
    "probit": (L.probit, SML.Probit(), np.linspace(0.01, 0.99, 13), np.linspace(-3, 3, 13)),
    "cloglog": (L.cloglog, SML.CLogLog(), np.linspace(0.01, 0.99, 13), np.linspace(-4, 1.5, 13)),
    "inverse": (L.inverse, SML.InversePower(), np.linspace(0.1, 10, 13), np.linspace(0.1, 10, 13)),
    "inverse_squared": (L.inverse_squared, SML.InverseSquared(), np.linspace(0.1, 10, 13), np.linspace(0.1, 10, 13)),
    "sqrt": (L.sqrt, SML.Sqrt(), np.linspace(0.1, 25, 13), np.linspace(0.3, 5, 13)),
    "power(1/3)": (L.power(1 / 3), SML.Power(1 / 3), np.linspace(0.1, 25, 13), np.linspace(0.3, 3, 13)),
}
IDS = list(CASES)


def close(a, b, rtol=1e-10, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


@pytest.mark.parametrize("name", IDS)
def test_round_trip(name):
    link, _, mu, eta = CASES[name]
    close(link.inverse(link.link(mu)), mu, rtol=1e-9, atol=1e-12)
    close(link.link(link.inverse(eta)), eta, rtol=1e-9, atol=1e-12)
    close(link(mu), link.link(mu), rtol=0)


@pytest.mark.parametrize("name", IDS)
def test_against_statsmodels(name):
    link, other, mu, eta = CASES[name]
    close(link.link(mu), other(mu), rtol=1e-9, atol=1e-12)
    close(link.inverse(eta), other.inverse(eta), rtol=1e-9, atol=1e-12)
    close(link.deriv(mu), other.deriv(mu), rtol=1e-9)
    close(link.inverse_deriv(eta), other.inverse_deriv(eta), rtol=1e-9)
    close(link.inverse_deriv2(eta), other.inverse_deriv2(eta), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", IDS)
def test_derivatives_by_finite_differences(name):
    link, _, mu, eta = CASES[name]
    h = 1e-6
    close(link.deriv(mu), (link.link(mu + h) - link.link(mu - h)) / (2 * h), rtol=1e-6, atol=1e-8)
    close(link.inverse_deriv(eta), (link.inverse(eta + h) - link.inverse(eta - h)) / (2 * h), rtol=1e-6, atol=1e-8)
    h2 = 1e-4
    second = (link.inverse(eta + h2) - 2 * link.inverse(eta) + link.inverse(eta - h2)) / h2**2
    close(link.inverse_deriv2(eta), second, rtol=1e-4, atol=1e-6)
    # d eta / d mu and d mu / d eta are reciprocal.
    close(link.deriv(mu) * link.inverse_deriv(link.link(mu)), np.ones_like(mu), rtol=1e-9)


@pytest.mark.parametrize("eta", [-1e4, -800.0, -40.0, 40.0, 800.0, 1e4])
def test_logit_probit_cloglog_stay_inside_unit_interval(eta):
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        for link in (L.logit, L.probit, L.cloglog):
            mu = link.inverse(np.array([eta]))
            assert np.all(np.isfinite(mu)) and np.all((mu > 0) & (mu < 1)), (link, mu)
            d = link.inverse_deriv(np.array([eta]))
            assert np.all(np.isfinite(d)) and np.all(d > 0), (link, d)


@pytest.mark.parametrize("eta", [-1e4, -800.0, 700.0, 800.0, 1e4])
def test_log_inverse_is_finite_and_positive(eta):
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        mu = L.log.inverse(np.array([eta]))
    assert np.isfinite(mu).all() and (mu > 0).all()
    assert mu[0] >= np.finfo(float).eps  # R floors exp(eta) at machine epsilon


def test_logit_matches_expit_inside_threshold():
    eta = np.linspace(-30, 30, 61)
    close(L.logit.inverse(eta), 1 / (1 + np.exp(-eta)), rtol=1e-12)


@pytest.mark.parametrize(
    "name, cls",
    [("identity", L.Identity), ("log", L.Log), ("logit", L.Logit), ("probit", L.Probit), ("cloglog", L.CLogLog),
     ("inverse", L.Inverse), ("inverse_squared", L.InverseSquared), ("1/mu^2", L.InverseSquared), ("sqrt", L.Sqrt),
     (" LOGIT ", L.Logit)],
)
def test_get_link_by_name(name, cls):
    link = L.get_link(name)
    assert type(link) is cls
    assert L.get_link(link) is link


def test_get_link_rejects_unknown_and_wrong_types():
    with pytest.raises(ValueError, match=r"unknown link 'logitt'.*known links"):
        L.get_link("logitt")
    with pytest.raises(TypeError, match="link must be a name or a Link object"):
        L.get_link(3)


def test_power_family_of_links():
    assert type(L.power(0)) is L.Log
    assert type(L.power(1)) is L.Identity
    assert type(L.power(-1)) is L.Inverse
    assert type(L.power(-2)) is L.InverseSquared
    assert type(L.power(0.5)) is L.Sqrt
    assert type(L.power(1.5)) is L.Power and L.power(1.5).power == 1.5
    with pytest.raises(ValueError, match="Power\\(0\\) is the log link"):
        L.Power(0.0)


def test_equality_and_hash():
    assert L.Logit() == L.logit and hash(L.Logit()) == hash(L.logit)
    assert L.Power(1.5) == L.Power(1.5) and L.Power(1.5) != L.Power(2.5)
    assert L.Logit() != L.Probit()
    assert len({L.Logit(), L.Logit(), L.Log()}) == 2
