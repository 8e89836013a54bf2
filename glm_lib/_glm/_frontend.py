"""R-style formula front ends for a single GLM: ``glm`` (in memory or on a dask DataFrame)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._engine._backends import is_dask
from .._formula._formula import _column_or_values, model_frame
from .._model._families import Family
from ._fit import fit


def glm(formula: str, data: pd.DataFrame, family: Family | None = None, offset=None, weights=None, **fit_options):
    """Fit a GLM described by an R-style formula.

    Parameters
    ----------
    formula : str
        ``"response ~ terms"``. Use ``C(x)`` or ``factor(x)`` to treat a numeric
        column as a factor, ``a:b`` and ``a*b`` for interactions, ``log(x)`` or
        ``np.log(x)`` for transforms, ``I(x^2)`` for arithmetic, ``poly(x, 2)``
        for orthogonal polynomials, ``offset(log(exposure))`` for an offset,
        ``- 1`` to drop the intercept. For binomial counts the response may be
        ``cbind(successes, failures)``, and a binomial response may be a
        two-level factor or strings (the first level is failure).
    data : pandas.DataFrame
        The variables. Missing values are an error (R would silently drop
        the rows).
    family : Family, optional
        Defaults to ``Gaussian()``.
    offset, weights : str or array-like, optional
        A column name of ``data`` or values, one per row. An ``offset`` adds
        to any ``offset(...)`` terms of the formula, as in R.
    **fit_options
        Passed to :func:`glm_lib.fit` (``method``, ``tol``, ``max_iter``, ...).

    Returns
    -------
    GLMResults
        With coefficient names from the formula; ``predict`` accepts a
        DataFrame of raw variables and evaluates the offset in it.

    Raises
    ------
    ValueError
        A malformed formula, a variable that is not a column of ``data``,
        missing values, and everything :func:`glm_lib.fit` rejects (responses
        outside the family's support, negative weights, a rank-deficient design).
    TypeError
        ``data`` not a DataFrame, or ``family`` not a :class:`~glm_lib.Family`.

    Warns
    -----
    ConvergenceWarning, SeparationWarning, PerfectFitWarning
        As :func:`glm_lib.fit`.

    Notes
    -----
    R: ``stats::glm(formula, family, data, weights, offset)``. Coefficient
    names differ for factors: glm_lib's ``outcome[T.2]`` is R's ``outcome2``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> dobson = gl.datasets.load_dobson()
    >>> res = gl.glm("counts ~ outcome + treatment", dobson, family=gl.Poisson())
    >>> round(float(res.params["outcome[T.2]"]), 4), round(float(res.bse["outcome[T.2]"]), 4)
    (-0.4543, 0.2022)
    >>> round(float(res.deviance), 4), int(res.df_resid), round(float(res.aic), 4)
    (5.1291, 4, 56.7613)
    """
    if is_dask(data):  # one pass learns the model spec, then a map-reduce fit (glm_lib._glm._dask)
        from ._dask import glm_dask

        return glm_dask(formula, data, family, offset, weights, **fit_options)
    return _fit_formula(fit, formula, data, offset, weights, family=family, **fit_options)


def _fit_formula(fitter, formula, data, offset, weights, **options):
    frame = model_frame(formula, data, options.get("family"))
    offset_values = _column_or_values(data, offset, "offset")
    if frame.offset is not None:
        if offset_values is not None:
            offset_values = frame.offset + np.asarray(offset_values, dtype=float)
        else:
            offset_values = frame.offset
    result = fitter(
        frame.design,
        frame.response,
        weights=_column_or_values(data, weights, "weights"),
        offset=offset_values,
        formula=" ".join(formula.split()),
        **options,
    )
    result.model_spec = frame.design.model_spec
    # What predict() evaluates in new data to rebuild the offset.
    result.offset_terms = frame.parsed.offsets + ((offset,) if isinstance(offset, str) else ())
    return result
