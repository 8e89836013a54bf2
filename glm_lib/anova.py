"""Analysis of deviance for nested GLMs (R's ``anova(m1, m2, ...)``).

For negative binomial fits with theta estimated (:func:`glm_lib.glm_nb`) the
deviances belong to different thetas and cannot be subtracted; the table is
then R's ``anova.negbin``: the likelihood-ratio statistic ``2 (l1 - l0)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .results import GLMResults

__all__ = ["anova"]


def _is_glm_nb(model: GLMResults) -> bool:
    """True for a fit whose negative binomial theta was estimated (glm_nb)."""
    return hasattr(model, "theta")


def _check_models(models) -> None:
    """Every argument is a GLM fit of the same kind, family, link, response and weights."""
    if len(models) < 2:
        raise ValueError("anova needs at least two nested models, smallest first")
    for position, model in enumerate(models, start=1):
        if not isinstance(model, GLMResults):
            raise TypeError(
                f"anova: model {position} is a {type(model).__name__}, not a fitted GLM "
                "(pass the results of gl.glm, gl.fit or gl.glm_nb)"
            )
    firth = [position for position, model in enumerate(models, start=1) if model.method == "firth"]
    if firth:
        raise ValueError(
            f"anova: model(s) {firth} were fitted with method='firth'; two Firth fits of different models "
            "maximise different penalised likelihoods, so their deviances do not give a likelihood-ratio "
            "test. Test the terms of the larger Firth fit with gl.drop1(fit, test='Chisq') "
            "(penalised likelihood-ratio tests)"
        )
    first = models[0]
    for position, model in enumerate(models[1:], start=2):
        if _is_glm_nb(model) != _is_glm_nb(first):
            raise ValueError(
                f"anova: model {position} and model 1 are of different kinds (one estimates the negative "
                "binomial theta, the other does not); compare glm_nb fits only with glm_nb fits"
            )
        if type(model.family) is not type(first.family) or model.family.link != first.family.link:
            raise ValueError(
                f"anova: all models must have the same family and link; model 1 is {first.family!r}, "
                f"model {position} is {model.family!r}"
            )
        if model.nobs != first.nobs or not np.array_equal(model.y, first.y):
            raise ValueError(f"anova: model {position} was not fitted to the same responses as model 1")
        if not np.array_equal(model.prior_weights, first.prior_weights):
            raise ValueError(f"anova: model {position} was fitted with other prior weights than model 1")
    df_resid = [m.df_resid for m in models]
    if any(b > a for a, b in zip(df_resid, df_resid[1:])):
        raise ValueError(f"anova: models must be ordered from smallest to largest (residual df {df_resid})")


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
        For :func:`glm_lib.glm_nb` fits only the likelihood-ratio test exists.

    Returns
    -------
    pandas.DataFrame
        Columns ``Resid. Df``, ``Resid. Dev``, ``Df``, ``Deviance`` and the
        test's statistic and p-value, one row per model, as R prints it. For
        ``glm_nb`` fits, R's ``anova.negbin`` columns: ``Model``, ``theta``,
        ``Resid. df``, ``2 x log-lik.``, ``Test``, ``df``, ``LR stat.``, ``Pr(Chi)``.

    Raises
    ------
    TypeError
        When an argument is not a fitted GLM.
    ValueError
        Fewer than two models, different kinds, families, links, responses or
        weights, models not ordered smallest first, or an unknown ``test``.
    """
    if test not in ("auto", "Chisq", "F"):
        raise ValueError(f"test must be 'auto', 'Chisq' or 'F', got {test!r}")
    _check_models(models)
    if _is_glm_nb(models[0]):
        if test == "F":
            raise ValueError("test='F' does not apply to glm_nb fits: their comparison is a likelihood-ratio test")
        return _anova_negbin(models)
    first = models[0]
    if test == "auto":
        test = "F" if first.family.estimated_dispersion else "Chisq"
    largest = models[-1]
    dispersion = largest.dispersion
    table = pd.DataFrame(
        {
            "Resid. Df": [m.df_resid for m in models],
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


def _anova_negbin(models) -> pd.DataFrame:
    """R's ``anova.negbin``: each fit at its own theta, compared by ``2 (l_k - l_{k-1})``."""
    twice_llf = np.array([2.0 * m.llf for m in models])
    df = -np.diff([m.df_resid for m in models]).astype(float)
    statistic = np.diff(twice_llf)
    p = stats.chi2.sf(statistic, df)
    return pd.DataFrame(
        {
            "Model": [m.formula.split("~", 1)[1].strip() if m.formula else f"model {i + 1}" for i, m in enumerate(models)],
            "theta": [m.theta for m in models],
            "Resid. df": [m.df_resid for m in models],
            "2 x log-lik.": twice_llf,
            "Test": [""] + [f"{i} vs {i + 1}" for i in range(1, len(models))],
            "df": np.concatenate([[np.nan], df]),
            "LR stat.": np.concatenate([[np.nan], statistic]),
            "Pr(Chi)": np.concatenate([[np.nan], p]),
        },
        index=[f"Model {i + 1}" for i in range(len(models))],
    )
