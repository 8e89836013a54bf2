"""Profile-likelihood intervals against MASS's confint() (fixtures from tests/r/profile.R).

R interpolates a spline through ten profile points, glm_lib solves for each end;
the fixture also holds the ends R's uniroot finds on the same profile deviance,
which glm_lib must match to round-off, and R's spline ends, which it must match
to the spline's accuracy.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from rdata import as_array, load_fixture, r_frame

import glm_lib as gl

R = load_fixture("profile")
CASES = {case["name"]: case for case in R["glm"]}


def fit_case(case):
    family = getattr(gl, case["family"])(link=case["link"])
    return gl.glm(case["formula"], r_frame(case["data"]), family=family, offset=case["offset"], tol=1e-12)


@pytest.mark.parametrize("name", sorted(CASES))
def test_profile_intervals_match_r(name):
    case = CASES[name]
    res = fit_case(case)
    np.testing.assert_allclose(res.params, case["coefficients"], rtol=1e-8, atol=1e-10)
    ci = res.conf_int(method="profile")
    assert list(ci.columns) == ["lower", "upper"] and list(ci.index) == list(res.params.index)
    for end in ("lower", "upper"):
        np.testing.assert_allclose(ci[end], case["exact"][end], rtol=1e-7, atol=1e-9)
        # R's spline interpolation is accurate to a few units in the 4th digit.
        np.testing.assert_allclose(ci[end], case["confint"][end], rtol=2e-3, atol=2e-3)


def test_profile_intervals_negative_binomial():
    case = R["glm_nb"]
    res = gl.glm_nb(case["formula"], r_frame(case["data"]), tol=1e-12)
    np.testing.assert_allclose(1 / res.family.alpha, case["theta"], rtol=1e-6)
    ci = res.conf_int(method="profile")
    np.testing.assert_allclose(ci["lower"], case["exact"]["lower"], rtol=1e-5)
    np.testing.assert_allclose(ci["upper"], case["exact"]["upper"], rtol=1e-5)


def test_profile_interval_is_asymmetric_and_contains_estimate():
    res = fit_case(CASES["binomial_logit_binary_birthwt"])
    ci = res.conf_int(method="profile")
    wald = res.conf_int()
    assert np.all(ci["lower"] < res.params) and np.all(res.params < ci["upper"])
    # For the Gaussian identity model the profile deviance is exactly quadratic,
    # so profile and z-based Wald intervals coincide.
    gauss = fit_case(CASES["gaussian_identity_warpbreaks"])
    q = 1.959963984540054
    np.testing.assert_allclose(gauss.conf_int(method="profile")["lower"], gauss.params - q * gauss.bse, rtol=1e-8)
    assert not np.allclose(ci, wald)


def test_profile_under_separation_is_unbounded_with_a_warning():
    x = np.array([1.0, 2, 3, 4, 5, 6])
    y = np.array([0.0, 0, 0, 1, 1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = gl.fit(np.column_stack([np.ones(6), x]), y, family=gl.Binomial())
    with pytest.warns(UserWarning, match="infinite"):
        ci = res.conf_int(method="profile")
    assert ci.loc["x1", "upper"] == np.inf


def test_bad_arguments():
    res = fit_case(CASES["poisson_log_insectsprays"])
    with pytest.raises(ValueError, match="method must be"):
        res.conf_int(method="spline")
    with pytest.raises(ValueError, match="alpha"):
        res.conf_int(1.5, method="profile")
    with pytest.raises(ValueError, match="not a coefficient"):
        gl.profile.profile_deviance(res, "nope", 0.0)


def test_profile_under_quasi_separation_matches_r_where_r_is_right():
    # R's spline interval for the separating NV is meaningless (it straddles 0 by
    # thousands); the profile has a finite lower end and no upper end.
    case = R["separated"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = gl.glm(case["formula"], r_frame(case["data"]), family=gl.Binomial(), tol=1e-12)
    with pytest.warns(UserWarning, match="NV"):
        ci = res.conf_int(method="profile")
    np.testing.assert_allclose(ci.loc["NV", "lower"], case["nv_lower_exact"], rtol=1e-6)
    assert ci.loc["NV", "upper"] == np.inf
    others = ["Intercept", "PI", "EH"]
    rows = [0, 2, 3]
    np.testing.assert_allclose(ci.loc[others, "lower"], np.array(case["confint"]["lower"])[rows], rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(ci.loc[others, "upper"], np.array(case["confint"]["upper"])[rows], rtol=2e-3, atol=2e-3)
