"""Generalized linear mixed models by maximum likelihood (lme4's ``glmer``).

Given ``theta`` and ``beta``, penalised iteratively reweighted least squares
(PIRLS) finds the conditional mode ``u^`` of the spherical random effects,
maximising ``sum_i log f(y_i | eta_i) - ||u||^2 / 2`` with
``eta = X beta + Z Lambda_theta u + offset``: each step solves
``(Lambda' Z' W Z Lambda + I) u = Lambda' Z' W (Z Lambda u + (y - mu) / mu'(eta))``
with the Fisher working weights ``W = w mu'(eta)^2 / V(mu)``, blockwise
(:class:`glm_lib._models._ranef.BlockedCholesky`; for one scalar term the
system is diagonal and is solved group by group), halving a step that does
not lower the penalised deviance. ``L_theta`` is the Cholesky factor of
``Lambda' Z' W Z Lambda + I`` at the mode.

The marginal likelihood integrates ``u`` out. The Laplace approximation
(``nAGQ = 1``) to ``-2 log L`` is

    -2 sum_i log f(y_i | mu_i(u^)) + ||u^||^2 + log |L_theta|^2,

the constants of ``log f`` (binomial coefficients, ``log y!``) included, as in
lme4's ``logLik``. For one scalar random-effects term the integral factorises
into one-dimensional integrals per group ``j``, and adaptive Gauss-Hermite
quadrature with ``G = nAGQ`` nodes (lme4's ``glmerAGQ``) evaluates each at
``u_jk = u^_j + z_k s_j``, with ``s_j = 1 / L_jj`` the conditional standard
deviation and ``(z_k, w_k)`` the Gauss-Hermite rule for ``N(0, 1)``:

    -2 log L_j = -2 log f(y_j | u^_j) + u^_j^2 + log L_jj^2
                 - 2 log sum_k w_k exp(z_k^2 / 2 - D_jk / 2),
    D_jk = -2 {log f(y_j | u_jk) - log f(y_j | u^_j)} + u_jk^2 - u^_j^2;

with ``D_jk = z_k^2`` (a Gaussian integrand) the sum is 1 and the Laplace
value remains. As in lme4, the curvature ``L_jj^2 = 1 + theta^2 sum_i W_i``
uses the Fisher weights, also for non-canonical links.

The approximate deviance is minimised over ``(theta, beta)`` jointly (lme4's
second stage) by lmer's optimiser (:func:`glm_lib._models._lmm.minimise_theta`):
L-BFGS on finite differences without bounds on ``theta`` (a column of a
factor ``T`` changing sign, with the conditional modes of its effects, leaves
the deviance unchanged; under lme4's bound on the diagonal the search could
stop at a false optimum with a correlation of the wrong sign), then the
diagonal made non-negative, entries near 0 set to 0 when no worse, and a
Newton polish; the standard errors come from the central-difference Hessian in ``(theta, beta)``
(lme4's default, ``use.hessian = TRUE``). lme4 reports, for ``nAGQ > 1``,
a log-likelihood without the saturated model's terms (it sums deviance
residuals); glm_lib keeps them at every ``nAGQ``, so its log-likelihoods
compare across ``nAGQ`` and with the GLM's.

References: Bates et al. (2015), *Fitting linear mixed-effects models using
lme4*, J. Stat. Softw. 67(1); Pinheiro & Chao (2006), *Efficient Laplacian and
adaptive Gaussian quadrature algorithms for multilevel generalized linear
mixed models*, J. Comput. Graph. Stat. 15(1).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.polynomial.hermite import hermgauss
from scipy import linalg, sparse, special

from .._engine._prepare import prepare_data
from .._formula._formula import _column_or_values
from .._glm._fit import fit as glm_fit
from .._model._errors import ConvergenceWarning
from .._model._families import Binomial, Family, Poisson
from .._model._validation import positive_number, whole_number
from ._lmm import MixedModelResults, _warn_singular, finite_difference_hessian, minimise_theta, prepare_mixed
from ._ranef import RandomStructure, with_small_blas

__all__ = ["glmer", "GLMMResults"]

_PIRLS_MAX_ITER = 100
_PIRLS_TOL = 1e-12
MAX_NODES_FIT = 25  # lme4's cap on nAGQ


def gauss_hermite(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes ``z_k`` and log weights of the ``n_nodes``-point rule for ``int f(z) phi(z) dz`` (lme4's ``GHrule``)."""
    x, w = hermgauss(n_nodes)
    return np.sqrt(2.0) * x, np.log(w) - 0.5 * np.log(np.pi)


