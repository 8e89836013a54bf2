"""Link functions g(mu) = eta: the canonical links and the others R offers.

Each link is a class with ``link`` (g), ``inverse`` (g^{-1}), ``deriv`` (g')
and further derivatives; ``get_link(name)`` turns R's names into objects.
"""

from ._model._links import (
    Link,
    Identity,
    Log,
    Logit,
    Probit,
    CLogLog,
    Cauchit,
    Inverse,
    InverseSquared,
    Sqrt,
    Power,
    identity,
    log,
    logit,
    probit,
    cloglog,
    cauchit,
    inverse,
    inverse_squared,
    sqrt,
    power,
    get_link,
)

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
