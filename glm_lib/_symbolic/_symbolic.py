"""Exponential-family forms derived with sympy, and numeric families built from them.

:func:`natural_form` takes a density (or probability mass function) written in
sympy in its textbook parameter(s) ``psi`` and rewrites it, by algebra rather
than by looking it up, in the book's notation

.. math::

    f(y; \\psi) = h(y, \\phi) \\exp[\\{\\theta(\\psi)\\, T(y) - b(\\theta)\\} / \\phi],

with ``theta`` the natural parameter, ``b`` the cumulant function, ``T(y)`` the
sufficient statistic, ``h`` the base measure and ``phi`` the dispersion
(``phi = 1`` when no dispersion is given). The derivation is the one done on
paper:

1. take the log of the density and expand it into a sum of terms;
2. sort each term by its free symbols: terms with the response *and* the
   parameter (``theta(psi) T(y) / phi``), terms with the parameter only
   (``-b / phi``) and everything else (``log h(y, phi)``);
3. read ``theta(psi)`` and ``T(y)`` off the cross terms, and refuse the density
   if a cross term does not split into ``f(psi) * T(y)``;
4. invert ``theta(psi)`` with :func:`sympy.solve` to write ``b`` in ``theta``;
5. differentiate: ``E[T] = b'(theta)``, ``Var[T] = phi b''(theta)``; the
   canonical link is the inverse of the mean function and the variance
   function is ``b''`` at the natural parameter of the mean. When the mean has
   no closed-form inverse (the logarithmic series, the von Mises
   concentration) these two exist only numerically: :meth:`NaturalForm.to_family`
   solves ``b'(theta) = mu`` by Newton's method (:class:`NumericCanonicalLink`).

:meth:`NaturalForm.to_family` turns a derivation into a :class:`glm_lib.Family`
that :func:`glm_lib.fit` accepts, with the canonical link (or any other) and a
unit deviance derived from the log-likelihood.

Declare the parameter's domain on its symbol (``sp.Symbol("p", positive=True)``):
sympy uses it to split logarithms and, where an equation has several roots, the
root that maps a point of that domain back to itself is kept.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from scipy import special
from sympy.calculus.util import function_range
from sympy.codegen.cfunctions import log1p
from sympy.codegen.rewriting import expm1_opt, optimize

from .._model import _links as L
from .._model._families import Family

__all__ = [
    "NotExponentialFamilyError",
    "NaturalForm",
    "natural_form",
    "multinomial_form",
    "DerivedLink",
    "NumericCanonicalLink",
    "DerivedFamily",
]

# sympy's xlogy does not exist; this undefined function is printed by name and
# bound to scipy.special.xlogy by lambdify, so 0 * log(0) evaluates to 0.
_XLOGY = sp.Function("xlogy")
_NUMERIC_MODULES = [{"xlogy": special.xlogy, "loggamma": special.gammaln}, "scipy", "numpy"]


class NotExponentialFamilyError(ValueError):
    """No exponential-family form of the density was found in the given parameter.

    Raised by :func:`natural_form` when a term of the log-density mixes ``y``
    and the parameter other than as ``f(psi) T(y)``, when the support depends
    on the parameter, or when the dispersion does not factor out. It is a
    ``ValueError``. A mixed term is found by splitting the expanded
    log-density term by term, a heuristic: it suggests, but does not prove,
    that no natural form exists (terms could combine into one, or a vector
    statistic could absorb them); a support that moves with the parameter
    does rule an exponential family out.

    Parameters
    ----------
    message : str
        What could not be separated, naming the offending terms.

    Notes
    -----
    R: none (R has no symbolic engine; its ``family`` objects, e.g. ``poisson()``,
    hold the same functions typed in by hand).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> y, psi = sp.Symbol("y", real=True), sp.Symbol("psi", real=True)
    >>> try:
    ...     gl.symbolic.natural_form(sp.exp(-(y - psi)**4), y, psi)
    ... except gl.symbolic.NotExponentialFamilyError as error:
    ...     print("not an exponential family:", str(error)[:21])
    not an exponential family: the statistics y and
    """

    # Exceptions of builtin types have no signature inspect can read; this one
    # documents how it is raised, NotExponentialFamilyError(message).
    __signature__ = inspect.Signature([inspect.Parameter("message", inspect.Parameter.POSITIONAL_ONLY)])


# --------------------------------------------------------------------------- #
# The derived form
# --------------------------------------------------------------------------- #
@dataclass(eq=False)
class NaturalForm:
    """A density written as ``h(y, phi) exp[{theta T(y) - b(theta)} / phi]``.

    Built by :func:`natural_form` (or :func:`multinomial_form`); the scalar
    case stores sympy expressions, the vector case (several parameters, as the
    multinomial) stores ``sympy.Matrix`` objects for ``theta``, ``T`` and the
    mean and a matrix for the variance.

    Attributes
    ----------
    name : str
        A label for tables and for the numeric family.
    density : sympy.Expr
        The density as given (indicators of the support removed).
    y : tuple of sympy.Symbol
        The response symbol(s).
    params : tuple of sympy.Symbol
        The textbook parameter(s) ``psi`` of the density (``pi``, ``mu``, ``lambda``).
    theta : sympy.Expr or sympy.Matrix
        The natural parameter as a function of ``psi``, ``theta(psi)``.
    T : sympy.Expr or sympy.Matrix
        The sufficient statistic ``T(y)``.
    theta_symbol : sympy.Symbol or tuple of sympy.Symbol
        The symbol(s) ``theta`` in which ``b``, ``mean`` and ``variance`` are written.
    b : sympy.Expr
        The cumulant function ``b(theta)``.
    b_of_params : sympy.Expr
        The same function written in ``psi``, ``b(theta(psi))``.
    log_h : sympy.Expr
        ``log h(y, phi)``: every term without the parameter.
    params_of_theta : sympy.Expr or dict
        ``psi`` as a function of ``theta`` (a dict ``{psi_k: expr}`` for vectors).
    dispersion : sympy.Expr or None
        ``phi`` as a function of the dispersion symbol (``sigma**2`` for the
        Gaussian, ``1/nu`` for a Gamma with shape ``nu``), or ``None`` when the
        density has no dispersion (``phi = 1``).
    dispersion_symbol : sympy.Symbol or None
        The symbol passed as ``dispersion`` to :func:`natural_form`.
    mean : sympy.Expr or sympy.Matrix
        ``E[T(y)] = b'(theta)`` (the gradient for vectors).
    variance : sympy.Expr or sympy.Matrix
        ``Var[T(y)] = phi b''(theta)`` (the Hessian times ``phi`` for vectors).
    mu_symbol : sympy.Symbol or tuple of sympy.Symbol
        The symbol(s) of the mean used by ``canonical_link`` and ``variance_function``.
    params_of_mu : sympy.Expr or dict or None
        ``psi`` as a function of the mean ``mu``.
    canonical_link : sympy.Lambda or None
        ``g(mu) = (b')^{-1}(mu)``, the inverse of the mean function.
    mean_function : sympy.Lambda
        ``b'(theta)``, the canonical response (inverse link), e.g. the sigmoid.
    variance_function : sympy.Lambda or None
        ``V(mu) = b''(theta(mu))``, so that ``Var[T] = phi V(mu)``.

        ``params_of_mu``, ``canonical_link`` and ``variance_function`` are
        ``None`` when the mean ``b'(theta)`` has no closed-form inverse (the
        logarithmic series): :meth:`to_family` then inverts it numerically.
    support : sympy.Set or None
        The support of ``y`` (``None`` for vector responses).
    nuisance : tuple of sympy.Symbol
        Fixed, known parameters (``m`` of the binomial, ``r`` of the negative
        binomial) that :meth:`to_family` needs numbers for.

    Notes
    -----
    R: none (R has no symbolic engine; its ``family`` objects, e.g. ``poisson()``,
    hold the same functions typed in by hand).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> y = sp.Symbol("y", nonnegative=True, integer=True)
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> form = gl.symbolic.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam, name="Poisson")
    >>> form.theta, form.T, form.b, form.variance_function(sp.Symbol("mu"))
    (log(lambda), y, exp(theta), mu)
    """

    name: str
    density: sp.Expr
    y: tuple
    params: tuple
    theta: object
    T: object
    theta_symbol: object
    b: sp.Expr
    b_of_params: sp.Expr
    log_h: sp.Expr
    params_of_theta: object
    dispersion: sp.Expr | None
    dispersion_symbol: sp.Symbol | None
    mean: object
    variance: object
    mu_symbol: object
    params_of_mu: object
    canonical_link: sp.Lambda
    mean_function: sp.Lambda
    variance_function: sp.Lambda
    support: sp.Set | None
    nuisance: tuple
    log_density: sp.Expr = field(repr=False)

    @property
    def is_vector(self) -> bool:
        """True for a vector statistic (several natural parameters)."""
        return len(self.params) > 1 or isinstance(self.theta, sp.MatrixBase)

    @property
    def h(self) -> sp.Expr:
        """The base measure ``h(y, phi) = exp(log_h)``."""
        product = sp.expand(sp.exp(self.log_h), power_exp=True, mul=False, multinomial=False)
        return min((product, sp.simplify(product), sp.powsimp(product)), key=sp.count_ops)

    def __repr__(self) -> str:
        phi = "" if self.dispersion is None else f", phi = {self.dispersion}"
        return (
            f"NaturalForm({self.name}: theta = {self.theta}, T(y) = {self.T}, "
            f"b(theta) = {self.b}{phi})"
        )

    def _repr_latex_(self) -> str:
        theta, T, b = (sp.latex(e) for e in (self.theta_symbol, self.T, self.b))
        inner = rf"{theta}\,{T} - {b}" if not self.is_vector else rf"\boldsymbol\theta^\top T(y) - {b}"
        if self.dispersion is not None:
            inner = rf"\left({inner}\right) / \left({sp.latex(self.dispersion)}\right)"
        return rf"$f(y) = h(y) \exp\left\{{{inner}\right\}},\quad h(y) = {sp.latex(self.h)}$"

    def to_family(
        self, link: str | L.Link | None = None, name: str | None = None, **values: float
    ) -> DerivedFamily:
        """A numeric :class:`glm_lib.Family` built from this derivation.

        Parameters
        ----------
        link : str or Link, optional
            Defaults to the derived canonical link (a :class:`DerivedLink`,
            or a :class:`NumericCanonicalLink` when the mean ``b'(theta)`` has
            no closed-form inverse); any glm_lib link name or object may be
            given instead.
        name : str, optional
            The family's display name; defaults to :attr:`name`.
        **values : float
            Numbers for the fixed nuisance parameters, by symbol name
            (``n=10`` for the binomial, ``r=2`` for the negative binomial).

        Returns
        -------
        DerivedFamily
            Its response is ``T(y)``: pass ``T(y)`` to :func:`glm_lib.fit`
            (which is ``y`` itself for most families).

        Raises
        ------
        NotImplementedError
            For a vector statistic (glm_lib families are scalar).
        ValueError
            If a nuisance parameter has no value, or sympy cannot find the
            range of ``T(y)`` over the support.
        TypeError
            If a nuisance parameter's value is not a finite number.
        """
        if self.is_vector:
            raise NotImplementedError(
                "glm_lib families have a scalar response; a vector statistic such as the "
                "multinomial's cannot be turned into a Family"
            )
        return DerivedFamily(self, link=link, name=name, values=values)


# --------------------------------------------------------------------------- #
# The derivation
# --------------------------------------------------------------------------- #
def _as_tuple(value) -> tuple:
    if isinstance(value, (list, tuple, sp.MatrixBase)):
        return tuple(value)
    return (value,)


def _test_value(symbol: sp.Symbol, position: int, count: int) -> sp.Rational:
    """A point inside the symbol's declared domain, used to pick roots.

    Positive values below one with a sum below one stay inside a probability
    simplex; they are distinct so that a swapped pair of roots is noticed.
    """
    value = sp.Rational(position + 1, (count + 1) ** 2 + 1)
    return -value if symbol.is_negative or symbol.is_nonpositive else value


def _nuisance_test_values(symbols: Iterable[sp.Symbol]) -> dict:
    # 3 is a valid number of trials, a valid size and a valid scale.
    return {s: sp.Integer(3) if not s.is_negative else sp.Integer(-3) for s in symbols}


def _piece_sets(pw: sp.Piecewise, y: sp.Symbol | None) -> list:
    """The set of ``y`` where each piece of ``pw`` applies (earlier pieces take precedence).

    ``None`` entries where sympy cannot turn a condition into a set of ``y``.
    """
    sets, taken = [], sp.S.EmptySet
    for _, cond in pw.args:
        try:
            if y is None:
                raise ValueError
            region = sp.S.Reals if cond is sp.true else sp.sympify(cond).as_set()
            region = sp.Complement(region.intersect(sp.S.Reals), taken)
            taken = sp.Union(taken, region)
        except (ValueError, TypeError, NotImplementedError, AttributeError):
            sets.append(None)
            continue
        sets.append(region)
    return sets


def _strip_indicators(density: sp.Expr, ys: tuple, psis: tuple) -> tuple[sp.Expr, sp.Set | None]:
    """Remove indicators of the support, refusing those that involve the parameter.

    A support that moves with ``psi`` (Uniform(0, psi)) breaks the
    factorisation ``h(y) exp{theta T(y) - b}``: the indicator is a function of
    ``y`` and ``psi`` together that no sum of products can represent.

    Every piece of a ``Piecewise`` counts: zero pieces cut the support, and
    non-zero pieces must differ only by factors of ``y`` (which go into
    ``h(y)``); pieces whose dependence on the parameter differs are refused.
    Returns the density with the indicators replaced and the support they
    imply (``None`` when they imply nothing or sympy cannot describe it).
    """
    y = ys[0] if len(ys) == 1 else None
    support = None

    def restrict(region):
        nonlocal support
        if region is not None:
            support = region if support is None else support.intersect(region)

    for pw in density.atoms(sp.Piecewise):
        conditions = [cond for _, cond in pw.args]
        if any(sp.sympify(c).free_symbols & set(psis) for c in conditions):
            raise NotExponentialFamilyError(
                f"the support depends on the parameter: the density is {pw}, whose "
                "conditions involve " + ", ".join(str(t) for t in psis)
                + "; an exponential family has the same support for every parameter value"
            )
        sets = _piece_sets(pw, y)
        pieces = [(e, c, region) for (e, c), region in zip(pw.args, sets) if e != 0 and region != sp.S.EmptySet]
        if not pieces:
            raise ValueError(f"the density {pw} is zero everywhere")
        regions = [region for _, _, region in pieces]
        restrict(None if any(r is None for r in regions) else sp.Union(*regions))
        lead = pieces[0][0]
        ratios = [sp.simplify(e / lead) for e, _, _ in pieces]
        entangled = [(e, c) for (e, c, _), r in zip(pieces, ratios) if r.free_symbols & set(psis)]
        if entangled:
            raise NotExponentialFamilyError(
                f"the pieces of {pw} depend on {', '.join(map(str, psis))} differently "
                f"({lead} and {entangled[0][0]} differ by a factor that involves the parameter), so "
                "no single theta(psi) T(y) - b describes every piece; write the density with "
                "one expression (a piecewise T(y) is allowed inside it) if it is an exponential family"
            )
        if len(pieces) == 1:
            density = density.subs(pw, lead)
        else:
            # The pieces differ by a function of y only: it belongs to the base measure h(y).
            factor = sp.Piecewise(*[(r, c) for r, (_, c, _) in zip(ratios, pieces)], (0, True))
            density = density.subs(pw, lead * factor)
    for step in density.atoms(sp.Heaviside):
        if step.args[0].free_symbols & set(psis):
            raise NotExponentialFamilyError(
                f"the support depends on the parameter: the density contains the indicator {step}"
            )
        if y is not None and step.args[0].free_symbols == {y}:
            try:
                restrict(sp.solveset(step.args[0] >= 0, y, sp.S.Reals))
            except (ValueError, TypeError, NotImplementedError):
                pass
        density = density.subs(step, 1)
    return density, support


def _declared_support(y: sp.Symbol) -> sp.Set:
    """The support implied by the response symbol's assumptions (``nonnegative=True``: [0, oo))."""
    if y.is_integer:
        if y.is_positive:
            return sp.S.Naturals
        if y.is_nonnegative:
            return sp.S.Naturals0
        return sp.S.Integers
    if y.is_positive:
        return sp.Interval.open(0, sp.oo)
    if y.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if y.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if y.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    return sp.S.Reals


