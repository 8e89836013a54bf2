"""Priors for :func:`glm_lib.bayes_glm`: ``Normal``, ``StudentT`` and ``Cauchy`` (rstanarm's
``normal``, ``student_t`` and ``cauchy`` with ``autoscale = FALSE``), each placed
independently on every coefficient it is given to.
"""

# The API is the implementation module's __all__, and nothing else.
from ._models._priors import *  # noqa: F401,F403
from ._models._priors import __all__  # noqa: F401
