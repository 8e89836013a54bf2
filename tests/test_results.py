"""The results object: summary text, predictions, residuals, intervals, anova, formulas, history, HTML."""

from __future__ import annotations

import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.anova import anova_lm

import glm_lib as gl


def squash(text: str) -> str:
    """Collapse runs of spaces so layout checks do not depend on column widths."""
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def close(a, b, rtol=1e-6, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


@pytest.fixture(scope="module")
def dobson():
    return gl.glm("counts ~ outcome + treatment", data=gl.datasets.load_dobson(), family=gl.Poisson())


@pytest.fixture(scope="module")
def clotting():
    return gl.glm("lot1 ~ np.log(u)", data=gl.datasets.load_clotting(), family=gl.Gamma())


@pytest.fixture(scope="module")
def crabs_data():
    return gl.datasets.load_crabs()


@pytest.fixture(scope="module")
def crabs_poisson(crabs_data):
    res = gl.glm("satellites ~ width + weight", data=crabs_data, family=gl.Poisson(), tol=1e-13)
    sm_res = sm.GLM(res.y, res.model_X, family=sm.families.Poisson()).fit(tol=1e-13)
    return res, sm_res


# --- summary() ------------------------------------------------------------------------------


def test_summary_layout_poisson(dobson):
    text = dobson.summary()
    flat = squash(text)
    assert "Coefficients:" in text
    assert "Estimate Std. Error z value Pr(>|z|)" in flat
    assert "(Dispersion parameter for Poisson family taken to be 1)" in text
    assert re.search(r"^ +Null deviance: 10\.5814 +on 8 degrees of freedom$", text, re.M)
    assert re.search(r"^Residual deviance: +5\.1291 +on 4 degrees of freedom$", text, re.M)
    assert "AIC: 56.761" in text
    assert re.search(r"^Number of Fisher Scoring iterations: \d+$", text, re.M)
    assert "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1" in text
    # One line per coefficient, with R's stars.
    for name in dobson.params.index:
        assert re.search(rf"^{re.escape(name)} ", text, re.M), name
    assert re.search(r"^Intercept .*<2e-16 \*\*\*$", text, re.M)
    assert re.search(r"^outcome\[T\.2\] .* 0\.0246 \*$", text, re.M)
    assert str(dobson) == text


def test_summary_uses_t_when_dispersion_is_estimated(clotting):
    flat = squash(clotting.summary())
    assert "Estimate Std. Error t value Pr(>|t|)" in flat
    assert "z value" not in flat
    assert "(Dispersion parameter for Gamma family taken to be 0.002446059)" in flat
    assert "AIC: 37.990" in flat or "AIC: 37.99" in flat
    assert list(clotting.coef_table().columns) == ["Estimate", "Std. Error", "t value", "Pr(>|t|)"]


def test_summary_binomial_and_gaussian():
    challenger = gl.datasets.load_challenger()
    challenger["intact"] = challenger["n"] - challenger["distressed"]
    binom = gl.glm("cbind(distressed, intact) ~ temp", data=challenger, family=gl.Binomial())
    assert "(Dispersion parameter for Binomial family taken to be 1)" in binom.summary()
    assert "z value" in binom.summary()
    gauss = gl.glm("salary ~ years_experience", data=gl.datasets.load_salary())
    text = gauss.summary()
    assert "t value" in text and "Dispersion parameter for Gaussian family taken to be" in text
    shown = float(re.search(r"Gaussian family taken to be ([0-9.e+]+)\)", text).group(1))
    close(shown, gauss.dispersion, rtol=1e-6)
    # The Gaussian dispersion is the residual mean square.
    close(gauss.dispersion, gauss.deviance / gauss.df_resid, rtol=1e-10)


def test_summary_quasi_family_has_no_aic(crabs_data):
    res = gl.glm("satellites ~ width", data=crabs_data, family=gl.QuasiPoisson())
    assert "AIC: NA" in res.summary()
    assert "t value" in res.summary()
    with pytest.raises(ValueError, match="no likelihood"):
        res.aic  # noqa: B018


def test_t_vs_z_pvalues(clotting, dobson):
    # Estimated dispersion: two-sided t on df_resid; fixed: two-sided normal.
    close(clotting.pvalues, 2 * stats.t.sf(np.abs(clotting.tvalues), clotting.df_resid), rtol=1e-12)
    close(dobson.pvalues, 2 * stats.norm.sf(np.abs(dobson.tvalues)), rtol=1e-12)


# --- predict ------------------------------------------------------------------------------------


def test_predict_link_equals_eta(crabs_poisson):
    res, _ = crabs_poisson
    close(res.predict(kind="link"), res.eta, rtol=1e-12)
    close(res.predict(), res.mu, rtol=1e-12)
    close(np.log(res.predict()), res.predict(kind="link"), rtol=1e-12)


def test_predict_new_dataframe_through_formula(crabs_data, crabs_poisson):
    res, _ = crabs_poisson
    new = pd.DataFrame({"width": [22.0, 26.0, 30.0], "weight": [1.5, 2.5, 3.5]})
    expected = np.exp(res.params["Intercept"] + res.params["width"] * new["width"] + res.params["weight"] * new["weight"])
    close(res.predict(new), expected, rtol=1e-12)


@pytest.mark.parametrize("kind", ["response", "link"])
def test_predict_interval_matches_statsmodels_poisson(crabs_poisson, kind):
    res, sm_res = crabs_poisson
    X_new = np.column_stack([np.ones(4), [21.0, 24.0, 27.0, 33.0], [1.2, 2.0, 3.1, 5.2]])
    ours = res.predict(X_new, kind=kind, interval=True)
    expected = ["fit", "lower", "upper", "se_link"] + (["se_response"] if kind == "response" else [])
    assert list(ours.columns) == expected
    linear = sm_res.get_prediction(X_new, which="linear").summary_frame()
    close(ours["se_link"], linear["se"], rtol=1e-6)
    if kind == "link":
        close(ours["fit"], linear["predicted"], rtol=1e-6)
        close(ours["lower"], linear["ci_lower"], rtol=1e-6)
        close(ours["upper"], linear["ci_upper"], rtol=1e-6)
    else:
        mean = sm_res.get_prediction(X_new).summary_frame()
        close(ours["fit"], mean["mean"], rtol=1e-6)
        close(ours["lower"], mean["mean_ci_lower"], rtol=1e-6)
        close(ours["upper"], mean["mean_ci_upper"], rtol=1e-6)
        close(ours["se_response"], mean["mean_se"], rtol=1e-6)


def test_predict_interval_matches_statsmodels_binomial():
    data = gl.datasets.load_challenger()
    data["intact"] = data["n"] - data["distressed"]
    res = gl.glm("cbind(distressed, intact) ~ temp", data=data, family=gl.Binomial(), tol=1e-13)
    sm_res = sm.GLM(data[["distressed", "intact"]].to_numpy(float), res.model_X, family=sm.families.Binomial()).fit(tol=1e-13)
    new = pd.DataFrame({"temp": [31.0, 50.0, 65.0, 80.0]})
    ours = res.predict(new, interval=True, alpha=0.1)
    theirs = sm_res.get_prediction(np.column_stack([np.ones(4), new["temp"]])).summary_frame(alpha=0.1)
    close(ours["fit"], theirs["mean"], rtol=1e-6)
    close(ours["lower"], theirs["mean_ci_lower"], rtol=1e-6)
    close(ours["upper"], theirs["mean_ci_upper"], rtol=1e-6)
    # Intervals built on the logit scale stay inside (0, 1) and contain the fit.
    assert np.all((ours["lower"] > 0) & (ours["upper"] < 1))
    assert np.all((ours["lower"] < ours["fit"]) & (ours["fit"] < ours["upper"]))


def test_predict_interval_estimated_dispersion_uses_t(clotting):
    u = np.array([10.0, 40.0])
    X_new = np.column_stack([np.ones(2), np.log(u)])
    out = clotting.predict(X_new, kind="link", interval=True)
    cov = clotting.cov_params().to_numpy()
    se = np.sqrt(np.einsum("ij,jk,ik->i", X_new, cov, X_new))
    q = stats.t.ppf(0.975, clotting.df_resid)
    eta = X_new @ clotting.params.to_numpy()
    close(out["se_link"], se, rtol=1e-10)
    close(out["lower"], eta - q * se, rtol=1e-10)
    close(out["upper"], eta + q * se, rtol=1e-10)
    # On the response scale the inverse link is decreasing: the ends swap, not cross.
    resp = clotting.predict(X_new, interval=True)
    close(resp["lower"], 1 / (eta + q * se), rtol=1e-10)
    close(resp["upper"], 1 / (eta - q * se), rtol=1e-10)


def test_predict_bad_inputs(crabs_poisson):
    res, _ = crabs_poisson
    with pytest.raises(ValueError, match="kind must be 'response' or 'link'"):
        res.predict(kind="mean")
    with pytest.raises(ValueError, match="X_new must have 3 columns"):
        res.predict(np.ones((2, 5)))
    with pytest.raises(ValueError, match="X_new contains NaN"):
        res.predict(np.array([[1.0, np.nan, 2.0]]))


# --- residuals ----------------------------------------------------------------------------------------


def test_residuals_match_statsmodels_poisson(crabs_poisson):
    res, sm_res = crabs_poisson
    close(res.resid_response, sm_res.resid_response, rtol=1e-6, atol=1e-9)
    close(res.resid_pearson, sm_res.resid_pearson, rtol=1e-6, atol=1e-9)
    close(res.resid_deviance, sm_res.resid_deviance, rtol=1e-6, atol=1e-9)
    close(res.resid_working, sm_res.resid_working, rtol=1e-6, atol=1e-9)
    close(np.sum(res.resid_deviance**2), res.deviance, rtol=1e-10)
    close(np.sum(res.resid_pearson**2), res.pearson_chi2, rtol=1e-10)


def test_residuals_match_statsmodels_weighted_gamma():
    rng = np.random.default_rng(17)
    n = 150
    X = np.column_stack([np.ones(n), rng.uniform(-1, 1, n)])
    mu = np.exp(0.5 + 0.7 * X[:, 1])
    y = rng.gamma(4.0, mu / 4.0)
    w = rng.uniform(0.5, 3.0, n)
    res = gl.fit(X, y, family=gl.Gamma("log"), weights=w, tol=1e-13)
    sm_res = sm.GLM(y, X, family=sm.families.Gamma(sm.families.links.Log()), var_weights=w).fit(tol=1e-13)
    close(res.resid_response, sm_res.resid_response, rtol=1e-6, atol=1e-9)
    close(res.resid_pearson, sm_res.resid_pearson, rtol=1e-6, atol=1e-9)
    close(res.resid_deviance, sm_res.resid_deviance, rtol=1e-6, atol=1e-9)
    close(res.resid_working, sm_res.resid_working, rtol=1e-6, atol=1e-9)


# --- conf_int ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_conf_int_fixed_dispersion_matches_statsmodels(crabs_poisson, alpha):
    res, sm_res = crabs_poisson
    ours = res.conf_int(alpha)
    theirs = sm_res.conf_int(alpha)
    assert list(ours.columns) == ["lower", "upper"]
    close(ours["lower"], theirs[:, 0], rtol=1e-6)
    close(ours["upper"], theirs[:, 1], rtol=1e-6)


def test_conf_int_estimated_dispersion_uses_t(clotting):
    ci = clotting.conf_int(0.05)
    q = stats.t.ppf(0.975, 7)
    close(ci["lower"], clotting.params - q * clotting.bse, rtol=1e-12)
    close(ci["upper"], clotting.params + q * clotting.bse, rtol=1e-12)
    # The t interval is wider than the normal one on 7 df.
    assert np.all(ci["upper"] - ci["lower"] > 2 * stats.norm.ppf(0.975) * clotting.bse)


def test_conf_int_rejects_bad_alpha(dobson):
    for alpha in (0.0, 1.0, -0.1, 2.0):
        with pytest.raises(ValueError, match="alpha must be between 0 and 1"):
            dobson.conf_int(alpha)


# --- anova ----------------------------------------------------------------------------------------------


def test_anova_dobson_matches_r():
    data = gl.datasets.load_dobson()
    null = gl.glm("counts ~ 1", data=data, family=gl.Poisson())
    outcome = gl.glm("counts ~ outcome", data=data, family=gl.Poisson())
    both = gl.glm("counts ~ outcome + treatment", data=data, family=gl.Poisson())
    table = gl.anova(null, outcome, both)
    # R: anova(glm.D93, test = "Chisq"): NULL 8 10.5814; outcome 2 5.4523 -> 6 5.1291, p 0.06547;
    # treatment 2 0.0000 -> 4 5.1291, p 1.
    assert table["Resid. Df"].tolist() == [8, 6, 4]
    close(table["Resid. Dev"], [10.5814459, 5.1291411, 5.1291411], rtol=1e-6)
    assert np.isnan(table["Df"].iloc[0]) and table["Df"].iloc[1:].tolist() == [2.0, 2.0]
    close(table["Deviance"].iloc[1], 5.4523, atol=5e-5)
    close(table["Deviance"].iloc[2], 0.0, atol=1e-8)
    close(table["Pr(>Chi)"].iloc[1], stats.chi2.sf(table["Deviance"].iloc[1], 2), rtol=1e-10)
    assert round(table["Pr(>Chi)"].iloc[1], 5) == 0.06547
    close(table["Pr(>Chi)"].iloc[2], 1.0, atol=1e-8)
    # Two models give the same last row.
    pair = gl.anova(outcome, both)
    close(pair["Deviance"].iloc[1], table["Deviance"].iloc[2], atol=1e-10)


def test_anova_gaussian_f_test_matches_statsmodels():
    rng = np.random.default_rng(4)
    n = 80
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "g": rng.choice(list("abc"), n)})
    frame["y"] = 1 + 0.5 * frame["x1"] + 0.3 * frame["x2"] + (frame["g"] == "b") * 0.4 + rng.normal(size=n)
    small = gl.glm("y ~ x1", data=frame)
    big = gl.glm("y ~ x1 + x2 + g", data=frame)
    table = gl.anova(small, big)
    assert "F" in table.columns and "Pr(>F)" in table.columns
    ols_small = sm.OLS(small.y, small.model_X).fit()
    ols_big = sm.OLS(big.y, big.model_X).fit()
    ref = anova_lm(ols_small, ols_big)
    close(table["Resid. Dev"], ref["ssr"], rtol=1e-10)
    close(table["Df"].iloc[1], ref["df_diff"].iloc[1], rtol=0)
    close(table["Deviance"].iloc[1], ref["ss_diff"].iloc[1], rtol=1e-8)
    close(table["F"].iloc[1], ref["F"].iloc[1], rtol=1e-8)
    close(table["Pr(>F)"].iloc[1], ref["Pr(>F)"].iloc[1], rtol=1e-6)


