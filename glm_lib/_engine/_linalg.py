"""Linear algebra shared by the solvers and the models: X'WX in row blocks, rank checks.

The weighted Gram matrix ``X' W X`` is formed in row blocks (so no N x N or
``diag(w)`` matrix and only a block-sized copy of X exists) and solved by
Cholesky; nothing is inverted explicitly.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

_BLOCK_ROWS = 1 << 15  # rows per block when forming X'WX: bounded extra memory


# R's lm tolerance for the pivoted QR. R's glm.fit uses min(1e-7, epsilon / 1000) = 1e-11, which a
# check on X'WX (squared residuals, compared with tol^2) cannot resolve in double precision.
_RANK_TOL = 1e-7


def weighted_gram(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Return ``X' diag(weights) X`` without forming ``diag(weights)``.

    Rows are processed in blocks so the temporary copy stays small; each
    block's ``B' B`` is a symmetric rank-k update in BLAS.

    Parameters
    ----------
    X : ndarray of shape (n, p)
    weights : ndarray of shape (n,)

    Returns
    -------
    ndarray of shape (p, p)
    """
    n, p = X.shape
    gram = np.zeros((p, p))
    if np.all(weights >= 0):
        # B'B with B = sqrt(w) X is a symmetric rank-k update: half the flops.
        root = np.sqrt(weights)
        for start in range(0, n, _BLOCK_ROWS):
            block = X[start : start + _BLOCK_ROWS] * root[start : start + _BLOCK_ROWS, None]
            gram += block.T @ block
    else:
        # Newton's observed weights can be negative for some rows.
        for start in range(0, n, _BLOCK_ROWS):
            block = X[start : start + _BLOCK_ROWS]
            gram += (block * weights[start : start + _BLOCK_ROWS, None]).T @ block
    return gram


def find_aliased_columns(X: np.ndarray, weights: np.ndarray, tol: float = _RANK_TOL, gram: np.ndarray | None = None) -> list[int]:
    """Indices of columns that are (numerically) linear combinations of earlier ones.

    R's ``glm.fit`` declares column j aliased when, in the QR decomposition of
    ``sqrt(W) X``, ``|R_jj|`` falls below ``tol`` times the column's norm, and
    moves it to the end. The same ``R`` is the Cholesky factor of ``X' W X``, so
    the check is done on that p x p matrix (pass it as ``gram`` if you have
    it), one column at a time, without copying X. Like R, the later of two
    collinear columns is the one reported.
    """
    gram = weighted_gram(X, weights) if gram is None else gram
    squared_norms = np.diag(gram).copy()
    factor = np.zeros_like(gram)  # upper-triangular R of the kept columns
    kept: list[int] = []
    aliased: list[int] = []
    for j in range(X.shape[1]):
        if kept:
            k = len(kept)
            projection = linalg.solve_triangular(factor[:k, :k], gram[kept, j], trans="T", check_finite=False)
            residual = squared_norms[j] - projection @ projection
        else:
            projection, residual = np.empty(0), squared_norms[j]
        if squared_norms[j] <= 0 or residual <= (tol**2) * squared_norms[j]:
            aliased.append(j)
            continue
        k = len(kept)
        factor[:k, k] = projection
        factor[k, k] = np.sqrt(residual)
        kept.append(j)
    return aliased


def _describe_aliasing(X: np.ndarray, names: list[str], aliased: list[int], gram: np.ndarray | None = None) -> str:
    """Each aliased column as a combination of the kept ones (at most five).

    With ``gram`` (X'WX, positive weights) the combination comes from its kept
    block, which needs no pass over X (data that stay on a dask cluster).
    """
    kept = [j for j in range(X.shape[1]) if j not in aliased]
    parts = []
    for j in aliased[:5]:
        if gram is not None:
            coef = linalg.solve(gram[np.ix_(kept, kept)], gram[kept, j], assume_a="pos")
        else:
            coef, *_ = np.linalg.lstsq(X[:, kept], X[:, j], rcond=None)
        terms = [f"{c:+.3g}*{names[k]}" for c, k in zip(coef, kept) if abs(c) > 1e-8]
        parts.append(f"{names[j]} = {' '.join(terms) if terms else '0'}")
    return "; ".join(parts)


def _cholesky_solve(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    factor = linalg.cho_factor(gram, lower=False, check_finite=False)
    return linalg.cho_solve(factor, rhs, check_finite=False)