def check_family(family) -> Family:
    """The families glmer fits: Binomial or Poisson (any link), with a likelihood."""
    if not isinstance(family, Family):
        raise TypeError(f"family must be a glm_lib family such as gl.Binomial() or gl.Poisson(), not {family!r}")
    if not isinstance(family, (Binomial, Poisson)) or family.estimated_dispersion or not family.has_likelihood:
        raise ValueError(f"glmer supports the Binomial and Poisson families; got {family!r} (use gl.lmer for Gaussian)")
    return family


def _row_loglik(family: Family, y, eta, weights, constant):
    """``log f(y_i | eta_i)`` per row, with its constant; ``eta`` may carry a trailing node axis."""
    if eta.ndim > 1:
        y, weights, constant = y[:, None], weights[:, None], constant[:, None]
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
    """The approximate deviance ``-2 log L`` of a GLMM as a function of ``x = (theta, beta)``."""

    def __init__(self, family: Family, X, y, weights, offset, structure: RandomStructure, n_nodes: int = 1):
        self.family, self.X, self.y, self.w, self.offset = family, X, y, weights, offset
        self.structure = structure
        self.n, self.p = X.shape
        first = structure.terms[0]
        # One scalar term: PIRLS's system is diagonal, and adaptive quadrature is defined.
        self.scalar = len(structure.terms) == 1 and first.k == 1
        if n_nodes > 1 and not self.scalar:
            raise ValueError("adaptive quadrature needs a single scalar random-effects term")
        self.codes, self.m = first.codes, first.n_levels
        if isinstance(family, Binomial):
            trials = np.round(weights)
            successes = np.round(weights * y)
            self.constant = special.gammaln(trials + 1) - special.gammaln(successes + 1) - special.gammaln(trials - successes + 1)
        else:
            self.constant = -weights * special.gammaln(y + 1)
        self.n_nodes = n_nodes
        if n_nodes > 1:
            self.nodes, self.log_weights = gauss_hermite(n_nodes)
            # Sums of rows within groups, for many nodes at once.
            self._group_sum = sparse.csr_matrix((np.ones(self.n), (self.codes, np.arange(self.n))),
                                                shape=(self.m, self.n))
        self.u = np.zeros(structure.q)  # warm start of PIRLS
        self.pirls_converged = True

    # --- PIRLS ----------------------------------------------------------------------
    def _weights(self, eta):
        link = self.family.link
        with np.errstate(all="ignore"):
            mu = link.inverse(eta)
            dmu = link.inverse_deriv(eta)
            W = self.w * dmu**2 / self.family.variance(mu)
        return mu, dmu, W

    def _times_u(self, rows, u):
        if self.scalar:
            return rows[0][:, 0] * u[self.codes]
        return self.structure.times_u(rows, u)

    def _curvature(self, rows, W):
        """``L_jj^2 = 1 + sum_i v_i^2 W_i`` per group, for one scalar term (``v`` the rows of ``Z Lambda``)."""
        v = rows[0][:, 0]
        return 1.0 + np.bincount(self.codes, v * v * W, minlength=self.m)

    def _solve(self, rows, eta, u):
        """The PIRLS update: the penalised weighted least-squares solution at ``eta``."""
        mu, dmu, W = self._weights(eta)
        with np.errstate(all="ignore"):
            working = self._times_u(rows, u) + (self.y - mu) / dmu
        if self.scalar:
            v = rows[0][:, 0]
            return np.bincount(self.codes, v * W * working, minlength=self.m) / self._curvature(rows, W)
        chol = self.structure.factor(None, W, working[:, None], rows=rows, pad_last=1.0)
        return chol.solve_coefficients(0)[0]

    def _pdev(self, eta, u):
        return -2.0 * float(np.sum(_row_loglik(self.family, self.y, eta, self.w, self.constant))) + float(u @ u)

    def pirls(self, theta, beta, u0=None):
        """Conditional modes at ``(theta, beta)``: returns ``(u, eta, rows, W)``.

        Warm-started from the last modes (or ``u0``); from ``u = 0`` if that start fails.
        """
        try:
            return self._pirls(theta, beta, u0)
        except (np.linalg.LinAlgError, linalg.LinAlgError):
            return self._pirls(theta, beta, np.zeros(self.structure.q))

    def _pirls(self, theta, beta, u0=None):
        rows = self.structure.rows(theta)
        eta0 = self.X @ beta + self.offset
        u = self.u.copy() if u0 is None else np.array(u0, dtype=float)
        eta = eta0 + self._times_u(rows, u)
        pdev = self._pdev(eta, u)
        if not np.isfinite(pdev):
            u = np.zeros_like(u)
            eta = eta0.copy()
            pdev = self._pdev(eta, u)
        converged = False
        self.pirls_iterations = 0
        for _ in range(_PIRLS_MAX_ITER):
            self.pirls_iterations += 1
            step = self._solve(rows, eta, u) - u
            t = 1.0
            for _ in range(40):
                cand = u + t * step
                eta_c = eta0 + self._times_u(rows, cand)
                pdev_c = self._pdev(eta_c, cand)
                if np.isfinite(pdev_c) and pdev_c <= pdev + 1e-10 * (1 + abs(pdev)):
                    break
                t *= 0.5
            u, eta, pdev = cand, eta_c, pdev_c
            # On the step, not on the change of the penalised deviance: for a non-canonical link the
            # Fisher-scoring iteration converges linearly, and a mode found only to where the deviance
            # stops changing (~1e-6) would move the log-determinant, and so a finite-difference Hessian
            # of the approximate deviance, visibly.
            if np.max(np.abs(t * step)) < _PIRLS_TOL * (1 + np.max(np.abs(u))):
                converged = True
                break
        self.pirls_converged = converged
        return u, eta, rows, self._weights(eta)[2]

    def factor(self, rows, W):
        """The blocked Cholesky factor ``L_theta`` at the weights ``W`` (for the conditional variances)."""
        return self.structure.factor(None, W, np.zeros((self.n, 1)), rows=rows, pad_last=1.0)

    # --- the approximate deviance ----------------------------------------------------
    def _logdet(self, rows, W) -> float:
        if self.scalar:
            return float(np.sum(np.log(self._curvature(rows, W))))
        return self.factor(rows, W).logdet_random()

    def _quadrature(self, rows, eta, u, W, loglik) -> float:
        """``-2 sum_j log sum_k w_k exp(z_k^2 / 2 - D_jk / 2)``: adaptive quadrature's change to the Laplace value."""
        v = rows[0][:, 0]
        sd = 1.0 / np.sqrt(self._curvature(rows, W))
        z = self.nodes
        eta_nodes = eta[:, None] + (v * sd[self.codes])[:, None] * z[None, :]
        at_nodes = self._group_sum @ _row_loglik(self.family, self.y, eta_nodes, self.w, self.constant)
        at_mode = self._group_sum @ loglik
        u_nodes = u[:, None] + sd[:, None] * z[None, :]
        change = -2.0 * (at_nodes - at_mode[:, None]) + u_nodes**2 - (u**2)[:, None]
        log_sums = special.logsumexp(self.log_weights[None, :] + 0.5 * z[None, :] ** 2 - 0.5 * change, axis=1)
        return -2.0 * float(np.sum(log_sums))

    def deviance(self, x) -> float:
        """``-2 log L`` at ``x = (theta, beta)`` by the Laplace approximation or adaptive quadrature."""
        nt = self.structure.n_theta
        theta, beta = x[:nt], x[nt:]
        try:
            u, eta, rows, W = self.pirls(theta, beta)
        except (np.linalg.LinAlgError, linalg.LinAlgError, FloatingPointError):
            return np.inf
        loglik = _row_loglik(self.family, self.y, eta, self.w, self.constant)
        value = -2.0 * float(np.sum(loglik)) + float(u @ u) + self._logdet(rows, W)
        if self.n_nodes > 1:
            value += self._quadrature(rows, eta, u, W, loglik)
        if np.isfinite(value):
            self.u = u
        return value


