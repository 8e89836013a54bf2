"""The fast paths of the engine and the input checks give what the plain computations give.

Each shortcut taken for speed (grouped column reductions, a sum that screens
for NaN, ...) is compared here with the direct computation it replaces, on
shapes that exercise its edge cases (remainder rows, one column, many columns).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import glm_lib as gl
from glm_lib._model._validation import _column_ranges, as_design, check_finite


@pytest.mark.parametrize("n", [1, 7, 32, 33, 1000, 1003])
@pytest.mark.parametrize("p", [1, 3, 20, 700])
def test_column_ranges_equal_numpy(n, p):
    X = np.random.default_rng(n * p).standard_normal((n, p))
    col_max, col_min = _column_ranges(X)
    assert np.array_equal(col_max, X.max(axis=0)) and np.array_equal(col_min, X.min(axis=0))
    col_max, col_min = _column_ranges(np.asfortranarray(X))
    assert np.array_equal(col_max, X.max(axis=0)) and np.array_equal(col_min, X.min(axis=0))


@pytest.mark.parametrize("row", [0, 500, 1002])  # inside the grouped rows and in the remainder
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nonfinite_design_named_wherever_it_is(row, bad):
    X = np.random.default_rng(1).standard_normal((1003, 20))
    X[row, 19] = bad
    with pytest.raises(ValueError, match=re.escape(f"X contains NaN or infinite values at rows [{row}] (1 in all)")):
        as_design(X)


def test_huge_finite_values_are_not_called_infinite():
    # Their sum overflows, which only sends the check to the elementwise test.
    check_finite("y", np.array([1e308, 1e308, -1.0]))
    with pytest.raises(ValueError, match=re.escape("rows [1] (1 in all)")):
        check_finite("y", np.array([1e308, np.inf, 1.0]))


def test_magnitude_check_on_grouped_rows():
    X = np.random.default_rng(2).standard_normal((1003, 3))
    X[700, 2] = 1e160
    with pytest.raises(ValueError, match="column 'x2' has values up to 1e\\+160"):
        gl.fit(X, np.ones(1003), family=gl.Poisson())
