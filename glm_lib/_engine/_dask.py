"""IRLS on dask arrays: each step is one map-reduce over the row chunks.

:func:`glm_lib.fit` hands dask arrays here. :func:`prepare_dask_data` aligns the
data and prepares their chunk-by-chunk validation (the same as in-memory
data's), and :class:`DaskBackend` computes an IRLS step's sums by running the
in-memory backend on every row chunk (on the workers) and adding the p x p
and p-sized results (on the cluster); only those small sums reach the client,
where the p x p system is solved. A fit reads the data iterations + 1 times:
the validation, the intercept test and the null model's mean ride on the start
pass (with the log-likelihood's part free of the means, so that every later
pass's log-likelihood follows from its deviance), Pearson's X^2, the
separation trigger and, for families with an estimated dispersion, the sums
behind the dispersion and the perfect-fit check on every IRLS pass, the null
deviance on the first one (``RowSums.extras``). Fitted means,
linear predictors and working weights stay lazy dask arrays.

Whichever scheduler is active is used: dask's default threads, or a
``dask.distributed.Client`` (a ``LocalCluster`` or any cluster's address).
"""

from __future__ import annotations

import copy

import numpy as np

from ._backends import NumpyBackend, RowSums, block_family, is_dask, working_weights
from .._model._families import Family
from .._model._errors import SeparationWarning
from ._linalg import weighted_gram
from ._prepare import prepare_data
from ._separation import _near_bounds

__all__ = ["DaskBackend", "prepare_dask_data", "is_dask"]


def _as_dask_array(values):
    import dask.array as da

    if values is None or type(values).__module__.startswith("dask.array"):
        return values
    if is_dask(values):  # dask DataFrame or Series: partition lengths are needed to align rows
        return values.to_dask_array(lengths=True)
    return da.from_array(np.asarray(values))


def _aligned(values, rows: tuple, n: int, name: str, default: float):
    """A float dask vector (or n x 2 for a binomial response) chunked like X's rows."""
    import dask.array as da

    if values is None:
        return da.full(n, default, chunks=(rows,), dtype=float)
    array = _as_dask_array(values)
    if array.ndim == 0:
        return da.full(n, float(array.compute()), chunks=(rows,), dtype=float)
    if array.shape[0] != n:
        raise ValueError(f"{name} has {array.shape[0]} rows but X has {n}; give one per row")
    if array.ndim > 2:
        raise ValueError(f"{name} must be 1- or 2-dimensional, got shape {array.shape}")
    chunks = {0: rows} if array.ndim == 1 else {0: rows, 1: -1}
    return array.astype(float).rechunk(chunks)


def _blocks(array) -> np.ndarray:
    """The row chunks of a dask array as delayed objects.

    The graph is not optimised, so its keys are those of the lazy ``eta`` and
    ``mu`` built from the same arrays: a distributed scheduler never sees one
    key with two different tasks.
    """
    return array.to_delayed(optimize_graph=False).ravel()


def _check_chunk(family: Family, X, y, weights, offset, first_row: int, names: list[str]) -> int:
    """Run the in-memory validation on one chunk; return its number of positive weights."""
    try:
        prepare_data(X, y, copy.copy(family), weights, offset, names)
    except ValueError as exc:
        if str(exc).startswith("weights: every weight is zero"):
            return 0  # fine for one chunk; fit() checks the total
        raise ValueError(f"{exc} (rows counted within the row chunk that starts at row {first_row})") from None
    return int(np.count_nonzero(weights > 0))