def test_anova_rejects_mismatched_models(dobson):
    crabs = gl.datasets.load_crabs()
    other = gl.glm("satellites ~ width", data=crabs, family=gl.Poisson())
    with pytest.raises(ValueError, match="same responses"):
        gl.anova(dobson, other)
    with pytest.raises(ValueError, match="needs a fitted model"):
        gl.anova()
    small = gl.glm("counts ~ outcome", data=gl.datasets.load_dobson(), family=gl.Poisson())
    with pytest.raises(ValueError, match="smallest to largest"):
        gl.anova(dobson, small)


# --- formula interface ------------------------------------------------------------------------------------


def test_formula_names(dobson):
    assert list(dobson.params.index) == ["Intercept", "outcome[T.2]", "outcome[T.3]", "treatment[T.2]", "treatment[T.3]"]
    assert dobson.formula == "counts ~ outcome + treatment"
    assert "Formula: counts ~ outcome + treatment" in dobson.summary()


def test_formula_matches_matrix_fit(dobson):
    res = gl.fit(dobson.model_X, dobson.y, family=gl.Poisson(), feature_names=list(dobson.params.index))
    close(res.params, dobson.params, rtol=1e-12, atol=1e-12)
    close(res.bse, dobson.bse, rtol=1e-12)


def test_formula_cbind_response():
    bud = gl.datasets.load_budworm()
    via_formula = gl.glm("cbind(dead, alive) ~ ldose", data=bud, family=gl.Binomial())
    X = np.column_stack([np.ones(len(bud)), bud["ldose"]])
    direct = gl.fit(X, bud[["dead", "alive"]].to_numpy(float), family=gl.Binomial())
    close(via_formula.params.to_numpy(), direct.params.to_numpy(), rtol=1e-12)
    close(via_formula.deviance, direct.deviance, rtol=1e-12)
    assert list(via_formula.params.index) == ["Intercept", "ldose"]
    # cbind with an expression as the second column, as R allows.
    bud["total"] = bud["dead"] + bud["alive"]
    expr = gl.glm("cbind(dead, total - dead) ~ ldose", data=bud, family=gl.Binomial())
    close(expr.params.to_numpy(), direct.params.to_numpy(), rtol=1e-12)


