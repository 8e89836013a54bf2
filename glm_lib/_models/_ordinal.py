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

**Nominal (partial proportional-odds) effects**, as ``ordinal::clm(...,
nominal = ~ z)``: covariates ``z_i`` (r columns) may move each threshold by
its own amount,

    P(Y_i <= k) = F(zeta_k + z_i' gamma_k - x_i' beta),

so their effect differs between cut points. The threshold of row ``i`` is
``(1, z_i') zeta_k`` with ``zeta_k = (zeta_k, gamma_k)``; the coefficients are
ordered and named as clm's ``alpha``: ``"1|2.(Intercept)", "2|3.(Intercept)",
..., "1|2.z", "2|3.z", ...``. Note the sign: a nominal coefficient *raises a
threshold*, so a negative value moves mass to the higher categories, the
opposite of ``beta``. The log-likelihood is still concave (a concave function of
linear forms), on the region where every fitted category probability is positive.
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
from .._formula._terms import drop_scope

__all__ = ["fit_ordinal", "ordinal_glm", "nominal_test", "OrdinalResults"]

_LINKS = {"logit": L.Logit, "probit": L.Probit, "cloglog": L.CLogLog}
_MAX_HALVINGS = 40
_NEAR_ONE = 1e-8  # an observed category fitted this close to probability 1 signals separation
_NEAR_ZERO = 1e-10  # with nominal effects, a category fitted this close to 0 for observed covariates signals separation


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

    def __init__(self, X: np.ndarray, codes: np.ndarray, w: np.ndarray, K: int, link: L.Link,
                 Z: np.ndarray | None = None):
        self.X, self.codes, self.w, self.K, self.link = X, codes, w, K, link
        n, p = X.shape
        self.p = p
        # The threshold design: a column of ones, then the nominal covariates z_i.
        Zs = np.ones((n, 1)) if Z is None else np.column_stack([np.ones(n), Z])
        self.nominal = Z is not None
        q = p + Zs.shape[1] * (K - 1)
        # U and V: the rows u_i, v_i with a_i = u_i' theta (upper cut) and b_i = v_i' theta (lower cut).
        rows = np.arange(n)
        self.has_upper = codes < K - 1
        self.has_lower = codes > 0
        self.U = np.zeros((n, q))
        self.V = np.zeros((n, q))
        self.U[:, :p] = -X
        self.V[:, :p] = -X
        up, lo = rows[self.has_upper], rows[self.has_lower]
        for c in range(Zs.shape[1]):  # clm's order: by threshold-design column, then cut point
            self.U[up, p + c * (K - 1) + codes[up]] = Zs[up, c]
            self.V[lo, p + c * (K - 1) + codes[lo] - 1] = Zs[lo, c]
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
        zeta = theta[self.p : self.p + self.K - 1]
        if not self.nominal and np.any(np.diff(zeta) <= 0):
            return -np.inf
        _, _, prob = self._parts(theta)
        if np.any((prob <= 0) & (self.w > 0)):  # thresholds crossed for some row: outside the model
            return -np.inf
        with np.errstate(divide="ignore", invalid="ignore"):
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


def _start(codes: np.ndarray, w: np.ndarray, K: int, p: int, link: L.Link, r: int = 0) -> np.ndarray:
    """The null model's MLE: ``beta = 0``, no nominal shifts, thresholds at the link of the cumulative proportions."""
    totals = np.bincount(codes, weights=w, minlength=K)
    cumulative = np.cumsum(totals)[:-1] / totals.sum()
    return np.concatenate([np.zeros(p), link.link(cumulative), np.zeros(r * (K - 1))])


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
        names as ``polr`` labels them, and their standard errors. With
        nominal effects, clm's threshold coefficients ``"1|2.(Intercept)"``,
        ..., ``"1|2.z"``, ... (the intercepts, then each nominal column's shift
        of every threshold).
    nominal_names : list of str
        The nominal columns (empty for a proportional-odds fit).
    levels : list
        The response levels, lowest first.
    link : str
        ``"logit"``, ``"probit"`` or ``"cloglog"``.
    llf, deviance, aic, bic : float
        Log-likelihood, ``-2 llf`` (what ``polr`` calls the "residual
        deviance"; it is not a deviance against a saturated model),
        ``-2 llf + 2 q`` and ``-2 llf + log(nobs) q`` with ``q`` parameters
        (``p + K - 1`` without nominal effects).
    nobs : float
        Sum of the weights.
    converged : bool
    n_iter : int

    Notes
    -----
    R: the ``polr`` object of ``MASS::polr`` (``coef``, ``zeta``, ``vcov``,
    ``logLik``, ``predict(type = "probs")``) and ``ordinal::clm``'s.

    Examples
    --------
    >>> import glm_lib as gl
    >>> housing = gl.datasets.load_housing()
    >>> res = gl.ordinal_glm("Sat ~ Infl + Type + Cont", housing, weights="Freq")
    >>> res.levels, round(float(res.thresholds["Low|Medium"]), 4)
    (['Low', 'Medium', 'High'], -0.4961)
    """

    def __init__(self, *, theta, cov, names, levels, link, llf, nobs, converged, n_iter, X, codes, weights, formula,
                 model_spec, Z=None, nominal_names=()):
        p = len(names)
        self.names = list(names)
        self.levels = list(levels)
        self.link = link
        self.nominal_names = list(nominal_names)
        cuts = [f"{lo}|{hi}" for lo, hi in zip(levels[:-1], levels[1:])]
        if Z is None:
            self.threshold_names = cuts
        else:
            self.threshold_names = [f"{cut}.{column}" for column in ["(Intercept)", *self.nominal_names] for cut in cuts]
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
        self.model_Z = Z
        self.nominal_spec = None
        self.nominal_formula = None
        self._refit = None  # set by ordinal_glm: what nominal_test needs to refit

    def _drop1(self, scope, test: str, k: float) -> pd.DataFrame:
        # gl.drop1 dispatches here (the inference layer may not import the models layer)
        return _drop1_ordinal(self, scope, test, k)

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

    def _threshold_matrix(self) -> np.ndarray:
        """The thresholds as an ``(r + 1) x (K - 1)`` matrix: row 0 the intercepts, row c the shifts by ``z_c``."""
        return self.thresholds.to_numpy().reshape(-1, len(self.levels) - 1)

    def _nominal_design_for(self, new, n: int) -> np.ndarray:
        """``(1, z_i')`` rows of ``new`` (only for a fit with nominal effects)."""
        if new is None:
            Z = self.model_Z
        elif isinstance(new, pd.DataFrame) and self.nominal_spec is not None:
            Z = _design_without_intercept(self.nominal_spec.get_model_matrix(new, na_action="raise"))[0]
        else:
            raise ValueError(
                "new must be a DataFrame of raw variables for a fit with nominal effects (made by ordinal_glm), "
                "so that both the formula's and the nominal terms can be built"
            )
        check_finite("new", Z)
        return np.column_stack([np.ones(n), Z])

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
        if self.model_Z is None:
            cuts = np.broadcast_to(self.thresholds.to_numpy()[None, :], (len(eta), len(self.levels) - 1))
        else:
            cuts = self._nominal_design_for(new, len(eta)) @ self._threshold_matrix()
        cumulative = _LINKS[self.link]().inverse(cuts - eta[:, None])
        edges = np.column_stack([np.zeros(len(eta)), cumulative, np.ones(len(eta))])
        probabilities = np.diff(edges, axis=1)
        crossed = (np.diff(cuts, axis=1) <= 0).any(axis=1)
        if crossed.any():
            warnings.warn(
                f"the thresholds cross at {first_rows(crossed)}: the nominal effects put a higher cut point below "
                "a lower one there, so some probabilities are negative; such covariate values are outside the "
                "range where this partial proportional-odds model is a model",
                RuntimeWarning,
                stacklevel=2,
            )
        return pd.DataFrame(probabilities, columns=pd.Index(self.levels, name="level"))

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
        kind = "proportional odds" if self.model_Z is None else "partial proportional odds"
        lines = [f"Cumulative-link model ({kind}), {self.link} link"]
        if self.formula:
            lines.append(f"Formula: {self.formula}")
        if self.nominal_formula:
            lines.append(f"Nominal: {self.nominal_formula}")
        table = self.coef_table()
        for title, index in (("Coefficients:", self.names), ("Intercepts:", self.threshold_names)):
            if not index:
                continue
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
        lines += ["", f"-2 logLik: {_r_number(self.deviance)}  (polr prints it as \"Residual Deviance\")",
                  f"AIC: {_r_number(self.aic)} "]
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
    nominal=None,
    nominal_names=None,
) -> OrdinalResults:
    """Fit a cumulative-link model ``P(Y <= k) = F(zeta_k - x' beta)`` (R's ``MASS::polr``).

    With ``nominal`` covariates ``z``, the partial proportional-odds model
    ``P(Y <= k) = F(zeta_k + z' gamma_k - x' beta)`` of ``ordinal::clm(...,
    nominal = ~ z)``.

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
    nominal : array-like or DataFrame, shape (n, r), optional
        Covariates with one coefficient per threshold (no intercept column).
        ``X`` may then have no columns (shape ``(n, 0)``).
    nominal_names : sequence of str, optional
        Names of the nominal columns, overriding those of ``nominal``.

    Returns
    -------
    OrdinalResults

    Raises
    ------
    ValueError
        For an unknown link, fewer than three levels, an empty level, an
        unordered or non-integer response, an intercept column, negative
        weights, NaN/inf or a rank-deficient ``X``, or nominal columns that
        are constant, have the wrong number of rows or are aliased with ``X``.

    Warns
    -----
    SeparationWarning
        When the observed categories of some rows are fitted with probability
        1: the maximum-likelihood estimates of some parameters do not exist
        (they diverge).
    ConvergenceWarning
        When Newton's method stops at ``max_iter``.

    Notes
    -----
    R: ``MASS::polr(y ~ X, weights, method = "logistic" | "probit" |
    "cloglog")``; with ``nominal``, ``ordinal::clm(y ~ X, nominal = ~ Z)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> housing = gl.datasets.load_housing()
    >>> X = (housing[["Cont"]] == "High").astype(float)
    >>> res = gl.fit_ordinal(X, housing["Sat"], weights=housing["Freq"], feature_names=["ContHigh"])
    >>> round(float(res.params["ContHigh"]), 4)
    0.1651
    """
    if link not in _LINKS:
        raise ValueError(f"link must be one of {', '.join(map(repr, _LINKS))}, got {link!r}")
    if not (tol > 0 and max_iter >= 1):
        raise ValueError(f"tol must be positive and max_iter at least 1 (got {tol!r}, {max_iter!r})")
    if nominal is not None and np.shape(X)[-1:] == (0,):
        X, names = np.zeros((len(np.asarray(X)), 0)), []
    else:
        X, names = as_design(X, feature_names=feature_names)
    n, p = X.shape
    Z, z_names = None, []
    if nominal is not None:
        Z, z_names = as_design(nominal, name="nominal", feature_names=nominal_names)
        if Z.shape[0] != n:
            raise ValueError(f"nominal has {Z.shape[0]} rows but X has {n}; give one row of nominal covariates per observation")
        if Z.shape[1] == 0:
            raise ValueError("nominal has no columns; leave it out (None) for a proportional-odds fit")
        check_finite("nominal", Z)
        z_constant = np.all(Z == Z[:1], axis=0)
        if z_constant.any():
            raise ValueError(
                f"nominal has a constant column ({', '.join(z_names[j] for j in np.flatnonzero(z_constant))}); the "
                "thresholds already have their own intercepts, so drop it"
            )
        overlap = sorted(set(names) & set(z_names))
        if overlap:
            raise ValueError(
                f"{', '.join(overlap)} appear both in X and in nominal; a covariate has either one coefficient "
                "(proportional) or one per threshold (nominal), not both: remove it from one of them"
            )
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
    if Z is None:
        aliased = find_aliased_columns(X[keep], w[keep])
        if aliased:
            raise ValueError(
                f"X is rank-deficient: {', '.join(names[j] for j in aliased)} are linear combinations of other "
                f"columns ({_describe_aliasing(X[keep], names, aliased)}); remove them"
            )
    else:
        # The thresholds' intercept, then the nominal columns, then X: every column must add a dimension.
        joint = np.column_stack([np.ones(n), Z, X])
        joint_names = ["(threshold intercept)", *(f"nominal {z}" for z in z_names), *names]
        aliased = find_aliased_columns(joint[keep], w[keep])
        if aliased:
            raise ValueError(
                f"the nominal and proportional covariates together are rank-deficient: "
                f"{', '.join(joint_names[j] for j in aliased)} are linear combinations of other columns "
                f"({_describe_aliasing(joint[keep], joint_names, aliased)}); remove them"
            )
    link_object = _LINKS[link]()
    problem = _Problem(X[keep], codes[keep], w[keep], K, link_object, None if Z is None else Z[keep])
    start = _start(codes[keep], w[keep], K, p, link_object, len(z_names))
    theta, llf, converged, n_iter = _newton(problem, start, tol, max_iter)
    _, hessian, prob = problem.derivatives(theta)
    near_one = prob > 1.0 - _NEAR_ONE
    if near_one.any():
        warnings.warn(
            f"separation: the observed categories of {first_rows(np.isin(np.arange(n), np.flatnonzero(keep)[near_one]))} "
            "are fitted with probability 1, so the maximum-likelihood estimates of some coefficients or thresholds do "
            "not exist (they diverge) and the "
            "reported estimates and standard errors are meaningless. Keep the predictor (separation says its effect "
            "cannot be bounded, not that it is absent): merge categories, or use a penalised fit",
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
    result = OrdinalResults(
        theta=theta, cov=cov, names=names, levels=levels, link=link, llf=llf, nobs=float(w.sum()),
        converged=converged, n_iter=n_iter, X=X, codes=codes, weights=w, formula=formula, model_spec=None,
        Z=Z, nominal_names=z_names,
    )
    if Z is not None:
        cuts = np.column_stack([np.ones(n), Z]) @ result._threshold_matrix()
        crossed = (np.diff(cuts, axis=1) <= 0).any(axis=1)
        edges = np.column_stack([np.zeros(n), link_object.inverse(cuts - (X @ theta[:p])[:, None]), np.ones(n)])
        vanished = (np.diff(edges, axis=1) < _NEAR_ZERO) & keep[:, None]
        if vanished.any() and not near_one.any():
            empty_levels = [str(levels[k]) for k in np.flatnonzero(vanished.any(axis=0))]
            warnings.warn(
                f"separation: level(s) {', '.join(empty_levels)} are fitted with probability 0 at "
                f"{first_rows(vanished.any(axis=1))}: those rows' covariates never occur in that category, so the "
                "maximum-likelihood estimates of the nominal coefficients of its cut point do not exist (they diverge) "
                "and their estimates and standard "
                "errors are meaningless (the log-likelihood is its supremum). Keep that term proportional, or "
                "merge categories",
                SeparationWarning,
                stacklevel=2,
            )
        if crossed.any():
            warnings.warn(
                f"the fitted thresholds cross at {first_rows(crossed)} (a higher cut point below a lower one), "
                "so the model gives negative probabilities there; free fewer terms (nominal) or merge categories",
                ConvergenceWarning,
                stacklevel=2,
            )
    return result


def _design_without_intercept(matrix) -> tuple[np.ndarray, list[str]]:
    """Drop the intercept column of a formulaic design (as polr does after ``model.matrix``)."""
    names = [str(c) for c in matrix.columns]
    keep = [j for j, name in enumerate(names) if name != "Intercept"]
    return np.asarray(matrix, dtype=float)[:, keep], [names[j] for j in keep]


def _rhs_terms(spec) -> list[str]:
    """The terms of a formulaic model spec, as text, without the intercept."""
    return [str(term) for term in spec.formula if str(term) != "1"]


def ordinal_glm(
    formula: str, data: pd.DataFrame, link: str = "logit", weights=None, nominal: str | None = None, **options
) -> OrdinalResults:
    """Formula front end of :func:`fit_ordinal`: ``ordinal_glm("Sat ~ Infl + Type", housing, weights="Freq")``.

    Parameters
    ----------
    formula : str
        ``"response ~ terms"``; the response is a column holding an ordered
        categorical or integer levels. The design is built with an intercept
        (so factors get R's treatment coding) which is then dropped, as in
        ``polr``. With ``nominal``, the right side may be ``1`` (no
        proportional terms).
    data : pandas.DataFrame
    link : {"logit", "probit", "cloglog"}
    weights : str or array-like, optional
        A column name of ``data`` or values, one per row.
    nominal : str, optional
        ``"~ z1 + z2"``: terms whose coefficients differ between thresholds,
        the partial proportional-odds model of ``ordinal::clm(...,
        nominal = ~ z1 + z2)``, ``g{P(Y <= k)} = zeta_k + z' gamma_k - x' beta``.
        The threshold coefficients are named as clm names them,
        ``"Low|Medium.(Intercept)"``, ..., ``"Low|Medium.z1"``, ... (with this
        library's column names for factor levels, e.g. ``Cont[T.High]``). A
        term may not appear both here and in ``formula``.
    **options
        Passed to :func:`fit_ordinal` (``tol``, ``max_iter``).

    Returns
    -------
    OrdinalResults
        Whose ``predict_proba`` accepts a DataFrame of raw variables, and
        which :func:`nominal_test` can test term by term.

    Raises
    ------
    TypeError
        ``data`` not a DataFrame, or ``nominal`` not a formula string.
    ValueError
        A formula without a response or covariates, a response that is not a
        column of ``data``, a term both in ``formula`` and ``nominal``, and
        everything :func:`fit_ordinal` rejects.

    Warns
    -----
    SeparationWarning, ConvergenceWarning
        As :func:`fit_ordinal`.

    Notes
    -----
    R: ``MASS::polr(formula, data, weights, method = "logistic")``; with
    ``nominal``, ``ordinal::clm(formula, nominal = ~ z, data, weights)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> housing = gl.datasets.load_housing()
    >>> res = gl.ordinal_glm("Sat ~ Infl + Type + Cont", housing, weights="Freq")
    >>> round(float(res.params["Cont[T.High]"]), 4), round(float(res.deviance), 4)
    (0.3603, 3479.1493)
    """

    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if not isinstance(formula, str) or "~" not in formula:
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
    Z = z_names = nominal_matrix = nominal_text = None
    if nominal is not None:
        if not isinstance(nominal, str):
            raise TypeError(f"nominal must be a one-sided formula string such as '~ x1 + x2', not {type(nominal).__name__}")
        nominal_lhs, _, nominal_rhs = nominal.rpartition("~")
        if nominal_lhs.strip():
            raise ValueError(f"nominal is one-sided ('~ x1 + x2'), without a response; got {nominal!r}")
        nominal_text = "~ " + " ".join(nominal_rhs.split())
        _reject_missing(f"{lhs} ~ {nominal_rhs}", data)
        try:
            nominal_matrix = model_matrix(nominal_rhs, data, na_action="raise")
        except Exception as exc:
            raise ValueError(f"could not build the nominal design for {nominal!r}: {exc}") from exc
        Z, z_names = _design_without_intercept(nominal_matrix)
        if not z_names:
            raise ValueError(f"nominal {nominal!r} has no terms; leave nominal out for a proportional-odds fit")
        both = sorted(set(_rhs_terms(matrix.model_spec)) & set(_rhs_terms(nominal_matrix.model_spec)))
        if both:
            raise ValueError(
                f"term(s) {', '.join(both)} appear both in the formula and in nominal; a term has either one "
                "coefficient (proportional, in the formula) or one per threshold (nominal), not both: remove "
                "it from one of them"
            )
    if not names and Z is None:
        raise ValueError(f"{formula!r} has no covariates; an ordinal model needs at least one term (or nominal terms)")
    result = fit_ordinal(
        X, data[lhs], link=link, weights=_column_or_values(data, weights, "weights"),
        feature_names=names, formula=" ".join(formula.split()), nominal=Z, nominal_names=z_names, **options,
    )
    result.model_spec = matrix.model_spec
    if nominal_matrix is not None:
        result.nominal_spec = nominal_matrix.model_spec
        result.nominal_formula = nominal_text
    result._refit = {"lhs": lhs, "data": data, "link": link, "weights": weights, "options": options,
                     "terms": _rhs_terms(matrix.model_spec),
                     "nominal_terms": [] if nominal_matrix is None else _rhs_terms(nominal_matrix.model_spec)}
    return result


def _null_loglike(codes: np.ndarray, w: np.ndarray, K: int) -> float:
    """The log-likelihood of the thresholds-only model: each category at its observed proportion."""
    totals = np.bincount(codes, weights=w, minlength=K)
    seen = totals > 0
    return float(np.sum(totals[seen] * np.log(totals[seen] / totals.sum())))


def _drop1_ordinal(result: OrdinalResults, scope, test: str, k: float) -> pd.DataFrame:
    """``gl.drop1`` on an ordinal fit: refit without each term (R's ``drop1`` on a ``polr`` fit)."""
    if test not in ("none", "Chisq", "LRT"):
        raise ValueError(
            f"test must be 'none', 'Chisq' or 'LRT' for an ordinal fit (its scale is fixed, so there is no F test), "
            f"got {test!r}"
        )
    if not (np.isfinite(k) and k > 0):
        raise ValueError(f"k must be a positive number (2 for AIC, log(n) for BIC), got {k!r}")
    if result._refit is None:
        raise ValueError("drop1 needs an ordinal fit made by gl.ordinal_glm (it refits from the formula and data)")
    spec = result._refit
    labels = spec["terms"]
    scope = drop_scope(labels) if scope is None else list(scope)
    unknown = [term for term in scope if term not in labels]
    if unknown:
        raise ValueError(f"scope: {', '.join(unknown)} not terms of the model ({', '.join(labels) or 'none'})")
    rows = {"<none>": (result.n_params, result.llf)}
    for term in scope:
        rest = [t for t in labels if t != term]
        if rest or spec["nominal_terms"]:
            with warnings.catch_warnings():
                # A submodel's own warnings (separation, say) do not change its log-likelihood.
                warnings.simplefilter("ignore")
                refit = ordinal_glm(
                    f"{spec['lhs']} ~ {' + '.join(rest) if rest else '1'}", spec["data"], link=spec["link"],
                    weights=spec["weights"],
                    nominal=("~ " + " + ".join(spec["nominal_terms"])) if spec["nominal_terms"] else None,
                    **spec["options"],
                )
            rows[term] = (refit.n_params, refit.llf)
        else:  # only the thresholds remain
            K = len(result.levels)
            rows[term] = (K - 1, _null_loglike(result.codes, result.weights, K))
    n_params = np.array([v[0] for v in rows.values()], float)
    llf = np.array([v[1] for v in rows.values()])
    df = np.concatenate([[np.nan], n_params[0] - n_params[1:]])
    table = pd.DataFrame({"Df": df, "AIC": -2.0 * llf + k * n_params}, index=list(rows))
    if test in ("Chisq", "LRT"):
        lrt = np.maximum(0.0, 2.0 * (llf[0] - llf))
        lrt[0] = np.nan
        table["LRT"] = lrt
        table["Pr(>Chi)"] = stats.chi2.sf(lrt, df)
    return table


def nominal_test(result: OrdinalResults) -> pd.DataFrame:
    """Likelihood-ratio tests of proportional odds, term by term (R's ``ordinal::nominal_test``).

    Each term of the fitted formula is moved in turn into ``nominal`` (one
    coefficient per threshold instead of one in all), the model is refitted,
    and twice the gain in log-likelihood is referred to chi-squared on the
    number of added parameters, ``(K - 2)`` times the term's columns.

    Parameters
    ----------
    result : OrdinalResults
        A fit made by :func:`ordinal_glm` (the terms are refitted from its data).

    Returns
    -------
    pandas.DataFrame
        Rows ``"<none>"`` (the fit itself) and one per term; columns ``Df``,
        ``logLik``, ``AIC``, ``LRT`` and ``Pr(>Chi)`` as R prints them.

    Raises
    ------
    TypeError
        ``result`` is not an :class:`OrdinalResults`.
    ValueError
        A fit not made by :func:`ordinal_glm`, or one with no proportional terms.

    Notes
    -----
    The tests are not independent and do not add up to the joint test of
    all terms, which compares the fit with ``nominal`` holding every term.
    A nominal term whose cut-point effects are infinite (a factor level never
    seen above or below some cut) gives a separation or convergence warning
    from its refit; its row is then the supremum of the log-likelihood.

    R: ``ordinal::nominal_test`` on a ``clm`` fit.

    Examples
    --------
    >>> import glm_lib as gl
    >>> housing = gl.datasets.load_housing()
    >>> res = gl.ordinal_glm("Sat ~ Infl + Type + Cont", housing, weights="Freq")
    >>> table = gl.nominal_test(res)
    >>> int(table.loc["Type", "Df"]), round(float(table.loc["Type", "LRT"]), 4)
    (3, 5.7337)
    """
    if not isinstance(result, OrdinalResults):
        raise TypeError(f"result must be an OrdinalResults from gl.ordinal_glm, not {type(result).__name__}")
    if result._refit is None:
        raise ValueError("nominal_test needs a fit made by gl.ordinal_glm (it refits from the formula and data)")
    spec = result._refit
    if not spec["terms"]:
        raise ValueError("the fit has no proportional terms to test")
    rows = {"<none>": {"Df": np.nan, "logLik": result.llf, "AIC": result.aic, "LRT": np.nan, "Pr(>Chi)": np.nan}}
    for term in spec["terms"]:
        rest = [t for t in spec["terms"] if t != term]
        refit = ordinal_glm(
            f"{spec['lhs']} ~ {' + '.join(rest) if rest else '1'}", spec["data"], link=spec["link"],
            weights=spec["weights"], nominal="~ " + " + ".join([*spec["nominal_terms"], term]), **spec["options"],
        )
        df = refit.n_params - result.n_params
        lrt = 2.0 * (refit.llf - result.llf)
        rows[term] = {"Df": df, "logLik": refit.llf, "AIC": refit.aic, "LRT": lrt, "Pr(>Chi)": stats.chi2.sf(lrt, df)}
    return pd.DataFrame(rows).T.astype(float)
