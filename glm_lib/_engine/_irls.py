"""Solvers: iteratively reweighted least squares, Newton, gradient descent, closed form.

``fit`` validates the data, checks the design's rank, runs one solver and hands
the converged state to :class:`~glm_lib.results.GLMResults`. The solvers share
one convention: the linear predictor is ``eta = X @ beta + offset`` and the
convergence test is R's, ``|dev - dev_old| / (|dev| + 0.1) < tol``.

Linear algebra: the weighted Gram matrix ``X' W X`` is formed in row blocks (so
no N x N or ``diag(w)`` matrix and only a block-sized copy of X exists) and
solved by Cholesky; nothing is inverted explicitly.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, optimize

from .backends import RowSums, as_backend
from .dask_backend import check_separation_at_scale, is_dask, prepare_dask_data
from .errors import AliasedColumnsWarning, ConvergenceWarning, PerfectFitWarning, SeparationWarning
from .families import Family, Gaussian
from .links import Identity
from .validation import align_to, as_design, as_response, as_vector, first_rows, positive_number, whole_number

__all__ = ["fit", "prepare_data", "weighted_gram", "find_aliased_columns", "detect_separation"]

METHODS = ("irls", "newton", "gd", "closed_form", "firth")
_BLOCK_ROWS = 1 << 15  # rows per block when forming X'WX: bounded extra memory
_RANK_TOL = 1e-7  # R's default tolerance for the pivoted QR in glm.fit
_MAX_HALVINGS = 30


def weighted_gram(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return ``X' diag(weights) X`` without forming ``diag(weights)``.

    Rows are processed in blocks so the temporary copy stays small; each
    block's ``B' B`` is a symmetric rank-k update in BLAS.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    weights : ndarray of shape (n,)

    Returns
    -------
    ndarray of shape (p, p)
    """
    n, p = X.shape
    gram = np.zeros((p, p))
    if np.all(weights >= 0):
        # B'B with B = sqrt(w) X is a symmetric rank-k update: half the flops.
        root = np.sqrt(weights)
        for start in range(0, n, _BLOCK_ROWS):
            block = X[start : start + _BLOCK_ROWS] * root[start : start + _BLOCK_ROWS, None]
            gram += block.T @ block
    else:
        # Newton's observed weights can be negative for some rows.
        for start in range(0, n, _BLOCK_ROWS):
            block = X[start : start + _BLOCK_ROWS]
            gram += (block * weights[start : start + _BLOCK_ROWS, None]).T @ block
    return gram


def find_aliased_columns(X: np.ndarray, weights: np.ndarray, tol: float = _RANK_TOL, gram: np.ndarray | None = None) -> list[int]:
    """Indices of columns that are (numerically) linear combinations of earlier ones.

    R's ``glm.fit`` declares column j aliased when, in the QR decomposition of
    ``sqrt(W) X``, ``|R_jj|`` falls below ``tol`` times the column's norm, and
    moves it to the end. The same ``R`` is the Cholesky factor of ``X' W X``, so
    the check is done on that p x p matrix (pass it as ``gram`` if you have
    it), one column at a time, without copying X. Like R, the later of two
    collinear columns is the one reported.
    """
    gram = weighted_gram(X, weights) if gram is None else gram
    squared_norms = np.diag(gram).copy()
    factor = np.zeros_like(gram)  # upper-triangular R of the kept columns
    kept: list[int] = []
    aliased: list[int] = []
    for j in range(X.shape[1]):
        if kept:
            k = len(kept)
            projection = linalg.solve_triangular(factor[:k, :k], gram[kept, j], trans="T", check_finite=False)
            residual = squared_norms[j] - projection @ projection
        else:
            projection, residual = np.empty(0), squared_norms[j]
        if squared_norms[j] <= 0 or residual <= (tol**2) * squared_norms[j]:
            aliased.append(j)
            continue
        k = len(kept)
        factor[:k, k] = projection
        factor[k, k] = np.sqrt(residual)
        kept.append(j)
    return aliased


