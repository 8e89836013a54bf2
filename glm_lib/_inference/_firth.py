"""Penalised likelihood-ratio tests after a Firth fit (Heinze and Schemper 2002; ``logistf``'s ``drop1``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._engine._firth import _constrained, penalised_deviance
from .._formula._terms import INTERCEPT, term_columns
from .._glm._results import GLMResults

__all__ = ["penalised_lrt"]


def _check_firth_fit(res, caller: str) -> None:
    if not isinstance(res, GLMResults):
        raise TypeError(f"{caller}: res must be a fitted GLM (gl.glm or gl.fit), not {type(res).__name__}")
    if res.method != "firth":
        raise ValueError(
            f"{caller}: res was fitted with method={res.method!r}; the penalised likelihood-ratio test "
            "needs a fit with method='firth' (for maximum-likelihood fits use gl.drop1 or gl.anova)"
        )
    if res.aliased:
        raise ValueError(f"{caller}: the model has aliased coefficients ({', '.join(res.aliased)}); "
                         "drop them from the formula first")


def penalised_lrt(res, terms: str | list[str] | None = None) -> pd.DataFrame:
    """Penalised likelihood-ratio tests of dropping terms from a Firth fit (``logistf``'s tests).

    For a term with coefficients ``beta_T`` the statistic is

        2 { l*(beta_tilde) - max_{beta : beta_T = 0} l*(beta) },

    with ``l*(beta) = l(beta) + 0.5 log det I(beta)`` and ``I`` the *full*
    model's information in both terms, so the restricted fit is the full model
    with ``beta_T`` held at zero, not a Firth fit of the smaller model (whose
    penalty would be another function). It is referred to chi-squared on the
    term's number of coefficients (Heinze and Schemper, 2002).

    Parameters
    ----------
    res : GLMResults
        A fit with ``method="firth"``.
    terms : list of str, optional
        Term labels (``"NV"``, ``"sex:ldose"``) or, for a fit on a design
        matrix, coefficient names; default every term but the intercept.

    Returns
    -------
    pandas.DataFrame
        One row per term: ``Df``, ``Pen. deviance`` (of the restricted fit,
        ``D - log det I``), ``LRT`` and ``Pr(>Chi)``; a first row ``<none>``
        holds the full fit's penalised deviance.

    Raises
    ------
    TypeError
        When ``res`` is not a fitted GLM.
    ValueError
        When ``res`` was not fitted with ``method="firth"``, has aliased
        coefficients, or a term is not in the model.

    Notes
    -----
    R: ``logistf::drop1`` on a ``logistf`` fit (and ``logistf::anova``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> endometrial = gl.datasets.load_endometrial()
    >>> res = gl.glm("HG ~ NV + PI + EH", endometrial, family=gl.Binomial(), method="firth")
    >>> table = gl.firth.penalised_lrt(res)
    >>> round(float(table.loc["NV", "LRT"]), 4), round(float(table.loc["NV", "Pr(>Chi)"]), 4)
    (6.7985, 0.0091)
    """
    _check_firth_fit(res, "penalised_lrt")
    columns = term_columns(res)
    labels = [label for label in columns if label != INTERCEPT]
    if terms is None:
        terms = labels
    elif isinstance(terms, str):
        terms = [terms]
    else:
        terms = list(terms)
    unknown = [t for t in terms if t not in columns]
    if unknown:
        raise ValueError(f"terms: {', '.join(map(repr, unknown))} not terms of the model; choose from "
                         f"{', '.join(labels)}")
    full = penalised_deviance(res.family, res.model_X, res.y, res.prior_weights, res.offset, res._params)
    rows = {"<none>": [np.nan, full, np.nan, np.nan]}
    for term in terms:
        fixed = np.zeros(res.rank, dtype=bool)
        fixed[list(columns[term])] = True
        restricted, _ = _constrained(res, fixed, np.zeros(int(fixed.sum())))
        statistic = max(restricted - full, 0.0)
        df = int(fixed.sum())
        rows[term] = [df, restricted, statistic, float(stats.chi2.sf(statistic, df))]
    return pd.DataFrame.from_dict(rows, orient="index", columns=["Df", "Pen. deviance", "LRT", "Pr(>Chi)"])
