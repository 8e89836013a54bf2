"""R-style formula interface: ``glm("y ~ x + C(group)", data, family)``.

The formula is parsed by formulaic (factors, interactions, transforms such as
``np.log(x)``, ``log(x)``, ``poly(x, 2)``) rather than by a hand-written parser.
What R users write and formulaic does not understand is translated first:

- ``cbind(successes, failures)`` on the left for binomial counts (each argument
  an expression, commas inside calls allowed);
- ``offset(expr)`` terms, evaluated in the data (and in new data by
  ``predict``) and added to the linear predictor;
- ``factor(x)`` as formulaic's ``C(x)``; ``I(x^2)`` as ``I(x**2)``;
  ``sqrt(x)`` and ``abs(x)`` like ``log(x)`` and ``exp(x)``;
- ordered categorical columns get R's orthogonal polynomial contrasts
  (``contr.poly``, formulaic's ``Poly``);
- a binomial response may be a two-level factor or strings (the first level
  is failure, as in R).

``offset`` and ``weights`` may also be given as column names. :func:`model_frame`
is the one entry point that every formula-based fitter uses.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from formulaic import Formula, model_matrix
from formulaic.errors import DataMismatchWarning

from .._model._families import Binomial, Family
from .._model._validation import check_formula, first_rows

__all__ = ["RFormula", "model_frame", "evaluate_expression", "align_new_levels", "new_design"]

# Names R users call in formulas that formulaic's own transforms lack.
R_CONTEXT = {"sqrt": np.sqrt, "abs": np.abs}
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"


# --- parsing R's formula -------------------------------------------------------------------


def _calls(text: str, name: str) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, argument text)`` of the calls ``name(...)`` in ``text``."""
    spans = []
    for match in re.finditer(rf"(?<![\w.]){re.escape(name)}\s*\(", text):
        depth, position = 1, match.end()
        while position < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[position], 0)
            position += 1
        if depth:
            raise ValueError(f"unbalanced parentheses in {text!r}")
        spans.append((match.start(), position, text[match.end() : position - 1]))
    return spans


def _split_arguments(text: str) -> list[str]:
    """Split a call's arguments on the commas that are not inside brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def _power_inside_I(text: str) -> str:
    """R's ``I(x^2)`` is arithmetic: write the power as Python's ``**`` inside ``I()``."""
    for start, end, inner in reversed(_calls(text, "I")):
        text = text[:start] + "I(" + inner.replace("^", "**") + ")" + text[end:]
    return text


def _remove_offsets(rhs: str) -> tuple[str, list[str]]:
    """The right-hand side without its ``offset(...)`` terms, and their arguments."""
    offsets = []
    for start, end, inner in reversed(_calls(rhs, "offset")):
        offsets.insert(0, inner.strip().replace("^", "**"))
        before, after = rhs[:start], rhs[end:]
        if re.search(r"\+\s*$", before):  # "x + offset(o)": drop the "+" too
            rhs = re.sub(r"\+\s*$", "", before) + after
        elif re.match(r"^\s*\+", after):  # "offset(o) + x"
            rhs = before + re.sub(r"^\s*\+", "", after, count=1)
        else:  # the only term (perhaps "offset(o) - 1"): the intercept stays as R has it
            rhs = before + "1" + after
    return rhs.strip() or "1", offsets


@dataclass(frozen=True)
class RFormula:
    """An R model formula translated for formulaic.

    Attributes
    ----------
    lhs : str
        The response as formulaic reads it (``cbind`` arguments as ``{...}`` terms).
    rhs : str
        The terms without ``offset(...)``.
    offsets : tuple of str
        The expressions inside ``offset(...)``, evaluated in the data.
    cbind : bool
        True for a ``cbind(successes, failures)`` response.
    """

    lhs: str
    rhs: str
    offsets: tuple[str, ...]
    cbind: bool

    @classmethod
    def parse(cls, formula: str, data: pd.DataFrame | None = None) -> RFormula:
        """Translate ``formula``; ``data`` (if given) decides which columns are ordered factors."""
        check_formula(formula)
        if formula.count("~") != 1:
            raise ValueError(f"formula needs one '~' between the response and the terms: 'y ~ x', got {formula!r}")
        lhs, rhs = (side.strip() for side in formula.split("~"))
        if not lhs:
            raise ValueError(f"formula needs a response on the left of '~', got {formula!r}")
        rhs, offsets = _remove_offsets(rhs)
        rhs = _power_inside_I(re.sub(r"(?<![\w.])factor\s*\(", "C(", rhs))
        if data is not None:
            rhs = _ordered_as_poly(rhs, data)
        calls = _calls(lhs, "cbind")
        cbind = bool(calls)
        if cbind:
            start, end, inner = calls[0]
            if lhs[:start].strip() or lhs[end:].strip():
                raise ValueError(f"write the binomial response as cbind(successes, failures) alone, got {lhs!r}")
            parts = _split_arguments(inner)
            if len(parts) != 2 or not all(parts):
                raise ValueError(f"cbind() takes two columns (successes, failures), got {lhs!r}")
            # Each argument is an expression in R (cbind(dead, 20 - dead)); formulaic's
            # {...} evaluates it as Python instead of as formula arithmetic.
            lhs = " + ".join(f"{{{part.replace('^', '**')}}}" for part in parts)
        elif re.search(r"[-+*/^]", lhs) and not re.fullmatch(r"I\(.*\)", lhs):
            # R's left-hand side is arithmetic (a proportion s/m with weights = m):
            # formulaic's {...} evaluates it as Python, not as formula operators.
            lhs = f"{{{lhs.replace('^', '**')}}}"
        else:
            lhs = _power_inside_I(lhs)
        return cls(lhs=lhs, rhs=rhs, offsets=tuple(offsets), cbind=cbind)

    @property
    def formula(self) -> str:
        """The formula formulaic fits (without offsets)."""
        return f"{self.lhs} ~ {self.rhs}"

    def offset(self, data: pd.DataFrame) -> np.ndarray | None:
        """The sum of the ``offset(...)`` terms evaluated in ``data``, or None if there are none."""
        if not self.offsets:
            return None
        return sum(evaluate_expression(expression, data, "offset") for expression in self.offsets)


def _ordered_as_poly(rhs: str, data: pd.DataFrame) -> str:
    """Bare ordered-categorical columns get R's default for ordered factors, ``contr.poly``."""
    for column in data.columns:
        if isinstance(column, str) and isinstance(data[column].dtype, pd.CategoricalDtype) and data[column].cat.ordered:
            rhs = re.sub(rf"(?<![\w.(]){re.escape(column)}(?![\w.(])", f"C({column}, Poly)", rhs)
    return rhs


