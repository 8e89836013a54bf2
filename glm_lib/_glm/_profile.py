"""Profile-likelihood confidence intervals for GLM coefficients (R's ``confint(glm)``).

For coefficient ``beta_j`` the profile deviance ``D_j(b)`` is the deviance of
the model refitted with ``beta_j`` held at ``b`` (the column moved into the
offset). The interval is the set where the signed root

    z_j(b) = sign(b - beta_j_hat) * sqrt((D_j(b) - D) / dispersion)

lies between the normal quantiles, as in MASS's ``profile.glm`` /
``confint.profile.glm`` (which use the normal quantile even when the
dispersion is estimated, with the Pearson estimate held fixed). R finds the
ends by interpolating a spline through a few profile points; here each end is
solved for exactly (Brent's method), so the two agree to about 1e-4 and R's
value is the approximation.

For a fit with ``method="firth"`` the profile is that of the *penalised*
log-likelihood ``l(beta) + 0.5 log det I(beta)`` (Heinze and Schemper, 2002;
``logistf``'s intervals): ``D_j(b)`` is the penalised deviance
``D - log det I`` maximised over the other coefficients with ``beta_j = b``,
the penalty always the full model's information, and each end is where it
exceeds its minimum by the chi-squared(1) quantile.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._engine._firth import _constrained, penalised_deviance
from .._engine._irls import fisher_scoring

__all__ = ["profile_conf_int", "profile_deviance"]

_MAX_STEPS = 80  # doublings (up to 2^80 standard errors) and halvings of the step


def profile_deviance(res, name: str, value: float) -> float:
    """Deviance of ``res``'s model refitted with coefficient ``name`` fixed at ``value``.

    Parameters
    ----------
    res : GLMResults
        A fitted GLM. For a ``method="firth"`` fit the value is the penalised
        deviance ``D - log det I`` (see :mod:`glm_lib.firth`).
    name : str
        A coefficient name of ``res``.
    value : float
        The value at which the coefficient is held.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        ``name`` is not a coefficient of the model, or is aliased.

    Notes
    -----
    R: none directly; ``profile(fit)`` (``MASS:::profile.glm``) tabulates the
    signed square root of this deviance difference over a grid.

    Examples
    --------
    >>> import glm_lib as gl
    >>> dobson = gl.datasets.load_dobson()
    >>> res = gl.glm("counts ~ outcome + treatment", dobson, family=gl.Poisson())
    >>> round(gl.profile.profile_deviance(res, "outcome[T.2]", 0.0) - float(res.deviance), 4)
    5.1795
    """
    _check_fit(res)
    j = _coefficient_index(res, name)
    return _restricted_deviance(res, j, float(value))[0]


def _check_fit(res) -> None:
    # Duck-typed: GLMResults itself calls into this module.
    if not all(hasattr(res, name) for name in ("model_X", "family", "names", "_kept_names")):
        raise TypeError(f"res must be a fitted GLM (gl.glm, gl.fit or gl.glm_nb), not {type(res).__name__}")


def _is_firth(res) -> bool:
    return getattr(res, "method", None) == "firth"


def _minimum(res) -> float:
    """The deviance the profile is measured from: the fit's, or its penalised deviance for Firth."""
    if _is_firth(res):
        return penalised_deviance(res.family, res.model_X, res.y, res.prior_weights, res.offset, res._params)
    return res.deviance


def _coefficient_index(res, name: str) -> int:
    kept = list(res._kept_names)
    if name not in kept:
        if name in res.names:
            raise ValueError(f"coefficient {name!r} is aliased (NA), so it has no profile")
        raise ValueError(f"{name!r} is not a coefficient of the model; choose one of {', '.join(kept)}")
    return kept.index(name)


def _restricted_deviance(res, j: int, value: float):
    """Deviance and coefficients of the fit with column ``j`` held at ``value``."""
    if _is_firth(res):
        fixed = np.zeros(res.rank, dtype=bool)
        fixed[j] = True
        return _constrained(res, fixed, np.array([value]))
    X = res.model_X
    others = np.delete(X, j, axis=1)
    offset = res.offset + X[:, j] * value
    family, y, weights = res.family, res.y, res.prior_weights
    if others.shape[1] == 0:
        mu = family.link.inverse(offset)
        if not family.valid_mu(mu):
            return np.inf, np.empty(0)
        return family.deviance(y, mu, weights), np.empty(0)
    try:
        with warnings.catch_warnings():
            # Far out on the profile the restricted fit may hit the boundary;
            # the deviance is still the right number to compare with the cutoff.
            warnings.simplefilter("ignore")
            # R's starting means, not the estimate: far out on the profile the
            # estimate's other coefficients are a start IRLS cannot recover from.
            restricted = fisher_scoring(family, others, y, weights, offset, 1e-10, 100, None, False)
    except (FloatingPointError, ValueError, np.linalg.LinAlgError):
        # The restricted model cannot be fitted this far out (means leave the
        # family's range): the profile deviance there is effectively infinite.
        return np.inf, None
    if not restricted.converged:
        # Far out under separation IRLS stalls short of the restricted optimum;
        # its deviance there is no point of the profile.
        return np.inf, None
    return restricted.deviance, restricted.params