def _describe_aliasing(X: np.ndarray, names: list[str], aliased: list[int], gram: np.ndarray | None = None) -> str:
    """Each aliased column as a combination of the kept ones (at most five).

    With ``gram`` (X'WX, positive weights) the combination comes from its kept
    block, which needs no pass over X (data that stay on a dask cluster).
    """
    kept = [j for j in range(X.shape[1]) if j not in aliased]
    parts = []
    for j in aliased[:5]:
        if gram is not None:
            coef = linalg.solve(gram[np.ix_(kept, kept)], gram[kept, j], assume_a="pos")
        else:
            coef, *_ = np.linalg.lstsq(X[:, kept], X[:, j], rcond=None)
        terms = [f"{c:+.3g}*{names[k]}" for c, k in zip(coef, kept) if abs(c) > 1e-8]
        parts.append(f"{names[j]} = {' '.join(terms) if terms else '0'}")
    return "; ".join(parts)


@dataclass
class _State:
    """What a solver returns: the converged coefficients and its path."""

    params: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    deviance: float
    n_iter: int
    converged: bool
    last_change: float
    history: list = field(default_factory=list)
    # Working weights of the last IRLS step (computed at the previous mean).
    # R's summary.glm uses them for the covariance and the dispersion.
    working_weights: np.ndarray | None = None
    # Cholesky factor of X' diag(working_weights) X, for the covariance.
    fisher_factor: tuple | None = None
    # The deviance test passed but the score was not near zero (a plateau).
    stalled: bool = False


def _linear_predictor(X, params, offset):
    return X @ params + offset


def _relative_change(deviance: float, previous: float) -> float:
    return abs(deviance - previous) / (abs(deviance) + 0.1)


def _safe_eval(family: Family, X, params, offset, y, weights):
    """Mean and deviance at ``params``, or ``None`` if the mean is invalid."""
    with np.errstate(all="ignore"):
        eta = _linear_predictor(X, params, offset)
        mu = family.link.inverse(eta)
        if not (np.all(np.isfinite(eta)) and family.valid_mu(mu)):
            return None
        deviance = family.deviance(y, mu, weights)
    if not np.isfinite(deviance):
        return None
    return eta, mu, deviance


def _halve_until_valid(backend, family, params_old, params_new, deviance_old, check_rise, observed):
    """Step halving: move back toward ``params_old`` until the step is acceptable.

    Acceptable means a valid mean, a finite deviance and, when ``check_rise``,
    no increase of the deviance (the safeguard of Marschner's glm2). Returns
    the accepted coefficients and the backend's row sums there, which the next
    step reuses: one pass over the data per step.
    """
    candidate = params_new
    for _ in range(_MAX_HALVINGS + 1):
        sums = backend.sums(family, candidate, observed=observed)
        if sums is not None:
            rise = sums.deviance - deviance_old
            if not check_rise or rise <= 1e-10 * (abs(deviance_old) + 0.1):
                return candidate, sums
        if params_old is None:
            break
        candidate = 0.5 * (candidate + params_old)
    raise FloatingPointError(
        f"the {family.name} fit with the {family.link.name} link left the valid range of the mean "
        "(or the deviance became infinite) and step halving could not recover; "
        "try another link, rescale the predictors, or give starting values with start="
    )


