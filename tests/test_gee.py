"""GEE against geepack::geeglm (fixtures from tests/r/gee.R) and for bad input."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl

FIXTURES = json.loads((Path(__file__).parent / "r" / "fixtures" / "gee.json").read_text())
CASES = {
    "ohio": ("resp ~ age + smoke", gl.datasets.load_ohio, "id", gl.Binomial),
    "epil": ("y ~ lbase + trt + lage + V4", gl.datasets.load_epil, "subject", gl.Poisson),
    "dietox": ("Weight ~ Time + Cu", gl.datasets.load_dietox, "Pig", gl.Gaussian),
}
KEYS = [(name, cs) for name in CASES for cs in ("independence", "exchangeable", "ar1")]


def _fit(name, cov_struct, data=None, **options):
    formula, loader, groups, family = CASES[name]
    return gl.gee(formula, loader() if data is None else data, groups=groups, family=family(), cov_struct=cov_struct, **options)


def _values(entry):
    return np.array(list(entry.values()))


@pytest.mark.parametrize("name, cov_struct", KEYS, ids=[f"{n}-{c}" for n, c in KEYS])
def test_matches_geeglm(name, cov_struct):
    expected = FIXTURES[f"{name}_{cov_struct}"]
    res = _fit(name, cov_struct)
    assert res.converged
    np.testing.assert_allclose(res.params.to_numpy(), _values(expected["params"]), rtol=1e-6)
    np.testing.assert_allclose(res.bse.to_numpy(), _values(expected["bse"]), rtol=1e-4)
    np.testing.assert_allclose(res.bse_naive.to_numpy(), _values(expected["bse_naive"]), rtol=1e-4)
    if cov_struct == "independence":
        assert res.correlation is None and expected["correlation"] is None
    else:
        assert res.correlation == pytest.approx(expected["correlation"], abs=1e-4)
    assert res.scale == pytest.approx(expected["scale"], rel=1e-6)
    qic = res.qic()
    for key, value in expected["qic"].items():
        assert qic[key] == pytest.approx(value, rel=1e-6, abs=1e-8), key
    assert res.n_clusters == expected["n_clusters"]


def test_independence_equals_glm_point_estimates():
    res = _fit("epil", "independence")
    glm = gl.glm("y ~ lbase + trt + lage + V4", gl.datasets.load_epil(), family=gl.Poisson())
    np.testing.assert_allclose(res.params, glm.params, rtol=1e-8)


def test_row_order_and_time():
    """Shuffled rows give the same fit when time= restores the order within clusters."""
    data = gl.datasets.load_epil()
    permutation = data.sample(frac=1.0, random_state=3).index.to_numpy()
    shuffled = data.loc[permutation].reset_index(drop=True)
    ordered = _fit("epil", "ar1")
    res = _fit("epil", "ar1", data=shuffled, time="period")
    np.testing.assert_allclose(res.params, ordered.params, rtol=1e-9)
    assert res.correlation == pytest.approx(ordered.correlation, rel=1e-9)
    # fitted values and residuals come back in the caller's row order
    np.testing.assert_allclose(res.mu, ordered.mu[permutation], rtol=1e-9)
    np.testing.assert_allclose(res.resid_pearson, ordered.resid_pearson[permutation], rtol=1e-7, atol=1e-12)


def test_summary_layout():
    text = _fit("ohio", "exchangeable").summary()
    assert "Std.err" in text and "Wald" in text and "Correlation structure = exchangeable" in text
    assert "Number of clusters: 537  Maximum cluster size: 4" in text


# --- bad input -----------------------------------------------------------------
def test_bad_cov_struct():
    with pytest.raises(ValueError, match="cov_struct must be one of"):
        _fit("ohio", "unstructured")


def test_missing_columns_and_labels():
    ohio = gl.datasets.load_ohio()
    with pytest.raises(ValueError, match="groups='nope' is not a column"):
        gl.gee("resp ~ age", ohio, groups="nope", family=gl.Binomial())
    with pytest.raises(ValueError, match="time='nope' is not a column"):
        gl.gee("resp ~ age", ohio, groups="id", family=gl.Binomial(), time="nope")
    X = np.column_stack([np.ones(len(ohio)), ohio["age"]])
    groups = ohio["id"].astype(float).where(ohio.index != 5)
    with pytest.raises(ValueError, match="groups has missing values at rows \\[5\\]"):
        gl.fit_gee(X, ohio["resp"], groups, family=gl.Binomial())
    with pytest.raises(ValueError, match="groups must be one label per row"):
        gl.fit_gee(X, ohio["resp"], ohio["id"][:-1], family=gl.Binomial())


def test_repeated_time_in_cluster():
    ohio = gl.datasets.load_ohio()
    ohio["visit"] = 0
    with pytest.raises(ValueError, match="time repeats within a cluster"):
        gl.gee("resp ~ age", ohio, groups="id", family=gl.Binomial(), cov_struct="ar1", time="visit")


def test_bad_response_and_family():
    ohio = gl.datasets.load_ohio()
    ohio.loc[3, "resp"] = 2
    with pytest.raises(ValueError, match="rows \\[3\\]"):
        gl.gee("resp ~ age", ohio, groups="id", family=gl.Binomial())
    with pytest.raises(TypeError, match="family must be a glm_lib Family"):
        gl.gee("resp ~ age", ohio, groups="id", family="binomial")


def test_singleton_clusters_cannot_estimate_correlation():
    data = pd.DataFrame({"y": np.arange(10.0), "x": np.arange(10.0) ** 2, "g": np.arange(10)})
    with pytest.raises(ValueError, match="every cluster has one observation"):
        gl.gee("y ~ x", data, groups="g", cov_struct="exchangeable")


def test_rank_deficient():
    data = gl.datasets.load_ohio()
    data["age2"] = 2 * data["age"]
    with pytest.raises(ValueError, match="rank-deficient"):
        gl.gee("resp ~ age + age2", data, groups="id", family=gl.Binomial())


def test_grouped_binomial_equals_expanded_rows_under_independence():
    """cbind counts (prior weights) and one 0/1 row per animal give the same estimates and robust SEs."""
    cbpp = gl.datasets.load_cbpp()
    grouped = gl.gee("cbind(incidence, size - incidence) ~ period", cbpp, groups="herd", family=gl.Binomial())
    rows = []
    for _, row in cbpp.iterrows():
        rows += [{"herd": row["herd"], "period": row["period"], "case": float(k < row["incidence"])} for k in range(row["size"])]
    animals = pd.DataFrame(rows)
    animals["period"] = pd.Categorical(animals["period"], categories=cbpp["period"].cat.categories)
    expanded = gl.gee("case ~ period", animals, groups="herd", family=gl.Binomial())
    glm = gl.glm("cbind(incidence, size - incidence) ~ period", cbpp, family=gl.Binomial())
    np.testing.assert_allclose(grouped.params, glm.params, rtol=1e-8)
    np.testing.assert_allclose(expanded.params, grouped.params, rtol=1e-8)
    np.testing.assert_allclose(expanded.bse, grouped.bse, rtol=1e-8)


# --------------------------------------------------------------------------
# small-sample corrections of the sandwich (Mancl-DeRouen, Kauermann-Carroll)
# --------------------------------------------------------------------------
def _direct_corrected_covariances(res, X, groups, time_order=None):
    """The corrections straight from their definitions, one cluster at a time, with explicit
    V_i, D_i and H_i = D_i B^{-1} D_i' V_i^{-1} (n_i x n_i), for comparison with the vectorised code."""
    from scipy import linalg

    family, beta = res.family, res.params.to_numpy()
    eta = X @ beta
    mu = family.link.inverse(eta)
    dmu = family.link.inverse_deriv(eta)
    v = family.variance(mu)
    alpha = res.correlation or 0.0
    pieces = []
    for label in pd.unique(groups):
        rows = np.flatnonzero(groups == label)
        s = len(rows)
        if res.cov_struct == "exchangeable":
            R = (1 - alpha) * np.eye(s) + alpha
        elif res.cov_struct == "ar1":
            R = alpha ** np.abs(np.subtract.outer(np.arange(s), np.arange(s)))
        else:
            R = np.eye(s)
        V = res.scale * np.sqrt(v[rows])[:, None] * R * np.sqrt(v[rows])[None, :]
        D = X[rows] * dmu[rows][:, None]
        pieces.append((D, V, res.y[rows] - mu[rows]))
    bread = sum(D.T @ np.linalg.solve(V, D) for D, V, _ in pieces)
    bread_inv = np.linalg.inv(bread)
    out = {}
    for name in ("san.se", "md", "kc"):
        meat = np.zeros_like(bread)
        for D, V, r in pieces:
            H = D @ bread_inv @ D.T @ np.linalg.inv(V)
            I_H = np.eye(len(r)) - H
            if name == "md":
                r = np.linalg.solve(I_H, r)
            elif name == "kc":
                r = np.linalg.solve(np.real(linalg.sqrtm(I_H)), r)
            score = D.T @ np.linalg.solve(V, r)
            meat += np.outer(score, score)
        out[name] = bread_inv @ meat @ bread_inv
    return out