def _expanded_log(density: sp.Expr) -> sp.Expr:
    # force=True splits log(x*y) and log(x**k) without asking sympy for
    # positivity: a density is positive on its support, so the split is valid.
    return sp.expand(sp.expand_log(sp.log(density), force=True), force=True)


def _sort_terms(log_density: sp.Expr, ys: tuple, psis: tuple) -> tuple[dict, sp.Expr, sp.Expr]:
    """Split ``log p`` into cross terms ``{T_j(y): f_j(psi)}``, psi-only and the rest."""
    cross: dict = {}
    psi_only = sp.Integer(0)
    rest = sp.Integer(0)
    names = ", ".join(str(t) for t in psis)
    for term in sp.Add.make_args(log_density):
        free = term.free_symbols
        has_y, has_psi = bool(free & set(ys)), bool(free & set(psis))
        if has_y and has_psi:
            coefficient, statistic = term.as_independent(*ys, as_Add=False)
            if statistic.free_symbols & set(psis):
                raise NotExponentialFamilyError(
                    f"the term {term} of the log-density mixes y and {names} in a way that "
                    f"is not a product f({names}) * T(y), so splitting the expanded "
                    "log-density term by term finds no natural form; this suggests, but "
                    "does not prove, that the density is not an exponential family in "
                    "that parameter"
                )
            cross[statistic] = cross.get(statistic, 0) + coefficient
        elif has_psi:
            psi_only += term
        else:
            rest += term
    return cross, psi_only, rest


