"""Analysis of deviance for nested GLMs (R's ``anova(m1, m2, ...)``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .results import GLMResults

__all__ = ["anova"]


def anova(*models: GLMResults, test: str = "auto") -> pd.DataFrame:
    """Compare nested models fitted to the same data.

    Parameters
    ----------
    *models : GLMResults
        Two or more fits, smallest first, each nested in the next.
    test : {"auto", "Chisq", "F"}
        ``"Chisq"`` is the likelihood-ratio test: the drop in deviance,
        divided by the dispersion of the largest model, against chi-squared.
        ``"F"`` divides the mean deviance drop by that dispersion and uses the
        F distribution (for families whose dispersion is estimated).
        ``"auto"`` picks ``"F"`` when the dispersion is estimated, else ``"Chisq"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``Resid. Df``, ``Resid. Dev``, ``Df``, ``Deviance`` and the
        test's statistic and p-value, one row per model, as R prints it.
    """
    if len(models) < 2:
        raise ValueError("anova needs at least two nested models, smallest first")
    first = models[0]
    for model in models[1:]:
        if type(model.family) is not type(first.family) or model.family.link != first.family.link:
            raise ValueError("anova: all models must have the same family and link")
        if model.nobs != first.nobs or not np.array_equal(model.y, first.y):
            raise ValueError("anova: the models were not fitted to the same responses")
    df_resid = [m.df_resid for m in models]
    if any(b > a for a, b in zip(df_resid, df_resid[1:])):
        raise ValueError(f"anova: models must be ordered from smallest to largest (residual df {df_resid})")
    if test == "auto":
        test = "F" if first.family.estimated_dispersion else "Chisq"
    if test not in ("Chisq", "F"):
        raise ValueError(f"test must be 'auto', 'Chisq' or 'F', got {test!r}")
    largest = models[-1]
    dispersion = largest.dispersion
    table = pd.DataFrame(
        {
            "Resid. Df": df_resid,
            "Resid. Dev": [m.deviance for m in models],
        },
        index=[f"Model {i + 1}" for i in range(len(models))],
    )
    df = -np.diff(table["Resid. Df"].to_numpy()).astype(float)
    drop = -np.diff(table["Resid. Dev"].to_numpy())
    table["Df"] = np.concatenate([[np.nan], df])
    table["Deviance"] = np.concatenate([[np.nan], drop])
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "Chisq":
            p = stats.chi2.sf(drop / dispersion, df)
            table["Pr(>Chi)"] = np.concatenate([[np.nan], p])
        else:
            f_stat = drop / df / dispersion
            p = stats.f.sf(f_stat, df, largest.df_resid)
            table["F"] = np.concatenate([[np.nan], f_stat])
            table["Pr(>F)"] = np.concatenate([[np.nan], p])
    return table
