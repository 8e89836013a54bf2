"""Fits on dask arrays equal the in-memory fits (issue 13).

Every case fits the same data twice, once from numpy arrays and once from dask
arrays chunked by rows, and compares everything the results report: the map-
reduce over chunks must take the same IRLS steps as the in-memory loop.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import glm_lib as gl

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

RTOL = 1e-9
CHUNK = 700  # rows per chunk: several chunks, the last one shorter


def _simulate(family: str, n: int = 3000, seed: int = 13):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.standard_normal((n, 3)), rng.integers(0, 2, n)])
    eta = X @ np.array([0.3, 0.4, -0.3, 0.2, 0.5])
    weights = rng.integers(1, 4, n).astype(float)
    offset = rng.normal(0.0, 0.2, n)
    if family == "poisson":
        y = rng.poisson(np.exp(eta + offset)).astype(float)
    elif family == "binomial":
        y = rng.binomial(weights.astype(int), 1 / (1 + np.exp(-(eta + offset)))) / weights
    elif family == "gamma":
        mean = np.exp(0.1 * eta + offset)
        y = rng.gamma(2.0, mean / 2.0)
    else:
        y = eta + offset + rng.standard_normal(n)
    return X, y, weights, offset


FAMILIES = {
    "poisson": lambda: gl.Poisson(),
    "binomial": lambda: gl.Binomial(),
    "probit": lambda: gl.Binomial("probit"),
    "gamma": lambda: gl.Gamma("log"),
    "gaussian": lambda: gl.Gaussian(),
}
DATA = {"poisson": "poisson", "binomial": "binomial", "probit": "binomial", "gamma": "gamma", "gaussian": "gaussian"}


def _dask(values):
    return da.from_array(values, chunks=(CHUNK,) + values.shape[1:])


def assert_same_fit(lazy, eager):
    """Every reported number equal to RTOL; per-row results lazy and equal."""
    np.testing.assert_allclose(lazy.params, eager.params, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(lazy.bse, eager.bse, rtol=RTOL)
    for name in ("deviance", "null_deviance", "dispersion", "pearson_chi2"):
        assert getattr(lazy, name) == pytest.approx(getattr(eager, name), rel=RTOL), name
    if eager.family.has_likelihood:
        assert lazy.llf == pytest.approx(eager.llf, rel=RTOL)
        assert lazy.aic == pytest.approx(eager.aic, rel=RTOL)
    assert (lazy.converged, lazy.n_iter, lazy.nobs, lazy.df_resid) == (eager.converged, eager.n_iter, eager.nobs, eager.df_resid)
    np.testing.assert_allclose(lazy.history.to_numpy(), eager.history.to_numpy(), rtol=RTOL, atol=1e-12)
    for name in ("mu", "eta", "resid_deviance", "resid_pearson", "resid_working", "leverage"):
        values = getattr(lazy, name)
        assert isinstance(values, da.Array), f"{name} should stay a lazy dask array"
        np.testing.assert_allclose(values.compute(), getattr(eager, name), rtol=1e-8, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_dask_fit_equals_in_memory_fit_with_weights_and_offset(name):
    X, y, weights, offset = _simulate(DATA[name])
    family = FAMILIES[name]
    eager = gl.fit(X, y, family=family(), weights=weights, offset=offset)
    lazy = gl.fit(_dask(X), _dask(y), family=family(), weights=_dask(weights), offset=_dask(offset))
    assert_same_fit(lazy, eager)


def test_newton_and_numpy_weights_with_dask_design():
    X, y, weights, _ = _simulate("binomial")
    eager = gl.fit(X, y, family=gl.Binomial("cloglog"), weights=weights, method="newton")
    lazy = gl.fit(_dask(X), _dask(y), family=gl.Binomial("cloglog"), weights=weights, method="newton")
    assert_same_fit(lazy, eager)


def test_binomial_two_column_response():
    X, y, weights, _ = _simulate("binomial")
    counts = np.column_stack([y * weights, (1 - y) * weights])
    eager = gl.fit(X, counts, family=gl.Binomial())
    lazy = gl.fit(_dask(X), _dask(counts), family=gl.Binomial())
    assert_same_fit(lazy, eager)


def test_binomial_two_column_response_with_prior_weights():
    # R's starting means and log-likelihood use the numbers of trials, not the prior weights times
    # them; a chunk must see its own trials for the dask fit to take the in-memory fit's steps.
    X, y, trials, _ = _simulate("binomial")
    counts = np.column_stack([y * trials, (1 - y) * trials])
    prior = np.random.default_rng(3).integers(1, 4, len(y)).astype(float)
    eager = gl.fit(X, counts, family=gl.Binomial(), weights=prior)
    assert eager.llf != pytest.approx(gl.fit(X, counts, family=gl.Binomial()).llf, rel=1e-3)
    lazy = gl.fit(_dask(X), _dask(counts), family=gl.Binomial(), weights=_dask(prior))
    assert_same_fit(lazy, eager)

    df = pd.DataFrame({"s": counts[:, 0], "f": counts[:, 1], "x1": X[:, 1], "x2": X[:, 2], "prior": prior})
    eager = gl.glm("cbind(s, f) ~ x1 + x2", df, family=gl.Binomial(), weights="prior")
    lazy = gl.glm("cbind(s, f) ~ x1 + x2", dd.from_pandas(df, npartitions=4), family=gl.Binomial(), weights="prior")
    assert_same_fit(lazy, eager)


def test_bad_data_in_a_later_chunk_is_named():
    X, y, _, _ = _simulate("poisson")
    y[2 * CHUNK + 5] = -1.0
    with pytest.raises(ValueError, match=rf"non-negative whole-number counts.*rows \[5\].*starts at row {2 * CHUNK}"):
        gl.fit(_dask(X), _dask(y), family=gl.Poisson())


def test_rank_deficient_dask_design_is_reported():
    X, y, _, _ = _simulate("poisson")
    X = np.column_stack([X, X[:, 1] + X[:, 2]])
    with pytest.raises(ValueError, match="rank-deficient"):
        gl.fit(_dask(X), _dask(y), family=gl.Poisson())
    with pytest.warns(gl.AliasedColumnsWarning):
        lazy = gl.fit(_dask(X), _dask(y), family=gl.Poisson(), drop_aliased=True)
    eager = gl.fit(X[:, :-1], y, family=gl.Poisson())
    np.testing.assert_allclose(lazy.params.to_numpy()[:-1], eager.params, rtol=RTOL)
    assert np.isnan(lazy.params.iloc[-1])


def test_separation_warns_that_the_check_is_cut_short():
    x = np.linspace(-1, 1, 2000)
    X = np.column_stack([np.ones_like(x), x])
    y = (x > 0).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gl.ConvergenceWarning)
        with pytest.warns(gl.SeparationWarning, match="skipped for dask arrays"):
            gl.fit(_dask(X), _dask(y), family=gl.Binomial())


def test_distributed_local_cluster_gives_the_same_fit():
    distributed = pytest.importorskip("distributed")
    X, y, weights, offset = _simulate("poisson")
    eager = gl.fit(X, y, family=gl.Poisson(), weights=weights, offset=offset)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0") as cluster, distributed.Client(cluster):
        lazy = gl.fit(_dask(X), _dask(y), family=gl.Poisson(), weights=_dask(weights), offset=_dask(offset))
        assert_same_fit(lazy, eager)


def _frame(n: int = 2400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.gamma(2.0, 1.0, n), "t": rng.uniform(1, 3, n),
                       "g": rng.choice(["a", "b", "c"], n), "w": rng.integers(1, 3, n).astype(float)})
    # Level "c" only appears in the second half, so the first partitions never see it.
    df.loc[: n // 2, "g"] = np.where(df.loc[: n // 2, "g"] == "c", "a", df.loc[: n // 2, "g"])
    df["y"] = rng.poisson(np.exp(0.3 * df.x - 0.1 * df.z + 0.4 * (df.g == "b") + np.log(df.t))).astype(float)
    return df


def test_formula_on_dask_dataframe_learns_levels_and_transforms_in_one_pass():
    df = _frame()
    formula = "y ~ center(x) + scale(z) + g + offset(log(t))"
    eager = gl.glm(formula, df, family=gl.Poisson(), weights="w")
    ddf = dd.from_pandas(df.astype({"g": "string[pyarrow]"}), npartitions=4)
    assert ddf.partitions[0].compute()["g"].nunique() == 2  # a level absent from a partition
    lazy = gl.glm(formula, ddf, family=gl.Poisson(), weights="w")
    assert list(lazy.params.index) == list(eager.params.index)
    assert_same_fit(lazy, eager)
    new = df.head(5)
    np.testing.assert_allclose(lazy.predict(new), eager.predict(new), rtol=RTOL)


def test_formula_on_dask_dataframe_binomial_factor_response_and_interaction():
    df = _frame()
    df["hit"] = np.where(df.y > df.t, "yes", "no")
    eager = gl.glm("hit ~ x * g", df, family=gl.Binomial())
    lazy = gl.glm("hit ~ x * g", dd.from_pandas(df, npartitions=3), family=gl.Binomial())
    assert_same_fit(lazy, eager)


def test_formula_on_dask_dataframe_refuses_what_one_pass_cannot_learn():
    ddf = dd.from_pandas(_frame(), npartitions=2)
    with pytest.raises(ValueError, match=r"poly\(x, 2\) cannot be learned from a dask DataFrame"):
        gl.glm("y ~ poly(x, 2)", ddf, family=gl.Poisson())
    with pytest.raises(TypeError, match="weights: with a dask DataFrame give a column name"):
        gl.glm("y ~ x", ddf, family=gl.Poisson(), weights=np.ones(10))


@pytest.mark.parametrize("method", ["gd", "closed_form"])
def test_in_memory_solvers_refuse_dask_arrays(method):
    X, y, _, _ = _simulate("gaussian", n=500)
    with pytest.raises(ValueError, match=rf"method='{method}' needs the data in memory"):
        gl.fit(_dask(X), _dask(y), method=method)


@pytest.mark.parametrize("family", ["binomial", "poisson"])
def test_a_fit_reads_the_data_iterations_plus_one_times(family):
    """Input checks, start, separation trigger, Pearson X^2, log-likelihood and null deviance ride on the IRLS passes."""
    import dask

    rng = np.random.default_rng(7)
    n, p, rows = 4000, 4, 1000
    X_full = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    eta = X_full @ np.array([0.2, 0.4, -0.3, 0.1])
    y_full = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float) if family == "binomial" else rng.poisson(np.exp(eta)).astype(float)
    reads = []

    def chunk(block_info=None):  # the data source: each call is one read of one chunk
        start, stop = block_info[None]["array-location"][0]
        reads.append(start)
        return X_full[start:stop]

    X = da.map_blocks(chunk, dtype=float, chunks=((rows,) * (n // rows), (p,)))
    fam = gl.Binomial() if family == "binomial" else gl.Poisson()
    with dask.config.set(scheduler="synchronous"):
        lazy = gl.fit(X, da.from_array(y_full, chunks=rows), family=fam)
        summary = (lazy.bse, lazy.null_deviance, lazy.pearson_chi2, lazy.aic, lazy.dispersion)
    assert len(reads) == (lazy.n_iter + 1) * (n // rows)
    eager = gl.fit(X_full, y_full, family=fam)
    np.testing.assert_allclose(summary[0], eager.bse, rtol=1e-9)
    np.testing.assert_allclose(summary[1:4], (eager.null_deviance, eager.pearson_chi2, eager.aic), rtol=1e-9)
    assert lazy.n_iter == eager.n_iter


def test_a_gaussian_fit_reads_the_data_iterations_plus_one_times():
    """The dispersion and the perfect-fit check ride on the IRLS passes too: no read of X or y of their own."""
    import dask

    rng = np.random.default_rng(8)
    n, p, rows = 4000, 3, 1000
    X_full = np.column_stack([np.ones(n), rng.standard_normal((n, p - 1))])
    y_full = X_full @ np.array([1.0, 2.0, 3.0]) + rng.standard_normal(n)
    reads = []

    def source(values):  # each call is one read of one chunk of X or y
        def chunk(block_info=None):
            start, stop = block_info[None]["array-location"][0]
            reads.append(start)
            return values[start:stop]
        return chunk

    X = da.map_blocks(source(X_full), dtype=float, chunks=((rows,) * (n // rows), (p,)))
    y = da.map_blocks(source(y_full), dtype=float, chunks=((rows,) * (n // rows),))
    with dask.config.set(scheduler="synchronous"):
        lazy = gl.fit(X, y, family=gl.Gaussian())
        summary = (lazy.bse, lazy.dispersion, lazy.pearson_chi2, lazy.null_deviance)
    # X and y of every chunk are read together, once per pass: the start and each iteration.
    assert len(reads) == 2 * (lazy.n_iter + 1) * (n // rows)
    eager = gl.fit(X_full, y_full, family=gl.Gaussian())
    np.testing.assert_allclose(summary[0], eager.bse, rtol=1e-9)
    np.testing.assert_allclose(summary[1:], (eager.dispersion, eager.pearson_chi2, eager.null_deviance), rtol=1e-9)
    assert lazy.n_iter == eager.n_iter


@pytest.mark.parametrize("family, start", [(gl.Gamma("inverse"), None), (gl.InverseGaussian(), None),
                                           (gl.InverseGaussian(), [0.1, 2.0, 1.0]),
                                           (gl.Gamma("inverse"), [3.0, 3.0, -1.0])])
def test_dispersion_from_the_passes_uses_the_last_steps_working_weights(family, start):
    """R's dispersion takes the working weights where the last step started, also after halved steps.

    With these links the weights change with the coefficients, so the weights at the accepted
    coefficients (Pearson's X^2 / df) differ from R's by 3e-8 to 3e-5; the two starts force halvings.
    """
    rng = np.random.default_rng(5)
    n = 3000
    X = np.column_stack([np.ones(n), rng.uniform(0, 2, n), rng.integers(0, 2, n)])
    y = rng.gamma(2.0, 1 / (0.5 + 0.3 * X[:, 1] + 0.2 * X[:, 2]) / 2.0)
    weights = rng.integers(1, 4, n).astype(float)
    eager = gl.fit(X, y, family=family, weights=weights, start=start)
    lazy = gl.fit(_dask(X), _dask(y), family=family, weights=_dask(weights), start=start)
    assert abs(eager.dispersion / (eager.pearson_chi2 / eager.df_resid) - 1) > 1e-8
    assert lazy.dispersion == pytest.approx(eager.dispersion, rel=1e-12)
    assert_same_fit(lazy, eager)


def test_perfect_fit_warns_on_dask_arrays():
    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(2000), rng.standard_normal(2000)])
    y = X @ np.array([1.0, 2.0])
    with pytest.warns(gl.PerfectFitWarning):
        gl.fit(_dask(X), _dask(y))
    with warnings.catch_warnings():
        warnings.simplefilter("error", gl.PerfectFitWarning)
        gl.fit(_dask(X), _dask(y + rng.standard_normal(2000) * 1e-6))