def _real_branch(psi_only: sp.Expr, rest: sp.Expr, point: dict) -> tuple[sp.Expr, sp.Expr]:
    """Rewrite ``log(u)`` with ``u < 0`` on the parameter space as ``log(-u) + i pi``.

    Splitting ``log(-psi**k / (k log(1 - psi)))`` (the logarithmic series)
    leaves ``log(-1)`` among the constants and ``-log(log(1 - psi))``, the log
    of a negative number, in ``b``; moving the ``i pi`` back keeps ``b`` real.
    ``point`` is a parameter value at which the sign is read.
    """
    for atom in sorted(psi_only.atoms(sp.log), key=sp.default_sort_key):
        try:
            value = complex(sp.N(atom.args[0].subs(point)))
        except (TypeError, ValueError):
            continue
        if value.imag == 0 and value.real < 0:
            psi_only = sp.expand(psi_only.subs(atom, sp.log(-atom.args[0]) + sp.I * sp.pi))
    constant, psi_only = psi_only.as_independent(*point, as_Add=True)
    return psi_only, sp.expand(rest + constant)


def _dispersion_scale(
    cross: dict, psi_only: sp.Expr, symbol: sp.Symbol, psis: tuple
) -> tuple[sp.Expr, dict, sp.Expr]:
    """Factor ``1 / phi(symbol)`` out of the cross and psi-only terms.

    Returns ``phi``, the cross coefficients and the psi-only part divided by
    ``1 / phi``; both must then be free of the dispersion symbol.
    """
    first = sp.factor_terms(next(iter(cross.values())))
    _, scale = first.as_independent(symbol, as_Add=False)
    if scale == 1:
        raise ValueError(
            f"the dispersion symbol {symbol} does not multiply the term(s) with y and the "
            "parameter, so it is not a dispersion of this density"
        )
    if scale.free_symbols & set(psis):
        raise NotExponentialFamilyError(
            f"the coefficient {first} of T(y) does not split into a function of "
            f"{', '.join(map(str, psis))} times a function of {symbol}: {symbol} is "
            "entangled with the parameter, so it is not a dispersion"
        )
    phi = sp.simplify(1 / scale)
    scaled = {stat: sp.simplify(coef * phi) for stat, coef in cross.items()}
    psi_part = sp.simplify(sp.expand(psi_only * phi))
    for piece in [*scaled.values(), psi_part]:
        if piece.has(symbol):
            raise NotExponentialFamilyError(
                f"{piece} still depends on {symbol} after factoring out 1/phi = {scale}: "
                f"the density is not of the form exp[{{theta T(y) - b(theta)}} / phi(...)] in {symbol}"
            )
    return phi, scaled, psi_part


def _combine_statistics(cross: dict, ys: tuple, psis: tuple) -> tuple[list, list]:
    """Pair each natural parameter with its statistic.

    With one parameter, statistics whose coefficients are proportional merge
    into one ``T``; non-proportional ones make a curved family, refused.
    With several parameters, each distinct statistic gets its own ``theta_k``.
    """
    def order(stat):
        indices = [i for i, s in enumerate(ys) if stat.has(s)]
        return (min(indices), sp.default_sort_key(stat))

    stats = sorted(cross, key=order)
    if len(psis) > 1:
        if len(stats) != len(psis):
            raise NotExponentialFamilyError(
                f"found {len(stats)} statistics ({', '.join(map(str, stats))}) for "
                f"{len(psis)} parameters; a full-rank natural form needs one each"
            )
        return [cross[s] for s in stats], stats
    lead = cross[stats[0]]
    statistic = stats[0]
    for other in stats[1:]:
        ratio = sp.simplify(cross[other] / lead)
        if ratio.free_symbols & set(psis):
            raise NotExponentialFamilyError(
                f"the statistics {stats[0]} and {other} have non-proportional coefficients "
                f"{lead} and {cross[other]}: a curved family, not a one-parameter exponential "
                "family in " + str(psis[0])
            )
        statistic += ratio * other
    return [lead], [statistic]


def _numeric_close(value: sp.Expr, target: sp.Expr) -> bool:
    try:
        difference = complex(sp.N(value - target))
    except (TypeError, ValueError):
        return False
    return abs(difference) < 1e-9 * (1 + abs(complex(sp.N(target))))


