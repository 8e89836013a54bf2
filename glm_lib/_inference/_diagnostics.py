"""Model checking for a fitted GLM: residuals, influence, collinearity and fit.

Every function takes the fitted result first (``gl.diagnostics.rstandard(res)``)
and returns pandas objects labelled by row (the row's position in the data) or
by term; ``plot_*`` helpers draw on a matplotlib axes and return it.

Influence follows R (``influence.glm``, ``rstandard.glm``, ``rstudent.glm``,
``cooks.distance.glm``, ``dfbetas``): leverages come from the weighted least
squares of the last IRLS step, and the leave-one-out dispersion ``sigma_(i)``
is R's, built from the deviance residuals,

    sigma_(i)^2 = (sum_k r_Dk^2 - r_Di^2 / (1 - h_i)) / (n - p - 1).

Rows with prior weight 0 take no part in the fit and are left out, as in R.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, special, stats

from .._model._families import Binomial, Gamma, Gaussian, InverseGaussian, NegativeBinomial, Poisson
from .._formula._terms import INTERCEPT, term_columns
from .._model._validation import first_rows, whole_number
from .._glm._fit import fit
from .._glm._results import GLMResults

__all__ = [
    "hatvalues",
    "rstandard",
    "rstudent",
    "cooks_distance",
    "dfbetas",
    "vif",
    "partial_residuals",
    "simulate",
    "halfnormal_envelope",
    "binned_residuals",
    "hosmer_lemeshow",
    "HosmerLemeshow",
    "roc_curve",
    "auc",
    "brier_score",
    "calibration",
    "rootogram",
    "qresid",
    "plot_halfnormal",
    "plot_partial_residuals",
    "plot_binned_residuals",
    "plot_roc",
    "plot_calibration",
    "plot_rootogram",
    "plot_qresid",
]


# --- helpers ----------------------------------------------------------------------
def _check_result(res) -> None:
    if not isinstance(res, GLMResults):
        raise TypeError(f"res must be a fitted GLM (gl.glm or gl.fit), not {type(res).__name__}")


def _used(res) -> np.ndarray:
    return np.flatnonzero(res.prior_weights > 0)


def _series(res, values, name: str) -> pd.Series:
    rows = _used(res)
    return pd.Series(np.asarray(values)[rows], index=pd.Index(rows, name="row"), name=name)


def _loo_sigma(res) -> np.ndarray:
    """R's leave-one-out dispersion (square root), from the deviance residuals, all rows."""
    n, p = res.nobs, res.rank
    if n - p - 1 <= 0:
        raise ValueError(f"leave-one-out dispersions need n - p - 1 > 0 (n = {n}, p = {p})")
    used = res.prior_weights > 0
    e, h = res.resid_deviance, res.leverage
    with np.errstate(divide="ignore", invalid="ignore"):
        deleted = np.where(h < 1, np.square(e) / (1.0 - h), 0.0)
    return np.sqrt((np.sum(np.square(e[used])) - deleted) / (n - p - 1))


def _require_binary(res, what: str) -> None:
    if not isinstance(res.family, Binomial):
        raise ValueError(f"{what} is for binomial fits; this is a {res.family.name} fit")
    used = res.prior_weights > 0
    if not np.all(res.prior_weights[used] == 1) or not np.all(np.isin(res.y[used], (0.0, 1.0))):
        raise ValueError(
            f"{what} needs a binary (0/1) response with one trial per row; expand grouped "
            "binomial data to one row per trial first"
        )


# --- residuals and influence (R's names) --------------------------------------------
def hatvalues(res) -> pd.Series:
    """Leverages ``h_ii``, the diagonal of the hat matrix ``H`` of the last IRLS step.

    ``H = W^(1/2) X (X' W X)^(-1) X' W^(1/2)`` with the working weights ``W_i``
    at convergence; the leverages sum to ``p``.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).

    Returns
    -------
    pandas.Series
        ``h_ii`` indexed by data row (rows with prior weight ``w_i = 0`` left out).

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.

    Notes
    -----
    R: ``hatvalues`` (``stats::hatvalues.glm``, via ``influence.glm``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> h = gl.diagnostics.hatvalues(res)
    >>> round(float(h.sum()), 4)
    2.0
    """
    _check_result(res)
    return _series(res, res.leverage, "hat")


def rstandard(res, type: str = "deviance") -> pd.Series:
    """Standardized residuals ``r_i / sqrt(phi_hat (1 - h_ii))``.

    ``r_i`` is the deviance residual ``r^D_i`` or the Pearson residual ``r^P_i``,
    ``phi_hat`` the dispersion of the fit and ``h_ii`` the leverage.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
    type : {"deviance", "pearson"}
        Which residual is standardized.

    Returns
    -------
    pandas.Series
        One value per data row (rows with prior weight 0 left out), named
        ``rstandard_deviance`` or ``rstandard_pearson``.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        ``type`` is neither ``"deviance"`` nor ``"pearson"``.

    Notes
    -----
    R: ``rstandard`` (``stats::rstandard.glm(fit, type = "deviance" | "pearson")``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> round(float(gl.diagnostics.rstandard(res).iloc[0]), 4)
    1.877
    """
    _check_result(res)
    if type not in ("deviance", "pearson"):
        raise ValueError(f"type must be 'deviance' or 'pearson', got {type!r}")
    r = res.resid_deviance if type == "deviance" else res.resid_pearson
    with np.errstate(divide="ignore", invalid="ignore"):
        values = r / np.sqrt(res.dispersion * (1.0 - res.leverage))
    return _series(res, values, f"rstandard_{type}")


