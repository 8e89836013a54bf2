"""Link functions: eta = g(mu), its inverse and the derivatives the solvers need.

Every link maps the mean ``mu`` to the linear predictor ``eta``.  The inverse and
its derivatives are clamped the way R's ``make.link`` and ``binomial()`` clamp
them, so that extreme linear predictors give tiny-but-positive weights instead of
``0``, ``inf`` or ``nan``.
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__ = [
    "Link",
    "Identity",
    "Log",
    "Logit",
    "Probit",
    "CLogLog",
    "Cauchit",
    "Inverse",
    "InverseSquared",
    "Sqrt",
    "Power",
    "identity",
    "log",
    "logit",
    "probit",
    "cloglog",
    "cauchit",
    "inverse",
    "inverse_squared",
    "sqrt",
    "power",
    "get_link",
]

EPS = np.finfo(float).eps
# Largest eta whose exponential is finite; beyond it exp() overflows to inf.
MAX_EXP_ARG = np.log(np.finfo(float).max) - 1.0


class Link:
    """Base class of a link function ``eta = g(mu)``.

    Subclasses implement :meth:`link` (``g``), :meth:`inverse` (``g^{-1}``),
    :meth:`deriv` (``g'(mu) = d eta / d mu``), :meth:`inverse_deriv`
    (``d mu / d eta``) and :meth:`inverse_deriv2` (``d^2 mu / d eta^2``, used by
    Newton's method). Calling a link object applies ``g``.

    Attributes
    ----------
    name : str
        R's name of the link (``"logit"``, ``"log"``, ...).

    Notes
    -----
    R: the ``link-glm`` object of ``stats::make.link`` (``linkfun``,
    ``linkinv``, ``mu.eta``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> link = gl.links.get_link("logit")
    >>> isinstance(link, gl.links.Link), link.name
    (True, 'logit')
    """

    name: str = "link"

    def __call__(self, mu: np.ndarray) -> np.ndarray:
        return self.link(mu)

    def link(self, mu: np.ndarray) -> np.ndarray:
        """Return ``eta = g(mu)``."""
        raise NotImplementedError

    def inverse(self, eta: np.ndarray) -> np.ndarray:
        """Return ``mu = g^{-1}(eta)``."""
        raise NotImplementedError

    def deriv(self, mu: np.ndarray) -> np.ndarray:
        """Return ``g'(mu) = d eta / d mu``."""
        return 1.0 / self.inverse_deriv(self.link(mu))

    def inverse_deriv(self, eta: np.ndarray) -> np.ndarray:
        """Return ``d mu / d eta`` at ``eta``."""
        raise NotImplementedError

    def inverse_deriv2(self, eta: np.ndarray) -> np.ndarray:
        """Return ``d^2 mu / d eta^2`` at ``eta``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self.__dict__.items()))))


class Identity(Link):
    """``eta = mu``, the normal's canonical link.

    Notes
    -----
    R: ``make.link("identity")``

    Examples
    --------
    >>> import glm_lib as gl
    >>> float(gl.links.Identity().link(0.5))
    0.5
    """

    name = "identity"

    def link(self, mu):
        return np.asarray(mu, dtype=float)

    def inverse(self, eta):
        return np.asarray(eta, dtype=float)

    def deriv(self, mu):
        return np.ones_like(np.asarray(mu, dtype=float))

    def inverse_deriv(self, eta):
        return np.ones_like(np.asarray(eta, dtype=float))

    def inverse_deriv2(self, eta):
        return np.zeros_like(np.asarray(eta, dtype=float))


class Log(Link):
    """``eta = log(mu)``, the Poisson's canonical link; the inverse is floored at machine epsilon as R does.

    Notes
    -----
    R: ``make.link("log")``

    Examples
    --------
    >>> import glm_lib as gl
    >>> round(float(gl.links.Log().link(0.5)), 4)
    -0.6931
    """

    name = "log"

    def link(self, mu):
        return np.log(mu)

    def inverse(self, eta):
        return np.maximum(np.exp(np.minimum(eta, MAX_EXP_ARG)), EPS)

    def deriv(self, mu):
        return 1.0 / np.asarray(mu, dtype=float)

    def inverse_deriv(self, eta):
        return self.inverse(eta)

    def inverse_deriv2(self, eta):
        return self.inverse(eta)


class Logit(Link):
    """``eta = log(mu / (1 - mu))``, the Bernoulli's and binomial's canonical link.

    Its inverse is ``expit(eta)``; beyond ``|eta| = 30`` it is held strictly inside (0, 1) as R's is.

    Notes
    -----
    R: ``make.link("logit")`` (``binomial()``'s default)

    Examples
    --------
    >>> import glm_lib as gl
    >>> link = gl.links.Logit()
    >>> float(link.link(0.5)), float(link.inverse(0.0)), float(link.deriv(0.5))
    (0.0, 0.5, 4.0)
    """

    name = "logit"
    # R's C_logit_linkinv: beyond |eta| = 30, exp(eta) is replaced by eps or
    # 1/eps, so mu stays strictly inside (0, 1) and R's "fitted probabilities
    # numerically 0 or 1" check (mu < 10 eps) fires exactly where R's does.
    _thresh = 30.0

    def link(self, mu):
        return special.logit(mu)

    def _outside(self, eta: np.ndarray) -> np.ndarray | None:
        outside = np.abs(eta) > self._thresh
        return outside if outside.any() else None

    def inverse(self, eta):
        eta = np.asarray(eta, dtype=float)
        odds = np.exp(np.clip(eta, -self._thresh, self._thresh))
        outside = self._outside(eta)
        if outside is not None:
            odds[outside] = np.where(eta[outside] < 0, EPS, 1.0 / EPS)
        return odds / (1.0 + odds)

    def deriv(self, mu):
        mu = np.asarray(mu, dtype=float)
        return 1.0 / (mu * (1.0 - mu))

    def inverse_deriv(self, eta):
        eta = np.asarray(eta, dtype=float)
        mu = special.expit(np.clip(eta, -self._thresh, self._thresh))
        derivative = mu * (1.0 - mu)
        outside = self._outside(eta)
        if outside is not None:
            derivative[outside] = EPS
        return derivative

    def inverse_deriv2(self, eta):
        mu = self.inverse(eta)
        return mu * (1.0 - mu) * (1.0 - 2.0 * mu)


class Probit(Link):
    """``eta = Phi^{-1}(mu)``, the standard normal quantile function.

    Notes
    -----
    R: ``make.link("probit")``

    Examples
    --------
    >>> import glm_lib as gl
    >>> round(float(gl.links.Probit().deriv(0.5)), 4)
    2.5066
    """

    name = "probit"
    _thresh = -special.ndtri(EPS)

    def link(self, mu):
        return special.ndtri(mu)

    def inverse(self, eta):
        return special.ndtr(np.clip(eta, -self._thresh, self._thresh))

    def inverse_deriv(self, eta):
        return np.maximum(np.exp(-0.5 * np.square(eta)) / np.sqrt(2 * np.pi), EPS)

    def inverse_deriv2(self, eta):
        eta = np.asarray(eta, dtype=float)
        return -eta * np.exp(-0.5 * np.square(eta)) / np.sqrt(2 * np.pi)


class CLogLog(Link):
    """``eta = log(-log(1 - mu))``, the complementary log-log link.

    Notes
    -----
    R: ``make.link("cloglog")``

    Examples
    --------
    >>> import glm_lib as gl
    >>> round(float(gl.links.CLogLog().link(0.5)), 4)
    -0.3665
    """

    name = "cloglog"

    def link(self, mu):
        return np.log(-np.log1p(-np.asarray(mu, dtype=float)))

    def inverse(self, eta):
        eta = np.minimum(eta, 700.0)
        return np.clip(-np.expm1(-np.exp(eta)), EPS, 1.0 - EPS)

    def inverse_deriv(self, eta):
        eta = np.minimum(eta, 700.0)
        return np.maximum(np.exp(eta - np.exp(eta)), EPS)

    def inverse_deriv2(self, eta):
        eta = np.minimum(eta, 700.0)
        return np.exp(eta - np.exp(eta)) * (1.0 - np.exp(eta))


class Cauchit(Link):
    """``eta = F^{-1}(mu)`` with ``F`` the standard Cauchy distribution function.

    Its heavy tails make the fit robust to a few responses far on the wrong side.

    Notes
    -----
    R: ``make.link("cauchit")``

    Examples
    --------
    >>> import glm_lib as gl
    >>> round(float(gl.links.Cauchit().deriv(0.5)), 4)
    3.1416
    """

    name = "cauchit"
    # R's cauchit: eta clamped where the Cauchy CDF is within eps of 0 or 1.
    _thresh = -np.tan(np.pi * (EPS - 0.5))

    def link(self, mu):
        return np.tan(np.pi * (np.asarray(mu, dtype=float) - 0.5))

    def inverse(self, eta):
        return 0.5 + np.arctan(np.clip(eta, -self._thresh, self._thresh)) / np.pi

    def inverse_deriv(self, eta):
        return np.maximum(1.0 / (np.pi * (1.0 + np.square(eta))), EPS)

    def inverse_deriv2(self, eta):
        eta = np.asarray(eta, dtype=float)
        return -2.0 * eta / (np.pi * np.square(1.0 + np.square(eta)))


class Power(Link):
    """``eta = mu ** power``; ``power = 0`` is the log link, which is :class:`Log`.

    Parameters
    ----------
    power : float
        The exponent. ``1`` is the identity, ``-1`` the inverse, ``-2`` the
        inverse squared and ``0.5`` the square root.

    Raises
    ------
    ValueError
        ``power = 0``: use the log link.

    Notes
    -----
    R: ``stats::power(lambda)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> link = gl.links.Power(1 / 3)
    >>> round(float(link.link(0.5)), 4), round(float(link.inverse(link.link(0.5))), 4)
    (0.7937, 0.5)
    """

    name = "power"

    def __init__(self, power: float = 1.0):
        self.power = float(power)
        if self.power == 0.0:
            raise ValueError("Power(0) is the log link: use links.log instead")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.power:g})"

    def link(self, mu):
        return np.power(np.asarray(mu, dtype=float), self.power)

    def inverse(self, eta):
        return np.power(np.asarray(eta, dtype=float), 1.0 / self.power)

    def deriv(self, mu):
        return self.power * np.power(np.asarray(mu, dtype=float), self.power - 1.0)

    def inverse_deriv(self, eta):
        r = 1.0 / self.power
        return r * np.power(np.asarray(eta, dtype=float), r - 1.0)

    def inverse_deriv2(self, eta):
        r = 1.0 / self.power
        return r * (r - 1.0) * np.power(np.asarray(eta, dtype=float), r - 2.0)


class Inverse(Power):
    """``eta = 1 / mu``, the gamma's canonical link (up to sign).

    Notes
    -----
    R: ``make.link("inverse")``

    Examples
    --------
    >>> import glm_lib as gl
    >>> float(gl.links.Inverse().link(0.5))
    2.0
    """

    name = "inverse"

    def __init__(self):
        super().__init__(-1.0)

    def __repr__(self) -> str:
        return "Inverse()"


class InverseSquared(Power):
    """``eta = 1 / mu^2``, the inverse Gaussian's canonical link (up to a factor).

    Notes
    -----
    R: ``make.link("1/mu^2")``

    Examples
    --------
    >>> import glm_lib as gl
    >>> float(gl.links.InverseSquared().link(0.5))
    4.0
    """

    name = "inverse_squared"

    def __init__(self):
        super().__init__(-2.0)

    def __repr__(self) -> str:
        return "InverseSquared()"


class Sqrt(Power):
    """``eta = sqrt(mu)``, a variance-stabilising link for counts.

    Notes
    -----
    R: ``make.link("sqrt")``

    Examples
    --------
    >>> import glm_lib as gl
    >>> round(float(gl.links.Sqrt().link(0.25)), 4)
    0.5
    """

    name = "sqrt"

    def __init__(self):
        super().__init__(0.5)

    def __repr__(self) -> str:
        return "Sqrt()"


identity = Identity()
log = Log()
logit = Logit()
probit = Probit()
cloglog = CLogLog()
cauchit = Cauchit()
inverse = Inverse()
inverse_squared = InverseSquared()
sqrt = Sqrt()


def power(p: float) -> Link:
    """Return the power link ``eta = mu ** p`` (``p = 0`` gives the log link).

    The named special cases come back as their own classes: ``p = 1``
    :class:`Identity`, ``-1`` :class:`Inverse`, ``-2`` :class:`InverseSquared`,
    ``0.5`` :class:`Sqrt`.

    Parameters
    ----------
    p : float
        The exponent.

    Returns
    -------
    Link

    Notes
    -----
    R: ``stats::power(lambda)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.links.power(-1), gl.links.power(0), gl.links.power(2)
    (Inverse(), Log(), Power(2))
    """
    if p == 0:
        return Log()
    return {1.0: Identity, -1.0: Inverse, -2.0: InverseSquared, 0.5: Sqrt}.get(
        float(p), lambda: Power(p)
    )()


_BY_NAME = {
    "identity": Identity,
    "log": Log,
    "logit": Logit,
    "probit": Probit,
    "cloglog": CLogLog,
    "cauchit": Cauchit,
    "inverse": Inverse,
    "inverse_squared": InverseSquared,
    "1/mu^2": InverseSquared,
    "sqrt": Sqrt,
}


def get_link(link: str | Link) -> Link:
    """Return a link object from a name (``"logit"``, ``"log"``, ...) or a link.

    Parameters
    ----------
    link : str or Link
        R's name of the link (case and surrounding spaces ignored; also
        ``"inverse_squared"`` for ``"1/mu^2"``), or a :class:`Link`, returned as is.

    Returns
    -------
    Link

    Raises
    ------
    ValueError
        If the name is not a known link; the message lists the known ones.
    TypeError
        ``link`` is neither a string nor a :class:`Link`.

    Notes
    -----
    R: ``stats::make.link(link)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> gl.links.get_link("logit"), gl.links.get_link("1/mu^2")
    (Logit(), InverseSquared())
    """
    if isinstance(link, Link):
        return link
    if isinstance(link, str):
        key = link.strip().lower()
        if key in _BY_NAME:
            return _BY_NAME[key]()
        raise ValueError(
            f"unknown link {link!r}; known links: {', '.join(sorted(_BY_NAME))}, "
            "or links.power(p)"
        )
    raise TypeError(f"link must be a name or a Link object, not {type(link).__name__}")