def _invert(exprs: list, unknowns: tuple, targets: tuple, point: dict, nuisance_point: dict) -> dict:
    """Solve ``targets_j = exprs_j(unknowns)`` for the unknowns.

    ``sympy.solve`` is tried on the equations as written, then on their
    exponentials (which turns sums of logs into ratios, e.g. the multinomial's
    ``log(pi_k) - log(pi_K)``). Among several roots, the one that maps
    ``point`` back to itself is kept.
    """
    if all(e == u for e, u in zip(exprs, unknowns)):
        return dict(zip(unknowns, targets))
    attempts = (
        lambda: [sp.Eq(t, e) for t, e in zip(targets, exprs)],
        lambda: [sp.Eq(sp.exp(t), sp.expand(sp.exp(e), power_exp=True)) for t, e in zip(targets, exprs)],
    )
    values_at_point = {t: e.subs(point).subs(nuisance_point) for t, e in zip(targets, exprs)}
    for equations in attempts:
        try:
            solutions = sp.solve(equations(), list(unknowns), dict=True)
        except NotImplementedError:
            continue
        for solution in solutions:
            if set(solution) != set(unknowns):
                continue
            if all(
                _numeric_close(solution[u].subs(values_at_point).subs(nuisance_point), point[u])
                for u in unknowns
            ):
                return {u: solution[u] for u in unknowns}
    raise ValueError(
        f"could not solve {', '.join(f'{t} = {e}' for t, e in zip(targets, exprs))} "
        f"for {', '.join(map(str, unknowns))}"
    )


def _sign_assumption(expr: sp.Expr) -> dict:
    if sp.ask(sp.Q.negative(expr)):
        return {"negative": True}
    if sp.ask(sp.Q.positive(expr)):
        return {"positive": True}
    return {"real": True}


def _simplest(region: sp.Set) -> sp.Set:
    """``region`` simplified where sympy can (an intersection with the reals, say)."""
    try:
        return sp.simplify(region)
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        return region


def _statistic_support(statistic: sp.Expr, y: sp.Symbol, support: sp.Set) -> sp.Set:
    """The support of ``T(y)``: the image of the support of ``y``.

    sympy's image sets cannot always report their bounds (``cos`` over an
    interval); ``function_range`` is asked for an interval then.
    """
    if statistic == y:
        return support
    image = sp.imageset(sp.Lambda(y, statistic), support)
    if _set_bounds(image) is None and isinstance(support, sp.Interval):
        try:
            return function_range(statistic, y, support)
        except (TypeError, ValueError, NotImplementedError):
            pass
    return image


def _set_bounds(region: sp.Set) -> tuple | None:
    """``(inf, sup)`` of a set, or ``None`` when sympy cannot tell."""
    try:
        low, high = region.inf, region.sup
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return None
    if not all(isinstance(b, sp.Expr) and (b.is_number or b in (sp.oo, -sp.oo)) for b in (low, high)):
        return None
    return low, high


_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sin, sp.cos, sp.tan)


def _simplify(expr: sp.Expr) -> sp.Expr:
    """The shortest of a few simplifications, without trading exponentials for cosh.

    ``sp.simplify`` writes the Bernoulli's ``b''(theta)`` as ``1/(4 cosh(theta/2)**2)``;
    correct, but a student expects ``exp(theta)/(1 + exp(theta))**2``.
    """
    simplified = sp.simplify(expr)
    candidates = [simplified, sp.logcombine(simplified, force=True)]
    try:
        candidates.append(sp.factor(sp.cancel(expr)))
    except sp.PolynomialError:
        pass
    allowed = [c for c in candidates if not (c.has(*_HYPERBOLIC) and not expr.has(*_HYPERBOLIC))]
    return min(allowed or [expr], key=sp.count_ops)


