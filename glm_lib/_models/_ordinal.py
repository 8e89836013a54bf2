"""Cumulative-link (ordinal) regression in the parametrisation of R's ``MASS::polr``.

For an ordered response with levels ``1 < 2 < ... < K`` and a covariate row
``x_i`` (no intercept column: the thresholds play its role),

    P(Y_i <= k) = F(zeta_k - x_i' beta),   k = 1, ..., K - 1,

with ``F`` the inverse link (logistic, standard normal or ``1 - exp(-exp(.))``)
and thresholds ``zeta_1 < ... < zeta_{K-1}``. A positive ``beta_j`` moves mass
to the higher categories. ``ordinal::clm`` uses the same parametrisation.

The log-likelihood ``sum_i w_i log{F(zeta_{y_i} - eta_i) - F(zeta_{y_i - 1} - eta_i)}``
is concave in ``(beta, zeta)`` for these three links (their densities are
log-concave), so Newton's method with the observed information and step
halving finds the maximum from the null model's thresholds. Each observation
depends on the parameters only through two linear forms, ``a_i = u_i' theta``
and ``b_i = v_i' theta`` (upper and lower cut point minus ``eta_i``), so the
Hessian is assembled from three ``n x q`` matrices by row scaling, never from
per-row outer products or ``n x n`` matrices.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from formulaic import model_matrix
from scipy import linalg, stats

from .._model import _formatting as formatting
from .._model import _links as L
from .._model._errors import ConvergenceWarning, SeparationWarning
from .._engine._linalg import _describe_aliasing, find_aliased_columns
from .._model._validation import as_design, as_vector, check_finite, first_rows
from .._formula._formula import _column_or_values, _reject_missing

__all__ = ["fit_ordinal", "ordinal_glm", "OrdinalResults"]

_LINKS = {"logit": L.Logit, "probit": L.Probit, "cloglog": L.CLogLog}
_MAX_HALVINGS = 40
_NEAR_ONE = 1e-8  # an observed category fitted this close to probability 1 signals separation


# --------------------------------------------------------------------------
# response handling
# --------------------------------------------------------------------------
def _ordered_codes(y: Any, n: int) -> tuple[np.ndarray, list]:
    """Integer codes ``0..K-1`` and the level labels of an ordered response."""
    if isinstance(y, pd.Series):
        series = y.reset_index(drop=True)
    else:
        if np.ndim(y) != 1:
            raise ValueError(f"y must be 1-dimensional (one ordered category per row), got shape {np.shape(y)}")
        series = pd.Series(y)
    if len(series) != n:
        raise ValueError(f"y has {len(series)} rows but X has {n}")
    missing = series.isna().to_numpy()
    if missing.any():
        raise ValueError(f"y contains missing values at {first_rows(missing)}; drop those rows first")
    if isinstance(series.dtype, pd.CategoricalDtype):
        if not series.cat.ordered:
            raise ValueError(
                "y is an unordered categorical; make the order explicit with "
                "pd.Categorical(y, categories=[lowest, ..., highest], ordered=True)"
            )
        levels = list(series.cat.categories)
        codes = series.cat.codes.to_numpy()
    elif series.dtype.kind in "iub" or (
        series.dtype.kind == "f" and np.all(np.isfinite(series)) and np.all(series == np.round(series))
    ):
        levels = sorted(series.unique().tolist())
        codes = pd.Categorical(series, categories=levels).codes
        levels = [int(v) for v in levels]
    elif series.dtype.kind == "f":
        raise ValueError("y has non-integer numbers; an ordinal response is integer levels or an ordered categorical")
    else:
        raise ValueError(
            "y holds unordered labels (strings); their order cannot be guessed. Pass "
            "pd.Categorical(y, categories=[lowest, ..., highest], ordered=True)"
        )
    return np.asarray(codes, dtype=int), levels


# --------------------------------------------------------------------------
# numerical core
# --------------------------------------------------------------------------
class _Problem:
    """The data of one fit and the log-likelihood, gradient and Hessian in ``theta = (beta, zeta)``."""

    def __init__(self, X: np.ndarray, codes: np.ndarray, w: np.ndarray, K: int, link: L.Link):
        self.X, self.codes, self.w, self.K, self.link = X, codes, w, K, link
        n, p = X.shape
        self.p = p
        # U and V: the rows u_i, v_i with a_i = u_i' theta (upper cut) and b_i = v_i' theta (lower cut).
        rows = np.arange(n)
        self.has_upper = codes < K - 1
        self.has_lower = codes > 0
        self.U = np.zeros((n, p + K - 1))
        self.V = np.zeros((n, p + K - 1))
        self.U[:, :p] = -X
        self.V[:, :p] = -X
        self.U[rows[self.has_upper], p + codes[self.has_upper]] = 1.0
        self.V[rows[self.has_lower], p + codes[self.has_lower] - 1] = 1.0
        self.U[~self.has_upper] = 0.0
        self.V[~self.has_lower] = 0.0

    def _parts(self, theta: np.ndarray):
        a = self.U @ theta
        b = self.V @ theta
        Fa = np.where(self.has_upper, self.link.inverse(a), 1.0)
        Fb = np.where(self.has_lower, self.link.inverse(b), 0.0)
        # Differences of upper tails are more accurate when both cut points are far to the right.
        Sa = np.where(self.has_upper, 1.0 - self.link.inverse(a), 0.0)
        Sb = np.where(self.has_lower, 1.0 - self.link.inverse(b), 1.0)
        prob = np.where(Fa < 0.5, Fa - Fb, Sb - Sa)
        return a, b, prob

    def loglike(self, theta: np.ndarray) -> float:
        zeta = theta[self.p :]
        if np.any(np.diff(zeta) <= 0):
            return -np.inf
        _, _, prob = self._parts(theta)
        with np.errstate(divide="ignore"):
            return float(np.sum(self.w * np.log(prob)))

    def derivatives(self, theta: np.ndarray):
        """Gradient and Hessian of the log-likelihood, and the fitted probabilities of the observed categories."""
        a, b, prob = self._parts(theta)
        fa = np.where(self.has_upper, self.link.inverse_deriv(a), 0.0)
        fb = np.where(self.has_lower, self.link.inverse_deriv(b), 0.0)
        da = np.where(self.has_upper, self.link.inverse_deriv2(a), 0.0)
        db = np.where(self.has_lower, self.link.inverse_deriv2(b), 0.0)
        G = (self.U * fa[:, None] - self.V * fb[:, None]) / prob[:, None]  # per-row gradient of log p_i
        gradient = G.T @ self.w
        wp = self.w / prob
        hessian = (self.U * (wp * da)[:, None]).T @ self.U - (self.V * (wp * db)[:, None]).T @ self.V
        hessian -= (G * self.w[:, None]).T @ G
        return gradient, hessian, prob


def _start(codes: np.ndarray, w: np.ndarray, K: int, p: int, link: L.Link) -> np.ndarray:
    """The null model's MLE: ``beta = 0`` and thresholds at the link of the cumulative proportions."""
    totals = np.bincount(codes, weights=w, minlength=K)
    cumulative = np.cumsum(totals)[:-1] / totals.sum()
    return np.concatenate([np.zeros(p), link.link(cumulative)])


