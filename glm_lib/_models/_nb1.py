"""NB1 negative binomial regression: counts whose variance grows linearly in the mean.

``Var(y_i) = kappa mu_i`` with ``kappa > 1`` (the "NB1" of Cameron and Trivedi),
``g(mu_i) = x_i' beta + offset_i``: ``y_i ~ NB(size = mu_i / (kappa - 1), prob = 1 / kappa)``.
Unlike the quadratic form ``Var = mu + alpha mu^2`` (NB2, :func:`glm_lib.glm_nb`),
the size depends on the mean, so for a fixed ``kappa`` this is not an exponential
family in ``mu`` and IRLS does not apply: ``beta`` and ``log(kappa - 1)`` are
estimated together by Newton's method on the exact log-likelihood. The Poisson
is the boundary ``kappa -> 1``.

With ``a = kappa - 1`` and ``r = mu / a``, the parts that cancel as ``a -> 0``
are summed over the count for a whole number ``y``:
``log Gamma(y + r) - log Gamma(r) - y log r = sum_{k < y} log(1 + k a / mu)`` and
``{psi(y + r) - psi(r)} / a = sum_{k < y} 1 / (mu + k a)``; so the
log-likelihood and score stay exact up to the Poisson boundary.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
from scipy import special, stats

from .._formula._formula import model_frame, new_design
from .._glm._fit import fit
from .._model import _formatting as formatting
from .._model._families import Poisson
from .._model._links import Link, get_link
from .._model._validation import first_rows
from ._optimize import maximise_to_boundary

__all__ = ["glm_nb1", "NB1Results"]

# Counts up to this size take the exact sums over k < y (see the module docstring);
# larger counts, or more than _MAX_TERMS terms in all, the polygamma form.
_MAX_SUMMED_COUNT = 1000
_MAX_TERMS = 20_000_000
_LINKS = ("log", "sqrt", "identity")


class _Terms:
    """Index arrays for the sums over ``k = 0, ..., y_i - 1`` of the rows with small counts."""

    def __init__(self, y: np.ndarray):
        counts = y.astype(np.int64)
        summed = counts <= _MAX_SUMMED_COUNT
        if counts[summed].sum() > _MAX_TERMS:
            summed[:] = False
        self.summed, self.n = summed, y.shape[0]
        lengths = np.where(summed, counts, 0)
        self.row = np.repeat(np.arange(self.n), lengths)
        starts = np.cumsum(lengths) - lengths
        self.k = np.arange(self.row.shape[0]) - np.repeat(starts, lengths)

    def log_ratio_and_inverse(self, y, mu, a):
        """``D_i = log Gamma(y + r) - log Gamma(r) - y log r`` and ``S_i = {psi(y + r) - psi(r)} / a``."""
        k, row = self.k, self.row
        ka = k * a
        D = np.bincount(row, weights=np.log1p(ka / mu[row]), minlength=self.n)
        S = np.bincount(row, weights=1.0 / (mu[row] + ka), minlength=self.n)
        rest = ~self.summed
        if rest.any():
            yr, r = y[rest], mu[rest] / a
            positive = yr > 0
            big_D = np.zeros(yr.shape[0])
            big_D[positive] = (special.gammaln(yr[positive]) - special.betaln(yr[positive], r[positive])
                               - yr[positive] * np.log(r[positive]))
            D[rest] = big_D
            S[rest] = (special.digamma(yr + r) - special.digamma(r)) / a
        return D, S


def _loglik(params, X, y, offset, link: Link, terms: _Terms, grad: bool):
    p = X.shape[1]
    eta = X @ params[:p] + offset
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mu = link.inverse(eta)
        a = np.exp(params[p])  # kappa - 1
        if not (np.all(mu > 0) and np.all(np.isfinite(mu)) and 0 < a < np.inf):
            return (-np.inf, np.full(p + 1, np.nan)) if grad else -np.inf
        D, S = terms.log_ratio_and_inverse(y, mu, a)
        log_kappa = np.log1p(a)
        c = log_kappa / a  # log(kappa) / (kappa - 1), 1 at the Poisson boundary
        ll = D + y * np.log(mu) - mu * c - y * log_kappa - special.gammaln(y + 1)
    value = float(np.sum(ll))
    if not grad:
        return value
    d_mu = S - c                     # d loglik / d mu
    d_eta = d_mu * link.inverse_deriv(eta)
    d_tau = np.sum(-mu * d_mu - (mu - y) / (1 + a))
    return value, np.concatenate([X.T @ d_eta, [d_tau]])


class NB1Results:
    """A fitted NB1 negative binomial regression, ``Var(y_i) = kappa mu_i``.

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        The mean model's coefficients (glm_lib's term names) with standard
        errors, z statistics and p-values.
    kappa, kappa_se : float
        The variance multiplier ``kappa = Var(y) / mu`` and its standard error
        (delta method from ``log(kappa - 1)``).
    log_kappa_minus_one, log_kappa_minus_one_se : float
        The same on the scale where it is estimated, ``log(kappa - 1)``.
    llf, aic, bic : float
        Log-likelihood and criteria counting ``kappa`` as a parameter.
    nobs, df_resid : int
    converged : bool
        Whether Newton's method reached a zero score.
    mu : numpy.ndarray
        The fitted means.

    Notes
    -----
    R: no function of base R or MASS; the same likelihood maximised by ``nlminb``
    on ``dnbinom(y, size = mu / (kappa - 1), prob = 1 / kappa, log = TRUE)``
    (``gamlss``'s ``NBII`` family parametrises it by ``sigma = kappa - 1``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm_nb1("satellites ~ width", crabs)
    >>> round(res.kappa, 3), round(res.aic, 1)
    (4.224, 742.5)
    """

    def __init__(self, formula, names, params, cov, llf, X, y, offset, link, frame, converged):
        p = len(names)
        self.formula, self.link = formula, link
        self.model_spec, self._parsed = frame.design.model_spec, frame.parsed
        self.params = pd.Series(params[:p], index=names)
        self.bse = pd.Series(np.sqrt(np.diag(cov)[:p]), index=names)
        self.tvalues = self.params / self.bse
        self.pvalues = pd.Series(2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=names)
        self.log_kappa_minus_one = float(params[p])
        self.log_kappa_minus_one_se = float(np.sqrt(cov[p, p]))
        self.kappa = float(1 + np.exp(self.log_kappa_minus_one))
        self.kappa_se = float((self.kappa - 1) * self.log_kappa_minus_one_se)
        self._cov = cov
        self.llf = float(llf)
        self.nobs = int(y.shape[0])
        self.n_params = p + 1
        self.df_resid = self.nobs - self.n_params
        self.aic = -2 * self.llf + 2 * self.n_params
        self.bic = -2 * self.llf + np.log(self.nobs) * self.n_params
        self._X, self._offset = X, offset
        self.y = y
        self.mu = link.inverse(X @ params[:p] + offset)
        self.converged = converged

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the mean coefficients and ``log(kappa - 1)`` (inverse observed information)."""
        names = [*self.params.index, "log(kappa - 1)"]
        return pd.DataFrame(self._cov, index=names, columns=names)

    def predict(self, newdata: pd.DataFrame | None = None) -> np.ndarray:
        """The mean ``mu`` for ``newdata`` (raw variables, offset columns included) or the fitted rows."""
        if newdata is None:
            return self.mu.copy()
        X = new_design(self.model_spec, newdata, self.formula)
        offset = self._parsed.offset(newdata)
        offset = np.zeros(X.shape[0]) if offset is None else np.asarray(offset, dtype=float).ravel()
        return self.link.inverse(X @ self.params.to_numpy() + offset)

    def summary(self) -> str:
        """Coefficient table of the mean, then ``kappa``, the log-likelihood and AIC."""
        names = list(self.params.index)
        lines = [f"NB1 negative binomial regression, Var(y) = kappa mu: {self.formula}", "",
                 f"Mean model ({self.link.name} link):",
                 *formatting.wald_table_lines(names, self.params, self.bse, self.tvalues, self.pvalues)]
        lines += ["---", formatting.SIGNIF_LEGEND, "",
                  f"Variance multiplier kappa: {self.kappa:.4g} (SE {self.kappa_se:.3g}); "
                  f"log(kappa - 1) = {self.log_kappa_minus_one:.4f} (SE {self.log_kappa_minus_one_se:.4f})",
                  f"Log-likelihood: {self.llf:.4f} on {self.n_params} Df   AIC: {self.aic:.4f}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<NB1Results kappa = {self.kappa:.4g}, log-likelihood {self.llf:.6g}>"


def glm_nb1(formula: str, data: pd.DataFrame, link: str | Link = "log") -> NB1Results:
    """NB1 negative binomial regression, ``Var(y_i) = kappa mu_i`` with ``kappa > 1``.

    ``y_i ~ NB(size = mu_i / (kappa - 1), prob = 1 / kappa)`` with
    ``g(mu_i) = x_i' beta + offset_i``: the variance is a constant multiple
    ``kappa`` of the mean, as in a quasi-Poisson model, but with a full
    likelihood (so an AIC that compares it with :func:`glm_lib.glm_nb`'s
    quadratic form ``mu + alpha mu^2``). ``beta`` and ``log(kappa - 1)`` are
    estimated together by Newton's method on the exact log-likelihood.

    Parameters
    ----------
    formula : str
        ``"counts ~ terms"``, as for :func:`glm_lib.glm`; ``offset(...)`` terms
        (e.g. ``offset(log(exposure))``) are added to the linear predictor.
    data : pandas.DataFrame
        The variables; missing values are an error.
    link : str or Link
        The mean's link: ``"log"`` (default), ``"sqrt"`` or ``"identity"``.

    Returns
    -------
    NB1Results
        The mean coefficients with standard errors from the observed
        information, ``kappa`` with its standard error, ``llf``, ``aic``, ``bic``,
        ``cov_params()``, ``predict(newdata)`` and ``summary()``.

    Raises
    ------
    TypeError
        ``data`` not a DataFrame, or ``link`` neither a name nor a glm_lib link.
    ValueError
        Counts that are negative, not whole numbers or missing (the message
        names the rows), an unknown link, or a formula that cannot be built.

    Warns
    -----
    ConvergenceWarning
        When Newton's method stops short of a zero score; and when ``kappa``
        runs to its boundary 1, where the counts show no overdispersion: the
        Poisson fit is then returned (``kappa = 1``, its standard error NaN;
        ``aic`` and ``bic`` still count ``kappa`` as a parameter).

    Notes
    -----
    ``kappa`` is the chapter on model checking's symbol for NB1's variance
    multiplier; it plays the role of the dispersion ``phi`` of a quasi-Poisson
    model, ``Var(y_i) = phi mu_i``, but belongs to a negative binomial
    likelihood. The NB1 is not a GLM for fixed ``kappa``: its size
    ``mu / (kappa - 1)`` changes with the mean.

    R: no function of base R or MASS; the same maximum-likelihood fit is
    ``nlminb`` on minus the sum of
    ``dnbinom(y, size = mu / (kappa - 1), prob = 1 / kappa, log = TRUE)`` over
    ``(beta, log(kappa - 1))``, with standard errors from ``optimHess`` (or
    ``gamlss(y ~ x, family = NBII)``, whose ``sigma`` is ``kappa - 1``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm_nb1("satellites ~ width", crabs)
    >>> round(float(res.params["width"]), 4), round(res.kappa, 3), round(res.kappa_se, 3)
    (0.2018, 4.224, 0.628)
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if isinstance(link, str):
        if link not in _LINKS:
            raise ValueError(f"link must be one of {', '.join(map(repr, _LINKS))} for a count mean, got {link!r}")
        link = get_link(link)
    if not isinstance(link, Link):
        raise TypeError(f"link must be a link name such as 'log' or a glm_lib link, not {link!r}")
    if link.name not in _LINKS:
        raise ValueError(f"link must be one of {', '.join(map(repr, _LINKS))} for a count mean, got {link.name!r}")
    frame = model_frame(formula, data)
    if frame.parsed.cbind:
        raise ValueError(f"the response must be one column of counts, got {formula!r}")
    y = np.asarray(frame.response, dtype=float)
    bad = ~np.isfinite(y) | (y < 0) | (np.abs(y - np.round(y)) > 1e-8)
    if bad.any():
        raise ValueError(f"the response must be non-negative whole numbers (counts); offending {first_rows(bad)}")
    y = np.round(y)
    n = y.shape[0]
    offset = np.zeros(n) if frame.offset is None else np.asarray(frame.offset, dtype=float).ravel()
    if not np.all(np.isfinite(offset)):
        raise ValueError(f"the offset must be finite; offending {first_rows(~np.isfinite(offset))}")
    X = np.asarray(frame.design, dtype=float)
    names = list(frame.design.columns)
    poisson = fit(X, y, Poisson(link=link), offset=offset, feature_names=names)
    # The start: Poisson means, and kappa from Pearson's X^2 / (n - p), its moment estimate
    x2df = float(poisson.pearson_chi2 / max(poisson.df_resid, 1))
    start = np.concatenate([poisson.params.to_numpy(), [np.log(max(x2df - 1, 0.1))]])
    terms = _Terms(y)

    def loglik(params, grad):
        return _loglik(params, X, y, offset, link, terms, grad)

    # kappa - 1 below 1e-6: kappa's MLE is 1, the Poisson itself
    params, cov, llf, converged = maximise_to_boundary(
        loglik, start, "NB1", names + ["log(kappa - 1)"], poisson, np.log(1e-6),
        "kappa is estimated at its boundary 1: these counts show no overdispersion beyond the Poisson, "
        "whose fit (gl.glm with gl.Poisson()) is then the model; kappa's standard error is not defined")
    return NB1Results(" ".join(formula.split()), names, params, cov, llf, X, y, offset, link, frame, converged)