def natural_form(
    density: sp.Expr,
    y: sp.Symbol | Sequence[sp.Symbol],
    params: sp.Symbol | Sequence[sp.Symbol],
    dispersion: sp.Symbol | sp.Expr | None = None,
    support: sp.Set | None = None,
    name: str = "derived",
) -> NaturalForm:
    """Derive the natural exponential-family form of a density.

    Parameters
    ----------
    density : sympy.Expr
        The probability mass or density function of ``y``. Indicators of the
        support (``Piecewise``, ``Heaviside``) are allowed when they do not
        involve the parameter.
    y : sympy.Symbol or sequence of sympy.Symbol
        The response; several symbols for a vector response (the multinomial's
        indicators).
    params : sympy.Symbol or sequence of sympy.Symbol
        The parameter(s) the family is indexed by. Declare their domain
        (``positive=True``). Other symbols in the density (``n``, ``r``, a known
        ``sigma``) are fixed nuisance parameters.
    dispersion : sympy.Symbol or sympy.Expr, optional
        The parameter that plays the role of a dispersion (``sigma`` for the
        Gaussian, the shape ``nu`` for the Gamma, ``lambda`` for the inverse
        Gaussian). The derived form is ``h(y, phi) exp[{theta T - b} / phi]`` and
        ``phi`` as a function of that parameter (``sigma**2``, ``1/nu``,
        ``1/lambda``) is :attr:`NaturalForm.dispersion`. Without it, ``phi = 1``.
    support : sympy.Set, optional
        The support of ``y`` (``sp.S.Naturals0``, ``sp.Interval.open(0, sp.oo)``,
        ``sp.Range(0, n + 1)``, ``sp.FiniteSet(0, 1)``). A support that
        involves the parameter is refused. Defaults to where the density's
        ``Piecewise`` pieces are non-zero and its ``Heaviside`` indicators are
        one, within the set the response symbol's assumptions allow
        (``nonnegative=True``: ``[0, oo)``; ``integer=True, positive=True``:
        the naturals), else the real line. Non-zero pieces may differ only by
        factors free of the parameter, which go into ``h(y)``.
    name : str
        A label for tables and the numeric family.

    Returns
    -------
    NaturalForm

    Raises
    ------
    NotExponentialFamilyError
        If a term of the log-density mixes ``y`` and the parameter other than
        as ``f(psi) * T(y)`` (a sign, not a proof, that the density is no
        exponential family in that parameter), if the support depends on the
        parameter, or if the dispersion does not factor out.
    ValueError
        If the density does not involve both ``y`` and the parameter, or
        ``theta(psi)`` cannot be inverted.
    TypeError
        If ``y``, ``params`` or ``support`` are not sympy symbols or a set.

    Notes
    -----
    R: none (R has no symbolic engine; its ``family`` objects, e.g. ``poisson()``,
    hold the same functions typed in by hand).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> y, lam = sp.Symbol("y", nonnegative=True), sp.Symbol("lambda", positive=True)
    >>> form = gl.symbolic.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam)
    >>> form.theta, form.T, form.b
    (log(lambda), y, exp(theta))
    """
    ys, psis = _as_tuple(y), _as_tuple(params)
    for argument, symbols in (("y", ys), ("params", psis)):
        wrong = [s for s in symbols if not isinstance(s, sp.Symbol)]
        if wrong or not symbols:
            raise TypeError(f"{argument} must be a sympy Symbol or a sequence of Symbols, got {wrong or symbols!r}; "
                            f"e.g. sp.Symbol('y', nonnegative=True)")
    vector = len(psis) > 1 or isinstance(params, (list, tuple, sp.MatrixBase))
    if set(ys) & set(psis):
        raise ValueError(f"y and params share the symbol(s) {sorted(map(str, set(ys) & set(psis)))}")
    if support is not None and not isinstance(support, sp.Set):
        raise TypeError(f"support must be a sympy Set such as sp.S.Naturals0 or sp.Interval(0, sp.oo), "
                        f"not {type(support).__name__}")
    try:
        density = sp.sympify(density)
    except (sp.SympifyError, TypeError) as exc:
        raise TypeError(f"density must be a sympy expression, not {type(density).__name__} ({exc})") from None
    if not isinstance(density, sp.Expr):
        raise TypeError(f"density must be a sympy expression, not {type(density).__name__}")
    missing = [t for t in psis if not density.has(t)]
    if missing:
        raise ValueError(f"the density does not involve the parameter(s) {missing}")
    reserved = sorted(str(s) for s in density.free_symbols | set(psis) | set(ys)
                      if re.fullmatch(r"theta(_\d+)?", str(s)))
    if reserved:
        raise ValueError(
            f"the density uses the symbol(s) {', '.join(reserved)}, but theta names the natural "
            "parameter that natural_form derives; call the density's own parameter something "
            "else, e.g. sp.Symbol('psi', positive=True)"
        )
    density, piecewise_support = _strip_indicators(density, ys, psis)
    if support is not None and sp.sympify(support).free_symbols & set(psis):
        raise NotExponentialFamilyError(
            f"the support {support} depends on the parameter; an exponential family has "
            "the same support for every parameter value"
        )
    if support is None and not vector:
        declared = _declared_support(ys[0])
        support = declared if piecewise_support is None else _simplest(piecewise_support.intersect(declared))

    log_density = _expanded_log(density)
    cross, psi_only, rest = _sort_terms(log_density, ys, psis)
    nuisance_point = _nuisance_test_values(
        density.free_symbols - set(ys) - set(psis) - sp.sympify(dispersion or 0).free_symbols
    )
    point = {t: _test_value(t, i, len(psis)) for i, t in enumerate(psis)}
    psi_only, rest = _real_branch(psi_only, rest, {**point, **nuisance_point})
    log_density = sum(coefficient * statistic for statistic, coefficient in cross.items()) + psi_only + rest
    if not cross:
        raise ValueError(
            "no term of the log-density involves both y and the parameter, so the density "
            "carries no information about it"
        )

    dispersion_symbol = None
    phi = None
    if dispersion is not None:
        symbols = sp.sympify(dispersion).free_symbols
        if len(symbols) != 1:
            raise ValueError(f"the dispersion must involve exactly one symbol, got {dispersion}")
        dispersion_symbol = symbols.pop()
        phi, cross, psi_part = _dispersion_scale(cross, psi_only, dispersion_symbol, psis)
    else:
        psi_part = psi_only
    thetas_psi, statistics = _combine_statistics(cross, ys, psis)
    thetas_psi = [_simplify(e) for e in thetas_psi]
    b_of_params = _simplify(-psi_part)

    nuisance = tuple(
        sorted(
            density.free_symbols - set(ys) - set(psis) - {dispersion_symbol},
            key=sp.default_sort_key,
        )
    )

    # b in theta: invert theta(psi).
    # A natural parameter of one sign (the Gamma's -1/mu) gets that sign as an
    # assumption, so that sympy can simplify sqrt(-1/theta) and log(-1/theta).
    sign = {} if vector else _sign_assumption(thetas_psi[0])
    theta_symbols = (
        (sp.Symbol("theta", **sign),)
        if not vector
        else tuple(sp.Symbol(f"theta_{i + 1}", real=True) for i in range(len(psis)))
    )
    params_of_theta = _invert(thetas_psi, psis, theta_symbols, point, nuisance_point)
    params_of_theta = {t: _simplify(e) for t, e in params_of_theta.items()}
    b_theta = _simplify(b_of_params.subs(params_of_theta))
    phi_factor = 1 if phi is None else phi
    means = [_simplify(sp.diff(b_theta, e)) for e in theta_symbols]
    hessian = sp.Matrix(len(theta_symbols), len(theta_symbols), lambda i, j: sp.diff(b_theta, theta_symbols[i], theta_symbols[j]))
    if hessian.applyfunc(sp.simplify).is_zero_matrix:
        raise ValueError(
            f"the cumulant function b(theta) = {b_theta} is linear in theta, so Var[T(y)] = b''(theta) = 0: the density "
            "is not normalised (multiply it by 1 / its integral over the support, which involves the parameter)"
        )

    # The canonical link through the parameter: mean(psi) = mu, solved for psi.
    means_psi = [_simplify(m.subs(dict(zip(theta_symbols, thetas_psi)))) for m in means]
    # The mean lies in the convex hull of the support of T(y): a non-negative
    # support makes the mean positive, which lets sympy simplify sqrt(mu**2).
    bounds = None if vector else _set_bounds(_statistic_support(statistics[0], ys[0], support))
    positive = vector or all(sp.ask(sp.Q.positive(m)) for m in means_psi) or bool(
        bounds is not None and bounds[0] >= 0
    )
    mu_symbols = (
        (sp.Symbol("mu", positive=True) if positive else sp.Symbol("mu", real=True),)
        if not vector
        else tuple(sp.Symbol(f"mu_{i + 1}", positive=True) for i in range(len(psis)))
    )
    # Dummies keep the user's own "mu" (a Gaussian mean) apart from the mean symbol.
    mu_dummies = tuple(sp.Dummy(str(m), **m.assumptions0) for m in mu_symbols)
    try:
        params_of_mu = _invert(means_psi, psis, mu_dummies, point, nuisance_point)
    except ValueError:
        if vector:
            raise
        # The mean b'(theta) has no closed-form inverse (the logarithmic series,
        # the von Mises concentration): the derivation stands, but g(mu) and
        # V(mu) exist only numerically, which to_family provides.
        params_of_mu = None
    if params_of_mu is not None:
        back = dict(zip(mu_dummies, mu_symbols))
        params_of_mu = {t: _simplify(e.subs(back)) for t, e in params_of_mu.items()}
        links = [_simplify(e.subs(params_of_mu)) for e in thetas_psi]
        at_link = dict(zip(theta_symbols, links))
        variance_matrix = hessian.subs(at_link).applyfunc(_simplify)

    if vector:
        theta_out, T_out = sp.Matrix(thetas_psi), sp.Matrix(statistics)
        mean_out = sp.Matrix(means)
        variance_out = (phi_factor * hessian).applyfunc(_simplify)
        canonical = sp.Lambda(mu_symbols, sp.Matrix(links))
        mean_function = sp.Lambda(theta_symbols, mean_out)
        variance_function = sp.Lambda(mu_symbols, variance_matrix)
        theta_symbol, mu_symbol, psi_theta, psi_mu = theta_symbols, mu_symbols, params_of_theta, params_of_mu
    else:
        theta_out, T_out = thetas_psi[0], statistics[0]
        mean_out = means[0]
        variance_out = _simplify(phi_factor * hessian[0, 0])
        mean_function = sp.Lambda(theta_symbols[0], means[0])
        theta_symbol, mu_symbol = theta_symbols[0], mu_symbols[0]
        psi_theta = params_of_theta[psis[0]]
        if params_of_mu is None:
            canonical = variance_function = psi_mu = None
        else:
            canonical = sp.Lambda(mu_symbols[0], links[0])
            variance_function = sp.Lambda(mu_symbols[0], variance_matrix[0, 0])
            psi_mu = params_of_mu[psis[0]]

    return NaturalForm(
        name=name,
        density=density,
        y=ys,
        params=psis,
        theta=theta_out,
        T=T_out,
        theta_symbol=theta_symbol,
        b=b_theta,
        b_of_params=b_of_params,
        log_h=rest,
        params_of_theta=psi_theta,
        dispersion=phi,
        dispersion_symbol=dispersion_symbol,
        mean=mean_out,
        variance=variance_out,
        mu_symbol=mu_symbol,
        params_of_mu=psi_mu,
        canonical_link=canonical,
        mean_function=mean_function,
        variance_function=variance_function,
        support=support,
        nuisance=nuisance,
        log_density=log_density,
    )


