"""Independent priors on the coefficients of a Bayesian GLM (rstanarm's ``normal``, ``student_t``, ``cauchy``).

Each prior is a univariate density ``p(beta_j)`` placed on every coefficient it
is given to. For the posterior mode and its Laplace approximation a prior
supplies, elementwise, its log-density, the derivative of the log-density and
minus its second derivative (its *precision* at a point; for the normal the
constant ``1 / s^2``).
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import special

__all__ = ["Prior", "Normal", "StudentT", "Cauchy"]


def _real(name: str, value, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, not {type(value).__name__} ({value!r})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return value


class Prior:
    """A prior density for one coefficient, applied independently to each coefficient it covers.

    The base class of :class:`Normal`, :class:`StudentT` and :class:`Cauchy`; each
    supplies ``log_density``, ``gradient`` and ``precision`` (minus the second
    derivative of the log-density), elementwise.

    Notes
    -----
    R: rstanarm's ``priors`` (``normal``, ``student_t``, ``cauchy``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> isinstance(gl.priors.Normal(0, 2.5), gl.priors.Prior)
    True
    """

    location: float
    scale: float
    #: True for the normal, whose log-density is quadratic: the posterior mode is then a penalised IRLS fit.
    is_normal = False

    def log_density(self, beta: np.ndarray) -> np.ndarray:
        """``log p(beta_j)`` for each entry of ``beta``."""
        raise NotImplementedError

    def gradient(self, beta: np.ndarray) -> np.ndarray:
        """``d log p / d beta_j``."""
        raise NotImplementedError

    def precision(self, beta: np.ndarray) -> np.ndarray:
        """``-d^2 log p / d beta_j^2``: the prior's curvature (negative in a Student-t's tails)."""
        raise NotImplementedError

    def majoriser(self, beta: np.ndarray) -> np.ndarray:
        """A positive curvature at least as large as the prior's, for a step that always ascends."""
        return self.precision(beta)

    def rstanarm(self) -> str:
        """The same prior as rstanarm writes it, with ``autoscale = FALSE``."""
        raise NotImplementedError

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *sorted(vars(self).items())))


class Normal(Prior):
    """Normal prior ``beta_j ~ N(location, scale^2)`` (rstanarm's ``normal``).

    Parameters
    ----------
    location : float
        The prior mean, 0 by default.
    scale : float
        The prior standard deviation, 2.5 by default (rstanarm's default scale
        before its autoscaling, and Gelman et al.'s weakly informative scale for a
        coefficient of an input scaled to standard deviation 0.5).

    Raises
    ------
    TypeError, ValueError
        A location or scale that is not a finite real number; a scale that is
        not positive.

    Notes
    -----
    R: ``rstanarm::normal(location, scale, autoscale = FALSE)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> prior = gl.priors.Normal(0, 2.5)
    >>> prior.rstanarm()
    'normal(0, 2.5, autoscale = FALSE)'
    >>> round(float(prior.precision(0.0)), 2)
    0.16
    """

    is_normal = True

    def __init__(self, location: float = 0.0, scale: float = 2.5):
        self.location = _real("location", location)
        self.scale = _real("scale", scale, positive=True)

    def log_density(self, beta):
        u = (beta - self.location) / self.scale
        return -0.5 * u * u - np.log(self.scale) - 0.5 * np.log(2 * np.pi)

    def gradient(self, beta):
        return -(beta - self.location) / self.scale**2

    def precision(self, beta):
        return np.full(np.shape(beta), 1.0 / self.scale**2)

    def rstanarm(self) -> str:
        return f"normal({self.location:g}, {self.scale:g}, autoscale = FALSE)"

    def __repr__(self) -> str:
        return f"Normal(location={self.location:g}, scale={self.scale:g})"


class StudentT(Prior):
    """Student-t prior with ``df`` degrees of freedom (rstanarm's ``student_t``).

    ``p(beta_j) propto {1 + ((beta_j - location) / scale)^2 / df}^{-(df + 1)/2}``;
    heavier tails than the normal let strong evidence move a coefficient far
    from ``location`` (Gelman, Jakulin, Pittau and Su, 2008).

    Parameters
    ----------
    df : float
        Degrees of freedom, positive (1 is the Cauchy).
    location : float
    scale : float
        Positive.

    Raises
    ------
    TypeError, ValueError
        A parameter that is not a finite real number; a df or scale that is not positive.

    Notes
    -----
    R: ``rstanarm::student_t(df, location, scale, autoscale = FALSE)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.priors.StudentT(3, 0, 2.5).rstanarm()
    'student_t(3, 0, 2.5, autoscale = FALSE)'
    """

    def __init__(self, df: float = 7.0, location: float = 0.0, scale: float = 2.5):
        self.df = _real("df", df, positive=True)
        self.location = _real("location", location)
        self.scale = _real("scale", scale, positive=True)

    def log_density(self, beta):
        nu, s = self.df, self.scale
        u = (beta - self.location) / s
        return (special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * np.log(nu * np.pi) - np.log(s)
                - (nu + 1) / 2 * np.log1p(u * u / nu))

    def gradient(self, beta):
        d = beta - self.location
        return -(self.df + 1) * d / (self.df * self.scale**2 + d * d)

    def precision(self, beta):
        d2, c = (beta - self.location) ** 2, self.df * self.scale**2
        return (self.df + 1) * (c - d2) / (c + d2) ** 2

    def majoriser(self, beta):
        # The t as a scale mixture of normals: the EM weight (df + 1) / (df s^2 + d^2) is
        # positive, and a step with it never decreases the log posterior.
        d2 = (beta - self.location) ** 2
        return (self.df + 1) / (self.df * self.scale**2 + d2)

    def rstanarm(self) -> str:
        return f"student_t({self.df:g}, {self.location:g}, {self.scale:g}, autoscale = FALSE)"

    def __repr__(self) -> str:
        return f"StudentT(df={self.df:g}, location={self.location:g}, scale={self.scale:g})"


class Cauchy(StudentT):
    """Cauchy prior (Student-t with one degree of freedom; rstanarm's ``cauchy``).

    Gelman et al. (2008) recommend ``Cauchy(0, 2.5)`` for the coefficients of
    inputs scaled to standard deviation 0.5, and ``Cauchy(0, 10)`` for the intercept.

    Parameters
    ----------
    location : float
    scale : float
        Positive.

    Notes
    -----
    R: ``rstanarm::cauchy(location, scale, autoscale = FALSE)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.priors.Cauchy(0, 10).rstanarm()
    'cauchy(0, 10, autoscale = FALSE)'
    """

    def __init__(self, location: float = 0.0, scale: float = 2.5):
        super().__init__(1.0, location, scale)

    def rstanarm(self) -> str:
        return f"cauchy({self.location:g}, {self.scale:g}, autoscale = FALSE)"

    def __repr__(self) -> str:
        return f"Cauchy(location={self.location:g}, scale={self.scale:g})"
