"""Profile-likelihood confidence intervals for GLM coefficients (R's ``confint``)."""

from ._glm._profile import (
    profile_conf_int,
    profile_deviance,
)

__all__ = [
    "profile_conf_int",
    "profile_deviance",
]
