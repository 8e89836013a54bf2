"""Generalized linear mixed models by the Laplace approximation (lme4's ``glmer``).

Given ``theta`` and ``beta``, penalised iteratively reweighted least squares
(PIRLS) finds the conditional mode ``u^`` of the spherical random effects,
maximising ``sum_i log f(y_i | eta_i) - ||u||^2 / 2`` with
``eta = X beta + Z Lambda_theta u + offset``: each step solves
``(Lambda' Z' W Z Lambda + I) u = Lambda' Z' W (Z Lambda u + (y - mu) / mu'(eta))``
with the Fisher working weights ``W = w mu'(eta)^2 / V(mu)``, blockwise
(:class:`glm_lib._models._ranef.BlockedCholesky`), halving a step that does
not lower the penalised deviance. The Laplace approximation to ``-2 log L`` is

    -2 sum_i log f(y_i | mu_i(u^)) + ||u^||^2 + log |L_theta|^2,

``L_theta`` the Cholesky factor of ``Lambda' Z' W Z Lambda + I`` at the mode;
the constants of ``log f`` (binomial coefficients, ``log y!``) are included,
as in lme4's ``logLik``. It is minimised over ``(theta, beta)`` jointly
(lme4's second stage, ``nAGQ = 1``), by L-BFGS-B on central differences with a
Newton polish; the standard errors come from the finite-difference Hessian
in ``(theta, beta)`` (lme4's default, ``use.hessian = TRUE``).

Adaptive Gauss-Hermite quadrature (``nAGQ > 1``) is available, as in lme4,
for a single scalar random effect: it is the one-dimensional engine
:mod:`glm_lib._models._mixed`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import linalg, special

from .._engine._prepare import prepare_data
from .._formula._formula import _column_or_values
from .._glm._fit import fit as glm_fit
from .._model._errors import ConvergenceWarning
from .._model._families import Binomial, Family, Poisson
from .._model._validation import whole_number
from ._lmm import MixedModelResults, _warn_singular, finite_difference_hessian, minimise, prepare_mixed
from ._ranef import with_small_blas, BlockedCholesky, RandomStructure

__all__ = ["glmer", "GLMMResults"]

_PIRLS_MAX_ITER = 100
_PIRLS_TOL = 1e-12


def _row_loglik(family: Family, y, mu_or_eta, weights, constant, eta_given=True):
    """``log f(y_i | eta_i)`` per row, with its constant."""
    eta = mu_or_eta
    link = family.link
    canonical = link.name == family.canonical_link
    with np.errstate(all="ignore"):
        if isinstance(family, Binomial):
            if canonical:
                core = weights * (y * eta - np.logaddexp(0.0, eta))
            else:
                mu = np.clip(link.inverse(eta), 1e-300, 1 - 1e-16)
                core = weights * (special.xlogy(y, mu) + special.xlog1py(1 - y, -mu))
        else:
            if canonical:
                core = weights * (y * eta - np.exp(eta))
            else:
                mu = np.maximum(link.inverse(eta), 1e-300)
                core = weights * (special.xlogy(y, mu) - mu)
    return core + constant


class _GLMMProblem:
    def __init__(self, family: Family, X, y, weights, offset, structure: RandomStructure):
        self.family, self.X, self.y, self.w, self.offset = family, X, y, weights, offset
        self.structure = structure
        self.n, self.p = X.shape
        first = structure.terms[0]
        self.q1, self.k1 = first.n_levels * first.k, first.k
        if isinstance(family, Binomial):
            trials = np.round(weights)
            successes = np.round(weights * y)
            self.constant = special.gammaln(trials + 1) - special.gammaln(successes + 1) - special.gammaln(trials - successes + 1)
        else:
            self.constant = -weights * special.gammaln(y + 1)
        self.u = np.zeros(structure.q)  # warm start of PIRLS
        self.pirls_converged = True

    def _pdev(self, eta, u):
        return -2.0 * float(np.sum(_row_loglik(self.family, self.y, eta, self.w, self.constant))) + float(u @ u)

    def pirls(self, theta, beta, u0=None):
        """Conditional modes ``u^`` at ``(theta, beta)``; returns (u, eta, factor, penalised deviance).

        Warm-started from the last modes; from ``u = 0`` if that start fails.
        """
        try:
            return self._pirls(theta, beta, u0)
        except (np.linalg.LinAlgError, linalg.LinAlgError):
            return self._pirls(theta, beta, np.zeros(self.structure.q))

    def _pirls(self, theta, beta, u0=None):
        structure = self.structure
        rows = structure.rows(theta)
        eta0 = self.X @ beta + self.offset
        u = self.u.copy() if u0 is None else u0.copy()
        eta = eta0 + structure.times_u(rows, u)
        pdev = self._pdev(eta, u)
        if not np.isfinite(pdev):
            u = np.zeros_like(u)
            eta = eta0.copy()
            pdev = self._pdev(eta, u)
        converged = False
        for _ in range(_PIRLS_MAX_ITER):
            chol = self._factor(rows, eta, u, want_rhs=True)
            u_new, _ = chol.solve_coefficients(0)
            step = u_new - u
            t = 1.0
            for _ in range(40):
                cand = u + t * step
                eta_c = eta0 + structure.times_u(rows, cand)
                pdev_c = self._pdev(eta_c, cand)
                if np.isfinite(pdev_c) and pdev_c <= pdev + 1e-10 * (1 + abs(pdev)):
                    break
                t *= 0.5
            u, eta = cand, eta_c
            change = abs(pdev - pdev_c)
            pdev = pdev_c
            if np.max(np.abs(t * step)) < _PIRLS_TOL * (1 + np.max(np.abs(u))) or change < 1e-14 * (1 + abs(pdev)):
                converged = True
                break
        chol = self._factor(rows, eta, u, want_rhs=False)
        self.pirls_converged = converged
        return u, eta, chol, pdev

    def _factor(self, rows, eta, u, want_rhs):
        family, link = self.family, self.family.link
        with np.errstate(all="ignore"):
            mu = link.inverse(eta)
            dmu = link.inverse_deriv(eta)
            W = self.w * dmu**2 / family.variance(mu)
            if want_rhs:
                working = self.structure.times_u(rows, u) + (self.y - mu) / dmu
            else:
                working = np.zeros(self.n)
        chol = self.structure.factor(None, W, working[:, None], rows=rows, pad_last=1.0)
        return chol

    def laplace(self, x) -> float:
        nt = self.structure.n_theta
        theta, beta = x[:nt], x[nt:]
        try:
            u, eta, chol, _ = self.pirls(theta, beta)
        except (np.linalg.LinAlgError, linalg.LinAlgError, FloatingPointError):
            return np.inf
        value = -2.0 * float(np.sum(_row_loglik(self.family, self.y, eta, self.w, self.constant))) + float(u @ u) + chol.logdet_random()
        if np.isfinite(value):
            self.u = u
        return value


class GLMMResults(MixedModelResults):
    """Results of :func:`glmer`.

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        Fixed effects, standard errors (finite-difference Hessian of the
        Laplace deviance in ``(theta, beta)``, as lme4), z values and p-values.
    theta : ndarray
        lme4's ``getME(fit, "theta")``: for a GLMM the random effects'
        standard deviations and correlations are those of ``T T'`` per term.
    llf, aic, bic : float
        Laplace log-likelihood (with the constants of ``log f``), and the
        criteria with ``p + len(theta)`` parameters.
    deviance : float
        ``-2 llf``, the column lme4's summary prints as ``deviance``. (lme4's
        ``deviance()`` function returns a conditional deviance instead.)
    singular : bool
        A variance at 0 or a correlation at +-1 (lme4's ``isSingular``).

    Notes
    -----
    R: ``lme4::glmer`` returns the same as an object of class ``glmerMod``
    (``fixef``, ``getME(fit, "theta")``, ``logLik``, ``VarCorr``, ``ranef``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> fit = gl.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family=gl.Binomial())
    >>> fit
    <GLMMResults Binomial(logit), Laplace: logLik -92.0263, theta [0.6423]>
    >>> round(float(fit.params["(Intercept)"]), 4)
    -1.3985
    """

    _scaled_by_sigma = False

    @property
    def deviance(self) -> float:
        return -2.0 * self.llf

    def _factor_for_condvar(self):
        _, _, chol, _ = self._problem.pirls(self.theta, self.params.to_numpy(), u0=self.u)
        return chol

    def predict(self, newdata=None, re_form=None, allow_new_levels: bool = False, type: str = "link", offset=None):
        """Predictions (lme4's ``predict.merMod``).

        Parameters
        ----------
        newdata : pandas.DataFrame or dict, optional
            Defaults to the fitted data.
        re_form : None or False
            None includes every random effect at its conditional mode; False
            (or ``"~0"``) gives the population level ``X beta^``.
        allow_new_levels : bool
            Levels absent from the fit are an error unless True (their effects are then 0).
        type : {"link", "response"}
            The linear predictor ``eta`` or the mean ``g^{-1}(eta)``.
        offset : str or array-like, optional
            For new data when the fit used ``offset=`` values.

        Returns
        -------
        ndarray
        """
        if type not in ("link", "response"):
            raise ValueError(f"type must be 'link' or 'response', got {type!r}")
        eta = self._linear_predictor(newdata, re_form, allow_new_levels, offset)
        return eta if type == "link" else self.family.link.inverse(eta)

    def summary(self) -> str:
        """Plain text laid out like lme4's ``print(summary(glmer(...)))``."""
        lines = ["Generalized linear mixed model fit by maximum likelihood (Laplace Approximation) ['glmerMod']",
                 f" Family: {self.family.name.lower()}  ( {self.family.link.name} )", f"Formula: {self.formula}", ""]
        header = ["AIC", "BIC", "logLik", "deviance", "df.resid"]
        values = [f"{self.aic:.1f}", f"{self.bic:.1f}", f"{self.llf:.1f}", f"{self.deviance:.1f}", f"{self.df_resid}"]
        widths = [max(len(h), len(v)) + 3 for h, v in zip(header, values)]
        lines.append("".join(f"{h:>{w}}" for h, w in zip(header, widths)))
        lines.append("".join(f"{v:>{w}}" for v, w in zip(values, widths)))
        lines += ["", "Random effects:"]
        lines += self._format_varcorr()
        lines += ["", "Fixed effects:"]
        lines += self._format_fixed()
        lines += self._warning_lines()
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GLMMResults {self.family.name}({self.family.link.name}), Laplace: logLik {self.llf:.6g}, theta {np.round(self.theta, 4).tolist()}>"


@with_small_blas
def glmer(formula: str, data: pd.DataFrame, family: Family | None = None, nAGQ: int = 1, weights=None, offset=None,
          tol: float = 1e-6, max_iter: int = 2000):
    r"""Fit a generalized linear mixed model by maximum likelihood, as ``lme4::glmer``.

    The model is :math:`g(\mu_i) = \eta_i = \mathbf{x}_i^\top\boldsymbol\beta + \mathbf{z}_i^\top\boldsymbol\gamma + o_i`
    with random effects :math:`\boldsymbol\gamma = \boldsymbol\Lambda_{\boldsymbol\psi}\mathbf{u}`,
    :math:`\mathbf{u} \sim N(\mathbf{0}, \mathbf{I})`, and a Binomial or Poisson
    response given :math:`\boldsymbol\gamma` (lme4's :math:`b` and :math:`\theta`, the
    attributes ``b`` and ``theta``; see :func:`lmer`). The marginal likelihood is approximated
    by Laplace's method at the conditional mode (``nAGQ = 1``), or for a single
    scalar random intercept by adaptive Gauss-Hermite quadrature with
    ``nAGQ`` nodes.

    Parameters
    ----------
    formula : str
        lme4's syntax (see :func:`lmer`); the response as :func:`glm_lib.glm`
        reads it: 0/1, a proportion with ``weights`` the trials, or
        ``cbind(successes, failures)``; ``offset(...)`` terms allowed.
    data : pandas.DataFrame
    family : Binomial or Poisson
        Required, as in lme4 (any link).
    nAGQ : int
        1 for the Laplace approximation; 2 to 25 for adaptive quadrature, for
        one scalar random intercept ``(1 | g)`` only (as lme4).
    weights, offset : str or array-like, optional
        Prior weights (binomial: the trials of a proportion) and an offset.
    tol, max_iter : float, int
        L-BFGS-B's gradient tolerance and iteration limit; Newton steps on a
        finite-difference Hessian then polish the optimum.

    Returns
    -------
    GLMMResults, or RandomInterceptResults for ``nAGQ > 1``

    Notes
    -----
    R: ``lme4::glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> fit = gl.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family=gl.Binomial())
    >>> round(fit.llf, 3)
    -92.026
    """
    if family is None:
        raise ValueError("glmer needs family=, e.g. gl.Binomial() or gl.Poisson() (lme4's family argument)")
    if not isinstance(family, Family):
        raise TypeError(f"family must be a glm_lib family such as gl.Binomial() or gl.Poisson(), not {family!r}")
    if not isinstance(family, (Binomial, Poisson)) or family.estimated_dispersion or not family.has_likelihood:
        raise ValueError(f"glmer supports the Binomial and Poisson families; got {family!r} (use gl.lmer for Gaussian)")
    nAGQ = whole_number("nAGQ", nAGQ, minimum=1, maximum=25)
    formula, fixed, frame, X, names, structure = prepare_mixed(formula, data, family)
    n = X.shape[0]
    w = _column_or_values(data, weights, "weights")
    off = _column_or_values(data, offset, "offset")
    if frame.offset is not None:
        off = frame.offset + (0.0 if off is None else np.asarray(off, dtype=float))
    if nAGQ > 1:
        if len(structure.terms) != 1 or structure.terms[0].k != 1 or structure.terms[0].columns != ["(Intercept)"]:
            raise ValueError(
                f"nAGQ = {nAGQ} (adaptive quadrature) needs a single scalar random intercept (1 | g), as in lme4; "
                "use nAGQ=1 (Laplace) for this random structure"
            )
        from ._mixed import fit_random_intercept

        term = structure.terms[0]
        groups = pd.Series(pd.Categorical.from_codes(term.codes, categories=list(term.levels)), name=term.group)
        return fit_random_intercept(frame.design, frame.response, groups, family=family, weights=w, offset=off,
                                    method="quadrature", n_quadrature=nAGQ, formula=" ".join(formula.split()))
    X_arr, _, y, prior_weights, off = prepare_data(X, frame.response, family, w, off)
    if np.any(prior_weights == 0):
        raise ValueError("weights: zero weights are not supported by glmer here; drop those rows")
    start = glm_fit(X_arr, y, family=family, weights=prior_weights, offset=off)
    problem = _GLMMProblem(family, X_arr, y, prior_weights, off, structure)
    nt, p = structure.n_theta, X_arr.shape[1]
    # The optimiser works on beta = beta0 + L^{-T} gamma, L L' = X' W X of the GLM start, which makes
    # the fixed effects' curvature about the identity whatever the scale of the predictors.
    beta0 = np.asarray(start.params, dtype=float)
    working = np.asarray(start.working_weights, dtype=float)
    L = linalg.cholesky((X_arr * working[:, None]).T @ X_arr, lower=True)

    def to_beta(gamma):
        return beta0 + linalg.solve_triangular(L, gamma, lower=True, trans="T")

    def objective(z):
        return problem.laplace(np.r_[z[:nt], to_beta(z[nt:])])

    z0 = np.r_[structure.theta_start(), np.zeros(p)]
    lower = np.r_[structure.lower_bounds(), np.full(p, -np.inf)]
    with np.errstate(all="ignore"):
        z, value, n_iter, converged = minimise(objective, z0, lower, tol=tol, max_iter=max_iter)
    theta, beta = z[:nt], to_beta(z[nt:])
    u, eta, chol, _ = problem.pirls(theta, beta)
    problem.u = u
    # Standard errors: the Hessian of the Laplace deviance in (theta, gamma), theta at a bound left
    # out, mapped back to beta (the beta block of its inverse is lme4's vcov).
    free = np.r_[(structure.lower_bounds() == -np.inf) | (theta > 1e-8), np.ones(p, dtype=bool)]
    idx = np.flatnonzero(free)

    def restricted(values):
        full = z.copy()
        full[idx] = values
        return objective(full)

    with np.errstate(all="ignore"):
        _, hessian = finite_difference_hessian(restricted, z[idx], step=1e-4)
    problem.pirls(theta, beta, u0=u)
    problem.u = u
    try:
        factor = linalg.cho_factor(0.5 * hessian)
        cov_gamma = linalg.cho_solve(factor, np.eye(idx.size))[-p:, -p:]
        half = linalg.solve_triangular(L, cov_gamma, lower=True, trans="T")
        cov = linalg.solve_triangular(L, half.T, lower=True, trans="T")
        cov = 0.5 * (cov + cov.T)
    except linalg.LinAlgError:
        cov = np.full((p, p), np.nan)
        warnings.warn("the Hessian of the Laplace deviance is not positive definite at the estimate; "
                      "the standard errors are NaN", ConvergenceWarning, stacklevel=2)
    res = GLMMResults()
    res.family = family
    res._problem = problem
    res._data = data
    offset_expr = (lambda d: frame.parsed.offset(d)) if frame.offset is not None else None
    res._init_common(
        formula=" ".join(formula.split()), data_name=None, structure=structure, theta=theta, names=names,
        params=beta, cov=cov, sigma=1.0, u=u, llf=-0.5 * value, nobs=int(np.count_nonzero(prior_weights > 0)),
        n_params=beta.size + nt, converged=converged and problem.pirls_converged, n_iter=n_iter,
        fixed_spec=frame.design.model_spec, offset_expr=offset_expr, statistic="z",
    )
    res.fitted_link = eta
    res.fitted = family.link.inverse(eta)
    res.y = y
    res.prior_weights = prior_weights
    if not res.converged:
        warnings.warn(f"glmer did not converge in {n_iter} iterations; the estimates may be inaccurate",
                      ConvergenceWarning, stacklevel=2)
    _warn_singular(res)
    return res
