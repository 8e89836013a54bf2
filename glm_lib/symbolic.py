"""Exponential-family derivations with SymPy, in the book's notation.

``natural_form(density, ...)`` writes a density as
``h(y) exp{(y theta - b(theta)) / phi}`` and derives the mean, variance
function and canonical link; ``.to_family()`` turns a derivation into a family
that ``gl.fit`` accepts.
"""

from ._symbolic._symbolic import (
    NotExponentialFamilyError,
    NaturalForm,
    natural_form,
    multinomial_form,
    DerivedLink,
    NumericCanonicalLink,
    DerivedFamily,
)

__all__ = [
    "NotExponentialFamilyError",
    "NaturalForm",
    "natural_form",
    "multinomial_form",
    "DerivedLink",
    "NumericCanonicalLink",
    "DerivedFamily",
]
