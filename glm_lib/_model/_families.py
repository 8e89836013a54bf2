"""Exponential-family distributions for GLMs.

A family knows everything about the response that the solver needs and nothing
about the solver: its variance function ``V(mu)``, unit deviance, log-likelihood,
which responses are in its support, which means are valid, and where to start.
The conventions (starting values, deviance, the dispersion used in the AIC)
follow R's ``family`` objects so that fits agree with ``glm`` to the digit.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import special

from . import _links as L
from ._validation import _is_real_scalar, check_finite, first_rows, positive_number

__all__ = [
    "Family",
    "Gaussian",
    "Binomial",
    "Poisson",
    "Gamma",
    "InverseGaussian",
    "NegativeBinomial",
    "QuasiPoisson",
    "QuasiBinomial",
    "Tweedie",
]


def _ylogy_over(y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``y * log(y / mu)`` with the convention ``0 * log 0 = 0``."""
    y, mu = np.broadcast_arrays(np.asarray(y, dtype=float), np.asarray(mu, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        # Where y = 0 the term is 0 whatever mu is (even mu = 0).
        ratio = np.divide(y, mu, out=np.ones_like(y), where=y != 0)
        return y * np.log(ratio)


class Family:
    """Base class of a GLM family.

    A family is the distribution of ``y_i`` in the exponential dispersion form
    ``f(y_i; theta_i, phi)``, known to the solver through its variance function
    ``V(mu)``, its unit deviance ``d(y, mu)``, its log-likelihood and the support
    of ``y`` and ``mu``. Subclasses set ``name``, ``canonical_link`` and
    ``links`` and implement :meth:`variance`, :meth:`unit_deviance` and
    :meth:`loglike`.

    Parameters
    ----------
    link : str or Link, optional
        The link function ``g``; defaults to the family's canonical link.

    Raises
    ------
    ValueError
        A link the family does not offer (by name); a :class:`~glm_lib.links.Link`
        object is always accepted.
    TypeError
        ``link`` neither a name nor a Link.

    Notes
    -----
    R: the ``family`` object of ``stats::family`` (``$variance``, ``$linkfun``,
    ``$dev.resids``, ``$aic``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> family = gl.Poisson()
    >>> isinstance(family, gl.Family), family.link.name
    (True, 'log')
    """

    name = "family"
    canonical_link = "identity"
    links: tuple[str, ...] = ()
    #: True when the dispersion is estimated (reported by R as "t value").
    estimated_dispersion = False
    #: False for quasi-families, which have no likelihood and so no AIC.
    has_likelihood = True
    #: Parameters estimated outside IRLS (the negative binomial's alpha in
    #: fit_negative_binomial); the AIC and BIC count them.
    extra_params = 0
    #: Open bounds of the mean (None: unbounded); also watched for separation.
    mean_bounds: tuple[float | None, float | None] = (None, None)

    def __init__(self, link: str | L.Link | None = None):
        self.link = L.get_link(self.canonical_link if link is None else link)
        if self.links and not (
            self.link.name in self.links or isinstance(link, L.Link)
        ):
            raise ValueError(
                f"link {self.link.name!r} is not available for the {self.name} family; "
                f"choose one of {', '.join(self.links)} (or pass a Link object)"
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(link={self.link.name!r})"

    # --- the distribution -------------------------------------------------
    def variance(self, mu: np.ndarray) -> np.ndarray:
        """Variance function ``V(mu)``: ``Var(y) = dispersion * V(mu) / weight``."""
        raise NotImplementedError

    def variance_deriv(self, mu: np.ndarray) -> np.ndarray:
        """``dV/dmu``, used by Newton's method with a non-canonical link."""
        raise NotImplementedError

    def unit_deviance(self, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """Unit deviance ``d(y, mu)``; the deviance is ``sum(weights * d)``."""
        raise NotImplementedError

    def deviance(self, y: np.ndarray, mu: np.ndarray, weights: np.ndarray) -> float:
        """Deviance: twice the log-likelihood ratio of the saturated model, times the dispersion."""
        return float(np.sum(weights * self.unit_deviance(y, mu)))

    def loglike(self, y, mu, weights, scale: float = 1.0) -> float:
        """Log-likelihood ``sum(log f(y_i; mu_i, scale))``, each term times its weight.

        For the Binomial the weights are the numbers of trials and ``y`` the
        proportion of successes, as in R.
        """
        raise NotImplementedError

    def aic_scale(self, deviance: float, weights: np.ndarray) -> float:
        """The dispersion R plugs into the likelihood for the AIC.

        R uses ``deviance / sum(weights)`` (for the Gaussian ``deviance / n``),
        the maximum-likelihood-like estimate, not the Pearson estimate that
        ``summary`` reports. Families with a fixed dispersion return 1.
        """
        return 1.0

    # --- the response -----------------------------------------------------
    def prepare_response(self, y, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return the response as a 1-D float array and the prior weights.

        The Binomial overrides this to accept a (successes, failures) matrix.
        """
        y = np.asarray(y, dtype=float)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                f"y must be 1-dimensional for the {self.name} family, got shape {y.shape}"
            )
        return y, weights

    def check_response(self, y: np.ndarray, weights: np.ndarray) -> None:
        """Raise ``ValueError`` if a response with positive weight is outside the support."""
        check_finite("y", y)

    def _reject(self, mask: np.ndarray, y: np.ndarray, what: str) -> None:
        if mask.any():
            values = ", ".join(f"{v:g}" for v in y[mask][:5])
            raise ValueError(
                f"y: the {self.name} family needs {what}; offending {first_rows(mask)}, "
                f"values {values}"
            )

    def valid_mu(self, mu: np.ndarray) -> bool:
        """True when every mean is finite and strictly inside ``mean_bounds``."""
        lower, upper = self.mean_bounds
        inside = np.isfinite(mu)
        if lower is not None:
            inside &= mu > lower
        if upper is not None:
            inside &= mu < upper
        return bool(np.all(inside))

    def starting_mu(self, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Starting means for IRLS (R's ``mustart``)."""
        return y.copy()



class Gaussian(Family):
    """Normal distribution: ``V(mu) = 1``, dispersion ``phi = sigma^2`` (estimated).

    With the identity link the fit is the normal linear model and the deviance ``D`` is the RSS.

    Parameters
    ----------
    link : str or Link, optional
        The link ``g``; defaults to ``"identity"``. By name: ``"identity"``, ``"log"``, ``"inverse"``.

    Raises
    ------
    ValueError
        A link the family does not offer (by name); a :class:`~glm_lib.links.Link`
        object is always accepted.
    TypeError
        ``link`` neither a name nor a Link.

    Notes
    -----
    R: ``stats::gaussian(link)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> family = gl.Gaussian()
    >>> float(family.variance(3.0)), family.estimated_dispersion
    (1.0, True)
    """

    name = "Gaussian"
    canonical_link = "identity"
    links = ("identity", "log", "inverse")
    estimated_dispersion = True

    def variance(self, mu):
        return np.ones_like(mu)

    def variance_deriv(self, mu):
        return np.zeros_like(mu)

    def unit_deviance(self, y, mu):
        return np.square(y - mu)

    def loglike(self, y, mu, weights, scale=1.0):
        positive = weights > 0
        w, resid = weights[positive], (y - mu)[positive]
        return float(
            -0.5 * np.sum(np.log(2 * np.pi * scale / w) + w * np.square(resid) / scale)
        )

    def aic_scale(self, deviance, weights):
        return deviance / np.count_nonzero(weights > 0)

    def starting_mu(self, y, weights):
        mu = y.copy()
        if self.link.name in ("log", "inverse"):
            # log(0) and 1/0 are not valid starting points; start those rows at the mean.
            invalid = (mu <= 0) if self.link.name == "log" else (mu == 0)
            mu[invalid] = max(np.average(y, weights=weights), 0.1)
        return mu


class Binomial(Family):
    """Binomial proportions: ``V(mu) = mu (1 - mu)``; weights are the numbers of trials.

    The response may be 0/1, proportions with ``weights`` giving the trials, or a
    two-column array of (successes, failures), as in R.

    The dispersion is ``phi = 1``; ``y_i = s_i / m_i`` with prior weight ``w_i = m_i``.

    Parameters
    ----------
    link : str or Link, optional
        The link ``g``; defaults to ``"logit"``. By name: ``"logit"``, ``"probit"``, ``"cloglog"``, ``"cauchit"``, ``"log"``.

    Raises
    ------
    ValueError
        A link the family does not offer (by name); a :class:`~glm_lib.links.Link`
        object is always accepted.
    TypeError
        ``link`` neither a name nor a Link.

    Notes
    -----
    R: ``stats::binomial(link)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> family = gl.Binomial("probit")
    >>> family, float(family.variance(0.25))
    (Binomial(link='probit'), 0.1875)
    """

    name = "Binomial"
    canonical_link = "logit"
    links = ("logit", "probit", "cloglog", "cauchit", "log")
    mean_bounds = (0.0, 1.0)

    def variance(self, mu):
        return mu * (1.0 - mu)

    def variance_deriv(self, mu):
        return 1.0 - 2.0 * mu

    def unit_deviance(self, y, mu):
        y, mu = np.broadcast_arrays(np.asarray(y, dtype=float), np.asarray(mu, dtype=float))
        # Fast path: minus twice the log-likelihood, plus the saturated model's
        # term, which is zero for 0/1 responses and computed only where 0 < y < 1.
        with np.errstate(divide="ignore", invalid="ignore"):
            deviance = -2.0 * (y * np.log(mu) + (1.0 - y) * np.log1p(-mu))
        proportions = (y > 0) & (y < 1)
        if proportions.any():
            yp = y[proportions]
            deviance[proportions] += 2.0 * (special.xlogy(yp, yp) + special.xlogy(1.0 - yp, 1.0 - yp))
        if np.isnan(deviance).any():  # 0 * log(0) at mu = 0 or 1: take the exact form
            deviance = 2.0 * (_ylogy_over(y, mu) + _ylogy_over(1.0 - y, 1.0 - mu))
        return deviance

    #: Numbers of trials of a two-column (successes, failures) response, recorded by
    #: prepare_response on the per-fit copy of the family that fit() makes (on dask
    #: arrays: a lazy array chunked like y, each chunk's task getting its own block,
    #: see glm_lib._engine._backends.block_family); None for 0/1 or proportion responses.
    trials: np.ndarray | None = None

    def _trials_for(self, weights: np.ndarray) -> np.ndarray:
        """R's ``m``: the numbers of trials if any exceeds 1, else the prior weights."""
        trials = self.trials
        if trials is not None and trials.shape == weights.shape and np.any(trials > 1):
            return trials
        return weights

    def loglike(self, y, mu, weights, scale=1.0):
        # R's binomial()$aic: sum((w / m) * dbinom(m y, m, mu, log = TRUE)) with m the
        # numbers of trials, so prior weights multiply each binomial log-density rather
        # than the numbers of trials inside it.
        trials = self._trials_for(weights)
        positive = trials > 0
        m = np.round(trials)
        successes = np.round(trials * y)
        log_choose = (
            special.gammaln(m + 1)
            - special.gammaln(successes + 1)
            - special.gammaln(m - successes + 1)
        )
        terms = log_choose + special.xlogy(successes, mu) + special.xlog1py(m - successes, -mu)
        ratio = np.divide(weights, trials, out=np.zeros_like(weights), where=positive)
        return float(np.sum(np.where(positive, ratio * terms, 0.0)))

    def prepare_response(self, y, weights):
        y = np.asarray(y, dtype=float)
        if y.ndim == 2 and y.shape[1] == 2:
            check_finite("y", y)
            self._reject_two_column(y)
            trials = y.sum(axis=1)
            self.trials = trials
            proportion = np.divide(y[:, 0], trials, out=np.zeros_like(trials), where=trials > 0)
            return proportion, weights * trials
        self.trials = None
        return super().prepare_response(y, weights)

    def _reject_two_column(self, counts: np.ndarray) -> None:
        negative = (counts < 0).any(axis=1)
        if negative.any():
            raise ValueError(
                "y: successes and failures must be non-negative; offending "
                f"{first_rows(negative)}"
            )

    def check_response(self, y, weights):
        super().check_response(y, weights)
        self._reject((y < 0) | (y > 1), y, "proportions in [0, 1] (with weights = trials) "
                     "or a two-column (successes, failures) response")
        successes = weights * y
        non_integer = (weights > 0) & (np.abs(successes - np.round(successes)) > 1e-7)
        if non_integer.any() and not isinstance(self, _QuasiLikelihood):
            # R fits these and warns ("non-integer #successes in a binomial glm!");
            # the log-likelihood, as R's, rounds the counts.
            warnings.warn(
                "y and weights: weights * y are not whole numbers of successes (weights are the "
                f"numbers of trials) at {first_rows(non_integer)}; the fit goes on, as R's does, and the "
                "log-likelihood and AIC round the counts. Check the weights, or use QuasiBinomial() for "
                "proportions that are not counts",
                UserWarning,
                stacklevel=4,
            )

    def starting_mu(self, y, weights):
        # R's mustart: (n y + 0.5) / (n + 1) with n the numbers of trials of a
        # (successes, failures) response, not the prior weights times them.
        trials = weights if self.trials is None or self.trials.shape != weights.shape else self.trials
        return (trials * y + 0.5) / (trials + 1.0)


class _QuasiLikelihood:
    """Mixin for quasi-families: a variance function and an estimated dispersion, no likelihood."""

    estimated_dispersion = True
    has_likelihood = False

    def loglike(self, y, mu, weights, scale=1.0):
        raise ValueError(f"the {self.name} family has no likelihood, so no llf, AIC or BIC")


class QuasiBinomial(_QuasiLikelihood, Binomial):
    """Binomial variance with an estimated dispersion (quasi-likelihood).

    ``Var(y_i) = phi mu_i (1 - mu_i) / w_i``; ``phi`` is estimated by Pearson's ``X^2 / (n - p)``. No likelihood, so no AIC.

    Parameters
    ----------
    link : str or Link, optional
        The link ``g``; defaults to ``"logit"``. By name: ``"logit"``, ``"probit"``, ``"cloglog"``, ``"cauchit"``, ``"log"``.

    Raises
    ------
    ValueError
        A link the family does not offer (by name); a :class:`~glm_lib.links.Link`
        object is always accepted.
    TypeError
        ``link`` neither a name nor a Link.

    Notes
    -----
    R: ``stats::quasibinomial(link)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.QuasiBinomial().estimated_dispersion, gl.QuasiBinomial().has_likelihood
    (True, False)
    """

    name = "quasi-Binomial"

    def check_response(self, y, weights):
        Family.check_response(self, y, weights)
        self._reject((y < 0) | (y > 1), y, "proportions in [0, 1]")


class Poisson(Family):
    """Poisson counts: ``V(mu) = mu``, dispersion fixed at 1.

    Parameters
    ----------
    link : str or Link, optional
        The link ``g``; defaults to ``"log"``. By name: ``"log"``, ``"identity"``, ``"sqrt"``.

    Raises
    ------
    ValueError
        A link the family does not offer (by name); a :class:`~glm_lib.links.Link`
        object is always accepted.
    TypeError
        ``link`` neither a name nor a Link.

    Notes
    -----
    R: ``stats::poisson(link)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> res = gl.glm("satellites ~ width", gl.datasets.load_crabs(), family=gl.Poisson())
    >>> round(float(res.params["width"]), 4)
    0.164
    """

    name = "Poisson"
    canonical_link = "log"
    links = ("log", "identity", "sqrt")
    mean_bounds = (0.0, None)

    def variance(self, mu):
        return mu

    def variance_deriv(self, mu):
        return np.ones_like(mu)

    def unit_deviance(self, y, mu):
        return 2.0 * (_ylogy_over(y, mu) - (y - mu))

    def loglike(self, y, mu, weights, scale=1.0):
        return float(np.sum(weights * (special.xlogy(y, mu) - mu - special.gammaln(y + 1))))

    def check_response(self, y, weights):
        super().check_response(y, weights)
        self._reject((y < 0) | (y != np.round(y)), y, "non-negative whole-number counts")

    def starting_mu(self, y, weights):
        return y + 0.1


class QuasiPoisson(_QuasiLikelihood, Poisson):
    """Poisson variance ``V(mu) = mu`` with an estimated dispersion (quasi-likelihood).

    ``Var(y_i) = phi mu_i``; ``phi`` is estimated by Pearson's ``X^2 / (n - p)``. The estimates of ``beta`` are the Poisson's; their standard errors are the Poisson's times ``sqrt(phi_hat)``. There is no likelihood, so no AIC.

    Parameters
    ----------
    link : str or Link, optional
        The link ``g``; defaults to ``"log"``. By name: ``"log"``, ``"identity"``, ``"sqrt"``.

    Raises
    ------
    ValueError
        A link the family does not offer (by name); a :class:`~glm_lib.links.Link`
        object is always accepted.
    TypeError
        ``link`` neither a name nor a Link.

    Notes
    -----
    R: ``stats::quasipoisson(link)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.QuasiPoisson())
    >>> round(float(res.dispersion), 4)
    3.1822
    """

    name = "quasi-Poisson"

    def check_response(self, y, weights):
        Family.check_response(self, y, weights)
        self._reject(y < 0, y, "non-negative responses")


class Quasi(_QuasiLikelihood, Family):
    """Quasi-likelihood with a chosen variance function, as R's ``quasi(link, variance)``.

    Only the mean and the variance function ``V(mu)`` are specified; the
    estimates solve the quasi-score equations ``X' W (z - eta) = 0`` (the IRLS
    equations of any family with that ``V``), and the dispersion is estimated
    by Pearson's X^2 / df. ``Quasi(variance="mu")`` is ``QuasiPoisson``.

    Parameters
    ----------
    variance : {"constant", "mu(1-mu)", "mu", "mu^2", "mu^3"}
        The variance function ``V(mu)``, spelled as in R.
    link : str or Link, optional
        Defaults to ``"identity"``, as in R.

    Raises
    ------
    ValueError
        An unknown ``variance`` or link.

    Notes
    -----
    R: ``stats::quasi(link, variance)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> family = gl.Quasi(variance="mu^2", link="log")
    >>> family, float(family.variance(2.0))
    (Quasi(variance='mu^2', link='log'), 4.0)
    """

    name = "quasi"
    canonical_link = "identity"
    VARIANCES = ("constant", "mu(1-mu)", "mu", "mu^2", "mu^3")

    def __init__(self, variance: str = "constant", link: str | L.Link | None = None):
        if variance not in self.VARIANCES:
            raise ValueError(f"variance must be one of {', '.join(self.VARIANCES)}, got {variance!r}")
        self.variance_name = variance
        self.mean_bounds = {"constant": (None, None), "mu(1-mu)": (0.0, 1.0)}.get(variance, (0.0, None))
        self.name = f"quasi(variance = {variance})"
        super().__init__(link)

    def __repr__(self) -> str:
        return f"Quasi(variance={self.variance_name!r}, link={self.link.name!r})"

    def variance(self, mu):
        power = {"constant": 0, "mu": 1, "mu^2": 2, "mu^3": 3}.get(self.variance_name)
        return mu * (1.0 - mu) if power is None else np.power(mu, power) * np.ones_like(mu)

    def variance_deriv(self, mu):
        power = {"constant": 0, "mu": 1, "mu^2": 2, "mu^3": 3}.get(self.variance_name)
        if power is None:
            return 1.0 - 2.0 * mu
        return power * np.power(mu, power - 1) if power else np.zeros_like(mu)

    def unit_deviance(self, y, mu):
        # R's quasi()$dev.resids: the Gaussian, binomial, Poisson, Gamma and
        # inverse Gaussian deviances.
        kind = self.variance_name
        if kind == "constant":
            return np.square(y - mu)
        if kind == "mu(1-mu)":
            return 2.0 * (_ylogy_over(y, mu) + _ylogy_over(1.0 - y, 1.0 - mu))
        if kind == "mu":
            return 2.0 * (_ylogy_over(y, mu) - (y - mu))
        if kind == "mu^2":
            return 2.0 * (y / mu - np.log(y / mu) - 1.0)
        return np.square(y - mu) / (np.square(mu) * y)

    def check_response(self, y, weights):
        super().check_response(y, weights)
        kind = self.variance_name
        if kind == "mu(1-mu)":
            self._reject((y < 0) | (y > 1), y, "proportions in [0, 1] for variance mu(1-mu)")
        elif kind == "mu":
            self._reject(y < 0, y, "non-negative responses for variance mu")
        elif kind in ("mu^2", "mu^3"):
            # R allows y = 0 with mu^2 but then clips its deviance at 0, so the
            # deviance no longer tracks the quasi-score and IRLS's step control breaks.
            self._reject(y <= 0, y, f"strictly positive responses for variance {kind}")

    def starting_mu(self, y, weights):
        # R's quasi()$initialize
        if self.variance_name == "mu(1-mu)":
            return np.clip(y, 0.001, 0.999)
        if self.variance_name == "constant":
            return y.copy()
        return y + 0.1 * (y == 0)


class Tweedie(_QuasiLikelihood, Family):
    """Power variance ``V(mu) = mu^xi`` for any power ``xi`` outside (0, 1), fitted by quasi-likelihood.

    ``Var(y_i) = phi mu_i^xi / w_i``: the variance function of the Tweedie
    exponential dispersion family with power ``xi`` (the normal at ``xi = 0``,
    the Poisson at 1, the compound Poisson-Gamma for ``1 < xi < 2``, the Gamma
    at 2, positive stable families for ``xi > 2``, the inverse Gaussian at 3).
    Only the mean and ``V(mu)`` are used: ``beta`` solves the quasi-score
    equations, ``phi`` is estimated by Pearson's ``X^2 / (n - p)``, and there
    is no likelihood, so no AIC (as in R, whose ``tweedie()$aic`` is ``NA``);
    F tests in ``anova`` and ``drop1`` work as for the other quasi-families.

    The unit deviance is R's ``statmod::tweedie()$dev.resids``,
    ``d(y, mu) = 2 {y (y^(1-xi) - mu^(1-xi)) / (1-xi) - (y^(2-xi) - mu^(2-xi)) / (2-xi)}``,
    with its limits at ``xi = 1`` (the Poisson deviance
    ``2 {y log(y/mu) - (y - mu)}``) and ``xi = 2`` (the Gamma deviance
    ``2 {-log(y/mu) + (y - mu)/mu}``); at ``xi = 0`` it is ``(y - mu)^2``.

    Parameters
    ----------
    var_power : float
        The power ``xi`` of ``V(mu) = mu^xi``: 0 or negative, or 1 or more.
    link : str or Link, optional
        The link ``g``; defaults to ``"log"``. By name: ``"log"``,
        ``"identity"``, ``"inverse"``, ``"sqrt"``.

    Raises
    ------
    TypeError
        ``var_power`` not a real number (a bool is refused), or ``link``
        neither a name nor a Link.
    ValueError
        ``var_power`` NaN, infinite or in the open interval (0, 1), where no
        exponential dispersion family has ``V(mu) = mu^xi``; a link the family
        does not offer. At fitting time: a response outside the support (see
        Notes), naming the offending rows.

    Notes
    -----
    R: ``statmod::tweedie(var.power = xi, link.power)``. R's ``link.power``
    ``lambda`` (the link ``mu^lambda``, with ``log`` at 0) maps to glm_lib's
    link names: 0 is ``"log"``, 1 ``"identity"``, -1 ``"inverse"`` and 0.5
    ``"sqrt"``. statmod's default ``link.power = 1 - var.power`` (the
    canonical link) is not the default here; pass the Link object
    ``gl.links.Power(1 - xi)`` to get it (``"log"`` when ``xi = 1``).

    Responses: ``y >= 0`` for ``xi < 0`` and ``1 <= xi < 2`` (zeros are
    allowed, as in statmod, and the deviance of a zero is
    ``2 mu^(2-xi) / (2-xi)``); ``y > 0`` for ``xi >= 2``, where
    ``V(mu) = mu^xi`` requires positive responses; any real ``y`` at
    ``xi = 0``. Starting means are statmod's, ``y + 0.1`` where ``y = 0``.
    ``Tweedie(1)`` fits as ``QuasiPoisson()`` and ``Tweedie(2)`` as
    ``Quasi(variance="mu^2")``, without QuasiPoisson's check for whole numbers.

    Examples
    --------
    >>> import glm_lib as gl
    >>> family = gl.Tweedie(var_power=2.5)
    >>> family, float(family.variance(4.0))
    (Tweedie(var_power=2.5, link='log'), 32.0)
    >>> res = gl.glm("lot1 ~ np.log(u)", gl.datasets.load_clotting(), family=gl.Tweedie(3, link="inverse"))
    >>> round(float(res.params["np.log(u)"]), 4), res.family.has_likelihood
    (0.0158, False)
    """

    name = "Tweedie"
    canonical_link = "log"
    links = ("log", "identity", "inverse", "sqrt")

    def __init__(self, var_power: float, link: str | L.Link | None = None):
        if not _is_real_scalar(var_power):
            raise TypeError(f"var_power must be a real number, not {type(var_power).__name__} {var_power!r}")
        xi = float(var_power)
        if not np.isfinite(xi):
            raise ValueError(f"var_power must be finite, got {var_power!r}")
        if 0.0 < xi < 1.0:
            raise ValueError(
                f"var_power must be 0 or less, or 1 or more, got {var_power!r}: no exponential dispersion "
                "family has V(mu) = mu^xi with 0 < xi < 1"
            )
        self.var_power = xi
        self.mean_bounds = (None, None) if xi == 0 else (0.0, None)
        self.name = f"Tweedie(var_power = {xi:g})"
        super().__init__(link)

    def __repr__(self) -> str:
        return f"Tweedie(var_power={self.var_power:g}, link={self.link.name!r})"

    def variance(self, mu):
        return np.power(mu, self.var_power) * np.ones_like(mu)

    def variance_deriv(self, mu):
        xi = self.var_power
        return xi * np.power(mu, xi - 1.0) if xi else np.zeros_like(mu)

    def unit_deviance(self, y, mu):
        # statmod's tweedie()$dev.resids: y1 = y + 0.1 (y == 0) keeps y^(1 - xi) and log(y) finite
        # where the factor y in front of them is 0.
        xi = self.var_power
        y, mu = np.broadcast_arrays(np.asarray(y, dtype=float), np.asarray(mu, dtype=float))
        y1 = y + 0.1 * (y == 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if xi == 1:
                theta = np.log(y1 / mu)
            else:
                theta = (np.power(y1, 1.0 - xi) - np.power(mu, 1.0 - xi)) / (1.0 - xi)
            if xi == 2:
                kappa = np.log(y1 / mu)
            else:
                kappa = (np.power(y, 2.0 - xi) - np.power(mu, 2.0 - xi)) / (2.0 - xi)
        return 2.0 * (y * theta - kappa)

    def check_response(self, y, weights):
        super().check_response(y, weights)
        xi = self.var_power
        if xi >= 2:
            self._reject(y <= 0, y, f"strictly positive responses for var_power = {xi:g} >= 2")
        elif xi != 0:
            self._reject(y < 0, y, f"non-negative responses for var_power = {xi:g}")

    def starting_mu(self, y, weights):
        # statmod's tweedie()$initialize
        return y + 0.1 * (y == 0)


class _PositiveContinuous(Family):
    """What the Gamma and inverse Gaussian share: y > 0, estimated dispersion, R's AIC scale."""

    estimated_dispersion = True
    mean_bounds = (0.0, None)

    def aic_scale(self, deviance, weights):
        return deviance / np.sum(weights)

    def check_response(self, y, weights):
        super().check_response(y, weights)
        self._reject(y <= 0, y, "strictly positive responses")


class Gamma(_PositiveContinuous):
    """Gamma: ``V(mu) = mu^2``; the dispersion ``phi = 1 / nu`` is one over the shape ``nu`` (estimated).

    Parameters
    ----------
    link : str or Link, optional
        The link ``g``; defaults to ``"inverse"``, as in R. By name: ``"inverse"``, ``"identity"``, ``"log"``.

    Raises
    ------
    ValueError
        A link the family does not offer (by name); a :class:`~glm_lib.links.Link`
        object is always accepted.
    TypeError
        ``link`` neither a name nor a Link.

    Notes
    -----
    R: ``stats::Gamma(link)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> clotting = gl.datasets.load_clotting()
    >>> res = gl.glm("lot1 ~ np.log(u)", clotting, family=gl.Gamma())
    >>> round(float(res.params["np.log(u)"]), 4)
    0.0153
    """

    name = "Gamma"
    canonical_link = "inverse"
    links = ("inverse", "identity", "log")

    def variance(self, mu):
        return np.square(mu)

    def variance_deriv(self, mu):
        return 2.0 * mu

    def unit_deviance(self, y, mu):
        return -2.0 * (np.log(y / mu) - (y - mu) / mu)

    def loglike(self, y, mu, weights, scale=1.0):
        shape = 1.0 / scale
        log_density = (
            shape * np.log(shape * y / mu) - shape * y / mu - np.log(y) - special.gammaln(shape)
        )
        return float(np.sum(weights * log_density))


class InverseGaussian(_PositiveContinuous):
    """Inverse Gaussian: ``V(mu) = mu^3``; the shape is ``1 / phi`` (``phi`` estimated).

    Parameters
    ----------
    link : str or Link, optional
        The link ``g``; defaults to ``"inverse_squared"`` (R's ``"1/mu^2"``). By name: ``"inverse_squared"``, ``"inverse"``, ``"identity"``, ``"log"``.

    Raises
    ------
    ValueError
        A link the family does not offer (by name); a :class:`~glm_lib.links.Link`
        object is always accepted.
    TypeError
        ``link`` neither a name nor a Link.

    Notes
    -----
    R: ``stats::inverse.gaussian(link)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> float(gl.InverseGaussian().variance(2.0))
    8.0
    """

    name = "InverseGaussian"
    canonical_link = "inverse_squared"
    links = ("inverse_squared", "inverse", "identity", "log")

    def variance(self, mu):
        return np.power(mu, 3)

    def variance_deriv(self, mu):
        return 3.0 * np.square(mu)

    def unit_deviance(self, y, mu):
        return np.square(y - mu) / (y * np.square(mu))

    def loglike(self, y, mu, weights, scale=1.0):
        log_density = -0.5 * np.log(2 * np.pi * scale * y**3) - self.unit_deviance(y, mu) / (2 * scale)
        return float(np.sum(weights * log_density))


class NegativeBinomial(Family):
    """Negative binomial counts with known ``alpha``: ``V(mu) = mu + alpha mu^2``.

    ``alpha = 1 / theta`` in R's ``MASS::negative.binomial(theta)``. The default
    link is the log, as in R and statsmodels; the canonical link
    ``log(mu / (mu + 1/alpha))`` is rarely used because it ties the linear
    predictor's range to alpha.

    Parameters
    ----------
    alpha : float
        The (known) overdispersion; the Poisson is the limit ``alpha -> 0``.
    link : str or Link, optional
        Defaults to ``"log"``.

    Raises
    ------
    ValueError
        ``alpha`` not a positive number, or a link the family does not offer.

    Notes
    -----
    R: ``MASS::negative.binomial(theta = 1 / alpha)``; :func:`glm_lib.glm_nb`
    estimates ``alpha`` as ``MASS::glm.nb`` does.

    Examples
    --------
    >>> import glm_lib as gl
    >>> family = gl.NegativeBinomial(alpha=0.5)
    >>> family, float(family.variance(2.0))
    (NegativeBinomial(alpha=0.5, link='log'), 4.0)
    """

    name = "NegativeBinomial"
    canonical_link = "log"
    links = ("log", "identity", "sqrt")
    mean_bounds = (0.0, None)

    def __init__(self, alpha: float = 1.0, link: str | L.Link | None = None):
        self.alpha = positive_number("alpha", alpha)
        super().__init__(link)

    def __repr__(self) -> str:
        return f"NegativeBinomial(alpha={self.alpha:g}, link={self.link.name!r})"

    def variance(self, mu):
        return mu + self.alpha * np.square(mu)

    def variance_deriv(self, mu):
        return 1.0 + 2.0 * self.alpha * mu

    def unit_deviance(self, y, mu):
        theta = 1.0 / self.alpha
        return 2.0 * (_ylogy_over(y, mu) - (y + theta) * np.log((y + theta) / (mu + theta)))

    def loglike(self, y, mu, weights, scale=1.0):
        theta = 1.0 / self.alpha
        log_density = (
            special.gammaln(y + theta)
            - special.gammaln(theta)
            - special.gammaln(y + 1)
            + theta * np.log(theta / (theta + mu))
            + special.xlogy(y, mu / (theta + mu))
        )
        return float(np.sum(weights * log_density))

    def check_response(self, y, weights):
        super().check_response(y, weights)
        self._reject((y < 0) | (y != np.round(y)), y, "non-negative whole-number counts")

    def starting_mu(self, y, weights):
        return y + (y == 0) / 6.0
