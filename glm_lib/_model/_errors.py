"""Warnings that glm_lib emits; all are ``UserWarning`` subclasses so they show by default."""

from __future__ import annotations

__all__ = ["ConvergenceWarning", "SeparationWarning", "AliasedColumnsWarning", "PerfectFitWarning"]


class ConvergenceWarning(UserWarning):
    """The solver stopped at ``max_iter`` before meeting its tolerance."""


class SeparationWarning(UserWarning):
    """The data are (quasi-)completely separated: some maximum-likelihood
    estimates are infinite and the reported ones are not meaningful."""


class AliasedColumnsWarning(UserWarning):
    """Columns of the design were linear combinations of others and were dropped."""


class PerfectFitWarning(UserWarning):
    """The model fits the data exactly: the estimated dispersion is zero, so the
    standard errors, tests and log-likelihood are degenerate (R's summary.lm:
    "essentially perfect fit")."""
