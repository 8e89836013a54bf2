"""What a solver hands back: the converged coefficients, means and path."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class _State:
    """What a solver returns: the converged coefficients and its path."""

    params: np.ndarray
    eta: np.ndarray
    mu: np.ndarray
    deviance: float
    n_iter: int
    converged: bool
    last_change: float
    history: list = field(default_factory=list)
    # Working weights of the last IRLS step (computed at the previous mean).
    # R's summary.glm uses them for the covariance and the dispersion.
    working_weights: np.ndarray | None = None
    # Cholesky factor of X' diag(working_weights) X, for the covariance.
    fisher_factor: tuple | None = None
    # The deviance test passed but the score was not near zero (a plateau).
    stalled: bool = False
    # Sums that travelled with the passes over dask arrays (RowSums.extras of
    # the start and of the last pass): Pearson X^2, log-likelihood, null deviance, checks.
    extras: dict = field(default_factory=dict)
