"""Maximum likelihood for the models without an IRLS form: Newton on an analytic score.

``loglik(params, grad)`` returns the log-likelihood, and with ``grad`` also the
score. ``maximise`` takes Newton-Raphson steps from ``start`` with step
halving, on the observed information that ``observed_information`` forms by
central differences of the score (BFGS takes over where it is not positive
definite); ``covariance`` inverts it by Cholesky.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg, optimize

from .._model._errors import ConvergenceWarning

__all__ = ["maximise", "maximise_to_boundary", "observed_information", "covariance"]


def _bfgs(loglik, params):
    """A BFGS run on the analytic score: the way out of a region where the likelihood is not concave."""
    def objective(b):
        value, score = loglik(b, True)
        if not (np.isfinite(value) and np.all(np.isfinite(score))):
            return 1e300, np.zeros_like(b)  # outside where the likelihood is defined: the line search backs off
        return -value, -score

    with np.errstate(over="ignore", invalid="ignore"):
        result = optimize.minimize(objective, params, jac=True, method="BFGS", options={"gtol": 1e-8, "maxiter": 2000})
    return result.x, result.nit


def maximise(loglik, start, what: str, max_iter: int = 100):
    """Newton-Raphson on the observed information, with step halving; BFGS where it is not concave.

    Returns the estimate, the number of iterations and whether the Newton
    decrement ``U' J^{-1} U`` fell below 1e-16 (a scale-free test of a zero score).
    """
    params = np.asarray(start, dtype=float).copy()
    value = loglik(params, False)
    decrement, iterations, bfgs_runs = np.inf, 0, 0
    for iterations in range(1, max_iter + 1):
        _, score = loglik(params, True)
        try:
            factor = linalg.cho_factor(observed_information(loglik, params), check_finite=False)
        except (linalg.LinAlgError, ValueError):
            if bfgs_runs == 3:
                break
            params, _ = _bfgs(loglik, params)
            value, bfgs_runs = loglik(params, False), bfgs_runs + 1
            continue
        step = linalg.cho_solve(factor, score, check_finite=False)
        decrement = float(score @ step)
        if decrement < 1e-16:
            break
        for _ in range(40):
            trial = params + step
            trial_value = loglik(trial, False)
            if np.isfinite(trial_value) and trial_value >= value - 1e-12 * abs(value):
                break
            step = step / 2
        else:
            break
        params, value = trial, trial_value
    converged = bool(decrement < 1e-10)
    if not converged:
        warnings.warn(f"the {what} fit did not converge: the Newton decrement is {decrement:.3g} after "
                      f"{iterations} iterations", ConvergenceWarning, stacklevel=3)
    return params, iterations, converged


def observed_information(loglik, params) -> np.ndarray:
    """Minus the Jacobian of the analytic score, by central differences, symmetrised."""
    k = params.shape[0]
    info = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(1.0, abs(params[j]))
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        info[:, j] = -(loglik(up, True)[1] - loglik(down, True)[1]) / (2 * h)
    return (info + info.T) / 2


def covariance(info: np.ndarray, names) -> np.ndarray:
    try:
        factor = linalg.cho_factor(info, check_finite=False)
    except linalg.LinAlgError:
        raise FloatingPointError(
            "the observed information is not positive definite at the estimate (a flat likelihood: "
            f"too few zeros or too few positive counts for the terms {', '.join(names)}); drop terms from a part"
        ) from None
    return linalg.cho_solve(factor, np.eye(info.shape[0]), check_finite=False)


def maximise_to_boundary(loglik, start, what: str, names, base, below: float, message: str):
    """Maximise a GLM widened by one extra parameter (last in ``params``), or return the GLM ``base``.

    The extra parameter is fitted on a scale where ``-inf`` is the GLM itself
    (``log(kappa - 1)``, ``logit(rho)``). When its estimate falls below ``below``
    the MLE is that GLM and the information is singular in the extra parameter:
    warn with ``message`` and return ``base``'s estimates with ``-inf`` appended,
    its covariance with NaN for the extra parameter, and ``base``'s log-likelihood.
    Returns ``params, cov, llf, converged``.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        params, _, converged = maximise(loglik, start, what)
    if params[-1] < below:
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
        cov = np.full((len(names),) * 2, np.nan)
        cov[:-1, :-1] = base.cov_params().to_numpy()
        return np.append(base.params.to_numpy(), -np.inf), cov, base.llf, bool(base.converged)
    for warning in caught:
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return params, covariance(observed_information(loglik, params), names), loglik(params, False), converged
