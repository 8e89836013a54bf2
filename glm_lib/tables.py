"""Contingency tables: between a long data frame of counts and a cross-table."""

from ._data._tables import (
    to_long,
    xtabs,
    fitted_table,
)

__all__ = [
    "to_long",
    "xtabs",
    "fitted_table",
]
