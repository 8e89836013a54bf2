"""Linear mixed models by REML or ML: lme4's profiled deviance.

For ``y = X beta + Z b + e``, ``b = Lambda_theta u``, ``u ~ N(0, sigma^2 I)``,
``e ~ N(0, sigma^2 W^{-1})`` (Bates et al. 2015, sec. 3), the penalised
least-squares solution ``(u^, beta^)`` at a given ``theta`` and the Cholesky
factor ``L_theta`` of ``Lambda' Z' W Z Lambda + I`` give the profiled deviance

    ML:    d(theta)   = log|L_theta|^2 + n (1 + log(2 pi r^2 / n)),
    REML:  d_R(theta) = log|L_theta|^2 + log|R_X|^2 + (n - p) (1 + log(2 pi r^2 / (n - p))),

with ``r^2`` the penalised residual sum of squares (minus ``sum(log w)`` with
prior weights). It is minimised over ``theta`` (diagonal elements of each
term's factor at least 0, as lme4) by :func:`minimise_theta`: L-BFGS on
finite-difference gradients over all of ``theta`` (the deviance is unchanged
when a column of a factor changes sign, so no bound is needed and none can
stop the search at a false optimum), Newton steps on a finite-difference
Hessian, and diagonal entries left near 0 set to exactly 0 when the deviance
is no worse. ``sigma^2 = r^2 / n`` (ML) or ``r^2 / (n - p)`` (REML).

The cross products ``Z'WZ``, ``Z'WX``, ``X'WX`` (and with ``y``) are formed
once; each evaluation factors the small augmented system blockwise
(:class:`glm_lib._models._ranef.BlockedCholesky`).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from .._formula._formula import _column_or_values, align_new_levels, model_frame
from .._model import _formatting as formatting
from .._model._errors import ConvergenceWarning
from .._model._validation import check_finite, check_formula, first_rows, positive_number, whole_number
from ._ranef import scale_cross_products, weighted_cross_products, with_small_blas, BlockedCholesky, RandomStructure, build_structure, split_formula, term_matrix_for

__all__ = ["lmer", "LMMResults", "MixedModelResults", "SingularFitWarning"]

_SINGULAR_TOL = 1e-4  # lme4's isSingular(tol = 1e-4)


class SingularFitWarning(UserWarning):
    r"""A variance estimated at zero or a correlation at :math:`\pm 1` (lme4: 'boundary (singular) fit').

    :func:`lmer` and :func:`glmer` issue it when an estimated relative
    covariance factor is singular, e.g. a random-intercept standard deviation
    :math:`\hat\sigma_u = 0`: the data show no variation between clusters
    beyond the residual, and the random term could be dropped. The fit is
    still returned, with ``singular`` set to True.

    Notes
    -----
    R: ``lme4::isSingular`` (the message "boundary (singular) fit: see help('isSingular')")

    Examples
    --------
    >>> import glm_lib as gl
    >>> issubclass(gl.SingularFitWarning, UserWarning)
    True
    """


# --------------------------------------------------------------------------
# Finite differences
# --------------------------------------------------------------------------
def _central_gradient(func, x, lower, step=1e-5):
    g = np.empty_like(x)
    for i in range(x.size):
        h = step * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        if x[i] - h < lower[i]:  # one-sided at the bound
            g[i] = (func(up) - func(x)) / h
            continue
        down[i] -= h
        g[i] = (func(up) - func(down)) / (2 * h)
    return g


def _forward_gradient(func, x, value, lower, step=1e-7):
    g = np.empty_like(x)
    for i in range(x.size):
        h = step * max(1.0, abs(x[i]))
        up = x.copy()
        up[i] += h
        g[i] = (func(up) - value) / h
    return g


def finite_difference_hessian(func, x, step=1e-4, relative=True):
    """Central-difference gradient and Hessian (lme4's ``deriv12`` with ``delta = 1e-4``).

    The steps are ``step * max(1, |x_i|)``, or ``step`` itself when not
    ``relative`` (exactly as ``deriv12``).
    """
    k = x.size
    f0 = func(x)
    grad, hess = np.empty(k), np.empty((k, k))
    plus, minus = np.empty(k), np.empty(k)
    h = step * np.maximum(1.0, np.abs(x)) if relative else np.full(k, float(step))
    for i in range(k):
        e = np.zeros(k)
        e[i] = h[i]
        plus[i], minus[i] = func(x + e), func(x - e)
        grad[i] = (plus[i] - minus[i]) / (2 * h[i])
        hess[i, i] = (plus[i] - 2 * f0 + minus[i]) / h[i] ** 2
    for i in range(k):
        for j in range(i + 1, k):
            e_i, e_j = np.zeros(k), np.zeros(k)
            e_i[i], e_j[j] = h[i], h[j]
            value = (func(x + e_i + e_j) - func(x + e_i - e_j) - func(x - e_i + e_j) + func(x - e_i - e_j))
            hess[i, j] = hess[j, i] = value / (4 * h[i] * h[j])
    return grad, hess


# --------------------------------------------------------------------------
# The optimiser of lmer and glmer: the deviance over theta (and glmer's beta), without bounds
# --------------------------------------------------------------------------
def theta_columns(structure: RandomStructure) -> list[np.ndarray]:
    """The positions in ``theta`` of each column of each term's factor ``T``, its diagonal entry first."""
    columns = []
    for term, where in zip(structure.terms, structure.theta_slices):
        position = where.start
        for j in range(term.k):
            columns.append(np.arange(position, position + term.k - j))
            position += term.k - j
    return columns


def canonical_theta(theta: np.ndarray, columns: list[np.ndarray]) -> np.ndarray:
    """Flip the sign of each column of ``T`` whose diagonal entry is negative (``T T'`` is unchanged)."""
    theta = np.array(theta, dtype=float)
    for cols in columns:
        if theta[cols[0]] < 0:
            theta[cols] = -theta[cols]
    return theta + 0.0


def _restrict(safe, x, idx):
    """``safe`` as a function of the coordinates ``idx`` of ``x``, the others held."""
    def restricted(values):
        full = x.copy()
        full[idx] = values
        return safe(full)

    return restricted


def _quasi_newton(safe, x0, idx, max_iter, central, gtol, ftol):
    """L-BFGS on the coordinates ``idx`` of ``x0`` with forward- or central-difference gradients.

    Returns ``(x, value, n_iter, hit_limit)``.
    """
    restricted = _restrict(safe, x0, idx)
    none = np.full(idx.size, -np.inf)

    def with_gradient(values):
        value = restricted(values)
        if central:
            return value, _central_gradient(restricted, values, none)
        return value, _forward_gradient(restricted, values, value, none)

    result = optimize.minimize(with_gradient, x0[idx], jac=True, method="L-BFGS-B",
                               options={"maxiter": max_iter, "gtol": gtol, "ftol": ftol, "maxcor": 30})
    x = x0.copy()
    x[idx] = result.x
    return x, float(result.fun), int(result.nit), bool(result.status == 1)


def _polish(safe, x, value, idx, tol, max_iter):
    """Newton steps on a finite-difference Hessian over the coordinates ``idx`` (few: one per variance
    parameter), halving a step that does not lower ``safe``; central-difference L-BFGS instead where the
    Hessian is not positive definite, after a step along a direction of negative curvature if one
    lowers ``safe`` (a gradient method cannot leave a saddle point by itself).

    Returns ``(x, value, n_iter, hit_limit, derivatives)``: ``derivatives`` is the gradient and Hessian
    at the returned ``x`` when the last Newton step found it converged there, else None.
    """
    n_iter = 0
    for _ in range(10):
        grad, hess = finite_difference_hessian(_restrict(safe, x, idx), x[idx], step=1e-4)
        try:
            step = linalg.cho_solve(linalg.cho_factor(hess), grad)
        except (linalg.LinAlgError, ValueError):
            x, value = _leave_saddle(safe, x, value, idx, hess)
            x, value, more, hit_limit = _quasi_newton(safe, x, idx, max_iter, True, tol, 1e-13)
            return x, value, n_iter + more, hit_limit, None
        n_iter += 1
        if np.max(np.abs(step)) < 1e-8 * (1.0 + np.max(np.abs(x[idx]))):
            return x, value, n_iter, False, (grad, hess)
        for _ in range(12):
            candidate = x.copy()
            candidate[idx] = x[idx] - step
            new_value = safe(candidate)
            if new_value <= value:
                break
            step = step / 2
        else:
            return x, value, n_iter, False, (grad, hess)  # no descent left: at the optimum to round-off
        x, value = candidate, new_value
    return x, value, n_iter, False, None


def _leave_saddle(safe, x, value, idx, hess):
    """The best point along the eigenvector of ``hess``'s most negative eigenvalue, if it lowers ``safe``."""
    if not np.all(np.isfinite(hess)):
        return x, value
    eigenvalues, eigenvectors = np.linalg.eigh(0.5 * (hess + hess.T))
    if eigenvalues[0] >= 0:
        return x, value
    scale = 1.0 + np.max(np.abs(x[idx]))
    for length in (1e-3, 1e-2, 1e-1, 1.0):
        for sign in (1.0, -1.0):
            candidate = x.copy()
            candidate[idx] = x[idx] + sign * length * scale * eigenvectors[:, 0]
            candidate_value = safe(candidate)
            if candidate_value < value:
                x, value = candidate, candidate_value
    return x, value


def minimise_theta(func, structure: RandomStructure, tol=1e-6, max_iter=2000, extra_start=None):
    """Minimise lme4's profiled deviance over ``theta`` without bounds, then put its zeros on the bound.

    ``T T'`` does not change when a column of a factor ``T`` changes sign, so
    the deviance takes on the whole space exactly the values it takes under
    lme4's bounds (diagonal entries at least 0). Bounds can hold a
    gradient-based optimiser at a false optimum: with a correlated intercept
    and slope, once the intercept's diagonal entry reached 0 while the
    slope's off-diagonal entry had the wrong sign, the bound forbade the only
    way to change the correlation's sign (through negative values of that
    diagonal entry). Unbounded, L-BFGS passes through. Each column is then
    made positive on its diagonal, Newton steps on a finite-difference
    Hessian polish the optimum, and diagonal entries left near 0 are set to
    exactly 0 (lme4's singular fits) when the deviance is then no worse.

    ``extra_start``, if given, starts further parameters without bounds that
    ``func`` takes after ``theta`` (glmer's fixed effects, optimised jointly
    with ``theta``; the same sign symmetry holds there, as the conditional
    modes change sign with the column); ``theta`` is then the whole vector.

    Returns ``(theta, value, n_iter, problem)``: ``problem`` is None after
    convergence, otherwise it says what failed: the iteration limit, a
    gradient (scaled by the Hessian, as lme4's ``checkConv``) that is not
    small, a Hessian with a negative eigenvalue (a saddle point), or a
    diagonal entry held at 0 that would lower the deviance off the bound.
    """
    start = np.r_[structure.theta_start(), [] if extra_start is None else np.asarray(extra_start, dtype=float)]
    columns = theta_columns(structure)
    diagonal = np.array([cols[0] for cols in columns])

    def safe(x):
        try:
            value = func(x)
        except (np.linalg.LinAlgError, linalg.LinAlgError, FloatingPointError, ValueError):
            return 1e300
        return value if np.isfinite(value) else 1e300

    everything = np.arange(start.size)
    x, value, n_iter, hit_limit = _quasi_newton(safe, start, everything, max_iter, False, 1e-4, 1e-10)
    derivatives = None  # at the estimate, from Newton's last step (signs of T's columns do not matter)
    if start.size <= _NEWTON_MAX_PARAMS:
        x, value, more, limit, derivatives = _polish(safe, canonical_theta(x, columns), value, everything, tol,
                                                     max_iter)
    else:
        x, value, more, limit = _quasi_newton(safe, x, everything, max_iter, True, tol, 1e-13)
    x, n_iter, hit_limit = canonical_theta(x, columns), n_iter + more, hit_limit or limit
    # Diagonal entries near 0: try them at exactly 0, the rest re-optimised.
    near_zero = diagonal[np.abs(x[diagonal]) < 1e-3]
    free = everything
    if near_zero.size:
        held = np.setdiff1d(everything, near_zero)
        candidate = x.copy()
        candidate[near_zero] = 0.0
        candidate_value, limit, held_derivatives = safe(candidate), False, None
        if 0 < held.size <= _NEWTON_MAX_PARAMS:
            candidate, candidate_value, more, limit, held_derivatives = _polish(safe, candidate, candidate_value,
                                                                              held, tol, max_iter)
            n_iter += more
        elif held.size:
            candidate, candidate_value, more, limit = _quasi_newton(safe, candidate, held, max_iter, True, tol, 1e-13)
            n_iter += more
        if candidate_value <= value + 1e-12 * (1.0 + abs(value)):  # no worse, to round-off
            x, value, free, hit_limit = canonical_theta(candidate, columns), candidate_value, held, hit_limit or limit
            derivatives = held_derivatives
    problem = (f"the iteration limit (max_iter = {max_iter}) was reached" if hit_limit
               else _convergence_problem(safe, x, value, free, derivatives))
    return x, value, n_iter, problem


_NEWTON_MAX_PARAMS = 6  # parameters optimised (theta and any extra); Newton's Hessian costs 2 k^2 + 1 evaluations


def _convergence_problem(safe, x, value, free, derivatives=None) -> str | None:
    """What stops ``x`` from being a minimum (None if nothing does), checked as lme4's ``checkConv``.

    A small Hessian-scaled gradient (lme4's relative gradient, tolerance
    0.002) on the free coordinates, no negative curvature there, and no
    descent when an entry held at 0 moves off it, to either side (a
    negative diagonal entry is its column's sign flipped). ``derivatives``,
    the finite-difference gradient and Hessian over ``free`` at ``x``, saves
    computing them again.
    """
    if not value < 1e300:
        return "the deviance is not finite at the estimate"
    for j in np.setdiff1d(np.arange(x.size), free):
        for side in (1e-4, -1e-4):
            moved = x.copy()
            moved[j] = side
            if safe(moved) < value - 1e-9 * (1.0 + abs(value)):
                return f"theta[{j}], held at 0, lowers the deviance when it moves off 0"
    if free.size == 0:
        return None
    grad, hess = derivatives or finite_difference_hessian(_restrict(safe, x, free), x[free], step=1e-4)
    if not (np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
        return "the deviance's derivatives are not finite at the estimate"
    eigen = np.linalg.eigvalsh(0.5 * (hess + hess.T))
    if eigen[0] < -1e-3 * max(1.0, eigen[-1]):
        return "the Hessian of the deviance has a negative eigenvalue (a saddle point, not a minimum)"
    scaled = np.linalg.solve(hess, grad) if eigen[0] > 1e-8 * max(1.0, eigen[-1]) else grad
    if np.max(np.abs(scaled)) >= 2e-3:
        return f"the gradient is not small (largest scaled component {np.max(np.abs(scaled)):.2g}, tolerance 0.002)"
    return None


# --------------------------------------------------------------------------
# Shared results
# --------------------------------------------------------------------------
class MixedModelResults:
    """What lmer and glmer fits share: fixed effects, variance components, random effects, prediction."""

    family_name = "gaussian"
    link_name = "identity"

    def _init_common(self, *, formula, data_name, structure: RandomStructure, theta, names, params, cov, sigma,
                     u, llf, nobs, n_params, converged, n_iter, fixed_spec, offset_expr, statistic):
        self.formula = formula
        self.data_name = data_name
        self.structure = structure
        self.theta = np.asarray(theta, dtype=float)
        self.names = list(names)
        self.params = pd.Series(params, index=self.names, dtype=float)
        self._cov = cov
        self.bse = pd.Series(np.sqrt(np.diag(cov)), index=self.names)
        self.tvalues = self.params / self.bse
        self.sigma = float(sigma)
        self.u = u
        self.llf = float(llf)
        self.nobs = int(nobs)
        self.n_params = int(n_params)
        self.df_resid = self.nobs - self.n_params
        self.converged = converged
        self.n_iter = n_iter
        self._fixed_spec = fixed_spec
        self._offset_expr = offset_expr
        self._statistic = statistic
        lam = structure.lambda_matrix(self.theta)
        self.b = lam @ u
        self.singular = self._is_singular()

    # --- variance components ---------------------------------------------------
    def _is_singular(self) -> bool:
        lower = self.structure.lower_bounds()
        return bool(np.any(self.theta[lower == 0.0] < _SINGULAR_TOL))

    def _group_labels(self) -> list[str]:
        """Each term's grouping name, a repeated one suffixed ``.1``, ``.2`` (as lme4's VarCorr)."""
        seen: dict[str, int] = {}
        labels = []
        for term in self.structure.terms:
            count = seen.get(term.group, 0)
            labels.append(term.group if count == 0 else f"{term.group}.{count}")
            seen[term.group] = count + 1
        return labels

    def _term_covariances(self) -> list[np.ndarray]:
        return [self.sigma**2 * T @ T.T if self._scaled_by_sigma else T @ T.T for T in self.structure.factors(self.theta)]

    _scaled_by_sigma = True

    def VarCorr(self) -> pd.DataFrame:
        """Variance components as lme4's ``as.data.frame(VarCorr(fit))``.

        Returns
        -------
        pandas.DataFrame
            Columns ``grp``, ``var1``, ``var2`` (None on the diagonal),
            ``vcov`` (variance or covariance) and ``sdcor`` (standard
            deviation or correlation); the residual row last for a linear
            mixed model.
        """
        rows = []
        for group, term, cov in zip(self._group_labels(), self.structure.terms, self._term_covariances()):
            sd = np.sqrt(np.diag(cov))
            for i, name in enumerate(term.columns):
                rows.append((group, name, None, cov[i, i], sd[i]))
            for j in range(term.k):
                for i in range(j + 1, term.k):
                    corr = cov[i, j] / (sd[i] * sd[j]) if sd[i] > 0 and sd[j] > 0 else np.nan
                    rows.append((group, term.columns[j], term.columns[i], cov[i, j], corr))
        if self._scaled_by_sigma:
            rows.append(("Residual", None, None, self.sigma**2, self.sigma))
        return pd.DataFrame(rows, columns=["grp", "var1", "var2", "vcov", "sdcor"])

    @property
    def sd_u(self) -> float:
        r"""The standard deviation :math:`\hat\sigma_u` of the one scalar random effect, e.g. a random intercept.

        lme4: ``attr(VarCorr(fit)[[1]], "stddev")``. A model with several
        random-effects terms or a vector-valued one (random slopes) has no
        single :math:`\sigma_u`; read its standard deviations from :meth:`VarCorr`.
        """
        terms = self.structure.terms
        if len(terms) != 1 or terms[0].k != 1:
            described = " + ".join(f"({t.expr} | {t.group})" for t in terms)
            raise ValueError(
                f"sd_u is the standard deviation of a single scalar random effect, but this model has {described}; "
                "read the standard deviations from VarCorr()"
            )
        return float(np.sqrt(self._term_covariances()[0][0, 0]))

    # --- random effects ----------------------------------------------------------
    def ranef(self, condVar: bool = True) -> dict[str, pd.DataFrame]:
        """Conditional modes of the random effects, one DataFrame per grouping factor (lme4's ``ranef``).

        Parameters
        ----------
        condVar : bool
            Attach the conditional covariance matrices, ``(levels, k, k)``,
            as ``frame.attrs["postVar"]`` (lme4's ``attr(, "postVar")``).

        Returns
        -------
        dict of str to pandas.DataFrame
            Rows the levels, columns the term's effects (``(Intercept)``, ...).
        """
        if not isinstance(condVar, bool):
            raise TypeError(f"condVar must be True or False, not {condVar!r}")
        out: dict[str, pd.DataFrame] = {}
        variances = self._conditional_variances() if condVar else None
        for t, term in enumerate(self.structure.terms):
            start = self.structure.offsets[t]
            values = self.b[start:start + term.n_levels * term.k].reshape(term.n_levels, term.k)
            frame = pd.DataFrame(values, index=term.levels, columns=term.columns)
            if term.group in out:
                previous = out[term.group]
                merged = pd.concat([previous, frame], axis=1)
                if condVar:
                    merged.attrs["postVar"] = [*_as_list(previous.attrs["postVar"]), variances[t]]
                out[term.group] = merged
            else:
                if condVar:
                    frame.attrs["postVar"] = variances[t]
                out[term.group] = frame
        return out

    def _conditional_variances(self) -> list[np.ndarray]:
        blocks = self._factor_for_condvar().random_inverse_blocks(self.structure)
        scale = self.sigma**2 if self._scaled_by_sigma else 1.0
        return [scale * np.einsum("ij,mjk,lk->mil", T, block, T)
                for T, block in zip(self.structure.factors(self.theta), blocks)]

    # --- fixed effects ------------------------------------------------------------
    def cov_params(self) -> pd.DataFrame:
        """Covariance matrix of the fixed effects (lme4's ``vcov``)."""
        return pd.DataFrame(self._cov, index=self.names, columns=self.names)

    def coef_table(self) -> pd.DataFrame:
        """Estimate, standard error and t (lmer) or z value and p-value (glmer) of each fixed effect."""
        table = pd.DataFrame({"Estimate": self.params, "Std. Error": self.bse, f"{self._statistic} value": self.tvalues})
        if self._statistic == "z":
            table["Pr(>|z|)"] = 2 * stats.norm.sf(np.abs(self.tvalues.to_numpy()))
        return table

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals ``estimate -/+ z_{1 - alpha/2} se`` for the fixed effects (lme4's ``confint(fit, method = "Wald")``).

        Parameters
        ----------
        alpha : float
            One minus the coverage, between 0 and 1.

        Returns
        -------
        pandas.DataFrame
            Columns ``lower`` and ``upper``, one row per fixed effect.
        """
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)):
            raise TypeError(f"alpha must be a number between 0 and 1, not {type(alpha).__name__} {alpha!r}")
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
        q = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - q * self.bse, "upper": self.params + q * self.bse})

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values of the fixed effects (lme4 prints them for glmer only)."""
        return pd.Series(2 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=self.names)

    @property
    def aic(self) -> float:
        """``-2 llf + 2 k`` with ``k`` the fixed effects, the theta parameters and (lmer) sigma."""
        return -2.0 * self.llf + 2.0 * self.n_params

    @property
    def bic(self) -> float:
        """``-2 llf + log(n) k``."""
        return -2.0 * self.llf + np.log(self.nobs) * self.n_params

    # --- prediction -------------------------------------------------------------
    def _linear_predictor(self, newdata, re_form, allow_new_levels: bool, offset) -> np.ndarray:
        if re_form is not None and re_form is not False and not (isinstance(re_form, str) and re_form.replace(" ", "") in ("~0", "NA")):
            raise ValueError(
                f"re_form must be None (all random effects) or False (population level, also '~0'), got {re_form!r}"
            )
        if not isinstance(allow_new_levels, bool):
            raise TypeError(f"allow_new_levels must be True or False, not {allow_new_levels!r}")
        if newdata is None:
            data = self._data
        else:
            if isinstance(newdata, dict):
                newdata = pd.DataFrame(newdata)
            if not isinstance(newdata, pd.DataFrame):
                raise TypeError(f"newdata must be a pandas DataFrame or a dict of columns, not {type(newdata).__name__}")
            data = newdata
        data = align_new_levels(self._fixed_spec, data)
        X = np.asarray(self._fixed_spec.get_model_matrix(data, na_action="raise"), dtype=float)
        eta = X @ self.params.to_numpy()
        if offset is not None:
            eta = eta + np.asarray(_column_or_values(data, offset, "offset"), dtype=float)
        elif self._offset_expr is not None:
            eta = eta + self._offset_expr(data)
        if re_form is None:
            for t, term in enumerate(self.structure.terms):
                start = self.structure.offsets[t]
                effects = self.b[start:start + term.n_levels * term.k].reshape(term.n_levels, term.k)
                labels = _labels_of(data, term.group)
                position = term.levels.get_indexer(labels)
                new = position < 0
                if new.any() and not allow_new_levels:
                    shown = ", ".join(map(str, pd.unique(labels[new])[:5]))
                    raise ValueError(
                        f"newdata has levels of {term.group} the model was not fitted with ({shown}) at "
                        f"{first_rows(new)}; pass allow_new_levels=True to predict them at the population "
                        "level (random effect 0), or re_form=False"
                    )
                Zt = term_matrix_for(term, data)
                contribution = np.einsum("nk,nk->n", Zt, effects[np.where(new, 0, position)])
                eta = eta + np.where(new, 0.0, contribution)
        return eta

    def _format_varcorr(self) -> list[str]:
        rows = []
        for group, term, cov in zip(self._group_labels(), self.structure.terms, self._term_covariances()):
            sd = np.sqrt(np.diag(cov))
            with np.errstate(all="ignore"):
                corr = cov / np.outer(sd, sd)
            for i, name in enumerate(term.columns):
                cells = [f"{corr[i, j]:.2f}" for j in range(i)]
                rows.append((group if i == 0 else "", name, cov[i, i], sd[i], " ".join(cells)))
        if self._scaled_by_sigma:
            rows.append(("Residual", "", self.sigma**2, self.sigma, ""))
        gw = max(len("Groups"), *(len(r[0]) for r in rows))
        nw = max(len("Name"), *(len(r[1]) for r in rows))
        var = [_signif(r[2]) for r in rows]
        sds = [_signif(r[3]) for r in rows]
        vw = max(len("Variance"), *(len(v) for v in var))
        sw = max(len("Std.Dev."), *(len(v) for v in sds))
        has_corr = any(r[4] for r in rows)
        head = f" {'Groups':<{gw}} {'Name':<{nw}} {'Variance':<{vw}} {'Std.Dev.':<{sw}}" + (" Corr" if has_corr else "")
        lines = [head.rstrip()]
        for r, v, s in zip(rows, var, sds):
            lines.append(f" {r[0]:<{gw}} {r[1]:<{nw}} {v:<{vw}} {s:<{sw}} {r[4]}".rstrip())
        groups = {}
        for term in self.structure.terms:
            groups.setdefault(term.group, term.n_levels)
        lines.append(f"Number of obs: {self.nobs}, groups:  " + "; ".join(f"{g}, {n}" for g, n in groups.items()))
        return lines

    def _format_fixed(self) -> list[str]:
        table = self.coef_table()
        cols = [("Estimate", formatting.format_column(table["Estimate"].tolist())),
                ("Std. Error", formatting.format_column(table["Std. Error"].tolist())),
                (f"{self._statistic} value", [formatting.format_statistic(v) for v in table.iloc[:, 2]])]
        stars = [""] * len(self.names)
        if self._statistic == "z":
            cols.append(("Pr(>|z|)", [formatting.format_pvalue(v) for v in table["Pr(>|z|)"]]))
            stars = [formatting.significance_stars(v) for v in table["Pr(>|z|)"]]
        name_w = max(len(n) for n in self.names)
        col_w = [max(len(h), *(len(v) for v in vals)) for h, vals in cols]
        lines = [" " * name_w + "".join(f" {h:>{w}}" for (h, _), w in zip(cols, col_w))]
        for i, name in enumerate(self.names):
            cells = "".join(f" {vals[i]:>{w}}" for (_, vals), w in zip(cols, col_w))
            lines.append(f"{name:<{name_w}}{cells} {stars[i]}".rstrip())
        if self._statistic == "z":
            lines += ["---", formatting.SIGNIF_LEGEND]
        if len(self.names) > 1:
            sd = np.sqrt(np.diag(self._cov))
            corr = self._cov / np.outer(sd, sd)
            short = [_abbreviate(n) for n in self.names]
            lines += ["", "Correlation of Fixed Effects:"]
            w0 = max(len(n) for n in short[1:])
            cw = max(6, *(len(s) for s in short[:-1]))
            lines.append(" " * w0 + "".join(f" {s:>{cw}}" for s in short[:-1]))
            for i in range(1, len(short)):
                cells = "".join(f" {corr[i, j]:>{cw}.3f}" for j in range(i))
                lines.append(f"{short[i]:<{w0}}{cells}")
        return lines

    def _warning_lines(self) -> list[str]:
        lines = []
        if self.singular:
            lines.append("optimizer: boundary (singular) fit: see help('isSingular')")
        if not self.converged:
            lines.append("Warning: the fit did not converge (see the ConvergenceWarning).")
        return lines

    def __str__(self) -> str:
        return self.summary()


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _signif(value: float, digits: int = 4) -> str:
    return f"{value:#.{digits}g}".rstrip(".") if value != 0 else "0"


def _abbreviate(name: str, length: int = 6) -> str:
    """A column label of at most ``length`` characters, as R's ``abbreviate`` (lme4: ``period2`` -> ``perid2``).

    Lower-case vowels, then other lower-case letters, are dropped from the
    right (never the first character) until the name is short enough.
    """
    if name == "(Intercept)":
        return "(Intr)"
    chars = list(name)
    for pool in ("aeiou", "abcdefghijklmnopqrstuvwxyz"):
        i = len(chars) - 1
        while len(chars) > length and i > 0:
            if chars[i] in pool:
                del chars[i]
            i -= 1
    return "".join(chars[:length])


def _labels_of(data: pd.DataFrame, group: str) -> np.ndarray:
    names = group.replace("(", "").replace(")", "").split(":")
    for name in names:
        if name not in data.columns:
            raise ValueError(f"newdata lacks the grouping column {name!r}; pass re_form=False for population-level predictions")
    return np.array([":".join(str(v) for v in row) for row in zip(*(data[name].to_numpy() for name in names))], dtype=object)


def _warn_singular(res, stacklevel=3):
    if res.singular:
        warnings.warn(
            "boundary (singular) fit: a random-effect variance is estimated at zero or a correlation at +-1 "
            f"(theta = {np.round(res.theta, 6).tolist()}); the model is too rich for the data, consider "
            "dropping the random term or its correlation (lme4: see help('isSingular'))",
            SingularFitWarning, stacklevel=stacklevel,
        )


# --------------------------------------------------------------------------
# Input handling shared with glmer
# --------------------------------------------------------------------------
def prepare_mixed(formula, data, family=None):
    """Validate, split the formula, build the fixed design and the random structure."""
    formula = check_formula(formula)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("data has no rows")
    fixed, terms = split_formula(formula)
    frame = model_frame(fixed, data, family)
    X = frame.design.to_numpy(dtype=float)
    names = ["(Intercept)" if c == "Intercept" else str(c) for c in frame.design.columns]
    check_finite("the fixed-effects design", X)
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        raise ValueError(
            f"the fixed-effects design of {fixed!r} is rank deficient (rank {rank} of {X.shape[1]} columns); "
            "drop the aliased terms"
        )
    structure = build_structure(terms, data.reset_index(drop=True))
    return formula, fixed, frame, X, names, structure


# --------------------------------------------------------------------------
# lmer
# --------------------------------------------------------------------------
class _LMMProblem:
    def __init__(self, X, y, weights, offset, structure: RandomStructure, REML: bool):
        self.structure = structure
        self.REML = REML
        self.n, self.p = X.shape
        self.weights = weights
        self.extra = np.column_stack([X, y - offset])
        self.log_weights = float(np.sum(np.log(weights)))
        # Cross products with T = I, once; each theta only rescales them.
        self.raw = weighted_cross_products(structure, [t.matrix for t in structure.terms], weights, self.extra,
                                           add_identity=False)

    def factor(self, theta) -> BlockedCholesky:
        pieces = scale_cross_products(self.structure, theta, self.raw)
        return BlockedCholesky(*pieces).set_q_rest(self.structure.q - self.structure.offsets[1])

    def deviance(self, theta, chol=None) -> float:
        chol = self.factor(theta) if chol is None else chol
        r2 = chol.last_square()
        ld = chol.logdet_random() - self.log_weights
        if self.REML:
            df = self.n - self.p
            return ld + chol.logdet_fixed(self.p) + df * (1.0 + np.log(2.0 * np.pi * r2 / df))
        return ld + self.n * (1.0 + np.log(2.0 * np.pi * r2 / self.n))


class LMMResults(MixedModelResults):
    """Results of :func:`lmer`.

    Attributes
    ----------
    params, bse, tvalues : pandas.Series
        Fixed effects ``beta^``, their standard errors and t values (lme4
        prints no p-values for a linear mixed model).
    sigma : float
        The residual standard deviation (lme4's ``sigma()``).
    theta : ndarray
        The relative covariance factor's parameters (``getME(fit, "theta")``).
    llf : float
        The log-likelihood, or for REML the REML log-likelihood (lme4's ``logLik``).
    REML : bool
    reml_criterion : float
        ``-2 llf`` of the REML fit (lme4's "REML criterion at convergence"); NaN for ML.
    deviance : float
        ``-2 llf`` of an ML fit; for a REML fit, the ML deviance at the REML estimates
        is not reported (NaN), as lme4's ``deviance()`` refuses it.
    fitted, resid : ndarray
        ``X beta^ + Z b^`` (+ offset) and ``y`` minus it.
    singular : bool
        A variance at 0 or a correlation at +-1 (lme4's ``isSingular``).

    Notes
    -----
    R: ``lme4::lmer`` returns the same as an object of class ``lmerMod``
    (``fixef``, ``sigma``, ``getME(fit, "theta")``, ``logLik``, ``VarCorr``, ``ranef``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> fit = gl.lmer("Reaction ~ Days + (Days | Subject)", gl.datasets.load_sleepstudy())
    >>> round(float(fit.sigma), 4)
    25.5918
    >>> round(float(fit.reml_criterion), 4)
    1743.6283
    """

    def summary(self) -> str:
        """Plain text laid out like lme4's ``print(summary(lmer(...)))``."""
        how = "REML" if self.REML else "maximum likelihood"
        lines = [f"Linear mixed model fit by {how} ['lmerMod']", f"Formula: {self.formula}"]
        if self.data_name:
            lines.append(f"   Data: {self.data_name}")
        lines.append("")
        if self.REML:
            lines.append(f"REML criterion at convergence: {self.reml_criterion:.1f}")
        else:
            header = ["AIC", "BIC", "logLik", "-2*log(L)", "df.resid"]
            values = [f"{self.aic:.1f}", f"{self.bic:.1f}", f"{self.llf:.1f}", f"{-2 * self.llf:.1f}", f"{self.df_resid}"]
            widths = [max(len(h), len(v)) + 1 for h, v in zip(header, values)]
            lines.append("".join(f"{h:>{w}}" for h, w in zip(header, widths)))
            lines.append("".join(f"{v:>{w}}" for v, w in zip(values, widths)))
        scaled = self.resid * np.sqrt(self._weights) / self.sigma
        q = np.quantile(scaled, [0, 0.25, 0.5, 0.75, 1])
        cells = [f"{v:.4f}" for v in q]
        w = max(7, *(len(c) for c in cells))
        lines += ["", "Scaled residuals: ",
                  "".join(f"{h:>{w + 1}}" for h in ["Min", "1Q", "Median", "3Q", "Max"]),
                  "".join(f"{c:>{w + 1}}" for c in cells), "", "Random effects:"]
        lines += self._format_varcorr()
        lines += ["", "Fixed effects:"]
        lines += self._format_fixed()
        lines += self._warning_lines()
        return "\n".join(lines)

    def predict(self, newdata=None, re_form=None, allow_new_levels: bool = False, offset=None) -> np.ndarray:
        """Predictions ``X beta^ + Z b^`` (lme4's ``predict.merMod``).

        Parameters
        ----------
        newdata : pandas.DataFrame or dict, optional
            Defaults to the fitted data.
        re_form : None or False
            None includes every random effect; False (or ``"~0"``) gives the
            population level ``X beta^``.
        allow_new_levels : bool
            Levels absent from the fit are an error unless True, when their
            random effects are 0 (lme4's ``allow.new.levels``).
        offset : str or array-like, optional
            For new data when the fit used ``offset=`` values.

        Returns
        -------
        ndarray
        """
        return self._linear_predictor(newdata, re_form, allow_new_levels, offset)

    def simulate(self, nsim: int = 1, seed=None) -> np.ndarray:
        r"""Responses drawn from the fitted model, with new random effects (lme4's ``simulate``).

        Each draw is
        :math:`\mathbf{y}^* = \mathbf{X}\hat{\boldsymbol\beta} + \mathbf{Z}\boldsymbol\gamma^* + \boldsymbol\varepsilon^*`
        (plus any offset), with random effects drawn anew from their fitted
        distribution,
        :math:`\boldsymbol\gamma^* = \boldsymbol\Lambda_{\hat{\boldsymbol\psi}}\mathbf{u}^*`,
        :math:`\mathbf{u}^* \sim N(\mathbf{0}, \hat\sigma^2\mathbf{I})`, and
        errors :math:`\varepsilon_i^* \sim N(0, \hat\sigma^2/w_i)`, all
        independent (the notation of :func:`lmer`): draws from the marginal
        distribution of :math:`\mathbf{y}` at the estimates, the basis of a
        parametric bootstrap (fit each draw with :meth:`refit`).

        Parameters
        ----------
        nsim : int
            The number of simulated response vectors.
        seed : int, numpy.random.Generator or None
            Seed of ``numpy.random.default_rng`` (or a generator, which is
            used and advanced); None draws fresh entropy.

        Returns
        -------
        numpy.ndarray
            Shape ``(nsim, n)``: one simulated response per row, in the rows
            of the data the model was fitted to. With the same seed, the
            first rows of a longer run are those of a shorter one.

        Notes
        -----
        R: ``simulate(fit, nsim, seed)`` on an ``lmerMod`` (lme4's default
        ``re.form = NA``: new random effects), which returns the draws as the
        columns of a data frame. The draws are not R's: the random number
        generators differ.

        Examples
        --------
        >>> import glm_lib as gl
        >>> fit = gl.lmer("Reaction ~ Days + (1 | Subject)", gl.datasets.load_sleepstudy())
        >>> draws = fit.simulate(nsim=3, seed=1)
        >>> draws.shape
        (3, 180)
        >>> bool((draws == fit.simulate(nsim=3, seed=1)).all())
        True
        """
        nsim = whole_number("nsim", nsim)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        spec, structure = self._spec, self.structure
        n = self.nobs
        # One row of normal draws per simulation (its random effects, then its errors), so that the
        # first draws of a longer run are those of a shorter one with the same seed.
        normal = rng.standard_normal((nsim, structure.q + n))
        spherical, errors = normal[:, :structure.q].T, normal[:, structure.q:]
        effects = structure.Z @ (structure.lambda_matrix(self.theta) @ spherical)  # n x nsim
        mean = spec["X"] @ self.params.to_numpy() + spec["offset"]
        return mean[None, :] + self.sigma * (np.asarray(effects).T + errors / np.sqrt(spec["weights"])[None, :])

    @with_small_blas
    def refit(self, newresp) -> "LMMResults":
        """Fit the same model to a new response (lme4's ``refit``), e.g. in a parametric bootstrap.

        The design, random-effects structure, REML or ML, weights, offset and
        tolerances are those of this fit; only the response changes, so the
        formula is not parsed again. As :meth:`glm_lib.GLMMResults.refit`, the
        optimiser starts afresh from lme4's default starting values, so the
        result is that of ``gl.lmer`` on the data with the new response.

        Parameters
        ----------
        newresp : array-like of shape (n,)
            The new response, one value per row of the fit (e.g. a row of
            :meth:`simulate`).

        Returns
        -------
        LMMResults

        Raises
        ------
        ValueError
            If ``newresp`` has the wrong number of values or is not finite.

        Notes
        -----
        R: ``refit(fit, newresp)`` on an ``lmerMod``.

        Examples
        --------
        >>> import glm_lib as gl
        >>> sleep = gl.datasets.load_sleepstudy()
        >>> fit = gl.lmer("Reaction ~ Days + (Days | Subject)", sleep)
        >>> again = fit.refit(sleep["Reaction"])
        >>> round(again.reml_criterion, 4), round(fit.reml_criterion, 4)
        (1743.6283, 1743.6283)
        """
        y = np.asarray(newresp, dtype=float)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.shape != (self.nobs,):
            raise ValueError(
                f"newresp has shape {y.shape}, but the model was fitted to {self.nobs} rows; give one value per row"
            )
        check_finite("newresp", y)
        return _fit(y, self.structure, self.names, self._spec)

    def __repr__(self) -> str:
        how = "REML" if self.REML else "ML"
        return f"<LMMResults {how}: logLik {self.llf:.6g}, sigma {self.sigma:.4g}, theta {np.round(self.theta, 4).tolist()}>"

    def _factor_for_condvar(self):
        return self._problem.factor(self.theta)


@with_small_blas
def lmer(formula: str, data: pd.DataFrame, REML: bool = True, weights=None, offset=None,
         tol: float = 1e-6, max_iter: int = 2000) -> LMMResults:
    r"""Fit a linear mixed model by REML or maximum likelihood, as ``lme4::lmer``.

    The model is :math:`\mathbf{y} = \mathbf{X}\boldsymbol\beta + \mathbf{Z}\boldsymbol\gamma + \boldsymbol\varepsilon`
    with random effects :math:`\boldsymbol\gamma = \boldsymbol\Lambda_{\boldsymbol\psi}\mathbf{u}`,
    :math:`\mathbf{u} \sim N(\mathbf{0}, \sigma^2 \mathbf{I})` and
    :math:`\varepsilon_i \sim N(0, \sigma^2 / w_i)`; the profiled (REML)
    deviance of Bates et al. (2015) is minimised over the relative covariance
    parameters :math:`\boldsymbol\psi`. (lme4 writes :math:`\theta` and :math:`b`, and
    the results keep lme4's attribute names ``theta`` and ``b``; the book keeps
    :math:`\theta` for the natural parameter and :math:`b` for the cumulant.)

    Parameters
    ----------
    formula : str
        lme4's syntax: fixed effects as :func:`glm_lib.glm` reads them plus
        random terms ``(1 | g)``, ``(1 + x | g)`` (correlated),
        ``(0 + x | g)``, crossed ``(1 | g) + (1 | h)`` and nested
        ``(1 | g/h)`` = ``(1 | g) + (1 | g:h)``.
    data : pandas.DataFrame
    REML : bool
        True (the default, as lme4) for REML, False for maximum likelihood.
    weights : str or array-like, optional
        Prior weights (a column name or values), positive.
    offset : str or array-like, optional
        Added to the linear predictor (``offset(...)`` terms add to it).
    tol, max_iter : float, int
        The gradient tolerance and iteration limit of the L-BFGS search over
        the covariance parameters; Newton steps on a finite-difference Hessian
        then polish the optimum. When the search ends by the limit, at a
        saddle point, or with a gradient that is not small, the fit warns
        (:class:`glm_lib.ConvergenceWarning`) and ``converged`` is False.

    Returns
    -------
    LMMResults

    Notes
    -----
    R: ``lme4::lmer(Reaction ~ Days + (Days | Subject), sleepstudy)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> fit = gl.lmer("Reaction ~ Days + (Days | Subject)", gl.datasets.load_sleepstudy())
    >>> round(float(fit.params["Days"]), 4)
    10.4673
    """
    if not isinstance(REML, bool):
        raise TypeError(f"REML must be True or False, not {REML!r}")
    tol = positive_number("tol", tol)
    max_iter = whole_number("max_iter", max_iter)
    formula, fixed, frame, X, names, structure = prepare_mixed(formula, data)
    y = np.asarray(frame.response, dtype=float)
    if y.ndim != 1:
        raise ValueError("lmer needs a numeric response, not cbind(...); use gl.glmer for binomial counts")
    check_finite("the response", y)
    n, p = X.shape
    w = _column_or_values(data, weights, "weights")
    w = np.ones(n) if w is None else np.asarray(w, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights has {w.size} values but data has {n} rows; give one per row")
    check_finite("weights", w)
    if np.any(w <= 0):
        raise ValueError(f"weights must be positive; non-positive at {first_rows(w <= 0)}")
    off = _column_or_values(data, offset, "offset")
    off = np.zeros(n) if off is None else np.asarray(off, dtype=float)
    if off.shape != (n,):
        raise ValueError(f"offset has {off.size} values but data has {n} rows; give one per row")
    check_finite("offset", off)
    if frame.offset is not None:
        off = off + frame.offset
    for term in structure.terms:
        if term.n_levels >= n:
            raise ValueError(
                f"the grouping factor {term.group} has {term.n_levels} levels for {n} observations; a linear mixed "
                "model needs fewer levels than observations, or its variance cannot be told from the residual's "
                "(lme4 refuses this too)"
            )
    spec = {
        "REML": REML, "tol": tol, "max_iter": max_iter, "X": X, "weights": w, "offset": off, "data": data,
        "formula": " ".join(formula.split()), "fixed_spec": frame.design.model_spec,
        "offset_expr": (lambda d: frame.parsed.offset(d)) if frame.offset is not None else None,
    }
    return _fit(y, structure, names, spec)


def _fit(y, structure: RandomStructure, names, spec) -> LMMResults:
    """Minimise the profiled (REML) deviance for the response ``y`` and wrap the result (lmer and refit)."""
    X, w, off, REML = spec["X"], spec["weights"], spec["offset"], spec["REML"]
    n, p = X.shape
    problem = _LMMProblem(X, y, w, off, structure, REML)
    theta, value, n_iter, failure = minimise_theta(problem.deviance, structure, tol=spec["tol"],
                                                   max_iter=spec["max_iter"])
    converged, value = failure is None, float(value)
    chol = problem.factor(theta)
    u_sph, beta = chol.solve_coefficients(p)
    r2 = chol.last_square()
    sigma2 = r2 / (n - p if REML else n)
    Rt = chol.fixed_factor(p)
    cov = sigma2 * linalg.cho_solve((Rt, True), np.eye(p))
    res = LMMResults()
    res.REML = REML
    res._problem = problem
    res._weights = w
    res._data = spec["data"]
    res._spec = spec
    res._init_common(
        formula=spec["formula"], data_name=None, structure=structure, theta=theta, names=names,
        params=beta, cov=cov, sigma=np.sqrt(sigma2), u=u_sph, llf=-0.5 * value, nobs=n,
        n_params=p + structure.n_theta + 1, converged=converged, n_iter=n_iter,
        fixed_spec=spec["fixed_spec"], offset_expr=spec["offset_expr"], statistic="t",
    )
    res.reml_criterion = value if REML else np.nan
    res.deviance = value if not REML else np.nan
    res.fitted = X @ beta + structure.Z @ res.b + off
    res.resid = y - res.fitted
    res.y = y
    # Warnings point past lmer (or refit) and with_small_blas's wrapper, at the caller.
    if not converged:
        warnings.warn(f"lmer did not converge: {failure}; the estimates may be inaccurate",
                      ConvergenceWarning, stacklevel=4)
    _warn_singular(res, stacklevel=5)
    return res