def multinomial_form(k: int) -> NaturalForm:
    """The categorical (one-trial multinomial) distribution over ``k`` classes.

    The response is the vector of indicators ``y_1, ..., y_{k-1}`` (``y_k`` is
    ``1`` minus their sum) and the free parameters are the class probabilities
    ``pi_1, ..., pi_{k-1}`` (``pi_k = 1 - sum``), so the density is
    ``prod_i pi_i^{y_i} * pi_k^{1 - sum y_i}``. :func:`natural_form` finds
    ``theta_i = log(pi_i / pi_k)``, ``b(theta) = log(1 + sum exp(theta_i))`` and
    the softmax as the mean function.

    Parameters
    ----------
    k : int
        The number of classes, at least 2.

    Returns
    -------
    NaturalForm
        A vector form (``theta``, ``T``, ``mean`` are matrices).

    Raises
    ------
    ValueError
        ``k`` is not an integer of at least 2.

    Notes
    -----
    R: none (R has no symbolic engine; its ``family`` objects, e.g. ``poisson()``,
    hold the same functions typed in by hand).

    Examples
    --------
    >>> import glm_lib as gl
    >>> form = gl.symbolic.multinomial_form(3)
    >>> form.is_vector, form.b
    (True, log(exp(theta_1) + exp(theta_2) + 1))
    """
    if int(k) != k or k < 2:
        raise ValueError(f"k must be an integer of at least 2, got {k!r}")
    ys = sp.symbols(f"y_1:{k}", nonnegative=True, integer=True)
    pis = sp.symbols(f"pi_1:{k}", positive=True)
    last_pi, last_y = 1 - sum(pis), 1 - sum(ys)
    density = sp.Mul(*(p**yi for p, yi in zip(pis, ys))) * last_pi**last_y
    return natural_form(density, list(ys), list(pis), name=f"Multinomial(k={k})")


# --------------------------------------------------------------------------- #
# From the derivation to numbers
# --------------------------------------------------------------------------- #
def _xlogy_safe(expr: sp.Expr) -> sp.Expr:
    """Rewrite each ``c * log(u)`` as ``xlogy(c, u)``, so ``0 * log 0`` is ``0``.

    Coefficients of the same logarithm are added first, so that
    ``(1 - y) log(1 - mu)`` stays one term (``log(1 - y) - y log(1 - y)`` would
    be ``inf - inf`` at ``y = 1``).
    """
    by_log: dict = {}
    other = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(expr)):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
        if len(logs) == 1:
            by_log[logs[0].args[0]] = by_log.get(logs[0].args[0], 0) + term / logs[0]
        else:
            other += term
    return other + sum(_XLOGY(sp.factor(c), u) for u, c in by_log.items())


def _loggamma_form(expr: sp.Expr) -> sp.Expr:
    """Replace ``log(factorial(.))``, ``log(binomial(.))``, ``log(gamma(.))`` by ``loggamma``.

    The log of a factorial overflows in floating point long before its log
    does; scipy's ``gammaln`` computes it directly.
    """
    def rewrite(term):
        inner = sp.expand_log(sp.log(term.args[0].rewrite(sp.gamma)), force=True)
        return inner.replace(
            lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.gamma),
            lambda e: sp.loggamma(e.args[0].args[0]),
        )

    return expr.replace(
        lambda e: isinstance(e, sp.log) and e.args[0].has(sp.factorial, sp.binomial, sp.gamma),
        rewrite,
    )


def _vectorised(function: Callable) -> Callable:
    """Wrap a lambdified function so it always returns a float array of the input's shape.

    lambdify of a constant (the Gaussian's ``V(mu) = 1``) returns a scalar.
    """
    def wrapped(*args):
        arrays = [np.asarray(a, dtype=float) for a in args]
        with np.errstate(all="ignore"):
            value = function(*arrays)
        return np.array(np.broadcast_to(value, np.broadcast_shapes(*(a.shape for a in arrays))), dtype=float)

    return wrapped


def _lambdify(symbols, expr: sp.Expr) -> Callable:
    return _vectorised(sp.lambdify(symbols, expr, modules=_NUMERIC_MODULES))


def _lambdify_accurate(symbols, expr: sp.Expr) -> Callable:
    """``_lambdify`` after rewriting ``log(1 + x)`` as ``log1p(x)`` and ``exp(x) - 1`` as ``expm1(x)``.

    A numerically inverted mean is solved near the edge of the parameter
    space (``exp(theta) -> 0``), where the plain forms lose every digit.
    """
    with_log1p = expr.replace(
        lambda e: isinstance(e, sp.log) and isinstance(e.args[0], sp.Add) and sp.S.One in e.args[0].args,
        lambda e: log1p(e.args[0] - 1),
    )
    return _lambdify(symbols, optimize(with_log1p, [expm1_opt]))


def _support_checker(support: sp.Set) -> Callable[[np.ndarray], np.ndarray]:
    """A numpy predicate "value lies in support" for the common sympy sets."""
    if support == sp.S.Reals:
        return lambda v: np.isfinite(v)
    if isinstance(support, sp.FiniteSet):
        allowed = np.array([float(x) for x in support], dtype=float)
        return lambda v: np.isin(v, allowed)
    if isinstance(support, sp.Interval):
        low, high = float(support.inf), float(support.sup)

        def in_interval(v):
            above = v > low if support.left_open else v >= low
            below = v < high if support.right_open else v <= high
            return above & below

        return in_interval
    if isinstance(support, (sp.Range, type(sp.S.Naturals0), type(sp.S.Naturals), type(sp.S.Integers))):
        low, high = float(support.inf), float(support.sup)
        return lambda v: (v == np.round(v)) & (v >= low) & (v <= high)
    # Anything else: ask sympy, once per distinct value.
    def generic(v):
        distinct = np.unique(v)
        inside = {x: bool(support.contains(sp.nsimplify(x))) for x in distinct}
        return np.array([inside[x] for x in np.ravel(v)]).reshape(np.shape(v))

    return generic