def test_formula_offset_as_column_name():
    ships = gl.datasets.load_ships()
    ships = ships[ships["service"] > 0].copy()
    ships["log_service"] = np.log(ships["service"])
    by_name = gl.glm("incidents ~ type", data=ships, family=gl.Poisson(), offset="log_service")
    by_values = gl.glm("incidents ~ type", data=ships, family=gl.Poisson(), offset=ships["log_service"].to_numpy())
    close(by_name.params, by_values.params, rtol=1e-12)
    close(by_name.offset, ships["log_service"], rtol=0)
    with pytest.raises(ValueError, match="offset='nope' is not a column of data"):
        gl.glm("incidents ~ type", data=ships, family=gl.Poisson(), offset="nope")


def test_formula_weights_as_column_name():
    table = gl.datasets.load_horsekick_table()
    res = gl.glm("deaths ~ 1", data=table, family=gl.Poisson(), weights="corps_years")
    close(res.params["Intercept"], np.log(122 / 200), rtol=1e-6)


def test_formula_nan_in_data_is_a_clear_error():
    data = gl.datasets.load_dobson()
    data["counts"] = data["counts"].astype(float)
    data.loc[3, "counts"] = np.nan
    with pytest.raises(ValueError) as info:
        gl.glm("counts ~ outcome + treatment", data=data, family=gl.Poisson())
    message = str(info.value)
    assert "counts" in message
    # Like every other bad-input error, it should point at the offending row.
    assert re.search(r"rows? \[?3\b", message), message


