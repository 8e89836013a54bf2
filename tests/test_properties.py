"""Properties every GLM fit must have, checked with hypothesis on seeded data.

hypothesis draws the seed, the size, the family and the constants; numpy's
seeded generator makes the data from them, so a failing example is
reproducible from hypothesis' report.
"""

from __future__ import annotations

import warnings

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special

import glm_lib as gl

# derandomize: the same examples every run, so CI cannot turn red by chance.
SETTINGS = settings(max_examples=25, deadline=None, database=None, derandomize=True)
FAMILIES = ["gaussian", "poisson", "binomial", "gamma"]
TIGHT = dict(tol=1e-13, max_iter=200)

seeds = st.integers(min_value=0, max_value=2**32 - 1)
sizes = st.integers(min_value=80, max_value=200)


def make_data(family: str, seed: int, n: int):
    """Intercept + 3 predictors and a response from ``family`` with moderate effects."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.uniform(-1, 1, n), rng.normal(0, 0.5, n), rng.integers(0, 2, n)])
    eta = X @ np.array([0.3, 0.8, -0.6, 0.4])
    if family == "gaussian":
        return X, eta + rng.normal(0, 1, n), gl.Gaussian()
    if family == "poisson":
        return X, rng.poisson(np.exp(eta)).astype(float), gl.Poisson()
    if family == "binomial":
        return X, (rng.uniform(size=n) < special.expit(eta)).astype(float), gl.Binomial()
    if family == "gamma":
        mu = np.exp(eta)
        return X, rng.gamma(3.0, mu / 3.0), gl.Gamma("log")
    raise AssertionError(family)


def quiet_fit(*args, **kwargs):
    """Fit, turning glm_lib's warnings into hypothesis' ``assume`` (well-posed data only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", gl.SeparationWarning)
        warnings.simplefilter("error", gl.ConvergenceWarning)
        try:
            res = gl.fit(*args, **kwargs)
        except gl.SeparationWarning:
            assume(False)
    assert res.converged
    return res


def close(a, b, rtol=1e-6, atol=0.0):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=rtol, atol=atol)