def _cholesky_solve(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    factor = linalg.cho_factor(gram, lower=False, check_finite=False)
    return linalg.cho_solve(factor, rhs, check_finite=False)


def _start(family: Family, backend, start, observed: bool = False) -> tuple[np.ndarray | None, RowSums]:
    """Initial coefficients (or None) and the row sums at the start, as R's glm.fit chooses them.

    Without ``start`` IRLS starts from the family's starting means (R's
    ``mustart``), which correspond to no coefficients.
    """
    if start is not None:
        params = as_vector(start, backend.n_cols, "start")
        sums = backend.sums(family, params, observed=observed)
        if sums is None:
            raise ValueError("start: the starting coefficients give means outside the family's range")
        return params, sums
    sums = backend.start_sums(family)
    if sums is None:
        raise ValueError(
            f"cannot find valid starting values for the {family.name} family with the "
            f"{family.link.name} link; please supply start="
        )
    return None, sums


def fisher_scoring(family, X, y, weights, offset, tol, max_iter, start, newton, initial=None):
    """Fisher scoring (IRLS), or Newton-Raphson when ``newton`` is true.

    Starts from the family's starting means (or ``start``), halves steps that
    leave the family's domain or raise the deviance, and stops when
    ``|dev - dev_old| / (|dev| + 0.1) < tol``. The data may be numpy arrays or
    dask arrays chunked by rows: a backend (:mod:`glm_lib.backends`) computes
    the row sums of each step, this loop is the same for both. ``initial``
    (coefficients or None, and the row sums there, from ``_start``) may be
    passed when the caller already computed them for the rank check. Returns
    a ``_State``.
    """
    backend = as_backend(X, y, weights, offset)
    params, current = _start(family, backend, start, newton) if initial is None else initial
    history = []
    for iteration in range(1, max_iter + 1):
        try:
            # The Cholesky factor of the expected information X'WX: the IRLS
            # step solves with it, and the stall check and the standard errors
            # reuse the last one (R's covariance uses these same weights).
            fisher_factor = linalg.cho_factor(current.gram, check_finite=False)
            if params is None or not newton:
                # Fisher scoring as R does it: weighted least squares on the
                # working response z = eta - offset + (y - mu) / mu'(eta).
                params_new = linalg.cho_solve(fisher_factor, current.rhs, check_finite=False)
            else:
                params_new = params + _newton_step(current, fisher_factor)
        except linalg.LinAlgError:
            raise FloatingPointError(
                "X'WX became singular during fitting (the working weights collapsed to zero); "
                "this usually means separation or fitted means at the boundary of the family"
            ) from None
        params, accepted = _halve_until_valid(
            backend, family, params, params_new, current.deviance,
            check_rise=iteration > 1 or start is not None, observed=newton,
        )
        change = _relative_change(accepted.deviance, current.deviance)
        history.append((iteration, accepted.deviance, params.copy()))
        if change < tol:
            stalled = _stalled(accepted, fisher_factor)
            return _State(params, accepted.eta, accepted.mu, accepted.deviance, iteration, not stalled, change,
                          history, current.working_weights, fisher_factor, stalled)
        previous, current = current, accepted
    return _State(params, current.eta, current.mu, current.deviance, max_iter, False, change, history,
                  previous.working_weights, fisher_factor)


def _stalled(sums: RowSums, fisher_factor) -> bool:
    """True when the deviance stopped changing away from the optimum.

    With means clamped at a boundary (extreme starting values, an overflowing
    linear predictor) every step leaves the deviance unchanged, which R's test
    mistakes for convergence. The Newton decrement ``s' (X'WX)^{-1} s`` --
    the deviance decrease one more step would promise -- tells them apart.
    """
    score = sums.score
    decrement = float(score @ linalg.cho_solve(fisher_factor, score, check_finite=False))
    return not np.isfinite(decrement) or decrement > 1e-3 * (abs(sums.deviance) + 0.1)


def _newton_step(sums: RowSums, fisher_factor) -> np.ndarray:
    """Newton-Raphson increment with the observed information.

    Far from the optimum the observed information of a non-canonical link may
    not be positive definite; the step then falls back to Fisher scoring.
    """
    try:
        return _cholesky_solve(sums.observed, sums.score)
    except linalg.LinAlgError:
        return linalg.cho_solve(fisher_factor, sums.score, check_finite=False)


def _gradient_descent(family, X, y, weights, offset, tol, max_iter, start, learning_rate):
    """Plain gradient descent on the negative log-likelihood (unit dispersion).

    Kept for teaching: it shows why Fisher scoring is preferred. Converged means
    the largest gradient component is below ``tol`` times its starting size.
    """
    params = np.zeros(X.shape[1]) if start is None else as_vector(start, X.shape[1], "start")
    evaluated = _safe_eval(family, X, params, offset, y, weights)
    if evaluated is None:
        raise ValueError(
            "gradient descent needs valid starting coefficients for this family and link; "
            "supply start="
        )
    eta, mu, deviance = evaluated
    history = [(0, deviance, params.copy())]
    initial_size = None
    change = np.inf
    for iteration in range(1, max_iter + 1):
        with np.errstate(all="ignore"):
            dmu_deta = family.link.inverse_deriv(eta)
            gradient = -X.T @ (weights * (y - mu) * dmu_deta / family.variance(mu))
        size = float(np.max(np.abs(gradient)))
        initial_size = size if initial_size is None else initial_size
        change = size / max(initial_size, 1.0)
        if change <= tol:
            return _State(params, eta, mu, deviance, iteration - 1, True, change, history)
        params_new = params - learning_rate * gradient
        evaluated = _safe_eval(family, X, params_new, offset, y, weights)
        if evaluated is None:
            raise FloatingPointError(
                f"gradient descent diverged at iteration {iteration} (invalid mean or infinite "
                f"deviance); the learning rate {learning_rate:g} is too large for these data"
            )
        params = params_new
        eta, mu, deviance = evaluated
        history.append((iteration, deviance, params.copy()))
    return _State(params, eta, mu, deviance, max_iter, False, change, history)


def _closed_form(family, X, y, weights, offset):
    """Weighted least squares via the normal equations, solved by Cholesky."""
    if not (isinstance(family, Gaussian) and isinstance(family.link, Identity)):
        raise ValueError(
            "method='closed_form' exists only for the Gaussian family with the identity link; "
            f"got {family!r}"
        )
    gram = weighted_gram(X, weights)
    params = _cholesky_solve(gram, X.T @ (weights * (y - offset)))
    eta = _linear_predictor(X, params, offset)
    deviance = family.deviance(y, eta, weights)
    return _State(params, eta, eta.copy(), deviance, 1, True, 0.0, [(1, deviance, params.copy())])


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
    near = np.zeros(mu.shape, bool)
    if lower is not None:
        near |= (y <= lower) & (mu - lower < 1e-6)
    if upper is not None:
        near |= (y >= upper) & (upper - mu < 1e-6)
    return bool(np.any(near & (weights > 0)))


def prepare_data(X, y, family: Family, weights=None, offset=None, feature_names=None):
    """Validate a GLM's data and convert it to arrays.

    Returns
    -------
    X : ndarray (n, p)
    names : list of str
    y : ndarray (n,)
        The response as the family models it (Binomial: proportions).
    prior_weights : ndarray (n,)
        (Binomial: times the numbers of trials.)
    offset : ndarray (n,)

    Raises
    ------
    ValueError
        Naming the argument and the first offending rows.
    """
    # pandas inputs are matched to X's rows by label, as pandas itself would.
    index = X.index if isinstance(X, pd.DataFrame) else None
    X, names = as_design(X, feature_names=feature_names)
    n = X.shape[0]
    prior_weights = as_vector(align_to(weights, index, "weights"), n, "weights", default=1.0)
    if (prior_weights < 0).any():
        raise ValueError(f"weights must be non-negative; negative at {first_rows(prior_weights < 0)}")
    offset = as_vector(align_to(offset, index, "offset"), n, "offset", default=0.0)
    y_array = as_response(y, n, index)
    y_vec, prior_weights = family.prepare_response(y_array, prior_weights)
    family.check_response(y_vec, prior_weights)
    if not (prior_weights > 0).any():
        raise ValueError("weights: every weight is zero, so there is nothing to fit")
    return X, names, y_vec, prior_weights, offset


def fit(
    X,
    y,
    family: Family | None = None,
    weights=None,
    offset=None,
    method: str = "irls",
    tol: float = 1e-8,
    max_iter: int = 100,
    *,
    learning_rate: float = 1e-4,
    start=None,
    drop_aliased: bool = False,
    feature_names: list[str] | None = None,
    formula: str | None = None,
):
    """Fit a generalized linear model by maximum likelihood.

    Parameters
    ----------
    X : array-like of shape (n, p)
        The design matrix, including an intercept column if you want one. A
        DataFrame's column names become the coefficient names.
    y : array-like of shape (n,) or (n, 2)
        The response. For the Binomial: 0/1, proportions (with ``weights`` =
        trials) or a two-column (successes, failures) array.
    family : Family, optional
        Defaults to ``Gaussian()``.
    weights : array-like of shape (n,), optional
        Prior weights (non-negative): frequency or precision weights, or the
        numbers of trials for the Binomial. Rows with weight 0 are ignored.
    offset : array-like of shape (n,), optional
        A known term added to the linear predictor, e.g. ``log(exposure)``.
    method : {"irls", "newton", "gd", "closed_form", "firth"}
        Fisher scoring (R's algorithm), Newton-Raphson with the observed
        information, plain gradient descent (for teaching), the normal
        equations (Gaussian with identity link only), or Firth's bias-reduced
        estimates (Binomial logit and Poisson log; finite under separation;
        :mod:`glm_lib.firth`, as ``brglm2`` with ``type = "AS_mean"``).
    tol : float
        Convergence tolerance on the relative change of the deviance (for
        ``"gd"``: on the size of the gradient relative to its starting size;
        for ``"firth"``: on the largest change of a coefficient).
    max_iter : int
        Iteration limit; reaching it gives a :class:`ConvergenceWarning`.
    learning_rate : float
        Step size for ``method="gd"``.
    start : array-like of shape (p,), optional
        Starting coefficients (required by some non-canonical links).
    drop_aliased : bool
        If the design is rank-deficient, drop the aliased columns (their
        coefficients are reported as NaN, R's ``NA``) instead of raising.
    feature_names : list of str, optional
        Coefficient names, overriding those from ``X``.
    formula : str, optional
        Recorded in the results for display (set by :func:`glm_lib.glm`).

    Returns
    -------
    GLMResults

    Raises
    ------
    ValueError
        On mismatched shapes, NaN/inf, responses outside the family's support,
        negative weights, an empty design, or a rank-deficient design.

    Warns
    -----
    ConvergenceWarning
        When the solver stops at ``max_iter``.
    SeparationWarning
        When the data are (quasi-)completely separated.
    PerfectFitWarning
        When an estimated dispersion is essentially zero (the model fits the
        data exactly), with R's ``summary.lm`` threshold.
    """
    from .results import GLMResults  # results imports this module, so import here

    family = Gaussian() if family is None else family
    if not isinstance(family, Family):
        raise TypeError(f"family must be a glm_lib family such as gl.Poisson(), not {family!r}")
    # A per-fit copy: the binomial records its numbers of trials on it (R's n).
    family = copy.copy(family)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    tol = positive_number("tol", tol)
    max_iter = whole_number("max_iter", max_iter)
    learning_rate = positive_number("learning_rate", learning_rate)

    # Dask arrays are checked chunk by chunk and fitted by map-reduce (glm_lib.dask_backend).
    if is_dask(X) and method not in ("irls", "newton"):
        raise ValueError(f"method={method!r} needs the data in memory; dask arrays are fitted with "
                         "method='irls' or 'newton' (or call .compute() on X and y first)")
    prepare = prepare_dask_data if is_dask(X) else prepare_data
    X, names, y_vec, prior_weights, offset = prepare(X, y, family, weights, offset, feature_names)
    if start is not None:
        # Checked against the full design: with drop_aliased the aliased entries are dropped below.
        start = as_vector(start, X.shape[1], "start", per="columns")

    # R checks the rank on the first IRLS step's weighted design; doing the same
    # lets that step reuse the Gram matrix. (Positive working weights span the
    # same columns as the prior weights.)
    initial, backend = None, as_backend(X, y_vec, prior_weights, offset)
    if method in ("irls", "newton") and start is None:
        initial = _start(family, backend, None, method == "newton")
        gram = initial[1].gram
    else:
        gram = backend.prior_gram()
    aliased = find_aliased_columns(X, None, gram=gram)
    if aliased:
        message = (
            f"X is rank-deficient: {len(aliased)} column(s) are linear combinations of others "
            f"({', '.join(names[j] for j in aliased)}): {_describe_aliasing(X, names, aliased, gram if is_dask(X) else None)}"
        )
        if not drop_aliased:
            raise ValueError(message + ". Remove them, or pass drop_aliased=True to drop them as R does.")
        warnings.warn(message + "; their coefficients are reported as NaN (R's NA).", AliasedColumnsWarning, stacklevel=2)
    kept = [j for j in range(X.shape[1]) if j not in aliased]
    X_fit = X if not aliased else X[:, kept]
    start_fit = None if start is None else start[kept]

    if method == "closed_form":
        state = _closed_form(family, X_fit, y_vec, prior_weights, offset)
    elif method == "gd":
        state = _gradient_descent(family, X_fit, y_vec, prior_weights, offset, tol, max_iter, start_fit, learning_rate)
    elif method == "firth":
        from .firth import firth_scoring  # firth builds on this module's pieces

        state = firth_scoring(family, X_fit, y_vec, prior_weights, offset, tol, max_iter, start_fit)
    else:
        if aliased and initial is not None:
            initial = (None, initial[1].subset(kept))  # sums over rows: restrict to the kept columns
        state = fisher_scoring(family, X_fit, y_vec, prior_weights, offset, tol, max_iter, start_fit,
                               method == "newton", initial=initial)

    _warn_if_not_converged(state, method, max_iter, tol)
    _warn_if_perfect_fit(family, state, prior_weights, X_fit.shape[1])
    # Firth's estimates stay finite under separation: nothing to warn about.
    check = check_separation_at_scale if is_dask(X_fit) else _check_separation
    separation = None if method == "firth" else check(family, X_fit, y_vec, prior_weights, state)
    if separation is None:
        _warn_if_at_boundary(family, state, prior_weights)

    return GLMResults(
        family=family,
        X=X_fit,
        y=y_vec,
        prior_weights=prior_weights,
        offset=offset,
        state=state,
        names=names,
        kept=kept,
        method=method,
        separation=separation,
        formula=formula,
    )


def _warn_if_not_converged(state: _State, method: str, max_iter: int, tol: float) -> None:
    """A ConvergenceWarning for a stalled or unfinished solver, with its numbers."""
    if state.stalled:
        warnings.warn(
            f"{method} stalled after {state.n_iter} iterations: the deviance stopped changing "
            f"(relative change {state.last_change:.3g}) but the score is not zero, so this is not "
            "the maximum; fitted means are stuck at the boundary of the family (extreme starting "
            "values or linear predictor). Try other start= values or rescale the predictors",
            ConvergenceWarning,
            stacklevel=3,
        )
    elif not state.converged:
        criterion = "relative change of the deviance" if method != "gd" else "gradient relative to its start"
        warnings.warn(
            f"{method} did not converge in {max_iter} iterations: the last {criterion} "
            f"was {state.last_change:.3g} (tol {tol:g}); increase max_iter or check the model",
            ConvergenceWarning,
            stacklevel=3,
        )


_BOUNDARY_TOL = 1e-8


def _warn_if_at_boundary(family: Family, state: _State, weights) -> None:
    """R's "algorithm stopped at boundary value": fitted means on the edge of the family's range.

    Only links that can carry the mean out of the family's range (the log link of
    a binomial, the identity link of a Poisson) can end there; IRLS then halves
    its steps at the edge, and the maximum may lie on the boundary, where the
    usual standard errors do not apply. (R warns whenever a step had to be
    halved; glm_lib warns when the fit ends at the boundary.)
    """
    lower, upper = family.mean_bounds
    if (lower, upper) == (None, None):
        return
    with np.errstate(all="ignore"):
        probes = family.link.inverse(np.array([-1e3, -1.0, 0.0, 1.0, 1e3]))
    if family.valid_mu(probes):
        return  # the link keeps every mean inside the range
    mu = state.mu  # numpy or dask: only elementwise operations and reductions here
    margin = _BOUNDARY_TOL * max(1.0, float(abs(mu).max()))
    near = weights < 0  # all false, in mu's array type
    if lower is not None:
        near = near | (mu - lower < margin)
    if upper is not None:
        near = near | (upper - mu < margin)
    near = near & (weights > 0)
    if bool(near.any()):
        near = np.asarray(near)
        warnings.warn(
            f"the fit stopped at the boundary of the {family.name} family's range (R: 'algorithm "
            f"stopped at boundary value'): the fitted means of {first_rows(near)} are within "
            f"{margin:.3g} of a bound that the {family.link.name} link does not enforce, so the "
            "maximum may lie on the boundary and the standard errors are unreliable there; "
            "consider a link that keeps the mean inside (e.g. the canonical one) or other start= values",
            ConvergenceWarning,
            stacklevel=3,
        )


def _warn_if_perfect_fit(family: Family, state: _State, weights: np.ndarray, n_params: int) -> None:
    """Warn when an estimated dispersion is (essentially) zero, with R's summary.lm threshold."""
    if not family.estimated_dispersion:
        return
    used = weights > 0  # numpy or dask: only elementwise operations and reductions here
    count = int(used.sum())
    df_resid = count - n_params
    if df_resid <= 0:
        return  # no dispersion to estimate; results.py says so
    mean = float((state.mu * used).sum()) / count
    spread = float((((state.mu - mean) ** 2) * used).sum()) / count
    if state.deviance / df_resid <= (mean**2 + spread) * 1e-30:
        warnings.warn(
            f"essentially perfect fit: the residual deviance is {state.deviance:.3g}, so the estimated "
            f"dispersion of the {family.name} family is 0 and the standard errors, tests and log-likelihood "
            "are degenerate (R's summary.lm warns the same); check that the response is not a copy of a predictor",
            PerfectFitWarning,
            stacklevel=3,
        )


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
            f"are pushed to the boundary of the {family.name} family, so some coefficients are "
            "infinite in truth; the reported estimates and standard errors are meaningless. "
            "Keep the predictor (its effect is strong, not absent) and refit with method='firth' "
            "for finite bias-reduced estimates, or use profile intervals (conf_int(method='profile'))",
            SeparationWarning,
            stacklevel=3,
        )
    return separation
