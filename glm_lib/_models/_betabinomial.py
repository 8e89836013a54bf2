"""Beta-binomial regression for overdispersed proportions (R's ``VGAM::vglm(..., betabinomial)``).

Successes ``s_i`` of ``m_i`` trials are binomial given a success probability
that itself varies between units as a beta distribution with mean ``mu_i``
(``g(mu_i) = x_i' beta``) and intra-class correlation ``rho``:
``E(s_i) = m_i mu_i`` and ``Var(s_i) = m_i mu_i (1 - mu_i) {1 + (m_i - 1) rho}``.
With ``c = (1 - rho) / rho`` the beta's parameters are ``mu c`` and ``(1 - mu) c``.
``rho`` is one number, fitted on the logit scale as VGAM's ``zero = "rho"`` does,
or held at a given value (``rho=``), when only ``beta`` is fitted.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import special, stats

from .._formula._formula import model_frame, new_design
from .._glm._fit import fit
from .._model import _formatting as formatting
from .._model._families import Binomial
from .._model._links import Link, get_link
from .._model._validation import first_rows
from ._optimize import covariance, maximise, maximise_to_boundary, observed_information

__all__ = ["betabinomial_glm", "BetaBinomialResults"]


def _loglik(params, X, s, m, link: Link, grad: bool):
    p = X.shape[1]
    eta = X @ params[:p]
    mu = link.inverse(eta)
    c = np.exp(-params[p])  # (1 - rho) / rho with logit(rho) = params[p]
    a, b = mu * c, (1 - mu) * c
    f = m - s
    with np.errstate(invalid="ignore", divide="ignore"):
        ll = (special.gammaln(m + 1) - special.gammaln(s + 1) - special.gammaln(f + 1)
              + special.betaln(s + a, f + b) - special.betaln(a, b))
    value = float(np.sum(ll))
    if not grad:
        return value
    common = special.digamma(a + b) - special.digamma(m + a + b)
    d_a = special.digamma(s + a) - special.digamma(a) + common
    d_b = special.digamma(f + b) - special.digamma(b) + common
    d_eta = c * (d_a - d_b) * link.inverse_deriv(eta)
    d_tau = -c * np.sum(mu * d_a + (1 - mu) * d_b)
    return value, np.concatenate([X.T @ d_eta, [d_tau]])


class BetaBinomialResults:
    """A fitted beta-binomial regression.

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        The mean model's coefficients (glm_lib's term names) with standard
        errors, z statistics and p-values.
    rho, rho_se : float
        The intra-class correlation and its standard error (delta method from
        ``logit(rho)``). With ``rho`` held fixed, ``rho`` is that value and
        ``rho_se`` is NaN (not estimated).
    logit_rho, logit_rho_se : float
        The same on the logit scale, where it is estimated (VGAM's ``(Intercept):2``);
        ``logit_rho_se`` is NaN when ``rho`` is held fixed.
    rho_fixed : bool
        Whether ``rho`` was held fixed (``betabinomial_glm(..., rho=value)``).
    llf, aic, bic : float
        Log-likelihood (with the binomial coefficients, as VGAM) and criteria
        counting ``rho`` as a parameter unless it is held fixed.
    df_resid : int

    Notes
    -----
    R: the ``vglm`` object of ``VGAM::vglm(cbind(s, m - s) ~ x, betabinomial)``
    (``coef``, ``vcov``, ``logLik``, ``AIC``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> rats = gl.datasets.load_lirat()
    >>> res = gl.betabinomial_glm("cbind(R, N - R) ~ hb", rats)
    >>> round(res.rho, 3)
    0.315
    """

    def __init__(self, formula, names, params, cov, llf, X, s, m, link, spec, converged, fixed_rho=None):
        # params: the mean coefficients then logit(rho); cov: p + 1 square, or p square when rho is fixed
        # (fixed_rho, the value itself, exactly as given)
        p = len(names)
        self.formula, self.link, self.model_spec = formula, link, spec
        self.params = pd.Series(params[:p], index=names)
        self.bse = pd.Series(np.sqrt(np.diag(cov)[:p]), index=names)
        self.tvalues = self.params / self.bse
        self.pvalues = pd.Series(2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=names)
        self.rho_fixed = fixed_rho is not None
        self.logit_rho = float(params[p])
        self.logit_rho_se = np.nan if self.rho_fixed else float(np.sqrt(cov[p, p]))
        self.rho = float(fixed_rho) if self.rho_fixed else float(special.expit(self.logit_rho))
        self.rho_se = self.rho * (1 - self.rho) * self.logit_rho_se
        self._cov = cov
        self.llf = float(llf)
        self.nobs = int(s.shape[0])
        self.n_params = p if self.rho_fixed else p + 1
        self.df_resid = self.nobs - self.n_params
        self.aic = -2 * self.llf + 2 * self.n_params
        self.bic = -2 * self.llf + np.log(self.nobs) * self.n_params
        self._X, self._s, self._m = X, s, m
        self.converged = converged

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the mean coefficients and ``logit(rho)`` (inverse observed information).

        With ``rho`` held fixed, of the mean coefficients only, given ``rho``.
        """
        names = list(self.params.index) if self.rho_fixed else [*self.params.index, "logit(rho)"]
        return pd.DataFrame(self._cov, index=names, columns=names)

    def predict(self, newdata: pd.DataFrame | None = None) -> np.ndarray:
        """The mean proportion ``mu`` for ``newdata`` (raw variables) or the fitted rows."""
        X = self._X if newdata is None else new_design(self.model_spec, newdata, self.formula)
        return self.link.inverse(X @ self.params.to_numpy())

    def summary(self) -> str:
        """Coefficient table of the mean, then ``rho``, the log-likelihood and AIC."""
        names = list(self.params.index)
        lines = [f"Beta-binomial regression: {self.formula}", "",
                 f"Mean model ({self.link.name} link):",
                 *formatting.wald_table_lines(names, self.params, self.bse, self.tvalues, self.pvalues)]
        if self.rho_fixed:
            rho_line = f"Intra-class correlation rho: held fixed at {self.rho:.4g} (not estimated)"
        else:
            rho_line = (f"Intra-class correlation rho: {self.rho:.4g} (SE {self.rho_se:.3g}); "
                        f"logit(rho) = {self.logit_rho:.4f} (SE {self.logit_rho_se:.4f})")
        lines += ["---", formatting.SIGNIF_LEGEND, "", rho_line,
                  f"Log-likelihood: {self.llf:.4f} on {self.n_params} Df   AIC: {self.aic:.4f}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        fixed = " (held fixed)" if self.rho_fixed else ""
        return f"<BetaBinomialResults rho = {self.rho:.4g}{fixed}, log-likelihood {self.llf:.6g}>"


def _check_rho(rho) -> float | None:
    if rho is None:
        return None
    if isinstance(rho, bool) or not isinstance(rho, numbers.Real):
        raise TypeError(f"rho must be None or a number in [0, 1), not {type(rho).__name__}")
    rho = float(rho)
    if not 0 <= rho < 1:  # also NaN
        raise ValueError(f"rho must be None (estimated) or a number in [0, 1) to hold fixed, got {rho!r}")
    return rho


def betabinomial_glm(formula: str, data: pd.DataFrame, link: str | Link = "logit",
                     rho: float | None = None) -> BetaBinomialResults:
    """Beta-binomial regression of ``cbind(successes, failures)`` (VGAM's ``betabinomial``).

    Parameters
    ----------
    formula : str
        ``"cbind(s, f) ~ terms"``: successes and failures of each unit, and the
        terms of the mean ``g(mu) = x' beta``.
    data : pandas.DataFrame
    link : str or Link
        The mean's link, ``"logit"`` by default (VGAM's ``lmu``).
    rho : float or None
        ``None`` (the default) estimates the intra-class correlation with the
        mean. A number in [0, 1) holds it fixed at that value and maximises
        the log-likelihood over ``beta`` only; ``rho=0`` is the binomial model.
        Maximising over ``beta`` for each of a grid of ``rho`` values gives
        ``rho``'s profile log-likelihood.

    Returns
    -------
    BetaBinomialResults
        The mean coefficients, ``rho`` with its standard error, ``llf``, ``aic``.
        With ``rho`` held fixed: ``rho`` is the given value, ``rho_se`` and
        ``logit_rho_se`` are NaN, the standard errors and ``cov_params()`` are
        the mean coefficients' given ``rho``, and ``aic``, ``bic`` and
        ``df_resid`` count ``p`` parameters.

    Raises
    ------
    ValueError
        A response that is not ``cbind(successes, failures)`` of non-negative
        whole numbers, units with no trials, a link that does not map to (0, 1),
        or ``rho`` outside [0, 1) or NaN.
    TypeError
        ``data`` not a DataFrame, or ``rho`` neither None nor a number.

    Warns
    -----
    ConvergenceWarning
        When the maximisation stops short of a zero score.

    Notes
    -----
    R: ``VGAM::vglm(cbind(s, f) ~ x, betabinomial, data)``; its ``(Intercept):2``
    is ``logit(rho)``. The estimates and log-likelihood agree with VGAM; VGAM's
    standard errors use the expected information, glm_lib's the observed.

    With ``rho`` held fixed the standard errors come from the observed
    information about ``beta`` given ``rho``, so they do not allow for
    uncertainty in ``rho``. Values of ``rho`` below about 1e-6 lose
    precision (the likelihood's gamma functions then nearly cancel), and the
    fit may warn that it did not converge. ``rho=0`` returns the binomial fit
    (``gl.glm(formula, data, family=gl.Binomial(link))``: its estimates,
    standard errors and log-likelihood). R: maximise
    ``sum(VGAM::dbetabinom(s, s + f, prob = plogis(X %*% beta), rho = rho, log = TRUE))``
    over ``beta`` with ``optim``, standard errors from its Hessian
    (``numDeriv::hessian``, or ``optimHess`` with steps scaled to the
    coefficients); or, with columns ``zero = 0`` and ``lrho = qlogis(rho)``
    added to ``data``, ``VGAM::vglm(cbind(s, f) ~ x, betabinomial(zero = NULL), data,
    offset = cbind(zero, lrho), constraints = list("(Intercept)" = rbind(1, 0), x = rbind(1, 0)))``
    (same estimates; VGAM's standard errors again from the expected information).

    Examples
    --------
    >>> import glm_lib as gl
    >>> rats = gl.datasets.load_lirat()
    >>> res = gl.betabinomial_glm("cbind(R, N - R) ~ hb", rats)
    >>> round(res.rho, 3)
    0.315

    Holding ``rho`` fixed: twice the drop in log-likelihood at ``rho = 0.1``,
    a point of ``rho``'s profile log-likelihood.

    >>> fixed = gl.betabinomial_glm("cbind(R, N - R) ~ hb", rats, rho=0.1)
    >>> fixed.n_params, round(2 * (res.llf - fixed.llf), 2)
    (2, 17.18)
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    rho = _check_rho(rho)
    link = get_link(link) if isinstance(link, str) else link
    if not isinstance(link, Link):
        raise TypeError(f"link must be a link name such as 'logit' or a glm_lib link, not {link!r}")
    if link.name not in ("logit", "probit", "cloglog", "cauchit"):
        raise ValueError(f"link must map to probabilities in (0, 1) (logit, probit, cloglog, cauchit), got {link.name!r}")
    frame = model_frame(formula, data, Binomial())
    if not frame.parsed.cbind:
        raise ValueError(f"the response must be cbind(successes, failures), got {formula!r}")
    if frame.offset is not None:
        raise ValueError("offset() terms are not supported by betabinomial_glm")
    counts = np.asarray(frame.response, dtype=float)
    bad = ~np.isfinite(counts).all(axis=1) | (counts < 0).any(axis=1) | (np.abs(counts - np.round(counts)) > 1e-8).any(axis=1)
    if bad.any():
        raise ValueError(f"successes and failures must be non-negative whole numbers; offending {first_rows(bad)}")
    s, m = counts[:, 0], counts.sum(axis=1)
    if (m == 0).any():
        raise ValueError(f"every unit needs at least one trial; rows {first_rows(m == 0)} have none")
    X = np.asarray(frame.design, dtype=float)
    names = list(frame.design.columns)
    binomial = fit(X, counts, Binomial(link=link))  # the start: binomial means, rho = 0.1 as VGAM's scale
    formula = " ".join(formula.split())
    if rho is not None:
        return _fit_fixed_rho(formula, names, X, s, m, link, frame.design.model_spec, binomial, rho)
    start = np.concatenate([binomial.params.to_numpy(), [special.logit(0.1)]])

    def loglik(params, grad):
        return _loglik(params, X, s, m, link, grad)

    # rho below 1e-6: rho's MLE is 0, the binomial itself
    params, cov, llf, converged = maximise_to_boundary(
        loglik, start, "beta-binomial", names + ["logit(rho)"], binomial, special.logit(1e-6),
        "rho is estimated at its boundary 0: these data show no overdispersion beyond the binomial, "
        "whose fit (gl.glm with gl.Binomial()) is then the model; rho's standard error is not defined")
    return BetaBinomialResults(formula, names, params, cov, llf, X, s, m,
                               link, frame.design.model_spec, converged)


def _fit_fixed_rho(formula, names, X, s, m, link, spec, binomial, rho) -> BetaBinomialResults:
    """The mean coefficients maximising the beta-binomial log-likelihood at the given ``rho``."""
    if rho == 0:
        # The binomial itself (the beta's precision is infinite, outside _loglik's parametrisation).
        params = np.concatenate([binomial.params.to_numpy(), [-np.inf]])
        return BetaBinomialResults(formula, names, params, binomial.cov_params().to_numpy(), binomial.llf,
                                   X, s, m, link, spec, bool(binomial.converged), fixed_rho=rho)
    logit_rho = special.logit(rho)

    def loglik(beta, grad):
        out = _loglik(np.append(beta, logit_rho), X, s, m, link, grad)
        return (out[0], out[1][:-1]) if grad else out

    beta, _, converged = maximise(loglik, binomial.params.to_numpy(), "beta-binomial")
    cov = covariance(observed_information(loglik, beta), names)
    return BetaBinomialResults(formula, names, np.append(beta, logit_rho), cov, loglik(beta, False),
                               X, s, m, link, spec, converged, fixed_rho=rho)
