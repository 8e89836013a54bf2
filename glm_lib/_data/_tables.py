"""Contingency tables and the long data a log-linear (Poisson) model is fitted to.

A log-linear model is a Poisson GLM with one row per cell of the table, so a
chapter needs three conversions: a cross-tabulation to long counts (R's
``as.data.frame(table)``), long counts to a cross-tabulation (R's ``xtabs``),
and a fitted model's expected counts arranged as the observed table. For
stratified tables it also gives the Cochran–Mantel–Haenszel test with the
Mantel–Haenszel common odds ratio (R's ``mantelhaen.test``) and the
Breslow–Day test of a common odds ratio.
Factor columns keep their level order (pandas categoricals), so formulas give
R's reference levels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from .._model._validation import first_rows

__all__ = ["to_long", "xtabs", "fitted_table", "mantelhaen", "breslow_day", "StratifiedTest"]


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

    Raises
    ------
    ValueError
        An unnamed index or column level, negative or non-finite counts, or a
        ``name`` that is already a factor name.
    TypeError
        ``table`` is neither a DataFrame nor a Series.

    Notes
    -----
    R: ``as.data.frame(table, responseName = name)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> ucb = gl.datasets.load_ucb_admissions()
    >>> table = gl.tables.xtabs(ucb, "Freq", "Gender", "Admit")
    >>> gl.tables.to_long(table)
       Gender     Admit    Freq
    0    Male  Admitted  1198.0
    1  Female  Admitted   557.0
    2    Male  Rejected  1493.0
    3  Female  Rejected  1278.0
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

    Raises
    ------
    ValueError
        Unknown columns, a factor in both ``rows`` and ``columns``, negative or
        non-finite counts, or missing factor values.
    TypeError
        ``data`` is not a DataFrame.

    Notes
    -----
    R: ``stats::xtabs(counts ~ rows + columns, data)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> ucb = gl.datasets.load_ucb_admissions()
    >>> gl.tables.xtabs(ucb, "Freq", "Gender", "Admit")
    Admit   Admitted  Rejected
    Gender
    Male      1198.0    1493.0
    Female     557.0    1278.0
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

    Returns
    -------
    pandas.DataFrame
        The fitted means ``mu_hat_i`` of the cells, laid out as :func:`xtabs`
        lays out the counts.

    Raises
    ------
    TypeError
        ``result`` has no fitted means ``result.mu``.
    ValueError
        ``result`` and ``data`` have different numbers of rows, or as :func:`xtabs`.

    Notes
    -----
    R: ``xtabs(fitted(fit) ~ rows + columns, data)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> ucb = gl.datasets.load_ucb_admissions()
    >>> independence = gl.glm("Freq ~ Gender + Admit", ucb, family=gl.Poisson())
    >>> gl.tables.fitted_table(independence, ucb, "Gender", "Admit").round(1)
    Admit   Admitted  Rejected
    Gender
    Male      1043.5    1647.5
    Female     711.5    1123.5
    """
    if not hasattr(result, "mu") or np.ndim(result.mu) != 1:
        raise TypeError("result must be a fitted model with fitted means in result.mu (e.g. from gl.glm)")
    mu = np.asarray(result.mu, dtype=float)
    if mu.shape[0] != len(data):
        raise ValueError(f"result has {mu.shape[0]} fitted values but data has {len(data)} rows; pass the data it was fitted to")
    frame = data.copy()
    frame["__fitted__"] = mu
    return xtabs(frame, "__fitted__", rows, columns)


