"""Random-effects terms of a mixed model, and the blocked Cholesky factor both engines share.

Notation (Bates et al. 2015, *Fitting linear mixed-effects models using lme4*,
J. Stat. Softw. 67(1)): the linear predictor is ``eta = X beta + Z b + offset``
with ``b = Lambda_theta u`` and spherical ``u ~ N(0, sigma^2 I)`` (for a GLMM,
``sigma = 1``). Each random term ``(expr | g)`` contributes ``k`` columns per
level of ``g`` (``expr``'s model matrix times the indicator of the level),
level by level, and a block ``I_levels (x) T`` of the relative covariance
factor ``Lambda_theta``; ``T`` is ``k x k`` lower triangular and ``theta``
lists its lower triangle column by column, as lme4 does. The terms are put in
lme4's order (decreasing number of levels) so that ``theta`` matches
``getME(fit, "theta")``.

The penalised least-squares system
``[[Lambda' Z' W Z Lambda + I, Lambda' Z' W X], [X' W Z Lambda, X' W X]]``
is factored blockwise: the first term's block is block diagonal (its levels
never share a row), so it is factored level by level (a batch of ``k x k``
Choleskys), and its Schur complement, the other terms' random effects and the
fixed effects (plus the response, the *augmented* system whose last Cholesky
entry is the square root of the penalised residual sum of squares), is dense
and small. Nothing of size ``n x n`` is formed; cross products are sparse
(``scipy.sparse``).
"""

from __future__ import annotations

import contextlib
import functools
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from formulaic import model_matrix
from scipy import linalg, sparse

from .._formula._formula import R_CONTEXT
from .._model._validation import first_rows

__all__ = ["RandomTerm", "RandomStructure", "split_formula", "build_structure", "BlockedCholesky", "small_blas"]


