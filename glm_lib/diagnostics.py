"""Model checking for fitted GLMs, with R's names.

Leverage and influence (``hatvalues``, ``rstandard``, ``rstudent``,
``cooks_distance``, ``dfbetas``), collinearity (``vif``), residual plots
(partial, binned, half-normal with a simulated envelope), goodness of fit for
binary data (``hosmer_lemeshow``, ``calibration``, ``roc_curve``/``auc``,
``brier_score``) and rootograms for counts.
"""

# The API is the implementation module's __all__, and nothing else.
from ._inference._diagnostics import *  # noqa: F401,F403
from ._inference._diagnostics import __all__  # noqa: F401