# --------------------------------------------------------------------------
# stratified tables: Cochran-Mantel-Haenszel and Breslow-Day
# --------------------------------------------------------------------------
@dataclass
class StratifiedTest:
    """The result of :func:`mantelhaen` or :func:`breslow_day` (fields named as R's ``htest``).

    Attributes
    ----------
    statistic : float
        The chi-squared statistic.
    df : int
        Its degrees of freedom.
    pvalue : float
        Upper-tail chi-squared probability.
    estimate : float or None
        The Mantel-Haenszel common odds ratio (2 x 2 x K tables only).
    conf_int : tuple of float or None
        Its confidence interval (Robins, Breslow and Greenland's variance of
        its logarithm), as ``mantelhaen.test``.
    method : str
    conf_level : float or None
        The level of ``conf_int``.

    Notes
    -----
    R: the ``htest`` object of ``mantelhaen.test`` (``$statistic``,
    ``$parameter``, ``$p.value``, ``$estimate``, ``$conf.int``, ``$method``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> ucb = gl.datasets.load_ucb_admissions()
    >>> test = gl.tables.mantelhaen(ucb, "Freq", "Gender", "Admit", "Dept")
    >>> test.df, round(test.statistic, 4), round(test.estimate, 4)
    (1, 1.4269, 0.9047)
    """

    statistic: float
    df: int
    pvalue: float
    estimate: float | None
    conf_int: tuple[float, float] | None
    method: str
    conf_level: float | None = None

    def __str__(self) -> str:
        text = f"{self.method}: X-squared = {self.statistic:.4f}, df = {self.df}, p-value = {self.pvalue:.4g}"
        if self.estimate is not None:
            text += f"; common odds ratio {self.estimate:.4f}"
        if self.conf_int is not None:
            text += f" ({100 * self.conf_level:g}% CI {self.conf_int[0]:.4f} to {self.conf_int[1]:.4f})"
        return text


