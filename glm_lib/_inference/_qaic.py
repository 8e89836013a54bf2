"""Quasi-AIC for model choice under overdispersion (Burnham and Anderson 2002, sec. 2.5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._glm._results import GLMResults
from .._model._families import Binomial, Poisson, QuasiBinomial, QuasiPoisson

__all__ = ["qaic"]


def _loglik(model: GLMResults) -> float:
    """The log-likelihood of the model's distribution at its estimates (the Poisson's for a
    quasi-Poisson fit, the binomial's for a quasi-binomial one: the same estimates)."""
    family = model.family
    for quasi, base in ((QuasiPoisson, Poisson), (QuasiBinomial, Binomial)):
        if isinstance(family, quasi):
            return float(base.loglike(family, model.y, model.mu, model.prior_weights))
    if not family.has_likelihood:
        raise ValueError(f"qaic needs a likelihood; the {family.name} family has none (use Poisson or binomial variance)")
    return float(model.llf)


def qaic(model: GLMResults, c_hat: float | GLMResults) -> pd.Series:
    """QAIC and QAICc of a fit, with the variance inflation ``c_hat`` of the most general model.

    Under overdispersion the log-likelihood is divided by ``c_hat``, the
    estimated variance inflation factor, and ``c_hat`` counts as one more
    parameter (Burnham and Anderson 2002):

    ``QAIC = -2 l / c_hat + 2 (k + 1)``, ``QAICc = QAIC + 2 (k + 1)(k + 2) / (n - k - 2)``,

    with ``k`` the number of coefficients. Models compared must share the
    same ``c_hat``, taken from the most general model in the set.

    Parameters
    ----------
    model : GLMResults
        A Poisson, binomial, quasi-Poisson or quasi-binomial fit (a quasi fit
        uses its distribution's log-likelihood at the same estimates).
    c_hat : float or GLMResults
        The variance inflation factor, or the most general model, whose
        Pearson ``X^2 / (n - p)`` is used. Burnham and Anderson use 1 when the
        estimate falls below 1.

    Returns
    -------
    pandas.Series
        ``QAIC``, ``QAICc``, ``c_hat``, ``K`` (``k + 1``) and ``loglik``.

    Raises
    ------
    TypeError
        ``model`` (or a model given as ``c_hat``) is not a fitted GLM.
    ValueError
        A family without a likelihood, or ``c_hat`` not a positive number.

    Notes
    -----
    R: ``AICcmodavg::AICc(..., c.hat = )`` and ``MuMIn::QAIC``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> general = gl.glm("satellites ~ width + weight", crabs, family=gl.QuasiPoisson())
    >>> smaller = gl.glm("satellites ~ width", crabs, family=gl.QuasiPoisson())
    >>> round(float(gl.qaic(smaller, general)["QAIC"] - gl.qaic(general, general)["QAIC"]), 2)
    0.53
    """
    if not isinstance(model, GLMResults):
        raise TypeError(f"model must be a fitted GLM (gl.glm or gl.fit), not {type(model).__name__}")
    if isinstance(c_hat, GLMResults):
        c_hat = c_hat.pearson_chi2 / c_hat.df_resid
    try:
        c_hat = float(c_hat)
    except (TypeError, ValueError):
        raise TypeError(f"c_hat must be a number or the most general fitted model, not {type(c_hat).__name__}") from None
    if not (np.isfinite(c_hat) and c_hat > 0):
        raise ValueError(f"c_hat must be a positive number, got {c_hat!r}")
    loglik = _loglik(model)
    k = model.rank + 1
    n = model.nobs
    value = -2.0 * loglik / c_hat + 2.0 * k
    corrected = value + 2.0 * k * (k + 1) / (n - k - 1) if n - k - 1 > 0 else np.inf
    return pd.Series({"QAIC": value, "QAICc": corrected, "c_hat": c_hat, "K": float(k), "loglik": loglik})