def test_formula_nan_in_predictor():
    crabs = gl.datasets.load_crabs()
    crabs.loc[[5, 40], "width"] = np.nan
    with pytest.raises(ValueError, match="width"):
        gl.glm("satellites ~ width", data=crabs, family=gl.Poisson())


def test_formula_without_response_or_dataframe():
    with pytest.raises(ValueError, match="formula needs a response"):
        gl.glm("x", data=pd.DataFrame({"x": [1.0]}))
    with pytest.raises(TypeError, match="data must be a pandas DataFrame"):
        gl.glm("y ~ x", data={"y": [1.0], "x": [2.0]})


# --- history --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["irls", "newton"])
def test_history(dobson, method):
    res = gl.glm("counts ~ outcome + treatment", data=gl.datasets.load_dobson(), family=gl.Poisson(), method=method)
    hist = res.history
    assert len(hist) == res.n_iter
    assert hist["iteration"].tolist() == list(range(1, res.n_iter + 1))
    assert list(hist.columns) == ["iteration", "deviance", *res.params.index]
    assert hist["deviance"].iloc[-1] == res.deviance
    close(hist.iloc[-1][list(res.params.index)].to_numpy(float), res.params.to_numpy(), rtol=0, atol=0)
    # Fisher scoring with step halving never lets the deviance rise.
    assert np.all(np.diff(hist["deviance"].to_numpy()) <= 1e-9 * hist["deviance"].iloc[0])