def _newton(problem: _Problem, theta: np.ndarray, tol: float, max_iter: int):
    llf = problem.loglike(theta)
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        gradient, hessian, _ = problem.derivatives(theta)
        try:
            factor = linalg.cho_factor(-hessian, check_finite=False)
            step = linalg.cho_solve(factor, gradient, check_finite=False)
        except linalg.LinAlgError:
            break  # the information is singular: probabilities have collapsed to 0 or 1
        decrement = float(gradient @ step)  # Newton decrement: twice the predicted gain
        if decrement < tol:
            converged = True
            break
        candidate = theta + step
        for _ in range(_MAX_HALVINGS):
            llf_new = problem.loglike(candidate)
            if np.isfinite(llf_new) and llf_new >= llf - 1e-12 * (abs(llf) + 1.0):
                break
            candidate = 0.5 * (candidate + theta)
        else:
            break
        theta, llf = candidate, llf_new
    return theta, llf, converged, n_iter


# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------
class OrdinalResults:
    """A fitted cumulative-link model (R's ``polr`` / ``clm``).

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        The coefficients ``beta`` (no intercept), their standard errors from
        the observed information, Wald z values and two-sided p-values.
    thresholds, thresholds_bse : pandas.Series
        The cut points ``zeta_k``, labelled ``"1|2"``, ``"2|3"``, ... by level
        names as ``polr`` labels them, and their standard errors.
    levels : list
        The response levels, lowest first.
    link : str
        ``"logit"``, ``"probit"`` or ``"cloglog"``.
    llf, deviance, aic, bic : float
        Log-likelihood, ``-2 llf``, ``-2 llf + 2 q`` and ``-2 llf + log(nobs) q``
        with ``q = p + K - 1`` parameters.
    nobs : float
        Sum of the weights.
    converged : bool
    n_iter : int
    """

    def __init__(self, *, theta, cov, names, levels, link, llf, nobs, converged, n_iter, X, codes, weights, formula, model_spec):
        p = len(names)
        self.names = list(names)
        self.levels = list(levels)
        self.link = link
        self.threshold_names = [f"{lo}|{hi}" for lo, hi in zip(levels[:-1], levels[1:])]
        se = np.sqrt(np.diag(cov))
        self._theta = theta
        self._cov = cov
        self.params = pd.Series(theta[:p], index=self.names, dtype=float)
        self.bse = pd.Series(se[:p], index=self.names, dtype=float)
        self.tvalues = self.params / self.bse
        self.pvalues = pd.Series(2.0 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=self.names, dtype=float)
        self.thresholds = pd.Series(theta[p:], index=self.threshold_names)
        self.thresholds_bse = pd.Series(se[p:], index=self.threshold_names)
        self.llf = float(llf)
        self.nobs = float(nobs)
        self.n_params = len(theta)
        self.deviance = -2.0 * self.llf
        self.aic = self.deviance + 2.0 * self.n_params
        self.bic = self.deviance + math.log(self.nobs) * self.n_params
        self.df_resid = self.nobs - self.n_params
        self.converged = bool(converged)
        self.n_iter = int(n_iter)
        self.model_X = X
        self.codes = codes
        self.weights = weights
        self.formula = formula
        self.model_spec = model_spec

    def cov_params(self) -> pd.DataFrame:
        """Covariance of ``(beta, zeta)``: the inverse observed information (as ``vcov(polr)``)."""
        index = self.names + self.threshold_names
        return pd.DataFrame(self._cov, index=index, columns=index)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals ``estimate +/- z se`` for the coefficients (``confint.default``)."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
        q = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - q * self.bse, "upper": self.params + q * self.bse})

    def _design_for(self, new) -> np.ndarray:
        if new is None:
            return self.model_X
        if isinstance(new, pd.DataFrame) and self.model_spec is not None:
            values = _design_without_intercept(self.model_spec.get_model_matrix(new, na_action="raise"))[0]
        elif isinstance(new, pd.DataFrame) and set(self.names) <= set(map(str, new.columns)):
            values = new.rename(columns=str)[self.names].to_numpy(dtype=float)
        else:
            values = np.asarray(new, dtype=float)
            if values.ndim == 1:
                values = values[None, :] if values.shape[0] == len(self.names) else values[:, None]
        if values.ndim != 2 or values.shape[1] != len(self.names):
            raise ValueError(f"new must have {len(self.names)} columns ({', '.join(self.names)}), got shape {values.shape}")
        check_finite("new", values)
        return values

    def predict_proba(self, new=None) -> pd.DataFrame:
        """Category probabilities, an ``n x K`` DataFrame whose columns are the levels.

        Parameters
        ----------
        new : DataFrame or array-like, optional
            Raw variables for a formula fit (a DataFrame), or design rows with
            the fitted columns; defaults to the fitted data.
        """
        X = self._design_for(new)
        eta = X @ self.params.to_numpy()
        cumulative = _LINKS[self.link]().inverse(self.thresholds.to_numpy()[None, :] - eta[:, None])
        edges = np.column_stack([np.zeros(len(eta)), cumulative, np.ones(len(eta))])
        return pd.DataFrame(np.diff(edges, axis=1), columns=pd.Index(self.levels, name="level"))

    def predict(self, new=None) -> np.ndarray:
        """The most probable level of each row."""
        probabilities = self.predict_proba(new)
        return probabilities.columns.to_numpy()[probabilities.to_numpy().argmax(axis=1)]

    def coef_table(self) -> pd.DataFrame:
        """``Value``, ``Std. Error`` and ``t value`` of coefficients then thresholds (polr's names)."""
        return pd.DataFrame(
            {
                "Value": pd.concat([self.params, self.thresholds]),
                "Std. Error": pd.concat([self.bse, self.thresholds_bse]),
                "t value": pd.concat([self.params / self.bse, self.thresholds / self.thresholds_bse]),
            }
        )

    def summary(self) -> str:
        """Plain text laid out like R's ``summary(polr(...))``."""
        lines = [f"Cumulative-link model (proportional odds), {self.link} link"]
        if self.formula:
            lines.append(f"Formula: {self.formula}")
        table = self.coef_table()
        for title, index in (("Coefficients:", self.names), ("Intercepts:", self.threshold_names)):
            part = table.loc[index]
            columns = [
                ["Value", *formatting.format_column(part["Value"].to_numpy())],
                ["Std. Error", *formatting.format_column(part["Std. Error"].to_numpy())],
                ["t value", *[formatting.format_statistic(v) for v in part["t value"]]],
            ]
            name_width = max(len(n) for n in index)
            widths = [max(len(cell) for cell in col) for col in columns]
            lines += ["", title, " " * name_width + " " + " ".join(c[0].rjust(w) for c, w in zip(columns, widths))]
            for i, name in enumerate(index):
                lines.append(f"{name.ljust(name_width)} " + " ".join(c[i + 1].rjust(w) for c, w in zip(columns, widths)))
        lines += ["", f"Residual Deviance: {_r_number(self.deviance)} ", f"AIC: {_r_number(self.aic)} "]
        lines += formatting.warning_lines(self.converged, None)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<OrdinalResults {self.link} link, {len(self.levels)} levels: logLik {self.llf:.6g}>"


