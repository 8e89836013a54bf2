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


# Distances computed from X'WX carry rounding of order sqrt(2^-53) times a factor that grows with the
# rows summed (about 1e-8 to 1e-7 here), so below this relative distance the Gram matrix cannot tell
# an aliased column from a nearly aliased one, and a QR of sqrt(W) X decides (numpy data only).
_GRAM_RESOLUTION = 1e-4


def find_aliased_columns(X: np.ndarray, weights: np.ndarray | None, tol: float = _RANK_TOL,
                         gram: np.ndarray | None = None) -> list[int]:
    """Indices of columns that are (numerically) linear combinations of earlier ones.

    R declares column j aliased when, in the QR decomposition of ``sqrt(W) X``,
    ``|R_jj|`` falls below ``tol`` times the column's norm: the column's
    distance from the span of the earlier ones, relative to its length. The
    same ``R`` is the Cholesky factor of ``X' W X``, so the check is first done
    on that p x p matrix (pass it as ``gram`` if you have it), one column at a
    time, without copying X. Distances from ``X' W X`` are only accurate to
    about 1e-8 of the length, so when one comes out below ``_GRAM_RESOLUTION``
    and X is in memory, a QR of ``sqrt(W) X`` (block by block, ``weights`` the
    prior weights, None for all ones) decides instead. Like R, the later of
    two collinear columns is the one reported.
    """
    gram = weighted_gram(X, weights) if gram is None else gram
    distances = _gram_distances(gram)
    if distances.min() < _GRAM_RESOLUTION and isinstance(X, np.ndarray):
        distances = _qr_distances(X, weights)
    return [j for j, distance in enumerate(distances) if distance <= tol]


def _gram_distances(gram: np.ndarray) -> np.ndarray:
    """Each column's distance from the span of the earlier non-aliased ones, relative to its length, from X'WX."""
    p = gram.shape[0]
    squared_norms = np.diag(gram).copy()
    factor = np.zeros_like(gram)  # upper-triangular R of the kept columns
    kept: list[int] = []
    distances = np.zeros(p)
    for j in range(p):
        if kept:
            k = len(kept)
            projection = linalg.solve_triangular(factor[:k, :k], gram[kept, j], trans="T", check_finite=False)
            residual = squared_norms[j] - projection @ projection
        else:
            projection, residual = np.empty(0), squared_norms[j]
        if squared_norms[j] <= 0:
            continue
        distances[j] = np.sqrt(max(residual, 0.0) / squared_norms[j])
        if distances[j] <= _RANK_TOL:
            continue  # aliased: the later columns are measured against the kept ones only
        k = len(kept)
        factor[:k, k] = projection
        factor[k, k] = np.sqrt(residual)
        kept.append(j)
    return distances


def _qr_distances(X: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """The relative distances |R_jj| / ||x_j|| of the QR of sqrt(W) X, its R built block by block.

    Stacking R on the next block and refactoring keeps memory at one block;
    the columns' norms are those of R's columns (Q is orthogonal).
    """
    n, p = X.shape
    R = np.zeros((0, p))
    for start in range(0, n, _BLOCK_ROWS):
        block = X[start : start + _BLOCK_ROWS]
        if weights is not None:
            block = block * np.sqrt(weights[start : start + _BLOCK_ROWS])[:, None]
        R = linalg.qr(np.vstack([R, block]), mode="r", check_finite=False)[0][:p]
    norms = np.sqrt(np.sum(R**2, axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, np.abs(np.diag(R)) / norms, 0.0)


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
