"""Show :mod:`glm_lib.symbolic` derivations in the book's notation.

:func:`glm_lib.symbolic.natural_form` derives ``f(y) = h(y) exp{theta T(y) - b(theta)}``
with the book's names: the natural parameter ``theta`` (attribute ``.theta``, as
a function of the textbook parameter ``psi``), the cumulant function ``b``
(``.b``) and the base measure ``h`` (``.h``). The helpers here print a
:class:`~glm_lib.symbolic.NaturalForm` in one line, rewrite its expressions in
the plain real symbol :data:`THETA`, compare expressions on a parameter's
domain, and build the canonical-links table as a Markdown table whose formulas
render as maths in JupyterLab and in the book. :class:`GLMChain` is the symbolic chain
``beta -> eta -> mu -> theta -> loglik`` with unknown functions, from which the
IRLS chapter derives the score and information of every GLM at once.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import sympy as sp

from ._symbolic import NaturalForm

__all__ = ["THETA", "same", "in_theta", "describe", "MarkdownTable", "canonical_links_table", "GLMChain"]

THETA = sp.Symbol("theta", real=True)
"""The natural parameter as a plain real symbol, free of the sign assumption a form's ``theta_symbol`` may carry."""


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

    Notes
    -----
    R: none (R has no symbolic engine).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> p = sp.Symbol("p", positive=True)
    >>> gl.derivations.same(sp.log(p / (1 + p)), sp.log(p) - sp.log(1 + p))
    True
    """
    difference = sp.sympify(left) - sp.sympify(right)
    return sp.simplify(difference) == 0 or sp.simplify(sp.expand_log(difference, force=True)) == 0


def _check_scalar(form: NaturalForm, caller: str) -> None:
    if not isinstance(form, NaturalForm):
        raise TypeError(f"{caller}: form must be a NaturalForm from glm_lib.symbolic.natural_form, not {type(form).__name__}")
    if form.is_vector:
        raise ValueError(f"{caller}: form {form.name!r} has a vector natural parameter; pass a scalar family")


def in_theta(form: NaturalForm, expr: sp.Expr) -> sp.Expr:
    """Rewrite an expression of ``form`` in the plain real symbol :data:`THETA`.

    A form's ``theta_symbol`` carries the sign of the natural parameter space
    (negative for the gamma), which helps sympy simplify; expressions from
    different forms compare and print alike once written in :data:`THETA`.

    Parameters
    ----------
    form : NaturalForm
        A scalar natural form.
    expr : sympy.Expr
        An expression in ``form.theta_symbol``, such as ``form.b`` or ``form.mean``.

    Returns
    -------
    sympy.Expr
        The same expression with :data:`THETA` in place of ``form.theta_symbol``.

    Raises
    ------
    TypeError
        ``form`` is not a :class:`~glm_lib.symbolic.NaturalForm`.
    ValueError
        ``form`` is a vector form.

    Notes
    -----
    R: none (R has no symbolic engine).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> y = sp.Symbol("y", nonnegative=True, integer=True)
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> form = gl.symbolic.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam, name="Poisson")
    >>> gl.derivations.in_theta(form, form.b) == sp.exp(gl.derivations.THETA)
    True
    """
    _check_scalar(form, "in_theta")
    return sp.sympify(expr).subs(form.theta_symbol, THETA)


def describe(form: NaturalForm) -> str:
    """One line giving ``theta(parameter)``, ``T(y)``, ``b(theta)`` and ``phi`` of a scalar form.

    Parameters
    ----------
    form : NaturalForm
        A scalar natural form from :func:`glm_lib.symbolic.natural_form`.

    Returns
    -------
    str
        The form's name, then ``theta(psi) = ...``, ``T(y) = ...``,
        ``b(theta) = ...`` and ``phi = ...``.

    Raises
    ------
    TypeError
        ``form`` is not a :class:`~glm_lib.symbolic.NaturalForm`.
    ValueError
        ``form`` is a vector form.

    Notes
    -----
    R: none (R has no symbolic engine).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> y = sp.Symbol("y", nonnegative=True, integer=True)
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> form = gl.symbolic.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam, name="Poisson")
    >>> print(gl.derivations.describe(form))
    Poisson theta(lambda) = log(lambda) T(y) = y b(theta) = exp(theta) phi = 1
    """
    _check_scalar(form, "describe")
    parameter = ", ".join(str(p) for p in form.params)
    phi = "1" if form.dispersion is None else str(form.dispersion)
    natural = f"theta({parameter}) = {form.theta}"
    return f"{form.name:17s} {natural:30s} T(y) = {str(form.T):5s} b(theta) = {in_theta(form, form.b)}   phi = {phi}"


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

    Raises
    ------
    ValueError
        A row whose length differs from the header's, or a cell containing
        ``|`` or a newline.

    Notes
    -----
    R: none (``knitr::kable(format = "markdown")`` prints the same layout).

    Examples
    --------
    >>> import glm_lib as gl
    >>> print(repr(gl.derivations.MarkdownTable(["family", "V(mu)"], [["Poisson", "mu"]])))
    | family | V(mu) |
    |---|---|
    | Poisson | mu |
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
    r"""The natural parameter, cumulant function, canonical link and variance function of each family.

    Every entry is computed from the derivation (nothing is typed), in the
    book's notation: ``theta`` as a function of the textbook parameter,
    ``b(theta)``, ``g(mu)`` with ``g(mu) = theta``, and ``V(mu) = b''(theta(mu))``.

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

    Raises
    ------
    TypeError
        A value of ``forms`` that is not a :class:`~glm_lib.symbolic.NaturalForm`.
    ValueError
        A vector form among ``forms``, or a ``multinomial`` that is not a vector form.

    Notes
    -----
    R: none (R has no symbolic engine).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> y = sp.Symbol("y", nonnegative=True, integer=True)
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> form = gl.symbolic.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam, name="Poisson")
    >>> table = gl.derivations.canonical_links_table({"Poisson": form})
    >>> print(table.rows[0][0], table.rows[0][-1])
    Poisson $\mu$
    """
    # Short headers keep the table inside a page's width; the prose names the columns.
    header = ["distribution", r"$\theta(\psi)$", r"$b(\theta)$", r"$g(\mu)$", r"$V(\mu)$"]
    rows = []
    for name, form in forms.items():
        _check_scalar(form, "canonical_links_table")
        m = form.mu_symbol
        rows.append([name, _math(form.theta), _math(in_theta(form, form.b)),
                     _math(form.canonical_link(m)), _math(form.variance_function(m))])
    if multinomial is not None:
        if not isinstance(multinomial, NaturalForm) or not multinomial.is_vector:
            raise ValueError("multinomial must be a vector NaturalForm from glm_lib.symbolic.multinomial_form")
        k = len(multinomial.params) + 1
        b_theta = multinomial.b
        mus = multinomial.mu_symbol
        # The last class's probability and mean are written pi_K and mu_K, which keeps the row narrow.
        pi_last = sp.Symbol(f"pi_{k}", positive=True)
        mu_last = sp.Symbol(f"mu_{k}", positive=True)
        theta_1 = multinomial.theta[0].subs(1 - sum(multinomial.params), pi_last)
        link_1 = multinomial.canonical_link(*mus)[0].subs(1 - sum(mus), mu_last)
        rows.append([f"multinomial ($K = {k}$), class 1", _math(theta_1), _math(b_theta),
                     _math(link_1), _math(multinomial.variance_function(*mus)[0, 0])])
    return MarkdownTable(header, rows)


class GLMChain:
    """The log-likelihood of one GLM observation with every link of the chain left unknown.

    The coefficients reach the log-likelihood through
    ``beta -> eta -> mu -> theta -> loglik``: ``eta = x'beta``, ``mu = ginv(eta)``
    with ``ginv`` the inverse link ``g^{-1}`` (not ``h``, which the book keeps for
    the base measure and the leverages), ``theta = theta(mu)`` the inverse of the mean
    function ``b'``, and ``loglik = {y theta - b(theta)}/phi`` (prior weight 1).
    ``ginv``, ``theta`` and ``b`` are undefined SymPy functions, so derivatives of
    ``loglik`` contain derivatives of them; :meth:`known_derivatives` replaces
    those by what the exponential family says they are.

    Parameters
    ----------
    p : int
        The number of covariates (and coefficients), at least 1.

    Attributes
    ----------
    y, phi : sympy.Symbol
        The response and the dispersion.
    xs, betas : tuple of sympy.Symbol
        Covariates ``x_0..x_{p-1}`` and coefficients ``beta_0..beta_{p-1}``.
    eta, mu, theta, loglik : sympy.Expr
        The chain, each written in the coefficients.
    ginv, theta_of, b, V, gprime : sympy.Function
        The unknown inverse link, ``theta(mu)``, cumulant function, variance
        function and link derivative ``g'(mu)``.

    Raises
    ------
    ValueError
        ``p`` is not a positive integer.

    Notes
    -----
    R: none (R has no symbolic engine).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> chain = gl.derivations.GLMChain(p=2)
    >>> score = chain.known_derivatives(sp.diff(chain.loglik, chain.betas[0]))
    >>> sp.simplify(chain.expected(score))
    0
    """

    def __init__(self, p: int = 3):
        if isinstance(p, bool) or not isinstance(p, int) or p < 1:
            raise ValueError(f"p must be a positive integer (the number of covariates), got {p!r}")
        self.y, self.phi = sp.symbols("y phi", positive=True)
        self.xs = sp.symbols(f"x_0:{p}", real=True)
        self.betas = sp.symbols(f"beta_0:{p}", real=True)
        self.ginv, self.theta_of, self.b = sp.Function("ginv"), sp.Function("theta"), sp.Function("b")
        self.V, self.gprime = sp.Function("V"), sp.Function("gprime")
        self.eta = sum(x * beta for x, beta in zip(self.xs, self.betas))
        self.mu = self.ginv(self.eta)
        self.theta = self.theta_of(self.mu)
        self.loglik = (self.y * self.theta - self.b(self.theta)) / self.phi

    def known_derivatives(self, expr: sp.Expr) -> sp.Expr:
        """Replace derivatives of the unknown functions by their exponential-family values.

        ``b'(theta) = mu`` (the mean), ``b''(theta) = V(mu)`` (the variance
        function), ``theta'(mu) = 1/V(mu)`` and ``ginv'(eta) = 1/g'(mu)``
        (derivatives of inverse functions).
        """
        expr = expr.subs({
            sp.Derivative(self.b(self.theta), (self.theta, 2)): self.V(self.mu),
            sp.Derivative(self.b(self.theta), self.theta): self.mu,
            sp.Derivative(self.theta_of(self.mu), self.mu): 1 / self.V(self.mu),
        })

        def is_ginv_prime(e):
            return isinstance(e, sp.Subs) and e.expr == sp.Derivative(self.ginv(e.variables[0]), e.variables[0])

        return expr.replace(is_ginv_prime, lambda e: 1 / self.gprime(self.mu))

    def expected(self, expr: sp.Expr) -> sp.Expr:
        """The expectation of an expression linear in ``y``: ``y`` replaced by its mean ``b'(theta) = mu``."""
        if sp.diff(expr, self.y, 2) != 0:
            raise ValueError("expected: the expression is not linear in y, so replacing y by its mean is not its expectation")
        return self.known_derivatives(sp.expand(expr.subs(self.y, self.mu)))
