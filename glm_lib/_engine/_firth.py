"""Firth's bias-reduced estimates: maximum penalised likelihood with a Jeffreys prior.

Firth (1993) maximises ``l(beta) + 0.5 log det I(beta)``. With a canonical link
the working weights are ``W_i = w_i V(mu_i)`` and ``dW_i/deta_i = w_i V(mu_i) V'(mu_i)``,
so the gradient of the penalty is ``0.5 * sum_i h_i V'(mu_i) x_i`` (``h_i`` the
leverages) and the adjusted score is

    U*(beta) = X' [ w (y - mu) + h V'(mu) / 2 ].

For the logit this is the familiar ``y - mu + h (1/2 - mu)`` and for the Poisson
log link ``y - mu + h/2``. The estimate is finite even under separation. It is
what ``brglm2::brglm_fit(type = "AS_mean")`` and ``logistf`` compute for these
links; as there, the standard errors are the inverse expected information at
the estimate.

Inference after a Firth fit uses the penalised log-likelihood
``l*(beta) = l(beta) + 0.5 log det I(beta)`` throughout (Heinze and Schemper,
2002), not Wald statistics, which are unreliable near separation:

- the penalised profile-likelihood interval of ``beta_j`` holds the values
  ``b`` at which ``2 {l*(beta_tilde) - max l*(beta | beta_j = b)} <= chi2_1``
  quantile, the penalty always the *full* model's information
  (:func:`glm_lib.profile.profile_conf_int`, via ``conf_int(method="profile")``);
- the penalised likelihood-ratio test of a term maximises ``l*`` of the full
  model with the term's coefficients fixed at zero (:func:`glm_lib.firth.penalised_lrt`, and
  :func:`glm_lib.drop1` on a Firth fit), as ``logistf`` does.

Both work on the *penalised deviance* ``D(beta) - log det I(beta)``, which is
``-2 l*(beta)`` up to a constant (:func:`penalised_deviance`).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from .._model._families import Binomial, Family, Poisson
from ._linalg import weighted_gram
from ._state import _State

__all__ = ["firth_scoring", "penalised_deviance"]

_MAX_HALVINGS = 30


def _check_family(family: Family) -> None:
    if type(family) not in (Binomial, Poisson) or family.link.name != family.canonical_link:
        raise ValueError(
            "method='firth' is implemented for the Binomial family with the logit link and the "
            f"Poisson family with the log link (canonical links, where the adjusted score is the "
            f"Jeffreys-prior penalty's gradient); got {family!r}"
        )


def _evaluate(family: Family, X, y, weights, offset, params):
    """Mean, working weights, Cholesky factor of X'WX and penalised deviance at ``params``."""
    with np.errstate(all="ignore"):
        eta = X @ params + offset
        mu = family.link.inverse(eta)
    if not family.valid_mu(mu):
        return None
    working = weights * family.variance(mu)  # canonical link: dmu/deta = V(mu)
    try:
        factor = linalg.cho_factor(weighted_gram(X, working), check_finite=False)
    except linalg.LinAlgError:
        return None
    deviance = family.deviance(y, mu, weights)
    log_det = 2.0 * np.sum(np.log(np.abs(np.diag(factor[0]))))
    return eta, mu, working, factor, deviance, deviance - log_det


def _adjusted_score(family, X, y, weights, mu, working, factor) -> np.ndarray:
    solved = linalg.cho_solve(factor, X.T, check_finite=False)
    leverage = working * np.einsum("ij,ji->i", X, solved)
    return X.T @ (weights * (y - mu) + 0.5 * leverage * family.variance_deriv(mu))


