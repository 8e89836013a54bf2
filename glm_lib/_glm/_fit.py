"""``fit``: check the data, run one solver from the engine, return :class:`GLMResults`.

The solvers share one convention: the linear predictor is
``eta = X @ beta + offset`` and the convergence test is R's,
``|dev - dev_old| / (|dev| + 0.1) < tol``.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np

from .._engine._backends import is_dask
from .._engine._dask import check_separation_at_scale, prepare_dask_data
from .._engine._firth import firth_scoring
from .._engine._irls import _closed_form, _gradient_descent, _start, as_backend, fisher_scoring
from .._engine._linalg import _describe_aliasing, find_aliased_columns
from .._engine._prepare import prepare_data
from .._engine._separation import _check_separation
from .._engine._state import _State
from .._model._errors import AliasedColumnsWarning, ConvergenceWarning, PerfectFitWarning
from .._model._families import Family, Gaussian
from .._model._validation import as_vector, first_rows, positive_number, whole_number
from ._results import GLMResults

METHODS = ("irls", "newton", "gd", "closed_form", "firth")


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
        as ``brglm2`` with ``type = "AS_mean"``).
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

    Notes
    -----
    R: ``stats::glm.fit(x, y, weights, offset = offset, family = family)``;
    ``method="firth"`` is ``brglm2::brglmFit`` (``type = "AS_mean"``) and
    ``logistf::logistf``.

    Examples
    --------
    >>> import numpy as np
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> X = np.column_stack([np.ones(len(crabs)), crabs["width"]])
    >>> res = gl.fit(X, crabs["satellites"], family=gl.Poisson(), feature_names=["Intercept", "width"])
    >>> round(float(res.params["width"]), 4), res.converged
    (0.164, True)
    """
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

    # Dask arrays are checked chunk by chunk and fitted by map-reduce (glm_lib._engine._dask).
    if is_dask(X) and method not in ("irls", "newton"):
        raise ValueError(f"method={method!r} needs the data in memory; dask arrays are fitted with "
                         "method='irls' or 'newton' (or call .compute() on X and y first)")
    pending_check = None
    if is_dask(X):
        X, names, y_vec, prior_weights, offset, pending_check = prepare_dask_data(X, y, family, weights, offset,
                                                                                  feature_names)
    else:
        X, names, y_vec, prior_weights, offset = prepare_data(X, y, family, weights, offset, feature_names)
    if start is not None:
        # Checked against the full design: with drop_aliased the aliased entries are dropped below.
        start = as_vector(start, X.shape[1], "start", per="columns")

    # R's QR checks the rank at every IRLS step and reports the last; the rank
    # cannot change while the working weights stay positive (they span the same
    # columns as the prior weights), so the first step's Gram matrix decides it
    # here and that step reuses it.
    initial, backend = None, as_backend(X, y_vec, prior_weights, offset)
    if pending_check is not None:
        # On dask the input checks travel with the first pass (the start, or the sums at start=).
        backend.pending_check = pending_check
    if method in ("irls", "newton") and (start is None or is_dask(X)):
        initial = _start(family, backend, start, method == "newton")
        gram = initial[1].gram
    else:
        gram = backend.prior_gram()
    aliased = find_aliased_columns(X, prior_weights, gram=gram)
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

        state = firth_scoring(family, X_fit, y_vec, prior_weights, offset, tol, max_iter, start_fit)
    else:
        start_extras = {} if initial is None else dict(initial[1].extras)
        reuse = None
        if aliased and initial is not None and initial[0] is not None:
            initial = None  # start= with aliased entries: start again on the kept columns
        elif aliased and initial is not None:
            initial = (None, initial[1].subset(kept))  # sums over rows: restrict to the kept columns
        elif initial is not None:
            reuse = backend  # on dask it knows the null model's mean from the start pass
        state = fisher_scoring(family, X_fit, y_vec, prior_weights, offset, tol, max_iter, start_fit,
                               method == "newton", initial=initial, backend=reuse)
        state.extras = {**start_extras, **state.extras}
        if not is_dask(X) and not aliased:
            null = backend.null_deviance_at_mean(family)
            if null is not None:
                state.extras["null_deviance_at_mean"] = null

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
    # The size of the means, mean(mu^2) over the rows in use (= mean^2 + spread). On dask its sum
    # travelled with the passes, so the check reads no data.
    extras = getattr(state, "extras", None) or {}
    if "sum_mu2_used" in extras and "nobs" in extras:
        count, sum_mu2 = int(extras["nobs"]), float(extras["sum_mu2_used"])
    else:
        used = weights > 0  # numpy or dask: only elementwise operations and reductions here
        count, sum_mu2 = int(used.sum()), float((state.mu**2 * used).sum())
    df_resid = count - n_params
    if df_resid <= 0:
        return  # no dispersion to estimate; results.py says so
    size = sum_mu2 / count
    if state.deviance / df_resid <= size * 1e-30:
        warnings.warn(
            f"essentially perfect fit: the residual deviance is {state.deviance:.3g}, so the estimated "
            f"dispersion of the {family.name} family is 0 and the standard errors, tests and log-likelihood "
            "are degenerate (R's summary.lm warns the same); check that the response is not a copy of a predictor",
            PerfectFitWarning,
            stacklevel=3,
        )
