"""Profile-likelihood confidence intervals for GLM coefficients (R's ``confint``)."""

# The API is the implementation module's __all__, and nothing else.
from ._glm._profile import *  # noqa: F401,F403
from ._glm._profile import __all__  # noqa: F401