def evaluate_expression(expression: str, data: pd.DataFrame, what: str) -> np.ndarray:
    """Evaluate an R-style arithmetic expression (``log(Holders)``) on the columns of ``data``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # log(0) is reported below as -inf
            matrix = model_matrix(f"0 + {{{expression}}}", data, na_action="ignore", context=R_CONTEXT)
    except Exception as exc:  # formulaic's evaluation errors name the missing variable
        raise ValueError(f"could not evaluate the {what} {expression!r} in the data: {exc}") from None
    values = np.asarray(matrix, dtype=float)
    if values.shape != (len(data), 1):
        raise ValueError(f"the {what} {expression!r} must give one number per row, got shape {values.shape}")
    bad = ~np.isfinite(values[:, 0])
    if bad.any():
        raise ValueError(f"the {what} {expression!r} is NaN or infinite at {first_rows(bad)}")
    return values[:, 0]


# --- the data --------------------------------------------------------------------------------


def _column_or_values(data: pd.DataFrame, value, name: str):
    if isinstance(value, str):
        if value not in data.columns:
            raise ValueError(f"{name}={value!r} is not a column of data")
        column = data[value]
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            raise TypeError(f"{name}={value!r} names a column of {column.dtype} values; {name} must be numbers "
                            f"(e.g. {value!r} holds {column.iloc[0]!r} in row 0)")
        return column.to_numpy(dtype=float)
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


def _factor_response(parsed: RFormula, data: pd.DataFrame, family: Family | None) -> pd.DataFrame:
    """A binomial response given as a factor or strings, as 0/1 (R: the first level is failure)."""
    name = parsed.lhs
    if parsed.cbind or name not in data.columns:
        return data
    column = data[name]
    if pd.api.types.is_bool_dtype(column):
        levels = [False, True]
    elif isinstance(column.dtype, pd.CategoricalDtype):
        levels = list(column.cat.categories)
    elif pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
        levels = sorted(column.dropna().unique(), key=str)
    else:
        return data
    if not levels:
        raise ValueError(f"the response {name!r} has no non-missing values; supply observed responses")
    if not isinstance(family, Binomial):
        raise ValueError(
            f"the response {name!r} is not numeric (levels {levels[:5]}); only a binomial response may be "
            "a factor, with its first level meaning failure"
        )
    data = data.copy()
    data[name] = np.where(column.isna(), np.nan, (column != levels[0]).to_numpy(dtype=float))
    return data


def _check_factor_levels(design) -> None:
    """R refuses a factor with a single level; formulaic would silently drop its term."""
    for expression, (kind, state) in design.model_spec.encoder_state.items():
        if getattr(kind, "value", kind) == "categorical" and len(state.get("categories", [])) < 2:
            levels = list(state.get("categories", []))
            raise ValueError(
                f"the factor {expression} has only one level {levels}: contrasts need 2 or more levels "
                "(R: 'contrasts can be applied only to factors with 2 or more levels'); drop the term"
            )


@dataclass
class ModelFrame:
    """What a formula gives a fitter: response, design, and the offset from ``offset()`` terms."""

    response: np.ndarray
    design: pd.DataFrame
    offset: np.ndarray | None
    parsed: RFormula


def model_frame(formula: str, data: pd.DataFrame, family: Family | None = None) -> ModelFrame:
    """Parse an R formula and build its response, design and formula offset from ``data``.

    Parameters
    ----------
    formula : str
        An R model formula (see the module docstring for what is translated).
    data : pandas.DataFrame
        The variables.
    family : Family, optional
        Lets a binomial response be a factor or strings.

    Returns
    -------
    ModelFrame
        ``response`` is 1-D, or n x 2 for ``cbind``; ``offset`` is None without
        ``offset(...)`` terms.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    parsed = RFormula.parse(formula, data)
    data = _factor_response(parsed, data, family)
    _reject_missing(parsed.formula, data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DataMismatchWarning)
            matrices = model_matrix(parsed.formula, data, na_action="raise", context=R_CONTEXT)
    except Exception as exc:  # formulaic raises several types; give one clear message
        raise ValueError(f"could not build the design for {formula!r}: {exc}") from None
    response = matrices.lhs.to_numpy(dtype=float)
    if response.shape[1] == 1:
        response = response[:, 0]
    elif not parsed.cbind:
        raise ValueError(
            f"the left-hand side {parsed.lhs!r} gave {response.shape[1]} columns; "
            "write cbind(successes, failures) for binomial counts"
        )
    _check_factor_levels(matrices.rhs)
    return ModelFrame(response, matrices.rhs, parsed.offset(data), parsed)