def prepare_dask_data(X, y, family: Family, weights=None, offset=None, feature_names=None):
    """Validate a GLM's data held in dask arrays (or DataFrames) and align their chunks.

    The same checks as :func:`glm_lib._engine._prepare.prepare_data` run on every row
    chunk, not here but in the fit's first pass (the start), so that they cost
    no read of their own; an error names the rows within the offending chunk
    and the chunk's first row. Returns lazy dask arrays chunked like X's rows
    (X, names, y, prior weights, offset) and the pending checks, a
    ``_PendingCheck`` that :class:`DaskBackend` runs with its first pass.
    """
    import dask
    import dask.array as da

    names = [str(c) for c in X.columns] if hasattr(X, "columns") else None
    X = _as_dask_array(X)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be 2-dimensional (rows x columns), got shape {X.shape}")
    if any(np.isnan(size) for size in X.chunks[0]):
        raise ValueError("X has unknown chunk sizes; call X.compute_chunk_sizes() or use to_dask_array(lengths=True)")
    X = X.astype(float).rechunk({1: -1})  # chunks of whole rows: each holds complete x_i
    n, p = X.shape
    rows = X.chunks[0]
    names = names or [f"x{j}" for j in range(p)]
    if feature_names is not None:
        if len(feature_names) != p:
            raise ValueError(f"feature_names has {len(feature_names)} names but X has {p} columns")
        names = [str(name) for name in feature_names]
    y = _aligned(y, rows, n, "y", np.nan)
    weights = _aligned(weights, rows, n, "weights", 1.0)
    offset = _aligned(offset, rows, n, "offset", 0.0)

    # The checks run chunk by chunk in the fit's first pass (DaskBackend), not in a pass of their own.
    pending = _PendingCheck(copy.copy(family), names, y, weights, offset)

    # The family's own response conventions, chunk by chunk (binomial (successes, failures) columns).
    # (dask aligns a vector with an array's last axis, so the weights go in as a column.) A family
    # may record per-row state when it prepares a response; each chunk works on its own copy, so
    # the shared family is never mutated from several threads, and its state is not a chunk's.
    drop = 1 if y.ndim == 2 else None
    column = weights[:, None] if y.ndim == 2 else weights
    y_vec = da.map_blocks(lambda yb, wb: copy.copy(family).prepare_response(yb, wb.ravel())[0], y, column,
                          dtype=float, drop_axis=drop, chunks=(rows,))
    prior = da.map_blocks(lambda yb, wb: copy.copy(family).prepare_response(yb, wb.ravel())[1], y, column,
                          dtype=float, drop_axis=drop, chunks=(rows,))
    if hasattr(family, "trials"):
        # The binomial's numbers of trials travel as data chunked like y (a chunk's copy of the
        # family cannot hand them back); fit() made this family a per-fit copy.
        family.trials = y.sum(axis=1) if y.ndim == 2 else None
    return X, names, y_vec, prior, offset, pending


class _PendingCheck:
    """The in-memory validation still to run on every chunk: it travels with the fit's first pass."""

    def __init__(self, family, names, y, weights, offset):
        self.family, self.names, self.y, self.weights, self.offset = family, names, y, weights, offset

    def blocks(self, rows):
        starts = np.cumsum((0,) + tuple(rows[:-1]))
        return [(self.family, yb, wb, ob, int(first), self.names)
                for yb, wb, ob, first in zip(_blocks(self.y), _blocks(self.weights), _blocks(self.offset), starts)]


def _chunk_sums(family, X, y, weights, offset, trials, params, eta, mu, observed, start, check=None, null=None,
                learn=False, origin=None):
    """One chunk's IRLS sums (the in-memory backend on the chunk), without per-row arrays.

    What the results and checks need travels in ``extras``: the start pass
    runs the input checks (``check``: the raw chunk for
    :func:`_check_chunk`) and takes the column ranges and first row (the
    intercept test), ``sum w`` and ``sum w y`` (the null model's mean); every
    pass at coefficients adds Pearson's X^2, the log-likelihood (families of
    fixed dispersion), the separation trigger and, when ``null`` gives the
    null model's means (``("mean", value)`` or ``("offset", None)``), its deviance.
    For a family with an estimated dispersion it also adds the sums of
    :func:`_dispersion_extras` at the step's ``origin`` (see there).
    """
    extras = {}
    if check is not None:
        extras["positive"] = _check_chunk(check[0], X, *check[1:])
    family = block_family(family, trials)
    if start:
        with np.errstate(all="ignore"):
            mu = family.starting_mu(y, weights)
            eta = family.link.link(mu)
            if not (np.all(np.isfinite(eta)) and family.valid_mu(family.link.inverse(eta))):
                return None
    sums = NumpyBackend(X, y, weights, offset).sums(family, params, eta, mu, observed, keep_means=True)
    if sums is None:
        return None
    if start or learn:
        extras.update(col_max=X.max(axis=0), col_min=X.min(axis=0), first_row=X[0].copy(), sum_w=float(weights.sum()),
                      sum_wy=float(weights @ y), nobs=int(np.count_nonzero(weights > 0)),
                      offset_nonzero=int(np.count_nonzero(offset)))
        if _fixed_dispersion_likelihood(family):
            # l(mu) = l_saturated - D(mu) / 2 when phi = 1: the part free of mu, summed once here,
            # gives the log-likelihood of every later pass from its deviance (no per-pass log-gammas).
            with np.errstate(all="ignore"):
                extras["loglik_saturated"] = family.loglike(y, sums.mu, weights, 1.0) + 0.5 * sums.deviance
    if not start:
        with np.errstate(all="ignore"):
            mu = sums.mu
            extras["pearson"] = float(np.sum(weights * np.square(y - mu) / family.variance(mu)))
            if family.mean_bounds != (None, None):
                extras["near_bounds"] = int(_near_bounds(family, y, mu, weights))
            if null is not None:
                null_mu = np.full_like(y, null[1]) if null[0] == "mean" else family.link.inverse(offset)
                extras["null_deviance"] = family.deviance(y, null_mu, weights)
            if family.estimated_dispersion:
                extras.update(_dispersion_extras(family, X, y, weights, offset, sums.eta, mu, origin))
    sums.eta = sums.mu = sums.working_weights = None  # only the small sums travel
    sums.extras = extras
    return sums