@pytest.mark.parametrize("name, cov_struct", [("ohio", "exchangeable"), ("epil", "ar1"), ("epil", "independence"),
                                              ("dietox", "exchangeable")])
def test_small_sample_corrections_match_their_definitions(name, cov_struct):
    formula, loader, groups, family = CASES[name]
    data = loader()
    res = _fit(name, cov_struct, data=data)
    X = gl.glm(formula, data, family=family()).model_X
    expected = _direct_corrected_covariances(res, np.asarray(X), data[groups].to_numpy())
    for kind in ("san.se", "md", "kc"):
        np.testing.assert_allclose(res.cov_params(kind).to_numpy(), expected[kind], rtol=1e-7, err_msg=kind)
    # the corrections inflate the variances, MD more than KC
    san, kc, md = (np.diag(res.cov_params(k).to_numpy()) for k in ("san.se", "kc", "md"))
    assert (san < kc).all() and (kc < md).all()


def test_mancl_derouen_equals_statsmodels_bias_reduced():
    sm = pytest.importorskip("statsmodels.api")
    ohio = gl.datasets.load_ohio()
    res = gl.gee("resp ~ age + smoke", ohio, groups="id", family=gl.Binomial(), std_err="md")
    X = np.column_stack([np.ones(len(ohio)), ohio["age"], ohio["smoke"]])
    reference = sm.GEE(ohio["resp"], X, groups=ohio["id"], family=sm.families.Binomial(),
                       cov_struct=sm.cov_struct.Independence()).fit(cov_type="bias_reduced")
    np.testing.assert_allclose(res.bse.to_numpy(), np.asarray(reference.bse), rtol=1e-6)
    assert res.std_err == "md" and "Mancl-DeRouen" in res.summary()


def test_singleton_clusters_give_hc3_and_hc2():
    """With one observation per cluster and a linear model the corrections are the
    jackknife-type HC3 (Mancl-DeRouen) and HC2 (Kauermann-Carroll) covariances."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(5)
    n = 40
    data = pd.DataFrame({"x": rng.standard_normal(n), "z": rng.uniform(size=n)})
    data["y"] = 1 + data["x"] + rng.standard_normal(n) * (1 + data["z"])
    data["id"] = np.arange(n)
    res = gl.gee("y ~ x + z", data, groups="id", family=gl.Gaussian())
    ols = sm.OLS(data["y"], sm.add_constant(data[["x", "z"]]))
    for kind, hc in (("san.se", "HC0"), ("md", "HC3"), ("kc", "HC2")):
        np.testing.assert_allclose(res.cov_params(kind).to_numpy(), ols.fit(cov_type=hc).cov_params().to_numpy(),
                                   rtol=1e-6, err_msg=kind)


def test_bad_std_err():
    with pytest.raises(ValueError, match="std_err must be one of"):
        _fit("ohio", "independence", std_err="jack")
    res = _fit("ohio", "independence")
    with pytest.raises(ValueError, match="kind must be one of"):
        res.cov_params("hc3")