def _one_end(res, j: int, estimate: float, se: float, sign: float, target: float):
    """Solve ``(D_j(b) - D) / dispersion = target`` on one side of the estimate."""
    dispersion, minimum = res.dispersion, _minimum(res)

    def excess(b: float) -> float:
        return (_restricted_deviance(res, j, b)[0] - minimum) / dispersion - target

    inner, step = estimate, se if se > 0 and np.isfinite(se) else 1.0
    for _ in range(_MAX_STEPS):
        outer = inner + sign * step
        value = excess(outer)
        if not np.isfinite(value):
            # The restricted model cannot be fitted this far out (the means
            # overflow the family's range): come back closer. If the profile
            # is still below the cutoff where it can no longer be evaluated,
            # it never reaches it (separation): that end is infinite.
            step /= 2.0
            if step < 1e-10 * max(1.0, abs(inner)):
                break
            continue
        if value > 0:
            lo, hi = sorted((inner, outer))
            return optimize.brentq(excess, lo, hi, xtol=1e-12 * max(1.0, abs(estimate)), rtol=1e-12)
        inner, step = outer, step * 2.0
    return sign * np.inf


def profile_conf_int(res, alpha: float = 0.05, names=None) -> pd.DataFrame:
    """Profile-likelihood confidence intervals, as R's ``confint()`` on a glm.

    Parameters
    ----------
    res : GLMResults
        A maximum-likelihood fit, any family (for the negative binomial of
        :func:`glm_lib.glm_nb`, alpha is held at its estimate, as in R), or a
        ``method="firth"`` fit, whose intervals are penalised
        profile-likelihood intervals (``logistf``'s).
    alpha : float
        One minus the confidence level.
    names : list of str, optional
        Coefficients to profile (default: all).

    Returns
    -------
    pandas.DataFrame
        ``lower`` and ``upper``, one row per coefficient (aliased ones NaN).
        An end is ``-inf``/``inf`` (with a warning) when the profile deviance
        never rises far enough, e.g. under separation.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        ``alpha`` not between 0 and 1, or ``names`` that are not coefficients
        (or are aliased).

    Notes
    -----
    R: ``confint(fit)`` (``MASS:::confint.glm``, in ``stats`` from R 4.4);
    ``logistf::logistf(..., pl = TRUE)`` for a Firth fit.

    Examples
    --------
    >>> import glm_lib as gl
    >>> dobson = gl.datasets.load_dobson()
    >>> res = gl.glm("counts ~ outcome + treatment", dobson, family=gl.Poisson())
    >>> ci = gl.profile.profile_conf_int(res, names=["outcome[T.2]"])
    >>> round(float(ci.loc["outcome[T.2]", "lower"]), 4), round(float(ci.loc["outcome[T.2]", "upper"]), 4)
    (-0.8577, -0.0626)
    """
    _check_fit(res)
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a number between 0 and 1, got {alpha!r}")
    names = list(res.names) if names is None else ([names] if isinstance(names, str) else list(names))
    unknown = [name for name in names if name not in res.names]
    if unknown:
        raise ValueError(f"names: {', '.join(map(repr, unknown))} not coefficients of the model; "
                         f"choose from {', '.join(res.names)}")
    target = stats.norm.ppf(1 - alpha / 2) ** 2
    table = pd.DataFrame(np.nan, index=names, columns=["lower", "upper"])
    unbounded = []
    for name in names:
        if name in res.aliased:
            continue
        j = _coefficient_index(res, name)
        estimate, se = float(res.params[name]), float(res.bse[name])
        lower = _one_end(res, j, estimate, se, -1.0, target)
        upper = _one_end(res, j, estimate, se, 1.0, target)
        table.loc[name] = [lower, upper]
        if not (np.isfinite(lower) and np.isfinite(upper)):
            unbounded.append(name)
    if unbounded:
        warnings.warn(
            f"the profile deviance of {', '.join(unbounded)} never rises to the cutoff on at least "
            "one side, so that end of the interval is infinite (R reports NA); this happens under "
            "separation. Consider method='firth' in gl.fit/gl.glm"
            + ("" if not _is_firth(res) else " (this is already a Firth fit: the penalised profile is flat, "
               "so the data carry almost no information about that coefficient)"),
            stacklevel=3,
        )
    return table
