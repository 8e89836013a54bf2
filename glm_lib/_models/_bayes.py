"""Bayesian GLMs: the posterior mode and its Laplace (normal) approximation, and the same model in PyMC.

With independent priors ``p(beta_j)`` the log posterior is, up to a constant,
``ell(beta) + sum_j log p(beta_j)``. Its mode solves ``U(beta) + d log p / d beta = 0``:

- with normal priors ``N(m_j, s_j^2)`` the log prior is quadratic and Fisher
  scoring is *penalised IRLS*, ``beta^(m+1) = (X'WX + P)^{-1} (X'Wz + P m)`` with
  the prior precision ``P = diag(1 / s_j^2)``;
- with Student-t or Cauchy priors each step is a Newton step on the log
  posterior, with the prior's own curvature where the total is positive
  definite and the t's scale-mixture (EM) weight otherwise (Gelman, Jakulin,
  Pittau and Su, 2008).

The Laplace approximation is ``N(beta_hat, H^{-1})`` with ``H = J(beta_hat) +
P(beta_hat)``: the observed information (``X'WX`` for a canonical link) plus the
prior's precision at the mode. ``H`` is factorised by Cholesky; it is never inverted.
"""

from __future__ import annotations

import copy
import numbers
import warnings

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .._formula._formula import model_frame, new_design
from .._model._errors import ConvergenceWarning, SeparationWarning
from .._model._families import Binomial, Family, Poisson
from .._model._validation import first_rows
from ._priors import Normal, Prior

__all__ = ["bayes_glm", "BayesGLMResults"]

_INTERCEPT = "Intercept"


def _check_prior(name: str, prior) -> Prior | None:
    if prior is not None and not isinstance(prior, Prior):
        raise TypeError(f"{name} must be a prior from gl.priors (Normal, StudentT, Cauchy) or None for a "
                        f"flat prior, not {type(prior).__name__}")
    return prior


class _Posterior:
    """The log posterior of a GLM with independent priors, its gradient and curvature."""

    def __init__(self, X, y, weights, offset, family: Family, priors: list[Prior | None]):
        self.X, self.y, self.weights, self.offset, self.family = X, y, weights, offset, family
        self.priors = priors
        self.groups = {}
        for j, prior in enumerate(priors):
            if prior is not None:
                self.groups.setdefault(prior, []).append(j)

    def eta(self, beta):
        return self.X @ beta + self.offset

    def loglik(self, beta) -> float:
        mu = self.family.link.inverse(self.eta(beta))
        if not self.family.valid_mu(mu):
            return -np.inf
        return self.family.loglike(self.y, mu, self.weights)

    def _prior_parts(self, beta, which: str) -> np.ndarray:
        out = np.zeros_like(beta)
        for prior, idx in self.groups.items():
            out[idx] = getattr(prior, which)(beta[idx])
        return out

    def log_prior(self, beta) -> float:
        return float(np.sum(self._prior_parts(beta, "log_density")))

    def log_posterior(self, beta) -> float:
        return self.loglik(beta) + self.log_prior(beta)

    def working(self, beta):
        """Score terms and working weights: ``U = X' a`` and ``W`` (expected information ``X'WX``)."""
        eta = self.eta(beta)
        mu = self.family.link.inverse(eta)
        dmu = self.family.link.inverse_deriv(eta)
        variance = self.family.variance(mu)
        a = self.weights * (self.y - mu) * dmu / variance
        W = self.weights * dmu**2 / variance
        return eta, mu, dmu, variance, a, W

    def observed_weights(self, beta) -> np.ndarray:
        """Diagonal of the observed information in eta: ``W - (y - mu) w d/deta{mu' / V}``."""
        eta, mu, dmu, variance, _, W = self.working(beta)
        if self.family.link.name == self.family.canonical_link:
            return W
        d2mu = self.family.link.inverse_deriv2(eta)
        dq = d2mu / variance - dmu**2 * self.family.variance_deriv(mu) / variance**2
        return W - self.weights * (self.y - mu) * dq

    def hessian(self, beta) -> np.ndarray:
        """``H = J(beta) + P(beta)``: minus the Hessian of the log posterior."""
        Wo = self.observed_weights(beta)
        H = self.X.T @ (self.X * Wo[:, None])
        H[np.diag_indices_from(H)] += self._prior_parts(beta, "precision")
        return H


