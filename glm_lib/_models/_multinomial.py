"""Multinomial (softmax) regression: k classes, k - 1 free coefficient vectors.

The model: for observation ``i`` with covariates ``x_i`` and classes
``0, ..., k-1`` (class 0 the *baseline*),

    P(y_i = c) = exp(x_i' beta_c) / sum_j exp(x_i' beta_j),   beta_0 = 0,

so each ``beta_c`` is a log odds ratio against the baseline class. This is the
parametrisation of R's ``nnet::multinom`` and statsmodels' ``MNLogit`` (whose
baseline is the first class in sorted order, as here by default).

Fitting is Newton-Raphson on the stacked ``p (k - 1)`` coefficients. For the
canonical (softmax) link the observed and expected information agree, so this
is also Fisher scoring / IRLS. The negative Hessian has ``(k-1) x (k-1)``
blocks of size ``p x p``,

    H_ab = sum_i m_i x_i x_i' (p_ia [a = b] - p_ia p_ib),

which is assembled as a block-diagonal part ``X' diag(m p_a) X`` minus
``Z' Z`` with ``Z_i = sqrt(m_i) (p_i kron x_i)``, in row blocks: no N x N and
no ``diag`` matrix is ever formed. It is solved by Cholesky; nothing is
inverted explicitly except for the covariance of the estimates, which comes
from Cholesky solves against the identity. Probabilities use a stable
log-sum-exp.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from .._model import _formatting as formatting
from .._model._errors import ConvergenceWarning, SeparationWarning
from .._engine._linalg import _describe_aliasing, find_aliased_columns, weighted_gram
from .._formula._formula import R_CONTEXT, _column_or_values, _reject_missing, align_new_levels, model_frame
from .._model._validation import align_to, as_design, as_vector, check_finite, first_rows, positive_number, whole_number

__all__ = ["fit_multinomial", "MultinomialResults"]

_BLOCK_ROWS = 1 << 13  # rows per block when assembling the Hessian
_MAX_HALVINGS = 30
# A fitted probability this close to 0 or 1 triggers the separation check: near 1
# for an observed class (separated rows), near 0 for any class (a class absent
# from a factor level, whose other classes keep moderate probabilities).
_NEAR_ONE = 1e-6


# --------------------------------------------------------------------------
# response handling
# --------------------------------------------------------------------------
def _response_counts(y: Any, n: int) -> tuple[np.ndarray, list]:
    """Turn labels or a count matrix into an ``(n, k)`` count matrix and class labels.

    Labels (1-D, or 2-D with one column) are strings, integers, floats or a
    pandas categorical; a 2-D array with ``k >= 2`` columns is read as counts
    (one-hot rows for individual data), with class names from a DataFrame's
    columns or ``0, ..., k-1``.
    """
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        y = y.iloc[:, 0]
    if isinstance(y, pd.DataFrame) or (not isinstance(y, pd.Series) and np.ndim(y) == 2 and np.shape(y)[1] >= 2):
        classes = list(y.columns) if isinstance(y, pd.DataFrame) else list(range(np.shape(y)[1]))
        try:
            counts = np.asarray(y, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a 2-D y is read as class counts and must be numeric ({exc})") from None
        if counts.shape[0] != n:
            raise ValueError(f"y has {counts.shape[0]} rows but X has {n}")
        check_finite("y", counts)
        negative = (counts < 0).any(axis=1)
        if negative.any():
            raise ValueError(f"y: class counts must be non-negative; negative at {first_rows(negative)}")
        empty = [str(c) for c, total in zip(classes, counts.sum(axis=0)) if total == 0]
        if empty:
            raise ValueError(
                f"y: class(es) {', '.join(empty)} have no observations, so their coefficients "
                "would be minus infinity; drop those columns"
            )
        return counts, classes

    if isinstance(y, pd.Series):
        series = y.reset_index(drop=True)
    else:
        array = np.asarray(y)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"y must be labels (1-D) or an (n, k) count matrix, got shape {array.shape}")
        series = pd.Series(array)
    if len(series) != n:
        raise ValueError(f"y has {len(series)} rows but X has {n}")
    missing = series.isna().to_numpy()
    if missing.any():
        raise ValueError(f"y contains missing labels at {first_rows(missing)}")
    if isinstance(series.dtype, pd.CategoricalDtype):
        observed = set(series.unique())
        classes = [c for c in series.cat.categories if c in observed]
    else:
        if series.dtype.kind == "f" and not np.all(np.isfinite(series.to_numpy())):
            raise ValueError("y contains infinite labels")
        try:
            classes = sorted(series.unique())
        except TypeError:
            raise ValueError("y: the class labels cannot be sorted (mixed types?)") from None
    codes = pd.Categorical(series, categories=classes).codes
    counts = np.zeros((n, len(classes)))
    counts[np.arange(n), codes] = 1.0
    return counts, classes


# --------------------------------------------------------------------------
# numerical core
# --------------------------------------------------------------------------
def _log_probs(X: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Log class probabilities ``(n, k)``: baseline column 0 has linear predictor 0.

    The stable log-sum-exp ``log sum_c exp(eta_c) = top + log sum_c exp(eta_c - top)``
    with ``top`` the largest ``eta_c`` of the row, computed on a ``(k, n)`` array
    so that every operation runs along the n rows (scipy's ``logsumexp`` over
    rows of k values took 45% of a fit); the result is its transpose.
    """
    log_p = np.empty((B.shape[1] + 1, X.shape[0]))
    log_p[0] = 0.0
    np.matmul(B.T, X.T, out=log_p[1:])
    top = np.max(log_p, axis=0)
    log_p -= top
    total = np.sum(np.exp(log_p), axis=0)
    log_p -= np.log(total, out=total)
    return log_p.T


