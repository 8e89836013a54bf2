"""Contingency tables and the long data a log-linear (Poisson) model is fitted to.

A log-linear model is a Poisson GLM with one row per cell of the table, so a
chapter needs three conversions: a cross-tabulation to long counts (R's
``as.data.frame(table)``), long counts to a cross-tabulation (R's ``xtabs``),
and a fitted model's expected counts arranged as the observed table.
Factor columns keep their level order (pandas categoricals), so formulas give
R's reference levels.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from .._model._validation import first_rows

__all__ = ["to_long", "xtabs", "fitted_table"]


def _as_list(names, what: str) -> list:
    names = [names] if isinstance(names, str) else list(names)
    if not names:
        raise ValueError(f"{what} must name at least one column")
    return names


def _check_counts(values: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        raise ValueError(f"{what} must be finite non-negative counts; offending {first_rows(bad)}")


def to_long(table: pd.DataFrame | pd.Series, name: str = "Freq") -> pd.DataFrame:
    """One row per cell of a contingency table, with its count (R's ``as.data.frame(table)``).

    Parameters
    ----------
    table : DataFrame or Series
        A cross-tabulation (``pd.crosstab``, or a DataFrame whose index and
        columns carry the factors; either may be a MultiIndex), or a Series of
        counts indexed by the factors. Index and column names become the
        factor names.
    name : str
        The name of the count column.

    Returns
    -------
    pandas.DataFrame
        Factor columns as categoricals (levels in the table's order) and the
        counts in ``name``, first factor varying fastest as in R.
    """
    if isinstance(table, pd.DataFrame):
        unnamed = [i for i, n in enumerate(list(table.index.names) + list(table.columns.names)) if n is None]
        if unnamed:
            raise ValueError(
                "every index and column level of table needs a name (they become the factor names); "
                "set them with table.rename_axis(index=..., columns=...)"
            )
        series = table.stack(list(range(table.columns.nlevels)), future_stack=True)
    elif isinstance(table, pd.Series):
        series = table
        if any(n is None for n in series.index.names):
            raise ValueError("every index level of table needs a name (they become the factor names)")
    else:
        raise TypeError(f"table must be a pandas DataFrame or Series, not {type(table).__name__}")
    values = series.to_numpy(dtype=float)
    _check_counts(values, "table")
    factors = list(series.index.names)
    if name in factors:
        raise ValueError(f"name={name!r} is already a factor name; choose another name for the counts")
    index = series.index if isinstance(series.index, pd.MultiIndex) else pd.MultiIndex.from_arrays([series.index])
    levels = [list(dict.fromkeys(index.get_level_values(k))) for k in range(index.nlevels)]
    frame = pd.DataFrame({f: pd.Categorical(index.get_level_values(k), categories=levels[k]) for k, f in enumerate(factors)})
    frame[name] = values
    # R's order: the first factor varies fastest.
    return frame.sort_values(factors[::-1], kind="stable").reset_index(drop=True)


def xtabs(data: pd.DataFrame, counts: str, rows: str | Sequence[str], columns: str | Sequence[str]) -> pd.DataFrame:
    """Cross-tabulate long counts (R's ``xtabs(counts ~ rows + columns, data)``).

    Parameters
    ----------
    data : DataFrame
        One row per cell (or several rows per cell, which are summed).
    counts : str
        The column of counts (or of fitted values).
    rows, columns : str or sequence of str
        Factor columns for the table's rows and columns.

    Returns
    -------
    pandas.DataFrame
        Every combination of levels (categorical levels in their order), empty
        cells as 0.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    rows, columns = _as_list(rows, "rows"), _as_list(columns, "columns")
    for column in [counts, *rows, *columns]:
        if column not in data.columns:
            raise ValueError(f"{column!r} is not a column of data (columns: {', '.join(map(str, data.columns))})")
    overlap = set(rows) & set(columns)
    if overlap:
        raise ValueError(f"{', '.join(sorted(overlap))} appear in both rows and columns")
    values = data[counts].to_numpy(dtype=float)
    _check_counts(values, f"data[{counts!r}]")
    missing = data[rows + columns].isna().any(axis=1).to_numpy()
    if missing.any():
        raise ValueError(f"the factor columns have missing values at {first_rows(missing)}")
    table = data.pivot_table(index=rows, columns=columns, values=counts, aggfunc="sum", fill_value=0, observed=False)
    return table.astype(float)


def fitted_table(result, data: pd.DataFrame, rows: str | Sequence[str], columns: str | Sequence[str]) -> pd.DataFrame:
    """A fitted model's expected counts arranged as :func:`xtabs` arranges the observed ones.

    Parameters
    ----------
    result : GLMResults
        A fit to ``data`` (one row per cell), typically a Poisson log-linear
        model; its fitted means ``result.mu`` are the expected counts.
    data : DataFrame
        The data the model was fitted to, in the same row order.
    rows, columns : str or sequence of str
        As for :func:`xtabs`.
    """
    if not hasattr(result, "mu") or np.ndim(result.mu) != 1:
        raise TypeError("result must be a fitted model with fitted means in result.mu (e.g. from gl.glm)")
    mu = np.asarray(result.mu, dtype=float)
    if mu.shape[0] != len(data):
        raise ValueError(f"result has {mu.shape[0]} fitted values but data has {len(data)} rows; pass the data it was fitted to")
    frame = data.copy()
    frame["__fitted__"] = mu
    return xtabs(frame, "__fitted__", rows, columns)