def test_history_gradient_descent_starts_at_zero():
    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(50), rng.uniform(-1, 1, 50)])
    y = rng.poisson(np.exp(0.5 + 0.5 * X[:, 1])).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.ConvergenceWarning)
        res = gl.fit(X, y, family=gl.Poisson(), method="gd", learning_rate=5e-3, max_iter=50)
    assert res.history["iteration"].iloc[0] == 0
    assert np.all(res.history.iloc[0][["x0", "x1"]].to_numpy(float) == 0.0)
    assert res.history["deviance"].iloc[-1] == res.deviance


# --- HTML ------------------------------------------------------------------------------------------------


class _TableCounter(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def test_repr_html_is_a_table(dobson):
    html = dobson._repr_html_()
    parser = _TableCounter()
    parser.feed(html)
    assert not parser.open, f"unclosed tags {parser.open}"
    assert parser.tags.count("table") == 1
    assert parser.tags.count("tr") == 1 + len(dobson.params)  # header + one row per coefficient
    text = " ".join(parser.text)
    for piece in ["Estimate", "Std. Error", "z value", "Pr(>|z|)", "outcome[T.2]", "AIC: 56.761", "Null deviance: 10.5814"]:
        assert piece in text, piece


# --- influence ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", ["poisson", "gamma"])
def test_influence_matches_statsmodels(crabs_poisson, family):
    if family == "poisson":
        res, sm_res = crabs_poisson
    else:
        rng = np.random.default_rng(21)
        n = 120
        X = np.column_stack([np.ones(n), rng.uniform(-1, 1, n), rng.normal(size=n)])
        y = rng.gamma(3.0, np.exp(0.4 + 0.5 * X[:, 1] - 0.2 * X[:, 2]) / 3.0)
        res = gl.fit(X, y, family=gl.Gamma("log"), tol=1e-13)
        sm_res = sm.GLM(y, X, family=sm.families.Gamma(sm.families.links.Log())).fit(tol=1e-13)
    # R's hatvalues use the expected information (IRLS weights); statsmodels'
    # default is the observed one, which differs for non-canonical links.
    h = sm_res.get_hat_matrix_diag(observed=False)
    close(res.leverage, h, rtol=1e-6)
    close(res.leverage.sum(), res.rank, rtol=1e-8)  # the trace of the hat matrix
    if family == "poisson":  # canonical link: observed = expected, so statsmodels' influence applies
        close(res.cooks_distance, sm_res.get_influence().cooks_distance[0], rtol=1e-6)
    cooks = (sm_res.resid_pearson / (1 - h)) ** 2 * h / (sm_res.scale * len(sm_res.params))
    close(res.cooks_distance, cooks, rtol=1e-6)
    # R's rstandard.glm: deviance residuals over sqrt(dispersion * (1 - h)).
    close(res.resid_studentized, sm_res.resid_deviance / np.sqrt(sm_res.scale * (1 - h)), rtol=1e-6, atol=1e-9)
