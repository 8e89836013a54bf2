"""Exponential-family derivations with SymPy, in the book's notation.

``natural_form(density, ...)`` writes a density as
``h(y) exp{(y theta - b(theta)) / phi}`` and derives the mean, variance
function and canonical link; ``.to_family()`` turns a derivation into a family
that ``gl.fit`` accepts.
"""

# The API is the implementation module's __all__, and nothing else.
from ._symbolic._symbolic import *  # noqa: F401,F403
from ._symbolic._symbolic import __all__  # noqa: F401