class _Counts:
    """The positive entries of the count matrix, for the log-likelihood ``sum y_ic log p_ic``."""

    def __init__(self, Y: np.ndarray):
        self.rows, self.columns = np.nonzero(Y > 0)
        self.values = Y[self.rows, self.columns]

    def loglik(self, log_p: np.ndarray) -> float:
        # Zero counts contribute nothing (0 * log 0 = 0): only the positive entries are summed.
        return float(self.values @ log_p[self.rows, self.columns])


def _information(X: np.ndarray, P: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The negative Hessian of the log-likelihood, ``(p(k-1), p(k-1))``.

    ``P`` holds the non-baseline probabilities ``(n, k-1)`` and ``m`` the row
    totals. Parameters are stacked class by class (all of ``beta_1``, then
    ``beta_2``, ...).
    """
    n, p = X.shape
    K = P.shape[1]
    H = np.zeros((K * p, K * p))
    for a in range(K):
        H[a * p : (a + 1) * p, a * p : (a + 1) * p] = weighted_gram(X, m * P[:, a])
    root = np.sqrt(m)
    for start in range(0, n, _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        # Z_i = sqrt(m_i) * (p_i kron x_i): one row per observation, K*p columns.
        Z = np.einsum("na,ni->nai", P[rows] * root[rows, None], X[rows]).reshape(-1, K * p)
        H -= Z.T @ Z
    return H


def _separation(X: np.ndarray, Y: np.ndarray) -> dict | None:
    """Linear-programming check for (quasi-)complete separation.

    Looks for coefficient directions ``d_c`` (``d_0 = 0``) with
    ``x_i'(d_c - d_j) >= 0`` for every observed pair (row ``i``, class ``c``)
    and every other class ``j``, not all zero: moving along such a direction
    never lowers the likelihood, so the maximum is at infinity.
    """
    n, p = X.shape
    k = Y.shape[1]
    K = k - 1
    rows, cls = np.nonzero(Y > 0)
    others = np.array([[j for j in range(k) if j != c] for c in range(k)])  # (k, k-1)
    # Class-difference vectors e_c - e_j without the baseline component: (pairs, k-1, K)
    diff = np.zeros((rows.size, k - 1, k))
    diff[np.arange(rows.size), :, cls] = 1.0
    np.put_along_axis(diff, others[cls][:, :, None], -1.0, axis=2)
    diff = diff[:, :, 1:]
    scale = np.maximum(np.abs(X).max(axis=0), 1e-12)
    Xs = X[rows] / scale
    A = np.einsum("rjc,ri->rjci", diff, Xs).reshape(-1, K * p)
    result = optimize.linprog(
        c=-A.sum(axis=0),
        A_ub=-A,
        b_ub=np.zeros(A.shape[0]),
        bounds=[(-1.0, 1.0)] * (K * p),
        method="highs",
    )
    if result.status != 0 or -result.fun <= 1e-6:
        return None
    margins = (A @ result.x).reshape(rows.size, k - 1)
    separated_pairs = margins.max(axis=1) > 1e-6 * max(margins.max(), 1e-300)
    separated_rows = np.unique(rows[separated_pairs])
    complete = bool(np.all(margins > 1e-6 * margins.max()))
    direction = (result.x.reshape(K, p) / scale).T
    return {"kind": "complete" if complete else "quasi-complete", "rows": separated_rows, "direction": direction}


# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------
class MultinomialResults:
    """A fitted multinomial (softmax) regression.

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.DataFrame
        Shape ``(p, k-1)``: one row per coefficient name, one column per
        non-baseline class. ``params[c]`` is the log odds ratio of class ``c``
        against the baseline for a unit change of each covariate.
    classes : list
        All class labels, in the column order of :meth:`predict_proba`.
    baseline : object
        The baseline (reference) class, whose coefficients are fixed at 0.
    llf : float
        Log-likelihood ``sum_i sum_c y_ic log p_ic`` of the individual
        observations (grouped counts give the same value as the expanded rows;
        the multinomial coefficients are left out, as in ``nnet::multinom``).
    deviance, null_deviance : float
        ``-2 llf`` of the fitted and of the intercept-only model.
    aic, bic : float
        ``-2 llf + 2 n_params`` and ``-2 llf + log(nobs) n_params``.
    nobs : float
        Number of individual observations (sum of counts times weights).
    n_params : int
        ``p (k - 1)``.
    df_resid : float
        ``nobs - n_params``.
    converged : bool
    n_iter : int
    separation : dict or None
        What the separation check found, if anything.

    Notes
    -----
    R: the ``multinom`` object of ``nnet::multinom`` (``coef``, ``vcov``,
    ``fitted``, ``predict``, ``deviance``, ``AIC``; its ``coef`` is the
    transpose of ``params``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> gators = gl.datasets.load_alligator()
    >>> res = gl.multinom("food ~ lake + size", gators, weights="count")
    >>> res.classes, round(res.deviance, 4)
    (['bird', 'fish', 'invert', 'other', 'reptile'], 540.0803)
    """

    def __init__(
        self,
        *,
        B: np.ndarray,
        X: np.ndarray,
        Y: np.ndarray,
        names: list[str],
        classes: list,
        order: list[int],
        llf: float,
        llnull: float,
        information: np.ndarray,
        converged: bool,
        n_iter: int,
        separation: dict | None,
    ) -> None:
        self.names = list(names)
        self.classes = list(classes)
        self._order = list(order)  # internal column j holds classes[order[j]]
        self.baseline = classes[order[0]]
        self._fit_classes = [classes[j] for j in order[1:]]
        self._B = B
        self.model_X = X
        self.counts = Y[:, np.argsort(order)]
        self.llf = float(llf)
        self.llnull = float(llnull)
        self.converged = bool(converged)
        self.n_iter = int(n_iter)
        self.separation = separation
        p, K = B.shape
        self.nobs = float(Y.sum())
        self.n_params = p * K
        self.df_resid = self.nobs - self.n_params
        self.df_model = self.n_params - K if self._has_intercept() else self.n_params
        self.deviance = -2.0 * self.llf
        self.null_deviance = -2.0 * self.llnull
        self.aic = -2.0 * self.llf + 2.0 * self.n_params
        self.bic = -2.0 * self.llf + math.log(self.nobs) * self.n_params

        self._cov = self._covariance(information)
        bse = np.sqrt(np.diag(self._cov)).reshape(K, p).T
        self.params = self._frame(B)
        self.bse = self._frame(bse)
        self.tvalues = self.params / self.bse
        self.pvalues = self._frame(2.0 * stats.norm.sf(np.abs(self.tvalues.to_numpy())))

    def _frame(self, values: np.ndarray) -> pd.DataFrame:
        frame = pd.DataFrame(values, index=self.names, columns=pd.Index(self._fit_classes, name="class"))
        return frame

    def _has_intercept(self) -> bool:
        X = self.model_X
        return bool(np.any(np.all(X == X[:1], axis=0) & (X[0] != 0)))

    def _covariance(self, information: np.ndarray) -> np.ndarray:
        try:
            factor = linalg.cho_factor(information, lower=False, check_finite=True)
        except (linalg.LinAlgError, ValueError):
            return np.full(information.shape, np.nan)
        return linalg.cho_solve(factor, np.eye(information.shape[0]), check_finite=False)

    # --- inference ----------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        """Covariance of the stacked estimates, indexed by (class, coefficient)."""
        index = pd.MultiIndex.from_product([self._fit_classes, self.names], names=["class", "term"])
        return pd.DataFrame(self._cov, index=index, columns=index)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals ``estimate +/- z * se``, one row per (class, coefficient).

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``; a MultiIndex ``(class, term)``.
        """
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
        q = stats.norm.ppf(1 - alpha / 2)
        est = self.params.T.stack()
        se = self.bse.T.stack()
        est.index.names = se.index.names = ["class", "term"]
        return pd.DataFrame({"lower": est - q * se, "upper": est + q * se})

    # --- prediction -----------------------------------------------------------
    def _design_for(self, X_new) -> np.ndarray:
        if X_new is None:
            return self.model_X
        spec = getattr(self, "model_spec", None)
        if spec is not None and isinstance(X_new, (pd.DataFrame, dict)):
            frame = pd.DataFrame(X_new) if isinstance(X_new, dict) else X_new
            frame = align_new_levels(spec, frame)
            try:
                return np.asarray(spec.get_model_matrix(frame, context=R_CONTEXT), dtype=float)
            except Exception as exc:  # formulaic's own types; one clear message
                raise ValueError(f"could not build the design of X_new for {self.formula!r}: {exc}") from None
        if isinstance(X_new, pd.DataFrame) and set(self.names) <= set(map(str, X_new.columns)):
            X_new = X_new.rename(columns=str)[self.names]
        values = np.asarray(X_new, dtype=float)
        if values.ndim == 1:
            values = values[None, :] if values.shape[0] == len(self.names) else values[:, None]
        if values.ndim != 2 or values.shape[1] != len(self.names):
            raise ValueError(
                f"X_new must have {len(self.names)} columns ({', '.join(self.names)}), got shape {values.shape}"
            )
        check_finite("X_new", values)
        return values

    def predict_proba(self, X_new=None) -> np.ndarray:
        """Class probabilities, shape ``(n, k)``, columns in the order of ``classes``.

        Parameters
        ----------
        X_new : array-like or DataFrame, optional
            Design rows with the fitted columns (a DataFrame is matched by
            column name); defaults to the fitted design.
        """
        log_p = _log_probs(self._design_for(X_new), self._B)
        return np.exp(log_p)[:, np.argsort(self._order)]

    def predict(self, X_new=None) -> np.ndarray:
        """The most probable class for each row (labels from ``classes``)."""
        best = self.predict_proba(X_new).argmax(axis=1)
        return np.array(self.classes, dtype=object)[best]

    # --- display --------------------------------------------------------------
    def summary(self) -> str:
        """Plain-text summary: one coefficient table per non-baseline class.

        A fit from :func:`multinom` is laid out as R's ``summary(multinom(...))``:
        the coefficients and their standard errors as class-by-term matrices,
        then the residual deviance and AIC.
        """
        if getattr(self, "formula", None) is not None:
            return self._summary_as_r()
        lines = [
            f"Multinomial (softmax) regression, {len(self.classes)} classes; baseline class: {self.baseline}",
            "",
        ]
        for c in self._fit_classes:
            est, se, z, pv = self.params[c], self.bse[c], self.tvalues[c], self.pvalues[c]
            lines.append(f"log(P({c}) / P({self.baseline})):")
            lines += [*formatting.wald_table_lines(self.names, est, se, z, pv), ""]
        lines += [
            "---",
            formatting.SIGNIF_LEGEND,
            "",
            f"Observations: {self.nobs:g}   Parameters: {self.n_params}",
            f"Log-likelihood: {self.llf:.4f}   AIC: {self.aic:.4f}   BIC: {self.bic:.4f}",
            f"Residual deviance: {self.deviance:.4f}   Null deviance: {self.null_deviance:.4f}",
            f"Number of Newton iterations: {self.n_iter}",
            *formatting.warning_lines(self.converged, self.separation),
        ]
        return "\n".join(lines)

    def _summary_as_r(self) -> str:
        def matrix(frame: pd.DataFrame) -> list[str]:
            table = frame.T.loc[self._fit_classes, self.names]
            columns = {c: formatting.format_column(table[c].to_numpy(), digits=7) for c in self.names}
            cells = [[columns[c][i] for c in self.names] for i in range(len(table))]
            widths = [max(len(self.names[j]), *(len(row[j]) for row in cells)) for j in range(len(self.names))]
            label = max(len(str(c)) for c in self._fit_classes)
            out = [" " * label + " " + " ".join(n.rjust(w) for n, w in zip(self.names, widths))]
            for c, row in zip(self._fit_classes, cells):
                out.append(str(c).ljust(label) + " " + " ".join(v.rjust(w) for v, w in zip(row, widths)))
            return out

        lines = ["Call:", f"multinom(formula = {self.formula})", "", "Coefficients:", *matrix(self.params),
                 "", "Std. Errors:", *matrix(self.bse), "",
                 f"Residual Deviance: {self.deviance:.7g} ",
                 f"AIC: {self.aic:.7g} ",
                 *formatting.warning_lines(self.converged, self.separation)]
        return "\n".join(lines).rstrip()

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"<MultinomialResults {len(self.classes)} classes (baseline {self.baseline!r}): "
            f"deviance {self.deviance:.6g}, {self.n_iter} iterations>"
        )


# --------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------
def fit_multinomial(
    X,
    y,
    weights=None,
    tol: float = 1e-8,
    max_iter: int = 100,
    baseline: Any = None,
    *,
    feature_names: Sequence[str] | None = None,
) -> MultinomialResults:
    """Fit a multinomial (softmax) regression by maximum likelihood (Newton/IRLS).

    Parameters
    ----------
    X : array-like or DataFrame of shape (n, p)
        The design, including an intercept column if you want one (column
        names become coefficient names).
    y : array-like of shape (n,) or (n, k)
        Class labels (strings, integers, a pandas categorical), or a matrix of
        class counts, one column per class (one-hot rows for individual data,
        counts for grouped data such as a contingency table).
    weights : array-like of shape (n,), optional
        Non-negative frequency weights multiplying each row's counts (so a
        table with one row per cell can be fitted from labels plus counts).
    tol : float
        Convergence tolerance on the relative change of the deviance,
        ``|dev - dev_old| / (|dev| + 0.1) < tol`` (R's criterion).
    max_iter : int
        Iteration limit; reaching it gives a :class:`~glm_lib.ConvergenceWarning`.
    baseline : class label, optional
        The reference class whose coefficients are fixed at 0; defaults to the
        first class in sorted (or categorical) order, as statsmodels'
        ``MNLogit`` and R's ``nnet::multinom``.
    feature_names : sequence of str, optional
        Coefficient names, overriding those from ``X``.

    Returns
    -------
    MultinomialResults

    Raises
    ------
    ValueError
        On mismatched shapes, NaN/inf, fewer than two classes, negative counts
        or weights, an unknown baseline, or a rank-deficient design (the
        message names the aliased columns).

    Warns
    -----
    ConvergenceWarning
        When Newton's method stops at ``max_iter``.
    SeparationWarning
        When fitted probabilities reach 0 or 1 because the classes are
        (quasi-)completely separated: the maximum-likelihood estimates are
        infinite and the reported ones are meaningless.

    Notes
    -----
    R: ``nnet::multinom(y ~ X - 1)`` (``VGAM::vglm(..., multinomial)``).

    Examples
    --------
    >>> import numpy as np
    >>> from glm_lib import fit_multinomial
    >>> X = np.column_stack([np.ones(6), [0, 1, 2, 3, 4, 5]])
    >>> res = fit_multinomial(X, ["a", "b", "a", "c", "b", "c"])
    >>> res.params.columns.tolist()
    ['b', 'c']
    >>> bool(np.allclose(res.predict_proba().sum(axis=1), 1))
    True
    """
    tol = positive_number("tol", tol)
    max_iter = whole_number("max_iter", max_iter)
    # pandas y and weights are matched to X's rows by label, as in glm_lib.fit.
    index = X.index if isinstance(X, pd.DataFrame) else None
    X, names = as_design(X, feature_names=feature_names)
    n, p = X.shape
    weights = align_to(weights, index, "weights")
    counts, classes = _response_counts(align_to(y, index, "y"), n)
    if len(classes) < 2:
        raise ValueError(f"y has {len(classes)} class(es) ({classes}); a multinomial model needs at least 2")
    w = as_vector(weights, n, "weights", default=1.0)
    if (w < 0).any():
        raise ValueError(f"weights must be non-negative; negative at {first_rows(w < 0)}")
    Y = counts * w[:, None]
    if not (Y.sum(axis=1) > 0).any():
        raise ValueError("every row has zero total count (weights times counts), so there is nothing to fit")
    empty = [str(c) for c, total in zip(classes, Y.sum(axis=0)) if total == 0]
    if empty:
        raise ValueError(f"class(es) {', '.join(empty)} have zero total weight; drop them")

    if baseline is None:
        base = 0
    else:
        matches = [j for j, c in enumerate(classes) if c == baseline]
        if not matches:
            raise ValueError(f"baseline {baseline!r} is not one of the classes {classes}")
        base = matches[0]
    order = [base] + [j for j in range(len(classes)) if j != base]
    Y = Y[:, order]

    keep = Y.sum(axis=1) > 0
    X_fit, Y_fit = X[keep], Y[keep]
    m = Y_fit.sum(axis=1)
    aliased = find_aliased_columns(X_fit, m)
    if aliased:
        raise ValueError(
            f"X is rank-deficient: {len(aliased)} column(s) are linear combinations of others "
            f"({', '.join(names[j] for j in aliased)}): {_describe_aliasing(X_fit, names, aliased)}. "
            "Remove them."
        )

    k = len(classes)
    K = k - 1
    B = np.zeros((p, K))
    positive = _Counts(Y_fit)
    log_p = _log_probs(X_fit, B)
    llf = positive.loglik(log_p)
    converged = False
    change = np.inf
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        P = np.exp(log_p)  # at B (the accepted step's, from its line search)
        gradient = X_fit.T @ (Y_fit[:, 1:] - m[:, None] * P[:, 1:])  # (p, K)
        H = _information(X_fit, P[:, 1:], m)
        try:
            factor = linalg.cho_factor(H, lower=False, check_finite=False)
            step = linalg.cho_solve(factor, gradient.T.ravel(), check_finite=False).reshape(K, p).T
        except linalg.LinAlgError:
            # The information is singular: probabilities have collapsed to 0/1.
            break
        candidate = B + step
        for _ in range(_MAX_HALVINGS):
            log_p_new = _log_probs(X_fit, candidate)
            llf_new = positive.loglik(log_p_new)
            if np.isfinite(llf_new) and llf_new >= llf - 1e-10 * (abs(llf) + 0.1):
                break
            candidate = 0.5 * (candidate + B)
        else:
            break
        change = abs(llf_new - llf) / (abs(-2.0 * llf_new) + 0.1) * 2.0
        B, llf, log_p = candidate, llf_new, log_p_new
        if change < tol:
            converged = True
            break

    if not converged:
        warnings.warn(
            f"Newton's method did not converge in {n_iter} iterations: the last relative change "
            f"of the deviance was {change:.3g} (tol {tol:g}); increase max_iter or check the model",
            ConvergenceWarning,
            stacklevel=2,
        )

    P = np.exp(log_p)  # at the final B
    information = _information(X_fit, P[:, 1:], m)
    separation = None
    if not converged or P.max() > 1 - _NEAR_ONE or P.min() < _NEAR_ONE:
        separation = _separation(X_fit, Y_fit)
        if separation is not None:
            original_rows = np.flatnonzero(keep)[separation["rows"]]
            separation["rows"] = original_rows
            warnings.warn(
                f"{separation['kind']} separation: the fitted class probabilities of "
                f"{first_rows(np.isin(np.arange(n), original_rows))} are pushed to 0 or 1, so the "
                "maximum-likelihood estimates of some coefficients do not exist (they diverge); the reported estimates and standard errors are "
                "meaningless. Keep the predictor (separation says its effect cannot be bounded, not that it is absent): merge classes, or use a penalised (e.g. Firth-type) fit",
                SeparationWarning,
                stacklevel=2,
            )

    # Null model: class proportions (an intercept-only fit).
    proportions = Y_fit.sum(axis=0) / Y_fit.sum()
    llnull = float(np.sum(Y_fit.sum(axis=0) * np.log(proportions)))

    return MultinomialResults(
        B=B,
        X=X,
        Y=Y,
        names=names,
        classes=classes,
        order=order,
        llf=llf,
        llnull=llnull,
        information=information,
        converged=converged,
        n_iter=n_iter,
        separation=separation,
    )


def multinom(formula: str, data: pd.DataFrame, weights=None, tol: float = 1e-8, max_iter: int = 100) -> MultinomialResults:
    """Multinomial (softmax) regression from an R formula, as ``nnet::multinom``.

    Parameters
    ----------
    formula : str
        ``"y ~ terms"`` with ``y`` a column of class labels. Its first level
        (a categorical's first category; otherwise the first in sorted order,
        R's factor default) is the baseline, as in ``multinom``.
    data : pandas.DataFrame
        The variables; missing values are an error.
    weights : str or array-like, optional
        Case weights (e.g. the counts of a table in long form): a column name
        of ``data`` or values, one per row.
    tol, max_iter : float, int
        Newton's convergence tolerance and iteration limit.

    Returns
    -------
    MultinomialResults
        ``params`` and ``bse`` with a column per non-baseline class and a row
        per term (``coef(fit)`` in R is the transpose); ``predict`` and
        ``predict_proba`` accept a DataFrame of raw variables; ``summary()``
        is laid out like R's.

    Raises
    ------
    ValueError
        A formula without a response column, missing values, unknown columns,
        a response with one class.
    TypeError
        ``weights`` naming a column that is not numeric.

    Notes
    -----
    R: ``nnet::multinom(formula, data, weights)``. glm_lib names a factor's
    indicator column ``lake[T.Hancock]`` where R writes ``lakeHancock``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> gators = gl.datasets.load_alligator()
    >>> res = gl.multinom("food ~ lake + size", gators, weights="count")
    >>> res.baseline
    'bird'
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise ValueError(f"formula must read 'class ~ terms', got {formula!r}")
    lhs, rhs = (side.strip() for side in formula.split("~"))
    if lhs not in data.columns:
        raise ValueError(f"the response {lhs!r} of {formula!r} is not a column of data; give the column of class labels")
    _reject_missing(formula, data)
    labels = data[lhs]
    if isinstance(labels.dtype, pd.CategoricalDtype):
        levels = [c for c in labels.cat.categories if (labels == c).any()]
    else:
        levels = sorted(pd.unique(labels))
    if len(levels) < 2:
        raise ValueError(f"the response {lhs!r} has {len(levels)} class(es); a multinomial model needs at least two")
    frame = model_frame(f"__multinom_response__ ~ {rhs}", data.assign(__multinom_response__=0.0))
    if frame.offset is not None:
        raise ValueError(f"offset() terms are not supported by multinom, got {formula!r}")
    result = fit_multinomial(frame.design, np.asarray(labels, dtype=object), weights=_column_or_values(data, weights, "weights"),
                             tol=tol, max_iter=max_iter, baseline=levels[0])
    result.formula = " ".join(formula.split())
    result.model_spec = frame.design.model_spec
    return result
