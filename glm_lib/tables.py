"""Contingency tables: between a long data frame of counts and a cross-table."""

# The API is the implementation module's __all__, and nothing else.
from ._data._tables import *  # noqa: F401,F403
from ._data._tables import __all__  # noqa: F401
