"""Row-sum backends: where the sums of an IRLS step are computed.

One IRLS step needs, at the current coefficients, only a p x p matrix and a few
p-vectors and scalars, each a sum over rows: ``X'WX``, ``X'Wz``, the score
``X'W r`` (``r`` the working residual) and the deviance. :func:`row_sums`
computes them for one block of rows in a single sweep -- the linear predictor,
means, working weights, deviance and the partial sums, while the block is in
cache -- and a backend adds the blocks up:

- :class:`NumpyBackend` walks an in-memory array in cache-sized row blocks;
- :class:`glm_lib._engine._dask.DaskBackend` maps :func:`row_sums` over the row
  chunks of dask arrays and reduces the partial sums on the cluster.

The IRLS loop itself (:func:`glm_lib._engine._irls.fisher_scoring`) is written once
and only asks a backend for these sums, so both backends take the same steps.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from .._model._families import Binomial, Family, Poisson
from .._model._links import Identity, Log, Logit
from ._linalg import weighted_gram

__all__ = ["RowSums", "row_sums", "NumpyBackend", "rowwise", "rowsum", "is_dask", "block_family"]

# Rows per block: 8192 rows x 20 columns x 8 bytes = 1.25 MiB, about a core's L2
# cache, so the block is read from memory once per step and reused from cache
# (measured: 8192 beats 2048-4096 and 16384 at p = 20; 32768 is several times slower).
_BLOCK_ROWS = 8192


@dataclass
class RowSums:
    """The sums over rows one IRLS step needs, at one point (``eta``, ``mu``).

    ``gram`` is ``X'WX``, ``rhs`` is ``X'Wz`` (``z = eta - offset + r``),
    ``score`` is ``X'W r`` (``r = (y - mu) / mu'(eta)``, so this is the score
    times the dispersion), ``observed`` the observed information's ``X'W_obs X``
    when Newton's method asked for it. ``eta``, ``mu`` and ``working_weights``
    are the per-row values (numpy arrays, or lazy dask arrays).
    """

    deviance: float
    gram: np.ndarray
    rhs: np.ndarray
    score: np.ndarray
    observed: np.ndarray | None = None
    eta: object = None
    mu: object = None
    working_weights: object = None

    def subset(self, columns: list[int]) -> RowSums:
        """The sums for the design restricted to ``columns`` (sums over rows, so a sub-block)."""
        index = np.ix_(columns, columns)
        observed = None if self.observed is None else self.observed[index]
        return RowSums(self.deviance, self.gram[index], self.rhs[columns], self.score[columns], observed,
                       self.eta, self.mu, self.working_weights)

    def __add__(self, other: RowSums) -> RowSums:
        observed = None if self.observed is None else self.observed + other.observed
        return RowSums(self.deviance + other.deviance, self.gram + other.gram, self.rhs + other.rhs,
                       self.score + other.score, observed)


def _mean_derivative(family: Family, eta: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """``dmu/deta``, reusing ``mu`` where the link allows it (saves an exp per row)."""
    link = family.link
    if isinstance(link, Log):
        return mu  # exp' = exp, and Log.inverse_deriv is Log.inverse
    if isinstance(link, Logit) and isinstance(family, Binomial):
        return mu * (1.0 - mu)
    if isinstance(link, Identity):
        return np.ones_like(mu)
    return link.inverse_deriv(eta)


def _variance(family: Family, mu: np.ndarray, dmu_deta: np.ndarray) -> np.ndarray:
    """``V(mu)``; for a canonical link ``V(mu) = dmu/deta``, already computed."""
    if (isinstance(family, Poisson) and isinstance(family.link, Log)) or (
        isinstance(family, Binomial) and isinstance(family.link, Logit)
    ):
        return dmu_deta
    return family.variance(mu)


def working_weights(family: Family, eta: np.ndarray, mu: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray]:
    """Working weights ``W = w mu'(eta)^2 / V(mu)`` and ``mu'(eta)``, row by row."""
    dmu_deta = _mean_derivative(family, eta, mu)
    with np.errstate(all="ignore"):
        weight = np.square(dmu_deta) / _variance(family, mu, dmu_deta)
        if weights is not None:
            weight *= weights
    return weight, dmu_deta


def _observed_weights(family: Family, eta, mu, y, weights, weight, dmu_deta):
    """Weights of the observed information ``-d^2 loglik / d eta^2`` per row.

    With ``h(eta) = mu'(eta) / V(mu)`` the score per row is ``w (y - mu) h`` and
    its derivative is ``w [-mu' h + (y - mu) h']``; for canonical links ``h = 1``
    and observed equals expected information.
    """
    variance = family.variance(mu)
    h_deriv = (
        family.link.inverse_deriv2(eta) / variance
        - np.square(dmu_deta) * family.variance_deriv(mu) / np.square(variance)
    )
    prior = 1.0 if weights is None else weights
    return weight - prior * (y - mu) * h_deriv


def row_sums(family: Family, X: np.ndarray, y: np.ndarray, weights, offset, params,
             eta=None, mu=None, observed: bool = False) -> RowSums | None:
    """The IRLS sums of one block of rows, or ``None`` if the mean is invalid there.

    Parameters
    ----------
    family : Family
    X : ndarray (n, p)
        The block's rows of the design.
    y : ndarray (n,)
    weights, offset : ndarray (n,) or None
        Prior weights (None: all 1) and offset (None: all 0).
    params : ndarray (p,) or None
        Coefficients; ``eta = X @ params + offset``. ``None`` with ``eta`` and
        ``mu`` given evaluates at those (IRLS's first step starts from means,
        not coefficients).
    observed : bool
        Also form the observed information (Newton's method).

    Returns
    -------
    RowSums or None
        ``None`` when a mean is outside the family's range or the deviance is
        not finite (the caller halves the step).
    """
    with np.errstate(all="ignore"):
        if params is not None:
            eta = X @ params
            if offset is not None:
                eta += offset
            mu = family.link.inverse(eta)
        if not (np.all(np.isfinite(eta)) and family.valid_mu(mu)):
            return None
        prior = np.ones_like(y) if weights is None else weights
        deviance = family.deviance(y, mu, prior)
        if not np.isfinite(deviance):
            return None
        weight, dmu_deta = working_weights(family, eta, mu, weights)
        residual = (y - mu) / dmu_deta
        root = np.sqrt(weight)
        scaled = X * root[:, None]
        # Two right-hand sides in one product: X'W z and X'W r.
        targets = np.empty((X.shape[0], 2))
        np.multiply(root, residual, out=targets[:, 1])
        np.add(eta if offset is None else eta - offset, residual, out=targets[:, 0])
        targets[:, 0] *= root
        gram = scaled.T @ scaled  # a symmetric rank-k update in BLAS
        both = scaled.T @ targets
        observed_gram = None
        if observed:
            negative = _observed_weights(family, eta, mu, y, weights, weight, dmu_deta)
            observed_gram = (X * negative[:, None]).T @ X
    return RowSums(float(deviance), gram, both[:, 0], both[:, 1], observed_gram, eta, mu, weight)


class NumpyBackend:
    """Row sums over in-memory numpy arrays, in cache-sized row blocks.

    Parameters
    ----------
    X : ndarray (n, p)
    y, weights, offset : ndarray (n,)
        ``weights`` of all ones and ``offset`` of all zeros are dropped, so the
        common case does no arithmetic with them.
    block_rows : int
        Rows per block.
    """

    lazy = False

    def __init__(self, X: np.ndarray, y: np.ndarray, weights: np.ndarray, offset: np.ndarray,
                 block_rows: int = _BLOCK_ROWS):
        self.X, self.y = X, y
        self.weights = None if np.all(weights == 1.0) else weights
        self.offset = None if not np.any(offset) else offset
        self.prior_weights = weights
        self.full_offset = offset
        self.block_rows = block_rows

    @property
    def n_cols(self) -> int:
        return self.X.shape[1]

    def prior_gram(self) -> np.ndarray:
        """``X' diag(prior weights) X``, for the rank check of the solvers that start elsewhere."""
        return weighted_gram(self.X, self.prior_weights)

    def start_sums(self, family: Family, observed: bool = False) -> RowSums | None:
        """The sums at the family's starting means (R's ``mustart``), or None if they are invalid."""
        with np.errstate(all="ignore"):
            mu = family.starting_mu(self.y, self.prior_weights)
            eta = family.link.link(mu)
            if not (np.all(np.isfinite(eta)) and family.valid_mu(family.link.inverse(eta))):
                return None
        return self.sums(family, None, eta, mu, observed)

    def _blocks(self):
        n = self.X.shape[0]
        for start in range(0, n, self.block_rows):
            rows = slice(start, min(start + self.block_rows, n))
            yield rows, (None if self.weights is None else self.weights[rows]), (
                None if self.offset is None else self.offset[rows])

    def sums(self, family: Family, params, eta=None, mu=None, observed: bool = False) -> RowSums | None:
        """The sums at ``params`` (or at the means ``mu`` with ``params=None``)."""
        n, p = self.X.shape
        total = None
        eta_all, mu_all, weight_all = np.empty(n), np.empty(n), np.empty(n)
        for rows, weights, offset in self._blocks():
            part = row_sums(family, self.X[rows], self.y[rows], weights, offset, params,
                            None if eta is None else eta[rows], None if mu is None else mu[rows], observed)
            if part is None:
                return None
            eta_all[rows], mu_all[rows], weight_all[rows] = part.eta, part.mu, part.working_weights
            total = part if total is None else total + part
        total.eta, total.mu, total.working_weights = eta_all, mu_all, weight_all
        return total


def is_dask(value) -> bool:
    """True for a dask collection (array, DataFrame, Series), without importing dask."""
    return type(value).__module__.startswith("dask")


def block_family(family: Family, trials) -> Family:
    """The family as one block of rows sees it: a copy carrying that block's numbers of trials.

    A binomial (successes, failures) response has per-row numbers of trials
    (R's ``n``, read by the starting means and the log-likelihood). On dask
    arrays they are data chunked like ``y`` (set by
    :func:`glm_lib._engine._dask.prepare_dask_data`), so each chunk's task gets
    its own block of them instead of the whole lazy array. Families without
    trials are returned unchanged.
    """
    if not hasattr(family, "trials"):
        return family
    local = copy.copy(family)
    local.trials = trials
    return local


def rowwise(function, *arrays):
    """``function(*arrays)`` for a function of rows: directly on numpy arrays, lazily chunk by chunk on dask arrays.

    The arrays are 1-D and aligned by rows, or a single 2-D design (the
    function then maps each block of rows to one value per row).
    """
    if not any(is_dask(array) for array in arrays):
        return function(*arrays)
    import dask.array as da

    drop = 1 if arrays[0].ndim == 2 else None
    return da.map_blocks(function, *arrays, dtype=float, drop_axis=drop)


def rowsum(function, *arrays) -> float:
    """``function(*arrays)`` for a function that sums over rows (a deviance, a log-likelihood).

    On dask arrays it runs on every row chunk and the chunk totals are added.
    """
    if not any(is_dask(array) for array in arrays):
        return function(*arrays)
    import dask.array as da

    n_chunks = next(array for array in arrays if is_dask(array)).numblocks[0]
    totals = da.map_blocks(lambda *blocks: np.array([function(*blocks)], dtype=float), *arrays,
                           dtype=float, chunks=((1,) * n_chunks,))
    return float(totals.sum().compute())

