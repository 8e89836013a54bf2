"""Which design columns belong to which model term, and R's marginality rules.

A formula fit knows its terms from formulaic's model spec (``C(type)`` spans
several columns, ``width:weight`` is one term); a fit on a plain design treats
each column as its own term. ``drop_scope`` and ``add_scope`` are R's rules
(``drop.scope``/``add.scope``): a term may be dropped only if no other term
contains it, and added only if no other candidate is contained in it.
"""

from __future__ import annotations

__all__ = ["term_columns", "term_factors", "drop_scope", "add_scope"]

INTERCEPT = "(Intercept)"


def term_columns(res) -> dict[str, list[int]]:
    """Term label -> indices of its columns among the fitted (non-aliased) coefficients.

    The intercept, if any, is listed as ``"(Intercept)"``; terms whose columns
    were all aliased are left out.
    """
    kept = list(res._kept_names)
    position = {name: i for i, name in enumerate(kept)}
    spec = getattr(res, "model_spec", None)
    columns: dict[str, list[int]] = {}
    if spec is not None:
        for term, indices in spec.term_indices.items():
            label = str(term)
            label = INTERCEPT if label == "1" else label
            fitted = [position[res.names[i]] for i in indices if res.names[i] in position]
            if fitted:
                columns[label] = fitted
        return columns
    for i, name in enumerate(kept):
        column = res.model_X[:, i]
        is_constant = bool(column.min() == column.max() != 0)
        columns[INTERCEPT if is_constant else name] = [i]
    return columns


def term_factors(label: str) -> frozenset[str]:
    """The variables a term is made of: ``"a:b"`` -> ``{"a", "b"}``."""
    return frozenset(part.strip() for part in label.split(":"))


def drop_scope(labels: list[str]) -> list[str]:
    """Terms that may be dropped: those not contained in another term (R's ``drop.scope``)."""
    factors = {label: term_factors(label) for label in labels if label != INTERCEPT}
    return [
        label for label, own in factors.items()
        if not any(own < other for name, other in factors.items() if name != label)
    ]


def add_scope(current: list[str], candidates: list[str]) -> list[str]:
    """Candidate terms that may be added (R's ``add.scope``).

    A candidate already in the model is skipped; among the rest, a term that
    contains another candidate (``a:b`` when ``b`` is still missing) waits.
    """
    present = {term_factors(label) for label in current}
    missing = [label for label in candidates if term_factors(label) not in present and label != INTERCEPT]
    factors = {label: term_factors(label) for label in missing}
    return [
        label for label, own in factors.items()
        if not any(other < own for name, other in factors.items() if name != label)
    ]
