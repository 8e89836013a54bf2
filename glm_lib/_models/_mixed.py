"""A random-intercept GLM fitted by maximum marginal likelihood.

The model, for observation ``j`` in group ``i``, is

    g(mu_ij) = x_ij' beta + offset_ij + u_i,    u_i ~ N(0, sigma^2) independently,

with a Binomial or Poisson response given ``u_i``. The likelihood of group
``i`` integrates its random intercept out,

    L_i(beta, sigma) = int prod_j f(y_ij | u) phi(u; 0, sigma^2) du,

and the log-likelihood is ``sum_i log L_i``. The one-dimensional integrals are
approximated in one of two ways, both built on the *conditional mode* ``u_i^``
that maximises the log integrand ``h_i(u)``:

- ``"laplace"``: a second-order expansion of ``h_i`` at the mode, whose
  Gaussian integral is ``exp(h_i(u^)) sqrt(2 pi / c_i)`` (lme4's ``glmer``
  default, ``nAGQ = 1``);
- ``"quadrature"``: adaptive Gauss-Hermite quadrature, the nodes centred at the
  mode and scaled by ``c_i^(-1/2)`` (lme4's ``nAGQ > 1``). One node is the
  Laplace approximation.

The curvature ``c_i = sum_j W_ij + 1 / sigma^2`` uses the expected (Fisher)
working weights ``W_ij = w_ij mu'(eta)^2 / V(mu)`` at the mode, as lme4's
PIRLS does. For canonical links this is exactly ``-h_i''(u^)``; for others
(probit, cloglog, ...) the observed ``-h_i''(u^)`` differs, and following lme4
makes glm_lib reproduce ``glmer`` (tests/r/glmer.R) rather than the textbook
Laplace approximation, which would move the probit cbpp estimates by ~1e-2.

The modes come from a scalar Newton iteration per group, run for all groups
at once: sums over a group's observations are ``np.add.reduceat`` over rows
sorted by group, so nothing loops over observations and no N x N matrix is
formed. The outer maximisation over ``(beta, log sigma)`` uses
``scipy.optimize.minimize`` (L-BFGS-B with finite-difference gradients),
started from the ordinary GLM and ``sigma = 0.5``, and is polished by a few
Newton steps on a finite-difference Hessian. Standard errors come from that
Hessian of the marginal log-likelihood in all parameters (as lme4 computes
them by default), by a Cholesky solve.

References: Bates et al. (2015), *Fitting linear mixed-effects models using
lme4*, J. Stat. Softw. 67(1); Pinheiro & Chao (2006), *Efficient Laplacian and
adaptive Gaussian quadrature algorithms for multilevel generalized linear
mixed models*, J. Comput. Graph. Stat. 15(1).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.polynomial.hermite import hermgauss
from scipy import linalg, optimize, special, stats

from .._model import _formatting as formatting
from .._model._errors import ConvergenceWarning, SeparationWarning
from .._model._families import Binomial, Family, Poisson
from .._engine._prepare import prepare_data
from .._glm._fit import fit
from .._model._validation import align_to, as_vector, check_formula, first_rows, positive_number, whole_number
from .._formula._formula import _column_or_values, model_frame

__all__ = ["fit_random_intercept", "random_intercept_glm", "RandomInterceptResults", "marginal_loglike"]

METHODS = ("laplace", "quadrature")
_LOG_SIGMA_BOUNDS = (np.log(1e-6), np.log(1e3))
_INNER_MAX_ITER = 100
_INNER_TOL = 1e-11
_MAX_HALVINGS = 40
_HESSIAN_STEP = 1e-4  # lme4's deriv12 uses delta = 1e-4
_GRADIENT_TOL = 1e-4  # on the central-difference gradient of -loglik after polishing
# lme4 caps nAGQ at 25: beyond that nodes add cost, not accuracy, for one scalar effect
# per group. marginal_loglike, a tool for checking the approximation, may use more.
_MAX_NODES_FIT = 25
_MAX_NODES_CHECK = 200


# --------------------------------------------------------------------------
# The data, sorted by group, and the conditional log-likelihood per row
# --------------------------------------------------------------------------
class _GroupedData:
    """Rows sorted by group, with what the integrals need.

    Every per-row quantity may carry a trailing axis (one column per
    quadrature node); ``group_sum`` adds rows within each group.
    """

    def __init__(self, family: Family, X, y, weights, offset, codes):
        order = np.argsort(codes, kind="stable")
        self.order = order
        self.family = family
        self.X = X[order]
        self.y = y[order]
        self.weights = weights[order]
        self.offset = offset[order]
        self.codes = codes[order]
        self.n_groups = int(self.codes[-1]) + 1
        self.starts = np.flatnonzero(np.r_[True, self.codes[1:] != self.codes[:-1]])
        self.canonical = family.link.name == family.canonical_link
        # Terms of the log-likelihood free of the mean: log C(m, s) or -log y!.
        if isinstance(family, Binomial):
            trials = np.round(self.weights)
            successes = np.round(self.weights * self.y)
            self.constant = (
                special.gammaln(trials + 1)
                - special.gammaln(successes + 1)
                - special.gammaln(trials - successes + 1)
            )
        else:
            self.constant = -self.weights * special.gammaln(self.y + 1)

    def group_sum(self, values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, self.starts, axis=0)

    def _columns(self, eta: np.ndarray):
        extra = (slice(None),) + (None,) * (eta.ndim - 1)
        return self.y[extra], self.weights[extra], self.constant[extra]

    def loglike_rows(self, eta: np.ndarray) -> np.ndarray:
        """``log f(y | eta)`` for each row (and node)."""
        y, w, constant = self._columns(eta)
        family = self.family
        with np.errstate(all="ignore"):
            if isinstance(family, Binomial):
                if self.canonical:
                    # s eta - m log(1 + e^eta), stable for any eta.
                    core = w * (y * eta - np.logaddexp(0.0, eta))
                else:
                    mu = np.clip(family.link.inverse(eta), 1e-300, 1 - 1e-16)
                    core = w * (special.xlogy(y, mu) + special.xlog1py(1 - y, -mu))
            else:
                if self.canonical:
                    core = w * (y * eta - np.exp(eta))
                else:
                    mu = np.maximum(family.link.inverse(eta), 1e-300)
                    core = w * (special.xlogy(y, mu) - mu)
        return core + constant

    def score_and_curvature(self, eta: np.ndarray, expected: bool = False):
        """First derivative of the row log-likelihood in eta, and minus the second.

        With ``h(eta) = mu'(eta) / V(mu)`` the score is ``w (y - mu) h`` and the
        curvature ``w mu' h - w (y - mu) h'``; for canonical links ``h = 1``.
        ``expected`` drops the second term (Fisher scoring's weight).
        """
        y, w, _ = self._columns(eta)
        family, link = self.family, self.family.link
        with np.errstate(all="ignore"):
            mu = link.inverse(eta)
            if self.canonical:
                return w * (y - mu), w * family.variance(mu)
            dmu = link.inverse_deriv(eta)
            variance = family.variance(mu)
            ratio = dmu / variance
            fisher = w * dmu * ratio
            if expected:
                return w * (y - mu) * ratio, fisher
            ratio_deriv = link.inverse_deriv2(eta) / variance - dmu**2 * family.variance_deriv(mu) / variance**2
            return w * (y - mu) * ratio, fisher - w * (y - mu) * ratio_deriv


@dataclass
class _Modes:
    u: np.ndarray  # conditional modes, one per group
    curvature: np.ndarray  # Fisher curvature c_i at u^ per group (= -h''(u^) for canonical links)
    h: np.ndarray  # h(u^) per group (without the -log(2 pi sigma^2)/2 constant)
    converged: bool


def _conditional_modes(data: _GroupedData, eta0: np.ndarray, sigma: float) -> _Modes:
    """Maximise ``h_i(u) = sum_j log f(y_ij | eta0_ij + u) - u^2 / (2 sigma^2)`` for every group.

    Newton's method on all groups at once, with step halving per group when
    a step lowers ``h_i``; Fisher weights replace the observed curvature of a
    non-canonical link where the latter is not positive.
    """
    precision = 1.0 / sigma**2
    u = np.zeros(data.n_groups)

    def h_of(u_now):
        return data.group_sum(data.loglike_rows(eta0 + u_now[data.codes])) - 0.5 * precision * u_now**2

    h = h_of(u)
    converged = False
    for _ in range(_INNER_MAX_ITER):
        eta = eta0 + u[data.codes]
        score, curv = data.score_and_curvature(eta)
        gradient = data.group_sum(score) - precision * u
        curvature = data.group_sum(curv) + precision
        if np.any(curvature <= 0):
            _, fisher = data.score_and_curvature(eta, expected=True)
            curvature = np.where(curvature > 0, curvature, data.group_sum(fisher) + precision)
        step = gradient / curvature
        scale = np.ones_like(u)
        for _ in range(_MAX_HALVINGS):
            candidate = u + scale * step
            h_new = h_of(candidate)
            worse = ~np.isfinite(h_new) | (h_new < h - 1e-12 * (1.0 + np.abs(h)))
            if not worse.any():
                break
            scale[worse] *= 0.5
        u, h = candidate, h_new
        if np.all(np.abs(scale * step) <= _INNER_TOL * (1.0 + np.abs(u))):
            converged = True
            break
    # The integrand's curvature at the mode: lme4 takes the expected (Fisher)
    # one, the working weights of its PIRLS, also for non-canonical links where
    # it differs from the observed -h''(u^); glm_lib follows lme4 to match glmer.
    _, fisher = data.score_and_curvature(eta0 + u[data.codes], expected=True)
    return _Modes(u, data.group_sum(fisher) + precision, h, converged)


def _group_loglike(data: _GroupedData, beta: np.ndarray, sigma: float, n_nodes: int):
    """Approximate ``log L_i`` for every group, and the conditional modes.

    ``n_nodes = 1`` is the Laplace approximation.
    """
    eta0 = data.X @ beta + data.offset
    modes = _conditional_modes(data, eta0, sigma)
    log_norm = -0.5 * np.log(2 * np.pi * sigma**2)  # of the N(0, sigma^2) density
    tau = 1.0 / np.sqrt(modes.curvature)  # the spread of the integrand at the mode
    if n_nodes == 1:
        # exp(h(u^)) * sqrt(2 pi) * tau: the Gaussian integral of the expansion.
        return modes.h + log_norm + 0.5 * np.log(2 * np.pi) + np.log(tau), modes
    nodes, node_weights = hermgauss(n_nodes)
    # int exp(h(u)) du with u = u^ + sqrt(2) tau z:  sqrt(2) tau sum_k w_k e^{z_k^2} e^{h(u_k)}.
    u_nodes = modes.u[:, None] + np.sqrt(2.0) * tau[:, None] * nodes[None, :]
    eta = eta0[:, None] + u_nodes[data.codes]
    h_nodes = data.group_sum(data.loglike_rows(eta)) - 0.5 * u_nodes**2 / sigma**2
    log_terms = h_nodes + nodes[None, :] ** 2 + np.log(node_weights)[None, :]
    return special.logsumexp(log_terms, axis=1) + np.log(np.sqrt(2.0) * tau) + log_norm, modes


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------
def _prepare(X, y, groups, family, weights, offset):
    if not isinstance(family, Family):
        raise TypeError(f"family must be a glm_lib family such as gl.Binomial() or gl.Poisson(), not {family!r}")
    if not isinstance(family, (Binomial, Poisson)) or family.estimated_dispersion or not family.has_likelihood:
        raise ValueError(
            f"fit_random_intercept supports the Binomial and Poisson families (with a likelihood), got {family!r}"
        )
    index = X.index if isinstance(X, pd.DataFrame) else None
    X, names, y_vec, prior_weights, offset = prepare_data(X, y, family, weights, offset)
    n = X.shape[0]

    groups = align_to(groups, index, "groups")
    if isinstance(groups, pd.DataFrame) or np.ndim(groups) != 1:
        raise ValueError(
            f"groups must be 1-dimensional, one label per row of X, got shape {np.shape(groups)}; "
            "for several grouping columns, combine them into one label (e.g. a + '_' + b)"
        )
    # A pandas categorical keeps its level order (R's factor levels) for the random effects.
    group_values = pd.Series(groups.array if isinstance(groups, (pd.Series, pd.Index)) else groups)
    if group_values.shape[0] != n:
        raise ValueError(f"groups has {group_values.shape[0]} labels but X has {n} rows; give one label per row")
    if group_values.isna().any():
        raise ValueError(f"groups contains missing labels at {first_rows(group_values.isna().to_numpy())}")
    codes, labels = pd.factorize(group_values, sort=True)
    if len(labels) < 2:
        raise ValueError(
            "groups has a single level: a random-intercept variance cannot be estimated from one group; "
            "fit an ordinary GLM with gl.fit instead"
        )
    return X, names, y_vec, prior_weights, offset, codes, pd.Index(labels)


# --------------------------------------------------------------------------
# Public interface
# --------------------------------------------------------------------------
def marginal_loglike(X, y, groups, params, sigma: float, family: Family | None = None, weights=None,
                     offset=None, method: str = "laplace", n_quadrature: int = 25) -> float:
    r"""The (approximate) marginal log-likelihood at given ``params`` and ``sigma``.

    For the random-intercept GLM :math:`g(\mu_{ij}) = \mathbf{x}_{ij}^\top\boldsymbol\beta + o_{ij} + u_j`,
    :math:`u_j \sim N(0, \sigma_u^2)`, cluster :math:`j` contributes
    :math:`L_j(\boldsymbol\beta, \sigma_u) = \int \prod_i f(y_{ij} \mid u)\, \sigma_u^{-1}\Phi'(u/\sigma_u)\, du`,
    and this returns :math:`\sum_j \log L_j` with the integrals approximated
    by Laplace's method or adaptive Gauss-Hermite quadrature. Useful to check
    the approximations against one another at the same parameters.

    Parameters
    ----------
    X : array-like of shape (n, p)
        Fixed-effects design :math:`\mathbf{X}`, as for :func:`fit_random_intercept`.
    y : array-like of shape (n,) or (n, 2)
        The response, as for :func:`fit_random_intercept`.
    groups : array-like of shape (n,)
        The cluster label of each row; at least two clusters.
    params : array-like of shape (p,)
        The fixed effects :math:`\boldsymbol\beta`, one per column of ``X``.
    sigma : float
        The random-intercept standard deviation :math:`\sigma_u`, positive.
    family : Binomial or Poisson, optional
        Defaults to ``Binomial()``.
    weights, offset : array-like of shape (n,), optional
        Prior weights :math:`w_i` (trials for the Binomial) and offset :math:`o_i`.
    method : {"laplace", "quadrature"}
        Laplace approximation or adaptive Gauss-Hermite quadrature.
    n_quadrature : int
        Nodes per cluster for ``method="quadrature"``, at most 200.

    Returns
    -------
    float
        :math:`\sum_j \log L_j`, including the terms free of the parameters
        (binomial coefficients, :math:`\log y!`), as R's ``logLik`` does.

    Raises
    ------
    TypeError
        If ``family`` is not a glm_lib family.
    ValueError
        Mismatched shapes, NaN or infinite values, responses outside the
        family's support, missing group labels, a single group, a
        non-positive ``sigma``, an unsupported family or method, or
        ``n_quadrature`` out of range.

    Notes
    -----
    R: none (lme4 evaluates it inside ``glmer``; ``lme4::glmer(..., devFunOnly = TRUE)``
    returns the deviance function, :math:`-2\sum_j \log L_j`, of ``(theta, beta)``)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> X = pd.get_dummies(cbpp["period"], prefix="period", drop_first=True, dtype=float)
    >>> X.insert(0, "Intercept", 1.0)
    >>> y = np.column_stack([cbpp["incidence"], cbpp["size"] - cbpp["incidence"]])
    >>> fit = gl.fit_random_intercept(X, y, cbpp["herd"])
    >>> round(gl.marginal_loglike(X, y, cbpp["herd"], fit.params, fit.sigma), 4)
    -92.0263
    >>> round(gl.marginal_loglike(X, y, cbpp["herd"], fit.params, fit.sigma, method="quadrature"), 4)
    -91.9838
    """
    family = Binomial() if family is None else family
    X, _, y_vec, w, off, codes, _ = _prepare(X, y, groups, family, weights, offset)
    sigma = positive_number("sigma", sigma)
    data = _GroupedData(family, X, y_vec, w, off, codes)
    beta = as_vector(params, X.shape[1], "params", per="columns")
    return float(np.sum(_group_loglike(data, beta, sigma, _nodes_for(method, n_quadrature, _MAX_NODES_CHECK))[0]))


def _nodes_for(method: str, n_quadrature: int, maximum: int) -> int:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "laplace":
        return 1
    return whole_number("n_quadrature", n_quadrature, minimum=1, maximum=maximum)


def _finite_difference_hessian(func, theta: np.ndarray, step: float = _HESSIAN_STEP):
    """Central-difference gradient and Hessian of ``func`` at ``theta``."""
    k = theta.size
    steps = step * np.maximum(1.0, np.abs(theta))
    f0 = func(theta)
    gradient = np.empty(k)
    hessian = np.empty((k, k))
    plus = np.empty(k)
    minus = np.empty(k)
    for i in range(k):
        e_i = np.zeros(k)
        e_i[i] = steps[i]
        plus[i], minus[i] = func(theta + e_i), func(theta - e_i)
        gradient[i] = (plus[i] - minus[i]) / (2 * steps[i])
        hessian[i, i] = (plus[i] - 2 * f0 + minus[i]) / steps[i] ** 2
    for i in range(k):
        for j in range(i + 1, k):
            e_i = np.zeros(k)
            e_j = np.zeros(k)
            e_i[i], e_j[j] = steps[i], steps[j]
            value = (
                func(theta + e_i + e_j) - func(theta + e_i - e_j) - func(theta - e_i + e_j) + func(theta - e_i - e_j)
            ) / (4 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    return gradient, hessian


def fit_random_intercept(
    X,
    y,
    groups,
    family: Family | None = None,
    weights=None,
    offset=None,
    method: str = "laplace",
    n_quadrature: int = 25,
    tol: float = 1e-8,
    max_iter: int = 500,
    *,
    feature_names: list[str] | None = None,
    formula: str | None = None,
) -> "RandomInterceptResults":
    r"""Fit a random-intercept GLM by maximum marginal likelihood.

    The model is :math:`g(\mu_{ij}) = \mathbf{x}_{ij}^\top\boldsymbol\beta + o_{ij} + u_j`
    for observation :math:`i` in cluster :math:`j`, with independent
    :math:`u_j \sim N(0, \sigma_u^2)` and a Binomial or Poisson response
    given :math:`u_j`. Each cluster's likelihood integrates :math:`u_j` out,
    by Laplace's method at the conditional mode or by adaptive Gauss-Hermite
    quadrature; :math:`(\boldsymbol\beta, \log\sigma_u)` maximise the sum of
    their logarithms.

    Parameters
    ----------
    X : array-like of shape (n, p)
        Fixed-effects design, including an intercept column if wanted. A
        DataFrame's column names become the coefficient names.
    y : array-like of shape (n,) or (n, 2)
        As for :func:`glm_lib.fit`: counts (Poisson), 0/1 or proportions with
        ``weights`` = trials, or (successes, failures) columns (Binomial).
    groups : array-like of shape (n,)
        The group label of each row; at least two groups.
    family : Binomial or Poisson, optional
        Defaults to ``Binomial()`` (logit link); other links are allowed.
    weights, offset : array-like of shape (n,), optional
        Prior weights (trials for the Binomial) and a known offset.
    method : {"laplace", "quadrature"}
        Laplace approximation (lme4's ``nAGQ = 1``) or adaptive
        Gauss-Hermite quadrature with ``n_quadrature`` nodes.
    n_quadrature : int
        Nodes per group for ``method="quadrature"``, at most 25 (lme4's cap).
    tol : float
        Projected-gradient tolerance of the outer optimisation.
    max_iter : int
        Iteration limit of the outer optimisation.
    feature_names : list of str, optional
        Coefficient names, overriding those of ``X``.
    formula : str, optional
        Recorded for display.

    Returns
    -------
    RandomInterceptResults

    Raises
    ------
    TypeError
        If ``family`` is not a glm_lib family.
    ValueError
        Mismatched shapes, NaN or infinite values, responses outside the
        family's support, missing group labels, a single group, an unsupported
        family or method.

    Warns
    -----
    SeparationWarning
        If the fixed effects alone separate the data (checked on the ordinary
        GLM that starts the fit).
    ConvergenceWarning
        If the optimiser or a conditional-mode iteration fails, or the Hessian
        at the estimate is not positive definite (standard errors are then NaN).

    Notes
    -----
    R: ``lme4::glmer(cbind(s, f) ~ x + (1 | g), family = binomial, nAGQ = 1)``
    (``method="laplace"``) or ``nAGQ = n_quadrature`` (``method="quadrature"``)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> X = pd.get_dummies(cbpp["period"], prefix="period", drop_first=True, dtype=float)
    >>> X.insert(0, "Intercept", 1.0)
    >>> y = np.column_stack([cbpp["incidence"], cbpp["size"] - cbpp["incidence"]])
    >>> fit = gl.fit_random_intercept(X, y, cbpp["herd"])
    >>> round(float(fit.sigma), 4)
    0.6423
    >>> round(float(fit.llf), 4)
    -92.0263
    """
    family = Binomial() if family is None else family
    n_nodes = _nodes_for(method, n_quadrature, _MAX_NODES_FIT)
    tol = positive_number("tol", tol)
    max_iter = whole_number("max_iter", max_iter)
    X, names, y_vec, prior_weights, offset, codes, labels = _prepare(X, y, groups, family, weights, offset)
    if feature_names is not None:
        if len(feature_names) != X.shape[1]:
            raise ValueError(f"feature_names has {len(feature_names)} names but X has {X.shape[1]} columns")
        names = list(feature_names)
    data = _GroupedData(family, X, y_vec, prior_weights, offset, codes)
    p = X.shape[1]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        glm_start = fit(X, y_vec, family=family, weights=prior_weights, offset=offset, drop_aliased=False)
    if glm_start.separation is not None:
        # The fixed effects alone separate the data: a random intercept cannot
        # bound the separating coefficient, so its estimate runs off in this fit too.
        rows = np.isin(np.arange(y_vec.shape[0]), glm_start.separation["rows"])
        warnings.warn(
            f"the data are {glm_start.separation['kind']}ly separated by the fixed effects: the responses "
            f"of {first_rows(rows)} sit at the boundary of the {family.name} family and a combination of "
            "the predictors predicts them perfectly, so some fixed effects are infinite in truth and the "
            "reported estimates and standard errors are meaningless. Keep the predictor (its effect is "
            "strong, not absent) and use a penalised fit",
            SeparationWarning, stacklevel=2,
        )
    theta0 = np.r_[glm_start.params.to_numpy(), np.log(0.5)]

    def objective(theta):
        loglik, _ = _group_loglike(data, theta[:p], float(np.exp(theta[p])), n_nodes)
        value = -float(np.sum(loglik))
        return value if np.isfinite(value) else 1e300

    bounds = [(None, None)] * p + [_LOG_SIGMA_BOUNDS]
    result = optimize.minimize(
        objective, theta0, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15, "maxcor": 20},
    )
    theta = result.x.copy()
    at_boundary = theta[p] <= _LOG_SIGMA_BOUNDS[0] + 1e-6

    # Polish with Newton steps on the finite-difference Hessian, then reuse it for the SEs.
    free = slice(0, p) if at_boundary else slice(0, p + 1)

    def restricted(values):
        full = theta.copy()
        full[free] = values
        return objective(full)

    gradient, hessian = _finite_difference_hessian(restricted, theta[free])
    for _ in range(5):
        try:
            factor = linalg.cho_factor(hessian)
        except linalg.LinAlgError:
            break
        step = linalg.cho_solve(factor, gradient)
        candidate = theta.copy()
        candidate[free] = theta[free] - step
        if at_boundary or candidate[p] >= _LOG_SIGMA_BOUNDS[0]:
            if objective(candidate) <= objective(theta) + 1e-12:
                theta = candidate
                gradient, hessian = _finite_difference_hessian(restricted, theta[free])
        if np.max(np.abs(step)) < 1e-9:
            break

    # scipy's status 1 means the iteration limit was reached; a failed line
    # search (status 2) at a point where the gradient vanishes is a converged fit.
    converged = bool(result.status != 1 and np.max(np.abs(gradient)) < _GRADIENT_TOL)
    try:
        factor = linalg.cho_factor(hessian)
        cov_free = linalg.cho_solve(factor, np.eye(hessian.shape[0]))
        hessian_ok = True
    except linalg.LinAlgError:
        cov_free = np.full(hessian.shape, np.nan)
        hessian_ok = False

    sigma = float(np.exp(theta[p]))
    loglik_groups, modes = _group_loglike(data, theta[:p], sigma, n_nodes)
    llf = float(np.sum(loglik_groups))
    if not converged:
        warnings.warn(
            f"fit_random_intercept did not converge after {result.nit} iterations ({result.message}); the "
            f"largest component of the gradient of -loglik is {np.max(np.abs(gradient)):.3g}; "
            "increase max_iter or check the model",
            ConvergenceWarning, stacklevel=2,
        )
    if not hessian_ok:
        warnings.warn(
            "the finite-difference Hessian of the marginal log-likelihood is not positive definite at the "
            "estimate, so the standard errors are NaN (the variance may be at or near zero)",
            ConvergenceWarning, stacklevel=2,
        )
    if not modes.converged:
        warnings.warn("the conditional-mode iteration did not converge for some group", ConvergenceWarning, stacklevel=2)

    group_name = str(groups.name) if isinstance(groups, pd.Series) and groups.name is not None else "group"
    random_effects = pd.Series(modes.u, index=labels.rename(group_name), name="conditional mode")
    return RandomInterceptResults(
        family=family,
        method=method,
        n_quadrature=n_nodes,
        names=names,
        params=theta[:p],
        cov=cov_free[:p, :p],
        sigma=sigma,
        log_sigma_se=float(np.sqrt(cov_free[p, p])) if not at_boundary and hessian_ok else np.nan,
        llf=llf,
        nobs=int(np.count_nonzero(prior_weights > 0)),
        n_groups=len(labels),
        group_name=group_name,
        random_effects=random_effects,
        conditional_sd=pd.Series(1.0 / np.sqrt(modes.curvature), index=labels, name="conditional SD"),
        converged=converged and hessian_ok and modes.converged,
        n_iter=int(result.nit),
        glm_start=glm_start,
        formula=formula,
        at_boundary=bool(at_boundary),
    )


_BAR_TERM = re.compile(r"\(([^()]*?)(\|\|?)([^()]*)\)")


def _split_random_term(formula: str) -> tuple[str, str | None]:
    """Take lme4's ``(1 | g)`` out of ``formula``: the fixed-effects formula and ``g``.

    Only a random intercept for one grouping column can be fitted; any other
    bar term (``(x | g)``, ``(1 | a/b)``, two bar terms) is a clear error.
    """
    if "~" not in formula:
        return formula, None
    lhs, rhs = formula.split("~", 1)
    terms = list(_BAR_TERM.finditer(rhs))
    if not terms:
        return formula, None
    if len(terms) > 1:
        raise ValueError(
            f"formula has {len(terms)} random-effect terms ({', '.join(t.group(0) for t in terms)}); "
            "random_intercept_glm fits one random intercept, (1 | group)"
        )
    term = terms[0]
    effects, grouping = term.group(1).strip(), term.group(3).strip()
    if effects != "1":
        raise ValueError(
            f"formula: {term.group(0)!r} asks for random slopes or a correlated structure; "
            "random_intercept_glm fits only a random intercept, written (1 | group)"
        )
    if not grouping.isidentifier():
        raise ValueError(
            f"formula: the grouping in {term.group(0)!r} must be one column name; nested or crossed "
            "groupings (a/b, a:b) are not supported, so combine them into one column first"
        )
    # Drop the term with the '+' that joins it to its neighbours.
    before, after = rhs[: term.start()].rstrip(), rhs[term.end():].lstrip()
    if before.endswith("+"):
        before = before[:-1].rstrip()
    elif after.startswith("+"):
        after = after[1:].lstrip()
    fixed = f"{before} {after}".strip()
    return f"{lhs.strip()} ~ {fixed or '1'}", grouping


def random_intercept_glm(formula: str, data: pd.DataFrame, groups: str | None = None, family: Family | None = None,
                         offset=None, weights=None, **options) -> "RandomInterceptResults":
    """Formula front end, in lme4's syntax: ``random_intercept_glm("cbind(s, f) ~ x + (1 | herd)", data)``.

    Parameters
    ----------
    formula : str
        The fixed effects as :func:`glm_lib.glm` parses them, plus the random
        intercept ``(1 | group)`` as in ``lme4::glmer``. The ordinary GLM of
        the fixed effects is the starting point.
    data : pandas.DataFrame
    groups : str, optional
        The grouping column, instead of ``(1 | group)`` in the formula (if
        both are given they must agree).
    family : Binomial or Poisson, optional
        Defaults to ``Binomial()``.
    offset, weights : str or array-like, optional
        A column name of ``data`` or values, one per row. ``offset(...)``
        terms in the formula (``offset(log(exposure))``) add to ``offset``.
    **options
        Passed to :func:`fit_random_intercept` (``method``, ``n_quadrature``, ...).

    Returns
    -------
    RandomInterceptResults

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame or ``family`` not a glm_lib family.
    ValueError
        A formula with random slopes, several or nested random terms; no
        grouping, or a ``groups`` that contradicts the formula or is not a
        column of ``data``; and the errors of :func:`fit_random_intercept`.

    Notes
    -----
    R: ``lme4::glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> fit = gl.random_intercept_glm("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp)
    >>> round(float(fit.sigma), 4)
    0.6423
    >>> agq = gl.random_intercept_glm("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp,
    ...                               method="quadrature", n_quadrature=10)
    >>> round(float(agq.llf), 4)
    -91.9834
    """

    formula = check_formula(formula)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    fixed, grouping = _split_random_term(formula)
    if groups is not None and grouping is not None and groups != grouping:
        raise ValueError(f"groups={groups!r} contradicts the formula's (1 | {grouping}); give the grouping once")
    groups = grouping if groups is None else groups
    if groups is None:
        raise ValueError("no grouping: add (1 | group) to the formula, as in lme4, or pass groups='column'")
    if not isinstance(groups, str) or groups not in data.columns:
        raise ValueError(f"groups={groups!r} is not a column of data")
    family = Binomial() if family is None else family
    frame = model_frame(fixed, data, family)
    offset_values = _column_or_values(data, offset, "offset")
    if frame.offset is not None:  # offset(...) terms add to an offset= argument, as in glmer
        offset_values = frame.offset + (0.0 if offset_values is None else np.asarray(offset_values, dtype=float))
    return fit_random_intercept(
        frame.design, frame.response, data[groups], family=family,
        weights=_column_or_values(data, weights, "weights"), offset=offset_values,
        formula=f"{' '.join(fixed.split())} + (1 | {groups})", **options,
    )


class RandomInterceptResults:
    r"""Results of :func:`fit_random_intercept` and :func:`random_intercept_glm`.

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        Fixed effects :math:`\hat{\boldsymbol\beta}`, their standard errors
        :math:`\mathrm{se}(\hat\beta_j)` (from the Hessian of the marginal
        log-likelihood in all parameters), Wald ratios (z values) and two-sided p-values.
    sigma, variance : float
        Standard deviation :math:`\hat\sigma_u` and variance :math:`\hat\sigma_u^2`
        of the random intercepts :math:`u_j`.
    llf, aic, bic, deviance : float
        Marginal log-likelihood :math:`\ell`, :math:`-2\ell + 2(p + 1)`,
        :math:`-2\ell + (p + 1)\log n` and :math:`-2\ell` (lme4's ``deviance`` column).
    random_effects : pandas.Series
        Conditional modes :math:`\hat u_j` of the random intercepts, indexed by cluster.
    conditional_sd : pandas.Series
        :math:`c_j^{-1/2}` per cluster, with :math:`c_j = \sum_i W_{ij} + 1/\sigma_u^2`
        the curvature at the mode (working weights :math:`W_{ij}`): the spread
        of each cluster's integrand.
    converged : bool
        Whether the optimiser, the conditional-mode iterations and the Hessian all succeeded.

    Notes
    -----
    R: ``lme4::glmer`` returns the same as an object of class ``glmerMod``
    (``fixef``, ``VarCorr``, ``logLik``, ``ranef``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> fit = gl.random_intercept_glm("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp)
    >>> round(float(fit.params["Intercept"]), 4)
    -1.3985
    >>> fit.random_effects.shape
    (15,)
    """

    def __init__(self, *, family, method, n_quadrature, names, params, cov, sigma, log_sigma_se, llf, nobs,
                 n_groups, group_name, random_effects, conditional_sd, converged, n_iter, glm_start, formula, at_boundary):
        self.family = family
        self.method = method
        self.n_quadrature = n_quadrature
        self.names = list(names)
        self.params = pd.Series(params, index=self.names)
        self._cov = cov
        self.bse = pd.Series(np.sqrt(np.diag(cov)), index=self.names)
        self.tvalues = self.params / self.bse
        self.pvalues = pd.Series(2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=self.names)
        self.sigma = sigma
        self.variance = sigma**2
        self.log_sigma_se = log_sigma_se
        self.llf = llf
        self.nobs = nobs
        self.n_groups = n_groups
        self.group_name = group_name
        self.n_params = len(self.names) + 1
        self.df_resid = nobs - self.n_params
        self.random_effects = random_effects
        self.conditional_sd = conditional_sd
        self.converged = converged
        self.n_iter = n_iter
        self.glm_start = glm_start
        self.formula = formula
        self.at_boundary = at_boundary

    @property
    def deviance(self) -> float:
        """``-2 llf``, the column lme4 prints as ``deviance``."""
        return -2.0 * self.llf

    @property
    def aic(self) -> float:
        """``-2 llf + 2 (p + 1)``: the fixed effects and the random-intercept variance."""
        return self.deviance + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        """``-2 llf + log(n) (p + 1)`` with ``n`` the number of observations (as lme4)."""
        return self.deviance + np.log(self.nobs) * self.n_params

    def cov_params(self) -> pd.DataFrame:
        """Covariance of the fixed effects: their block of the inverse Hessian."""
        return pd.DataFrame(self._cov, index=self.names, columns=self.names)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals ``estimate +/- z * se`` for the fixed effects."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
        q = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - q * self.bse, "upper": self.params + q * self.bse})

    def coef_table(self) -> pd.DataFrame:
        """Estimate, standard error, z value and p-value of each fixed effect."""
        return pd.DataFrame(
            {"Estimate": self.params, "Std. Error": self.bse, "z value": self.tvalues, "Pr(>|z|)": self.pvalues}
        )

    def summary(self) -> str:
        """Plain text laid out like lme4's ``print(summary(glmer(...)))``."""
        if self.method == "laplace":
            how = "Laplace Approximation"
        else:
            how = f"Adaptive Gauss-Hermite Quadrature, nAGQ = {self.n_quadrature}"
        lines = [
            f"Generalized linear mixed model fit by maximum likelihood ({how})",
            f" Family: {self.family.name.lower()}  ( {self.family.link.name} )",
        ]
        if self.formula:
            lines.append(f"Formula: {self.formula}")
        lines.append("")
        gw = max(7, len(self.group_name) + 1)
        header = ["AIC", "BIC", "logLik", "deviance", "df.resid"]
        values = [f"{self.aic:.1f}", f"{self.bic:.1f}", f"{self.llf:.1f}", f"{self.deviance:.1f}", f"{self.df_resid}"]
        widths = [max(len(h), len(v)) + 3 for h, v in zip(header, values)]
        lines.append("".join(f"{h:>{w}}" for h, w in zip(header, widths)))
        lines.append("".join(f"{v:>{w}}" for v, w in zip(values, widths)))
        lines += [
            "",
            "Random effects:",
            f" {'Groups':<{gw}}{'Name':<12}{'Variance':<9}{'Std.Dev.'}",
            f" {self.group_name:<{gw}}{'(Intercept)':<12}{self.variance:<9.4f}{self.sigma:.4f}",
            f"Number of obs: {self.nobs}, groups:  {self.group_name}, {self.n_groups}",
            "",
            "Fixed effects:",
        ]
        table = self.coef_table()
        estimate = formatting.format_column(table["Estimate"].tolist())
        se = formatting.format_column(table["Std. Error"].tolist())
        z = [formatting.format_statistic(v) for v in table["z value"]]
        pv = [formatting.format_pvalue(v) for v in table["Pr(>|z|)"]]
        stars = [formatting.significance_stars(v) for v in table["Pr(>|z|)"]]
        name_w = max(len(n) for n in self.names)
        cols = [("Estimate", estimate), ("Std. Error", se), ("z value", z), ("Pr(>|z|)", pv)]
        col_w = [max(len(h), *(len(v) for v in vals)) for h, vals in cols]
        lines.append(" " * name_w + "".join(f" {h:>{w}}" for (h, _), w in zip(cols, col_w)))
        for i, name in enumerate(self.names):
            cells = "".join(f" {vals[i]:>{w}}" for (_, vals), w in zip(cols, col_w))
            lines.append(f"{name:<{name_w}}{cells} {stars[i]}".rstrip())
        lines += ["---", formatting.SIGNIF_LEGEND]
        if not self.converged:
            lines.append("Warning: the fit did not converge (see the ConvergenceWarning).")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"<RandomInterceptResults {self.family.name}({self.family.link.name}), {self.method}: "
            f"logLik {self.llf:.6g}, sigma {self.sigma:.4g}, {self.n_groups} groups>"
        )
