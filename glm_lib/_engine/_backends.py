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
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from .._model._families import Binomial, Family, Poisson
from .._model._links import Identity, Log, Logit
from ._linalg import weighted_gram

__all__ = ["RowSums", "row_sums", "NumpyBackend", "rowwise", "rowsum", "is_dask", "block_family"]

# Rows per block: 8192 rows x 20 columns x 8 bytes = 1.25 MiB, about a core's L2
# cache, so the block is read from memory once per step and reused from cache
# (measured: 8192 beats 2048-4096 and 16384 at p = 20 on a core with 1 MiB of L2;
# 4096-8192 are within noise on one with 2 MiB, and so are 512-8192 at p = 100;
# 32768 is several times slower).
_BLOCK_ROWS = 8192


@dataclass
class RowSums:
    """The sums over rows one IRLS step needs, at one point (``eta``, ``mu``).

    ``gram`` is ``X'WX``, ``rhs`` is ``X'Wz`` (``z = eta - offset + r``),
    ``score`` is ``X'W r`` (``r = (y - mu) / mu'(eta)``, so this is the score
    times the dispersion), ``observed`` the observed information's ``X'W_obs X``
    when Newton's method asked for it. ``eta``, ``mu`` and ``working_weights``
    are the per-row values (numpy arrays, or lazy dask arrays). ``extras`` are
    further sums over rows that travel with the pass on dask arrays (the
    Pearson statistic, the log-likelihood, the null deviance, the checks; see
    :mod:`glm_lib._engine._dask`), added block by block (``"col_max"`` and
    ``"col_min"`` take the maximum and minimum).
    """

    deviance: float
    gram: np.ndarray
    rhs: np.ndarray
    score: np.ndarray
    observed: np.ndarray | None = None
    eta: object = None
    mu: object = None
    working_weights: object = None
    extras: dict = field(default_factory=dict)

    def subset(self, columns: list[int]) -> RowSums:
        """The sums for the design restricted to ``columns`` (sums over rows, so a sub-block)."""
        index = np.ix_(columns, columns)
        observed = None if self.observed is None else self.observed[index]
        return RowSums(self.deviance, self.gram[index], self.rhs[columns], self.score[columns], observed,
                       self.eta, self.mu, self.working_weights, dict(self.extras))

    def __add__(self, other: RowSums) -> RowSums:
        observed = None if self.observed is None else self.observed + other.observed
        extras = {}
        for key in self.extras.keys() | other.extras.keys():
            if key not in self.extras or key not in other.extras or key == "first_row":
                extras[key] = self.extras.get(key, other.extras.get(key))  # the first block's first row
            elif key == "col_max":
                extras[key] = np.maximum(self.extras[key], other.extras[key])
            elif key == "col_min":
                extras[key] = np.minimum(self.extras[key], other.extras[key])
            else:
                extras[key] = self.extras[key] + other.extras[key]
        return RowSums(self.deviance + other.deviance, self.gram + other.gram, self.rhs + other.rhs,
                       self.score + other.score, observed, extras=extras)


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