def _mode(post: _Posterior, start: np.ndarray, max_iter: int, tol: float):
    """Penalised IRLS (normal priors) or Newton on the log posterior (t priors), with step halving."""
    beta = start.copy()
    value = post.log_posterior(beta)
    normal = all(p is None or p.is_normal for p in post.priors)
    locations = np.array([0.0 if p is None else p.location for p in post.priors])
    decrement, iterations = np.inf, 0
    for iterations in range(1, max_iter + 1):
        eta, mu, dmu, variance, a, W = post.working(beta)
        XtWX = post.X.T @ (post.X * W[:, None])
        gradient = post.X.T @ a + post._prior_parts(beta, "gradient")
        if normal:
            # (X'WX + P) beta_new = X'W z + P m, with z = eta - o + (y - mu) g'(mu)
            P = post._prior_parts(beta, "precision")
            z = eta - post.offset + (post.y - mu) / dmu
            factor = _cholesky(XtWX + np.diag(P))
            target = linalg.cho_solve(factor, post.X.T @ (W * z) + P * locations, check_finite=False)
            step = target - beta
        else:
            try:  # Newton on the log posterior: the prior's own curvature
                factor = linalg.cho_factor(XtWX + np.diag(post._prior_parts(beta, "precision")), check_finite=False)
            except linalg.LinAlgError:  # a t prior's tail makes it indefinite: the EM weight instead
                factor = _cholesky(XtWX + np.diag(post._prior_parts(beta, "majoriser")))
            step = linalg.cho_solve(factor, gradient, check_finite=False)
        decrement = float(gradient @ step)
        if decrement < tol:  # converged: the last, tiny step is taken too
            beta = beta + step
            break
        for _ in range(50):
            trial = beta + step
            trial_value = post.log_posterior(trial)
            if np.isfinite(trial_value) and trial_value >= value - 1e-12 * abs(value):
                break
            step = step / 2
        else:
            break
        beta, value = trial, trial_value
    converged = bool(decrement < tol)
    return beta, iterations, converged, decrement


def _cholesky(H: np.ndarray):
    try:
        return linalg.cho_factor(H, check_finite=False)
    except linalg.LinAlgError:
        raise FloatingPointError(
            "the log posterior's curvature is not positive definite: with a flat prior (None) the data must "
            "identify every coefficient; give those coefficients a proper prior (gl.priors.Normal)"
        ) from None