def _stratified_array(data, counts, rows, columns, strata) -> tuple[np.ndarray, list, list, list]:
    """The counts as an ``I x J x K`` array (R's ``xtabs(counts ~ rows + columns + strata)``) and the levels."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    names = {"rows": rows, "columns": columns, "strata": strata}
    for what, name in names.items():
        if not isinstance(name, str):
            raise TypeError(f"{what} must name one column (a string), not {type(name).__name__}")
    if len({rows, columns, strata}) < 3:
        raise ValueError(f"rows, columns and strata must be three different columns, got {rows!r}, {columns!r}, {strata!r}")
    table = xtabs(data, counts, rows=[strata, rows], columns=columns)
    levels = [list(table.index.levels[1]), list(table.columns), list(table.index.levels[0])]
    full = pd.MultiIndex.from_product([table.index.levels[0], table.index.levels[1]])
    values = table.reindex(full, fill_value=0.0).to_numpy().reshape(len(levels[2]), len(levels[0]), len(levels[1]))
    array = np.transpose(values, (1, 2, 0))  # rows x columns x strata
    I, J, K = array.shape
    if I < 2 or J < 2:
        raise ValueError(f"rows and columns need at least 2 levels each, got {I} and {J}")
    if K < 2:
        raise ValueError(f"strata needs at least 2 levels (got {K}); for one table use an independence test")
    return array, levels[0], levels[1], levels[2]


def _check_stratum_sizes(array: np.ndarray, strata_levels: list) -> np.ndarray:
    totals = array.sum(axis=(0, 1))
    small = totals < 2
    if small.any():
        raise ValueError(
            f"strata {', '.join(str(strata_levels[k]) for k in np.flatnonzero(small))} have fewer than 2 "
            "observations, so their variance is undefined (R's mantelhaen.test stops too); drop those strata"
        )
    return totals


def mantelhaen(data: pd.DataFrame, counts: str, rows: str, columns: str, strata: str, correct: bool = True,
               conf_level: float = 0.95) -> StratifiedTest:
    """Cochran-Mantel-Haenszel test of conditional independence (R's ``mantelhaen.test``).

    Tests that ``rows`` and ``columns`` are independent within every level of
    ``strata``. For a ``2 x 2 x K`` table the statistic is
    ``(|sum_k (y_11k - E y_11k)| - 1/2)^2 / sum_k Var y_11k`` (the ``1/2``
    only with ``correct``) on 1 df, and the result carries the
    Mantel-Haenszel estimate of the common odds ratio,
    ``sum_k y_11k y_22k / n_k / sum_k y_12k y_21k / n_k``, with a Wald interval
    from the Robins-Breslow-Greenland variance of its logarithm. For larger
    ``I x J x K`` tables it is the generalised statistic on
    ``(I - 1)(J - 1)`` df, without an estimate.

    Parameters
    ----------
    data : DataFrame
        Long counts, one row per cell (rows with the same levels are summed).
    counts : str
        The column of counts.
    rows, columns, strata : str
        Factor columns; the first levels (categorical order) are the
        reference for the odds ratio, which compares the odds of the first
        column level in the first row level with those in the second.
    correct : bool
        Continuity correction (2 x 2 x K only), R's default.
    conf_level : float
        Confidence level of the interval for the common odds ratio.

    Returns
    -------
    StratifiedTest

    Raises
    ------
    ValueError
        For unknown columns, negative or non-finite counts, fewer than two
        levels, a stratum with fewer than two observations, or a
        ``conf_level`` outside (0, 1).

    Notes
    -----
    R: ``stats::mantelhaen.test(xtabs(counts ~ rows + columns + strata, data), correct)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> ucb = gl.datasets.load_ucb_admissions()
    >>> test = gl.tables.mantelhaen(ucb, "Freq", "Gender", "Admit", "Dept")
    >>> round(test.pvalue, 4), [round(x, 4) for x in test.conf_int]
    (0.2323, [0.7719, 1.0603])
    """
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    x, _, _, strata_levels = _stratified_array(data, counts, rows, columns, strata)
    n = _check_stratum_sizes(x, strata_levels)
    I, J, _ = x.shape
    if (I, J) == (2, 2):
        row1, col1 = x[0].sum(axis=0), x[:, 0].sum(axis=0)
        delta = float(np.sum(x[0, 0] - row1 * col1 / n))
        variance = float(np.sum(row1 * (n - row1) * col1 * (n - col1) / (n**2 * (n - 1))))
        yates = 0.5 if correct and abs(delta) >= 0.5 else 0.0
        statistic = (abs(delta) - yates) ** 2 / variance
        a, b, c, d = x[0, 0], x[0, 1], x[1, 0], x[1, 1]
        s_diag, s_offd = float(np.sum(a * d / n)), float(np.sum(b * c / n))
        estimate = s_diag / s_offd if s_offd > 0 else math.inf
        if 0 < s_diag and 0 < s_offd:
            log_var = (
                np.sum((a + d) * a * d / n**2) / (2 * s_diag**2)
                + np.sum(((a + d) * b * c + (b + c) * a * d) / n**2) / (2 * s_diag * s_offd)
                + np.sum((b + c) * b * c / n**2) / (2 * s_offd**2)
            )
            half = stats.norm.ppf(1 - (1 - conf_level) / 2) * math.sqrt(float(log_var))
            conf_int = (estimate * math.exp(-half), estimate * math.exp(half))
        else:
            conf_int = None
        method = "Mantel-Haenszel chi-squared test" + (" with continuity correction" if correct else " without continuity correction")
        return StratifiedTest(float(statistic), 1, float(stats.chi2.sf(statistic, 1)), estimate, conf_int, method,
                              conf_level if conf_int is not None else None)
    df = (I - 1) * (J - 1)
    gap = np.zeros(df)
    V = np.zeros((df, df))
    for k in range(x.shape[2]):
        f, total = x[:, :, k], n[k]
        rows_k, cols_k = f.sum(axis=1)[:-1], f.sum(axis=0)[:-1]
        gap += f[:-1, :-1].ravel(order="F") - np.outer(rows_k, cols_k).ravel(order="F") / total
        V += np.kron(np.diag(total * cols_k) - np.outer(cols_k, cols_k),
                     np.diag(total * rows_k) - np.outer(rows_k, rows_k)) / (total**2 * (total - 1))
    try:
        statistic = float(gap @ linalg.solve(V, gap, assume_a="sym"))
    except linalg.LinAlgError as exc:
        raise ValueError("the covariance of the summed cells is singular (an empty row or column level?); "
                         "drop unused levels") from exc
    return StratifiedTest(statistic, df, float(stats.chi2.sf(statistic, df)), None, None,
                          "Cochran-Mantel-Haenszel test")


def breslow_day(data: pd.DataFrame, counts: str, rows: str, columns: str, strata: str,
                correct: bool = False) -> StratifiedTest:
    """Breslow-Day test that a ``2 x 2 x K`` table has a common odds ratio.

    For each stratum, the count ``y_11k`` expected under the Mantel-Haenszel
    common odds ratio ``psi`` (given the stratum's margins) solves
    ``E (n_2k - m_k + E) / ((m_k - E)(n_1k - E)) = psi``; the statistic
    ``sum_k (y_11k - E_k)^2 / V_k``, with ``V_k`` the reciprocal of the sum of
    the reciprocals of the four fitted cells, is referred to chi-squared on
    ``K - 1`` df (Breslow and Day, 1980). A stratum whose margins fix its
    table (a zero row or column total) has no information on the odds ratio
    (its term would be 0/0); it is left out and costs its degree of freedom.
    ``correct=True`` subtracts
    Tarone's (1985) correction, as ``DescTools::BreslowDayTest(correct = TRUE)``.

    Parameters
    ----------
    data, counts, rows, columns, strata
        As for :func:`mantelhaen`; ``rows`` and ``columns`` must have two levels.
    correct : bool
        Tarone's correction.

    Returns
    -------
    StratifiedTest
        With the Mantel-Haenszel odds ratio the fitted counts are based on as ``estimate``.

    Raises
    ------
    ValueError
        As for :func:`mantelhaen`; also ``rows`` or ``columns`` without exactly
        two levels, a Mantel-Haenszel odds ratio of 0 or infinity, or fewer than
        two strata with informative tables.

    Notes
    -----
    R: ``DescTools::BreslowDayTest(xtabs(counts ~ rows + columns + strata, data), correct)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> ucb = gl.datasets.load_ucb_admissions()
    >>> test = gl.tables.breslow_day(ucb, "Freq", "Gender", "Admit", "Dept")
    >>> test.df, round(test.statistic, 4)
    (5, 18.8255)
    """
    x, row_levels, column_levels, strata_levels = _stratified_array(data, counts, rows, columns, strata)
    if x.shape[:2] != (2, 2):
        raise ValueError(f"the Breslow-Day test needs 2 x 2 tables; rows and columns have {x.shape[0]} and {x.shape[1]} levels")
    _check_stratum_sizes(x, strata_levels)
    psi = mantelhaen(data, counts, rows, columns, strata, correct=False).estimate
    if not (psi and math.isfinite(psi)):
        raise ValueError("the Mantel-Haenszel odds ratio is 0 or infinite, so no common odds ratio can be fitted")
    statistic, gaps, variances, informative = 0.0, 0.0, 0.0, 0
    for k in range(x.shape[2]):
        a = x[0, 0, k]
        row1, col1, total = x[0, :, k].sum(), x[:, 0, k].sum(), x[:, :, k].sum()
        lo, hi = max(0.0, col1 + row1 - total), min(row1, col1)
        if hi - lo <= 0:
            continue  # the margins fix the table (a zero row or column total): no information on the odds ratio
        informative += 1
        f = lambda e: e * (total - row1 - col1 + e) - psi * (row1 - e) * (col1 - e)
        expected = optimize.brentq(f, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps)
        variance = 1.0 / (1.0 / expected + 1.0 / (row1 - expected) + 1.0 / (col1 - expected)
                          + 1.0 / (total - row1 - col1 + expected))
        statistic += (a - expected) ** 2 / variance
        gaps += a - expected
        variances += variance
    if informative < 2:
        raise ValueError("fewer than two strata have tables not fixed by their margins; no homogeneity to test")
    if correct:
        statistic -= gaps**2 / variances
    df = informative - 1
    method = "Breslow-Day test on homogeneity of odds ratios" + (" (with Tarone correction)" if correct else "")
    return StratifiedTest(float(statistic), df, float(stats.chi2.sf(statistic, df)), psi, None, method)
