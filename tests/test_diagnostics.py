"""glm_lib.diagnostics against R (fixtures from tests/r/diagnostics.R) and independent checks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from rdata import as_array, load_fixture, r_frame  # noqa: E402
from scipy import stats  # noqa: E402

import glm_lib as gl  # noqa: E402
from glm_lib import diagnostics as dg  # noqa: E402

R = load_fixture("diagnostics")
CASES = {case["name"]: case for case in R["cases"]}
RTOL = 1e-7


def fit_case(case):
    family = getattr(gl, case["family"])(link=case["link"])
    return gl.glm(case["formula"], r_frame(case["data"]), family=family, offset=case["offset"], tol=1e-12)


@pytest.fixture(scope="module", params=sorted(CASES) + ["negbin"])
def fitted(request):
    if request.param == "negbin":
        case = R["negbin"]
        res = gl.glm_nb(case["formula"], r_frame(case["data"]), tol=1e-12)
        np.testing.assert_allclose(1 / res.family.alpha, case["theta"], rtol=1e-6)
        return case, res, 1e-5  # theta is estimated to ~1e-7, the rest follows
    case = CASES[request.param]
    return case, fit_case(case), RTOL


def test_influence_matches_r(fitted):
    case, res, rtol = fitted
    np.testing.assert_allclose(res.params, case["coefficients"], rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(dg.hatvalues(res), case["hatvalues"], rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(dg.rstandard(res), case["rstandard_deviance"], rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(dg.rstandard(res, "pearson"), case["rstandard_pearson"], rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(dg.rstudent(res), case["rstudent"], rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(dg.cooks_distance(res), case["cooks_distance"], rtol=rtol, atol=1e-12)
    table = dg.dfbetas(res)
    assert list(table.columns) == list(res.params.index)
    np.testing.assert_allclose(table.to_numpy(), np.column_stack(case["dfbetas"]), rtol=rtol, atol=1e-10)


def test_partial_residuals_match_r(fitted):
    case, res, rtol = fitted
    for term, values in zip(case["partial_terms"], case["partial"]):
        table = dg.partial_residuals(res, term)  # factors are categoricals: R's term names
        np.testing.assert_allclose(table["partial"], values, rtol=rtol, atol=1e-9)


def test_vif_matches_car(fitted):
    case, res, _ = fitted
    if case["vif"] is None:
        return
    table = dg.vif(res)
    assert list(table.columns) == ["GVIF", "Df", "GVIF^(1/(2*Df))"]
    assert list(table.index) == case["vif"]["terms"]
    np.testing.assert_allclose(table["GVIF"], case["vif"]["GVIF"], rtol=1e-6)
    np.testing.assert_array_equal(table["Df"], case["vif"]["Df"])
    np.testing.assert_allclose(table["GVIF^(1/(2*Df))"], case["vif"]["root"], rtol=1e-6)


def test_vif_of_one_column_terms_is_one_over_one_minus_r2():
    # Independent reference: regress each predictor on the others.
    res = fit_case(CASES["gamma_log_mtcars"])
    frame = r_frame(CASES["gamma_log_mtcars"]["data"])
    wt, hp = frame["wt"].to_numpy(), frame["hp"].to_numpy()
    r2 = np.corrcoef(wt, hp)[0, 1] ** 2
    # For two predictors the coefficient correlation is minus the predictors'
    # weighted correlation, so both VIFs are 1 / (1 - r^2) with the weights.
    w = res.working_weights
    cw = np.cov(np.column_stack([wt, hp]).T, aweights=w)
    r2w = cw[0, 1] ** 2 / (cw[0, 0] * cw[1, 1])
    np.testing.assert_allclose(dg.vif(res)["GVIF"], [1 / (1 - r2w)] * 2, rtol=1e-10)
    assert r2 > 0.3  # the example is not trivially uncorrelated


def test_hosmer_lemeshow_matches_hoslem_test():
    res = fit_case(CASES["binomial_binary_birthwt"])
    for g, key in ((10, "g10"), (6, "g6")):
        ref = R["hoslem"][key]
        hl = dg.hosmer_lemeshow(res, groups=g)
        np.testing.assert_allclose(hl.statistic, ref["statistic"], rtol=1e-8)
        assert hl.df == ref["df"]
        np.testing.assert_allclose(hl.p_value, ref["p_value"], rtol=1e-7)
        np.testing.assert_allclose(hl.table["observed"], ref["observed"])
        np.testing.assert_allclose(hl.table["expected"], ref["expected"], rtol=1e-8)


def test_rootogram_expected_frequencies_match_r():
    crabs = gl.datasets.load_crabs()
    ref = R["rootogram"]
    pois = gl.glm("satellites ~ width", crabs, family=gl.Poisson(), tol=1e-12)
    table = dg.rootogram(pois)
    assert list(table.index) == ref["counts"]
    np.testing.assert_allclose(table["expected"], ref["poisson"], rtol=1e-8)
    assert table["observed"].sum() == len(crabs) and table.loc[0, "observed"] == (crabs["satellites"] == 0).sum()
    nb = gl.glm_nb("satellites ~ width", crabs, tol=1e-12)
    np.testing.assert_allclose(dg.rootogram(nb)["expected"], ref["negbin"], rtol=1e-5)


def test_roc_and_auc_against_mann_whitney():
    res = fit_case(CASES["binomial_binary_birthwt"])
    y, mu = res.y, res.mu
    u = stats.mannwhitneyu(mu[y == 1], mu[y == 0]).statistic
    value = dg.auc(res)
    np.testing.assert_allclose(value, u / ((y == 1).sum() * (y == 0).sum()), rtol=1e-12)
    roc = dg.roc_curve(res)
    assert roc.iloc[0][["fpr", "tpr"]].tolist() == [0, 0] and roc.iloc[-1][["fpr", "tpr"]].tolist() == [1, 1]
    np.testing.assert_allclose(np.trapezoid(roc["tpr"], roc["fpr"]), value, rtol=1e-12)
    np.testing.assert_allclose(dg.brier_score(res), np.mean((y - mu) ** 2))


def test_binned_residuals_and_calibration_are_consistent():
    res = fit_case(CASES["binomial_binary_birthwt"])
    table = dg.binned_residuals(res)
    assert table["n"].sum() == res.nobs and len(table) == int(np.sqrt(res.nobs))
    # With an intercept the residuals sum to zero, so the bin means, weighted by size, do too.
    np.testing.assert_allclose((table["mean_resid"] * table["n"]).sum(), 0, atol=1e-8)
    assert table["mean_fitted"].is_monotonic_increasing
    # The bound is two binomial standard errors of the bin mean under the model.
    order = np.argsort(res.mu, kind="stable")
    first = res.mu[np.array_split(order, len(table))[0]]
    np.testing.assert_allclose(table["bound"].iloc[0], 2 * np.sqrt(np.sum(first * (1 - first))) / first.size)
    cal = dg.calibration(res)
    hl = dg.hosmer_lemeshow(res)
    np.testing.assert_allclose(cal["observed"] * cal["n"], hl.table["observed"])
    assert np.all((cal["lower"] <= cal["observed"]) & (cal["observed"] <= cal["upper"]))


def test_halfnormal_envelope_contains_most_points_of_a_correct_model():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 2, 200)
    y = rng.poisson(np.exp(0.5 + 0.7 * x))
    res = gl.fit(np.column_stack([np.ones_like(x), x]), y, family=gl.Poisson())
    table = dg.halfnormal_envelope(res, n_sim=19, seed=2)
    assert table["observed"].is_monotonic_increasing and table["quantile"].is_monotonic_increasing
    inside = (table["observed"] >= table["lower"]) & (table["observed"] <= table["upper"])
    assert inside.mean() > 0.8
    again = dg.halfnormal_envelope(res, n_sim=19, seed=2)
    pd.testing.assert_frame_equal(table, again)  # seeded: reproducible


def test_simulate_has_the_fitted_mean_and_variance():
    res = fit_case(CASES["gamma_log_mtcars"])
    draws = dg.simulate(res, n_sim=20000, seed=3)
    np.testing.assert_allclose(draws.mean(axis=0), res.mu, rtol=0.02)
    np.testing.assert_allclose(draws.var(axis=0), res.dispersion * res.mu**2, rtol=0.08)


def test_plots_return_axes():
    binary = fit_case(CASES["binomial_binary_birthwt"])
    counts = gl.glm("satellites ~ width", gl.datasets.load_crabs(), family=gl.Poisson())
    for ax in (dg.plot_binned_residuals(binary), dg.plot_roc(binary), dg.plot_calibration(binary),
               dg.plot_rootogram(counts), dg.plot_partial_residuals(counts, "width"),
               dg.plot_halfnormal(counts, n_sim=5)):
        assert isinstance(ax, matplotlib.axes.Axes) and ax.get_title()
    plt.close("all")


def test_bad_input_is_refused_with_clear_messages():
    counts = gl.glm("satellites ~ width", gl.datasets.load_crabs(), family=gl.Poisson())
    grouped = fit_case(CASES["binomial_counts_budworm"])
    with pytest.raises(TypeError, match="fitted GLM"):
        dg.hatvalues("not a fit")
    with pytest.raises(ValueError, match="type must be"):
        dg.rstandard(counts, type="working")
    with pytest.raises(ValueError, match="binomial fits"):
        dg.auc(counts)
    with pytest.raises(ValueError, match="one trial per row"):
        dg.hosmer_lemeshow(grouped)
    with pytest.raises(ValueError, match="Poisson and negative binomial"):
        dg.rootogram(grouped)
    with pytest.raises(ValueError, match="not a term"):
        dg.partial_residuals(counts, "weight")
    with pytest.raises(ValueError, match="at least 2 terms"):
        dg.vif(counts)
    with pytest.raises(ValueError, match="kind must be"):
        dg.halfnormal_envelope(counts, kind="raw")
    with pytest.raises(ValueError, match="groups must be at least 3"):
        dg.hosmer_lemeshow(fit_case(CASES["binomial_binary_birthwt"]), groups=2)
    quasi = fit_case(CASES["quasipoisson_quine"])
    with pytest.raises(ValueError, match="no distribution"):
        dg.simulate(quasi)


# --- randomized quantile residuals (Dunn & Smyth, 1996) ------------------------------
CLOT_U = np.array([5, 10, 15, 20, 30, 40, 60, 80, 100.0])
CLOT_LOT1 = np.array([118, 58, 42, 35, 27, 25, 21, 19, 18.0])


@pytest.mark.parametrize("family, expected", [
    # R: statmod::qresiduals(glm(lot1 ~ log(u), Gamma)), printed to 6 decimals
    (gl.Gamma(), [-0.793923, 1.763551, 1.007352, 0.603819, -0.761219, 0.038981, -0.563687, -0.742845, -0.516711]),
    # R: statmod::qresiduals(glm(lot1 ~ log(u), gaussian))
    (gl.Gaussian(), [1.840871, -0.648267, -0.932572, -0.867260, -0.660723, -0.288635, 0.163323, 0.535411, 0.857852]),
    # R: statmod::qresiduals(ig, dispersion = summary(ig)$dispersion), ig = glm(lot1 ~ log(u), inverse.gaussian)
    (gl.InverseGaussian(), [-0.189533, 1.561405, 1.135132, 0.790451, 0.034164, -0.002452, -0.562362, -0.883683,
                            -1.010829]),
])
def test_quantile_residuals_of_continuous_families_match_statmod(family, expected):
    res = gl.glm("lot1 ~ np.log(u)", pd.DataFrame({"u": CLOT_U, "lot1": CLOT_LOT1}), family=family)
    # statmod's dispersion is the Pearson sum over df; res.dispersion equals it up to the IRLS tolerance
    np.testing.assert_allclose(dg.qresiduals(res), expected, atol=2e-5)


def test_quantile_residuals_of_counts_lie_between_the_cdf_jumps_and_are_seeded():
    y = np.array([0, 1, 0, 2, 5, 0, 1, 3.0])
    res = gl.glm("y ~ x", pd.DataFrame({"y": y, "x": np.arange(1, 9.0)}), family=gl.Poisson())
    # R: ppois(y - 1, fitted(glm(y ~ x, poisson))) and ppois(y, ...)
    lower = np.array([0.000000, 0.438092, 0.000000, 0.652721, 0.981568, 0.000000, 0.107923, 0.489936])
    upper = np.array([0.508263, 0.799661, 0.365492, 0.873476, 0.995587, 0.161126, 0.348196, 0.710763])
    v = stats.norm.cdf(dg.qresiduals(res, seed=3).to_numpy())
    assert np.all(v >= lower - 1e-6) and np.all(v <= upper + 1e-6)
    pd.testing.assert_series_equal(dg.qresiduals(res, seed=3), dg.qresiduals(res, seed=3))
    assert not np.allclose(dg.qresiduals(res, seed=3), dg.qresiduals(res, seed=4))


def test_quantile_residuals_of_a_true_binary_model_are_standard_normal():
    rng = np.random.default_rng(11)
    x = rng.normal(size=4000)
    y = rng.binomial(1, 1 / (1 + np.exp(-(0.3 + x))))
    res = gl.glm("y ~ x", pd.DataFrame({"y": y, "x": x}), family=gl.Binomial())
    r = dg.qresiduals(res, seed=5)
    assert stats.kstest(r, "norm").pvalue > 0.01
    grouped = gl.glm("cbind(s, 6 - s) ~ x", pd.DataFrame({"s": rng.binomial(6, 0.3, 50), "x": rng.normal(size=50)}),
                     family=gl.Binomial())
    assert dg.qresiduals(grouped).shape == (50,)


def test_quantile_residuals_refuse_quasi_families():
    res = gl.glm("y ~ x", pd.DataFrame({"y": [1, 3, 2, 5.0], "x": [1, 2, 3, 4.0]}), family=gl.QuasiPoisson())
    with pytest.raises(ValueError, match="no distribution function"):
        dg.qresiduals(res)
    with pytest.raises(TypeError, match="fitted GLM"):
        dg.qresiduals("not a fit")