class BayesGLMResults:
    """A Bayesian GLM: the posterior mode and the Laplace (normal) approximation around it.

    Attributes
    ----------
    params : pandas.Series
        The posterior mode ``beta_hat`` (glm_lib's term names).
    bse : pandas.Series
        Posterior standard deviations of the Laplace approximation: square roots of
        the diagonal of ``H^{-1}``, ``H = J(beta_hat) + P(beta_hat)``.
    priors : dict
        Each coefficient's prior (None: flat).
    log_posterior, llf : float
        The log posterior (log-likelihood plus the priors' log-densities, with
        their normalising constants) and the log-likelihood at the mode.
    family, formula, nobs, iterations, converged

    Notes
    -----
    R: an ``rstanarm::stan_glm`` fit's posterior summary; the mode and Laplace
    covariance are what ``rstanarm``'s ``algorithm = "optimizing"`` approximates.

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.bayes_glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> list(res.params.index)
    ['Intercept', 'width']
    """

    def __init__(self, formula, names, beta, post: _Posterior, spec, iterations, converged):
        self.formula, self.model_spec, self.family = formula, spec, post.family
        self.params = pd.Series(beta, index=names)
        self.priors = dict(zip(names, post.priors))
        self._post = post
        self._factor = _cholesky(post.hessian(beta))
        self._cov = linalg.cho_solve(self._factor, np.eye(len(names)), check_finite=False)
        self.bse = pd.Series(np.sqrt(np.diag(self._cov)), index=names)
        self.llf = float(post.loglik(beta))
        self.log_posterior = float(post.log_posterior(beta))
        self.nobs = int(post.X.shape[0])
        self.iterations, self.converged = iterations, converged

    def cov_params(self) -> pd.DataFrame:
        """The Laplace approximation's covariance ``H^{-1}`` (from the Cholesky factor of ``H``)."""
        names = list(self.params.index)
        return pd.DataFrame(self._cov, index=names, columns=names)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Central ``1 - alpha`` credible intervals of the normal approximation (``lower``, ``upper``)."""
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
            raise ValueError(f"alpha must be a number between 0 and 1, got {alpha!r}")
        q = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - q * self.bse, "upper": self.params + q * self.bse})

    def sample(self, n: int, rng: np.random.Generator | int | None = None) -> pd.DataFrame:
        """``n`` draws of ``beta`` from the Laplace approximation ``N(beta_hat, H^{-1})``.

        With ``H = L L'`` (Cholesky), ``beta_hat + L'^{-1} z`` for standard normal
        ``z`` has covariance ``H^{-1}``; ``L'^{-1} z`` is a triangular solve.
        ``rng``: a ``numpy.random.Generator`` or a seed.
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"n must be a positive whole number of draws, got {n!r}")
        if not isinstance(rng, np.random.Generator):
            if rng is not None and (isinstance(rng, bool) or not isinstance(rng, numbers.Integral)):
                raise TypeError(f"rng must be a numpy Generator or an integer seed, not {type(rng).__name__}")
            rng = np.random.default_rng(rng)
        upper = np.triu(self._factor[0]) if not self._factor[1] else np.tril(self._factor[0]).T
        z = rng.standard_normal((len(self.params), int(n)))
        draws = self.params.to_numpy()[:, None] + linalg.solve_triangular(upper, z, lower=False, check_finite=False)
        return pd.DataFrame(draws.T, columns=self.params.index)

    def predict(self, newdata: pd.DataFrame | None = None, linear: bool = False) -> np.ndarray:
        """The mean ``g^{-1}(x' beta_hat)`` at the mode (``linear=True``: ``eta``) for ``newdata`` or the rows fitted."""
        if newdata is None:
            X, offset = self._post.X, self._post.offset
        else:
            X, offset = new_design(self.model_spec, newdata, self.formula), 0.0
        eta = X @ self.params.to_numpy() + offset
        return eta if linear else self.family.link.inverse(eta)

    def pymc_model(self):
        """The same model (design, likelihood, priors) as a ``pymc.Model``, to sample with NUTS.

        One scalar random variable per coefficient, named as in ``params``, and the
        observed response ``y`` (Bernoulli/binomial successes or Poisson counts).
        """
        try:
            import pymc as pm
            import pytensor.tensor as pt
        except ImportError:  # pragma: no cover - pymc is in requirements.txt
            raise ImportError("pymc_model needs PyMC: pip install pymc") from None
        post, family = self._post, self.family
        inverse = _pymc_inverse_link(family.link.name, pm, pt)
        with pm.Model() as model:
            coefs = []
            for name, prior in self.priors.items():
                if prior is None:
                    coefs.append(pm.Flat(name))
                elif prior.is_normal:
                    coefs.append(pm.Normal(name, mu=prior.location, sigma=prior.scale))
                else:
                    coefs.append(pm.StudentT(name, nu=prior.df, mu=prior.location, sigma=prior.scale))
            eta = pt.dot(post.X, pt.stack(coefs)) + post.offset
            if isinstance(family, Binomial):
                trials = np.round(post.weights).astype("int64")
                successes = np.round(post.weights * post.y).astype("int64")
                if family.link.name == "logit":
                    pm.Binomial("y", n=trials, logit_p=eta, observed=successes)
                else:
                    pm.Binomial("y", n=trials, p=inverse(eta), observed=successes)
            else:
                pm.Poisson("y", mu=inverse(eta), observed=np.round(post.y).astype("int64"))
        return model

    def summary(self) -> str:
        """Posterior mode, standard deviation, 95 % credible interval and prior of each coefficient."""
        names = list(self.params.index)
        ci = self.conf_int()
        columns = [["Mode", *[f"{v:.4f}" for v in self.params]],
                   ["Post. SD", *[f"{v:.4f}" for v in self.bse]],
                   ["2.5 %", *[f"{v:.4f}" for v in ci["lower"]]],
                   ["97.5 %", *[f"{v:.4f}" for v in ci["upper"]]],
                   ["Prior", *[("flat" if self.priors[n] is None else repr(self.priors[n])) for n in names]]]
        widths = [max(len(c) for c in col) for col in columns]
        width = max(len(n) for n in names)
        lines = [f"Bayesian GLM (Laplace approximation at the posterior mode): {self.formula}",
                 f"Family: {self.family.name}, link: {self.family.link.name}; {self.nobs} observations", "",
                 " " * width + " " + " ".join(col[0].rjust(w) if i < 4 else col[0].ljust(w)
                                               for i, (col, w) in enumerate(zip(columns, widths))).rstrip()]
        for k, name in enumerate(names):
            cells = " ".join(col[k + 1].rjust(w) if i < 4 else col[k + 1].ljust(w)
                             for i, (col, w) in enumerate(zip(columns, widths)))
            lines.append(f"{name.ljust(width)} {cells}".rstrip())
        lines += ["", f"Log posterior at the mode: {self.log_posterior:.4f}   log-likelihood: {self.llf:.4f}"]
        if not self.converged:
            lines.append(f"Warning: the mode did not converge in {self.iterations} iterations")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<BayesGLMResults {self.formula!r}: log posterior {self.log_posterior:.6g} at the mode>"


