"""Random-intercept GLMs: a front end to :func:`glmer`, and the marginal log-likelihood at given parameters.

The model, for observation ``i`` in cluster ``j``, is

    g(mu_ij) = x_ij' beta + offset_ij + u_j,    u_j ~ N(0, sigma_u^2) independently,

with a Binomial or Poisson response given ``u_j``: lme4's
``glmer(y ~ x + (1 | g))``. :func:`random_intercept_glm` writes that formula
(from ``groups=`` if the formula has no ``(1 | g)``) and fits it with
:func:`glm_lib.glmer`'s engine (PIRLS, then the Laplace approximation or
adaptive Gauss-Hermite quadrature). :func:`marginal_loglike` evaluates the
same engine's approximation at given ``beta`` and ``sigma_u`` with a given
number of quadrature nodes, to compare approximations at fixed parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._engine._prepare import prepare_data
from .._model._families import Binomial, Family
from .._model._validation import align_to, as_vector, check_formula, first_rows, positive_number, whole_number
from ._glmm import GLMMResults, _GLMMProblem, check_family, glmer
from ._ranef import build_structure, split_formula, with_small_blas

__all__ = ["random_intercept_glm", "marginal_loglike"]

# lme4's GHrule tabulates up to 100 nodes; marginal_loglike, a tool for checking
# the approximation, may use that many (a fit, like lme4's, at most 25).
_MAX_NODES_CHECK = 100


def _group_codes(groups, index, n: int) -> np.ndarray:
    """Integer codes of the cluster labels, with clear errors (levels in sorted, or categorical, order)."""
    groups = align_to(groups, index, "groups")
    if isinstance(groups, pd.DataFrame) or np.ndim(groups) != 1:
        raise ValueError(
            f"groups must be 1-dimensional, one label per row of X, got shape {np.shape(groups)}; "
            "for several grouping columns, combine them into one label (e.g. a + '_' + b)"
        )
    values = pd.Series(groups.array if isinstance(groups, (pd.Series, pd.Index)) else groups)
    if values.shape[0] != n:
        raise ValueError(f"groups has {values.shape[0]} labels but X has {n} rows; give one label per row")
    if values.isna().any():
        raise ValueError(f"groups contains missing labels at {first_rows(values.isna().to_numpy())}")
    codes, labels = pd.factorize(values, sort=True)
    if len(labels) < 2:
        raise ValueError(
            "groups has a single level: a random-intercept variance cannot be estimated from one group; "
            "fit an ordinary GLM with gl.fit instead"
        )
    return codes


@with_small_blas
def marginal_loglike(X, y, groups, params, sd_u: float, family: Family | None = None, weights=None,
                     offset=None, nAGQ: int = 1) -> float:
    r"""The approximate marginal log-likelihood of a random-intercept GLM at given ``params`` and ``sd_u``.

    For :math:`g(\mu_{ij}) = \mathbf{x}_{ij}^\top\boldsymbol\beta + o_{ij} + u_j`,
    :math:`u_j \sim N(0, \sigma_u^2)`, cluster :math:`j` contributes
    :math:`L_j(\boldsymbol\beta, \sigma_u) = \int \prod_i f(y_{ij} \mid u)\, \sigma_u^{-1}\Phi'(u/\sigma_u)\, du`,
    and this returns :math:`\sum_j \log L_j` with each integral approximated
    as :func:`glmer` does: Laplace's method at the conditional mode
    (``nAGQ = 1``) or adaptive Gauss-Hermite quadrature with ``nAGQ`` nodes
    centred there. Useful to compare the approximations at the same parameters.

    Parameters
    ----------
    X : array-like of shape (n, p)
        Fixed-effects design :math:`\mathbf{X}`, including the intercept column.
    y : array-like of shape (n,) or (n, 2)
        As for :func:`glm_lib.fit`: counts (Poisson), 0/1 or proportions with
        ``weights`` = trials, or (successes, failures) columns (Binomial).
    groups : array-like of shape (n,)
        The cluster label of each row; at least two clusters.
    params : array-like of shape (p,)
        The fixed effects :math:`\boldsymbol\beta`, one per column of ``X``.
    sd_u : float
        The random-intercept standard deviation :math:`\sigma_u`, positive.
    family : Binomial or Poisson, optional
        Defaults to ``Binomial()``; any link.
    weights, offset : array-like of shape (n,), optional
        Prior weights :math:`w_i` (trials for the Binomial) and offset :math:`o_i`.
    nAGQ : int
        1 for the Laplace approximation; 2 to 100 nodes per cluster for
        adaptive Gauss-Hermite quadrature.

    Returns
    -------
    float
        :math:`\sum_j \log L_j`, including the terms free of the parameters
        (binomial coefficients, :math:`\log y!`), as R's ``logLik`` does for ``nAGQ = 1``.

    Raises
    ------
    TypeError
        If ``family`` is not a glm_lib family, or ``sd_u`` or ``nAGQ`` not a number.
    ValueError
        Mismatched shapes, NaN or infinite values, responses outside the
        family's support, missing group labels, a single group, a
        non-positive ``sd_u``, an unsupported family, or ``nAGQ`` out of range.

    Notes
    -----
    R: none (lme4 evaluates it inside ``glmer``; ``lme4::glmer(..., nAGQ = k, devFunOnly = TRUE)``
    returns the deviance function of ``c(sigma_u, beta)``, which for ``k > 1`` leaves out the
    saturated model's log-likelihood)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> X = pd.get_dummies(cbpp["period"], prefix="period", drop_first=True, dtype=float)
    >>> X.insert(0, "Intercept", 1.0)
    >>> y = np.column_stack([cbpp["incidence"], cbpp["size"] - cbpp["incidence"]])
    >>> beta = [-1.3985, -0.9923, -1.1287, -1.5803]
    >>> round(gl.marginal_loglike(X, y, cbpp["herd"], beta, 0.6423), 4)
    -92.0263
    >>> round(gl.marginal_loglike(X, y, cbpp["herd"], beta, 0.6423, nAGQ=25), 4)
    -91.9838
    """
    family = check_family(Binomial() if family is None else family)
    index = X.index if isinstance(X, pd.DataFrame) else None
    X, _, y_vec, prior_weights, off = prepare_data(X, y, family, weights, offset)
    codes = _group_codes(groups, index, X.shape[0])
    sd_u = positive_number("sd_u", sd_u)
    nAGQ = whole_number("nAGQ", nAGQ, minimum=1, maximum=_MAX_NODES_CHECK)
    beta = as_vector(params, X.shape[1], "params", per="columns")
    structure = build_structure([("1", "cluster")], pd.DataFrame({"cluster": codes}))
    problem = _GLMMProblem(family, X, y_vec, prior_weights, off, structure, n_nodes=nAGQ)
    # lme4's theta of a random intercept in a GLMM is sigma_u itself.
    return -0.5 * problem.deviance(np.r_[sd_u, beta])


def _random_intercept_formula(formula: str, groups: str | None, data: pd.DataFrame) -> str:
    """The lme4 formula ``fixed + (1 | group)``, from ``(1 | g)`` in ``formula`` or from ``groups``."""
    terms = []
    if "|" in formula:
        fixed, terms = split_formula(formula)
    else:
        fixed = formula
    if len(terms) > 1:
        shown = ", ".join(f"({expr} | {group})" for expr, group in terms)
        raise ValueError(
            f"formula has {len(terms)} random-effect terms ({shown}); random_intercept_glm fits one random "
            "intercept (1 | group): use gl.glmer for several terms"
        )
    if terms:
        expr, grouping = terms[0]
        if expr.replace(" ", "") != "1":
            raise ValueError(
                f"formula: ({expr} | {grouping}) asks for random slopes; random_intercept_glm fits only a random "
                "intercept, written (1 | group): use gl.glmer for random slopes"
            )
        if ":" in grouping:
            raise ValueError(
                f"formula: the grouping in (1 | {grouping}) must be one column name; for nested or crossed "
                "groupings use gl.glmer"
            )
        if groups is not None and groups != grouping:
            raise ValueError(f"groups={groups!r} contradicts the formula's (1 | {grouping}); give the grouping once")
        groups = grouping
    if groups is None:
        raise ValueError("no grouping: add (1 | group) to the formula, as in lme4, or pass groups='column'")
    if not isinstance(groups, str) or groups not in data.columns:
        raise ValueError(f"groups={groups!r} is not a column of data")
    return f"{' '.join(fixed.split())} + (1 | {groups})"


def random_intercept_glm(formula: str, data: pd.DataFrame, groups: str | None = None, family: Family | None = None,
                         nAGQ: int = 1, weights=None, offset=None, tol: float = 1e-6,
                         max_iter: int = 2000) -> GLMMResults:
    r"""Fit a random-intercept GLM: :func:`glmer` with one ``(1 | group)`` term and a binomial default.

    The model is :math:`g(\mu_{ij}) = \mathbf{x}_{ij}^\top\boldsymbol\beta + o_{ij} + u_j`
    for observation :math:`i` in cluster :math:`j`, with independent
    :math:`u_j \sim N(0, \sigma_u^2)`; the formula is lme4's
    ``fixed + (1 | group)``, written for you when the grouping is given as ``groups=``.

    Parameters
    ----------
    formula : str
        The fixed effects as :func:`glm_lib.glm` parses them, optionally with
        the random intercept ``(1 | group)`` as in ``lme4::glmer``.
    data : pandas.DataFrame
    groups : str, optional
        The grouping column, instead of ``(1 | group)`` in the formula (if
        both are given they must agree).
    family : Binomial or Poisson, optional
        Defaults to ``Binomial()``.
    nAGQ : int
        1 for the Laplace approximation, 2 to 25 for adaptive Gauss-Hermite quadrature.
    weights, offset : str or array-like, optional
        A column name of ``data`` or values, one per row. ``offset(...)``
        terms in the formula add to ``offset``.
    tol, max_iter : float, int
        As for :func:`glmer`.

    Returns
    -------
    GLMMResults
        Its ``sd_u`` is :math:`\hat\sigma_u`; ``ranef()`` gives the conditional
        modes with their conditional variances.

    Raises
    ------
    TypeError
        If ``formula`` is not a string, ``data`` not a DataFrame or ``family`` not a glm_lib family.
    ValueError
        A formula with random slopes or several random terms (fit those with
        :func:`glmer`); no grouping, or a ``groups`` that contradicts the
        formula or is not a column of ``data``; and the errors of :func:`glmer`.

    Notes
    -----
    R: ``lme4::glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), cbpp, binomial, nAGQ = 1)``

    Examples
    --------
    >>> import glm_lib as gl
    >>> cbpp = gl.datasets.load_cbpp()
    >>> fit = gl.random_intercept_glm("cbind(incidence, size - incidence) ~ period", cbpp, groups="herd")
    >>> fit.formula
    'cbind(incidence, size - incidence) ~ period + (1 | herd)'
    >>> round(fit.sd_u, 4), round(fit.llf, 4)
    (0.6423, -92.0263)
    """
    formula = check_formula(formula)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    lme4_formula = _random_intercept_formula(formula, groups, data)
    return glmer(lme4_formula, data, family=Binomial() if family is None else family, nAGQ=nAGQ,
                 weights=weights, offset=offset, tol=tol, max_iter=max_iter)
