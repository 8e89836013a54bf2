"""R-style formula interface: ``glm("y ~ x + C(group)", data, family)``.

The formula is parsed by formulaic (factors, interactions, transforms such as
``np.log(x)``) rather than by a hand-written parser. Two R idioms are added: a
``cbind(successes, failures)`` left-hand side for binomial counts, and
``offset`` / ``weights`` given as column names.
"""

from __future__ import annotations

import re

import pandas as pd
from formulaic import Formula, model_matrix

from .families import Family
from .fitting import fit
from .negbin import fit_negative_binomial
from .validation import check_formula, first_rows

__all__ = ["glm", "glm_nb"]

_CBIND = re.compile(r"^\s*cbind\((?P<args>.*)\)\s*$")


def _column_or_values(data: pd.DataFrame, value, name: str):
    if isinstance(value, str):
        if value not in data.columns:
            raise ValueError(f"{name}={value!r} is not a column of data")
        return data[value].to_numpy(dtype=float)
    return value


def _reject_missing(formula: str, data: pd.DataFrame) -> None:
    """Name the rows with missing values in the columns the formula uses."""
    try:
        used = [name for name in Formula(formula).required_variables if name in data.columns]
    except Exception:  # an unparsable formula is reported by model_matrix below
        return
    missing = data[sorted(used)].isna()
    if missing.to_numpy().any():
        columns = ", ".join(missing.columns[missing.any(axis=0)])
        raise ValueError(
            f"data has missing values in {columns} at {first_rows(missing.any(axis=1).to_numpy())}; "
            "drop or impute them first (R's na.omit would drop these rows silently)"
        )


def _model_matrices(formula: str, data: pd.DataFrame):
    """The response (1-D, or n x 2 for ``cbind``) and the design of an R-style formula."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    check_formula(formula)
    lhs, rhs = formula.split("~", 1)
    match = _CBIND.match(lhs)
    if match:
        parts = [part.strip() for part in match.group("args").split(",")]
        if len(parts) != 2:
            raise ValueError(f"cbind() takes two columns (successes, failures), got {lhs.strip()!r}")
        # Each argument is an expression in R (cbind(dead, 20 - dead)); formulaic's
        # {...} evaluates it as Python instead of as formula arithmetic.
        lhs = " + ".join(f"{{{part}}}" for part in parts)
    _reject_missing(f"{lhs} ~ {rhs}", data)
    try:
        matrices = model_matrix(f"{lhs} ~ {rhs}", data, na_action="raise")
    except Exception as exc:  # formulaic raises several types; give one clear message
        raise ValueError(f"could not build the design for {formula!r}: {exc}") from exc
    response = matrices.lhs.to_numpy(dtype=float)
    if response.shape[1] == 1:
        response = response[:, 0]
    elif not match:
        raise ValueError(
            f"the left-hand side {lhs.strip()!r} gave {response.shape[1]} columns; "
            "write cbind(successes, failures) for binomial counts"
        )
    return response, matrices.rhs


def glm(formula: str, data: pd.DataFrame, family: Family | None = None, offset=None, weights=None, **fit_options):
    """Fit a GLM described by an R-style formula.

    Parameters
    ----------
    formula : str
        ``"response ~ terms"``. Use ``C(x)`` to treat a numeric column as a
        factor, ``a:b`` and ``a*b`` for interactions, ``np.log(x)`` for
        transforms, ``- 1`` to drop the intercept. For binomial counts the
        response may be ``cbind(successes, failures)``.
    data : pandas.DataFrame
        The variables. Missing values are an error (R would silently drop
        the rows).
    family : Family, optional
        Defaults to ``Gaussian()``.
    offset, weights : str or array-like, optional
        A column name of ``data`` or values, one per row.
    **fit_options
        Passed to :func:`glm_lib.fit` (``method``, ``tol``, ``max_iter``, ...).

    Returns
    -------
    GLMResults
        With coefficient names from the formula; ``predict`` accepts a
        DataFrame of raw variables.
    """
    return _fit_formula(fit, formula, data, offset, weights, family=family, **fit_options)


def glm_nb(formula: str, data: pd.DataFrame, offset=None, weights=None, **options):
    """Negative binomial regression with alpha estimated, from a formula (R's ``MASS::glm.nb``).

    Parameters are as for :func:`glm`; ``options`` go to
    :func:`glm_lib.negbin.fit_negative_binomial` (``link``, ``tol``, ...).
    """
    return _fit_formula(fit_negative_binomial, formula, data, offset, weights, **options)


def _fit_formula(fitter, formula, data, offset, weights, **options):
    response, design = _model_matrices(formula, data)
    result = fitter(
        design,
        response,
        weights=_column_or_values(data, weights, "weights"),
        offset=_column_or_values(data, offset, "offset"),
        formula=" ".join(formula.split()),
        **options,
    )
    result.model_spec = design.model_spec
    return result
