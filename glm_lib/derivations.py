"""Show :mod:`glm_lib.symbolic` derivations in the book's notation.

:func:`glm_lib.symbolic.natural_form` works in the seeds' form
``p(y) = h(y) exp{eta T(y) - a(eta)}`` (its attributes are named ``eta``,
``a`` and ``b`` for the base measure). The book writes the exponential
dispersion form ``exp[{y theta - b(theta)}/phi + c(y, phi)]``: the natural
parameter is ``theta`` and the cumulant function is ``b``. The helpers here
translate a :class:`~glm_lib.symbolic.NaturalForm` into that notation for
printing, compare expressions on a parameter's domain, and build the
canonical-links table as a Markdown table whose formulas render as maths in
JupyterLab and in the book.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import sympy as sp

from .symbolic import NaturalForm

__all__ = ["THETA", "same", "in_theta", "describe", "MarkdownTable", "canonical_links_table"]

THETA = sp.Symbol("theta", real=True)
"""The book's natural parameter, the symbol every scalar derivation is printed in."""


def same(left, right) -> bool:
    """Whether two expressions agree on their symbols' declared domains.

    Logarithms may be split or combined (``log(p/(1-p))`` against
    ``log(p) - log(1-p)``), which :func:`sympy.simplify` alone does not always see.

    Parameters
    ----------
    left, right : sympy expression or number
        The two expressions.

    Returns
    -------
    bool
        True when their difference simplifies to zero.
    """
    difference = sp.sympify(left) - sp.sympify(right)
    return sp.simplify(difference) == 0 or sp.simplify(sp.expand_log(difference, force=True)) == 0


def _check_scalar(form: NaturalForm, caller: str) -> None:
    if not isinstance(form, NaturalForm):
        raise TypeError(f"{caller}: form must be a NaturalForm from glm_lib.symbolic.natural_form, not {type(form).__name__}")
    if form.is_vector:
        raise ValueError(f"{caller}: form {form.name!r} has a vector natural parameter; pass a scalar family")


def in_theta(form: NaturalForm, expr: sp.Expr) -> sp.Expr:
    """Rewrite an expression of ``form`` (written in its ``eta``) in the book's ``theta``.

    Parameters
    ----------
    form : NaturalForm
        A scalar natural form.
    expr : sympy.Expr
        An expression in ``form.eta_symbol``, such as ``form.a`` or ``form.mean``.

    Returns
    -------
    sympy.Expr
        The same expression with :data:`THETA` in place of ``eta``.
    """
    _check_scalar(form, "in_theta")
    return sp.sympify(expr).subs(form.eta_symbol, THETA)


def describe(form: NaturalForm) -> str:
    """One line giving ``theta(parameter)``, ``T(y)``, ``b(theta)`` and ``phi`` of a scalar form."""
    _check_scalar(form, "describe")
    parameter = ", ".join(str(p) for p in form.params)
    phi = "1" if form.dispersion is None else str(form.dispersion)
    natural = f"theta({parameter}) = {form.eta}"
    return f"{form.name:17s} {natural:30s} T(y) = {str(form.T):5s} b(theta) = {in_theta(form, form.a)}   phi = {phi}"


class MarkdownTable:
    """A table shown as Markdown, so that ``$...$`` cells render as maths.

    JupyterLab renders a ``text/markdown`` output with its maths; the book
    renders it as MyST when the cell's metadata asks for it
    (``"mystnb": {"markdown_format": "myst"}``).

    Parameters
    ----------
    header : sequence of str
        Column titles (Markdown, may contain ``$...$``).
    rows : sequence of sequence of str
        The cells, each row as long as the header.
    """

    def __init__(self, header: Sequence[str], rows: Iterable[Sequence[str]]):
        self.header = [str(h) for h in header]
        self.rows = [[str(c) for c in row] for row in rows]
        for k, row in enumerate(self.rows):
            if len(row) != len(self.header):
                raise ValueError(f"row {k} has {len(row)} cells but the header has {len(self.header)}")
        for k, row in enumerate([self.header, *self.rows]):
            if any("|" in c or "\n" in c for c in row):
                raise ValueError(f"row {k - 1 if k else 'header'}: a cell contains '|' or a newline, which would break the table")

    def _repr_markdown_(self) -> str:
        lines = ["| " + " | ".join(self.header) + " |", "|" + "---|" * len(self.header)]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return self._repr_markdown_()


def _math(expr) -> str:
    # \vert instead of | keeps absolute values from splitting a table cell.
    return "$" + sp.latex(expr).replace("|", r"\vert ") + "$"


def canonical_links_table(forms: dict, multinomial: NaturalForm | None = None) -> MarkdownTable:
    """The natural parameter, cumulant function, canonical link and variance function of each family.

    Every entry is computed from the derivation (nothing is typed), in the
    book's notation: ``theta`` as a function of the textbook parameter,
    ``b(theta)``, ``g(mu)`` with ``g(mu) = theta``, and ``V(mu) = b''(g(mu))``.

    Parameters
    ----------
    forms : dict of str to NaturalForm
        Scalar natural forms, keyed by the row label.
    multinomial : NaturalForm, optional
        A vector form (:func:`~glm_lib.symbolic.multinomial_form`); its first
        class is shown in one extra row.

    Returns
    -------
    MarkdownTable
    """
    # Short headers keep the table inside a page's width; the prose names the columns.
    header = ["distribution", r"$\theta(\psi)$", r"$b(\theta)$", r"$g(\mu)$", r"$V(\mu)$"]
    rows = []
    for name, form in forms.items():
        _check_scalar(form, "canonical_links_table")
        m = form.mu_symbol
        rows.append([name, _math(form.eta), _math(in_theta(form, form.a)),
                     _math(form.canonical_link(m)), _math(form.variance_function(m))])
    if multinomial is not None:
        if not isinstance(multinomial, NaturalForm) or not multinomial.is_vector:
            raise ValueError("multinomial must be a vector NaturalForm from glm_lib.symbolic.multinomial_form")
        k = len(multinomial.params) + 1
        thetas = sp.symbols(f"theta_1:{k}", real=True)
        b_theta = multinomial.a.subs(dict(zip(multinomial.eta_symbol, thetas)))
        mus = multinomial.mu_symbol
        # The book writes class probabilities pi (phi is the dispersion).
        as_pi = {q: sp.Symbol(q.name.replace("phi", "pi"), positive=True) for q in multinomial.params}
        rows.append([f"multinomial ($k = {k}$), class 1", _math(multinomial.eta[0].subs(as_pi)), _math(b_theta),
                     _math(multinomial.canonical_link(*mus)[0]), _math(multinomial.variance_function(*mus)[0, 0])])
    return MarkdownTable(header, rows)