def _pymc_inverse_link(name: str, pm, pt):
    inverses = {
        "logit": pm.math.invlogit,
        "probit": lambda eta: 0.5 * (1 + pt.erf(eta / np.sqrt(2.0))),
        "cloglog": lambda eta: 1 - pt.exp(-pt.exp(eta)),
        "log": pt.exp,
        "identity": lambda eta: eta,
        "sqrt": lambda eta: eta**2,
    }
    if name not in inverses:
        raise ValueError(f"pymc_model supports the links {', '.join(inverses)}, not {name!r}")
    return inverses[name]


def bayes_glm(formula: str, data: pd.DataFrame, family: Family, prior: Prior | None = Normal(0.0, 2.5),
              prior_intercept: Prior | None = Normal(0.0, 10.0), max_iter: int = 100,
              tol: float = 1e-12) -> BayesGLMResults:
    """A Bayesian GLM with independent priors: the posterior mode and its Laplace approximation.

    Parameters
    ----------
    formula : str
        An R model formula, as for :func:`glm_lib.glm` (``offset()`` terms allowed).
    data : pandas.DataFrame
    family : Family
        ``gl.Binomial()`` or ``gl.Poisson()`` (any of their links): the families with ``phi = 1``.
    prior : Prior or None
        The prior of every coefficient but the intercept; ``gl.priors.Normal(0, 2.5)``
        by default (rstanarm's default scale, here not rescaled by the data). ``None``: flat.
    prior_intercept : Prior or None
        The intercept's prior, ``gl.priors.Normal(0, 10)`` by default (rstanarm 2.21
        uses ``normal(0, 2.5)`` autoscaled; pass ``gl.priors.Normal(0, 2.5)`` for its scale).
    max_iter : int
        Most iterations of penalised IRLS / Newton.
    tol : float
        Convergence when the Newton decrement ``G' H^{-1} G`` of the log
        posterior's gradient ``G`` falls below ``tol``.

    Returns
    -------
    BayesGLMResults
        ``params`` (mode), ``bse`` (posterior SDs), ``conf_int()`` (credible
        intervals), ``sample(n, rng)``, ``summary()``, ``pymc_model()``.

    Raises
    ------
    TypeError
        ``data`` not a DataFrame, ``family`` not a glm_lib family, a prior not from ``gl.priors``.
    ValueError
        A family with an estimated dispersion or without a likelihood, a response outside
        the family's support, ``max_iter`` or ``tol`` not positive.
    FloatingPointError
        When the log posterior's curvature at the mode is not positive definite
        (a flat prior on a coefficient the data do not identify).

    Warns
    -----
    ConvergenceWarning
        When the mode is not reached in ``max_iter`` iterations.

    Notes
    -----
    R: ``rstanarm::stan_glm(formula, family, data, prior = normal(0, 2.5, autoscale = FALSE),
    prior_intercept = normal(0, 10, autoscale = FALSE))`` samples the same posterior.
    rstanarm places ``prior_intercept`` on the intercept of *centred* predictors;
    glm_lib on the intercept of the design as written: centre the predictors
    to make the two the same. The Cauchy priors of Gelman et al. (2008) are
    ``prior=gl.priors.Cauchy(0, 2.5), prior_intercept=gl.priors.Cauchy(0, 10)``
    on inputs scaled to standard deviation 0.5.

    Examples
    --------
    >>> import glm_lib as gl
    >>> df = gl.datasets.load_challenger()
    >>> df["temp_c"] = df["temp"] - df["temp"].mean()
    >>> res = gl.bayes_glm("cbind(distressed, n - distressed) ~ temp_c", df, family=gl.Binomial())
    >>> round(float(res.params["temp_c"]), 3)
    -0.115
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if not isinstance(family, Family):
        raise TypeError(f"family must be a glm_lib family such as gl.Binomial() or gl.Poisson(), not {family!r}")
    if not isinstance(family, (Binomial, Poisson)) or family.estimated_dispersion or not family.has_likelihood:
        raise ValueError(f"bayes_glm fits families with a likelihood and phi = 1 (gl.Binomial(), gl.Poisson()); "
                         f"got {family!r}")
    prior = _check_prior("prior", prior)
    prior_intercept = _check_prior("prior_intercept", prior_intercept)
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive whole number, got {max_iter!r}")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol > 0:
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    family = copy.copy(family)  # prepare_response records the numbers of trials on its family
    frame = model_frame(formula, data, family)
    n = frame.design.shape[0]
    y, weights = family.prepare_response(frame.response, np.ones(n))
    family.check_response(y, weights)
    X = np.asarray(frame.design, dtype=float)
    names = list(frame.design.columns)
    if X.shape[1] == 0:
        raise ValueError(f"the formula {formula!r} has no coefficients")
    offset = np.zeros(n) if frame.offset is None else np.asarray(frame.offset, dtype=float)
    priors = [prior_intercept if name == _INTERCEPT or name == "(Intercept)" else prior for name in names]
    post = _Posterior(X, y, weights, offset, family, priors)
    # Start from the prior locations with the intercept at the link of the overall mean.
    start = np.array([0.0 if p is None else p.location for p in priors])
    if names[0] in (_INTERCEPT, "(Intercept)"):
        mean = np.clip(np.sum(weights * y) / np.sum(weights), 1e-3, None)
        if isinstance(family, Binomial):
            mean = min(mean, 1 - 1e-3)
        start[0] = float(family.link.link(np.array([mean]))[0] - np.mean(offset))
    beta, iterations, converged, decrement = _mode(post, start, int(max_iter), float(tol))
    if not converged:
        warnings.warn(f"the posterior mode did not converge: the Newton decrement is {decrement:.3g} after "
                      f"{iterations} iterations (raise max_iter, or give flat coefficients a proper prior)",
                      ConvergenceWarning, stacklevel=2)
    flat = [name for name, p in zip(names, priors) if p is None]
    if flat and isinstance(family, Binomial):
        mu = family.link.inverse(post.eta(beta))
        edge = (mu < 1e-8) | (mu > 1 - 1e-8)
        if edge.any():
            warnings.warn(f"fitted probabilities 0 or 1 at {first_rows(edge)}: the data separate the outcomes, "
                          f"so with flat priors on {', '.join(flat)} the posterior mode is at infinity and "
                          "this one is where the iterations stopped; give them a proper prior "
                          "(gl.priors.Normal(0, 2.5) or gl.priors.Cauchy(0, 2.5))", SeparationWarning, stacklevel=2)
    return BayesGLMResults(" ".join(formula.split()), names, beta, post, frame.design.model_spec,
                           iterations, converged)
