"""QAIC against its definition evaluated in R (fixtures: tests/r/qaic.R)."""

from __future__ import annotations

import numpy as np
import pytest

import glm_lib as gl
from rdata import load_fixture

R = load_fixture("qaic")
close = np.testing.assert_allclose


@pytest.mark.parametrize("family", [gl.Poisson(), gl.QuasiPoisson()], ids=["poisson", "quasipoisson"])
def test_qaic_of_each_model_matches_r(family):
    crabs = gl.datasets.load_crabs()
    general = gl.glm("satellites ~ width + weight", crabs, family=family, tol=1e-12)
    for r in R["models"]:
        res = gl.glm(r["formula"], crabs, family=family, tol=1e-12)
        row = gl.qaic(res, general)
        close([row["c_hat"], row["loglik"], row["K"]], [R["c_hat"], r["loglik"], r["K"]], rtol=1e-9)
        close([row["QAIC"], row["QAICc"]], [r["qaic"], r["qaicc"]], rtol=1e-9)
        close(gl.qaic(res, R["c_hat"])["QAIC"], r["qaic"], rtol=1e-9)


def test_qaic_with_c_hat_one_is_aic_plus_two():
    crabs = gl.datasets.load_crabs()
    res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    close(gl.qaic(res, 1.0)["QAIC"], res.aic + 2)


def test_bad_input():
    crabs = gl.datasets.load_crabs()
    res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    with pytest.raises(ValueError, match="positive"):
        gl.qaic(res, 0)
    with pytest.raises(TypeError, match="c_hat"):
        gl.qaic(res, "big")
    with pytest.raises(TypeError, match="fitted GLM"):
        gl.qaic("model", 2.0)
    gamma = gl.glm("weight ~ width", crabs, family=gl.Quasi(variance="mu^2", link="log"))
    with pytest.raises(ValueError, match="needs a likelihood"):
        gl.qaic(gamma, 2.0)
