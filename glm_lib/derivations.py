"""Helpers that show symbolic derivations in the book's notation (tables, chains of derivatives)."""

from ._symbolic._derivations import (
    THETA,
    same,
    in_theta,
    describe,
    MarkdownTable,
    canonical_links_table,
    GLMChain,
)

__all__ = [
    "THETA",
    "same",
    "in_theta",
    "describe",
    "MarkdownTable",
    "canonical_links_table",
    "GLMChain",
]