def rstudent(res) -> pd.Series:
    """Deletion (studentized) residuals.

    ``sign(r^D_i) sqrt((r^D_i)^2 + h_ii (r^P_i)^2 / (1 - h_ii))`` -- the one-step
    approximation to the change in deviance when row ``i`` is deleted -- divided
    by the leave-one-out ``sigma_(i)`` unless the family is the binomial or
    Poisson (R divides for every other family, the negative binomial included).

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).

    Returns
    -------
    pandas.Series
        One value per data row (rows with prior weight 0 left out).

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        ``n - p - 1 <= 0`` when the leave-one-out dispersion is needed.

    Notes
    -----
    R: ``rstudent`` (``stats::rstudent.glm``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> round(float(gl.diagnostics.rstudent(res).iloc[0]), 4)
    1.8799
    """
    _check_result(res)
    h, e, pearson = res.leverage, res.resid_deviance, res.resid_pearson
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sign(e) * np.sqrt(np.square(e) + h * np.square(pearson) / (1.0 - h))
    if type(res.family) not in (Binomial, Poisson):
        r = r / _loo_sigma(res)
    return _series(res, r, "rstudent")


def cooks_distance(res) -> pd.Series:
    """Cook's distances ``(r^P_i / (1 - h_ii))^2 h_ii / (phi_hat p)``.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).

    Returns
    -------
    pandas.Series
        One distance per data row (rows with prior weight 0 left out).

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.

    Notes
    -----
    R: ``cooks.distance`` (``stats::cooks.distance.glm``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> cook = gl.diagnostics.cooks_distance(res)
    >>> int(cook.idxmax()), round(float(cook.max()), 4)
    (166, 0.193)
    """
    _check_result(res)
    return _series(res, res.cooks_distance, "cooks_distance")


def dfbetas(res) -> pd.DataFrame:
    """Scaled change of each coefficient when a row is deleted.

    One-step (weighted least squares) approximation, as R: the value is
    ``(X'WX)^(-1) x_i sqrt(W_i) r^D_i / (1 - h_ii)``, divided by
    ``sigma_(i) sqrt([(X'WX)^(-1)]_jj)``. Under an increasing link this
    approximates ``beta_hat - beta_hat_(i)`` (the change when row ``i`` is
    deleted); under a decreasing link it approximates the reverse (see Notes).

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).

    Returns
    -------
    pandas.DataFrame
        Rows by data row (prior weight 0 left out), columns by coefficient.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        ``n - p - 1 <= 0``: no leave-one-out dispersion.

    Notes
    -----
    R: ``dfbetas`` (``stats::dfbetas`` on a glm); R's ``dfbeta`` is the
    numerator before the division.

    The sign follows R. The one-step change ``beta_hat - beta_hat_(i)`` is
    ``(X'WX)^(-1) x_i W_i (y_i - mu_i) g'(mu_i) / (1 - h_ii)``, and
    ``W_i^(1/2) (y_i - mu_i) g'(mu_i)`` equals the Pearson residual ``r^P_i``
    times the sign of ``g'(mu_i)``. R uses the deviance residual ``r^D_i``,
    which has the sign of ``y_i - mu_i``. For an increasing link (logit,
    probit, log, identity, ...) the values therefore estimate
    ``beta_hat - beta_hat_(i)``; for a decreasing link (the inverse link
    ``1/mu`` of ``gl.Gamma``, ``1/mu^2`` of ``gl.InverseGaussian``) they
    estimate ``beta_hat_(i) - beta_hat``: flip the sign, or refit without the
    row.

    The scale ``sigma_(i)`` is R's one-step leave-one-out dispersion
    (``influence(fit)$sigma``), ``sqrt((D - d_i/(1 - h_ii))/(n - p - 1))``,
    used for every family, also when ``phi`` is known. A standard error
    uses ``sqrt(phi_hat)`` instead (1 when ``phi`` is known), so a value is
    the one-step change in standard errors times ``sqrt(phi_hat)/sigma_(i)``;
    for a high-leverage, badly fitted row that factor can be large.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> gl.diagnostics.dfbetas(res).shape
    (173, 2)
    """
    _check_result(res)
    X, h = res.model_X, res.leverage
    solved = linalg.cho_solve(res._gram_factor, X.T, check_finite=False)  # (X'WX)^{-1} X'
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(h < 1, np.sqrt(res.working_weights) * res.resid_deviance / (1.0 - h), 0.0)
    change = solved.T * scale[:, None]
    inverse_diag = np.diag(linalg.cho_solve(res._gram_factor, np.eye(res.rank), check_finite=False))
    values = change / np.outer(_loo_sigma(res), np.sqrt(inverse_diag))
    rows = _used(res)
    return pd.DataFrame(values[rows], index=pd.Index(rows, name="row"), columns=res._kept_names)


def vif(res) -> pd.DataFrame:
    """Generalized variance inflation factors, one row per term.

    ``GVIF = det(R_tt) det(R_oo) / det(R)`` with ``R`` the correlation matrix of
    the coefficient estimates without the intercept, ``t`` the term's columns and
    ``o`` the others (Fox & Monette, 1992). For a one-column term it is the usual
    VIF ``1 / (1 - R_j^2)``; ``GVIF^(1/(2*Df))`` is comparable across terms of
    different sizes (its square is the VIF-like inflation of a confidence
    ellipse's axis).

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).

    Returns
    -------
    pandas.DataFrame
        Columns ``GVIF``, ``Df``, ``GVIF^(1/(2*Df))``, indexed by term.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Fewer than two terms besides the intercept.

    Warns
    -----
    UserWarning
        The model has no intercept.

    Notes
    -----
    R: ``car::vif``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width + weight", crabs, family=gl.Poisson())
    >>> round(float(gl.diagnostics.vif(res).loc["width", "GVIF"]), 4)
    5.8344
    """
    _check_result(res)
    columns = term_columns(res)
    if INTERCEPT not in columns:
        warnings.warn("the model has no intercept, so VIFs may not be sensible (as car::vif warns)", stacklevel=2)
    terms = {label: idx for label, idx in columns.items() if label != INTERCEPT}
    if len(terms) < 2:
        raise ValueError(f"vif needs a model with at least 2 terms besides the intercept; got {list(terms)}")
    keep = [i for idx in terms.values() for i in idx]
    cov = res.cov_params().to_numpy()[np.ix_(keep, keep)]
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    position = {col: k for k, col in enumerate(keep)}
    log_det_all = np.linalg.slogdet(corr)[1]
    rows = []
    for label, idx in terms.items():
        inside = [position[i] for i in idx]
        outside = [k for k in range(len(keep)) if k not in inside]
        log_gvif = (np.linalg.slogdet(corr[np.ix_(inside, inside)])[1]
                    + np.linalg.slogdet(corr[np.ix_(outside, outside)])[1] - log_det_all)
        gvif = float(np.exp(log_gvif))
        rows.append((label, gvif, len(idx), gvif ** (1.0 / (2 * len(idx)))))
    table = pd.DataFrame(rows, columns=["term", "GVIF", "Df", "GVIF^(1/(2*Df))"]).set_index("term")
    table.index.name = None
    return table


