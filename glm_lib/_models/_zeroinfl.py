"""Zero-inflated and hurdle count models (R's ``pscl::zeroinfl`` and ``pscl::hurdle``).

Both mix a count distribution ``f(y; mu)`` (Poisson, or negative binomial with
size ``theta``; ``log mu = x' beta + o``) with a binary model for zeros.

- Zero-inflated: a zero is *structural* with probability ``pi = logit^{-1}(z' gamma)``,
  otherwise a draw from ``f``: ``P(0) = pi + (1 - pi) f(0)``, ``P(y) = (1 - pi) f(y)``.
- Hurdle: ``P(y > 0) = logit^{-1}(z' gamma)`` (the hurdle is crossed) and a
  positive count follows ``f`` truncated at zero: ``P(y) = P(y > 0) f(y) / (1 - f(0))``.

The zero-inflated likelihood is maximised jointly (BFGS on the analytic score,
then Newton steps, from the Poisson/NB and logistic fits as pscl starts); the
hurdle's two parts separate, so its zero part is a logistic GLM fitted by IRLS
and its count part a truncated count model. Standard errors come from the
observed information (a finite-difference Jacobian of the analytic score).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from scipy import special, stats

from .._formula._formula import _column_or_values, evaluate_expression, model_frame, new_design
from .._glm._fit import fit
from .._model import _formatting as formatting
from .._model._families import Binomial, Poisson
from .._model._validation import as_vector, first_rows
from ._optimize import covariance, maximise, observed_information

__all__ = ["zeroinfl", "hurdle", "ZeroCountResults"]

_DISTS = ("poisson", "negbin")


# --- the count distribution ------------------------------------------------------------------
def _log_f(y, mu, theta):
    """log f(y; mu) for the Poisson (theta None) or NB2 with size theta."""
    if theta is None:
        return special.xlogy(y, mu) - mu - special.gammaln(y + 1)
    return (special.gammaln(y + theta) - special.gammaln(theta) - special.gammaln(y + 1)
            + theta * np.log(theta) + special.xlogy(y, mu) - (theta + y) * np.log(theta + mu))


def _log_f0(mu, theta):
    return -mu if theta is None else theta * (np.log(theta) - np.log(theta + mu))


def _score_parts(y, mu, theta):
    """d log f / d eta, d log f0 / d eta, and (NB) d log f / d log theta, d log f0 / d log theta."""
    if theta is None:
        return y - mu, -mu, None, None
    ratio = theta / (theta + mu)
    d_eta = (y - mu) * ratio
    d0_eta = -mu * ratio
    d_theta = theta * (special.digamma(y + theta) - special.digamma(theta) + np.log(ratio) + 1.0 - (theta + y) / (theta + mu))
    d0_theta = theta * (np.log(ratio) + mu / (theta + mu))
    return d_eta, d0_eta, d_theta, d0_theta


# --- the data --------------------------------------------------------------------------------
def _split_formula(formula: str) -> tuple[str, str, str]:
    if not isinstance(formula, str):
        raise TypeError(f"formula must be a string such as 'y ~ x1 + x2 | z1', not {type(formula).__name__}")
    if formula.count("~") != 1:
        raise ValueError(f"formula needs one '~': 'y ~ count terms | zero terms', got {formula!r}")
    lhs, rhs = (part.strip() for part in formula.split("~"))
    depth, cut = 0, None
    for i, ch in enumerate(rhs):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            if cut is not None:
                raise ValueError(f"formula has more than one '|' between parts: {formula!r}")
            cut = i
    count, zero = (rhs, rhs) if cut is None else (rhs[:cut].strip(), rhs[cut + 1:].strip())
    if not lhs or not count or not zero:
        raise ValueError(f"formula needs a response, count terms and zero terms: 'y ~ x | z', got {formula!r}")
    return lhs, count, zero


class _Data:
    def __init__(self, formula, data, offset, weights):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
        lhs, count, zero = _split_formula(formula)
        self.formula = " ".join(formula.split())
        count_frame = model_frame(f"{lhs} ~ {count}", data)
        zero_frame = model_frame(f"{lhs} ~ {zero}", data)
        y = np.asarray(count_frame.response, dtype=float).ravel()
        n = y.shape[0]
        bad = ~np.isfinite(y) | (y < 0) | (np.abs(y - np.round(y)) > 1e-8)
        if bad.any():
            raise ValueError(f"the response {lhs!r} must be non-negative whole counts; offending {first_rows(bad)}")
        if not (y == 0).any():
            raise ValueError(f"the response {lhs!r} has no zeros, so there is no zero process to model; fit gl.glm instead")
        self.y = y
        self.X = np.asarray(count_frame.design, dtype=float)
        self.Z = np.asarray(zero_frame.design, dtype=float)
        self.count_names = list(count_frame.design.columns)
        self.zero_names = list(zero_frame.design.columns)
        self.count_spec = count_frame.design.model_spec
        self.zero_spec = zero_frame.design.model_spec
        values = _column_or_values(data, offset, "offset")
        extra = as_vector(values, n, "offset", default=0.0)
        self.offset = extra + (0.0 if count_frame.offset is None else count_frame.offset)
        self.offset_terms = count_frame.parsed.offsets + ((offset,) if isinstance(offset, str) else ())
        w = as_vector(_column_or_values(data, weights, "weights"), n, "weights", default=1.0)
        if (w < 0).any():
            raise ValueError(f"weights must be non-negative; offending {first_rows(w < 0)}")
        if not (w > 0).any():
            raise ValueError("weights: every weight is zero, so there is nothing to fit")
        self.weights = w


# --- zero-inflated likelihood ----------------------------------------------------------------
def _zi_loglik(params, d: _Data, negbin: bool, grad: bool):
    p, q = d.X.shape[1], d.Z.shape[1]
    beta, gamma = params[:p], params[p:p + q]
    theta = float(np.exp(params[p + q])) if negbin else None
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        mu = np.exp(d.X @ beta + d.offset)
        eta_z = d.Z @ gamma
        log_pi, log_1mpi = -np.logaddexp(0.0, -eta_z), -np.logaddexp(0.0, eta_z)
        log_f0 = _log_f0(mu, theta)
        zero = d.y == 0
        log_l0 = np.logaddexp(log_pi, log_1mpi + log_f0)
        ll = np.where(zero, log_l0, log_1mpi + _log_f(d.y, mu, theta))
    value = float(np.sum(d.weights * ll))
    if not grad:
        return value
    d_eta, d0_eta, d_theta, d0_theta = _score_parts(d.y, mu, theta)
    pi = np.exp(log_pi)
    share = np.exp(log_1mpi + log_f0 - log_l0)  # (1 - pi) f0 / P(0)
    g_x = np.where(zero, share * d0_eta, d_eta)
    g_z = np.where(zero, pi * np.expm1(-log_l0), -pi)  # pi (1 - pi)(1 - f0) / P(0) = pi (1 / P(0) - 1)
    parts = [d.X.T @ (d.weights * g_x), d.Z.T @ (d.weights * g_z)]
    if negbin:
        parts.append([np.sum(d.weights * np.where(zero, share * d0_theta, d_theta))])
    return value, np.concatenate(parts)


# --- truncated count likelihood (the hurdle's count part) ------------------------------------
def _truncated_loglik(params, X, y, offset, weights, negbin: bool, grad: bool):
    p = X.shape[1]
    theta = float(np.exp(params[p])) if negbin else None
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        mu = np.exp(X @ params[:p] + offset)
        log_f0 = _log_f0(mu, theta)
        log_1mf0 = np.log(-np.expm1(log_f0))
        ll = _log_f(y, mu, theta) - log_1mf0
    value = float(np.sum(weights * ll))
    if not grad:
        return value
    d_eta, d0_eta, d_theta, d0_theta = _score_parts(y, mu, theta)
    odds0 = np.exp(log_f0 - log_1mf0)  # f0 / (1 - f0)
    parts = [X.T @ (weights * (d_eta + odds0 * d0_eta))]
    if negbin:
        parts.append([np.sum(weights * (d_theta + odds0 * d0_theta))])
    return value, np.concatenate(parts)


# --- results ---------------------------------------------------------------------------------
class ZeroCountResults:
    """A fitted zero-inflated or hurdle count model (pscl's ``zeroinfl``/``hurdle`` object).

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        Estimates, standard errors, z statistics and p-values indexed
        ``count_<term>`` and ``zero_<term>`` (glm_lib's term names), with
        ``count_Log(theta)`` last among the count terms for ``dist="negbin"``.
    theta : float or None
        The negative binomial's size (``1/alpha``); None for the Poisson.
    llf, aic, bic : float
        Log-likelihood and information criteria (theta counted as a parameter).
    df_resid : float
        Number of observations minus number of parameters.
    nobs, n_params, converged, n_iter : int, int, bool, int
    kind, dist : str
        ``"zeroinfl"`` or ``"hurdle"``; ``"poisson"`` or ``"negbin"``.

    Notes
    -----
    R: the ``zeroinfl`` and ``hurdle`` objects of ``pscl`` (``coef``, ``vcov``,
    ``logLik``, ``AIC``, ``predict``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> articles = gl.datasets.load_biochemists()
    >>> res = gl.hurdle("art ~ fem + ment", articles)
    >>> res.kind, res.dist, res.theta is None
    ('hurdle', 'poisson', True)
    """

    def __init__(self, kind, dist, d: _Data, beta, gamma, log_theta, cov, llf, n_iter, converged):
        self.kind, self.dist = kind, dist
        self.formula = d.formula
        self._data = d
        self._beta, self._gamma = beta, gamma
        self.theta = None if log_theta is None else float(np.exp(log_theta))
        names = [f"count_{n}" for n in d.count_names]
        values = list(beta)
        if log_theta is not None:
            names.append("count_Log(theta)")
            values.append(log_theta)
        names += [f"zero_{n}" for n in d.zero_names]
        values += list(gamma)
        self.params = pd.Series(values, index=names)
        self.bse = pd.Series(np.sqrt(np.diag(cov)), index=names)
        self.tvalues = self.params / self.bse
        self.pvalues = pd.Series(2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=names)
        self._cov = cov
        self.llf = float(llf)
        self.nobs = int(np.count_nonzero(d.weights > 0))
        self.n_params = len(names)
        self.df_resid = float(np.sum(d.weights) - self.n_params)
        self.aic = -2 * self.llf + 2 * self.n_params
        self.bic = -2 * self.llf + np.log(np.sum(d.weights)) * self.n_params
        self.n_iter, self.converged = int(n_iter), bool(converged)

    def cov_params(self) -> pd.DataFrame:
        """The estimates' covariance matrix (inverse observed information)."""
        return pd.DataFrame(self._cov, index=self.params.index, columns=self.params.index)

    # prediction
    def _designs(self, newdata):
        d = self._data
        if newdata is None:
            return d.X, d.Z, d.offset
        designs = [new_design(spec, newdata, self.formula) for spec in (d.count_spec, d.zero_spec)]
        offset = np.zeros(len(newdata))
        for term in d.offset_terms:
            if term not in newdata.columns and re.fullmatch(r"\w+", term):
                raise ValueError(f"newdata lacks the offset column {term!r}")
            offset = offset + evaluate_expression(term, newdata, "offset")
        return designs[0], designs[1], offset

    def predict(self, newdata: pd.DataFrame | None = None, type: str = "response") -> np.ndarray:
        """Predictions, as pscl's ``predict(type = ...)``.

        Parameters
        ----------
        newdata : pandas.DataFrame, optional
            Raw variables of both parts (default: the fitted data).
        type : {"response", "count", "zero", "prob0"}
            ``"response"``: the mean ``E(y)``; ``"count"``: the count
            component's mean ``mu``; ``"zero"``: for zero inflation the
            probability ``pi`` of a structural zero, for a hurdle the ratio
            ``P(y > 0) / (1 - f(0; mu))`` (as pscl); ``"prob0"``: ``P(y = 0)``.

        Returns
        -------
        ndarray
        """
        if type not in ("response", "count", "zero", "prob0"):
            raise ValueError(f"type must be 'response', 'count', 'zero' or 'prob0', got {type!r}")
        X, Z, offset = self._designs(newdata)
        mu = np.exp(X @ self._beta + offset)
        p_z = special.expit(Z @ self._gamma)
        f0 = np.exp(_log_f0(mu, self.theta))
        if self.kind == "zeroinfl":
            return {"response": (1 - p_z) * mu, "count": mu, "zero": p_z, "prob0": p_z + (1 - p_z) * f0}[type]
        ratio = p_z / (1 - f0)
        return {"response": ratio * mu, "count": mu, "zero": ratio, "prob0": 1 - p_z}[type]

    @property
    def resid_pearson(self) -> np.ndarray:
        """Pearson residuals ``(y - E y) / sqrt(V)``, with pscl's ``V``.

        For zero inflation ``V = E(y) {1 + (pi + 1/theta) mu}``, the variance of
        the mixture; for a hurdle pscl uses ``V = E(y) {1 + (1 - r + 1/theta) mu}``
        with ``r`` the ``"zero"`` prediction (``1/theta = 0`` for the Poisson).
        """
        mean = self.predict(None, "response")
        mu = self.predict(None, "count")
        zero = self.predict(None, "zero")
        inverse_theta = 0.0 if self.theta is None else 1.0 / self.theta
        share = zero if self.kind == "zeroinfl" else 1.0 - zero
        return (self._data.y - mean) / np.sqrt(mean * (1.0 + (share + inverse_theta) * mu))

    def summary(self) -> str:
        """A summary laid out like pscl's ``summary.zeroinfl`` / ``summary.hurdle``."""
        quantiles = np.quantile(self.resid_pearson, [0, 0.25, 0.5, 0.75, 1], method="linear")
        header = "Count model coefficients ({} with log link):"
        count_label = "truncated " + self.dist if self.kind == "hurdle" else self.dist
        zero_label = ("Zero-inflation model coefficients (binomial with logit link):" if self.kind == "zeroinfl"
                      else "Zero hurdle model coefficients (binomial with logit link):")
        lines = ["Call:", f"{self.kind}(formula = {self.formula}, dist = \"{self.dist}\")", "",
                 "Pearson residuals:",
                 "    Min      1Q  Median      3Q     Max ",
                 " ".join(f"{v:7.4f}" for v in quantiles), "",
                 header.format(count_label), *self._table("count_"), "", zero_label, *self._table("zero_"),
                 "---", formatting.SIGNIF_LEGEND, ""]
        if self.theta is not None:
            lines.append(f"Theta = {self.theta:.4f} ")
        lines += [f"Number of iterations in BFGS optimization: {self.n_iter} ",
                  f"Log-likelihood: {self.llf:.5g} on {self.n_params} Df"]
        if not self.converged:
            lines.append("Warning: the fit did not converge")
        return "\n".join(lines)

    def _table(self, prefix: str) -> list[str]:
        rows = [n for n in self.params.index if n.startswith(prefix)]
        labels = [n[len(prefix):] for n in rows]
        return formatting.wald_table_lines(labels, self.params[rows], self.bse[rows], self.tvalues[rows], self.pvalues[rows])

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<ZeroCountResults {self.kind} {self.dist}: log-likelihood {self.llf:.6g} on {self.n_params} df>"


def _check_dist(dist: str) -> bool:
    if dist not in _DISTS:
        raise ValueError(f"dist must be 'poisson' or 'negbin', got {dist!r}")
    return dist == "negbin"


def _count_start(d: _Data, rows, negbin: bool):
    """Poisson GLM coefficients on ``rows`` (and log theta = 0 for the NB), as pscl starts."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = fit(d.X[rows], d.y[rows], Poisson(), weights=d.weights[rows], offset=d.offset[rows]).params.to_numpy()
    return np.concatenate([start, [0.0]]) if negbin else start


def zeroinfl(formula: str, data: pd.DataFrame, dist: str = "poisson", offset=None, weights=None) -> ZeroCountResults:
    """Zero-inflated Poisson or negative binomial regression (R's ``pscl::zeroinfl``).

    A zero is structural with probability ``pi_i = logit^{-1}(z_i' gamma)`` and
    otherwise a count from ``f(y; mu_i)`` with ``log mu_i = x_i' beta + o_i``.

    Parameters
    ----------
    formula : str
        pscl's two-part formula ``"y ~ x1 + x2 | z1 + z2"``: count terms, then
        zero-inflation terms; without ``|`` both parts have the same terms.
        ``offset(...)`` in the count part is an offset.
    data : pandas.DataFrame
    dist : {"poisson", "negbin"}
        The count distribution; ``"negbin"`` estimates its size ``theta``.
    offset, weights : str or array-like, optional
        A count-part offset and case weights: column names of ``data`` or values.

    Returns
    -------
    ZeroCountResults

    Raises
    ------
    ValueError
        A response that is not non-negative whole counts or has no zeros, a
        malformed formula, an unknown ``dist``, bad weights or offsets.
    TypeError
        ``data`` not a DataFrame, ``weights`` naming a non-numeric column.

    Warns
    -----
    ConvergenceWarning
        When the maximisation stops short of a zero score.

    Notes
    -----
    R: ``pscl::zeroinfl(formula, data, dist = "poisson" | "negbin")`` (logit
    link for the zero part). pscl maximises with BFGS to its default tolerance;
    glm_lib goes on to the optimum, so agreement is to pscl's convergence.

    Examples
    --------
    >>> import glm_lib as gl
    >>> articles = gl.datasets.load_biochemists()
    >>> res = gl.zeroinfl("art ~ fem + mar + kid5 + phd + ment | ment", articles, dist="negbin")
    >>> round(res.theta, 2)
    2.73
    """
    negbin = _check_dist(dist)
    d = _Data(formula, data, offset, weights)
    everything = np.ones(d.y.shape[0], dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gamma0 = fit(d.Z, (d.y == 0).astype(float), Binomial(), weights=d.weights).params.to_numpy()
    start = np.concatenate([_count_start(d, everything, negbin)[: d.X.shape[1]], gamma0] + ([[0.0]] if negbin else []))

    def loglik(params, grad):
        return _zi_loglik(params, d, negbin, grad)

    params, n_iter, converged = maximise(loglik, start, "zero-inflated")
    cov = covariance(observed_information(loglik, params), d.count_names + d.zero_names)
    p, q = d.X.shape[1], d.Z.shape[1]
    order = list(range(p)) + ([p + q] if negbin else []) + list(range(p, p + q))
    return ZeroCountResults("zeroinfl", dist, d, params[:p], params[p:p + q], params[p + q] if negbin else None,
                            cov[np.ix_(order, order)], loglik(params, False), n_iter, converged)


def hurdle(formula: str, data: pd.DataFrame, dist: str = "poisson", zero_dist: str = "binomial",
           offset=None, weights=None) -> ZeroCountResults:
    """Hurdle Poisson or negative binomial regression (R's ``pscl::hurdle``).

    Whether a count crosses the hurdle at zero is a logistic regression,
    ``P(y_i > 0) = logit^{-1}(z_i' gamma)``; a positive count follows
    ``f(y; mu_i)`` truncated at zero, ``log mu_i = x_i' beta + o_i``. The two
    parts have separate likelihoods and are fitted separately.

    Parameters
    ----------
    formula : str
        ``"y ~ x1 + x2 | z1 + z2"``: count terms, then hurdle terms (without
        ``|`` the same terms in both).
    data : pandas.DataFrame
    dist : {"poisson", "negbin"}
        The truncated count distribution.
    zero_dist : {"binomial"}
        The hurdle model: a binomial (logit) regression, pscl's default.
    offset, weights : str or array-like, optional
        A count-part offset and case weights.

    Returns
    -------
    ZeroCountResults

    Raises
    ------
    ValueError
        As :func:`zeroinfl`, and a ``zero_dist`` other than ``"binomial"`` or
        data without positive counts.
    TypeError
        ``data`` not a DataFrame.

    Notes
    -----
    R: ``pscl::hurdle(formula, data, dist = "poisson" | "negbin", zero.dist = "binomial")``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> articles = gl.datasets.load_biochemists()
    >>> res = gl.hurdle("art ~ fem + mar + kid5 + phd + ment", articles)
    >>> res.params.index[0]
    'count_Intercept'
    """
    negbin = _check_dist(dist)
    if zero_dist != "binomial":
        raise ValueError(f"zero_dist must be 'binomial' (a logistic hurdle), got {zero_dist!r}")
    d = _Data(formula, data, offset, weights)
    positive = d.y > 0
    if not positive.any():
        raise ValueError("the response has no positive counts, so there is no count part to fit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zero_fit = fit(d.Z, positive.astype(float), Binomial(), weights=d.weights, tol=1e-12)
    X, y, off, w = d.X[positive], d.y[positive], d.offset[positive], d.weights[positive]

    def loglik(params, grad):
        return _truncated_loglik(params, X, y, off, w, negbin, grad)

    params, n_iter, converged = maximise(loglik, _count_start(d, positive, negbin), "truncated count")
    count_cov = covariance(observed_information(loglik, params), d.count_names)
    k = params.shape[0]
    cov = np.zeros((k + len(d.zero_names),) * 2)
    cov[:k, :k] = count_cov
    cov[k:, k:] = zero_fit.cov_params().to_numpy()
    p = d.X.shape[1]
    return ZeroCountResults("hurdle", dist, d, params[:p], zero_fit.params.to_numpy(), params[p] if negbin else None,
                            cov, loglik(params, False) + zero_fit.llf, n_iter, converged)