def _dispersion_extras(family, X, y, weights, offset, eta, mu, origin) -> dict:
    """One chunk's sums behind the estimated dispersion and the perfect-fit check, at a pass's means.

    R's dispersion (``summary.glm``) adds the working weights of the last IRLS
    step, taken at the coefficients the step started from (``origin``; None
    for the family's starting means), times the squared working residuals at
    the accepted coefficients: a sum over rows once both are known in the
    same pass. The perfect-fit check needs ``sum mu^2`` over the rows with
    positive weight.
    """
    if origin is None:
        origin_mu = family.starting_mu(y, weights)
        origin_eta = family.link.link(origin_mu)
    else:
        origin_eta = X @ origin + offset
        origin_mu = family.link.inverse(origin_eta)
    origin_weight = working_weights(family, origin_eta, origin_mu, weights)[0]
    residual = (y - mu) / family.link.inverse_deriv(eta)
    return {"dispersion_sum": float(np.sum(origin_weight * np.square(residual))),
            "sum_mu2_used": float(np.sum(np.square(mu) * (weights > 0)))}


def _fixed_dispersion_likelihood(family: Family) -> bool:
    """Families whose log-likelihood the results take at phi = 1 (binomial, Poisson, ...)."""
    return family.has_likelihood and type(family).aic_scale is Family.aic_scale


def _add(parts: list) -> RowSums | None:
    """Reduce the chunks' sums; None (an invalid mean) anywhere makes the total None."""
    if any(part is None for part in parts):
        return None
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def _chunk_prior_gram(X, weights):
    return weighted_gram(X, weights)