def partial_residuals(res, term: str) -> pd.DataFrame:
    """Component-plus-residual values for one term.

    ``component`` is the term's contribution to the linear predictor ``eta``,
    ``sum_j (x_ij - mean_j) beta_hat_j`` over the term's columns, centred as R's
    ``predict(type = "terms")`` does; ``partial`` adds the working residual
    ``z_i - eta_hat_i + o_i``. Plotted against the predictor it shows the shape
    the link scale needs.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
    term : str
        A term of the model's formula (not the intercept), e.g. ``"width"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``component`` and ``partial``, indexed by data row.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        ``term`` is not a term of the model; the message lists the terms.

    Notes
    -----
    R: ``residuals(fit, type = "partial")``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> list(gl.diagnostics.partial_residuals(res, "width").columns)
    ['component', 'partial']
    """
    _check_result(res)
    columns = term_columns(res)
    if term not in columns or term == INTERCEPT:
        choices = ", ".join(label for label in columns if label != INTERCEPT)
        raise ValueError(f"term {term!r} is not a term of the model; choose one of {choices}")
    idx = columns[term]
    X = res.model_X[:, idx]
    component = (X - X.mean(axis=0)) @ res._params[idx]
    frame = pd.DataFrame({"component": component, "partial": component + res.resid_working})
    rows = _used(res)
    frame = frame.iloc[rows]
    frame.index = pd.Index(rows, name="row")
    return frame


# --- simulation envelopes -----------------------------------------------------------
def simulate(res, n_sim: int = 1, seed: int | None = 0) -> np.ndarray:
    """Responses drawn from the fitted model, on the scale ``res.y`` uses.

    The binomial draws successes out of the prior weights ``w_i = m_i`` (the
    trials) and returns proportions ``s_i / m_i``; the Gaussian, gamma and
    inverse Gaussian use the estimated dispersion ``phi_hat / w_i``. Quasi
    families have no distribution to draw from.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
    n_sim : int
        Number of simulated response vectors.
    seed : int or None
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_sim, n)``.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        ``n_sim`` not a positive whole number; a family without a distribution
        (quasi); Poisson or negative binomial prior weights other than 1.

    Notes
    -----
    R: ``simulate`` (``stats::simulate`` on a glm).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> gl.diagnostics.simulate(res, n_sim=3, seed=1).shape
    (3, 173)
    """
    _check_result(res)
    n_sim = whole_number("n_sim", n_sim)
    family, mu, w = res.family, res.mu, res.prior_weights
    rng = np.random.default_rng(seed)
    size = (n_sim, mu.shape[0])
    if not family.has_likelihood:
        raise ValueError(f"the {family.name} family has no distribution to simulate from")
    positive = np.where(w > 0, w, 1.0)
    if type(family) is Binomial:
        return rng.binomial(np.round(w).astype(int), mu, size=size) / positive
    if type(family) in (Poisson, NegativeBinomial) and not np.all(w[w > 0] == 1):
        raise ValueError(f"simulating a {family.name} fit with prior weights other than 1 is not defined")
    if type(family) is Poisson:
        return rng.poisson(mu, size=size).astype(float)
    if type(family) is NegativeBinomial:
        theta = 1.0 / family.alpha
        return rng.negative_binomial(theta, theta / (theta + mu), size=size).astype(float)
    phi = res.dispersion / positive
    if type(family) is Gaussian:
        return rng.normal(mu, np.sqrt(phi), size=size)
    if type(family) is Gamma:
        return rng.gamma(1.0 / phi, mu * phi, size=size)
    if type(family) is InverseGaussian:
        return rng.wald(mu, 1.0 / phi, size=size)
    raise ValueError(f"no simulator for the {family.name} family")


_RESIDUALS = {
    "deviance": lambda r: rstandard(r, "deviance"),
    "pearson": lambda r: rstandard(r, "pearson"),
    "student": rstudent,
}