def _augmented_sums(X: np.ndarray, root: np.ndarray, z_col: np.ndarray, r_col: np.ndarray,
                    buffer: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X'WX``, ``X'Wz`` and ``X'W r`` of one block: a rank-k update and one thin product.

    ``sqrt(W) X`` is written into ``buffer[0]`` (rows x p, reused from block
    to block), ``z_col`` and ``r_col`` (already times ``sqrt(W)``) into
    ``buffer[1]`` (rows x 2). (One rank-k update of the augmented block
    ``[sqrt(W) X | sqrt(W) z | sqrt(W) r]`` would give all three at once, but
    writing ``sqrt(W) X`` into the first p of p + 2 columns costs more than
    the second product saves: measured 0.67 against 0.44 ms per 8192 x 20
    block with one BLAS thread.)
    """
    n, p = X.shape
    scaled, targets = (np.empty((n, p)), np.empty((n, 2))) if buffer is None else (buffer[0][:n], buffer[1][:n])
    np.multiply(X, root[:, None], out=scaled)
    targets[:, 0] = z_col
    targets[:, 1] = r_col
    both = scaled.T @ targets
    return scaled.T @ scaled, both[:, 0].copy(), both[:, 1].copy()  # numpy calls syrk for B'B


def row_sums(family: Family, X: np.ndarray, y: np.ndarray, weights, offset, params,
             eta=None, mu=None, observed: bool = False, buffer: np.ndarray | None = None,
             light: bool = False) -> RowSums | None:
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
    buffer : ndarray (rows, p + 2), optional
        Scratch space (rows x p, rows x 2) for :func:`_augmented_sums`.
    light : bool
        Only the linear predictor, means, deviance and score (``gram`` and
        ``rhs`` are None): what a pass that ends the iterations needs.

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
        deviance = family.deviance(y, mu, 1.0 if weights is None else weights)
        if not np.isfinite(deviance):
            return None
        weight, dmu_deta = working_weights(family, eta, mu, weights)
        residual = (y - mu) / dmu_deta
        if light:
            return RowSums(float(deviance), None, None, X.T @ (weight * residual), None, eta, mu, weight)
        root = np.sqrt(weight)
        # Two right-hand sides in the same product: X'W z and X'W r.
        z_col = np.add(eta if offset is None else eta - offset, residual)
        z_col *= root
        gram, rhs, score = _augmented_sums(X, root, z_col, root * residual, buffer)
        observed_gram = None
        if observed:
            negative = _observed_weights(family, eta, mu, y, weights, weight, dmu_deta)
            observed_gram = (X * negative[:, None]).T @ X
    return RowSums(float(deviance), gram, rhs, score, observed_gram, eta, mu, weight)


def _canonical_kind(family: Family) -> str | None:
    """"poisson" or "logit" for the two canonical families with a fast block kernel, else None.

    Exact classes only: a subclass may change the deviance (the quasi-families
    keep it, so they qualify).
    """
    from .._model._families import QuasiBinomial, QuasiPoisson

    if type(family) in (Poisson, QuasiPoisson) and type(family.link) is Log:
        return "poisson"
    if type(family) in (Binomial, QuasiBinomial) and type(family.link) is Logit and getattr(family, "trials", None) is None:
        return "logit"
    return None


# The ranges of the linear predictor where the links' inverses are not clamped,
# so that log(mu) = eta (Poisson) and log(1 + exp(eta)) = -log(1 - mu) (logit) hold.
_LOG_RANGE = (float(np.log(np.finfo(float).eps)), float(np.log(np.finfo(float).max) - 1.0))
_LOGIT_RANGE = (-30.0, 30.0)


def _sub_rows(p: int, block_rows: int) -> int | None:
    """Rows per product when X'WX is formed as X'(W X) by gemm, or None for a rank-k update of sqrt(W) X.

    OpenBLAS multiplies small matrices (m n k up to 10^6) with kernels that do
    not copy the operands into packed panels, which is half of syrk's time at
    p = 20. Measured (CPU, one thread, 2e7 values of X): X'WX by sub-blocks of
    10^6 / (2 p^2) rows against syrk of sqrt(W) X in 8192 x 20 blocks, 42 against
    55 ms at p = 20, 41 against 52 at p = 10, 51 against 64 at p = 5; equal at
    p = 40-60 and slower at p = 100, hence syrk above 32 columns.
    """
    if p > 32:
        return None
    return int(min(block_rows, max(256, 500_000 // (p * p))))


class _CanonicalKernel:
    """One block of a Poisson-log or binomial-logit IRLS pass, in few whole-vector operations.

    Canonical links give ``V(mu) = mu'(eta)``, ``W r = w (y - mu)`` and the
    deviance without a log of the mean: Poisson ``d = 2 [y log y - y - y eta
    + mu]`` (``log mu = eta``), binomial ``d = 2 [c(y) + log(1 + e) - y eta]``
    with ``e = exp(eta)``, ``c(y) = y log y + (1 - y) log(1 - y)`` (zero for
    0/1 responses); the terms in ``y`` alone are summed once, and
    ``sum w y eta`` is one dot product per block. In the logit's range
    ``|eta| <= 30`` every binomial quantity comes from ``e`` without
    cancellation: ``q = 1 / (1 + e)``, ``mu = e q``, ``V = mu q`` and
    ``log1p(e)``, each accurate to a few units in the last place. X'WX is a
    rank-k update of ``sqrt(W) X``; X'Wz and the score are one product of
    the unscaled block with the two rows ``W z = W (eta - offset) + W r`` and
    ``W r``. Scratch vectors and the scaled block are allocated once per
    backend. A block whose linear predictor leaves the range goes to
    :func:`row_sums`.
    """

    def __init__(self, kind: str, y: np.ndarray, weights, block_rows: int, p: int):
        self.kind = kind
        self.sub_rows = _sub_rows(p, block_rows)
        self.scaled = np.empty((block_rows if self.sub_rows is None else self.sub_rows, p))
        self.part = np.empty((p, p))
        self.scratch = np.empty((4, block_rows))
        self.targets = np.empty((2, block_rows))
        # The saturated model's term: y log y - y (Poisson), y log y + (1 - y) log(1 - y) (binomial,
        # zero for 0/1 responses); the logs only where they are not zero.
        inner = (y > 1.0) if kind == "poisson" else (y > 0.0) & (y < 1.0)
        w = 1.0 if weights is None else weights[inner]
        yi = y[inner]
        with np.errstate(all="ignore"):
            logs = yi * np.log(yi) if kind == "poisson" else yi * np.log(yi) + (1.0 - yi) * np.log1p(-yi)
        self.constant = float(np.sum(w * logs))
        if kind == "poisson":
            self.constant -= float(np.sum(y) if weights is None else weights @ y)
        self.low, self.high = _LOG_RANGE if kind == "poisson" else _LOGIT_RANGE

    def in_range(self, eta: np.ndarray) -> bool:
        return bool(self.low <= eta.min() and eta.max() <= self.high)  # False for NaN

    def block(self, X, y, weights, offset, eta, mu, weight, light: bool = False, start: bool = False,
              keep: bool = True):
        """Fill ``weight`` (and ``mu`` when ``keep``; views of the whole-data vectors) and return this block's sums.

        ``eta`` is the block's linear predictor, already in range. Returns
        ``(deviance part, gram, rhs, score, Pearson's X^2)``; the deviance part
        omits the constant saturated term. ``rhs`` (X'Wz) only at the start
        (None at coefficients: see :meth:`NumpyBackend.sums`). ``light``: no
        ``gram`` either. ``start``: the weights may be equal to rounding (0/1
        binomial responses start at means 1/4 and 3/4, both with V = 3/16), and
        then X'WX is their common value times X'X, with no scaled copy of the block.
        ``keep``: the caller keeps the means; otherwise ``mu`` is not written
        and Pearson's X^2 (None) is not formed, which a pass that will not end
        the iterations never needs.
        """
        n = X.shape[0]
        e, q, resid, wy = (row[:n] for row in self.scratch)
        w_resid, w_z = self.targets[0, :n], self.targets[1, :n]
        if weights is None:
            wy = y
        else:
            np.multiply(weights, y, out=wy)
        if self.kind == "poisson":
            # Without prior weights W = V(mu) = mu'(eta) = mu: one vector serves as all three.
            means = np.exp(eta, out=weight if weights is None else mu)
            variance = means
            deviance = (np.sum(means) if weights is None else weights @ means) - wy @ eta
        else:
            np.exp(eta, out=e)
            np.add(e, 1.0, out=q)
            np.reciprocal(q, out=q)  # 1 / (1 + e) = 1 - mu
            means = np.multiply(e, q, out=mu)
            # mu (1 - mu), no cancellation; without prior weights it is W itself.
            variance = np.multiply(means, q, out=weight if weights is None else q)
            np.log1p(e, out=e)  # log(1 + e^eta)
            deviance = (np.sum(e) if weights is None else weights @ e) - wy @ eta
        if weights is not None:
            np.multiply(weights, variance, out=weight)
        if keep and means is not mu:
            np.copyto(mu, means)
        np.subtract(y, means, out=w_resid)
        pearson = None
        if keep:
            np.divide(w_resid, variance, out=resid)  # working residual (y - mu) / mu'(eta)
        if weights is not None:
            w_resid *= weights  # W r = w (y - mu)
        if keep:
            pearson = float(w_resid @ resid)  # sum w (y - mu)^2 / V(mu)
        if not start:
            # At coefficients X'Wz = X'WX beta + X'W r (eta - offset = X beta), which the
            # caller forms from the sums: the block needs only the score X'W r, one gemv.
            score, rhs = w_resid @ X, None
        else:
            np.multiply(weight, eta if offset is None else eta - offset, out=w_z)
            w_z += w_resid  # W z, z = eta - offset + r
            both = (X.T @ self.targets[:, :n].T).T  # (faster than targets @ X in cache: 29 against 36 us a block)
            score, rhs = both[0], both[1]
        if light:
            return 2.0 * deviance, None, None, score, pearson
        low, high = (weight.min(), weight.max()) if start else (0.0, 1.0)
        if 0.0 < low and high - low <= 8.0 * np.finfo(float).eps * high:
            gram = X.T @ X
            gram *= high
        elif self.sub_rows is None:
            np.sqrt(weight, out=e)
            # sqrt(W) X as a broadcast copy of sqrt(W) and one flat product with X: numpy's
            # X * e[:, None] buffers e and multiplies rows of p values one call at a time
            # (measured 10-13 against 14-20 ns a row at p = 20).
            scaled = self.scaled[:n]
            np.copyto(scaled, e[:, None])
            scaled *= X
            gram = scaled.T @ scaled  # numpy calls syrk for B'B
        else:
            # Few columns: X'(W X) by sub-blocks small enough for OpenBLAS's small-matrix gemm,
            # which does not pack its operands (twice the flops of syrk, less time; see sub_rows).
            gram, part = np.zeros((X.shape[1], X.shape[1])), self.part
            for first in range(0, n, self.sub_rows):
                rows = slice(first, min(first + self.sub_rows, n))
                scaled = self.scaled[: rows.stop - first]
                np.copyto(scaled, weight[rows, None])
                scaled *= X[rows]
                gram += np.matmul(X[rows].T, scaled, out=part)
        return 2.0 * deviance, gram, rhs, score, pearson


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
        rows = min(block_rows, X.shape[0])
        self._buffer = (np.empty((rows, X.shape[1])), np.empty((rows, 2)))
        self._kernels: dict = {}
        self._rows = None  # per-block eta, mu and weights of passes that do not keep them

    @property
    def n_cols(self) -> int:
        return self.X.shape[1]

    def prior_gram(self) -> np.ndarray:
        """``X' diag(prior weights) X``, for the rank check of the solvers that start elsewhere."""
        return weighted_gram(self.X, self.prior_weights)

    def start_sums(self, family: Family, observed: bool = False) -> RowSums | None:
        """The sums at the family's starting means (R's ``mustart``), or None if they are invalid.

        For the canonical kernel's families (whose starting means and link are
        row by row) they are computed block by block, in cache; the kernel
        checks eta's range block by block, and a block outside it goes to
        :func:`row_sums`, which checks the means.
        """
        if _canonical_kind(family) is not None:
            return self.sums(family, None, observed=observed, start=True)
        with np.errstate(all="ignore"):
            mu = family.starting_mu(self.y, self.prior_weights)
            eta = family.link.link(mu)
            if not (np.all(np.isfinite(eta)) and family.valid_mu(family.link.inverse(eta))):
                return None
        return self.sums(family, None, eta, mu, observed)

    def null_deviance_at_mean(self, family: Family) -> float | None:
        """The deviance of the intercept-only model (no offset) from sums already at hand, or None.

        Its mean is the weighted mean of y, so for the canonical families the
        deviance needs no pass over X and no log per row: Poisson
        ``2 [sum w (y log y - y) + sum w * m - log(m) sum w y]``, binomial
        ``2 [sum w c(y) + sum w * softplus(eta_0) - eta_0 sum w y]`` with
        ``eta_0 = logit(m)``.
        """
        kernel = self._kernel(family)
        if kernel is None or self.offset is not None:
            return None
        w = self.prior_weights
        if self.weights is None:  # all ones
            total_w, total_wy = float(w.shape[0]), float(np.sum(self.y))
        else:
            total_w, total_wy = float(np.sum(w)), float(w @ self.y)
        mean = total_wy / total_w
        if kernel.kind == "poisson":
            if mean <= 0:
                return None
            return 2.0 * (kernel.constant + total_w * mean - np.log(mean) * total_wy)
        if not 0.0 < mean < 1.0:
            return None
        eta0 = np.log(mean) - np.log1p(-mean)
        return 2.0 * (kernel.constant + total_w * float(np.logaddexp(0.0, eta0)) - eta0 * total_wy)

    def light_sums(self, family: Family, params) -> RowSums | None:
        """The deviance, means and score at ``params`` without X'WX (see :meth:`sums`)."""
        return self.sums(family, params, light=True)

    def _blocks(self):
        n = self.X.shape[0]
        for start in range(0, n, self.block_rows):
            rows = slice(start, min(start + self.block_rows, n))
            yield rows, (None if self.weights is None else self.weights[rows]), (
                None if self.offset is None else self.offset[rows])

    def _kernel(self, family: Family) -> _CanonicalKernel | None:
        """The fast block kernel for a canonical Poisson or logit family (built once per backend)."""
        kind = _canonical_kind(family)
        if kind is None:
            return None
        if self._kernels.get(kind) is None:
            self._kernels[kind] = _CanonicalKernel(kind, self.y, self.weights, min(self.block_rows, self.X.shape[0]),
                                                   self.X.shape[1])
        return self._kernels[kind]

    def sums(self, family: Family, params, eta=None, mu=None, observed: bool = False,
             light: bool = False, keep_means: bool = False, start: bool = False, origin=None) -> RowSums | None:
        """The sums at ``params`` (or at the means ``mu`` with ``params=None``).

        ``origin`` (the coefficients the IRLS step started from) is not needed
        here: the results compute the dispersion from the per-row arrays (the
        dask backend, which keeps none, uses it).

        ``start``: at the family's starting means, computed block by block
        (``params``, ``eta`` and ``mu`` None; see :meth:`start_sums`).

        ``light``: only the linear predictor, means, deviance and score, about a
        third of a full pass (``gram``, ``rhs`` and ``observed`` are None): the
        IRLS loop asks for it when it expects this pass to end the iterations,
        since the last X'WX is never used. Its deviance is the full pass's to
        the last bit (the same block code). A full pass keeps only the working
        weights per row unless ``keep_means`` (else ``eta`` and ``mu`` are None;
        at coefficients a light pass gives them, bit for bit): writing two more
        whole-data vectors a pass costs more than the rare fit that needs them
        from such a pass (the start's are never needed). At coefficients, a
        fit whose every block took the canonical kernel also carries Pearson's
        X^2 in ``extras["pearson"]`` when the pass keeps its means (one dot
        product per block; the passes that may end the iterations do).
        """
        n, p = self.X.shape
        # The fast kernel needs the linear predictor: coefficients, or the start's eta (it then
        # recomputes mu = g^{-1}(eta), equal to the starting means to rounding).
        kernel = self._kernel(family) if params is not None or eta is not None or start else None
        buffer = self._buffer
        keep = light or keep_means  # per-row eta and mu for the caller (the start's are never used)
        eta_all, mu_all = (np.empty(n), np.empty(n)) if keep else (None, None)
        weight_all = None if light else np.empty(n)
        if self._rows is None:
            self._rows = np.empty((3, min(self.block_rows, n)))
        deviance, score = 0.0, np.zeros(p)
        gram, rhs = (None, None) if light else (np.zeros((p, p)), np.zeros(p))
        kernel_gram, kernel_score = np.zeros((p, p)), np.zeros(p)  # blocks whose rhs is X'WX beta + score
        observed_gram = np.zeros((p, p)) if observed and not light else None
        pearson = 0.0 if params is not None else None
        with np.errstate(all="ignore"):
            for rows, weights, offset in self._blocks():
                X_block = self.X[rows]
                m = X_block.shape[0]
                eta_out = eta_all[rows] if keep else self._rows[0, :m]
                mu_out = mu_all[rows] if keep else self._rows[1, :m]
                weight_out = self._rows[2, :m] if light else weight_all[rows]
                if start:
                    start_mu = family.starting_mu(self.y[rows], self.prior_weights[rows])
                    eta_out[:] = family.link.link(start_mu)
                if kernel is not None:
                    if params is None:
                        eta_block = eta_out
                        if not start:
                            eta_block[:] = eta[rows]
                    else:
                        eta_block = np.dot(X_block, params, out=eta_out)
                        if offset is not None:
                            eta_block += offset
                    if kernel.in_range(eta_block):
                        part = kernel.block(X_block, self.y[rows], weights, offset, eta_block, mu_out, weight_out,
                                            light, params is None, keep)
                        deviance += part[0]
                        if pearson is not None:
                            pearson = None if part[4] is None else pearson + part[4]
                        if params is None:
                            gram += part[1]
                            rhs += part[2]
                            score += part[3]
                        else:
                            kernel_score += part[3]
                            if not light:
                                kernel_gram += part[1]
                        continue
                pearson = None  # Pearson's X^2 only from the kernel (results compute it otherwise)
                if start:
                    eta_rows, mu_rows = eta_out.copy(), start_mu
                else:
                    eta_rows, mu_rows = (None if eta is None else eta[rows]), (None if mu is None else mu[rows])
                part = row_sums(family, X_block, self.y[rows], weights, offset, params, eta_rows, mu_rows,
                                observed and not light, buffer, light)
                if part is None:
                    return None
                eta_out[:], mu_out[:], weight_out[:] = part.eta, part.mu, part.working_weights
                deviance += part.deviance
                if not light:
                    gram += part.gram
                    rhs += part.rhs
                score += part.score
                if observed and kernel is None and not light:
                    observed_gram += part.observed
        extras = {}
        if kernel is not None:
            deviance += 2.0 * kernel.constant
            if not np.isfinite(deviance):
                return None
            if params is not None:
                score += kernel_score
                if not light:
                    gram += kernel_gram
                    rhs += kernel_gram @ params
                    rhs += kernel_score
            if gram is not None and kernel.sub_rows is not None:
                gram = 0.5 * (gram + gram.T)  # X'(WX) by gemm is symmetric only to rounding
            if observed and not light:
                observed_gram = gram.copy()  # canonical link: observed = expected information
            if pearson is not None:
                extras["pearson"] = pearson
        return RowSums(float(deviance), gram, rhs, score, observed_gram, eta_all, mu_all, weight_all, extras)


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