class DerivedLink(L.Link):
    """A link function built from sympy expressions by ``lambdify``.

    Parameters
    ----------
    link : sympy.Lambda
        ``g(mu)``.
    inverse : sympy.Lambda
        ``g^{-1}(eta)``.
    name : str, optional
        Defaults to the printed ``g(mu)``.

    Notes
    -----
    R: ``structure(list(linkfun = , linkinv = , mu.eta = , valideta = ),
    class = "link-glm")``, written by hand.

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> mu, eta = sp.Symbol("mu", positive=True), sp.Symbol("eta", real=True)
    >>> link = gl.symbolic.DerivedLink(sp.Lambda(mu, sp.log(mu)), sp.Lambda(eta, sp.exp(eta)))
    >>> link, float(link.inverse(0.0))
    (DerivedLink('log(mu)'), 1.0)
    """

    def __init__(self, link: sp.Lambda, inverse: sp.Lambda, name: str | None = None):
        mu, eta = link.variables[0], inverse.variables[0]
        g, g_inv = link(mu), inverse(eta)
        self.name = name if name is not None else str(g)
        self.expressions = {"link": g, "inverse": g_inv}
        self._link = _lambdify(mu, g)
        self._deriv = _lambdify(mu, sp.diff(g, mu))
        self._inverse = _lambdify(eta, g_inv)
        self._inverse_deriv = _lambdify(eta, sp.diff(g_inv, eta))
        self._inverse_deriv2 = _lambdify(eta, sp.diff(g_inv, eta, 2))

    def __repr__(self) -> str:
        return f"DerivedLink({self.name!r})"

    def link(self, mu):
        return self._link(mu)

    def inverse(self, eta):
        return self._inverse(eta)

    def deriv(self, mu):
        return self._deriv(mu)

    def inverse_deriv(self, eta):
        return self._inverse_deriv(eta)

    def inverse_deriv2(self, eta):
        return self._inverse_deriv2(eta)


class NumericCanonicalLink(L.Link):
    """The canonical link ``g = (b')^{-1}`` when ``b'`` has no closed-form inverse.

    ``g(mu)`` solves ``b'(eta) = mu`` for ``eta`` (the canonical link makes the
    linear predictor ``eta`` equal the natural parameter ``theta``) by Newton's
    method, vectorised, with the step halved whenever it leaves the domain of
    ``b`` (``b'`` is increasing because ``b`` is convex, so the damped
    iteration converges).

    Parameters
    ----------
    mean : sympy.Lambda
        ``b'(theta)`` with the nuisance parameters fixed.
    start : float
        A value inside the natural parameter space.

    name : str, optional
        The link's display name.

    Notes
    -----
    R: none (a ``link-glm`` whose ``linkfun`` calls ``uniroot`` would be the
    hand-written equivalent).

    Examples
    --------
    >>> import numpy as np
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> theta = sp.Symbol("theta", real=True)
    >>> link = gl.symbolic.NumericCanonicalLink(sp.Lambda(theta, sp.exp(theta)), start=0.0)
    >>> round(float(link.link(np.e)), 4)
    1.0
    """

    _MAX_STEPS = 200
    _MAX_HALVINGS = 60

    def __init__(self, mean: sp.Lambda, start: float, name: str | None = None):
        eta = mean.variables[0]
        expr = mean(eta)
        self.name = name if name is not None else "canonical (numeric)"
        self._mean = _lambdify_accurate(eta, expr)
        self._mean_deriv = _lambdify_accurate(eta, sp.diff(expr, eta))
        self._mean_deriv2 = _lambdify_accurate(eta, sp.diff(expr, eta, 2))
        self._start = float(start)

    def __repr__(self) -> str:
        return f"NumericCanonicalLink({self.name!r})"

    def link(self, mu):
        mu = np.asarray(mu, dtype=float)
        eta = np.full(mu.shape, self._start)
        valid = np.isfinite(mu)
        with np.errstate(all="ignore"):
            for _ in range(self._MAX_STEPS):
                residual = self._mean(eta) - mu
                done = ~valid | (np.abs(residual) <= 1e-13 * (1.0 + np.abs(mu)))
                if done.all():
                    break
                step = np.where(done, 0.0, residual / self._mean_deriv(eta))
                for _ in range(self._MAX_HALVINGS):
                    candidate = eta - step
                    new_residual = self._mean(candidate) - mu
                    bad = ~done & ~(np.isfinite(new_residual) & (np.abs(new_residual) <= np.abs(residual)))
                    if not bad.any():
                        break
                    step = np.where(bad, 0.5 * step, step)
                eta = np.where(bad, eta, candidate)
                if np.all(done | (np.abs(step) <= 1e-15 * (1.0 + np.abs(eta)))):
                    break
        return np.where(valid, eta, np.nan)

    def inverse(self, eta):
        return self._mean(eta)

    def deriv(self, mu):
        return 1.0 / self._mean_deriv(self.link(mu))

    def inverse_deriv(self, eta):
        return self._mean_deriv(eta)

    def inverse_deriv2(self, eta):
        return self._mean_deriv2(eta)


def _bound(value: sp.Expr) -> float | None:
    return None if value in (sp.oo, -sp.oo) else float(value)


