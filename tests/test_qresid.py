"""Randomized quantile residuals against statmod::qresid (fixtures: tests/r/qresid.R)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import glm_lib as gl
from rdata import as_array, load_fixture, r_frame

R = load_fixture("qresid")
close = np.testing.assert_allclose


@pytest.mark.parametrize("case, formula, family", [
    ("gamma", "lot1 ~ log(u)", gl.Gamma()),
    ("invgauss", "lot1 ~ log(u)", gl.InverseGaussian(link="log")),
    ("gaussian", "mpg ~ wt", gl.Gaussian()),
])
def test_continuous_families_equal_statmod(case, formula, family):
    res = gl.glm(formula, r_frame(R[case]["data"]), family=family, tol=1e-12)
    close(gl.diagnostics.qresid(res), as_array(R[case]["qresid"]), rtol=1e-7, atol=1e-10)


def _discrete_fits():
    crabs = gl.datasets.load_crabs()
    budworm = r_frame(R["binomial"]["data"])
    return {
        "binomial": gl.glm("cbind(numdead, numalive) ~ ldose + sex", budworm, family=gl.Binomial(), tol=1e-12),
        "poisson": gl.glm("satellites ~ width", crabs, family=gl.Poisson(), tol=1e-12),
        "negbin": gl.glm("satellites ~ width", crabs, family=gl.NegativeBinomial(1.0 / R["negbin"]["theta"]), tol=1e-12),
    }


@pytest.mark.parametrize("case", ["binomial", "poisson", "negbin"])
def test_discrete_families_draw_within_the_jump_and_reproducibly(case):
    res = _discrete_fits()[case]
    r = gl.diagnostics.qresid(res, rng=7)
    # qnorm(0) = -Inf and qnorm(1) = Inf reach JSON as null.
    lower = np.nan_to_num(as_array(R[case]["lower"]), nan=-np.inf)
    upper = np.nan_to_num(as_array(R[case]["upper"]), nan=np.inf)
    assert np.all(r >= lower - 1e-7) and np.all(r <= upper + 1e-7)
    close(gl.diagnostics.qresid(res, rng=7), r)
    assert not np.allclose(gl.diagnostics.qresid(res, rng=8), r)


def test_quantile_residuals_of_the_true_model_are_standard_normal():
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, 4000)
    y = rng.poisson(np.exp(0.5 + 0.8 * x))
    res = gl.fit(np.column_stack([np.ones_like(x), x]), y, family=gl.Poisson())
    r = gl.diagnostics.qresid(res, rng=1)
    assert stats.kstest(r, "norm").pvalue > 0.01
    # Deviance residuals of the same counts are far from normal (the reason for qresid).
    assert stats.kstest(res.resid_deviance, "norm").pvalue < 1e-6


def test_qresid_refuses_what_has_no_distribution():
    crabs = gl.datasets.load_crabs()
    quasi = gl.glm("satellites ~ width", crabs, family=gl.QuasiPoisson())
    with pytest.raises(ValueError, match="quasi"):
        gl.diagnostics.qresid(quasi)
    weighted = gl.glm("satellites ~ width", crabs, family=gl.Poisson(), weights=np.full(len(crabs), 2.0))
    with pytest.raises(ValueError, match="prior weights of 1"):
        gl.diagnostics.qresid(weighted)
    gamma = gl.glm("weight ~ width", crabs, family=gl.Gamma())
    with pytest.raises(ValueError, match="dispersion must be a positive"):
        gl.diagnostics.qresid(gamma, dispersion=-1)
    with pytest.raises(TypeError):
        gl.diagnostics.qresid("not a fit")
