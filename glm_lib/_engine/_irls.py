"""The solvers: Fisher scoring (IRLS), Newton-Raphson, gradient descent, closed form.

One IRLS loop serves every data backend: a backend (``_backends`` in memory,
``_dask`` on a cluster) returns the sums over rows X'WX, X'Wz and the deviance
for given coefficients, and the loop solves, halves steps and tests
convergence, R's ``|dev - dev_old| / (|dev| + 0.1) < tol``.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from .._model._families import Family, Gaussian
from .._model._links import Identity
from .._model._validation import as_vector
from ._backends import NumpyBackend, RowSums, is_dask
from ._linalg import _cholesky_solve, weighted_gram
from ._state import _State


_MAX_HALVINGS = 30


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


def _halve_until_valid(backend, family, params_old, params_new, deviance_old, check_rise, observed,
                       keep_means: bool = False):
    """Step halving: move back toward ``params_old`` until the step is acceptable.

    Acceptable means a valid mean, a finite deviance and, when ``check_rise``,
    no increase of the deviance (the safeguard of Marschner's glm2). Returns
    the accepted coefficients and the backend's row sums there, which the next
    step reuses: one pass over the data per step.
    """
    candidate = params_new
    for _ in range(_MAX_HALVINGS + 1):
        sums = backend.sums(family, candidate, observed=observed, keep_means=keep_means, origin=params_old)
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


def fisher_scoring(family, X, y, weights, offset, tol, max_iter, start, newton, initial=None, backend=None):
    """Fisher scoring (IRLS), or Newton-Raphson when ``newton`` is true.

    Starts from the family's starting means (or ``start``), halves steps that
    leave the family's domain or raise the deviance, and stops when
    ``|dev - dev_old| / (|dev| + 0.1) < tol``. The data may be numpy arrays or
    dask arrays chunked by rows: a backend (:mod:`glm_lib._engine._backends`) computes
    the row sums of each step, this loop is the same for both. ``initial``
    (coefficients or None, and the row sums there, from ``_start``) may be
    passed when the caller already computed them for the rank check. Returns
    a ``_State``. ``backend`` may be passed with ``initial`` (the one that
    computed it: on dask it carries what the start pass learned).
    """
    backend = as_backend(X, y, weights, offset) if backend is None else backend
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
        check_rise = iteration > 1 or start is not None
        predicted = None if params is None else _predicted_change(current, fisher_factor)
        if predicted is not None and predicted < tol / _PREDICTION_MARGIN:
            final = _final_pass(backend, family, params_new, current.deviance, check_rise, tol)
            if final is not None:
                history.append((iteration, final.deviance, params_new.copy()))
                stalled = _stalled(final, fisher_factor)
                return _State(params_new, final.eta, final.mu, final.deviance, iteration, not stalled,
                              _relative_change(final.deviance, current.deviance), history,
                              current.working_weights, fisher_factor, stalled, dict(final.extras))
        params, accepted = _halve_until_valid(
            backend, family, params, params_new, current.deviance,
            check_rise=check_rise, observed=newton,
            # a pass that may well end the iterations keeps its linear predictor and means
            keep_means=predicted is not None and predicted < tol * _PREDICTION_MARGIN,
        )
        change = _relative_change(accepted.deviance, current.deviance)
        history.append((iteration, accepted.deviance, params.copy()))
        if change < tol:
            stalled = _stalled(accepted, fisher_factor)
            eta, mu = _means(backend, family, params, accepted)
            return _State(params, eta, mu, accepted.deviance, iteration, not stalled, change,
                          history, current.working_weights, fisher_factor, stalled, dict(accepted.extras))
        previous, current = current, accepted
    eta, mu = _means(backend, family, params, current)
    return _State(params, eta, mu, current.deviance, max_iter, False, change, history,
                  previous.working_weights, fisher_factor, extras=dict(current.extras))


def _means(backend, family, params, sums: RowSums):
    """The linear predictor and means of ``sums``; a full in-memory pass keeps neither, and a light pass
    at the same coefficients recomputes both with the same block code (bit for bit)."""
    if sums.eta is not None:
        return sums.eta, sums.mu
    light = backend.light_sums(family, params)
    return light.eta, light.mu


# A final (light) pass is tried when the step promises a relative change of the
# deviance below tol / _PREDICTION_MARGIN; a full pass keeps its per-row linear
# predictor and means when the promise is below tol * _PREDICTION_MARGIN.
_PREDICTION_MARGIN = 10.0


def _predicted_change(sums: RowSums, fisher_factor) -> float:
    """The relative change of the deviance that the step from ``sums`` promises.

    Near the optimum the deviance is quadratic in the coefficients, and the
    step changes it by the Newton decrement ``s' (X'WX)^{-1} s`` (``s`` the
    score). When that is far below the tolerance the next pass will very
    likely pass the convergence test, and then only its deviance, means and
    score are needed (see :func:`_final_pass`).
    """
    decrement = float(sums.score @ linalg.cho_solve(fisher_factor, sums.score, check_finite=False))
    return decrement / (abs(sums.deviance) + 0.1)


def _final_pass(backend, family, params, deviance_old, check_rise, tol) -> RowSums | None:
    """The light pass at ``params`` if it ends the iterations, else None.

    The step is accepted and converged exactly when the full pass would say
    so (the light pass's deviance is the full pass's), so the fit is the same;
    when the prediction fails the caller takes the full pass as before, and
    only the light pass (about a third of a full one) is lost. Backends
    without a light pass (dask, where each pass is a read of the data) return None.
    """
    light = getattr(backend, "light_sums", None)
    if light is None:
        return None
    sums = light(family, params)
    if sums is None:
        return None
    if check_rise and sums.deviance - deviance_old > 1e-10 * (abs(deviance_old) + 0.1):
        return None
    if _relative_change(sums.deviance, deviance_old) >= tol:
        return None
    return sums


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


def as_backend(X, y, weights, offset):
    """The row-sum backend for these arrays: dask arrays get the dask backend, anything else numpy."""
    if is_dask(X):
        from ._dask import DaskBackend

        return DaskBackend(X, y, weights, offset)
    return NumpyBackend(X, y, weights, offset)
