"""Input checks for the in-memory solvers: design, response, weights and offset as arrays."""

from __future__ import annotations

import pandas as pd

from .._model._families import Family
from .._model._validation import align_to, as_design, as_response, as_vector, first_rows


def prepare_data(X, y, family: Family, weights=None, offset=None, feature_names=None):
    """Validate a GLM's data and convert it to arrays.

    Returns
    -------
    X : ndarray (n, p)
    names : list of str
    y : ndarray (n,)
        The response as the family models it (Binomial: proportions).
    prior_weights : ndarray (n,)
        (Binomial: times the numbers of trials.)
    offset : ndarray (n,)

    Raises
    ------
    ValueError
        Naming the argument and the first offending rows.
    """
    # pandas inputs are matched to X's rows by label, as pandas itself would.
    index = X.index if isinstance(X, pd.DataFrame) else None
    X, names = as_design(X, feature_names=feature_names)
    n = X.shape[0]
    prior_weights = as_vector(align_to(weights, index, "weights"), n, "weights", default=1.0)
    if prior_weights.min() < 0:  # (finite: as_vector checked; a reduction, no temporary mask)
        raise ValueError(f"weights must be non-negative; negative at {first_rows(prior_weights < 0)}")
    offset = as_vector(align_to(offset, index, "offset"), n, "offset", default=0.0)
    y_array = as_response(y, n, index)
    y_vec, prior_weights = family.prepare_response(y_array, prior_weights)
    family.check_response(y_vec, prior_weights)
    if not prior_weights.max() > 0:
        raise ValueError("weights: every weight is zero, so there is nothing to fit")
    return X, names, y_vec, prior_weights, offset
