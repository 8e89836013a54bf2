"""The worked examples of the Poisson and positive-continuous chapters against R.

Fixtures from tests/r/chapter_examples.R (R fitted with ``epsilon = 1e-12``):
the crabs' negative binomial (``MASS::glm.nb``), the ships' quasi-Poisson F
test for the period of operation, and the two clotting lots fitted jointly
with a gamma GLM and compared by F tests, as McCullagh and Nelder do.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import glm_lib as gl

R = json.loads((Path(__file__).parent / "r" / "fixtures" / "chapter_examples.json").read_text())
RTOL = 1e-6


def test_crabs_negative_binomial_matches_glm_nb():
    r = R["crabs_nb"]
    res = gl.glm_nb("satellites ~ width", data=gl.datasets.load_crabs(), tol=1e-12)
    np.testing.assert_allclose(res.params.to_numpy(), list(r["coefficients"].values()), rtol=RTOL)
    np.testing.assert_allclose(res.bse.to_numpy(), list(r["se"].values()), rtol=1e-5)
    np.testing.assert_allclose(1 / res.family.alpha, r["theta"], rtol=RTOL)
    np.testing.assert_allclose(res.family.alpha_se / res.family.alpha**2, r["se_theta"], rtol=1e-4)
    np.testing.assert_allclose(res.aic, r["aic"], rtol=RTOL)
    np.testing.assert_allclose(res.deviance, r["deviance"], rtol=RTOL)


def ships() -> pd.DataFrame:
    frame = gl.datasets.load_ships()
    frame = frame[frame["service"] > 0].copy()
    frame["log_service"] = np.log(frame["service"])
    return frame


def test_ships_quasi_poisson_f_test_matches_r():
    r = R["ships_quasi"]
    data = ships()
    fit = lambda formula: gl.glm(formula, data=data, family=gl.QuasiPoisson(), offset="log_service", tol=1e-12)
    full, reduced = fit("incidents ~ type + C(year) + C(period)"), fit("incidents ~ type + C(year)")
    np.testing.assert_allclose(full.dispersion, r["dispersion"], rtol=RTOL)
    table = gl.anova(reduced, full, test="F")
    np.testing.assert_allclose(table["Deviance"].iloc[1], r["deviance_drop"], rtol=RTOL)
    np.testing.assert_allclose(table["F"].iloc[1], r["F"], rtol=RTOL)
    np.testing.assert_allclose(table["Pr(>F)"].iloc[1], r["p_F"], rtol=1e-5)
    # the F test's p-value is about 17 times the chi-squared one: the point of the exercise
    assert r["p_F"] > 10 * r["p_chisq"]


def clotting_long() -> pd.DataFrame:
    clot = gl.datasets.load_clotting()
    return pd.DataFrame({
        "u": np.tile(clot["u"].to_numpy(), 2),
        "time": np.concatenate([clot["lot1"], clot["lot2"]]),
        "lot": pd.Categorical(np.repeat(["lot1", "lot2"], len(clot))),
    })


def test_clotting_lots_fitted_jointly_match_r():
    r = R["clotting_lots"]
    data = clotting_long()
    fit = lambda formula: gl.glm(formula, data=data, family=gl.Gamma(), tol=1e-12)
    common, shift, separate = fit("time ~ np.log(u)"), fit("time ~ lot + np.log(u)"), fit("time ~ lot * np.log(u)")
    np.testing.assert_allclose(separate.params.to_numpy(), list(r["separate"]["coefficients"].values()), rtol=RTOL)
    np.testing.assert_allclose(separate.bse.to_numpy(), list(r["separate"]["se"].values()), rtol=1e-5)
    np.testing.assert_allclose(separate.dispersion, r["separate"]["dispersion"], rtol=1e-5)
    table = gl.anova(common, shift, separate, test="F")
    np.testing.assert_allclose(table["Resid. Dev"].to_numpy(), r["anova"]["resid_dev"], rtol=RTOL)
    np.testing.assert_allclose(table["F"].to_numpy()[1:], r["anova"]["F"][1:], rtol=1e-5)
    np.testing.assert_allclose(table["Pr(>F)"].to_numpy()[1:], r["anova"]["p"][1:], rtol=1e-4)


def test_engel_gamma_inverse_gaussian_and_lognormal_match_r():
    r = R["engel"]
    engel = gl.datasets.load_engel()
    engel["log_income"] = np.log(engel["income"])
    engel["log_foodexp"] = np.log(engel["foodexp"])
    for key, family in [("gamma", gl.Gamma(link="log")), ("inverse_gaussian", gl.InverseGaussian(link="log"))]:
        res = gl.glm("foodexp ~ log_income", data=engel, family=family, tol=1e-12)
        np.testing.assert_allclose(res.params.to_numpy(), list(r[key]["coefficients"].values()), rtol=RTOL)
        np.testing.assert_allclose(res.bse.to_numpy(), list(r[key]["se"].values()), rtol=1e-5)
        np.testing.assert_allclose(res.dispersion, r[key]["dispersion"], rtol=1e-5)
        np.testing.assert_allclose(res.aic, r[key]["aic"], rtol=RTOL)
    lognormal = gl.glm("log_foodexp ~ log_income", data=engel, family=gl.Gaussian())
    np.testing.assert_allclose(lognormal.aic, r["lognormal"]["aic_log_scale"], rtol=RTOL)
    # the Jacobian of y -> log y moves the AIC onto the scale of y
    np.testing.assert_allclose(lognormal.aic + 2 * engel["log_foodexp"].sum(), r["lognormal"]["aic_y_scale"], rtol=RTOL)


def test_engel_gamma_ml_shape_matches_mass_gamma_shape():
    # MASS::gamma.shape maximises the Gamma likelihood over the shape with glm's fitted means held fixed
    from scipy import optimize, special, stats

    r = R["engel"]["gamma_shape"]
    engel = gl.datasets.load_engel()
    engel["log_income"] = np.log(engel["income"])
    res = gl.glm("foodexp ~ log_income", data=engel, family=gl.Gamma(link="log"), tol=1e-12)
    y, mu = engel["foodexp"].to_numpy(), np.asarray(res.mu)
    shape = optimize.minimize_scalar(lambda a: -stats.gamma.logpdf(y, a=a, scale=mu / a).sum(),
                                     bounds=(1, 1000), method="bounded", options={"xatol": 1e-10}).x
    se = 1 / np.sqrt(len(y) * (special.polygamma(1, shape) - 1 / shape))
    np.testing.assert_allclose(shape, r["alpha"], rtol=1e-6)
    np.testing.assert_allclose(se, r["se"], rtol=1e-5)
    # the ML dispersion lies between the Pearson and the deviance estimates here
    assert res.dispersion < 1 / shape < res.deviance / res.df_resid
