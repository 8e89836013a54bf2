"""Link functions g(mu) = eta: the canonical links and the others R offers.

Each link is a class with ``link`` (g), ``inverse`` (g^{-1}), ``deriv`` (g')
and further derivatives; ``get_link(name)`` turns R's names into objects.
"""

# The API is the implementation module's __all__, and nothing else.
from ._model._links import *  # noqa: F401,F403
from ._model._links import __all__  # noqa: F401
