"""Split survival data into one row per subject and time interval (R's ``survival::survSplit``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._model._validation import first_rows
from ._checks import check_data, column_name, entry_times, event_indicator, survival_times

__all__ = ["survsplit"]

_NEW_COLUMNS = ("tstart", "tstop", "exposure", "interval")


def _cut_points(cut, times: np.ndarray, events: np.ndarray) -> np.ndarray:
    """The sorted distinct cut points: given, or the distinct event times when ``cut`` is None."""
    if cut is None:
        points = np.unique(times[events == 1])
        if points.size == 0:
            raise ValueError("cut=None splits at the distinct event times, but event is 0 for every subject")
        return points
    if isinstance(cut, (str, bytes)):
        raise TypeError(f"cut must be numbers (the times at which to split), not the string {cut!r}")
    try:
        points = np.asarray(cut, dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cut must be numbers (the times at which to split): {exc}") from None
    bad = ~np.isfinite(points)
    if bad.any():
        raise ValueError(f"cut holds NaN or infinite values at positions {first_rows(bad)[5:]}; give finite times")
    if points.size == 0:
        raise ValueError("cut is empty; give at least one time, or cut=None to split at every event time")
    return np.unique(points)  # sorted, duplicates dropped (as survSplit does)


def _label(value: float) -> str:
    return "inf" if np.isinf(value) else f"{value:g}"


def survsplit(data: pd.DataFrame, time: str, event: str, cut=None, start: str | None = None,
              risk_sets: bool = False, id: str | None = None) -> pd.DataFrame:
    r"""Split each subject's follow-up at the cut points: R's ``survSplit``.

    Subject :math:`i` is followed from its entry (``start``, else 0) to
    :math:`t_i` (``time``), where the follow-up ends in an event
    (:math:`\delta_i = 1`) or is censored (:math:`\delta_i = 0`). The cut points
    :math:`\tau_1 < \dots < \tau_K` divide time into intervals
    :math:`(\tau_{k-1}, \tau_k]`; each subject gets one row for every interval
    that its follow-up overlaps, with the piece of follow-up in that interval
    and an event indicator that is :math:`\delta_i` in the subject's last piece
    and 0 before it. The Poisson GLM of these indicators with offset
    :math:`\log` ``exposure`` and a factor ``interval`` is the
    piecewise-exponential model:
    ``gl.glm("event ~ interval + x", long, family=gl.Poisson(), offset=np.log(long["exposure"]))``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject.
    time : str
        Column of follow-up times :math:`t_i` (positive; later than ``start``).
    event : str
        Column of event indicators :math:`\delta_i`: 1 (or True) for an event,
        0 (or False) for a censored time.
    cut : array-like, optional
        Times at which to split (sorted and made distinct). None splits at every
        distinct event time, as ``survSplit(..., cut = unique(time[status == 1]))``.
    start : str, optional
        Column of entry times (delayed entry, R's ``Surv(start, time, event)``);
        0 for every subject when None.
    risk_sets : bool
        With ``cut=None`` only. If true, keep only the pieces that end at an event
        time, so that the rows of interval :math:`k` are exactly the risk set at
        :math:`\tau_k` (everyone still followed just before it): a subject censored
        strictly between two event times is not in the next event's risk set, so
        its last, partial piece is dropped, as is all follow-up after the last
        event time. The Poisson GLM ``event ~ interval + x`` on these rows
        reproduces the Cox model's estimates and standard errors for ``x`` with
        Breslow's handling of ties exactly (Whitehead 1980). Without delayed
        entry the exposure is the same for every row of an interval, so the
        offset only shifts the interval's coefficient; with delayed entry, fit
        without the offset to reproduce the Cox model.
    id : str, optional
        Name of a new column holding each row's subject (its row label in ``data``),
        like ``survSplit``'s ``id``.

    Returns
    -------
    pandas.DataFrame
        One row per subject and interval, subjects in their order in ``data`` and
        each subject's intervals in time order: ``data``'s other columns carried
        along, then (``id``), ``tstart``, ``tstop``, the interval's event indicator
        under the name ``event``, ``exposure`` (``tstop - tstart``) and ``interval``
        (a categorical labelled ``(a, b]``, its categories in time order, with only
        the intervals that have rows; not flagged ``ordered``, because a formula
        gives an ordered factor polynomial contrasts, as R does, and the
        piecewise-exponential model needs one coefficient per interval under
        treatment coding). The ``time`` and ``start`` columns are replaced by ``tstart``
        and ``tstop``.

    Raises
    ------
    TypeError, ValueError
        For a ``data`` that is not a DataFrame, unknown columns, non-numeric, missing
        or non-positive times, entry times not before the times, event values other
        than 0/1, non-finite cut points, ``risk_sets=True`` with a ``cut``, or a
        ``data`` column that the output would overwrite.

    Notes
    -----
    R: ``survival::survSplit(Surv(time, event) ~ ., data, cut, episode = "interval")``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> lung = gl.datasets.load_lung()
    >>> long = gl.survival.survsplit(lung[["time", "status", "age"]], "time", "status", cut=[180, 365])
    >>> long.shape, long["interval"].cat.categories.tolist()
    ((452, 6), ['(0, 180]', '(180, 365]', '(365, inf)'])
    """
    data = check_data(data)
    time = column_name(data, time, "time")
    event = column_name(data, event, "event")
    if event == time:
        raise ValueError(f"time and event must be different columns, both are {time!r}")
    if not isinstance(risk_sets, (bool, np.bool_)):
        raise TypeError(f"risk_sets must be True or False, not {type(risk_sets).__name__} {risk_sets!r}")
    times = survival_times(data, time, positive=start is None)
    events = event_indicator(data, event)
    entry = entry_times(data, start, times, time)
    if risk_sets and cut is not None:
        raise ValueError(
            "risk_sets=True splits at the event times (each interval ends at one, and its rows are that "
            "event's risk set); leave cut=None, or use risk_sets=False to split at your own cut points"
        )
    taken = {time, event} | ({start} if start is not None else set())
    kept = [c for c in data.columns if c not in taken]
    new = list(_NEW_COLUMNS) + ([id] if id is not None else [])
    if id is not None and not isinstance(id, str):
        raise TypeError(f"id must be a column name (a string), not {type(id).__name__} {id!r}")
    clash = [c for c in new if c in kept or c == event]
    if clash:
        raise ValueError(
            f"data already has the column(s) {clash} that survsplit creates; rename them first"
            + (" (or choose another id=)" if id in clash else "")
        )
    cuts = _cut_points(cut, times, events)

    # The cuts strictly inside (entry, time] split a subject: indices first..last-1 of cuts.
    first = np.searchsorted(cuts, entry, side="right")
    last = np.searchsorted(cuts, times, side="left")
    pieces = last - first + 1
    subject = np.repeat(np.arange(len(data)), pieces)
    offsets = np.concatenate([[0], np.cumsum(pieces)[:-1]])
    within = np.arange(pieces.sum()) - np.repeat(offsets, pieces)  # 0, 1, ... within each subject
    which = first[subject] + within  # interval number: 0 is (-inf, cuts[0]], K is (cuts[-1], inf)
    is_first = within == 0
    is_last = within == pieces[subject] - 1
    bounds = np.concatenate([[-np.inf], cuts, [np.inf]])
    tstart = np.where(is_first, entry[subject], bounds[which])
    tstop = np.where(is_last, times[subject], bounds[which + 1])
    indicator = np.where(is_last, events[subject], 0.0)

    if risk_sets:
        at_event = tstop == bounds[which + 1]  # the piece runs to the interval's end, an event time
        subject, which, tstart, tstop, indicator = (a[at_event] for a in (subject, which, tstart, tstop, indicator))

    lower = bounds.copy()
    lower[0] = entry.min()
    used = np.unique(which)
    labels = [f"({_label(lower[k])}, {_label(bounds[k + 1])}]" if np.isfinite(bounds[k + 1])
              else f"({_label(lower[k])}, inf)" for k in used]
    codes = np.searchsorted(used, which)

    long = data[kept].iloc[subject].reset_index(drop=True)
    if id is not None:
        long[id] = data.index.to_numpy()[subject]
    long["tstart"] = tstart
    long["tstop"] = tstop
    long[event] = indicator.astype(int)
    long["exposure"] = tstop - tstart
    # Categories in time order but not flagged ordered: glm_lib, like R, gives an ordered factor
    # polynomial contrasts, whereas each interval needs its own coefficient (its log hazard).
    long["interval"] = pd.Categorical.from_codes(codes, categories=labels, ordered=False)
    return long