class DaskBackend:
    """Row sums over dask arrays chunked by rows: a map over chunks and a reduce.

    Parameters
    ----------
    X : dask array (n, p)
    y, weights, offset : dask arrays (n,)
        Rechunked to X's row chunks if needed.
    """

    lazy = True

    def __init__(self, X, y, weights, offset, pending_check: _PendingCheck | None = None):
        self.X = X.rechunk({1: -1})
        rows = self.X.chunks[0]
        self.pending_check = pending_check
        self.null = None  # the null model's means, known after the start pass (see _learn)
        self.null_deviance = None  # their deviance, known after the first pass at coefficients
        self.y = y.rechunk({0: rows})
        self.prior_weights = weights.rechunk({0: rows})
        self.full_offset = offset.rechunk({0: rows})

    @property
    def n_cols(self) -> int:
        return self.X.shape[1]

    def _trials(self, family: Family):
        """The family's numbers of trials chunked like y, or None (see :func:`block_family`)."""
        trials = getattr(family, "trials", None)
        return trials.rechunk({0: self.X.chunks[0]}) if is_dask(trials) else None

    def _chunks(self, family: Family | None = None):
        """Per chunk: the blocks of X, y, weights, offset and the family's numbers of trials (or None)."""
        trials = None if family is None else self._trials(family)
        trial_blocks = [None] * self.X.numblocks[0] if trials is None else _blocks(trials)
        return zip(_blocks(self.X), _blocks(self.y), _blocks(self.prior_weights), _blocks(self.full_offset),
                   trial_blocks)

    @staticmethod
    def _reduce(parts, combine=_add):
        """Add the chunks' results in a tree of tasks on the cluster; only the total reaches the client."""
        import dask

        while len(parts) > 1:
            parts = [dask.delayed(combine)(parts[i : i + 8]) for i in range(0, len(parts), 8)]
        return parts[0].compute()

    def _lazy_fit(self, family, eta, mu):
        import dask.array as da

        weight = da.map_blocks(lambda e, m, w: working_weights(family, e, m, w)[0], eta, mu,
                               self.prior_weights, dtype=float)
        return eta, mu, weight

    def sums(self, family: Family, params, eta=None, mu=None, observed: bool = False,
             keep_means: bool = True, origin=None) -> RowSums | None:
        """The sums at ``params``: one pass over the chunks (``eta`` and ``mu`` always come back, lazily).

        ``origin``: the coefficients the IRLS step to ``params`` started from
        (None: the family's starting means), where the estimated dispersion
        takes its working weights (see :func:`_dispersion_extras`).
        """
        import dask

        shared = block_family(family, None)  # each task gets its own block of trials, not the whole array
        checks, first = self._checks()
        # The null model's deviance does not change between passes: it travels with the first pass that knows
        # the null model's means, and is reused after that.
        null = self.null if self.null_deviance is None else None
        parts = [dask.delayed(_chunk_sums)(shared, xb, yb, wb, ob, tb, params, None, None, observed, False, check,
                                           null, first, origin)
                 for (xb, yb, wb, ob, tb), check in zip(self._chunks(family), checks)]
        total = self._reduce(parts)
        if total is None:
            return None
        if first:  # a fit from start= coefficients: this pass also learns what the start pass would
            self._learn(total)
        if "null_deviance" in total.extras:
            self.null_deviance = total.extras["null_deviance"]
        elif self.null_deviance is not None:
            total.extras["null_deviance"] = self.null_deviance
        if "loglik_saturated" in self.start_extras:
            total.extras["loglik"] = self.start_extras["loglik_saturated"] - 0.5 * total.deviance
        eta = self.X @ params + self.full_offset
        mu = eta.map_blocks(family.link.inverse, dtype=float)
        total.eta, total.mu, total.working_weights = self._lazy_fit(shared, eta, mu)
        return total

    def start_sums(self, family: Family, observed: bool = False) -> RowSums | None:
        """The sums at the family's starting means (R's ``mustart``), chunk by chunk."""
        import dask

        shared = block_family(family, None)
        checks, _ = self._checks()
        parts = [dask.delayed(_chunk_sums)(shared, xb, yb, wb, ob, tb, None, None, None, observed, True, check)
                 for (xb, yb, wb, ob, tb), check in zip(self._chunks(family), checks)]
        total = self._reduce(parts)
        if total is None:
            return None
        self._learn(total)
        trials = self._trials(family)
        if trials is None:
            mu = self.y.map_blocks(lambda yb, wb: family.starting_mu(yb, wb), self.prior_weights, dtype=float)
        else:
            mu = self.y.map_blocks(lambda yb, wb, tb: block_family(shared, tb).starting_mu(yb, wb),
                                   self.prior_weights, trials, dtype=float)
        eta = mu.map_blocks(family.link.link, dtype=float)
        total.eta, total.mu, total.working_weights = self._lazy_fit(shared, eta, mu)
        return total

    def _checks(self):
        """The chunks' pending input checks (once, then None each) and whether this is the first pass."""
        first = not hasattr(self, "start_extras")
        if self.pending_check is None or not first:
            return [None] * self.X.numblocks[0], first
        checks = self.pending_check.blocks(self.X.chunks[0])
        self.pending_check = None
        return checks, first

    def _learn(self, total: RowSums) -> None:
        """Keep what the start pass learned: the intercept test and the null model for the next passes."""
        extras = self.start_extras = dict(total.extras)
        if "positive" in extras and extras["positive"] == 0:
            raise ValueError("weights: every weight is zero, so there is nothing to fit")
        intercept = bool(np.any((extras["col_max"] == extras["col_min"]) & (extras["first_row"] != 0)))
        extras["has_intercept"] = intercept
        if not intercept:
            self.null = ("offset", None)
        elif extras["offset_nonzero"] == 0:
            self.null = ("mean", extras["sum_wy"] / extras["sum_w"])

    def prior_gram(self) -> np.ndarray:
        """``X' diag(prior weights) X``, one pass."""
        import dask

        parts = [dask.delayed(_chunk_prior_gram)(xb, wb) for xb, _, wb, _, _ in self._chunks()]
        return self._reduce(parts, sum)


def check_separation_at_scale(family: Family, X, y, weights, state) -> None:
    """What the separation check can do on dask arrays: detect means at the boundary, and say so.

    Confirming separation takes a linear program over all rows
    (:func:`glm_lib._engine._separation.detect_separation`), which needs the data in
    memory; at scale only its trigger runs (one pass over the chunks), and a
    ``SeparationWarning`` says that the check was cut short. Returns None.
    """
    import warnings

    import dask.array as da


    if family.mean_bounds == (None, None):
        return None
    if "near_bounds" in getattr(state, "extras", {}):
        hint = state.extras["near_bounds"] > 0  # travelled with the last pass
    else:
        near = da.map_blocks(lambda yb, mb, wb: np.array([_near_bounds(family, yb, mb, wb)]), y, state.mu, weights,
                             dtype=bool, chunks=((1,) * y.numblocks[0],))
        hint = bool(near.any().compute())
    if hint or not state.converged:
        warnings.warn(
            f"fitted means of the {family.name} fit are at the boundary of the family (or the fit did not "
            "converge), which suggests separation; the linear-programming check that confirms it needs the "
            "data in memory and was skipped for dask arrays. Fit a sample in memory with gl.fit to check, "
            "or treat infinite-looking coefficients and their standard errors as meaningless",
            SeparationWarning,
            stacklevel=3,
        )
    return None