def halfnormal_envelope(res, kind: str = "deviance", n_sim: int = 19, seed: int | None = 0) -> pd.DataFrame:
    """Sorted absolute residuals against half-normal quantiles, with a simulated envelope.

    Each of ``n_sim`` responses drawn from the fitted model is refitted with
    the same design, and its sorted absolute residuals give one curve; the
    envelope is their pointwise minimum, median and maximum (Atkinson, 1985).
    The envelope is pointwise: a point outside it is more extreme than the
    model usually produces at that position, but with ``n_sim = 19`` each
    point falls outside about one time in ten by chance, so judge the
    pattern rather than single points.
    The refits keep the family as fitted: a negative binomial's ``alpha`` (from
    :func:`glm_lib.glm_nb`) is held at its estimate, not re-estimated.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
    kind : {"deviance", "pearson", "student"}
        Standardized deviance or Pearson residuals (``rstandard``) or deletion
        residuals (``rstudent``).
    n_sim : int
        Number of simulated responses.
    seed : int or None
        Seed of the simulations.

    Returns
    -------
    pandas.DataFrame
        ``quantile``, ``observed``, ``lower``, ``median``, ``upper``, ``row``
        (the data row behind each observed value), sorted by ``observed``.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        An unknown ``kind``, or a family :func:`simulate` cannot draw from.

    Notes
    -----
    R: none in base R (``faraway::halfnorm`` draws the plot without the
    envelope; ``hnp::hnp`` simulates one).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> gl.diagnostics.halfnormal_envelope(res, n_sim=5).shape
    (173, 6)
    """

    _check_result(res)
    if kind not in _RESIDUALS:
        raise ValueError(f"kind must be one of {', '.join(_RESIDUALS)}, got {kind!r}")
    observed = _RESIDUALS[kind](res).abs().sort_values()
    n = observed.shape[0]
    quantiles = stats.norm.ppf((n + np.arange(1, n + 1)) / (2 * n + 1))
    curves = []
    for y_sim in simulate(res, n_sim, seed):
        with warnings.catch_warnings():
            # Simulated binary data may be separated; its residuals still count.
            warnings.simplefilter("ignore")
            refit = fit(res.model_X, y_sim, res.family, weights=res.prior_weights, offset=res.offset)
        curves.append(np.sort(np.abs(_RESIDUALS[kind](refit).to_numpy())))
    curves = np.array(curves)
    return pd.DataFrame({
        "quantile": quantiles,
        "observed": observed.to_numpy(),
        "lower": curves.min(axis=0),
        "median": np.median(curves, axis=0),
        "upper": curves.max(axis=0),
        "row": observed.index.to_numpy(),
    })


