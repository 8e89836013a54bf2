"""Input checks shared by the fitting functions: shapes, finiteness, signs.

Every check raises a ``ValueError`` that names the argument and the first
offending rows, so a user can find the bad data without a debugger.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["as_design", "as_vector", "first_rows", "check_finite"]

_MAX_ROWS_SHOWN = 5


def first_rows(mask: np.ndarray) -> str:
    """Describe the first rows where ``mask`` is true, e.g. ``"rows [3, 7] (2 in all)"``."""
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(r) for r in rows[:_MAX_ROWS_SHOWN])
    more = ", ..." if rows.size > _MAX_ROWS_SHOWN else ""
    return f"rows [{shown}{more}] ({rows.size} in all)"


def check_finite(name: str, values: np.ndarray) -> None:
    """Raise ``ValueError`` if ``values`` holds NaN or infinity."""
    bad = ~np.isfinite(values)
    if bad.any():
        if bad.ndim > 1:
            bad = bad.any(axis=tuple(range(1, bad.ndim)))
        raise ValueError(f"{name} contains NaN or infinite values at {first_rows(bad)}")


def as_design(X, name: str = "X", feature_names=None) -> tuple[np.ndarray, list[str]]:
    """Return the design as a 2-D float array and its column names.

    Column names are ``feature_names`` if given, else a DataFrame's columns,
    else ``x0, x1, ...``.
    """
    if isinstance(X, pd.DataFrame):
        names = [str(c) for c in X.columns]
        try:
            values = X.to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric; use gl.glm() with a formula for categorical columns ({exc})") from None
    else:
        try:
            values = np.asarray(X, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric ({exc})") from None
        if values.ndim == 1:
            values = values[:, None]
        names = [f"x{j}" for j in range(values.shape[1] if values.ndim == 2 else 0)]
    if values.ndim != 2:
        raise ValueError(f"{name} must be 2-dimensional (rows x columns), got shape {values.shape}")
    if values.shape[0] == 0 or values.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {values.shape}; a model needs at least one row and one column")
    check_finite(name, values)
    if feature_names is not None:
        if len(feature_names) != values.shape[1]:
            raise ValueError(f"feature_names has {len(feature_names)} names but {name} has {values.shape[1]} columns")
        names = [str(n) for n in feature_names]
    return values, names


def as_vector(values, n: int, name: str, default: float | None = None) -> np.ndarray:
    """Return a length-``n`` float vector, checking its shape and finiteness.

    ``None`` becomes ``default`` repeated ``n`` times.
    """
    if values is None:
        return np.full(n, default, dtype=float)
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric ({exc})") from None
    if array.ndim == 0:
        array = np.full(n, float(array))
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-dimensional, got shape {array.shape}")
    if array.shape[0] != n:
        raise ValueError(f"{name} has {array.shape[0]} rows but X has {n}")
    check_finite(name, array)
    return array
