"""R-style formulas on dask DataFrames: :func:`glm_lib.glm` with ``data`` a dask DataFrame.

A formula's design depends on the whole data set, not on one partition: the
levels of every factor (a level may be absent from some partitions) and the
state of stateful transforms such as ``center(x)`` (the mean of ``x``). Both
are learned in one pass over the partitions; then the model spec (formulaic's,
learned on a prototype partition and given the global state) builds each
partition's rows of the response and design as dask arrays, which
:func:`glm_lib.fit` fits by map-reduce (:mod:`glm_lib._engine._dask`).

String columns (including pyarrow strings, dask's default) become factors with
the sorted levels seen anywhere in the data, as R's ``factor()`` does;
categorical columns keep their categories.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from formulaic import model_matrix

from .._model._families import Family
from ._fit import fit
from .._formula._formula import R_CONTEXT, RFormula, _calls, _factor_response, _reject_missing, evaluate_expression, model_frame

__all__ = ["glm_dask"]

# Stateful transforms whose state is a mean (and a standard deviation) of their argument.
_MOMENT_TRANSFORMS = ("center", "scale")


def _is_text(dtype) -> bool:
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)


def _moment_arguments(rhs: str) -> dict[str, str]:
    """``{"center(x)": "x", ...}``: the moment transforms of the formula and their arguments."""
    found = {}
    for name in _MOMENT_TRANSFORMS:
        for start, end, inner in _calls(rhs, name):
            found[rhs[start:end]] = inner.split(",")[0].strip()
    return found


def _partition_summary(part: pd.DataFrame, text_columns: list[str], arguments: dict[str, str]) -> dict:
    """One partition's rows, levels of its text columns and moments of the transforms' arguments."""
    summary = {"rows": len(part), "levels": {c: set(part[c].dropna().unique()) for c in text_columns}, "moments": {}}
    for key, argument in arguments.items():
        values = evaluate_expression(argument, part, f"argument of {key}") if len(part) else np.empty(0)
        mean = float(values.mean()) if len(values) else 0.0
        summary["moments"][key] = (len(values), mean, float(np.sum(np.square(values - mean))))
    return summary


def _combine_moments(parts: list[tuple[int, float, float]]) -> tuple[int, float, float]:
    """Chan et al.'s pairwise update of (count, mean, sum of squared deviations)."""
    count, mean, m2 = 0, 0.0, 0.0
    for n, part_mean, part_m2 in parts:
        if n == 0:
            continue
        total = count + n
        delta = part_mean - mean
        mean += delta * n / total
        m2 += part_m2 + delta**2 * count * n / total
        count = total
    return count, mean, m2


def _as_factors(part: pd.DataFrame, levels: dict[str, list]) -> pd.DataFrame:
    """Text columns as categoricals with the levels of the whole data set."""
    part = part.copy()
    for column, values in levels.items():
        part[column] = pd.Categorical(part[column].astype(object), categories=values)
    return part


def _partition_arrays(part: pd.DataFrame, index: int, specs, parsed: RFormula, levels, family, weights, offset):
    """A partition's response, design, weights and offset, built with the global model spec."""
    part = _factor_response(parsed, _as_factors(part, levels), family)
    try:
        _reject_missing(parsed.formula, part)
    except ValueError as exc:
        raise ValueError(f"{exc} (rows counted within partition {index})") from None
    matrices = model_matrix(specs, part, na_action="raise", context=R_CONTEXT)
    response = matrices.lhs.to_numpy(dtype=float)
    response = response[:, 0] if response.shape[1] == 1 else response
    offset_values = parsed.offset(part)
    if offset is not None:
        column = part[offset].to_numpy(dtype=float)
        offset_values = column if offset_values is None else offset_values + column
    if offset_values is None:
        offset_values = np.zeros(len(part))
    weight_values = np.ones(len(part)) if weights is None else part[weights].to_numpy(dtype=float)
    return matrices.rhs.to_numpy(dtype=float), response, weight_values, offset_values


def glm_dask(formula: str, data, family: Family | None = None, offset=None, weights=None, **fit_options):
    """Fit an R-style formula GLM to a dask DataFrame (called by :func:`glm_lib.glm`).

    Parameters are those of :func:`glm_lib.glm`, except that ``offset`` and
    ``weights`` must be column names of ``data`` (values would have to be
    aligned with the partitions). Returns a :class:`~glm_lib.GLMResults`
    whose per-row results are lazy dask arrays.
    """
    import dask
    import dask.array as da

    for name, value in (("offset", offset), ("weights", weights)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name}: with a dask DataFrame give a column name of data, not {type(value).__name__}")
        if value is not None and value not in data.columns:
            raise ValueError(f"{name}={value!r} is not a column of data")
    parsed = RFormula.parse(formula)
    text_columns = [c for c, dtype in data.dtypes.items() if _is_text(dtype)]
    category_columns = {c: list(dtype.categories) for c, dtype in data.dtypes.items()
                        if isinstance(dtype, pd.CategoricalDtype) and dtype.categories is not None}
    arguments = _moment_arguments(parsed.rhs)

    # One pass: partition lengths, the levels of the text columns, the transforms' moments.
    partitions = data.to_delayed()
    summaries = dask.compute(*[dask.delayed(_partition_summary)(part, text_columns, arguments) for part in partitions])
    levels = {c: sorted(set().union(*(s["levels"][c] for s in summaries)), key=str) for c in text_columns}
    levels.update(category_columns)
    lengths = [s["rows"] for s in summaries]

    # The model spec: learned on a prototype partition with global levels, then given the global moments.
    first = next(i for i, rows in enumerate(lengths) if rows)
    prototype = _as_factors(partitions[first].compute(), levels)
    frame = model_frame(formula, prototype, family)  # validates the formula and names the columns
    specs = model_matrix(parsed.formula, _factor_response(parsed, prototype, family), na_action="raise",
                         context=R_CONTEXT).model_spec
    state = dict(specs.rhs.transform_state)
    for key in state:
        if key not in arguments:
            raise ValueError(
                f"the stateful transform {key} cannot be learned from a dask DataFrame in one pass "
                f"(only {', '.join(f'{t}()' for t in _MOMENT_TRANSFORMS)} can); compute it as a column first"
            )
        count, mean, m2 = _combine_moments([s["moments"][key] for s in summaries])
        ddof = state[key].get("ddof", 1)
        scale = state[key].get("scale")
        state[key] = {**state[key], "center": mean, "scale": None if scale is None else float(np.sqrt(m2 / (count - ddof)))}
    specs = specs.__class__(lhs=specs.lhs, rhs=specs.rhs.update(transform_state=state))

    p = frame.design.shape[1]
    cbind = frame.response.ndim == 2
    blocks = [dask.delayed(_partition_arrays)(part, i, specs, parsed, levels, family, weights, offset)
              for i, part in enumerate(partitions)]
    pieces = [(da.from_delayed(block[0], (rows, p), float),
               da.from_delayed(block[1], (rows, 2) if cbind else (rows,), float),
               da.from_delayed(block[2], (rows,), float),
               da.from_delayed(block[3], (rows,), float)) for block, rows in zip(blocks, lengths) if rows]
    X, y, prior, offset_values = (da.concatenate([piece[k] for piece in pieces]) for k in range(4))
    result = fit(X, y, family=family, weights=prior, offset=offset_values,
                 feature_names=list(frame.design.columns), formula=" ".join(formula.split()), **fit_options)
    result.model_spec = specs.rhs
    result.offset_terms = parsed.offsets + ((offset,) if offset is not None else ())
    return result
