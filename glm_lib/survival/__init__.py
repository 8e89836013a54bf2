"""Survival data as GLMs: splitting follow-up into intervals, and parametric survival regression.

- :func:`survsplit` splits each subject's follow-up at cut points (R's
  ``survival::survSplit``); a Poisson GLM of the split data's event indicators
  with offset ``log(exposure)`` is the piecewise-exponential model, and with
  ``risk_sets=True`` it reproduces the Cox model (Breslow's ties) exactly.
- :func:`survreg` fits accelerated-failure-time models, exponential or Weibull
  (R's ``survival::survreg``), returning :class:`SurvregResults`.
"""

from ._split import survsplit
from ._survreg import SurvregResults, survreg

__all__ = ["survsplit", "survreg", "SurvregResults"]
