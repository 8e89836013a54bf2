"""Analysis of deviance for GLMs: one model's terms added in order (R's ``anova(m)``),
or a sequence of nested models (R's ``anova(m1, m2, ...)``).

For negative binomial fits with theta estimated (:func:`glm_lib.glm_nb`) the
deviances belong to different thetas and cannot be subtracted; the table is
then R's ``anova.negbin``: the likelihood-ratio statistic ``2 (l1 - l0)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._formula._terms import INTERCEPT, term_columns
from .._glm._results import GLMResults
from ._selection import _refit

__all__ = ["anova"]


def _is_glm_nb(model: GLMResults) -> bool:
    """True for a fit whose negative binomial theta was estimated (glm_nb)."""
    return hasattr(model, "theta")


def _check_models(models) -> None:
    """Every argument is a GLM fit of the same kind, family, link, response and weights."""
    if not models:
        raise ValueError("anova needs a fitted model, or several nested models smallest first")
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
    """Analysis of deviance: one model's terms in order, or nested models compared.

    With one model, each term of its formula is added in turn to the model
    with only the intercept (R's ``anova(m, test = "Chisq")``): a row per term
    with the drop in deviance it brings, given the terms before it. With
    several models, each is compared with the one before it
    (``anova(m1, m2, ...)``).

    Parameters
    ----------
    *models : GLMResults
        One fit, or two or more fits, smallest first, each nested in the next.
    test : {"auto", "Chisq", "LRT", "F"}
        ``"Chisq"`` (R's alias ``"LRT"``) is the likelihood-ratio test: the
        drop in deviance divided by the dispersion of the largest model,
        referred to chi-squared. ``"F"`` divides the mean deviance drop by that
        dispersion and uses the F distribution (for families whose dispersion
        is estimated). ``"auto"`` picks ``"F"`` when the dispersion is
        estimated, else ``"Chisq"``, as R does. For :func:`glm_lib.glm_nb`
        fits only the likelihood-ratio test exists.

    Returns
    -------
    pandas.DataFrame
        One model: rows ``NULL`` and one per term, columns ``Df``,
        ``Deviance``, ``Resid. Df``, ``Resid. Dev`` and the test's statistic
        and p-value. Several models: one row per model, columns ``Resid. Df``,
        ``Resid. Dev``, ``Df``, ``Deviance`` and the test, as R prints them.
        For ``glm_nb`` fits, R's ``anova.negbin`` columns: ``Model``,
        ``theta``, ``Resid. df``, ``2 x log-lik.``, ``Test``, ``df``, ``LR
        stat.``, ``Pr(Chi)``.

    Raises
    ------
    TypeError
        When an argument is not a fitted GLM.
    ValueError
        No model; different kinds, families, links, responses or weights;
        models not ordered smallest first; an unknown ``test``.

    See Also
    --------
    drop1, add1 : single-term deletions and additions.

    Notes
    -----
    R: ``anova.glm`` (``stats``), ``anova.negbin`` (``MASS``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> dobson = gl.datasets.load_dobson()
    >>> res = gl.glm("counts ~ outcome + treatment", data=dobson, family=gl.Poisson())
    >>> gl.anova(res)["Df"].tolist()
    [nan, 2.0, 2.0]
    """
    if test == "LRT":
        test = "Chisq"
    if test not in ("auto", "Chisq", "F"):
        raise ValueError(f"test must be 'auto', 'Chisq' (or 'LRT') or 'F', got {test!r}")
    _check_models(models)
    if _is_glm_nb(models[0]):
        if test == "F":
            raise ValueError("test='F' does not apply to glm_nb fits: their comparison is a likelihood-ratio test")
        return _anova_negbin(models)
    first = models[0]
    if len(models) == 1:
        return _sequential(first, test)
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


def _sequential(model: GLMResults, test: str) -> pd.DataFrame:
    """R's ``anova.glm`` of one model: its terms added one at a time, in order."""
    if _is_glm_nb(model):
        raise ValueError("anova of a single glm_nb fit is not available; compare nested glm_nb fits instead")
    if model.method == "firth":
        raise ValueError("anova compares maximum-likelihood deviances; refit without method='firth'")
    if test == "auto":
        test = "F" if model.family.estimated_dispersion else "Chisq"
    terms = term_columns(model)
    columns = list(terms.pop(INTERCEPT, []))
    X = model.model_X
    labels, df_resid, deviance = ["NULL"], [], []
    rank, dev = _refit(model, X[:, columns], 1e-8)
    df_resid.append(model.nobs - rank)
    deviance.append(dev)
    for label, indices in terms.items():
        columns = sorted(columns + list(indices))
        rank, dev = _refit(model, X[:, columns], 1e-8)
        labels.append(label)
        df_resid.append(model.nobs - rank)
        deviance.append(dev)
    # The full model's own deviance, not a refit's, in the last row (R does the same).
    deviance[-1] = model.deviance
    df_resid = np.array(df_resid, dtype=float)
    deviance = np.array(deviance)
    df = np.concatenate([[np.nan], -np.diff(df_resid)])
    drop = np.concatenate([[np.nan], -np.diff(deviance)])
    table = pd.DataFrame({"Df": df, "Deviance": drop, "Resid. Df": df_resid, "Resid. Dev": deviance},
                         index=labels)
    with np.errstate(divide="ignore", invalid="ignore"):
        if test == "Chisq":
            table["Pr(>Chi)"] = stats.chi2.sf(drop / model.dispersion, df)
        else:
            f_stat = drop / df / model.dispersion
            table["F"] = f_stat
            table["Pr(>F)"] = stats.f.sf(f_stat, df, model.df_resid)
    return table