def _r_number(value: float) -> str:
    """A number as R's ``format(x, nsmall = 2)`` prints it: 7 significant digits, at least 2 decimals."""
    text = f"{value:.7g}"
    if "e" in text:
        return text
    decimals = len(text.split(".")[1]) if "." in text else 0
    return f"{value:.{max(decimals, 2)}f}"


# --------------------------------------------------------------------------
# public fitters
# --------------------------------------------------------------------------
def fit_ordinal(
    X,
    y,
    link: str = "logit",
    weights=None,
    tol: float = 1e-12,
    max_iter: int = 100,
    feature_names=None,
    formula: str | None = None,
) -> OrdinalResults:
    """Fit a cumulative-link model ``P(Y <= k) = F(zeta_k - x' beta)`` (R's ``MASS::polr``).

    Parameters
    ----------
    X : array-like or DataFrame, shape (n, p)
        Covariates without an intercept column (the thresholds are the intercepts).
    y : array-like, shape (n,)
        Ordered response: a pandas ordered categorical (levels in its order)
        or integer levels (in numeric order). At least 3 levels, each observed.
    link : {"logit", "probit", "cloglog"}
        ``"logit"`` is the proportional-odds model (polr's ``"logistic"``).
    weights : array-like, optional
        Non-negative case (frequency) weights, e.g. the counts of a table.
    tol : float
        Convergence tolerance on the Newton decrement ``g' H^{-1} g``.
    max_iter : int
        Newton iteration limit; reaching it gives a ``ConvergenceWarning``.
    feature_names : sequence of str, optional
        Coefficient names, overriding those of ``X``.
    formula : str, optional
        Recorded for the summary (set by :func:`ordinal_glm`).

    Returns
    -------
    OrdinalResults

    Raises
    ------
    ValueError
        For an unknown link, fewer than three levels, an empty level, an
        unordered or non-integer response, an intercept column, negative
        weights, NaN/inf or a rank-deficient ``X``.

    Warns
    -----
    SeparationWarning
        When the observed categories of some rows are fitted with probability
        1: some estimates are infinite in truth.
    ConvergenceWarning
        When Newton's method stops at ``max_iter``.
    """
    if link not in _LINKS:
        raise ValueError(f"link must be one of {', '.join(map(repr, _LINKS))}, got {link!r}")
    if not (tol > 0 and max_iter >= 1):
        raise ValueError(f"tol must be positive and max_iter at least 1 (got {tol!r}, {max_iter!r})")
    X, names = as_design(X, feature_names=feature_names)
    n, p = X.shape
    constant = np.all(X == X[:1], axis=0) & (X[0] != 0)
    if constant.any():
        raise ValueError(
            f"X has a constant column ({', '.join(names[j] for j in np.flatnonzero(constant))}); the thresholds "
            "already play the intercept's role, so drop it (polr drops the intercept for you)"
        )
    codes, levels = _ordered_codes(y, n)
    w = as_vector(weights, n, "weights", default=1.0)
    if (w < 0).any():
        raise ValueError(f"weights must be non-negative; negative at {first_rows(w < 0)}")
    K = len(levels)
    totals = np.bincount(codes, weights=w, minlength=K)
    if K < 3:
        raise ValueError(
            f"y has {K} level(s) ({levels}); an ordinal model needs at least 3 (for 2, fit a binomial GLM)"
        )
    empty = [str(levels[k]) for k in range(K) if totals[k] == 0]
    if empty:
        raise ValueError(
            f"level(s) {', '.join(empty)} of y have no observations (or zero weight), so their thresholds are "
            "not identified; drop the unused categories (y.cat.remove_unused_categories()) or merge levels"
        )
    keep = w > 0
    aliased = find_aliased_columns(X[keep], w[keep])
    if aliased:
        raise ValueError(
            f"X is rank-deficient: {', '.join(names[j] for j in aliased)} are linear combinations of other "
            f"columns ({_describe_aliasing(X[keep], names, aliased)}); remove them"
        )
    link_object = _LINKS[link]()
    problem = _Problem(X[keep], codes[keep], w[keep], K, link_object)
    theta, llf, converged, n_iter = _newton(problem, _start(codes[keep], w[keep], K, p, link_object), tol, max_iter)
    _, hessian, prob = problem.derivatives(theta)
    near_one = prob > 1.0 - _NEAR_ONE
    if near_one.any():
        warnings.warn(
            f"separation: the observed categories of {first_rows(np.isin(np.arange(n), np.flatnonzero(keep)[near_one]))} "
            "are fitted with probability 1, so some coefficients or thresholds are infinite in truth and the "
            "reported estimates and standard errors are meaningless. Keep the predictor (its effect is strong, "
            "not absent): merge categories, or use a penalised fit",
            SeparationWarning,
            stacklevel=2,
        )
    elif not converged:
        warnings.warn(
            f"Newton's method did not converge in {n_iter} iterations; increase max_iter or check the model",
            ConvergenceWarning,
            stacklevel=2,
        )
    try:
        factor = linalg.cho_factor(-hessian, check_finite=True)
        cov = linalg.cho_solve(factor, np.eye(len(theta)), check_finite=False)
    except (linalg.LinAlgError, ValueError):
        cov = np.full((len(theta), len(theta)), np.nan)
    return OrdinalResults(
        theta=theta, cov=cov, names=names, levels=levels, link=link, llf=llf, nobs=float(w.sum()),
        converged=converged, n_iter=n_iter, X=X, codes=codes, weights=w, formula=formula, model_spec=None,
    )