class GLMMResults(MixedModelResults):
    r"""Results of :func:`glmer`.

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        Fixed effects :math:`\hat{\boldsymbol\beta}`, standard errors
        (central-difference Hessian of the approximate deviance in
        ``(theta, beta)``, as lme4), z values and p-values.
    theta : ndarray
        lme4's ``getME(fit, "theta")``: for a GLMM the random effects'
        standard deviations and correlations are those of ``T T'`` per term;
        for one random intercept ``theta[0]`` is :math:`\hat\sigma_u`.
    sd_u : float
        :math:`\hat\sigma_u`, the standard deviation of the random effect when
        the model has one scalar random-effects term (otherwise read
        ``VarCorr()``).
    sigma : float
        lme4's ``sigma()``: 1 for the binomial and Poisson families (it is the
        residual standard deviation of :func:`lmer`, never :math:`\sigma_u`).
    nAGQ : int
        1 for the Laplace approximation, more for adaptive Gauss-Hermite quadrature.
    llf, aic, bic : float
        The approximate log-likelihood (with the constants of
        :math:`\log f`, at every ``nAGQ``), and the criteria with
        ``p + len(theta)`` parameters.
    deviance : float
        ``-2 llf``, the column lme4's summary prints as ``deviance``. (lme4's
        ``deviance()`` function returns a conditional deviance instead.)
    singular : bool
        A variance at 0 or a correlation at +-1 (lme4's ``isSingular``).

    Notes
    -----
    R: ``lme4::glmer`` returns the same as an object of class ``glmerMod``
    (``fixef``, ``getME(fit, "theta")``, ``logLik``, ``VarCorr``, ``ranef``).
    For ``nAGQ > 1`` lme4's ``logLik`` leaves out the saturated model's
    log-likelihood :math:`\sum_i \log f(y_i \mid \mu_i = y_i)` (zero for 0/1
    responses); ``llf`` keeps it.

    Examples
    --------
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> fit = gl.glmer("cbind(incidence, size - incidence) ~ period + (1 | herd)", cbpp, family=gl.Binomial())
    >>> fit
    <GLMMResults Binomial(logit), Laplace: logLik -92.0263, theta [0.6423]>
    >>> round(float(fit.params["(Intercept)"]), 4), round(fit.sd_u, 4)
    (-1.3985, 0.6423)
    """

    _scaled_by_sigma = False

    @property
    def deviance(self) -> float:
        return -2.0 * self.llf

    def _factor_for_condvar(self):
        u, _, rows, W = self._problem.pirls(self.theta, self.params.to_numpy(), u0=self.u)
        return self._problem.factor(rows, W)

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

    @with_small_blas
    def refit(self, newresp) -> "GLMMResults":
        """Fit the same model to a new response (lme4's ``refit``), e.g. in a parametric bootstrap.

        The design, random-effects structure, family, offset, ``nAGQ`` and
        tolerances are those of this fit; only the response changes, so the
        formula is not parsed again.

        Parameters
        ----------
        newresp : array-like of shape (n,) or (n, 2)
            The new response, one value per row of the fit: 0/1, counts, or
            proportions (with this fit's prior weights as the trials), or
            two columns (successes, failures) for the binomial.

        Returns
        -------
        GLMMResults

        Raises
        ------
        ValueError
            If ``newresp`` has the wrong number of rows or values outside the family's support.
        """
        spec = self._spec
        newresp = np.asarray(newresp, dtype=float)
        weights = None if newresp.ndim == 2 else spec["weights"]
        _, _, y, prior_weights, _ = prepare_data(spec["X"], newresp, self.family, weights, spec["offset"])
        if np.any(prior_weights == 0):
            raise ValueError("newresp: rows with no trials (zero weight) are not supported by glmer here; drop those rows")
        return _fit(self.family, spec["X"], y, prior_weights, spec["offset"], self.structure, self.names, spec)

    def summary(self) -> str:
        """Plain text laid out like lme4's ``print(summary(glmer(...)))``."""
        how = ("Laplace Approximation" if self.nAGQ == 1
               else f"Adaptive Gauss-Hermite Quadrature, nAGQ = {self.nAGQ}")
        lines = [f"Generalized linear mixed model fit by maximum likelihood ({how}) ['glmerMod']",
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
        how = "Laplace" if self.nAGQ == 1 else f"AGQ {self.nAGQ}"
        return (f"<GLMMResults {self.family.name}({self.family.link.name}), {how}: logLik {self.llf:.6g}, "
                f"theta {np.round(self.theta, 4).tolist()}>")


def _fit(family: Family, X, y, prior_weights, off, structure: RandomStructure, names, spec) -> GLMMResults:
    """Maximise the approximate likelihood over ``(theta, beta)`` and wrap the result."""
    nAGQ = spec["nAGQ"]
    start = glm_fit(X, y, family=family, weights=prior_weights, offset=off)
    problem = _GLMMProblem(family, X, y, prior_weights, off, structure, n_nodes=nAGQ)
    nt, p = structure.n_theta, X.shape[1]
    # The optimiser works on beta = beta0 + L^{-T} gamma, L L' = X' W X of the GLM start, which makes
    # the fixed effects' curvature about the identity whatever the scale of the predictors.
    beta0 = np.asarray(start.params, dtype=float)
    working = np.asarray(start.working_weights, dtype=float)
    L = linalg.cholesky((X * working[:, None]).T @ X, lower=True)

    def to_beta(gamma):
        return beta0 + linalg.solve_triangular(L, gamma, lower=True, trans="T")

    def objective(z):
        return problem.deviance(np.r_[z[:nt], to_beta(z[nt:])])

    # theta without bounds, as lmer's: a column of T and the conditional modes of its effects changing sign
    # together leave the approximate deviance unchanged, so no bound is needed and none can trap the search.
    with np.errstate(all="ignore"):
        z, value, n_iter, failure = minimise_theta(objective, structure, tol=spec["tol"], max_iter=spec["max_iter"],
                                                   extra_start=np.zeros(p))
    theta, beta = z[:nt], to_beta(z[nt:])
    u, eta, _, _ = problem.pirls(theta, beta)
    problem.u = u
    # Standard errors as lme4's: the central-difference Hessian of the deviance in (theta, beta) with
    # steps of 1e-4 (deriv12), a theta at its bound left out; vcov is the beta block of its inverse.
    x = np.r_[theta, beta]
    idx = np.flatnonzero(np.r_[(structure.lower_bounds() == -np.inf) | (theta > 1e-8), np.ones(p, dtype=bool)])

    def restricted(values):
        full = x.copy()
        full[idx] = values
        return problem.deviance(full)

    with np.errstate(all="ignore"):
        _, hessian = finite_difference_hessian(restricted, x[idx], step=1e-4, relative=False)
    problem.u = u
    try:
        factor = linalg.cho_factor(0.5 * hessian)
        unit = np.zeros((idx.size, p))  # solves against the unit vectors of beta only
        unit[idx.size - p:, :] = np.eye(p)
        cov = linalg.cho_solve(factor, unit)[-p:, :]
        cov = 0.5 * (cov + cov.T)
    except linalg.LinAlgError:
        cov = np.full((p, p), np.nan)
        warnings.warn("the Hessian of the approximate deviance is not positive definite at the estimate; "
                      "the standard errors are NaN", ConvergenceWarning, stacklevel=4)
    res = GLMMResults()
    res.family = family
    res.nAGQ = nAGQ
    res._problem = problem
    res._data = spec["data"]
    res._spec = spec
    res._init_common(
        formula=spec["formula"], data_name=None, structure=structure, theta=theta, names=names,
        params=beta, cov=cov, sigma=1.0, u=u, llf=-0.5 * problem.deviance(np.r_[theta, beta]),
        nobs=int(np.count_nonzero(prior_weights > 0)), n_params=beta.size + nt,
        converged=failure is None and problem.pirls_converged, n_iter=n_iter,
        fixed_spec=spec["fixed_spec"], offset_expr=spec["offset_expr"], statistic="z",
    )
    res.fitted_link = eta
    res.fitted = family.link.inverse(eta)
    res.y = y
    res.prior_weights = prior_weights
    # Warnings point past glmer (or refit) and with_small_blas's wrapper, at the caller.
    if not res.converged:
        failure = failure or "the conditional modes (PIRLS) did not converge at the estimate"
        warnings.warn(f"glmer did not converge: {failure}; the estimates may be inaccurate",
                      ConvergenceWarning, stacklevel=4)
    _warn_singular(res, stacklevel=5)
    return res


@with_small_blas
def glmer(formula: str, data: pd.DataFrame, family: Family | None = None, nAGQ: int = 1, weights=None, offset=None,
          tol: float = 1e-6, max_iter: int = 2000) -> GLMMResults:
    r"""Fit a generalized linear mixed model by maximum likelihood, as ``lme4::glmer``.

    The model is :math:`g(\mu_i) = \eta_i = \mathbf{x}_i^\top\boldsymbol\beta + \mathbf{z}_i^\top\boldsymbol\gamma + o_i`
    with random effects :math:`\boldsymbol\gamma = \boldsymbol\Lambda_{\boldsymbol\psi}\mathbf{u}`,
    :math:`\mathbf{u} \sim N(\mathbf{0}, \mathbf{I})`, and a Binomial or Poisson
    response given :math:`\boldsymbol\gamma` (lme4's :math:`b` and :math:`\theta`, the
    attributes ``b`` and ``theta``; see :func:`lmer`). The marginal likelihood is approximated
    by Laplace's method at the conditional mode (``nAGQ = 1``), or, for a single
    scalar random-effects term such as a random intercept ``(1 | g)``, by
    adaptive Gauss-Hermite quadrature with ``nAGQ`` nodes per group, centred at
    each group's conditional mode and scaled by its conditional standard deviation.

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
        one scalar random-effects term only (as lme4).
    weights, offset : str or array-like, optional
        Prior weights (binomial: the trials of a proportion) and an offset.
    tol, max_iter : float, int
        The gradient tolerance and iteration limit of the L-BFGS search over
        ``(theta, beta)``; Newton steps on a finite-difference Hessian then
        polish the optimum. When the search ends by the limit, at a saddle
        point, or with a gradient that is not small, the fit warns
        (:class:`glm_lib.ConvergenceWarning`) and ``converged`` is False.

    Returns
    -------
    GLMMResults

    Raises
    ------
    TypeError
        If ``family`` is not a glm_lib family.
    ValueError
        No ``family``, a family other than Binomial or Poisson, ``nAGQ``
        outside 1 to 25 or above 1 with several or vector-valued random
        terms, zero weights, and the formula and data errors of :func:`lmer`.

    Notes
    -----
    R: ``lme4::glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial, nAGQ = 1)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> formula = "cbind(incidence, size - incidence) ~ period + (1 | herd)"
    >>> round(gl.glmer(formula, cbpp, family=gl.Binomial()).llf, 3)
    -92.026
    >>> agq = gl.glmer(formula, cbpp, family=gl.Binomial(), nAGQ=9)
    >>> round(agq.sd_u, 4), round(agq.llf, 3)
    (0.6475, -91.983)
    """
    if family is None:
        raise ValueError("glmer needs family=, e.g. gl.Binomial() or gl.Poisson() (lme4's family argument)")
    family = check_family(family)
    nAGQ = whole_number("nAGQ", nAGQ, minimum=1, maximum=MAX_NODES_FIT)
    tol = positive_number("tol", tol)
    max_iter = whole_number("max_iter", max_iter)
    formula, fixed, frame, X, names, structure = prepare_mixed(formula, data, family)
    if nAGQ > 1 and (len(structure.terms) != 1 or structure.terms[0].k != 1):
        raise ValueError(
            f"nAGQ = {nAGQ} (adaptive quadrature) needs a single scalar random-effects term such as (1 | g), "
            "as in lme4; use nAGQ=1 (Laplace) for this random structure"
        )
    w = _column_or_values(data, weights, "weights")
    off = _column_or_values(data, offset, "offset")
    if frame.offset is not None:
        off = frame.offset + (0.0 if off is None else np.asarray(off, dtype=float))
    X_arr, _, y, prior_weights, off = prepare_data(X, frame.response, family, w, off)
    if np.any(prior_weights == 0):
        raise ValueError("weights: zero weights are not supported by glmer here; drop those rows")
    spec = {
        "nAGQ": nAGQ, "tol": tol, "max_iter": max_iter, "X": X_arr, "weights": prior_weights, "offset": off,
        "data": data, "formula": " ".join(formula.split()), "fixed_spec": frame.design.model_spec,
        "offset_expr": (lambda d: frame.parsed.offset(d)) if frame.offset is not None else None,
    }
    return _fit(family, X_arr, y, prior_weights, off, structure, names, spec)
