"""Parametric survival regression on the log-time scale (R's ``survival::survreg``).

The accelerated-failure-time model says :math:`\\log T_i = \\eta_i + \\sigma\\varepsilon_i`
with :math:`\\eta_i = \\mathbf{x}_i^\\top\\boldsymbol\\beta + o_i` and :math:`\\varepsilon_i`
standard (minimum) extreme-value: :math:`T_i` is Weibull, and exponential when
:math:`\\sigma = 1`. With :math:`z_i = (\\log t_i - \\eta_i)/\\sigma` the log-likelihood of a
time :math:`t_i` that ends in an event (:math:`\\delta_i = 1`) or is censored
(:math:`\\delta_i = 0`) is

.. math:: \\ell = \\sum_i \\delta_i\\{z_i - \\log\\sigma - \\log t_i\\} - e^{z_i},

maximised by Newton-Raphson in :math:`(\\boldsymbol\\beta, \\log\\sigma)`, as R does.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .._model._errors import ConvergenceWarning
from .._model._formatting import format_column, format_pvalues
from .._formula._formula import R_CONTEXT, align_new_levels, evaluate_expression, model_frame
from .._model._validation import check_formula, first_rows, positive_number, whole_number
from ._checks import check_data, column_name, event_indicator, survival_times

__all__ = ["survreg", "SurvregResults"]

_DISTS = ("exponential", "weibull")
_SURV = re.compile(r"^\s*Surv\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*$")


def _loglik_parts(params: np.ndarray, X: np.ndarray, offset: np.ndarray, log_t: np.ndarray,
                  events: np.ndarray, weibull: bool):
    """Log-likelihood, score and observed information in (beta, log sigma)."""
    p = X.shape[1]
    log_sigma = params[p] if weibull else 0.0
    sigma = np.exp(log_sigma)
    z = (log_t - X @ params[:p] - offset) / sigma
    ez = np.exp(z)
    loglik = float(np.sum(events * (z - log_sigma - log_t) - ez))
    residual = ez - events  # minus d loglik / dz
    score_beta = X.T @ residual / sigma
    info_bb = (X * ez[:, None]).T @ X / sigma**2
    if not weibull:
        return loglik, score_beta, info_bb
    score_s = float(np.sum(z * residual - events))
    info_bs = -(X.T @ (z * ez + residual)) / sigma  # minus the mixed second derivative
    info_ss = float(np.sum(z * residual + z**2 * ez))
    score = np.append(score_beta, score_s)
    info = np.empty((p + 1, p + 1))
    info[:p, :p], info[:p, p], info[p, :p], info[p, p] = info_bb, -info_bs, -info_bs, info_ss
    return loglik, score, info


def _newton(X, offset, log_t, events, weibull, start, tol, max_iter):
    """Newton-Raphson with step halving; returns (params, loglik, info, iterations, converged)."""
    params = start.copy()
    loglik, score, info = _loglik_parts(params, X, offset, log_t, events, weibull)
    for iteration in range(1, max_iter + 1):
        ridge = 0.0
        while True:  # a Newton step where the information is positive definite, else a damped one
            try:
                factor = linalg.cho_factor(info + ridge * np.eye(len(params)), check_finite=False)
                break
            except linalg.LinAlgError:
                ridge = max(2 * ridge, 1e-6 * max(1.0, np.abs(np.diag(info)).max()))
        step = linalg.cho_solve(factor, score, check_finite=False)
        decrement = float(score @ step)  # the Newton decrement: twice the predicted gain in loglik
        for _ in range(60):
            trial = params + step
            new_loglik, new_score, new_info = _loglik_parts(trial, X, offset, log_t, events, weibull)
            if np.isfinite(new_loglik) and new_loglik >= loglik - 1e-12 * abs(loglik):
                break
            step = step / 2
        else:
            return params, loglik, info, iteration, False
        change = abs(new_loglik - loglik)
        params, loglik, score, info = trial, new_loglik, new_score, new_info
        if change <= tol * (abs(loglik) + 0.1) and decrement <= tol * (abs(loglik) + 0.1):
            return params, loglik, info, iteration, True
    return params, loglik, info, max_iter, False


@dataclass
class SurvregResults:
    r"""A fitted accelerated-failure-time model (R's ``survreg`` object).

    Attributes
    ----------
    params : pandas.Series
        :math:`\hat{\boldsymbol\beta}`, on the log-time scale (R's ``coef``).
    scale : float
        :math:`\hat\sigma` (1 for the exponential).
    bse : pandas.Series
        Standard errors of ``params`` and, for the Weibull, of ``Log(scale)``.
    llf, llf_null : float
        :math:`\ell(\hat{\boldsymbol\beta}, \hat\sigma)`, and that of the model with the
        intercept only (R's ``loglik``; both include the :math:`-\log t_i` of the events).
    dist : str
        ``"exponential"`` or ``"weibull"``.
    n, n_events : int
        Subjects and events.
    iterations : int
        Newton-Raphson iterations; ``converged`` says whether they met the tolerance.

    Notes
    -----
    R: the ``survreg`` object (``coef``, ``fit$scale``, ``vcov``, ``logLik``,
    ``predict(type = "lp" | "response" | "quantile")``, ``summary``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> lung = gl.datasets.load_lung()
    >>> res = gl.survival.survreg("~ age + sex", lung, time="time", event="status")
    >>> res.n, res.n_events, round(res.llf, 4)
    (228, 165, -1147.0544)
    """

    params: pd.Series
    scale: float
    bse: pd.Series
    llf: float
    llf_null: float
    dist: str
    n: int
    n_events: int
    iterations: int
    converged: bool
    formula: str
    call: str
    df_model: int
    _cov: np.ndarray = field(repr=False)
    model_spec: object = field(default=None, repr=False)
    offset_terms: tuple = field(default=(), repr=False)

    @property
    def tvalues(self) -> pd.Series:
        """Wald :math:`z` statistics of ``params`` (and ``Log(scale)``)."""
        estimates = self.params.copy()
        if self.dist == "weibull":
            estimates["Log(scale)"] = np.log(self.scale)
        return estimates / self.bse

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values of the Wald statistics against :math:`N(0, 1)`."""
        return pd.Series(2 * stats.norm.sf(np.abs(self.tvalues)), index=self.bse.index)

    @property
    def chisq(self) -> float:
        """Likelihood-ratio statistic against the intercept-only model, :math:`2(\\ell - \\ell_0)`."""
        return 2 * (self.llf - self.llf_null)

    @property
    def aic(self) -> float:
        """:math:`-2\\ell + 2\\times` (coefficients, plus the scale for the Weibull)."""
        return -2 * self.llf + 2 * (len(self.params) + (self.dist == "weibull"))

    def cov_params(self) -> pd.DataFrame:
        """The inverse observed information, over ``params`` and ``Log(scale)`` (R's ``vcov``)."""
        return pd.DataFrame(self._cov, index=self.bse.index, columns=self.bse.index)

    def hazard_ratios(self) -> pd.Series:
        """:math:`e^{-\\beta_j/\\sigma}`: the hazard ratio per unit of each covariate.

        The Weibull (and exponential) AFT model is also a proportional-hazards model:
        its hazard is proportional to :math:`e^{-\\eta_i/\\sigma}`.
        """
        slopes = self.params.drop("(Intercept)", errors="ignore")
        return np.exp(-slopes / self.scale)

    def _linear_predictor(self, newdata) -> np.ndarray:
        """:math:`\\eta_i` of the fitted rows, or of ``newdata`` built by the fitted formula."""
        if newdata is None:
            return self._eta
        if isinstance(newdata, dict):
            newdata = pd.DataFrame(newdata)
        if not isinstance(newdata, pd.DataFrame):
            raise TypeError(f"newdata must be a pandas DataFrame, not {type(newdata).__name__}")
        used = sorted(self.model_spec.required_variables)
        missing = [name for name in used if name not in newdata.columns]
        if missing:
            raise ValueError(f"newdata lacks the column(s) {', '.join(missing)} that the formula uses")
        incomplete = newdata[used].isna().any(axis=1).to_numpy()
        if incomplete.any():
            raise ValueError(f"newdata has missing values at {first_rows(incomplete)}")
        newdata = align_new_levels(self.model_spec, newdata)
        design = np.asarray(self.model_spec.get_model_matrix(newdata, context=R_CONTEXT), dtype=float)
        eta = design @ self.params.to_numpy()
        for expression in self.offset_terms:
            eta = eta + evaluate_expression(expression, newdata, "offset")
        return eta

    def predict(self, newdata: pd.DataFrame | None = None, type: str = "lp", p=0.5) -> np.ndarray:
        """Predictions as R's ``predict.survreg``.

        Parameters
        ----------
        newdata : pandas.DataFrame, optional
            The covariates; defaults to the fitted data.
        type : {"lp", "response", "quantile"}
            :math:`\\eta_i`; :math:`e^{\\eta_i}` (R's "response"); or the ``p``-quantile
            of :math:`T_i`, :math:`e^{\\eta_i}\\{-\\log(1-p)\\}^{\\sigma}` (``p=0.5``: the median).
        p : float or array-like
            Probabilities in (0, 1) for ``type="quantile"``; an array gives one column each.
        """
        if type not in ("lp", "response", "quantile"):
            raise ValueError(f"type must be 'lp', 'response' or 'quantile', got {type!r}")
        eta = self._linear_predictor(newdata)
        if type == "lp":
            return eta
        if type == "response":
            return np.exp(eta)
        probs = np.asarray(p, dtype=float)
        if not np.all((probs > 0) & (probs < 1)):
            raise ValueError(f"p must lie strictly between 0 and 1, got {p!r}")
        quantile = np.exp(np.add.outer(eta, self.scale * np.log(-np.log1p(-probs))))
        return quantile

    def survival_function(self, times, newdata: pd.DataFrame | None = None) -> np.ndarray:
        """:math:`S_i(t) = \\exp\\{-(t\\,e^{-\\eta_i})^{1/\\sigma}\\}` at ``times``: rows subjects, columns times."""
        times = np.atleast_1d(np.asarray(times, dtype=float))
        if np.any(~np.isfinite(times) | (times < 0)):
            raise ValueError("times must be finite and non-negative")
        eta = self._linear_predictor(newdata)
        return np.exp(-np.power(np.outer(np.exp(-eta), times), 1 / self.scale))

    def summary(self) -> str:
        """A summary laid out like R's ``print.summary.survreg``."""
        estimates = self.params.copy()
        if self.dist == "weibull":
            estimates["Log(scale)"] = np.log(self.scale)
        names = list(self.bse.index)
        columns = {
            "Value": format_column(estimates.to_numpy(), 4),
            "Std. Error": format_column(self.bse.to_numpy(), 4),
            "z": [f"{v:.2f}" for v in self.tvalues],
            "p": [format_pvalues([value], 2)[0] for value in self.pvalues],
        }
        width = max(map(len, names))
        widths = {h: max(len(h), *(len(v) for v in vals)) for h, vals in columns.items()}
        lines = ["Call:", self.call, " " * width + " " + " ".join(h.rjust(widths[h]) for h in columns)]
        for row, name in enumerate(names):
            lines.append(name.ljust(width) + " " + " ".join(columns[h][row].rjust(widths[h]) for h in columns))
        lines.append("")
        if self.dist == "weibull":
            lines.append(f"Scale= {self.scale:.3g} ")
            lines.append("")
        lines.append(f"{self.dist.capitalize()} distribution")
        p_chisq = format_pvalues([stats.chi2.sf(self.chisq, self.df_model)], 2)[0] if self.df_model else "NA"
        lines.append(f"Loglik(model)= {self.llf:.1f}   Loglik(intercept only)= {self.llf_null:.1f}")
        if self.df_model:
            lines.append(f"\tChisq= {self.chisq:.2f} on {self.df_model} degrees of freedom, p= {p_chisq} ")
        lines.append(f"Number of Newton-Raphson Iterations: {self.iterations} ")
        lines.append(f"n= {self.n} ")
        if not self.converged:
            lines.append("Warning: the Newton-Raphson iterations did not converge")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.summary())


def _split_formula(formula: str, time, event):
    """The right-hand side of ``formula`` and the time and event columns it or the arguments name."""
    check_formula(formula)
    if formula.count("~") != 1:
        raise ValueError(f"formula needs one '~': '~ x + z' (with time= and event=), got {formula!r}")
    lhs, rhs = (side.strip() for side in formula.split("~"))
    if not rhs:
        raise ValueError(f"formula needs terms on the right of '~' ('~ 1' for none), got {formula!r}")
    if lhs:
        surv = _SURV.match(lhs)
        named = surv.groups() if surv else (lhs, None)
        for argument, from_formula, given in (("time", named[0], time), ("event", named[1], event)):
            if from_formula is not None and given is not None and from_formula != given:
                raise ValueError(
                    f"formula names {from_formula!r} as the {argument} but {argument}={given!r}; give it once"
                )
        time = time if time is not None else named[0]
        event = event if event is not None else named[1]
    if time is None or event is None:
        raise ValueError(
            "say which columns hold the times and the event indicators: time= and event= "
            "(or the formula 'Surv(time, event) ~ x')"
        )
    return rhs, time, event


def survreg(formula: str, data: pd.DataFrame, time: str | None = None, event: str | None = None,
            dist: str = "weibull", offset=None, tol: float = 1e-12, max_iter: int = 100) -> SurvregResults:
    r"""Accelerated-failure-time regression, exponential or Weibull: R's ``survival::survreg``.

    Fits :math:`\log T_i = \eta_i + \sigma\varepsilon_i`, :math:`\eta_i =
    \mathbf{x}_i^\top\boldsymbol\beta + o_i`, with :math:`\varepsilon_i` standard
    minimum extreme-value, by maximum likelihood over the observed times
    (:math:`\delta_i = 1`) and the right-censored ones (:math:`\delta_i = 0`).
    The coefficients act on log time: :math:`e^{\beta_j}` multiplies survival
    times. The hazard is proportional to :math:`e^{-\eta_i/\sigma}`, so
    :math:`e^{-\beta_j/\sigma}` is a hazard ratio (:meth:`SurvregResults.hazard_ratios`).

    Parameters
    ----------
    formula : str
        The terms, ``"~ x + C(group)"`` (glm_lib's R-style formula machinery:
        factors, interactions, transforms, ``offset()``). The left-hand side may
        name the times (``"time ~ x"``) or be ``Surv(time, event)``, as in R.
    data : pandas.DataFrame
        One row per subject; missing values in the columns used are an error.
    time : str
        Column of follow-up times :math:`t_i`, positive.
    event : str
        Column of event indicators :math:`\delta_i`: 1 (or True) for an event, 0 for censored.
    dist : {"weibull", "exponential"}
        R's default is the Weibull; the exponential fixes :math:`\sigma = 1`.
    offset : str or array-like, optional
        A known part of :math:`\eta_i` (a column name or values), added to ``offset()`` terms.
    tol : float
        Convergence tolerance on the relative change of the log-likelihood.
    max_iter : int
        Most Newton-Raphson iterations; a :class:`~glm_lib.ConvergenceWarning` if reached.

    Returns
    -------
    SurvregResults
        ``params`` (log-time scale), ``scale``, ``bse``, ``llf``, ``summary()``, ...

    Raises
    ------
    TypeError, ValueError
        For unknown columns, non-positive, missing or infinite times, event values
        other than 0/1, no events at all, an unknown ``dist``, or a design whose
        columns are linearly dependent (R: "X matrix deemed to be singular").

    Notes
    -----
    R: ``survival::survreg(Surv(time, status) ~ terms, data, dist = "weibull" | "exponential")``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> lung = gl.datasets.load_lung()
    >>> res = gl.survival.survreg("~ age + sex", lung, time="time", event="status")
    >>> round(float(res.params["sex[T.female]"]), 4), round(res.scale, 4)
    (0.3821, 0.7541)
    """
    data = check_data(data)
    rhs, time, event = _split_formula(formula, time, event)
    if not isinstance(dist, str) or dist.lower() not in _DISTS:
        raise ValueError(f"dist must be one of {', '.join(map(repr, _DISTS))}, got {dist!r}")
    dist = dist.lower()
    tol = positive_number("tol", tol)
    max_iter = whole_number("max_iter", max_iter)
    time = column_name(data, time, "time")
    event = column_name(data, event, "event")
    times = survival_times(data, time)
    events = event_indicator(data, event)
    if events.sum() == 0:
        raise ValueError(f"event={event!r} is 0 for every subject: with no events the model cannot be estimated")

    frame = model_frame(f"{time} ~ {rhs}", data)
    X = np.asarray(frame.design, dtype=float)
    names = [str(c) for c in frame.design.columns]
    if X.shape[1] == 0:
        raise ValueError(f"the formula {formula!r} has no terms; write '~ 1' for the intercept only")
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        raise ValueError(
            f"the design of {formula!r} has linearly dependent columns ({', '.join(names)}: rank {rank}); "
            "drop a term (R: 'X matrix deemed to be singular')"
        )
    total_offset = np.zeros(len(data)) if frame.offset is None else frame.offset
    if offset is not None:
        values = data[column_name(data, offset, "offset")] if isinstance(offset, str) else offset
        values = np.asarray(values, dtype=float)
        if values.shape != (len(data),) or not np.all(np.isfinite(values)):
            raise ValueError(f"offset must give one finite number per row of data ({len(data)})")
        total_offset = total_offset + values

    weibull = dist == "weibull"
    log_t = np.log(times)
    intercept = np.log(np.sum(times * np.exp(-total_offset)) / events.sum())

    def fit(design, start_beta):
        exp_start = np.asarray(start_beta, dtype=float)
        exp_fit = _newton(design, total_offset, log_t, events, False, exp_start, tol, max_iter)
        if not weibull:
            return exp_fit
        params, *_ = exp_fit
        return _newton(design, total_offset, log_t, events, True, np.append(params, 0.0), tol, max_iter)

    has_intercept = "Intercept" in names
    start = np.zeros(X.shape[1])
    if has_intercept:
        start[names.index("Intercept")] = intercept
    params, loglik, info, iterations, converged = fit(X, start)
    if not converged:
        warnings.warn(
            f"survreg's Newton-Raphson iterations did not converge in max_iter={max_iter}; the estimates "
            "are unreliable (a covariate may separate events from censored times, or the scale may head to 0)",
            ConvergenceWarning,
            stacklevel=2,
        )
    null_params, null_loglik, *_ = fit(np.ones((len(data), 1)), np.array([intercept]))
    try:
        factor = linalg.cho_factor(info, check_finite=False)
        cov = linalg.cho_solve(factor, np.eye(len(info)), check_finite=False)
    except linalg.LinAlgError:
        cov = np.full_like(info, np.nan)
    names = ["(Intercept)" if n == "Intercept" else n for n in names]
    p = X.shape[1]
    se_names = names + (["Log(scale)"] if weibull else [])
    result = SurvregResults(
        params=pd.Series(params[:p], index=names),
        scale=float(np.exp(params[p])) if weibull else 1.0,
        bse=pd.Series(np.sqrt(np.diag(cov)), index=se_names),
        llf=loglik,
        llf_null=null_loglik,
        dist=dist,
        n=len(data),
        n_events=int(events.sum()),
        iterations=iterations,
        converged=converged,
        formula=" ".join(formula.split()),
        call=f"survreg(formula = Surv({time}, {event}) ~ {' '.join(rhs.split())}, dist = \"{dist}\")",
        df_model=p - 1 if has_intercept else p,
        _cov=cov,
        model_spec=frame.design.model_spec,
        offset_terms=frame.parsed.offsets + ((offset,) if isinstance(offset, str) else ()),
    )
    result._eta = X @ params[:p] + total_offset
    return result
