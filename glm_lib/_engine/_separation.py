"""Separation and boundary checks on a fitted binomial or Poisson model.

A linear program decides whether the data are (quasi-)completely separated, so
that a warning can say which rows drive the estimates to infinity.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize

from .._model._errors import SeparationWarning
from .._model._families import Family
from .._model._validation import first_rows
from ._state import _State


def detect_separation(X: np.ndarray, y: np.ndarray, weights: np.ndarray, family: Family) -> dict | None:
    """Linear-programming check for (quasi-)complete separation (Konis, 2007).

    Looks for a direction ``b != 0`` that pushes every boundary response toward
    its bound without any cost: ``x_i' b >= 0`` where y sits at the upper bound,
    ``<= 0`` where it sits at the lower bound, and ``= 0`` elsewhere. If one
    exists, the likelihood keeps increasing along ``b`` and the MLE is infinite.

    Returns
    -------
    dict or None
        ``{"kind": "complete" | "quasi-complete", "rows": indices, "direction": b}``
        or ``None`` when the data are not separated.
    """
    lower, upper = family.mean_bounds
    rows = weights > 0
    Xr, yr = X[rows], y[rows]
    at_upper = np.zeros(yr.shape, bool) if upper is None else yr >= upper
    at_lower = np.zeros(yr.shape, bool) if lower is None else yr <= lower
    interior = ~(at_upper | at_lower)
    sign = np.where(at_upper, 1.0, -1.0)
    boundary = ~interior
    if not boundary.any():
        return None
    signed = Xr[boundary] * sign[boundary, None]
    # Normalise columns so the box bounds treat every column alike.
    scale = np.maximum(np.abs(Xr).max(axis=0), 1e-12)
    result = optimize.linprog(
        c=-signed.sum(axis=0) / scale,
        A_ub=-signed / scale,
        b_ub=np.zeros(signed.shape[0]),
        A_eq=(Xr[interior] / scale) if interior.any() else None,
        b_eq=np.zeros(interior.sum()) if interior.any() else None,
        bounds=[(-1.0, 1.0)] * X.shape[1],
        method="highs",
    )
    # The box keeps the optimum finite; a separating direction gives an O(1) value.
    if result.status != 0 or -result.fun <= 1e-6:
        return None
    direction = result.x / scale
    margins = signed @ direction
    positive = margins > 1e-6 * margins.max()
    kind = "quasi-complete"
    if not interior.any():
        # The sum-of-margins optimum sits at a vertex that may leave some margins
        # at exactly 0; complete separation needs a direction with every margin
        # positive, so maximise the smallest margin t as well.
        n_cols = X.shape[1]
        worst = optimize.linprog(
            c=np.concatenate([np.zeros(n_cols), [-1.0]]),
            A_ub=np.column_stack([-signed / scale, np.ones(signed.shape[0])]),
            b_ub=np.zeros(signed.shape[0]),
            bounds=[(-1.0, 1.0)] * n_cols + [(None, 1.0)],
            method="highs",
        )
        if worst.status == 0 and -worst.fun > 1e-9:
            kind, positive = "complete", np.ones_like(positive)
            direction = worst.x[:n_cols] / scale
    separated = np.flatnonzero(rows)[np.flatnonzero(boundary)[positive]]
    return {"kind": kind, "rows": separated, "direction": direction}


def _near_bounds(family: Family, y: np.ndarray, mu: np.ndarray, weights: np.ndarray) -> bool:
    """True when a response at the family's bound has a fitted mean within 1e-6 of it.

    R only warns below 10 machine epsilons; a Poisson group of zeros stops the
    deviance test with means near 1e-9, so the trigger is looser and the
    linear program decides.
    """
    lower, upper = family.mean_bounds
    if mu.size == 0:
        return False
    # No mean within 1e-6 of a bound leaves no row to flag: two reductions decide the usual
    # case (subtraction is monotone, so the screen is exact; NaN falls through to the test).
    if (lower is None or mu.min() - lower >= 1e-6) and (upper is None or upper - mu.max() >= 1e-6):
        return False
    near = np.zeros(mu.shape, bool)
    if lower is not None:
        near |= (y <= lower) & (mu - lower < 1e-6)
    if upper is not None:
        near |= (y >= upper) & (upper - mu < 1e-6)
    return bool(np.any(near & (weights > 0)))


def _check_separation(family: Family, X, y, weights, state: _State) -> dict | None:
    """Run the separation LP when the fit hints at it, and warn if it confirms it."""
    if family.mean_bounds == (None, None):
        return None
    if not (_near_bounds(family, y, state.mu, weights) or not state.converged):
        return None
    separation = detect_separation(X, y, weights, family)
    if separation is not None:
        rows = np.isin(np.arange(y.shape[0]), separation["rows"])
        warnings.warn(
            f"{separation['kind']} separation: the fitted means of {first_rows(rows)} "
            f"are pushed to the boundary of the {family.name} family, so the maximum-likelihood "
            "estimates of some coefficients do not exist (they diverge); the reported estimates and standard errors are meaningless. "
            "Keep the predictor (separation says its effect cannot be bounded, not that it is absent) and refit with method='firth' "
            "for finite bias-reduced estimates, or use profile intervals (conf_int(method='profile'))",
            SeparationWarning,
            stacklevel=3,
        )
    return separation
