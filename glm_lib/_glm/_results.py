"""The fitted model: estimates, standard errors, tests, residuals, predictions.

Conventions follow R's ``glm`` and ``summary.glm``:

- the dispersion is estimated for the Gaussian, Gamma, inverse Gaussian and
  quasi families, and 1 otherwise;
- standard errors come from the expected (Fisher) information with the
  working weights of the last IRLS step, which R computes one step behind the
  estimate (other solvers: at the estimate); the difference is of the order of
  the convergence tolerance, and reproduces R's printed digits;
- the dispersion is R's: those working weights times the squared working
  residuals, over ``df_resid`` (Pearson X^2/df at convergence);
- Wald statistics are t values (with ``df_resid`` degrees of freedom) when the
  dispersion is estimated, z values otherwise; ``conf_int`` uses the same
  reference distribution (R's ``confint.default`` always uses the normal);
- the AIC counts the dispersion as a parameter when it is estimated and plugs in
  the dispersion R's family ``aic`` functions use (``deviance / n``);
- with an offset and an intercept, the null deviance is that of the
  intercept-plus-offset model, refitted.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from formulaic.errors import DataMismatchWarning
from scipy import linalg, stats

from .._model import _formatting as formatting
from .._model._families import Family
from .._engine._backends import block_family, rowsum, rowwise
from .._engine._irls import fisher_scoring
from .._engine._linalg import weighted_gram
from .._model._validation import as_design, as_vector, first_rows
from ._profile import profile_conf_int
from .._formula._formula import R_CONTEXT, align_new_levels, evaluate_expression

__all__ = ["GLMResults"]


def _has_constant_column(X: np.ndarray) -> bool:
    """True when a column of X is a non-zero constant (R's test for an intercept).

    Each candidate column is compared with its first value, first on a few
    rows (most columns fail there), so only a constant column is read in full:
    two passes over X (its column maxima and minima) are avoided.
    """
    first = X[0]
    for j in np.flatnonzero(first != 0):
        if np.all(X[:64, j] == first[j]) and np.all(X[:, j] == first[j]):
            return True
    return False


class GLMResults:
    """Results of :func:`glm_lib.fit` or :func:`glm_lib.glm`.

    Attributes
    ----------
    params, bse, tvalues, pvalues : pandas.Series
        Estimates, standard errors, Wald statistics and two-sided p-values,
        indexed by coefficient name (aliased columns hold NaN).
    deviance, null_deviance : float
        Residual and null deviance.
    df_resid, df_null : int
        Their degrees of freedom.
    dispersion : float
        Estimated (Pearson) dispersion, or 1 for the Binomial, Poisson and
        negative binomial.
    mu, eta : ndarray
        Fitted means and linear predictors.
    converged : bool
    n_iter : int
    history : pandas.DataFrame
        One row per iteration: ``iteration``, ``deviance`` and each coefficient.
    separation : dict or None
        What :func:`glm_lib._engine._separation.detect_separation` found, if anything.

    Notes
    -----
    R: the ``glm`` object and its accessors (``coef``, ``vcov``, ``fitted``,
    ``residuals``, ``deviance``, ``logLik``, ``AIC``, ``predict``) and
    ``summary.glm``; the notation page lists the correspondence.

    Examples
    --------
    >>> import glm_lib as gl
    >>> dobson = gl.datasets.load_dobson()
    >>> res = gl.glm("counts ~ outcome + treatment", dobson, family=gl.Poisson())
    >>> type(res).__name__, res.converged
    ('GLMResults', True)
    >>> round(float(res.null_deviance), 4), int(res.df_null)
    (10.5814, 8)
    """

    def __init__(self, *, family: Family, X, y, prior_weights, offset, state, names, kept, method, separation, formula):
        self.family = family
        self.model_X = X
        self.y = y
        self.prior_weights = prior_weights
        self.offset = offset
        self.method = method
        self.formula = formula
        self.separation = separation
        self.names = list(names)
        self.aliased = [names[j] for j in range(len(names)) if j not in kept]
        self._kept_names = [names[j] for j in kept]

        self.mu = state.mu
        self.eta = state.eta
        self.deviance = float(state.deviance)
        self.converged = bool(state.converged)
        self.n_iter = int(state.n_iter)
        self.history = pd.DataFrame(
            [[it, dev, *coef] for it, dev, coef in state.history],
            columns=["iteration", "deviance", *self._kept_names],
        )
        self._params = state.params
        # Sums that travelled with the passes over dask arrays (empty in memory).
        extras = self._extras = getattr(state, "extras", None) or {}

        positive = prior_weights > 0
        self.nobs = int(extras["nobs"]) if "nobs" in extras else int(np.count_nonzero(positive))
        self.rank = len(kept)
        self.df_resid = self.nobs - self.rank
        # Like R's null model: an intercept is a non-zero constant column.
        if "col_max" in extras:
            col_max, col_min, first = (extras[key][kept] for key in ("col_max", "col_min", "first_row"))
            self.has_intercept = bool(np.any((col_max == col_min) & (first != 0)))
        else:
            self.has_intercept = _has_constant_column(X)
        self.df_model = self.rank - int(self.has_intercept)

        with np.errstate(all="ignore"):
            if state.working_weights is not None:
                # As R's summary.glm: the weights of the last IRLS step, computed
                # one step behind the estimate. They reproduce R's printed SEs and
                # dispersion (clotting: 0.0009275, 0.002446059); the Fisher
                # information at the estimate differs by the convergence
                # tolerance (tighten tol to get it, e.g. horse kicks 0.09054).
                self.working_weights = state.working_weights
            else:
                dmu_deta = rowwise(family.link.inverse_deriv, self.eta)
                self.working_weights = prior_weights * np.square(dmu_deta) / family.variance(self.mu)
        if state.fisher_factor is not None:
            self._gram_factor = state.fisher_factor
        else:
            try:
                self._gram_factor = linalg.cho_factor(weighted_gram(X, self.working_weights), check_finite=False)
            except linalg.LinAlgError:
                # Gradient descent never checks X'WX, so it can stop where it is singular.
                raise FloatingPointError(
                    f"the information X'WX is singular at the {method} estimate (the working weights "
                    "collapsed to zero, e.g. fitted means at the boundary of the family), so standard "
                    "errors cannot be computed; the fit did not reach a usable maximum: use method='irls', "
                    "a smaller learning_rate or other start= values"
                ) from None
        if "pearson" in extras:
            self.pearson_chi2 = float(extras["pearson"])
        else:
            self.pearson_chi2 = float(np.sum(np.square(self.resid_pearson)))
        self.dispersion = self._estimate_dispersion()
        self.null_deviance, self.df_null = self._null_model()

        cov = self.cov_params()
        bse_fit = np.sqrt(np.diag(cov.to_numpy()))
        self.params = self._expand(self._params)
        self.bse = self._expand(bse_fit)
        self.tvalues = self.params / self.bse
        self.pvalues = pd.Series(
            2 * self._reference_distribution().sf(np.abs(self.tvalues.to_numpy())),
            index=self.names,
        )
        self.model_spec = None  # set by glm() so that predict() accepts DataFrames
        # Set by glm(): the offset's expressions (offset() terms, an offset column name),
        # which predict evaluates in new data as R does.
        self.offset_terms: tuple[str, ...] = ()

    # --- construction helpers ---------------------------------------------
    def _expand(self, values: np.ndarray) -> pd.Series:
        series = pd.Series(np.nan, index=self.names, dtype=float)
        series[self._kept_names] = values
        return series

    def _estimate_dispersion(self) -> float:
        if not self.family.estimated_dispersion:
            return 1.0
        if self.df_resid <= 0:
            raise ValueError(
                f"the dispersion of the {self.family.name} family cannot be estimated with "
                f"{self.df_resid} residual degrees of freedom (n = {self.nobs}, rank = {self.rank})"
            )
        # R's summary.glm: the last IRLS step's working weights times squared
        # working residuals, equal to Pearson X^2 / df up to the convergence tolerance.
        if "dispersion_sum" in self._extras:  # dask: the same sum, carried by the last pass
            return float(self._extras["dispersion_sum"]) / self.df_resid
        return float(np.sum(self.working_weights * np.square(self.resid_working))) / self.df_resid

    def _null_model(self) -> tuple[float, int]:
        family, y, weights, offset = self.family, self.y, self.prior_weights, self.offset
        intercept = self.has_intercept
        if "null_deviance" in self._extras:  # dask: computed for this model's case in the passes
            return float(self._extras["null_deviance"]), self.nobs - int(intercept)
        if intercept and "null_deviance_at_mean" in self._extras:  # in memory, no offset: from row sums
            return float(self._extras["null_deviance_at_mean"]), self.nobs - int(intercept)
        if not intercept:
            mu = rowwise(family.link.inverse, offset)
        elif np.any(offset != 0):
            ones = np.ones_like(y)[:, None]
            mu = fisher_scoring(family, ones, y, weights, offset, 1e-10, 100, None, False).mu
        else:
            mu = np.full_like(y, float(np.average(y, weights=weights)))
        return rowsum(family.deviance, y, mu, weights), self.nobs - int(intercept)

    def _reference_distribution(self):
        if self.family.estimated_dispersion:
            return stats.t(self.df_resid)
        return stats.norm()

    # --- inference ----------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        """Covariance of the estimates, ``dispersion * (X' W X)^{-1}``, by Cholesky solves."""
        identity = np.eye(self.rank)
        cov = self.dispersion * linalg.cho_solve(self._gram_factor, identity, check_finite=False)
        return pd.DataFrame(cov, index=self._kept_names, columns=self._kept_names)

    def conf_int(self, alpha: float = 0.05, method: str = "wald") -> pd.DataFrame:
        """Confidence intervals, one row per coefficient (``lower``, ``upper``).

        ``method="wald"``: ``estimate +/- q * se``, with ``q`` the t quantile on
        ``df_resid`` degrees of freedom when the dispersion is estimated, the
        normal quantile otherwise. ``method="profile"``: profile-likelihood
        intervals as R's ``confint()`` on a glm (see :mod:`glm_lib.profile`);
        for a ``method="firth"`` fit, penalised profile-likelihood intervals
        (Heinze and Schemper, 2002; ``logistf``'s), which are the intervals to
        report after a Firth fit: its Wald intervals are unreliable near
        separation.
        """
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
        if method == "profile":
            return profile_conf_int(self, alpha)
        if method != "wald":
            raise ValueError(f"method must be 'wald' or 'profile', got {method!r}")
        q = self._reference_distribution().ppf(1 - alpha / 2)
        return pd.DataFrame(
            {"lower": self.params - q * self.bse, "upper": self.params + q * self.bse}
        )

    @property
    def llf(self) -> float:
        """Log-likelihood at the estimate, with R's plug-in dispersion."""
        if not self.family.has_likelihood:
            raise ValueError(f"the {self.family.name} family has no likelihood, so no llf, AIC or BIC")
        scale = float(self.family.aic_scale(self.deviance, self.prior_weights))
        if scale == 0.0:
            # A perfect fit (fit warned): the likelihood grows without bound as the
            # dispersion goes to 0; R's logLik is Inf for the Gaussian too.
            return np.inf
        if "loglik" in self._extras and scale == 1.0:
            return float(self._extras["loglik"])
        family, trials = self.family, getattr(self.family, "trials", None)
        if trials is None:
            return rowsum(lambda y, mu, w: family.loglike(y, mu, w, scale), self.y, self.mu, self.prior_weights)
        # A binomial (successes, failures) response: its numbers of trials go along, block by block on dask.
        return rowsum(lambda y, mu, w, t: block_family(family, t).loglike(y, mu, w, scale),
                      self.y, self.mu, self.prior_weights, trials)

    @property
    def n_params(self) -> int:
        """Parameters counted by the AIC: coefficients, the dispersion if estimated, and
        any parameter estimated outside IRLS (a negative binomial's alpha)."""
        return self.rank + int(self.family.estimated_dispersion) + self.family.extra_params

    @property
    def aic(self) -> float:
        """Akaike's information criterion, as R's ``AIC(glm)``."""
        return -2.0 * self.llf + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        """Schwarz's criterion, as R's ``BIC(glm)``."""
        return -2.0 * self.llf + np.log(self.nobs) * self.n_params

    # --- residuals ----------------------------------------------------------
    @property
    def resid_response(self) -> np.ndarray:
        """``y - mu``."""
        return self.y - self.mu

    @property
    def resid_pearson(self) -> np.ndarray:
        """``(y - mu) sqrt(w / V(mu))``."""
        return (self.y - self.mu) * np.sqrt(self.prior_weights / rowwise(self.family.variance, self.mu))

    @property
    def resid_deviance(self) -> np.ndarray:
        """``sign(y - mu) sqrt(w d(y, mu))``; their squares sum to the deviance."""
        unit = np.maximum(rowwise(self.family.unit_deviance, self.y, self.mu), 0.0)
        return np.sign(self.y - self.mu) * np.sqrt(self.prior_weights * unit)

    @property
    def resid_working(self) -> np.ndarray:
        """``(y - mu) g'(mu)``, the residual of the last IRLS regression."""
        with np.errstate(all="ignore"):
            return (self.y - self.mu) / rowwise(self.family.link.inverse_deriv, self.eta)

    # --- influence --------------------------------------------------------------
    @property
    def leverage(self) -> np.ndarray:
        """Hat values ``h_ii = W_i x_i' (X' W X)^{-1} x_i`` with working weights ``W_i`` (R's ``hatvalues``)."""
        def quadratic_form(X):  # x_i' (X'WX)^{-1} x_i for a block of rows
            return np.einsum("ij,ji->i", X, linalg.cho_solve(self._gram_factor, X.T, check_finite=False))

        return self.working_weights * rowwise(quadratic_form, self.model_X)

    @property
    def resid_studentized(self) -> np.ndarray:
        """Standardised deviance residuals ``r_D / sqrt(dispersion (1 - h))`` (R's ``rstandard``)."""
        return self.resid_deviance / np.sqrt(self.dispersion * (1.0 - self.leverage))

    @property
    def cooks_distance(self) -> np.ndarray:
        """Cook's distances as R's ``cooks.distance.glm`` computes them."""
        h = self.leverage
        return np.square(self.resid_pearson / (1.0 - h)) * h / (self.dispersion * self.rank)

    # --- prediction -----------------------------------------------------------
    @staticmethod
    def _frame_from_dict(X_new):
        """A dict of columns as a DataFrame (R's ``predict`` accepts a list); other input unchanged."""
        if not isinstance(X_new, dict):
            return X_new
        try:
            return pd.DataFrame(X_new)
        except ValueError:  # only scalars: one new row
            return pd.DataFrame([X_new])

    def _new_frame(self, X_new) -> pd.DataFrame:
        """New data for a formula fit as a DataFrame with every variable the formula uses."""
        X_new = self._frame_from_dict(X_new)
        columns = [str(c) for c in X_new.columns]

        def provided(variable: str) -> list[str]:
            # formulaic reads a dotted column name such as R's `Rel.Hum` as the
            # variable `Rel` with an attribute; the column itself is what is needed.
            return [c for c in columns if c == variable or c.startswith(variable + ".")]

        required = sorted(self.model_spec.required_variables)
        missing = [v for v in required if not provided(v)]
        if missing:
            raise ValueError(f"X_new lacks the column(s) {', '.join(missing)} that the formula uses")
        used = X_new[sorted({c for v in required for c in provided(v)})]
        if used.isna().to_numpy().any():
            columns = ", ".join(used.columns[used.isna().any(axis=0)])
            raise ValueError(f"X_new has missing values in {columns} at {first_rows(used.isna().any(axis=1).to_numpy())}")
        return X_new

    def _design_for(self, X_new) -> np.ndarray:
        """The design rows of ``X_new``: built by the formula, or matched to the columns by name."""
        if X_new is None:
            return self.model_X
        X_new = self._frame_from_dict(X_new)
        if self.model_spec is not None and isinstance(X_new, pd.DataFrame):

            frame = align_new_levels(self.model_spec, self._new_frame(X_new))
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", DataMismatchWarning)
                    matrix = self.model_spec.get_model_matrix(frame, context=R_CONTEXT)
            except Exception as exc:  # formulaic's types; one clear message
                raise ValueError(f"could not build the design of X_new for {self.formula!r}: {exc}") from None
            values = np.asarray(matrix, dtype=float)
        elif isinstance(X_new, pd.DataFrame) and not isinstance(X_new.columns, pd.RangeIndex):
            # Columns by name, not position (a DataFrame with other columns or another order).
            missing = [name for name in self.names if name not in X_new.columns]
            if missing:
                raise ValueError(f"X_new lacks the column(s) {', '.join(missing)} of the fitted design")
            values, _ = as_design(X_new[self.names], "X_new")
        else:
            if np.ndim(X_new) == 1 and np.shape(X_new)[0] == len(self.names):
                X_new = np.reshape(X_new, (1, -1))  # one row of the design
            values, _ = as_design(X_new, "X_new")
        if values.shape[1] != len(self.names):
            raise ValueError(f"X_new must have {len(self.names)} columns ({', '.join(self.names)}), got shape {values.shape}")
        kept = [self.names.index(name) for name in self._kept_names]
        return values[:, kept]

    def _offset_for(self, X_new, n_rows: int, offset) -> np.ndarray:
        """The offset of the predicted rows: given, the fitted one, or rebuilt from the new data as R does."""
        if offset is None and X_new is None:
            return self.offset
        if offset is None:
            if self.offset_terms and isinstance(X_new, (pd.DataFrame, dict)):

                frame = self._new_frame(X_new)
                absent = [term for term in self.offset_terms if term.isidentifier() and term not in frame.columns]
                if absent:
                    raise ValueError(f"X_new lacks the column(s) {', '.join(absent)} of the offset")
                return sum(evaluate_expression(term, frame, "offset") for term in self.offset_terms)
            if np.any(self.offset != 0):
                raise ValueError(
                    "the model was fitted with an offset given as values, so predict cannot rebuild it for "
                    "new data: pass offset= for the new rows (or fit with offset= a column name)"
                )
            return np.zeros(n_rows)
        if isinstance(offset, str):
            if not isinstance(X_new, pd.DataFrame) or offset not in X_new.columns:
                raise ValueError(f"offset={offset!r} is not a column of X_new")
            offset = X_new[offset]
        return as_vector(offset, n_rows, "offset")

    def predict(self, X_new=None, kind: str = "response", interval: bool = False, offset=None, alpha: float = 0.05):
        """Predict means or linear predictors, optionally with confidence intervals (R's ``predict.glm``).

        Parameters
        ----------
        X_new : array-like, DataFrame or dict, optional
            New data. For formula fits: a DataFrame (or dict of columns) of the
            raw variables; columns are matched by name, factor levels must be
            ones seen in the fit, and ``offset(...)`` terms and an offset given
            as a column name are evaluated in it, as R does. For design-matrix
            fits: rows of the design (a DataFrame's columns matched by name).
            Defaults to the data the model was fitted on.
        kind : {"response", "link"}
            The scale of the prediction.
        interval : bool
            If true, return a DataFrame with ``fit``, ``lower``, ``upper`` (a
            Wald interval built on the link scale and mapped through the
            inverse link, so it respects the mean's range), ``se_link`` and,
            for ``kind="response"``, ``se_response`` (the delta method, R's
            ``predict(type = "response", se.fit = TRUE)``).
        offset : array-like, float or str, optional
            Offset for the new rows (values or a column of ``X_new``); by default
            the fitted offset for the training data and the rebuilt one for new
            data (0 when the model has none).
        alpha : float
            One minus the confidence level, in (0, 1).

        Returns
        -------
        ndarray or DataFrame

        Raises
        ------
        ValueError
            Missing columns, missing values, unseen factor levels, an offset of
            the wrong length, or an offset that cannot be rebuilt for new data.
        TypeError
            ``X_new`` of a type that cannot hold the variables.
        """
        if kind not in ("response", "link"):
            raise ValueError(f"kind must be 'response' or 'link', got {kind!r}")
        if not isinstance(interval, (bool, np.bool_)):
            raise TypeError(f"interval must be True or False, got {interval!r}")
        if not (isinstance(alpha, (int, float, np.floating)) and 0 < alpha < 1):
            raise ValueError(f"alpha must be a number between 0 and 1 (0.05 for 95% intervals), got {alpha!r}")
        X = self._design_for(X_new)
        offset = self._offset_for(X_new, X.shape[0], offset)
        eta = X @ self._params + offset
        transform = self.family.link.inverse if kind == "response" else (lambda values: values)
        if not interval:
            return transform(eta)
        cov = self.cov_params().to_numpy()
        se_link = np.sqrt(np.einsum("ij,jk,ik->i", X, cov, X))
        q = self._reference_distribution().ppf(1 - alpha / 2)
        ends = np.sort(np.column_stack([transform(eta - q * se_link), transform(eta + q * se_link)]), axis=1)
        table = pd.DataFrame({"fit": transform(eta), "lower": ends[:, 0], "upper": ends[:, 1], "se_link": se_link})
        if kind == "response":
            # R's predict(type = "response", se.fit = TRUE): the delta method, se_link * |dmu/deta|
            table["se_response"] = se_link * np.abs(self.family.link.inverse_deriv(eta))
        return table

    # --- display --------------------------------------------------------------
    def coef_table(self) -> pd.DataFrame:
        """Estimates, standard errors, Wald statistics and p-values, as in ``summary.glm``."""
        stat = "t" if self.family.estimated_dispersion else "z"
        return pd.DataFrame(
            {
                "Estimate": self.params,
                "Std. Error": self.bse,
                f"{stat} value": self.tvalues,
                f"Pr(>|{stat}|)": self.pvalues,
            }
        )

    def summary(self) -> str:
        """A plain-text summary laid out like R's ``summary.glm``."""
        return formatting.summary_text(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"<GLMResults {self.family.name}({self.family.link.name}): "
            f"deviance {self.deviance:.6g} on {self.df_resid} df, {self.n_iter} iterations>"
        )

    def _repr_html_(self) -> str:
        return formatting.summary_html(self)
