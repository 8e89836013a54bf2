"""Negative binomial regression with its overdispersion estimated (R's ``MASS::glm.nb``).

For a known ``alpha`` the negative binomial is a GLM and :func:`glm_lib.fit`
handles it. Here ``theta = 1 / alpha`` is estimated too, by alternating the two
maximisations as ``glm.nb`` does: IRLS for the coefficients at the current
theta, then Newton's method for theta at the current means, until both settle.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special

from .._model._errors import AliasedColumnsWarning, ConvergenceWarning
from .._model._families import NegativeBinomial, Poisson
from .._engine._prepare import prepare_data
from .._glm._fit import fit
from .._glm._frontend import _fit_formula
from .._glm._results import GLMResults
from .._model._validation import positive_number, whole_number

__all__ = ["fit_negative_binomial", "theta_ml"]


# Whole-number responses up to this size take the sums over counts (see _count_tails).
_MAX_TAIL_COUNT = 10_000_000


def _count_tails(y: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """``W_k = sum of the weights of the rows with y > k``, k = 0, ..., max(y) - 1, or None.

    For a whole number ``y``, ``psi(theta + y) - psi(theta) = sum_{k < y} 1 / (theta + k)``
    and ``psi'(theta) - psi'(theta + y) = sum_{k < y} 1 / (theta + k)^2``, so over the
    rows ``sum_i w_i [psi(theta + y_i) - psi(theta)] = sum_k W_k / (theta + k)``
    (and the same with squares): work in max(y) per Newton step instead of two
    polygamma calls per row, and no cancellation between two digammas.
    None when a response is not a whole number in [0, 10^7] (the polygamma form is used).
    """
    if y.size == 0:
        return None
    top = y.max()
    if not (0 <= y.min() and top <= _MAX_TAIL_COUNT and np.all(y == np.floor(y))):
        return None
    counts = np.bincount(y.astype(np.int64), weights=weights, minlength=int(top) + 1)
    return np.cumsum(counts[::-1])[::-1][1:]  # sum of counts[v] over v > k


def _theta_score_and_information(theta: float, y: np.ndarray, mu: np.ndarray, weights: np.ndarray,
                                 tails: np.ndarray | None = None):
    """First derivative of the log-likelihood in theta, and minus the second.

    ``tails`` (from :func:`_count_tails`) gives the digamma and trigamma terms
    as sums over the counts; without it they are computed row by row.
    """
    if tails is None:
        digammas = np.sum(weights * (special.digamma(theta + y) - special.digamma(theta)))
        trigammas = np.sum(weights * (special.polygamma(1, theta) - special.polygamma(1, theta + y)))
    else:
        inverse = 1.0 / (theta + np.arange(tails.shape[0]))
        digammas = tails @ inverse
        trigammas = tails @ np.square(inverse)
    # (Sums of products rather than BLAS dots over the rows: a threaded BLAS wakes its threads
    # for each long dot, which costs more than these sums on a busy machine.)
    total = np.sum(weights)
    inverse_mu = 1.0 / (mu + theta)
    ratio = (y + theta) * inverse_mu
    score = digammas + total * (np.log(theta) + 1.0) - np.sum(weights * (np.log(theta + mu) + ratio))
    information = trigammas - total / theta + np.sum(weights * (2.0 - ratio) * inverse_mu)
    return float(score), float(information)


def theta_ml(y, mu, weights=None, tol: float = 1e-10, max_iter: int = 50) -> tuple[float, float]:
    """Maximum-likelihood ``theta`` of a negative binomial with known means (R's ``theta.ml``).

    Parameters
    ----------
    y, mu : array-like
        Counts and their fitted means.
    weights : array-like, optional
        Prior (frequency) weights.
    tol, max_iter : float, int
        Newton's method stops when the step is below ``tol`` times theta.

    Returns
    -------
    theta, standard_error : float
        The estimate and ``1 / sqrt(information)``.

    Raises
    ------
    ValueError
        When the counts show no overdispersion (theta runs off to infinity:
        use the Poisson family).
    """
    y = np.asarray(y, dtype=float)
    mu = np.asarray(mu, dtype=float)
    weights = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    not_overdispersed = ValueError(
        "theta runs off to infinity: these counts are not overdispersed relative to the "
        "Poisson, so use gl.Poisson() (the negative binomial's limit as alpha -> 0)"
    )
    spread = np.sum(weights * np.square(y / mu - 1.0))
    if spread == 0:
        raise not_overdispersed
    # R's starting value: a method-of-moments estimate
    theta = float(np.sum(weights) / spread)
    tails = _count_tails(y, weights)
    for _ in range(max_iter):
        score, information = _theta_score_and_information(theta, y, mu, weights, tails)
        if not information > 0:
            raise not_overdispersed
        step = score / information
        # Newton on log(theta) would be safer near 0; halving keeps theta positive.
        while theta + step <= 0:
            step /= 2.0
        theta += step
        if not np.isfinite(theta) or theta > 1e8:
            raise not_overdispersed
        if abs(step) < tol * theta:
            break
    else:
        warnings.warn(f"theta_ml did not converge in {max_iter} Newton steps", ConvergenceWarning, stacklevel=2)
    _, information = _theta_score_and_information(theta, y, mu, weights, tails)
    if not information > 0:  # not a maximum in theta: no finite estimate or standard error
        raise not_overdispersed
    return theta, float(1.0 / np.sqrt(information))


def fit_negative_binomial(X, y, weights=None, offset=None, link: str = "log", tol: float = 1e-8,
                          max_iter: int = 25, **fit_options) -> GLMResults:
    """Negative binomial regression with ``alpha`` estimated by maximum likelihood.

    Parameters
    ----------
    X, y, weights, offset
        As for :func:`glm_lib.fit`; ``y`` are counts.
    link : str
        The link function (default log).
    tol : float
        Outer convergence tolerance on the change of the log-likelihood and of
        theta; the inner IRLS fits use ``tol`` as well.
    max_iter : int
        Outer alternations (IRLS for beta, Newton for theta).
    **fit_options
        Passed to :func:`glm_lib.fit` (e.g. ``feature_names``, ``formula``).

    Returns
    -------
    GLMResults
        The IRLS fit at the final alpha. ``res.family.alpha`` holds the
        estimate, ``res.family.alpha_se`` its standard error (delta method from
        theta's), ``res.theta`` and ``res.theta_se`` R's parametrisation, and the
        AIC counts alpha as a parameter, as R's ``glm.nb`` does. Standard errors
        of the coefficients treat alpha as known, as ``glm.nb`` does.

    Raises
    ------
    ValueError
        As :func:`glm_lib.fit`, ``tol`` not positive, ``max_iter`` not a positive
        whole number, or counts that are not overdispersed (``theta`` runs off
        to infinity: use the Poisson).

    Warns
    -----
    ConvergenceWarning
        When the alternation has not settled after ``max_iter`` rounds.

    Notes
    -----
    R: ``MASS::glm.nb`` (on a model matrix: ``glm.nb(y ~ X - 1)``).

    Examples
    --------
    >>> import numpy as np
    >>> import glm_lib as gl
    >>> quine = gl.datasets.load_quine()
    >>> X = np.column_stack([np.ones(len(quine)), quine["Eth"] == "N"])
    >>> res = gl.fit_negative_binomial(X, quine["Days"], feature_names=["Intercept", "EthN"])
    >>> round(res.theta, 4)
    1.1572
    """
    tol = positive_number("tol", tol)
    max_iter = whole_number("max_iter", max_iter)
    # Validate once, as counts; the fits below then reuse the arrays.
    X, names, y_vec, prior_weights, offset_vec = prepare_data(
        X, y, Poisson(), weights, offset, fit_options.pop("feature_names", None)
    )
    res = fit(X, y_vec, family=Poisson(link=link), weights=prior_weights, offset=offset_vec, tol=tol,
              feature_names=names, **fit_options)
    theta, _ = theta_ml(y_vec, res.mu, prior_weights)
    previous_llf = np.inf
    # glm.nb's stopping rule: |change of loglik| / sqrt(2 max(1, df_resid)) + |change of theta| < tol.
    # Both parts are absolute, so the fit keeps going until theta itself is settled to tol
    # (a relative rule on theta alone stopped sqrt-link fits early, with a score of 1e-4).
    loglik_scale = np.sqrt(2.0 * max(1, res.df_resid))
    for _ in range(max_iter):
        family = NegativeBinomial(alpha=1.0 / theta, link=link)
        res = _refit(X, y_vec, family, prior_weights, offset_vec, tol, res, names, fit_options)
        theta_new, theta_se = theta_ml(y_vec, res.mu, prior_weights)
        llf = res.llf
        settled = abs(llf - previous_llf) / loglik_scale + abs(theta_new - theta) < tol
        theta, previous_llf = theta_new, llf
        if settled:
            break
    else:
        warnings.warn(
            f"the negative binomial alternation did not settle in {max_iter} rounds (theta {theta:.6g})",
            ConvergenceWarning,
            stacklevel=2,
        )
    # Refit at the final theta so that every reported number belongs to it.
    family = NegativeBinomial(alpha=1.0 / theta, link=link)
    family.extra_params = 1
    family.alpha_se = theta_se / theta**2
    res = _refit(X, y_vec, family, prior_weights, offset_vec, tol, res, names, fit_options)
    res.theta, res.theta_se = theta, theta_se
    return res


def _refit(X, y, family, weights, offset, tol, previous, names, fit_options):
    """The IRLS fit at a new alpha, started from the previous fit's coefficients.

    With ``drop_aliased=True`` an aliased column's coefficient is NaN (R's NA);
    the refit drops that column again, so any finite start will do there, and
    the first fit has already warned about it.
    """
    start = np.nan_to_num(previous.params.to_numpy(), nan=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AliasedColumnsWarning)
        return fit(X, y, family=family, weights=weights, offset=offset, tol=tol, start=start,
                   feature_names=names, **fit_options)


def glm_nb(formula: str, data: pd.DataFrame, offset=None, weights=None, **options):
    """Negative binomial regression with ``alpha`` estimated, from a formula.

    ``Var(y_i) = mu_i + alpha mu_i^2``; ``beta`` (by IRLS) and ``alpha`` (by
    Newton on R's ``theta = 1 / alpha``) are estimated in alternation, as
    ``MASS::glm.nb`` does.

    Parameters
    ----------
    formula : str
        ``"counts ~ terms"``, as for :func:`glm_lib.glm` (``offset(...)`` allowed).
    data : pandas.DataFrame
        The variables; missing values are an error.
    offset, weights : str or array-like, optional
        A column name of ``data`` or values, one per row.
    **options
        Passed to :func:`fit_negative_binomial` (``link``, ``tol``, ``max_iter``).

    Returns
    -------
    GLMResults
        As :func:`fit_negative_binomial` returns it, with coefficient names from
        the formula; ``res.theta`` and ``res.theta_se`` are R's ``theta`` and
        ``SE.theta``.

    Raises
    ------
    ValueError
        As :func:`glm_lib.glm`, responses that are not non-negative counts, or
        counts that are not overdispersed (``theta`` runs off to infinity: use
        the Poisson).
    TypeError
        ``data`` not a DataFrame.

    Warns
    -----
    ConvergenceWarning
        When the alternation has not settled after ``max_iter`` rounds.

    Notes
    -----
    R: ``MASS::glm.nb(formula, data, weights, link = log)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> quine = gl.datasets.load_quine()
    >>> res = gl.glm_nb("Days ~ Eth + Sex + Age + Lrn", quine)
    >>> round(res.theta, 4), round(res.theta_se, 4)
    (1.2749, 0.161)
    """
    return _fit_formula(fit_negative_binomial, formula, data, offset, weights, **options)
