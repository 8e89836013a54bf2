"""The quasi family with a chosen variance function against R's quasi() (tests/r/quasi.R)."""

from __future__ import annotations

import numpy as np
import pytest
from rdata import load_fixture, r_frame

import glm_lib as gl

R = load_fixture("quasi")
CASES = {case["name"]: case for case in R["cases"]}


@pytest.mark.parametrize("name", sorted(CASES))
def test_quasi_matches_r(name):
    case = CASES[name]
    family = gl.Quasi(variance=case["variance"], link=case["link"])
    res = gl.glm(case["formula"], r_frame(case["data"]), family=family, weights=case["weights"], tol=1e-12)
    np.testing.assert_allclose(res.params, case["coefficients"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(res.bse, case["se"], rtol=1e-6)  # R: weights one step behind
    np.testing.assert_allclose(res.dispersion, case["dispersion"], rtol=1e-7)
    np.testing.assert_allclose(res.deviance, case["deviance"], rtol=1e-8)
    np.testing.assert_allclose(res.null_deviance, case["null_deviance"], rtol=1e-8)
    assert "t value" in res.coef_table().columns
    with pytest.raises(ValueError, match="no likelihood"):
        res.aic


def test_quasi_mu_is_quasipoisson():
    case = CASES["mu_log_quine"]
    data = r_frame(case["data"])
    a = gl.glm(case["formula"], data, family=gl.Quasi(variance="mu", link="log"), tol=1e-12)
    b = gl.glm(case["formula"], data, family=gl.QuasiPoisson(), tol=1e-12)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9)
    np.testing.assert_allclose(a.bse, b.bse, rtol=1e-6)


def test_bad_variance_and_response():
    with pytest.raises(ValueError, match="variance must be one of"):
        gl.Quasi(variance="mu^4")
    X = np.column_stack([np.ones(3), [1.0, 2, 3]])
    for variance in ("mu^2", "mu^3"):  # R allows y = 0 for mu^2; glm_lib refuses (README)
        with pytest.raises(ValueError, match="strictly positive"):
            gl.fit(X, np.array([0.0, 1, 2]), family=gl.Quasi(variance=variance, link="log"))
