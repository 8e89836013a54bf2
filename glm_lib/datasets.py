"""The data sets the book uses, shipped inside the package (nothing is downloaded).

Each ``load_<name>()`` returns a pandas DataFrame; ``describe(name)`` returns
its source, how it reached the package and its licence.
"""

# The API is the implementation module's __all__, and nothing else.
from ._data._datasets import *  # noqa: F401,F403
from ._data._datasets import __all__  # noqa: F401
