"""Contingency tables and the long data a log-linear (Poisson) model is fitted to.

A log-linear model is a Poisson GLM with one row per cell of the table, so a
chapter needs three conversions: a cross-tabulation to long counts (R's
``as.data.frame(table)``), long counts to a cross-tabulation (R's ``xtabs``),
and a fitted model's expected counts arranged as the observed table.
Factor columns keep their level order (pandas categoricals), so formulas give
R's reference levels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._model._validation import first_rows

__all__ = ["to_long", "xtabs", "fitted_table", "mantelhaen", "MantelHaenszel"]


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


@dataclass
class MantelHaenszel:
    """The Cochran-Mantel-Haenszel test of a 2 x 2 x K table, with the common odds ratio.

    Attributes
    ----------
    statistic, df, p_value : float, int, float
        The Mantel-Haenszel chi-squared statistic (1 df) for conditional
        independence of rows and columns given the strata, and its p-value.
    odds_ratio : float
        The Mantel-Haenszel estimate of the common odds ratio.
    conf_int : tuple of float
        Its confidence interval, from the Robins-Breslow-Greenland variance
        of the log odds ratio (as R's ``mantelhaen.test``).
    breslow_day, breslow_day_df, breslow_day_p_value : float, int, float
        The Breslow-Day test that the K odds ratios are equal (K - 1 df).
    tarone, tarone_p_value : float
        The same with Tarone's correction, which makes it a proper
        chi-squared statistic when the common odds ratio is estimated.
    table : pandas.DataFrame
        Each stratum's cells ``n11, n12, n21, n22`` and its own odds ratio.
    correct : bool
        Whether the continuity correction was applied.
    """

    statistic: float
    df: int
    p_value: float
    odds_ratio: float
    conf_int: tuple
    conf_level: float
    breslow_day: float
    breslow_day_df: int
    breslow_day_p_value: float
    tarone: float
    tarone_p_value: float
    table: pd.DataFrame
    correct: bool

    def __str__(self) -> str:
        corrected = "with" if self.correct else "without"
        lower, upper = self.conf_int
        return "\n".join([
            f"Mantel-Haenszel chi-squared test {corrected} continuity correction",
            "",
            f"Mantel-Haenszel X-squared = {self.statistic:.4g}, df = {self.df}, p-value = {self.p_value:.4g}",
            "alternative hypothesis: true common odds ratio is not equal to 1",
            f"{round(100 * self.conf_level)} percent confidence interval:",
            f" {lower:.7g} {upper:.7g}",
            "sample estimates:",
            f"common odds ratio {self.odds_ratio:.7g}",
            "",
            f"Breslow-Day test of equal odds ratios: X-squared = {self.breslow_day:.4g}, "
            f"df = {self.breslow_day_df}, p-value = {self.breslow_day_p_value:.4g} "
            f"(Tarone: {self.tarone:.4g}, p-value = {self.tarone_p_value:.4g})",
        ])


def _expected_cell(n11, row1, col1, total, ratio):
    """The (1, 1) count with the margins fixed whose odds ratio is ``ratio``."""
    lower, upper = max(0.0, col1 + row1 - total), min(row1, col1)
    if upper <= lower:
        return lower

    def gap(a):
        return a * (total - row1 - col1 + a) - ratio * (row1 - a) * (col1 - a)

    return optimize.brentq(gap, lower, upper, xtol=1e-13, rtol=1e-15)


def mantelhaen(data: pd.DataFrame, counts: str, rows: str, columns: str, strata: str,
               correct: bool = True, conf_level: float = 0.95) -> MantelHaenszel:
    """Cochran-Mantel-Haenszel test of a 2 x 2 x K table in long form (R's ``mantelhaen.test``).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per cell (or per case, with counts of 1): the table in long form.
    counts : str
        The column of counts.
    rows, columns : str
        The two binary factors; their first level (a categorical's first
        category, else the first in sorted order) is row 1 and column 1, as
        in R's table.
    strata : str
        The stratifying factor, K >= 1 levels.
    correct : bool
        Apply the continuity correction (R's default).
    conf_level : float
        Level of the odds ratio's confidence interval.

    Returns
    -------
    MantelHaenszel
        The test, the common odds ratio with its interval, and the
        Breslow-Day test of homogeneous odds ratios.

    Raises
    ------
    ValueError
        Columns missing from ``data``, a factor that does not have exactly
        two levels, negative or non-finite counts, a stratum with fewer than
        two observations, or a ``conf_level`` outside (0, 1).
    TypeError
        ``data`` is not a DataFrame.

    Notes
    -----
    R: ``mantelhaen.test(x, correct = TRUE)`` for the test and the common odds
    ratio; the Breslow-Day and Tarone statistics (e.g. ``DescTools::BreslowDayTest``)
    are computed at the Mantel-Haenszel estimate.

    Examples
    --------
    >>> import glm_lib as gl
    >>> ucb = gl.datasets.load_ucb_admissions()
    >>> cmh = gl.tables.mantelhaen(ucb, "Freq", "Admit", "Gender", "Dept")
    >>> round(cmh.odds_ratio, 4)
    0.9047
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    missing = [c for c in (counts, rows, columns, strata) if c not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {', '.join(map(str, missing))}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    values = pd.to_numeric(data[counts], errors="coerce").to_numpy(dtype=float)
    _check_counts(values, f"counts ({counts!r})")
    levels = {}
    for name in (rows, columns):
        column = data[name]
        found = list(column.cat.categories) if isinstance(column.dtype, pd.CategoricalDtype) else sorted(pd.unique(column))
        if len(found) != 2:
            raise ValueError(f"{name!r} must have exactly two levels for a 2 x 2 x K table, got {len(found)}: {found}")
        levels[name] = found
    grouped = data.assign(**{counts: values}).groupby([strata, rows, columns], observed=False)[counts].sum()
    layers = []
    stratum_levels = list(data[strata].cat.categories) if isinstance(data[strata].dtype, pd.CategoricalDtype) else sorted(pd.unique(data[strata]))
    for k in stratum_levels:
        cell = [[grouped.get((k, r, c), 0.0) for c in levels[columns]] for r in levels[rows]]
        layers.append((k, cell[0][0], cell[0][1], cell[1][0], cell[1][1]))
    table = pd.DataFrame(layers, columns=[strata, "n11", "n12", "n21", "n22"]).set_index(strata)
    a, b, c, d = (table[col].to_numpy(dtype=float) for col in ("n11", "n12", "n21", "n22"))
    n = a + b + c + d
    small = n < 2
    if small.any():
        raise ValueError(f"every stratum needs at least two observations; strata {list(table.index[small])} have fewer")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["odds_ratio"] = a * d / (b * c)
    row1, col1 = a + b, a + c
    delta = np.sum(a - row1 * col1 / n)
    variance = np.sum(row1 * (c + d) * col1 * (b + d) / (n**2 * (n - 1)))
    yates = 0.5 if correct and abs(delta) >= 0.5 else 0.0
    statistic = (abs(delta) - yates) ** 2 / variance
    diag, offd = np.sum(a * d / n), np.sum(b * c / n)
    ratio = diag / offd
    sd = np.sqrt(np.sum((a + d) * a * d / n**2) / (2 * diag**2)
                 + np.sum(((a + d) * b * c + (b + c) * a * d) / n**2) / (2 * diag * offd)
                 + np.sum((b + c) * b * c / n**2) / (2 * offd**2))
    z = stats.norm.ppf((1 + conf_level) / 2)
    expected = np.array([_expected_cell(a_k, r_k, c_k, n_k, ratio) for a_k, r_k, c_k, n_k in zip(a, row1, col1, n)])
    with np.errstate(divide="ignore"):
        cell_variance = 1.0 / (1 / expected + 1 / (row1 - expected) + 1 / (col1 - expected) + 1 / (n - row1 - col1 + expected))
    informative = np.isfinite(cell_variance) & (cell_variance > 0)
    breslow_day = float(np.sum(np.square(a - expected)[informative] / cell_variance[informative]))
    tarone = breslow_day - float(np.sum((a - expected)[informative]) ** 2 / np.sum(cell_variance[informative]))
    bd_df = int(informative.sum()) - 1
    return MantelHaenszel(
        statistic=float(statistic), df=1, p_value=float(stats.chi2.sf(statistic, 1)),
        odds_ratio=float(ratio), conf_int=(float(ratio * np.exp(-z * sd)), float(ratio * np.exp(z * sd))),
        conf_level=conf_level, breslow_day=breslow_day, breslow_day_df=bd_df,
        breslow_day_p_value=float(stats.chi2.sf(breslow_day, bd_df)) if bd_df > 0 else float("nan"),
        tarone=tarone, tarone_p_value=float(stats.chi2.sf(tarone, bd_df)) if bd_df > 0 else float("nan"),
        table=table, correct=correct,
    )
