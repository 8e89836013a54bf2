"""Input checks shared by :func:`survsplit` and :func:`survreg`.

Each raises a ``TypeError``/``ValueError`` that names the argument, the offending
rows and what to do, as the rest of glm_lib does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._model._validation import first_rows

__all__ = ["check_data", "column_name", "survival_times", "event_indicator", "entry_times"]


def check_data(data) -> pd.DataFrame:
    """``data`` must be a non-empty pandas DataFrame."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("data has no rows; survival data need at least one subject")
    return data


def column_name(data: pd.DataFrame, value, argument: str) -> str:
    """``value`` must name a column of ``data``."""
    if not isinstance(value, str):
        raise TypeError(f"{argument} must be a column name (a string), not {type(value).__name__} {value!r}")
    if value not in data.columns:
        shown = ", ".join(map(str, list(data.columns)[:12]))
        raise ValueError(f"{argument}={value!r} is not a column of data (its columns: {shown})")
    return value


def _numeric(data: pd.DataFrame, column: str, argument: str) -> np.ndarray:
    values = data[column]
    if isinstance(values.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    ):
        raise TypeError(f"{argument}={column!r} must be a numeric column, but its dtype is {values.dtype}")
    array = values.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(array)
    if bad.any():
        raise ValueError(
            f"{argument}={column!r} is missing (NaN) or infinite at {first_rows(bad)}; "
            "drop those subjects or complete their follow-up first"
        )
    return array


def survival_times(data: pd.DataFrame, column: str, argument: str = "time", positive: bool = True) -> np.ndarray:
    """Follow-up times: finite numbers, and positive unless ``positive=False`` (then non-negative)."""
    times = _numeric(data, column, argument)
    bad = times <= 0 if positive else times < 0
    if bad.any():
        need = "positive (> 0)" if positive else "non-negative"
        raise ValueError(
            f"{argument}={column!r} must be {need}, but it is {times[bad][0]:g} at {first_rows(bad)}; "
            "a survival time is the length of follow-up, so check the data entry"
        )
    return times


def event_indicator(data: pd.DataFrame, column: str, argument: str = "event") -> np.ndarray:
    """The event indicator: 1 (or True) for an event, 0 (or False) for a censored time."""
    events = _numeric(data, column, argument)
    bad = (events != 0) & (events != 1)
    if bad.any():
        found = ", ".join(f"{v:g}" for v in pd.unique(events[bad])[:5])
        hint = " (R's Surv also accepts 1/2 codes: recode them as event = status - 1)" if set(np.unique(events)) <= {1.0, 2.0} else ""
        raise ValueError(
            f"{argument}={column!r} must be 0 (censored) or 1 (event), but it holds {found} at "
            f"{first_rows(bad)}{hint}"
        )
    return events


def entry_times(data: pd.DataFrame, start, time_values: np.ndarray, time: str) -> np.ndarray:
    """Times of entry (delayed entry); 0 when ``start`` is None. Each must precede the subject's time."""
    if start is None:
        return np.zeros(len(data))
    column = column_name(data, start, "start")
    entry = _numeric(data, column, "start")
    bad = entry >= time_values
    if bad.any():
        raise ValueError(
            f"start={column!r} must be earlier than time={time!r} for every subject, but it is not at "
            f"{first_rows(bad)}; a subject enters follow-up before it ends"
        )
    return entry