class DerivedFamily(Family):
    """A :class:`glm_lib.Family` whose every method comes from a :class:`NaturalForm`.

    The response is the statistic ``t = T(y)`` and the mean ``mu = E[T(y)]``.

    - ``variance`` is ``V(mu) = b''(g(mu))``;
    - ``unit_deviance`` is ``2 [l(t; t) - l(t; mu)]`` with
      ``l(t; mu) = t g(mu) - b(g(mu))``, the log-likelihood per unit dispersion
      up to terms free of ``mu``, written with ``xlogy`` so ``t`` may sit on
      the boundary of the support (``t = 0`` for counts);
    - ``loglike`` evaluates the full log-density of ``y`` (with ``y`` recovered
      from ``t`` when ``T`` is not the identity), the dispersion symbol set from
      ``scale``; prior weights multiply each row's log-density;
    - ``mean_bounds`` are the bounds of the support of ``T(y)``, where the mean
      must lie; ``starting_mu`` moves responses on a bound inside;
    - the dispersion is estimated exactly when the form has one.

    Parameters
    ----------
    form : NaturalForm
    link : str or Link, optional
        Defaults to the derived canonical link.
    name : str, optional
    values : dict, optional
        Numbers for the nuisance parameters, keyed by symbol name.

    Raises
    ------
    ValueError
        Values for parameters that are not nuisance parameters of the form,
        missing values for those that are, or a ``T(y)`` from which ``y``
        cannot be recovered.
    TypeError
        Nuisance values that are not finite numbers.
    NotImplementedError
        A vector form (glm_lib families are scalar).

    Notes
    -----
    R: none (R's ``family`` objects are written by hand; ``stats::quasi`` and
    ``stats::make.link`` build one from its pieces).

    Examples
    --------
    >>> import sympy as sp
    >>> import glm_lib as gl
    >>> y = sp.Symbol("y", nonnegative=True, integer=True)
    >>> lam = sp.Symbol("lambda", positive=True)
    >>> form = gl.symbolic.natural_form(lam**y * sp.exp(-lam) / sp.factorial(y), y, lam, name="Poisson")
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=form.to_family())
    >>> round(float(res.params["width"]), 4)
    0.164
    """

    links: tuple[str, ...] = ()

    def __init__(self, form: NaturalForm, link=None, name: str | None = None, values: dict | None = None):
        values = dict(values or {})
        by_name = {str(s): s for s in form.nuisance}
        unknown = sorted(set(values) - set(by_name))
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not a nuisance parameter of {form.name} "
                             f"(those are {', '.join(by_name) or 'none'})")
        missing = sorted(set(by_name) - set(values))
        if missing:
            raise ValueError(f"give a value for the fixed parameter(s) {', '.join(missing)}, "
                             f"e.g. to_family({missing[0]}=...)")
        wrong = {k: v for k, v in values.items() if not (isinstance(v, (int, float, np.integer, np.floating))
                                                     and not isinstance(v, bool) and np.isfinite(v))}
        if wrong:
            raise TypeError(f"the fixed parameter values must be finite numbers, got {wrong}")
        fixed = {by_name[k]: sp.nsimplify(v) for k, v in values.items()}
        self.form, self.values = form, values
        self.name = name or form.name
        self.estimated_dispersion = form.dispersion is not None

        mu, theta = form.mu_symbol, form.theta_symbol
        t = sp.Dummy("t", real=True)
        support = form.support.subs(fixed) if form.support is not None else sp.S.Reals
        t_support = _statistic_support(form.T.subs(fixed), form.y[0], support)
        bounds = _set_bounds(t_support)
        if bounds is None:
            raise ValueError(
                f"sympy cannot find the range of T(y) = {form.T} for y in {support}, which the family "
                "needs to check responses and keep the mean inside it; pass natural_form a support= "
                "that sympy can map through T (an Interval, Range or FiniteSet)"
            )
        self.support = t_support
        self._in_support = _support_checker(t_support)
        self.mean_bounds = (_bound(bounds[0]), _bound(bounds[1]))

        # Call the Lambdas rather than read .expr: sympy stores Lambda(mu, mu)
        # as the identity function with its own dummy variable.
        mean_function = sp.Lambda(theta, form.mean_function(theta).subs(fixed))
        self.closed_form = form.canonical_link is not None
        if self.closed_form:
            self.canonical_link = DerivedLink(sp.Lambda(mu, form.canonical_link(mu).subs(fixed)), mean_function)
        else:
            psi = form.params[0]
            start = sp.N(form.theta.subs(psi, _test_value(psi, 0, 1)).subs(fixed))
            self.canonical_link = NumericCanonicalLink(mean_function, float(start))
        super().__init__(link)

        if self.closed_form:
            variance = form.variance_function(mu).subs(fixed)
            self._variance = _lambdify(mu, variance)
            self._variance_deriv = _lambdify(mu, sp.diff(variance, mu))

            # l(t; mu) per unit dispersion, through the textbook parameter psi
            # (tidier logs than going through theta), then the deviance against l(t; t).
            psi = form.params[0]
            loglik = t * form.theta.subs(psi, form.params_of_mu) - form.b_of_params.subs(psi, form.params_of_mu)
            loglik = sp.expand(sp.expand_log(loglik.subs(fixed), force=True), force=True)
            self.unit_deviance_expr = sp.simplify(2 * (loglik.subs(mu, t) - loglik)).subs(t, sp.Symbol("y"))
            self._unit_deviance = _lambdify((t, mu), _xlogy_safe(2 * (loglik.subs(mu, t) - loglik)))
        else:
            # V(mu) = b''(g(mu)) and the deviance through theta = g(mu), numerically.
            b_theta = form.b.subs(fixed)
            self._b = _lambdify_accurate(theta, b_theta)
            self._b2 = _lambdify_accurate(theta, sp.diff(b_theta, theta, 2))
            self._b3 = _lambdify_accurate(theta, sp.diff(b_theta, theta, 3))
            self.unit_deviance_expr = None
        self._log_density = self._build_log_density(form, fixed, t)

    def _build_log_density(self, form: NaturalForm, fixed: dict, t: sp.Dummy) -> Callable:
        """``log p(y)`` as a numeric function of ``(T(y), mu, scale)``.

        Without a closed-form ``psi(mu)`` it is built in ``theta`` and called
        with ``theta = g(mu)`` from the numeric canonical link.
        """
        y, psi = form.y[0], form.params[0]
        scale = sp.Dummy("scale", positive=True)
        if self.closed_form:
            mu, psi_of = form.mu_symbol, form.params_of_mu
        else:
            mu, psi_of = form.theta_symbol, form.params_of_theta
        log_density = form.log_density.subs(psi, psi_of).subs(fixed)
        if form.dispersion_symbol is not None:
            # phi(symbol) = scale, solved for the symbol on its positive branch.
            point = sp.Rational(3, 7)
            roots = [r for r in sp.solve(sp.Eq(form.dispersion, scale), form.dispersion_symbol)
                     if _numeric_close(form.dispersion.subs(form.dispersion_symbol, r.subs(scale, point)), point)
                     and sp.N(r.subs(scale, point)).is_positive]
            log_density = log_density.subs(form.dispersion_symbol, roots[0])
        if form.T != y:
            point = sp.Rational(3, 7)
            roots = [r for r in sp.solve(sp.Eq(form.T.subs(fixed), t), y)
                     if sp.N(r.subs(t, point)).is_real and sp.N(r.subs(t, point)) > 0]
            if not roots:
                raise ValueError(f"cannot recover y from T(y) = {form.T}")
            log_density = log_density.subs(y, roots[0])
        else:
            log_density = log_density.subs(y, t)
        # Forcing the split of logs would bring back the log of a negative
        # number that natural_form took out of b (the log series); the numeric
        # path's terms are already split, so it does without.
        log_density = _loggamma_form(
            sp.expand(sp.expand_log(log_density, force=self.closed_form), force=self.closed_form)
        )
        function = _lambdify((t, mu, scale), _xlogy_safe(log_density))
        if self.closed_form:
            return function
        return lambda t_values, mu_values, scale_value: function(t_values, self.canonical_link.link(mu_values),
                                                                 scale_value)

    def __repr__(self) -> str:
        return f"DerivedFamily({self.name!r}, link={self.link.name!r})"

    def variance(self, mu):
        if self.closed_form:
            return self._variance(mu)
        return self._b2(self.canonical_link.link(mu))

    def variance_deriv(self, mu):
        if self.closed_form:
            return self._variance_deriv(mu)
        theta = self.canonical_link.link(mu)
        return self._b3(theta) / self._b2(theta)

    def unit_deviance(self, y, mu):
        if self.closed_form:
            return self._unit_deviance(y, mu)
        # 2 [b*(t) - (t g(mu) - b(g(mu)))] with b* the convex conjugate of b; a
        # response on a bound of the support (the log series' y = 1) has b*(t)
        # as a limit, reached here by moving t inside the support by 1e-12.
        y = np.asarray(y, dtype=float)
        low, high = self.mean_bounds
        inside = y
        if low is not None:
            inside = np.maximum(inside, low + 1e-12 * (1.0 + abs(low)))
        if high is not None:
            inside = np.minimum(inside, high - 1e-12 * (1.0 + abs(high)))
        link = self.canonical_link.link
        theta_y, theta_mu = link(inside), link(mu)
        with np.errstate(all="ignore"):
            deviance = 2.0 * (y * theta_y - self._b(theta_y) - y * theta_mu + self._b(theta_mu))
        return np.maximum(deviance, 0.0)

    def loglike(self, y, mu, weights, scale=1.0):
        positive = weights > 0
        terms = self._log_density(y[positive], mu[positive], scale)
        return float(np.sum(weights[positive] * terms))

    def aic_scale(self, deviance, weights):
        # The maximum-likelihood-like dispersion R's Gamma and inverse Gaussian use.
        return deviance / np.sum(weights) if self.estimated_dispersion else 1.0

    def check_response(self, y, weights):
        super().check_response(y, weights)
        self._reject(~self._in_support(y), y, f"responses T(y) in {self.support}")

    def starting_mu(self, y, weights):
        low, high = self.mean_bounds
        if low is not None and high is not None:
            # Halfway towards the middle, as R's binomial starts (y + 0.5) / 2.
            return (y + 0.5 * (low + high)) / 2.0
        mu = y.astype(float).copy()
        if low is not None:
            mu[mu <= low] = low + 0.1
        if high is not None:
            mu[mu >= high] = high - 0.1
        return mu