def close_params(a, b, bse, rtol=1e-7):
    """Coefficients agree to ``rtol`` or to a millionth of their standard error.

    A coefficient near 0 has no meaningful relative error; the scale that
    matters for it is its standard error.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    allowed = rtol * np.abs(b) + 1e-6 * np.asarray(bse, float)
    assert np.all(np.abs(a - b) <= allowed), f"coefficients differ: {a} vs {b} (allowed {allowed})"


@SETTINGS
@given(family=st.sampled_from(FAMILIES), seed=seeds, n=sizes)
def test_row_order_does_not_matter(family, seed, n):
    X, y, fam = make_data(family, seed, n)
    order = np.random.default_rng(seed ^ 0x5EED).permutation(n)
    a = quiet_fit(X, y, family=fam, **TIGHT)
    b = quiet_fit(X[order], y[order], family=fam, **TIGHT)
    close_params(b.params, a.params, a.bse, rtol=1e-8)
    close(b.bse, a.bse, rtol=1e-8)
    close(b.deviance, a.deviance, rtol=1e-10)
    close(b.llf, a.llf, rtol=1e-10)
    close(b.mu, a.mu[order], rtol=1e-8)


@SETTINGS
@given(
    family=st.sampled_from(FAMILIES),
    seed=seeds,
    n=sizes,
    column=st.integers(min_value=1, max_value=3),
    log10_c=st.floats(min_value=-3, max_value=3),
    negative=st.booleans(),
)
def test_rescaling_a_column_rescales_its_coefficient(family, seed, n, column, log10_c, negative):
    X, y, fam = make_data(family, seed, n)
    c = (-1.0 if negative else 1.0) * 10.0**log10_c
    scaled = X.copy()
    scaled[:, column] *= c
    a = quiet_fit(X, y, family=fam, **TIGHT)
    b = quiet_fit(scaled, y, family=fam, **TIGHT)
    expected = a.params.to_numpy().copy()
    expected[column] /= c
    close_params(b.params, expected, b.bse, rtol=1e-6)
    expected_bse = a.bse.to_numpy().copy()
    expected_bse[column] /= abs(c)
    close(b.bse, expected_bse, rtol=1e-6)
    close(b.deviance, a.deviance, rtol=1e-9)
    close(b.tvalues, a.tvalues * np.where(np.arange(4) == column, np.sign(c), 1.0), rtol=1e-6, atol=1e-9)


@SETTINGS
@given(family=st.sampled_from(FAMILIES), seed=seeds, n=sizes, column=st.integers(min_value=1, max_value=3))
def test_column_moved_into_offset_at_its_estimate(family, seed, n, column):
    X, y, fam = make_data(family, seed, n)
    full = quiet_fit(X, y, family=fam, **TIGHT)
    beta_j = full.params.iloc[column]
    rest = [j for j in range(4) if j != column]
    fixed = quiet_fit(X[:, rest], y, family=fam, offset=beta_j * X[:, column], **TIGHT)
    close_params(fixed.params, full.params.iloc[rest], full.bse.iloc[rest], rtol=1e-6)
    close(fixed.deviance, full.deviance, rtol=1e-9)
    # Fisher scoring converges only linearly for non-canonical links (Gamma-log),
    # so means agree to the same 1e-6 as the coefficients.
    close(fixed.mu, full.mu, rtol=1e-6)
    assert fixed.df_resid == full.df_resid + 1


@SETTINGS
@given(family=st.sampled_from(["poisson", "binomial", "gaussian"]), seed=seeds, n=st.integers(40, 90))
def test_frequency_weights_equal_duplicated_rows(family, seed, n):
    X, y, fam = make_data(family, seed, n)
    counts = np.random.default_rng(seed + 1).integers(1, 5, n)
    weighted = quiet_fit(X, y, family=fam, weights=counts.astype(float), **TIGHT)
    expanded = quiet_fit(np.repeat(X, counts, axis=0), np.repeat(y, counts), family=fam, **TIGHT)
    close_params(weighted.params, expanded.params, expanded.bse)
    close(weighted.deviance, expanded.deviance, rtol=1e-9)
    if family == "gaussian":
        # R's prior weights are precisions, not frequencies: the residual df
        # count rows (n - p), so the dispersion and the SEs differ from the
        # duplicated data's by exactly sqrt((N - p) / (n - p)).
        p = X.shape[1]
        big_n = counts.sum()
        close(weighted.dispersion * (n - p), expanded.dispersion * (big_n - p), rtol=1e-7)
        close(weighted.bse, expanded.bse * np.sqrt((big_n - p) / (n - p)), rtol=1e-6)
    else:
        close(weighted.bse, expanded.bse, rtol=1e-6)
        close(weighted.llf, expanded.llf, rtol=1e-9)
        close(weighted.aic, expanded.aic, rtol=1e-9)


@SETTINGS
@given(seed=seeds, groups=st.integers(15, 40), link=st.sampled_from(["logit", "probit", "cloglog"]))
def test_binomial_response_forms_agree(seed, groups, link):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.5, 1.5, groups)
    trials = rng.integers(1, 12, groups)
    p = special.expit(0.2 + 0.9 * x)
    successes = rng.binomial(trials, p)
    X = np.column_stack([np.ones(groups), x])
    fam = lambda: gl.Binomial(link)  # noqa: E731
    two_col = quiet_fit(X, np.column_stack([successes, trials - successes]), family=fam(), **TIGHT)
    prop = quiet_fit(X, successes / trials, family=fam(), weights=trials.astype(float), **TIGHT)
    # One Bernoulli row per trial.
    rows = np.repeat(np.arange(groups), trials)
    ones = np.concatenate([np.r_[np.ones(s), np.zeros(t - s)] for s, t in zip(successes, trials)])
    bern = quiet_fit(X[rows], ones, family=fam(), **TIGHT)

    for other in (prop, bern):
        close_params(other.params, two_col.params, two_col.bse)
        close(other.bse, two_col.bse, rtol=1e-6)
    close(prop.deviance, two_col.deviance, rtol=1e-10)
    close(prop.llf, two_col.llf, rtol=1e-10)
    close(prop.mu, two_col.mu, rtol=1e-10)
    # Grouping changes the saturated model and the binomial coefficients, not
    # the comparisons: the log-likelihoods differ by sum(log C(m, s)) ...
    log_choose = np.sum(special.gammaln(trials + 1) - special.gammaln(successes + 1) - special.gammaln(trials - successes + 1))
    close(two_col.llf - bern.llf, log_choose, rtol=1e-8)
    # ... and the drop in deviance from the null model is the same.
    close(two_col.null_deviance - two_col.deviance, bern.null_deviance - bern.deviance, rtol=1e-7)
    assert two_col.df_resid == groups - 2 and bern.df_resid == trials.sum() - 2
