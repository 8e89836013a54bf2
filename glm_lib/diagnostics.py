"""Model checking for fitted GLMs, with R's names.

Leverage and influence (``hatvalues``, ``rstandard``, ``rstudent``,
``cooks_distance``, ``dfbetas``), collinearity (``vif``), residual plots
(partial, binned, half-normal with a simulated envelope), goodness of fit for
binary data (``hosmer_lemeshow``, ``calibration``, ``roc_curve``/``auc``,
``brier_score``) and rootograms for counts.
"""

from ._inference._diagnostics import (
    hatvalues,
    rstandard,
    rstudent,
    cooks_distance,
    dfbetas,
    vif,
    partial_residuals,
    simulate,
    halfnormal_envelope,
    binned_residuals,
    hosmer_lemeshow,
    HosmerLemeshow,
    roc_curve,
    auc,
    brier_score,
    calibration,
    rootogram,
    plot_halfnormal,
    plot_partial_residuals,
    plot_binned_residuals,
    plot_roc,
    plot_calibration,
    plot_rootogram,
)

__all__ = [
    "hatvalues",
    "rstandard",
    "rstudent",
    "cooks_distance",
    "dfbetas",
    "vif",
    "partial_residuals",
    "simulate",
    "halfnormal_envelope",
    "binned_residuals",
    "hosmer_lemeshow",
    "HosmerLemeshow",
    "roc_curve",
    "auc",
    "brier_score",
    "calibration",
    "rootogram",
    "plot_halfnormal",
    "plot_partial_residuals",
    "plot_binned_residuals",
    "plot_roc",
    "plot_calibration",
    "plot_rootogram",
]