def _design_without_intercept(matrix) -> tuple[np.ndarray, list[str]]:
    """Drop the intercept column of a formulaic design (as polr does after ``model.matrix``)."""
    names = [str(c) for c in matrix.columns]
    keep = [j for j, name in enumerate(names) if name != "Intercept"]
    return np.asarray(matrix, dtype=float)[:, keep], [names[j] for j in keep]


def ordinal_glm(formula: str, data: pd.DataFrame, link: str = "logit", weights=None, **options) -> OrdinalResults:
    """Formula front end of :func:`fit_ordinal`: ``ordinal_glm("Sat ~ Infl + Type", housing, weights="Freq")``.

    Parameters
    ----------
    formula : str
        ``"response ~ terms"``; the response is a column holding an ordered
        categorical or integer levels. The design is built with an intercept
        (so factors get R's treatment coding) which is then dropped, as in
        ``polr``.
    data : pandas.DataFrame
    link : {"logit", "probit", "cloglog"}
    weights : str or array-like, optional
        A column name of ``data`` or values, one per row.
    **options
        Passed to :func:`fit_ordinal` (``tol``, ``max_iter``).

    Returns
    -------
    OrdinalResults
        Whose ``predict_proba`` accepts a DataFrame of raw variables.
    """

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if "~" not in formula:
        raise ValueError(f"formula needs a response: 'y ~ x', got {formula!r}")
    lhs, rhs = (part.strip() for part in formula.split("~", 1))
    if lhs not in data.columns:
        raise ValueError(f"the response {lhs!r} is not a column of data (it must hold an ordered categorical or integer levels)")
    _reject_missing(formula, data)
    try:
        matrix = model_matrix(rhs, data, na_action="raise")
    except Exception as exc:  # formulaic raises several types; give one clear message
        raise ValueError(f"could not build the design for {formula!r}: {exc}") from exc
    X, names = _design_without_intercept(matrix)
    if not names:
        raise ValueError(f"{formula!r} has no covariates; an ordinal model needs at least one term")
    result = fit_ordinal(
        X, data[lhs], link=link, weights=_column_or_values(data, weights, "weights"),
        feature_names=names, formula=" ".join(formula.split()), **options,
    )
    result.model_spec = matrix.model_spec
    return result