def firth_scoring(family: Family, X, y, weights, offset, tol: float, max_iter: int, start=None,
                  free=None) -> _State:
    """Fisher scoring on Firth's adjusted score, with step halving on the penalised deviance.

    The penalised deviance ``D - log det(X'WX)`` (minus twice the penalised
    log-likelihood, up to a constant) must not rise; iteration stops when the
    largest change of a coefficient is below ``tol`` (brglm2's test).

    ``free`` (a boolean mask over the columns of ``X``, default all) maximises
    the penalised likelihood over those coefficients only, the others held at
    their ``start`` values; the penalty stays the full model's
    ``log det(X'WX)``. This is the constrained fit behind penalised profiles
    and penalised likelihood-ratio tests.

    Returns
    -------
    _State
        With the working weights and Cholesky factor at the estimate, so that
        the standard errors are the inverse expected information there.
    """
    _check_family(family)
    free = np.ones(X.shape[1], dtype=bool) if free is None else np.asarray(free, dtype=bool)
    if free.shape != (X.shape[1],):
        raise ValueError(f"free must be a boolean mask with one entry per column of X ({X.shape[1]}), "
                         f"got shape {free.shape}")
    if not free.all() and start is None:
        raise ValueError("start: a constrained Firth fit (free=) needs start values for the fixed coefficients")
    X_free = X[:, free]
    if start is None:
        # One weighted least-squares step on the family's starting means, as IRLS starts.
        with np.errstate(all="ignore"):
            mu0 = family.starting_mu(y, weights)
            eta0 = family.link.link(mu0)
        w0 = weights * family.variance(mu0)
        params = linalg.cho_solve(linalg.cho_factor(weighted_gram(X, w0), check_finite=False),
                                  X.T @ (w0 * (eta0 - offset)), check_finite=False)
    else:
        params = np.asarray(start, dtype=float)
    current = _evaluate(family, X, y, weights, offset, params)
    if current is None:
        raise ValueError("start: the starting coefficients give means outside the family's range")
    history = [(0, current[4], params.copy())]
    change = np.inf
    if not free.any():
        eta, mu, working, factor, deviance, _ = current
        return _State(params, eta, mu, deviance, 0, True, 0.0, history, working, factor)
    for iteration in range(1, max_iter + 1):
        _, mu, working, factor, _, penalised = current
        score = _adjusted_score(family, X, y, weights, mu, working, factor)
        if free.all():
            step = linalg.cho_solve(factor, score, check_finite=False)
        else:
            try:
                free_factor = linalg.cho_factor(weighted_gram(X_free, working), check_finite=False)
            except linalg.LinAlgError:
                raise FloatingPointError("the constrained Firth fit's information is singular") from None
            step = np.zeros_like(params)
            step[free] = linalg.cho_solve(free_factor, score[free], check_finite=False)
        for _ in range(_MAX_HALVINGS + 1):
            candidate = _evaluate(family, X, y, weights, offset, params + step)
            if candidate is not None and candidate[5] <= penalised + 1e-10 * (abs(penalised) + 0.1):
                break
            step = 0.5 * step
        else:
            raise FloatingPointError(
                "Firth's scoring could not decrease the penalised deviance by step halving; "
                "rescale the predictors or supply start="
            )
        params = params + step
        current = candidate
        # The penalised deviance is flat near the optimum (its change is the
        # step squared), so the test is on the step itself, as brglm2's.
        change = float(np.max(np.abs(step)))
        history.append((iteration, candidate[4], params.copy()))
        if change < tol:
            eta, mu, working, factor, deviance, _ = current
            return _State(params, eta, mu, deviance, iteration, True, change, history, working, factor)
    eta, mu, working, factor, deviance, _ = current
    return _State(params, eta, mu, deviance, max_iter, False, change, history, working, factor)


def penalised_deviance(family: Family, X: np.ndarray, y: np.ndarray, weights: np.ndarray, offset: np.ndarray,
                       params: np.ndarray) -> float:
    """Minus twice Firth's penalised log-likelihood, up to a constant: ``D(beta) - log det I(beta)``.

    Parameters
    ----------
    family : Family
        Binomial (logit) or Poisson (log).
    X : ndarray of shape (n, p)
        The full model's design: the penalty is always its information.
    y, weights, offset : ndarray of shape (n,)
    params : ndarray of shape (p,)

    Returns
    -------
    float
        ``inf`` where the means leave the family's range or the information is singular.

    Raises
    ------
    ValueError
        A family other than the binomial with the logit link or the Poisson
        with the log link.

    Notes
    -----
    R: none as a function; ``-2 * fit$loglik`` of ``logistf::logistf`` up to
    the constant (``logistf`` reports the penalised log-likelihood).

    Examples
    --------
    >>> import glm_lib as gl
    >>> endometrial = gl.datasets.load_endometrial()
    >>> res = gl.glm("HG ~ NV + PI + EH", endometrial, family=gl.Binomial(), method="firth")
    >>> d = gl.firth.penalised_deviance(res.family, res.model_X, res.y, res.prior_weights,
    ...                                 res.offset, res.params.to_numpy())
    >>> round(d, 4)
    48.0745
    """
    _check_family(family)
    current = _evaluate(family, X, y, weights, offset, np.asarray(params, dtype=float))
    return np.inf if current is None else float(current[5])


def _constrained(res, fixed: np.ndarray, values: np.ndarray, tol: float = 1e-10,
                 max_iter: int = 200) -> tuple[float, np.ndarray | None]:
    """Penalised deviance and coefficients of ``res``'s model with coefficients ``fixed`` held at ``values``.

    The start is Firth's estimate with the fixed entries replaced; far out on a
    profile that start can leave the family's range, and then the
    coefficients are pulled back towards the estimate until it does not.
    """
    X, y, weights, offset = res.model_X, res.y, res.prior_weights, res.offset
    estimate = np.asarray(res._params, dtype=float)
    free = ~fixed
    start = estimate.copy()
    start[fixed] = values
    if _evaluate(res.family, X, y, weights, offset, start) is None:
        return np.inf, None
    try:
        state = firth_scoring(res.family, X, y, weights, offset, tol, max_iter, start=start, free=free)
    except (FloatingPointError, ValueError):
        return np.inf, None
    return penalised_deviance(res.family, X, y, weights, offset, state.params), state.params
