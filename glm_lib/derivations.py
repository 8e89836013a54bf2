"""Helpers that show symbolic derivations in the book's notation (tables, chains of derivatives)."""

# The API is the implementation module's __all__, and nothing else.
from ._symbolic._derivations import *  # noqa: F401,F403
from ._symbolic._derivations import __all__  # noqa: F401