# --- binary responses ---------------------------------------------------------------
def binned_residuals(res, n_bins: int | None = None) -> pd.DataFrame:
    """Mean response residual ``y_i - mu_hat_i`` in bins of the fitted probability (Gelman & Hill, 2007).

    Rows are sorted by fitted probability and cut into ``n_bins`` groups of
    (nearly) equal size; ``bound`` is two standard errors of the bin's mean
    residual under the fitted model, ``2 sqrt(sum mu_hat_i (1 - mu_hat_i)) / n``,
    so about 95% of bins should have ``|mean_resid| < bound``. (arm's
    ``binnedplot`` uses the bin's sample standard deviation instead, which
    collapses to 0 when a bin holds only 1s or only 0s.)

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary logistic (or other binomial-link) fit, one trial per row.
    n_bins : int, optional
        Defaults to ``floor(sqrt(n))`` for ``n >= 100``, 10 for smaller ``n``, as in arm.

    Returns
    -------
    pandas.DataFrame
        ``mean_fitted``, ``mean_resid``, ``n``, ``bound``, ``fitted_min``,
        ``fitted_max``, one row per bin.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.
        Also ``n_bins`` not a whole number between 1 and ``n / 2``.

    Notes
    -----
    R: ``arm::binnedplot`` (with the model-based bound described above).

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> gl.diagnostics.binned_residuals(res).shape
    (23, 6)
    """
    _check_result(res)
    _require_binary(res, "binned_residuals")
    rows = _used(res)
    n = rows.size
    if n_bins is None:
        n_bins = int(np.floor(np.sqrt(n))) if n >= 100 else min(10, max(1, n // 2))
    n_bins = whole_number("n_bins", n_bins, maximum=n // 2 if n >= 2 else 1)
    fitted, resid = res.mu[rows], (res.y - res.mu)[rows]
    order = np.argsort(fitted, kind="stable")
    table = []
    for group in np.array_split(order, n_bins):
        mu = fitted[group]
        bound = 2 * np.sqrt(np.sum(mu * (1 - mu))) / group.size
        table.append((mu.mean(), resid[group].mean(), group.size, bound, mu.min(), mu.max()))
    frame = pd.DataFrame(table, columns=["mean_fitted", "mean_resid", "n", "bound", "fitted_min", "fitted_max"])
    frame.index.name = "bin"
    return frame


def _risk_table(res, groups: int) -> pd.DataFrame:
    """Rows grouped by quantiles of the fitted probability, as ``hoslem.test`` cuts them:
    per group ``n``, ``observed`` and ``expected`` successes and ``mean_fitted``."""
    rows = _used(res)
    # Rows with the same covariates must tie exactly, whatever the BLAS round-off.
    y, fitted = res.y[rows], np.round(res.mu[rows], 12)
    breaks = np.unique(np.quantile(fitted, np.linspace(0, 1, groups + 1)))
    # R's cut(..., include.lowest = TRUE): intervals (a, b], the first closed.
    group = np.clip(np.searchsorted(breaks, fitted, side="left") - 1, 0, max(breaks.size - 2, 0))
    frame = pd.DataFrame({"group": group, "y": y, "mu": fitted})
    return frame.groupby("group").agg(n=("y", "size"), observed=("y", "sum"), expected=("mu", "sum"),
                                      mean_fitted=("mu", "mean"))


@dataclass
class HosmerLemeshow:
    """The result of :func:`hosmer_lemeshow`.

    Attributes
    ----------
    statistic : float
        The Hosmer--Lemeshow statistic, ``sum (O - E)^2 / E`` over successes and
        failures of every group.
    df : int
        Degrees of freedom, ``groups - 2``.
    p_value : float
        Upper tail of ``chi^2_df`` at ``statistic``.
    table : pandas.DataFrame
        Per group: ``n``, ``observed`` and ``expected`` successes, ``mean_fitted``.

    Notes
    -----
    R: the ``htest`` object of ``ResourceSelection::hoslem.test``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> hl = gl.diagnostics.hosmer_lemeshow(res)
    >>> hl.df, round(hl.statistic, 4)
    (8, 14.7086)
    """

    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame


def hosmer_lemeshow(res, groups: int = 10) -> HosmerLemeshow:
    """Hosmer--Lemeshow goodness-of-fit test for a binary logistic fit.

    Rows are grouped by quantiles of the fitted probability (ties merge
    groups, as in ``ResourceSelection::hoslem.test``); the statistic sums
    ``(O - E)^2 / E`` over successes and failures of every group and is
    referred to ``chi^2`` on ``groups - 2`` degrees of freedom. Its weakness:
    the verdict depends on the number of groups, and with large ``n`` it rejects
    trivial misfit, with small ``n`` it misses real misfit.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary fit, one trial per row.
    groups : int
        Number of risk groups (at least 3).

    Returns
    -------
    HosmerLemeshow
        ``statistic``, ``df``, ``p_value`` and the grouped ``table``.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.
        Also ``groups`` not a whole number of at least 3.

    Notes
    -----
    R: ``ResourceSelection::hoslem.test(y, fitted(fit), g = groups)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> hl = gl.diagnostics.hosmer_lemeshow(res)
    >>> hl.df, round(hl.p_value, 4)
    (8, 0.0651)
    """
    _check_result(res)
    _require_binary(res, "hosmer_lemeshow")
    groups = whole_number("groups", groups, minimum=3)
    table = _risk_table(res, groups)
    failures_observed = table["n"] - table["observed"]
    failures_expected = table["n"] - table["expected"]
    statistic = float(np.sum(np.square(table["observed"] - table["expected"]) / table["expected"])
                      + np.sum(np.square(failures_observed - failures_expected) / failures_expected))
    df = groups - 2
    return HosmerLemeshow(statistic, df, float(stats.chi2.sf(statistic, df)), table)


def roc_curve(res) -> pd.DataFrame:
    """The ROC curve of a binary fit: ``threshold``, ``fpr``, ``tpr``, from (0, 0) to (1, 1).

    Each distinct fitted probability is a threshold (classify as 1 when
    ``mu_hat_i >= threshold``); tied fitted values move the curve diagonally.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary fit, one trial per row.

    Returns
    -------
    pandas.DataFrame
        ``threshold`` (from ``inf`` down), ``fpr`` (false positive rate) and
        ``tpr`` (true positive rate).

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.
        Also a response without both 0s and 1s.

    Notes
    -----
    R: ``pROC::roc(y, fitted(fit))`` (not in base R).

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> curve = gl.diagnostics.roc_curve(res)
    >>> float(curve["fpr"].iloc[-1]), float(curve["tpr"].iloc[-1])
    (1.0, 1.0)
    """
    _check_result(res)
    _require_binary(res, "roc_curve")
    rows = _used(res)
    y, mu = res.y[rows], res.mu[rows]
    positives, negatives = y.sum(), (1 - y).sum()
    if positives == 0 or negatives == 0:
        raise ValueError("roc_curve needs both 0s and 1s in the response")
    thresholds = np.unique(mu)[::-1]
    tpr = [(y[mu >= t]).sum() / positives for t in thresholds]
    fpr = [(1 - y[mu >= t]).sum() / negatives for t in thresholds]
    return pd.DataFrame({"threshold": np.concatenate([[np.inf], thresholds]),
                         "fpr": np.concatenate([[0.0], fpr]), "tpr": np.concatenate([[0.0], tpr])})


def auc(res) -> float:
    """Area under the ROC curve.

    The probability that a random 1 has a higher fitted probability ``mu_hat_i``
    than a random 0 (ties count one half), i.e. the Mann--Whitney statistic.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary fit, one trial per row.

    Returns
    -------
    float
        The AUC, between 0 and 1 (0.5 is chance).

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.
        Also a response without both 0s and 1s.

    Notes
    -----
    R: ``pROC::auc`` (not in base R).

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> round(gl.diagnostics.auc(res), 4)
    0.8193
    """
    _check_result(res)
    _require_binary(res, "auc")
    rows = _used(res)
    y, mu = res.y[rows], res.mu[rows]
    n1, n0 = y.sum(), (1 - y).sum()
    if n1 == 0 or n0 == 0:
        raise ValueError("auc needs both 0s and 1s in the response")
    ranks = stats.rankdata(mu)
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def brier_score(res) -> float:
    """Mean squared difference between the 0/1 outcomes and the fitted probabilities.

    ``sum_i (y_i - mu_hat_i)^2 / n``.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary fit, one trial per row.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.

    Notes
    -----
    R: none in base R (``mean((y - fitted(fit))^2)``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> round(gl.diagnostics.brier_score(res), 4)
    0.1574
    """
    _check_result(res)
    _require_binary(res, "brier_score")
    rows = _used(res)
    return float(np.mean(np.square(res.y[rows] - res.mu[rows])))


def calibration(res, groups: int = 10, alpha: float = 0.05) -> pd.DataFrame:
    """Observed proportion against mean fitted probability in groups of risk.

    Groups are those of :func:`hosmer_lemeshow`; ``lower``/``upper`` are
    Wilson score intervals for the observed proportion. A calibrated model's
    points lie near the diagonal.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary fit, one trial per row.
    groups : int
        Number of risk groups (at least 2).
    alpha : float
        One minus the intervals' coverage.

    Returns
    -------
    pandas.DataFrame
        ``n``, ``mean_fitted``, ``observed``, ``lower``, ``upper``, one row per group.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.
        Also ``groups`` below 2 or ``alpha`` outside (0, 1).

    Notes
    -----
    R: none in base R (``rms::val.prob`` draws a smoothed calibration curve).

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> gl.diagnostics.calibration(res).shape
    (10, 5)
    """
    _check_result(res)
    _require_binary(res, "calibration")
    groups = whole_number("groups", groups, minimum=2)
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
    table = _risk_table(res, groups)
    n, p = table["n"].to_numpy(float), (table["observed"] / table["n"]).to_numpy()
    z = stats.norm.ppf(1 - alpha / 2)
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return pd.DataFrame({"n": table["n"].to_numpy(), "mean_fitted": table["mean_fitted"].to_numpy(),
                         "observed": p, "lower": centre - half, "upper": centre + half},
                        index=pd.Index(table.index, name="group"))


# --- counts -------------------------------------------------------------------------
def rootogram(res, max_count: int | None = None) -> pd.DataFrame:
    """Observed and expected frequencies of each count 0, 1, ..., ``max_count``.

    The expected frequency of ``k`` is ``sum_i Pr(y_i = k)`` under the fitted
    Poisson or negative binomial means ``mu_hat_i`` (Kleiber & Zeileis, 2016). Too
    few expected zeros is the usual sign that a Poisson model is wrong.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A Poisson or negative binomial fit with prior weights 1.
    max_count : int, optional
        The largest count tabulated (default: the largest observed).

    Returns
    -------
    pandas.DataFrame
        ``observed`` and ``expected``, indexed by ``count``.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Another family, prior weights other than 1, or a negative ``max_count``.

    Notes
    -----
    R: ``countreg::rootogram`` (``topmodels::rootogram``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> table = gl.diagnostics.rootogram(res)
    >>> int(table.loc[0, "observed"]), round(float(table.loc[0, "expected"]), 2)
    (62, 13.98)
    """
    _check_result(res)
    family = res.family
    if type(family) not in (Poisson, NegativeBinomial):
        raise ValueError(f"rootogram is for Poisson and negative binomial fits; this is a {family.name} fit")
    rows = _used(res)
    if not np.all(res.prior_weights[rows] == 1):
        raise ValueError("rootogram needs prior weights of 1 (one count per row)")
    y, mu = res.y[rows], res.mu[rows]
    top = int(y.max()) if max_count is None else whole_number("max_count", max_count, minimum=0)
    counts = np.arange(top + 1)
    if type(family) is Poisson:
        probabilities = stats.poisson.pmf(counts[None, :], mu[:, None])
    else:
        theta = 1.0 / family.alpha
        probabilities = stats.nbinom.pmf(counts[None, :], theta, (theta / (theta + mu))[:, None])
    observed = np.bincount(y.astype(int), minlength=top + 1)[: top + 1]
    return pd.DataFrame({"observed": observed, "expected": probabilities.sum(axis=0)},
                        index=pd.Index(counts, name="count"))


# --- plots --------------------------------------------------------------------------
def qresid(res, rng=None, dispersion: float | None = None) -> np.ndarray:
    """Randomized quantile residuals (Dunn and Smyth 1996), as ``statmod::qresid``.

    Each response is mapped through its fitted distribution function ``F`` and
    then through the standard normal quantile function, so that under the
    model the residuals are exactly standard normal, whatever the family. For
    a continuous family the residual is ``Phi^{-1}(F(y_i))``. For a discrete
    family ``F`` jumps at each value, and the residual is ``Phi^{-1}(u_i)``
    with ``u_i`` drawn uniformly between ``F(y_i - 1)`` and ``F(y_i)``: the
    randomisation makes them continuous, and two calls differ unless ``rng``
    fixes it.

    Parameters
    ----------
    res : GLMResults
        A maximum-likelihood fit of a Gaussian, Binomial, Poisson, Gamma,
        inverse Gaussian or negative binomial model (quasi families have no
        distribution function).
    rng : numpy.random.Generator or int, optional
        The uniform draws of discrete families (``numpy.random.default_rng(rng)``).
    dispersion : float, optional
        ``phi`` for the continuous families; by default statmod's estimates:
        the Pearson estimate for the Gamma (and R's summary dispersion for
        the Gaussian), ``D / (n - p)`` for the inverse Gaussian.

    Returns
    -------
    ndarray of shape (n,)
        One residual per row (rows with prior weight 0 give NaN).

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        A quasi family, a Poisson or negative binomial fit with prior weights
        other than 1 (its responses are then no Poisson counts), binomial
        trials that are not whole numbers, or a dispersion that is not a
        positive number.

    Notes
    -----
    R: ``statmod::qresid`` (``qres.gamma``, ``qres.invgauss``, ``qres.binom``,
    ``qres.pois``, ``qres.nbinom``, and ``qres.default``, a deviance residual
    divided by the square root of the dispersion, for the Gaussian). Discrete
    families cannot match R's draws, only their distribution.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", data=crabs, family=gl.Poisson())
    >>> r = gl.diagnostics.qresid(res, rng=1)
    >>> r.shape
    (173,)
    """
    _check_result(res)
    family = res.family
    if family.name.startswith("Quasi") or family.estimated_dispersion and not isinstance(family, (Gaussian, Gamma, InverseGaussian)):
        raise ValueError(f"qresid needs a distribution function; the {family.name} family has none (quasi-likelihood)")
    if dispersion is not None:
        dispersion = float(dispersion)
        if not (np.isfinite(dispersion) and dispersion > 0):
            raise ValueError(f"dispersion must be a positive number, got {dispersion!r}")
    y, mu, w = res.y, res.mu, res.prior_weights
    used = w > 0
    out = np.full(y.shape, np.nan)
    y, mu, w = y[used], mu[used], w[used]
    if isinstance(family, Gaussian):
        phi = res.dispersion if dispersion is None else dispersion
        out[used] = res.resid_deviance[used] / np.sqrt(phi)
        return out
    if isinstance(family, Gamma):
        phi = np.sum(w * np.square((y - mu) / mu)) / res.df_resid if dispersion is None else dispersion
        out[used] = special.ndtri_exp(stats.gamma.logcdf(w * y / mu / phi, w / phi))
        return out
    if isinstance(family, InverseGaussian):
        phi = np.sum(w * np.square(y - mu) / (np.square(mu) * y)) / res.df_resid if dispersion is None else dispersion
        law = stats.invgauss(mu * phi / w, scale=w / phi)
        upper = y > mu
        values = special.ndtri_exp(law.logcdf(y))
        values[upper] = -special.ndtri_exp(law.logsf(y)[upper])
        out[used] = values
        return out
    if isinstance(family, Binomial):
        n = w
        if np.any(np.abs(n - np.round(n)) > 1e-7):
            raise ValueError("qresid: binomial prior weights must be whole numbers of trials; these rows are no binomial counts: "
                             f"{first_rows(np.abs(res.prior_weights - np.round(res.prior_weights)) > 1e-7)}")
        counts = np.round(n * y)
        lower, upper = stats.binom.cdf(counts - 1, n, mu), stats.binom.cdf(counts, n, mu)
    elif isinstance(family, (Poisson, NegativeBinomial)):
        if np.any(w != 1.0):
            raise ValueError(f"qresid: the {family.name} family needs prior weights of 1; rows "
                             f"{first_rows(res.prior_weights != 1.0)} have others")
        if isinstance(family, Poisson):
            lower, upper = stats.poisson.cdf(y - 1, mu), stats.poisson.cdf(y, mu)
        else:
            size = 1.0 / family.alpha
            p = size / (mu + size)
            lower, upper = stats.nbinom.cdf(y - 1, size, p), stats.nbinom.cdf(y, size, p)
    else:
        raise ValueError(f"qresid does not know the distribution function of the {family.name} family")
    u = lower + (upper - lower) * np.random.default_rng(rng).random(y.shape[0])
    out[used] = stats.norm.ppf(u)
    return out


def plot_qresid(res, rng=None, ax=None, dispersion: float | None = None):
    """Normal quantile-quantile plot of randomized quantile residuals, with the line y = x.

    Under the model the points scatter about the line; a curve says the family
    or the mean is wrong.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
    rng : numpy.random.Generator or int, optional
        As for :func:`qresid`.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: a new figure).
    dispersion : float, optional
        ``phi`` for the continuous families, as for :func:`qresid` (by default
        statmod's estimates).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        As :func:`qresid`.

    Notes
    -----
    R: ``qqnorm(statmod::qresid(fit, dispersion = phi)); abline(0, 1)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> gl.diagnostics.plot_qresid(res, rng=1).get_xlabel()
    'standard normal quantile'
    """
    r = qresid(res, rng, dispersion=dispersion)
    r = np.sort(r[np.isfinite(r)])
    theoretical = stats.norm.ppf((np.arange(1, r.size + 1) - 0.5) / r.size)
    ax = _axes(ax)
    ax.plot(theoretical, r, "o", ms=3, color="C0", label="quantile residuals")
    ax.axline((0, 0), slope=1, color="0.4", lw=1, label="y = x")
    ax.set(xlabel="standard normal quantile", ylabel="randomized quantile residual",
           title="Normal Q-Q plot of quantile residuals")
    ax.legend(loc="upper left", frameon=False)
    return ax


def _axes(ax):
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(6, 4))[1] if ax is None else ax


def plot_halfnormal(res, kind: str = "deviance", n_sim: int = 19, seed: int | None = 0, label: int = 2, ax=None):
    """Half-normal plot of absolute residuals with the simulated envelope.

    Draws :func:`halfnormal_envelope` and labels the ``label`` largest
    residuals with their data row.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
    kind : {"deviance", "pearson", "student"}
        As for :func:`halfnormal_envelope`.
    n_sim : int
        Number of simulated responses.
    seed : int or None
        Seed of the simulations.
    label : int
        How many of the largest residuals to label.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        As :func:`halfnormal_envelope`, or a negative ``label``.

    Notes
    -----
    R: ``faraway::halfnorm`` (without the envelope); ``hnp::hnp``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> gl.diagnostics.plot_halfnormal(res, n_sim=5).get_xlabel()
    'half-normal quantile'
    """
    table = halfnormal_envelope(res, kind, n_sim, seed)
    label = whole_number("label", label, minimum=0)
    ax = _axes(ax)
    ax.fill_between(table["quantile"], table["lower"], table["upper"], color="0.85", label=f"envelope ({n_sim} simulations)")
    ax.plot(table["quantile"], table["median"], color="0.5", lw=1, label="simulated median")
    ax.plot(table["quantile"], table["observed"], "o", ms=3, color="C0", label="observed")
    for _, row in table.tail(label).iterrows():
        ax.annotate(str(int(row["row"])), (row["quantile"], row["observed"]), textcoords="offset points", xytext=(-12, 2))
    name = {"deviance": "standardized deviance", "pearson": "standardized Pearson", "student": "deletion"}[kind]
    ax.set(xlabel="half-normal quantile", ylabel=f"|{name} residual|", title="Half-normal plot with simulated envelope")
    ax.legend(loc="upper left", frameon=False)
    return ax


def plot_partial_residuals(res, term: str, x=None, ax=None):
    """Partial residuals of ``term`` against ``x``, with the fitted component and a running mean.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
    term : str
        A term of the model, as for :func:`partial_residuals`.
    x : array-like, optional
        The predictor's values, one per data row; by default the term's single
        column of ``X``.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        An unknown ``term``, a term with several columns and no ``x``, or an
        ``x`` of the wrong length.

    Notes
    -----
    R: ``termplot(fit, partial.resid = TRUE)`` and ``car::crPlots``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> gl.diagnostics.plot_partial_residuals(res, "width").get_title()
    'Partial residuals for width'
    """
    table = partial_residuals(res, term)
    if x is None:
        idx = term_columns(res)[term]
        if len(idx) != 1:
            raise ValueError(f"term {term!r} has {len(idx)} columns; pass x= (the predictor's values) to plot it")
        x = res.model_X[table.index.to_numpy(), idx[0]]
    else:
        x = np.asarray(x, dtype=float)
        if x.shape != (res.y.shape[0],):
            raise ValueError(f"x must have one value per data row ({res.y.shape[0]}), got shape {x.shape}")
        x = x[table.index.to_numpy()]
    ax = _axes(ax)
    order = np.argsort(x)
    ax.plot(x, table["partial"], "o", ms=3, alpha=0.6, label="partial residual")
    ax.plot(x[order], table["component"].to_numpy()[order], color="C1", label="fitted component")
    ax.plot(x[order], _running_mean(table["partial"].to_numpy()[order]), color="C2", ls="--", label="running mean")
    ax.set(xlabel=term, ylabel="component + working residual", title=f"Partial residuals for {term}")
    ax.legend(frameon=False)
    return ax


def _running_mean(values: np.ndarray) -> np.ndarray:
    width = max(3, values.size // 10)
    kernel = np.ones(width) / width
    padded = np.pad(values, (width // 2, width - 1 - width // 2), mode="edge")
    return np.convolve(padded, kernel, mode="valid")


def plot_binned_residuals(res, n_bins: int | None = None, ax=None):
    """Binned residuals against mean fitted probability with +/- 2 SE bounds.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary fit, one trial per row.
    n_bins : int, optional
        As for :func:`binned_residuals`.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.

    Notes
    -----
    R: ``arm::binnedplot``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> gl.diagnostics.plot_binned_residuals(res).get_title()
    'Binned residuals'
    """
    table = binned_residuals(res, n_bins)
    ax = _axes(ax)
    ax.plot(table["mean_fitted"], table["bound"], color="0.5", lw=1, label="$\\pm 2$ SE")
    ax.plot(table["mean_fitted"], -table["bound"], color="0.5", lw=1)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.plot(table["mean_fitted"], table["mean_resid"], "o", color="C0", label="bin mean of $y - \\hat\\mu$")
    ax.set(xlabel="mean fitted probability $\\hat\\mu$", ylabel="mean residual $y - \\hat\\mu$", title="Binned residuals")
    # Room above the points for the legend.
    top = 1.45 * float(np.max(np.abs(np.concatenate([table["mean_resid"], table["bound"]]))))
    ax.set_ylim(-top, top)
    ax.legend(loc="upper center", ncol=2, frameon=False)
    return ax


def plot_roc(res, ax=None):
    """The ROC curve with its AUC in the legend.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary fit, one trial per row.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.

    Notes
    -----
    R: ``plot(pROC::roc(y, fitted(fit)))``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> gl.diagnostics.plot_roc(res).get_title()
    'ROC curve'
    """
    table = roc_curve(res)
    ax = _axes(ax)
    ax.plot(table["fpr"], table["tpr"], color="C0", label=f"model (AUC = {auc(res):.3f})")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", label="chance")
    ax.set(xlabel="false positive rate (1 - specificity)", ylabel="true positive rate (sensitivity)",
           title="ROC curve", xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right", frameon=False)
    return ax


def plot_calibration(res, groups: int = 10, ax=None):
    """Observed proportion (with Wilson intervals) against mean fitted probability, by risk group.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A binary fit, one trial per row.
    groups : int
        Number of risk groups, as for :func:`calibration`.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        Not a binomial fit, or not a binary (0/1) response with one trial per row.

    Notes
    -----
    R: none in base R (``rms::val.prob``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> pima = gl.datasets.load_pima()
    >>> res = gl.glm("diabetes ~ glu + bmi", pima, family=gl.Binomial())
    >>> gl.diagnostics.plot_calibration(res).get_title()
    'Calibration'
    """
    table = calibration(res, groups)
    ax = _axes(ax)
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", label="perfect calibration")
    ax.errorbar(table["mean_fitted"], table["observed"],
                yerr=[table["observed"] - table["lower"], table["upper"] - table["observed"]],
                fmt="o", color="C0", capsize=3, label="risk group (95% interval)")
    ax.set(xlabel="mean fitted probability", ylabel="observed proportion", title="Calibration", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left", frameon=False)
    return ax


def plot_rootogram(res, max_count: int | None = None, ax=None):
    """Hanging rootogram: bars of sqrt(observed) hang from the curve of sqrt(expected).

    Parameters
    ----------
    res : GLMResults
        A fitted GLM (``gl.glm`` or ``gl.fit``).
        A Poisson or negative binomial fit with prior weights 1.
    max_count : int, optional
        As for :func:`rootogram`.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        As :func:`rootogram`.

    Notes
    -----
    R: ``countreg::rootogram`` (``topmodels::rootogram``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> gl.diagnostics.plot_rootogram(res).get_xlabel()
    'count'
    """
    table = rootogram(res, max_count)
    ax = _axes(ax)
    root_expected, root_observed = np.sqrt(table["expected"]), np.sqrt(table["observed"])
    ax.bar(table.index, root_observed, bottom=root_expected - root_observed, width=0.8, color="0.75",
           edgecolor="0.4", label="$\\sqrt{\\mathrm{observed}}$ (hanging)")
    ax.plot(table.index, root_expected, "o-", color="C3", label="$\\sqrt{\\mathrm{expected}}$")
    ax.axhline(0, color="0.2", lw=0.8)
    ax.set(xlabel="count", ylabel="$\\sqrt{\\mathrm{frequency}}$", title=f"Hanging rootogram ({res.family.name})")
    ax.legend(frameon=False)
    return ax
