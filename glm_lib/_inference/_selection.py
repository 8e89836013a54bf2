"""Single-term deletions and additions: R's ``drop1`` and ``add1`` for glm fits.

Each table has one row for the current model (``<none>``) and one per term
dropped or added, with R's columns and R's quirks:

- ``drop1`` only drops terms not contained in a higher-order term (``a`` stays
  while ``a:b`` is in the model), and ``add1`` only adds terms whose
  lower-order parts are present;
- ``AIC`` is R's ``extractAIC`` scale: ``deviance / dispersion + 2 * rank``
  shifted so that the current model's entry is its AIC (for the Gaussian,
  ``n log(deviance / n)``); it is omitted for quasi families, which have none;
- ``test="Chisq"`` (or ``"LRT"``) refers the scaled deviance change to
  chi-squared, with the dispersion of the current model;
- ``test="F"``: ``drop1`` divides the mean deviance change by the current
  model's ``deviance / df_resid``; ``add1`` by each larger model's own
  ``deviance / (df_resid - df)``. Use it whenever the dispersion is estimated
  (Gaussian, Gamma, inverse Gaussian, quasi families).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
from formulaic import Formula
from scipy import stats

from .._model._families import Binomial, Gaussian, Poisson
from .._glm._fit import fit
from ._firth import penalised_lrt
from .._formula._terms import INTERCEPT, add_scope, drop_scope, term_columns, term_factors
from .._formula._formula import _model_matrices
from .._glm._results import GLMResults

__all__ = ["drop1", "add1"]

_TESTS = ("none", "Chisq", "LRT", "F")


def _check(res, test: str, k: float) -> str:
    if not isinstance(res, GLMResults):
        raise TypeError(f"res must be a fitted GLM (gl.glm or gl.fit), not {type(res).__name__}")
    if res.family.extra_params:
        raise ValueError(
            "drop1/add1 refit with the family fixed; for a negative binomial with alpha estimated "
            "compare gl.glm_nb fits with gl.anova instead"
        )
    if res.method == "firth":
        raise ValueError(
            "drop1/add1 compare maximum-likelihood deviances; for a fit with method='firth' drop1 "
            "gives penalised likelihood-ratio tests (test='Chisq'), and add1 does not apply"
        )
    if test not in _TESTS:
        raise ValueError(f"test must be one of {', '.join(_TESTS)}, got {test!r}")
    if not (np.isfinite(k) and k > 0):
        raise ValueError(f"k must be a positive number (2 for AIC, log(n) for BIC), got {k!r}")
    return "LRT" if test == "Chisq" else test


def _refit(res, X: np.ndarray, tol: float) -> tuple[int, float]:
    """Rank and deviance of the model with design ``X`` (same response, weights, offset)."""
    if X.shape[1] == 0:
        return 0, res.family.deviance(res.y, res.family.link.inverse(res.offset), res.prior_weights)
    with warnings.catch_warnings():
        # A submodel's own warnings (separation, say) do not change its deviance.
        warnings.simplefilter("ignore")
        smaller = fit(X, res.y, res.family, weights=res.prior_weights, offset=res.offset, tol=tol, drop_aliased=True)
    return smaller.rank, smaller.deviance


def _loglik_scale(res, deviance: np.ndarray) -> np.ndarray:
    if isinstance(res.family, Gaussian):
        n = res.y.shape[0]
        return n * np.log(deviance / n)
    return deviance / res.dispersion


def _aic_column(res, loglik: np.ndarray, ranks: np.ndarray, k: float):
    if not res.family.has_likelihood:
        return None
    aic = loglik + k * ranks
    current = res.aic + (k - 2.0) * res.rank  # R's extractAIC(fit, k)
    return aic + (current - aic[0])


def _warn_f_for_fixed_dispersion(res) -> None:
    if type(res.family) in (Binomial, Poisson):
        warnings.warn(
            f"the F test assumes a quasi-{res.family.name} family (an estimated dispersion); "
            "with the dispersion fixed at 1 use test='Chisq'",
            stacklevel=3,
        )


def drop1(res, scope: list[str] | None = None, test: str = "none", k: float = 2.0, tol: float = 1e-10) -> pd.DataFrame:
    """Refit the model without each term in turn (R's ``drop1`` on a glm).

    Parameters
    ----------
    res : GLMResults or OrdinalResults
        The current model (a formula fit names its terms; a fit on a design
        matrix treats each column as a term). An ordinal fit must come from
        :func:`glm_lib.ordinal_glm`.
    scope : list of str, optional
        Terms to try dropping; defaults to those not contained in another term.
    test : {"none", "Chisq", "LRT", "F"}
    k : float
        Penalty per parameter in the AIC column (``log(n)`` gives BIC's).
    tol : float
        Convergence tolerance of the refits.

    Returns
    -------
    pandas.DataFrame
        Rows ``<none>`` and one per dropped term; columns ``Df``, ``Deviance``,
        ``AIC`` and the test's (``LRT`` or ``scaled dev.`` and ``Pr(>Chi)``, or
        ``F value`` and ``Pr(>F)``).

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM.
    ValueError
        An unknown ``test``, ``k`` not a positive number, a negative binomial
        with ``alpha`` estimated (compare :func:`glm_lib.glm_nb` fits with
        :func:`glm_lib.anova`), or ``scope`` naming terms not in the model; on a Firth fit, a ``test`` other than ``"Chisq"``/``"LRT"``.

    Notes
    -----
    On an ordinal fit (R's ``drop1`` on a ``polr`` fit) the table has ``Df``,
    ``AIC`` (``-2 llf + k q`` with ``q`` parameters) and, with ``test="Chisq"``,
    ``LRT`` (twice the drop in log-likelihood) and ``Pr(>Chi)``; there is no
    F test, and a model left with no terms keeps only its thresholds.

    On a fit with ``method="firth"`` the table is that of
    :func:`glm_lib.firth.penalised_lrt` (as ``logistf``'s ``drop1``): each term
    is tested by the penalised likelihood ratio, the full model refitted with
    the term's coefficients at zero and the full model's penalty; ``test``
    must then be ``"Chisq"`` (or ``"LRT"``), and there is no AIC column.

    R: ``drop1(fit, scope, test = "Chisq" | "LRT" | "F", k = 2)`` (``stats:::drop1.glm``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> dobson = gl.datasets.load_dobson()
    >>> res = gl.glm("counts ~ outcome + treatment", dobson, family=gl.Poisson())
    >>> table = gl.drop1(res, test="Chisq")
    >>> round(float(table.loc["outcome", "LRT"]), 4), round(float(table.loc["outcome", "Pr(>Chi)"]), 4)
    (5.4523, 0.0655)
    """
    if hasattr(res, "_drop1"):  # a model class with its own refits (ordinal fits)
        return res._drop1(scope, test, k)
    if getattr(res, "method", None) == "firth":
        return _drop1_firth(res, scope, test)
    test = _check(res, test, k)
    columns = term_columns(res)
    labels = [label for label in columns if label != INTERCEPT]
    allowed = drop_scope(labels)
    scope = allowed if scope is None else list(scope)
    unknown = [term for term in scope if term not in labels]
    if unknown:
        raise ValueError(f"scope: {', '.join(unknown)} not terms of the model ({', '.join(labels)})")
    ranks, deviances = [res.rank], [res.deviance]
    for term in scope:
        keep = [j for j in range(res.rank) if j not in columns[term]]
        rank, deviance = _refit(res, res.model_X[:, keep], tol)
        ranks.append(rank)
        deviances.append(deviance)
    ranks, deviances = np.array(ranks, float), np.array(deviances)
    loglik = _loglik_scale(res, deviances)
    df = np.concatenate([[np.nan], ranks[0] - ranks[1:]])
    table = pd.DataFrame({"Df": df, "Deviance": deviances}, index=["<none>", *scope])
    aic = _aic_column(res, loglik, ranks, k)
    if aic is not None:
        table["AIC"] = aic
    if test == "LRT":
        change = np.maximum(0.0, loglik - loglik[0])
        change[0] = np.nan
        table["LRT" if res.dispersion == 1 else "scaled dev."] = change
        table["Pr(>Chi)"] = stats.chi2.sf(change, df)
    elif test == "F":
        _warn_f_for_fixed_dispersion(res)
        mean_square = deviances[0] / res.df_resid
        f_value = np.maximum(0.0, deviances - deviances[0]) / df / mean_square
        table["F value"] = f_value
        table["Pr(>F)"] = stats.f.sf(f_value, df, res.df_resid)
    return table


def add1(res, scope, data: pd.DataFrame, test: str = "none", k: float = 2.0, tol: float = 1e-10) -> pd.DataFrame:
    """Refit the model with each candidate term added in turn (R's ``add1`` on a glm).

    Parameters
    ----------
    res : GLMResults
        A fit from :func:`glm_lib.glm` (its formula is extended).
    scope : str or list of str
        The largest model's right-hand side (``"~ width + weight + width:weight"``;
        ``.`` stands for the current terms) or a list of term labels. Only
        candidates whose lower-order parts are in the model are tried.
    data : pandas.DataFrame
        The data the model was fitted to (with the candidates' columns).
    test, k, tol
        As for :func:`drop1`.

    Returns
    -------
    pandas.DataFrame
        As R prints it: ``<none>`` and one row per added term.

    Raises
    ------
    TypeError
        ``res`` is not a fitted GLM, or ``data`` not a DataFrame.
    ValueError
        An unknown ``test``, ``k`` not a positive number, a negative binomial
        with ``alpha`` estimated (compare :func:`glm_lib.glm_nb` fits with
        :func:`glm_lib.anova`), a fit not from a formula, a ``data`` of another length, no candidate term to add, or a Firth fit.

    Notes
    -----
    R: ``add1(fit, scope, test = "Chisq" | "LRT" | "F", k = 2)`` (``stats:::add1.glm``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> res = gl.glm("satellites ~ width", crabs, family=gl.Poisson())
    >>> table = gl.add1(res, "~ width + weight", crabs, test="Chisq")
    >>> round(float(table.loc["weight", "LRT"]), 4), round(float(table.loc["weight", "AIC"]), 4)
    (7.9934, 921.1829)
    """


    test = _check(res, test, k)
    if res.formula is None or getattr(res, "model_spec", None) is None:
        raise ValueError("add1 needs a fit from gl.glm(formula, data): it extends the formula")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be the pandas DataFrame the model was fitted to, not {type(data).__name__}")
    lhs, rhs = res.formula.split("~", 1)
    if isinstance(scope, str):
        # A lone "." is the current right-hand side, as in R's update.formula.
        scope_rhs = re.sub(r"(?<![\w.])\.(?![\w.])", f"({rhs.strip()})", scope.split("~", 1)[-1])
        candidates = [str(term) for term in Formula(scope_rhs) if str(term) != "1"]
    else:
        candidates = [str(term) for term in scope]
    current = [label for label in term_columns(res) if label != INTERCEPT]
    scope = add_scope(current, candidates)
    if not scope:
        raise ValueError(f"no terms in scope to add to {res.formula!r} (candidates: {', '.join(candidates) or 'none'})")
    _, design = _model_matrices(f"{lhs}~ {rhs} + {' + '.join(scope)}", data)
    if design.shape[0] != res.y.shape[0]:
        raise ValueError(f"data has {design.shape[0]} rows but the model was fitted to {res.y.shape[0]}")
    X = np.asarray(design, dtype=float)
    owner = {}
    for term, indices in design.model_spec.term_indices.items():
        label = INTERCEPT if str(term) == "1" else str(term)
        for j in indices:
            owner[j] = label
    present = {term_factors(label) for label in current} | {term_factors(INTERCEPT)}
    base = [j for j in range(X.shape[1]) if term_factors(owner[j]) in present]
    ranks, deviances = [], []
    for added in [None, *scope]:
        extra = [] if added is None else [j for j in range(X.shape[1]) if term_factors(owner[j]) == term_factors(added)]
        rank, deviance = _refit(res, X[:, sorted(base + extra)], tol)
        ranks.append(rank)
        deviances.append(deviance)
    ranks, deviances = np.array(ranks, float), np.array(deviances)
    loglik = _loglik_scale(res, deviances)
    df = ranks - ranks[0]
    df[0] = np.nan
    table = pd.DataFrame({"Df": df, "Deviance": deviances}, index=["<none>", *scope])
    aic = _aic_column(res, loglik, ranks, k)
    if aic is not None:
        table["AIC"] = aic
    if test == "LRT":
        change = np.maximum(0.0, loglik[0] - loglik)
        change[0] = np.nan
        table["LRT" if res.dispersion == 1 else "scaled dev."] = change
        table["Pr(>Chi)"] = stats.chi2.sf(change, df)
    elif test == "F":
        _warn_f_for_fixed_dispersion(res)
        rdf = res.df_resid
        with np.errstate(invalid="ignore"):
            f_value = np.maximum(0.0, (deviances[0] - deviances) / df) / (deviances / (rdf - df))
        table["F value"] = f_value
        table["Pr(>F)"] = stats.f.sf(f_value, df, rdf - df)
    return table


def _drop1_firth(res, scope, test: str) -> pd.DataFrame:
    """drop1 on a Firth fit: penalised likelihood-ratio tests (logistf's drop1)."""
    if test not in ("Chisq", "LRT"):
        raise ValueError(
            f"test={test!r}: a fit with method='firth' is compared by penalised likelihood-ratio tests; "
            "use test='Chisq'"
        )
    labels = [label for label in term_columns(res) if label != INTERCEPT]
    allowed = drop_scope(labels)
    scope = allowed if scope is None else list(scope)
    unknown = [term for term in scope if term not in labels]
    if unknown:
        raise ValueError(f"scope: {', '.join(unknown)} not terms of the model ({', '.join(labels)})")
    return penalised_lrt(res, scope)