def small_blas():
    """A context in which BLAS runs on one thread, when threadpoolctl is installed.

    The engine factors many small matrices; a multi-threaded BLAS spends more
    time waking its threads than computing, and on a busy machine each
    Cholesky of a 200 x 200 matrix was measured 100 times slower.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up (not in Binder's lean environment)
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def with_small_blas(function):
    """Run ``function`` inside :func:`small_blas`."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with small_blas():
            return function(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------
# Parsing lme4's bar terms
# --------------------------------------------------------------------------
def _top_level_groups(rhs: str) -> list[tuple[int, int]]:
    """Spans of the parenthesised groups at depth 0 of ``rhs``."""
    spans, depth, start = [], 0, None
    for i, char in enumerate(rhs):
        if char == "(":
            if depth == 0:
                start = i
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise ValueError(f"formula: unbalanced parentheses in {rhs!r}")
            if depth == 0:
                spans.append((start, i + 1))
    if depth:
        raise ValueError(f"formula: unbalanced parentheses in {rhs!r}")
    return spans


def _bar_position(inner: str) -> int:
    depth = 0
    for i, char in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            return i
    return -1


def split_formula(formula: str) -> tuple[str, list[tuple[str, str]]]:
    """Split an lme4 formula into its fixed-effects formula and its ``(expr | grouping)`` terms.

    ``(expr | g/h)`` becomes ``(expr | g)`` and ``(expr | g:h)``, as lme4
    expands it. ``||`` (uncorrelated terms) is refused with advice.
    """
    if formula.count("~") != 1:
        raise ValueError(f"formula needs one '~' between the response and the terms, got {formula!r}")
    lhs, rhs = formula.split("~")
    terms: list[tuple[str, str]] = []
    pieces, last = [], 0
    for start, end in _top_level_groups(rhs):
        inner = rhs[start + 1:end - 1]
        bar = _bar_position(inner)
        if bar < 0:
            continue
        if inner[bar + 1:bar + 2] == "|":
            raise ValueError(
                f"formula: {rhs[start:end]!r} uses '||' (uncorrelated random effects); write the terms "
                "separately, e.g. (1 | g) + (0 + x | g)"
            )
        expr, grouping = inner[:bar].strip(), inner[bar + 1:].strip()
        if not expr or not grouping:
            raise ValueError(f"formula: {rhs[start:end]!r} needs an expression on each side of '|', as in (1 | g)")
        parts = [p.strip() for p in grouping.split("/")]
        if not all(re.fullmatch(r"[A-Za-z_.][\w.]*(\s*:\s*[A-Za-z_.][\w.]*)*", p) for p in parts):
            raise ValueError(
                f"formula: the grouping {grouping!r} in {rhs[start:end]!r} must be column names joined by "
                "':' (interaction) or '/' (nesting)"
            )
        name = ""
        for part in parts:  # lme4's expandSlash: a/b/c is a, b:a and c:(b:a)
            part = re.sub(r"\s+", "", part)
            name = part if not name else f"{part}:({name})" if ":" in name else f"{part}:{name}"
            terms.append((expr, name))
        pieces.append(rhs[last:start])
        last = end
    pieces.append(rhs[last:])
    fixed = "".join(pieces)
    # Remove the '+' signs left dangling by the removed terms.
    fixed = re.sub(r"\+\s*(?=\+|$)", "", fixed.strip())
    fixed = re.sub(r"^\s*\+", "", fixed).strip()
    fixed = re.sub(r"\+\s*\+", "+", fixed)
    if not terms:
        raise ValueError(
            f"formula {formula!r} has no random-effects term; add one in lme4's syntax, e.g. (1 | group), "
            "or fit the model with gl.glm"
        )
    return f"{lhs.strip()} ~ {fixed or '1'}", terms


# --------------------------------------------------------------------------
# The terms and Z
# --------------------------------------------------------------------------
@dataclass
class RandomTerm:
    """One ``(expr | group)`` term.

    Attributes
    ----------
    expr, group : str
        As written (``group`` may be ``"g:h"``).
    columns : list of str
        Names of the ``k`` random-effect columns (``"(Intercept)"``, ``"Days"``).
    levels : pandas.Index
        The levels of the grouping factor, in lme4's order.
    codes : ndarray of int
        The level of each row.
    matrix : ndarray, shape (n, k)
        The term's model matrix.
    spec : object
        formulaic's model spec, to build the matrix for new data.
    """

    expr: str
    group: str
    columns: list[str]
    levels: pd.Index
    codes: np.ndarray
    matrix: np.ndarray
    spec: object = field(repr=False)

    @property
    def k(self) -> int:
        return len(self.columns)

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @property
    def n_theta(self) -> int:
        return self.k * (self.k + 1) // 2


def _grouping_codes(data: pd.DataFrame, group: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and levels of the grouping factor ``g`` or ``g:h`` (levels in R's ``g:h`` order)."""
    names = group.replace("(", "").replace(")", "").split(":")
    for name in names:
        if name not in data.columns:
            raise ValueError(f"formula: the grouping column {name!r} (in '| {group}') is not a column of data")
        if data[name].isna().any():
            raise ValueError(f"the grouping column {name!r} has missing values at {first_rows(data[name].isna().to_numpy())}")
    if len(names) == 1:
        column = data[names[0]]
        if isinstance(column.dtype, pd.CategoricalDtype):
            used = column.cat.remove_unused_categories()
            return used.cat.codes.to_numpy().astype(np.int64), pd.Index(used.cat.categories.astype(str), name=group)
        codes, labels = pd.factorize(column, sort=True)
        return codes.astype(np.int64), pd.Index([str(v) for v in labels], name=group)
    parts = []
    for name in names:
        column = data[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            parts.append((column.cat.codes.to_numpy(), [str(v) for v in column.cat.categories]))
        else:
            codes, labels = pd.factorize(column, sort=True)
            parts.append((codes, [str(v) for v in labels]))
    combined = np.zeros(len(data), dtype=np.int64)
    for codes, labels in parts:
        combined = combined * len(labels) + codes
    used, codes = np.unique(combined, return_inverse=True)
    labels = []
    for value in used:
        pieces = []
        for _, names_ in reversed(parts):
            value, position = divmod(int(value), len(names_))
            pieces.append(names_[position])
        labels.append(":".join(reversed(pieces)))
    return codes.astype(np.int64), pd.Index(labels, name=group)


def _term_matrix(expr: str, data: pd.DataFrame):
    try:
        matrix = model_matrix(expr.replace("^", "**"), data, na_action="raise", context=R_CONTEXT)
    except Exception as exc:
        raise ValueError(f"could not build the random-effects design of {expr!r}: {exc}") from None
    columns = ["(Intercept)" if c == "Intercept" else str(c) for c in matrix.columns]
    if not columns:
        raise ValueError(f"the random-effects expression {expr!r} has no columns")
    return np.asarray(matrix, dtype=float), columns, matrix.model_spec


def term_matrix_for(term: RandomTerm, data: pd.DataFrame) -> np.ndarray:
    """The term's model matrix on new data."""
    return np.asarray(term.spec.get_model_matrix(data, na_action="raise", context=R_CONTEXT), dtype=float)


@dataclass
class RandomStructure:
    """All random terms, Z (sparse, n x q) and how theta fills Lambda."""

    terms: list[RandomTerm]
    Z: sparse.csc_matrix
    offsets: np.ndarray  # first column of each term in Z, plus q at the end
    theta_slices: list[slice]

    @property
    def q(self) -> int:
        return int(self.offsets[-1])

    @property
    def n_theta(self) -> int:
        return self.theta_slices[-1].stop

    def lower_bounds(self) -> np.ndarray:
        bounds = []
        for term in self.terms:
            for j in range(term.k):
                for i in range(j, term.k):
                    bounds.append(0.0 if i == j else -np.inf)
        return np.array(bounds)

    def theta_start(self) -> np.ndarray:
        return np.where(self.lower_bounds() == 0.0, 1.0, 0.0)

    def factors(self, theta: np.ndarray) -> list[np.ndarray]:
        """The ``k x k`` lower-triangular ``T`` of each term."""
        out = []
        for term, where in zip(self.terms, self.theta_slices):
            T = np.zeros((term.k, term.k))
            values = theta[where]
            position = 0
            for j in range(term.k):
                for i in range(j, term.k):
                    T[i, j] = values[position]
                    position += 1
            out.append(T)
        return out

    def rows(self, theta: np.ndarray) -> list[np.ndarray]:
        """``matrix_t @ T_t`` per term: the rows of ``Z Lambda`` (see :func:`weighted_cross_products`)."""
        return [term.matrix @ T for term, T in zip(self.terms, self.factors(theta))]

    def times_u(self, rows: list[np.ndarray], u: np.ndarray) -> np.ndarray:
        """``Z Lambda u`` from the rows of :meth:`rows`."""
        out = np.zeros(rows[0].shape[0])
        for t, (term, V) in enumerate(zip(self.terms, rows)):
            U = u[self.offsets[t]:self.offsets[t + 1]].reshape(term.n_levels, term.k)
            out += np.einsum("nk,nk->n", V, U[term.codes])
        return out

    def factor(self, theta: np.ndarray, weights: np.ndarray, extra: np.ndarray, rows=None,
               pad_last: float = 0.0) -> "BlockedCholesky":
        """The blocked factor of the augmented system at ``theta`` with row weights ``weights``.

        ``pad_last`` is added to the last diagonal entry (the response's), which
        keeps it positive when only the solution, not the residual, is wanted.
        """
        rows = self.rows(theta) if rows is None else rows
        blocks, cross, rest = weighted_cross_products(self, rows, weights, extra)
        rest[-1, -1] += pad_last
        return BlockedCholesky(blocks, cross, rest).set_q_rest(self.q - self.offsets[1])

    def lambda_matrix(self, theta: np.ndarray) -> sparse.csr_matrix:
        blocks = [sparse.kron(sparse.identity(term.n_levels, format="csr"), sparse.csr_matrix(T), format="csr")
                  for term, T in zip(self.terms, self.factors(theta))]
        return sparse.block_diag(blocks, format="csr")

    def theta_names(self) -> list[str]:
        names = []
        for term in self.terms:
            for j in range(term.k):
                for i in range(j, term.k):
                    a, b = term.columns[i], term.columns[j]
                    names.append(f"{term.group}.{a}" if i == j else f"{term.group}.{a}.{b}")
        return names


def build_structure(terms: list[tuple[str, str]], data: pd.DataFrame) -> RandomStructure:
    """Build every term's matrix and grouping, order the terms as lme4 does, and assemble Z."""
    built = []
    for expr, group in terms:
        codes, levels = _grouping_codes(data, group)
        matrix, columns, spec = _term_matrix(expr, data)
        if matrix.shape[0] != len(data):
            raise ValueError(f"the random-effects expression {expr!r} gave {matrix.shape[0]} rows, not {len(data)}")
        built.append(RandomTerm(expr, group, columns, levels, codes, matrix, spec))
    n_levels = np.array([t.n_levels for t in built])
    if np.any(np.diff(n_levels) > 0):  # lme4's mkReTrms: rev(order(nl))
        order = np.argsort(n_levels, kind="stable")[::-1]
        built = [built[i] for i in order]
    n = len(data)
    for term in built:
        if term.n_levels < 2:
            raise ValueError(
                f"the grouping factor {term.group!r} has a single level: its variance cannot be estimated; "
                "drop the term"
            )
    blocks, offsets, slices, position, t0 = [], [0], [], 0, 0
    for term in built:
        rows = np.repeat(np.arange(n), term.k)
        cols = (term.codes[:, None] * term.k + np.arange(term.k)[None, :]).ravel()
        blocks.append(sparse.csc_matrix((term.matrix.ravel(), (rows, cols)), shape=(n, term.n_levels * term.k)))
        position += term.n_levels * term.k
        offsets.append(position)
        slices.append(slice(t0, t0 + term.n_theta))
        t0 += term.n_theta
    Z = sparse.hstack(blocks, format="csc")
    return RandomStructure(built, Z, np.array(offsets), slices)


# --------------------------------------------------------------------------
# The blocked Cholesky factor
# --------------------------------------------------------------------------
def weighted_cross_products(structure: "RandomStructure", rows: list[np.ndarray], weights: np.ndarray,
                            extra: np.ndarray, add_identity: bool = True):
    """The pieces of the augmented matrix, by ``np.bincount`` over rows (no sparse objects, no n x n).

    ``rows[t]`` is ``matrix_t @ T_t`` (``n x k_t``): row ``i`` of ``Z Lambda``
    within term ``t``, at the columns of level ``codes_t[i]``. ``extra`` holds
    the dense columns (fixed effects, response). Returns ``(blocks, cross,
    rest)``: the first term's diagonal blocks of ``Lambda' Z' W Z Lambda``
    (``m1 x k1 x k1``, without ``+ I``), its cross block with everything else
    (``q1 x (q_rest + c)``) and the dense rest (``(q_rest + c)`` square,
    with ``+ I`` on the random-effects part).
    """
    terms = structure.terms
    first, V1, c1 = terms[0], rows[0], terms[0].codes
    m1, k1 = first.n_levels, first.k
    q1 = m1 * k1
    qr = structure.q - q1
    c = extra.shape[1]
    size = qr + c
    wV1 = V1 * weights[:, None]
    index = (c1[:, None, None] * (k1 * k1) + np.arange(k1 * k1).reshape(1, k1, k1)).ravel()
    blocks = np.bincount(index, (wV1[:, :, None] * V1[:, None, :]).ravel(), minlength=m1 * k1 * k1).reshape(m1, k1, k1)
    # Everything else as one n x (columns) "row pattern": (column index, value) pairs per row.
    other_cols, other_vals = [], []
    for t in range(1, len(terms)):
        term = terms[t]
        start = structure.offsets[t] - q1
        other_cols.append(start + term.codes[:, None] * term.k + np.arange(term.k)[None, :])
        other_vals.append(rows[t])
    other_cols.append(np.broadcast_to(qr + np.arange(c)[None, :], (extra.shape[0], c)))
    other_vals.append(extra)
    cols = np.hstack(other_cols)  # n x r
    vals = np.hstack(other_vals)
    row1 = c1[:, None] * k1 + np.arange(k1)[None, :]  # n x k1
    index = (row1[:, :, None] * size + cols[:, None, :]).ravel()
    cross = np.bincount(index, (wV1[:, :, None] * vals[:, None, :]).ravel(), minlength=q1 * size).reshape(q1, size)
    wvals = vals * weights[:, None]
    index = (cols[:, :, None] * size + cols[:, None, :]).ravel()
    rest = np.bincount(index, (wvals[:, :, None] * vals[:, None, :]).ravel(), minlength=size * size).reshape(size, size)
    if add_identity:
        rest[np.arange(qr), np.arange(qr)] += 1.0
    return blocks, cross, rest


def scale_cross_products(structure: "RandomStructure", theta: np.ndarray, raw):
    """Apply ``Lambda_theta`` to cross products formed once with ``T = I`` (the linear model's case).

    ``raw`` is :func:`weighted_cross_products` of the terms' own matrices
    (``add_identity=False``); the result equals it evaluated at ``theta``, at
    a cost free of the number of rows.
    """
    blocks, cross, rest = raw
    factors = structure.factors(theta)
    T1 = factors[0]
    q1 = structure.offsets[1]
    m1, k1 = blocks.shape[0], blocks.shape[1]
    blocks = T1.T @ blocks @ T1
    cross = (T1.T @ cross.reshape(m1, k1, -1)).reshape(q1, -1)

    def right(M):
        M = M.copy()
        for t in range(1, len(structure.terms)):
            term, T = structure.terms[t], factors[t]
            a, b = structure.offsets[t] - q1, structure.offsets[t + 1] - q1
            M[:, a:b] = (M[:, a:b].reshape(M.shape[0], term.n_levels, term.k) @ T).reshape(M.shape[0], -1)
        return M

    cross = right(cross)
    rest = right(right(rest).T).T
    qr = structure.q - q1
    rest[np.arange(qr), np.arange(qr)] += 1.0
    return blocks, cross, rest


class BlockedCholesky:
    """Cholesky factor of the augmented penalised least-squares matrix.

    The matrix is ``[[A, B], [B', C]]`` with ``A = Lambda' Z' W Z Lambda + I``
    (``q x q``), ``B`` the cross products of ``Z Lambda`` with the extra
    columns (the fixed effects and last the response) and ``C`` their own
    cross products. The first ``q1 = m k`` rows of ``A`` are block diagonal
    with ``m`` blocks of ``k x k``; the pieces come from
    :func:`weighted_cross_products`.

    Attributes
    ----------
    L1 : ndarray (m, k, k)
        Cholesky factors of the diagonal blocks.
    G : ndarray (q1, c')
        ``L1^{-1}`` times the cross block to everything else.
    LS : ndarray (c', c')
        Cholesky factor of the Schur complement (the other random effects,
        then the extra columns); ``c' = q - q1 + c``.
    """

    def __init__(self, blocks: np.ndarray, cross: np.ndarray, rest: np.ndarray):
        m, k, _ = blocks.shape
        self.m, self.k, self.q1 = m, k, m * k
        self.q = self.q1  # set with the other terms' size by set_q_rest
        blocks = blocks + np.eye(k)[None, :, :]
        if k == 1:
            L1 = np.sqrt(blocks)
            G = cross / L1[:, 0, :]
        else:
            L1 = np.linalg.cholesky(blocks)
            G = _batched_lower_solve(L1, cross.reshape(m, k, -1)).reshape(self.q1, -1)
        self.L1, self.G = L1, G
        self.LS = linalg.cholesky(rest - G.T @ G, lower=True, check_finite=False)
        self._q_rest = None

    def set_q_rest(self, q_rest: int) -> "BlockedCholesky":
        self._q_rest = q_rest
        self.q = self.q1 + q_rest
        return self

    @property
    def q_rest(self) -> int:
        return self._q_rest

    def logdet_random(self) -> float:
        """``log |L_theta|^2`` of the random-effects part."""
        d1 = np.log(np.diagonal(self.L1, axis1=1, axis2=2)).sum()
        d2 = np.log(np.diag(self.LS)[: self.q_rest]).sum()
        return 2.0 * float(d1 + d2)

    def logdet_fixed(self, p: int) -> float:
        """``log |R_X|^2``: the fixed-effects block."""
        return 2.0 * float(np.log(np.diag(self.LS)[self.q_rest:self.q_rest + p]).sum())

    def last_square(self) -> float:
        """The square of the last diagonal entry: the penalised residual sum of squares."""
        return float(self.LS[-1, -1] ** 2)

    def solve_coefficients(self, n_extra: int) -> tuple[np.ndarray, np.ndarray]:
        """Solve for ``u`` and the first ``n_extra`` extra columns' coefficients (the response is last).

        Returns ``(u, beta)`` from back substitution in the augmented factor.
        """
        size = self.q_rest + n_extra
        LS = self.LS
        rhs = LS[-1, :size]
        upper = LS[:size, :size].T
        second = linalg.solve_triangular(upper, rhs, lower=False) if size else np.zeros(0)
        # first block: L1' u1 = g_y - G[:, :size] @ second, with g_y the response column of G
        g_y = self.G[:, -1] - self.G[:, :size] @ second
        if self.k == 1:
            u1 = g_y / self.L1[:, 0, 0]
        else:
            u1 = _batched_upper_solve_transposed(self.L1, g_y.reshape(self.m, self.k)).ravel()
        u = np.r_[u1, second[: self.q_rest]]
        return u, second[self.q_rest:]

    def fixed_factor(self, p: int) -> np.ndarray:
        """The lower-triangular ``R_X'`` (``p x p``): ``cov(beta) = sigma^2 (R_X' R_X)^{-1}``."""
        return self.LS[self.q_rest:self.q_rest + p, self.q_rest:self.q_rest + p]

    def random_inverse_blocks(self, structure: RandomStructure) -> list[np.ndarray]:
        """Diagonal blocks of ``(Lambda' Z' W Z Lambda + I)^{-1}`` per term and level: (levels, k, k) arrays.

        Only the random-effects part of the factor is used (conditional on beta, as lme4's ``condVar``).
        """
        qr = self.q_rest
        L2 = self.LS[:qr, :qr]
        # The first term: D^{-1} + H H' blockwise, with H = L1^{-T} G2 L2^{-T}.
        eye_k = np.broadcast_to(np.eye(self.k), (self.m, self.k, self.k))
        L1_inv = _batched_lower_solve(self.L1, eye_k)  # (m, k, k) triangular solves of k x k blocks
        D_inv = np.einsum("mji,mjl->mil", L1_inv, L1_inv)
        out = []
        if qr:
            G2 = self.G[:, :qr]
            H = linalg.solve_triangular(L2, G2.T, lower=True).T  # G2 L2^{-T}  (q1 x qr)
            H = np.einsum("mji,mjc->mic", L1_inv, H.reshape(self.m, self.k, qr))  # L1^{-T} (...)
            D_inv = D_inv + np.einsum("mic,mjc->mij", H, H)
            rest = linalg.cho_solve((L2, True), np.eye(qr))
        out.append(D_inv)
        for t, term in enumerate(structure.terms[1:], start=1):
            start = structure.offsets[t] - self.q1
            size = term.n_levels * term.k
            sub = rest[start:start + size, start:start + size]
            idx = np.arange(term.n_levels)[:, None] * term.k + np.arange(term.k)[None, :]
            out.append(sub[idx[:, :, None], idx[:, None, :]])
        return out


def _batched_lower_solve(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Forward substitution ``L x = b`` for a batch of small lower-triangular ``L`` (m, k, k)."""
    m, k, _ = L.shape
    x = np.empty(np.broadcast_shapes(b.shape, (m, k, b.shape[-1])))
    for i in range(k):
        x[:, i, :] = (b[:, i, :] - (L[:, i, None, :i] @ x[:, :i, :])[:, 0, :]) / L[:, i, i][:, None]
    return x


def _batched_upper_solve_transposed(L: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Back substitution ``L' x = b`` for a batch (m, k, k) of lower-triangular ``L`` and b (m, k)."""
    m, k, _ = L.shape
    x = np.empty((m, k))
    for i in range(k - 1, -1, -1):
        x[:, i] = (b[:, i] - np.einsum("mj,mj->m", L[:, i + 1:, i], x[:, i + 1:])) / L[:, i, i]
    return x