def _model_matrices(formula: str, data: pd.DataFrame, family: Family | None = None):
    """The response and design of a formula without ``offset()`` terms (see :func:`model_frame`)."""
    frame = model_frame(formula, data, family)
    if frame.offset is not None:
        raise ValueError(
            f"offset() terms in {formula!r} are not supported here; pass offset= (a column name or values)"
        )
    return frame.response, frame.design


def align_new_levels(model_spec, data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with each factor's values matched to the levels the model was fitted with, as R does.

    Raises ``ValueError`` for levels the model was not fitted with. A column
    that was a factor by its type in the fitted data (a pandas categorical, a
    string column) comes back as a categorical with the fitted levels, so that
    ``District=4`` and ``District="4"`` in new data both mean the level 4: left
    numeric, formulaic would encode it as a number, not as a level.
    """
    columns = [c for c in data.columns if isinstance(c, str)]
    aligned = data
    for expression, (kind, state) in model_spec.encoder_state.items():
        if getattr(kind, "value", kind) != "categorical":
            continue
        levels = list(state.get("categories", []))
        used = [c for c in columns if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", expression)]
        if len(used) != 1:
            continue  # formulaic's own check (made an error by the caller) covers the rest
        by_text = {str(level): level for level in levels}
        values = data[used[0]]
        matched = {value: value if value in levels else by_text.get(str(value)) for value in pd.unique(values.dropna())}
        new = [value for value, level in matched.items() if level is None]
        if new:
            shown = ", ".join(map(str, new[:5]))
            raise ValueError(
                f"factor {used[0]} has new levels {shown} (R: 'factor {used[0]} has new levels {shown}'); "
                f"the model was fitted with levels {levels}, so it has no coefficient for them"
            )
        if expression == used[0]:
            if aligned is data:
                aligned = data.copy()
            aligned[used[0]] = pd.Categorical(values.map(matched), categories=levels)
    return aligned


def new_design(model_spec, newdata: pd.DataFrame, formula: str) -> np.ndarray:
    """The design matrix of ``newdata`` for a fitted model's terms, with R's checks and one clear error."""
    if not isinstance(newdata, pd.DataFrame):
        raise TypeError(f"newdata must be a pandas DataFrame of the model's variables, not {type(newdata).__name__}")
    newdata = align_new_levels(model_spec, newdata)
    try:
        return np.asarray(model_spec.get_model_matrix(newdata, context=R_CONTEXT), dtype=float)
    except Exception as exc:  # formulaic's own types; one clear message
        raise ValueError(f"could not build the design of newdata for {formula!r}: {exc}") from None
