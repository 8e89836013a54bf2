"""Warnings that glm_lib emits; all are ``UserWarning`` subclasses so they show by default."""

from __future__ import annotations

__all__ = ["ConvergenceWarning", "SeparationWarning", "AliasedColumnsWarning", "PerfectFitWarning"]


class ConvergenceWarning(UserWarning):
    """The solver stopped at ``max_iter`` before meeting its tolerance.

    Notes
    -----
    R: the warning ``glm.fit: algorithm did not converge``.

    Examples
    --------
    >>> import warnings
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = gl.glm("satellites ~ width", crabs, family=gl.Poisson(), max_iter=2)
    >>> [w.category.__name__ for w in caught]
    ['ConvergenceWarning']
    """


class SeparationWarning(UserWarning):
    """The data are (quasi-)completely separated: some maximum-likelihood
    estimates are infinite and the reported ones are not meaningful.

    Notes
    -----
    R: the warning ``glm.fit: fitted probabilities numerically 0 or 1 occurred``
    (``detectseparation::detect_separation`` checks for separation itself).

    Examples
    --------
    >>> import warnings
    >>> import glm_lib as gl
    >>> endometrial = gl.datasets.load_endometrial()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = gl.glm("HG ~ NV + PI + EH", endometrial, family=gl.Binomial())
    >>> [w.category.__name__ for w in caught]
    ['SeparationWarning']
    """


class AliasedColumnsWarning(UserWarning):
    """Columns of the design were linear combinations of others and were dropped.

    Notes
    -----
    R: none as a warning: ``glm`` reports the dropped coefficients as ``NA``
    ("not defined because of singularities"). glm_lib drops them only with
    ``drop_aliased=True`` and otherwise raises ``ValueError``.

    Examples
    --------
    >>> import warnings
    >>> import glm_lib as gl
    >>> crabs = gl.datasets.load_crabs()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = gl.glm("satellites ~ width + I(2 * width)", crabs, family=gl.Poisson(),
    ...                  drop_aliased=True)
    >>> [w.category.__name__ for w in caught]
    ['AliasedColumnsWarning']
    """


class PerfectFitWarning(UserWarning):
    """The model fits the data exactly: the estimated dispersion is zero, so the
    standard errors, tests and log-likelihood are degenerate (R's summary.lm:
    "essentially perfect fit").

    Notes
    -----
    R: the warning ``essentially perfect fit: summary may be unreliable`` of
    ``summary.lm``.

    Examples
    --------
    >>> import warnings
    >>> import glm_lib as gl
    >>> import pandas as pd
    >>> line = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "y": [3.0, 5.0, 7.0, 9.0]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     res = gl.glm("y ~ x", line)
    >>> [w.category.__name__ for w in caught]
    ['PerfectFitWarning']
    """
