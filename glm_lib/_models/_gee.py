"""Generalized estimating equations (GEE) for clustered responses, as R's ``geepack::geeglm``.

A marginal model: ``g(mu_ij) = x_ij' beta`` for observation ``j`` of cluster
``i``, with working covariance ``V_i = phi A_i^{1/2} R(alpha) A_i^{1/2}``,
``A_i = diag(V(mu_ij) / w_ij)``. The estimate solves the estimating equation

    U(beta) = sum_i D_i' V_i^{-1} (y_i - mu_i) = 0,   D_i = d mu_i / d beta',

by Fisher scoring. Writing ``E_i = A_i^{-1/2} D_i`` and ``e_i = A_i^{-1/2}(y_i - mu_i)``
(the Pearson residuals) and whitening both with the Cholesky factor of
``R(alpha)``, every cluster contributes ``E~_i' E~_i`` to the "bread" and
``E~_i' e~_i`` to the score; the robust (sandwich) covariance is
``B^{-1} (sum_i s_i s_i') B^{-1}`` and the model-based ("naive") one
``phi B^{-1}``. Clusters of the same size share ``R(alpha)``, so each size is
whitened with one triangular solve; no ``n x n`` matrix is formed.

The nuisance parameters use geepack's moment estimators, updated at every
iteration from the Pearson residuals ``r``: ``phi = sum r^2 / N``;
exchangeable ``alpha`` = mean of ``r_ij r_ik / phi`` over all pairs within
clusters; ar1 ``alpha`` solves ``sum_pairs d alpha^(d-1) (r_ij r_ik / phi - alpha^d) = 0``
with ``d = |j - k|`` the distance in within-cluster order (geepack's least
squares on all pairs, not only neighbours).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats

from .._model import _formatting as formatting
from .._model._errors import ConvergenceWarning
from .._model._families import Binomial, Family, Gaussian, Poisson
from .._engine._linalg import _describe_aliasing, find_aliased_columns
from .._engine._prepare import prepare_data
from .._glm._fit import fit
from .._model._validation import first_rows
from .._formula._formula import _column_or_values, _model_matrices

__all__ = ["gee", "fit_gee", "GEEResults"]

_COV_STRUCTS = ("independence", "exchangeable", "ar1")
# The sandwich and its small-sample corrections (geepack's name for the plain one).
_STD_ERRS = ("san.se", "md", "kc")


# --------------------------------------------------------------------------
# clusters and working correlations
# --------------------------------------------------------------------------
class _Clusters:
    """Row order that makes clusters contiguous, grouped by cluster size."""

    def __init__(self, groups: np.ndarray, time: np.ndarray | None):
        first = pd.factorize(groups)[0]  # clusters in order of first appearance
        if time is None:
            self.order = np.argsort(first, kind="stable")
        else:
            self.order = np.lexsort((pd.factorize(time, sort=True)[0], first))
        codes, self.labels = pd.factorize(groups[self.order])
        self.n_clusters = len(self.labels)
        sizes = np.bincount(codes)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.max_size = int(sizes.max())
        # For each cluster size s: an index array (clusters, s) into the ordered rows.
        self.by_size = {
            int(s): starts[sizes == s][:, None] + np.arange(s)[None, :] for s in np.unique(sizes)
        }
        self.sizes = sizes

    def pairs(self, r: np.ndarray):
        """Products ``r_ij r_ik`` and distances ``k - j`` of all within-cluster pairs (ordered rows)."""
        products, distances = [], []
        for s, index in self.by_size.items():
            if s < 2:
                continue
            j, k = np.triu_indices(s, 1)
            products.append((r[index[:, j]] * r[index[:, k]]).ravel())
            distances.append(np.broadcast_to(k - j, (index.shape[0], j.size)).ravel())
        if not products:
            return np.zeros(0), np.zeros(0)
        return np.concatenate(products), np.concatenate(distances)


def _correlation_matrix(cov_struct: str, alpha: float, size: int) -> np.ndarray:
    if cov_struct == "independence":
        return np.eye(size)
    if cov_struct == "exchangeable":
        return (1.0 - alpha) * np.eye(size) + alpha
    lags = np.abs(np.subtract.outer(np.arange(size), np.arange(size)))
    return alpha**lags


def _estimate_alpha(cov_struct: str, clusters: _Clusters, r: np.ndarray, phi: float) -> float:
    if cov_struct == "independence":
        return 0.0
    products, distances = clusters.pairs(r)
    if products.size == 0:
        raise ValueError(f"every cluster has one observation, so the {cov_struct} correlation cannot be estimated")
    z = products / phi
    if cov_struct == "exchangeable":
        return float(z.mean())

    def equation(a):
        return float(np.sum(distances * a ** (distances - 1) * (z - a**distances)))

    # The estimating equation is positive at 0 when neighbours correlate positively.
    lower, upper = (0.0, 1.0 - 1e-12) if equation(0.0) > 0 else (-1.0 + 1e-12, 0.0)
    if equation(lower) * equation(upper) > 0:
        return float(np.clip(z[distances == 1].mean(), -1 + 1e-8, 1 - 1e-8))
    return float(optimize.brentq(equation, lower, upper, xtol=1e-15))


# --------------------------------------------------------------------------
# the estimating equation
# --------------------------------------------------------------------------
def _pieces(family, X, y, w, offset, beta):
    eta = X @ beta + offset
    mu = family.link.inverse(eta)
    scale = np.sqrt(w / family.variance(mu))  # A^{-1/2}
    E = X * (family.link.inverse_deriv(eta) * scale)[:, None]
    e = (y - mu) * scale  # Pearson residuals
    return mu, E, e


def _whitened_sums(clusters: _Clusters, cov_struct: str, alpha: float, E: np.ndarray, e: np.ndarray):
    """Bread ``sum E~'E~``, score ``sum E~'e~`` and the per-cluster scores (clusters x p)."""
    p = E.shape[1]
    bread = np.zeros((p, p))
    scores = np.zeros((clusters.n_clusters, p))
    for s, index in clusters.by_size.items():
        J = index.shape[0]
        factor = linalg.cholesky(_correlation_matrix(cov_struct, alpha, s), lower=True)
        # Stack the clusters side by side: (s, J*p) and (s, J), one triangular solve each.
        Es = linalg.solve_triangular(factor, E[index].transpose(1, 0, 2).reshape(s, J * p), lower=True)
        es = linalg.solve_triangular(factor, e[index].T, lower=True)
        Es = Es.reshape(s, J, p).transpose(1, 0, 2)  # (J, s, p)
        bread += np.einsum("jsp,jsq->pq", Es, Es)
        scores[clusters.sizes == s] = np.einsum("jsp,sj->jp", Es, es)
    return bread, scores


def _corrected_scores(clusters: _Clusters, cov_struct: str, alpha: float, E: np.ndarray, e: np.ndarray,
                      bread_factor, power: float) -> np.ndarray:
    """Per-cluster scores with the residuals corrected for their own leverage.

    With ``H_i = D_i B^{-1} D_i' V_i^{-1}`` the cluster's block of the hat
    matrix, the corrected score is ``D_i' V_i^{-1} (I - H_i)^{-power} (y_i - mu_i)``:
    ``power = 1`` is Mancl and DeRouen's (2001) correction, ``power = 1/2``
    Kauermann and Carroll's (2001). In whitened coordinates
    ``H_i = T_i P_i T_i^{-1}`` with the symmetric ``P_i = E~_i B^{-1} E~_i'``,
    so ``(I - H_i)^{-power}`` is taken through the eigenvalues of ``P_i``.
    """
    p = E.shape[1]
    scores = np.zeros((clusters.n_clusters, p))
    for s, index in clusters.by_size.items():
        factor = linalg.cholesky(_correlation_matrix(cov_struct, alpha, s), lower=True)
        J = index.shape[0]
        Es = linalg.solve_triangular(factor, E[index].transpose(1, 0, 2).reshape(s, J * p), lower=True)
        Es = Es.reshape(s, J, p).transpose(1, 0, 2)  # (J, s, p)
        es = linalg.solve_triangular(factor, e[index].T, lower=True).T  # (J, s)
        solved = linalg.cho_solve(bread_factor, Es.transpose(2, 0, 1).reshape(p, J * s)).reshape(p, J, s)
        P = np.einsum("jsp,pjt->jst", Es, solved)  # (J, s, s), symmetric
        lam, vec = np.linalg.eigh(P)
        lam = np.clip(lam, 0.0, 1.0 - 1e-12)
        coords = np.einsum("jts,jt->js", vec, es)  # vec' e~
        coords = coords * (1.0 - lam) ** (-power)
        corrected = np.einsum("jst,jt->js", vec, coords)
        scores[clusters.sizes == s] = np.einsum("jsp,js->jp", Es, corrected)
    return scores


class GEEResults:
    """A fitted marginal model (R's ``geeglm``).

    Attributes
    ----------
    params, bse, bse_naive, tvalues, pvalues : pandas.Series
        Coefficients, robust (sandwich) standard errors as ``geeglm`` reports
        them, model-based standard errors ``sqrt(diag(phi B^{-1}))``, Wald z
        values and two-sided p-values (geeglm prints ``Wald`` = z squared).
    std_err : str
        The robust covariance behind ``bse``: ``"san.se"`` (the sandwich),
        ``"md"`` (Mancl–DeRouen) or ``"kc"`` (Kauermann–Carroll).
    correlation : float or None
        The working-correlation parameter alpha (None for independence).
    scale : float
        ``phi``: the mean squared Pearson residual, ``sum r^2 / N`` (geeglm's default).
    cov_struct : str
    n_clusters, max_cluster_size, nobs : int
    mu, resid_pearson : ndarray
        Fitted means and Pearson residuals in the rows' original order.
    converged : bool
    n_iter : int

    Notes
    -----
    R: a ``geepack::geeglm`` fit (``summary(fit)``, ``QIC(fit)``).

    Examples
    --------
    >>> import glm_lib as gl
    >>> ohio = gl.datasets.load_ohio()
    >>> res = gl.gee("resp ~ age + smoke", ohio, groups="id", family=gl.Binomial(), cov_struct="exchangeable")
    >>> res.n_clusters
    537
    """

    def __init__(self, *, family, cov_struct, names, beta, cov_robust, cov_naive, alpha, phi, mu, resid_pearson,
                 y, weights, clusters, converged, n_iter, formula, independence_naive, std_err="san.se"):
        self.family = family
        self.cov_struct = cov_struct
        self.std_err = std_err
        self.names = list(names)
        self.params = pd.Series(beta, index=self.names)
        self._robust = cov_robust
        self._cov = cov_robust[std_err]
        self._cov_naive = cov_naive
        self.bse = pd.Series(np.sqrt(np.diag(self._cov)), index=self.names)
        self.bse_naive = pd.Series(np.sqrt(np.diag(cov_naive)), index=self.names)
        self.tvalues = self.params / self.bse
        self.pvalues = pd.Series(2.0 * stats.norm.sf(np.abs(self.tvalues.to_numpy())), index=self.names)
        self.correlation = None if cov_struct == "independence" else float(alpha)
        self.scale = float(phi)
        self.mu = mu
        self.resid_pearson = resid_pearson
        self.y = y
        self.weights = weights
        self.n_clusters = clusters.n_clusters
        self.max_cluster_size = clusters.max_size
        self.nobs = int(len(y))
        self.converged = bool(converged)
        self.n_iter = int(n_iter)
        self.formula = formula
        self._independence_naive = independence_naive

    def cov_params(self, kind: str = "robust") -> pd.DataFrame:
        """A covariance of the coefficients.

        ``"robust"`` (default) is the one chosen by ``std_err`` at the fit;
        ``"san.se"`` the plain sandwich, ``"md"`` and ``"kc"`` its Mancl–DeRouen
        and Kauermann–Carroll small-sample corrections; ``"naive"`` the
        model-based ``phi B^{-1}``.
        """
        kinds = ("robust", "naive", *_STD_ERRS)
        if kind not in kinds:
            raise ValueError(f"kind must be one of {', '.join(map(repr, kinds))}, got {kind!r}")
        values = {"robust": self._cov, "naive": self._cov_naive, **self._robust}[kind]
        return pd.DataFrame(values, index=self.names, columns=self.names)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals from the robust standard errors."""
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {alpha!r}")
        q = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({"lower": self.params - q * self.bse, "upper": self.params + q * self.bse})

    def quasi_loglike(self) -> float:
        """The independence quasi-likelihood ``Q(mu)`` at the fit, without the dispersion (as geepack's ``QIC``)."""
        y, mu, w = self.y, self.mu, self.weights
        if isinstance(self.family, Binomial):
            terms = y * np.log(mu / (1.0 - mu)) + np.log1p(-mu)
        elif isinstance(self.family, Poisson):
            terms = y * np.log(mu) - mu
        elif isinstance(self.family, Gaussian):
            terms = -0.5 * np.square(y - mu)
        else:
            raise ValueError(f"QIC is defined here for the Binomial, Poisson and Gaussian families, not {self.family.name}")
        return float(np.sum(w * terms))

    def qic(self) -> pd.Series:
        """Pan's QIC for choosing the working correlation, with geepack's companions.

        ``QIC = -2 (Q - trace(Omega_I V_R))`` with ``Q`` the independence
        quasi-likelihood, ``Omega_I`` the inverse of the model-based covariance
        of the independence fit and ``V_R`` this fit's robust covariance;
        ``QICu = -2 (Q - p)``; ``CIC`` is the trace; ``QICC`` adds
        ``2 k (k + 1) / (clusters - k - 1)`` with ``k`` = p + number of alphas.
        Smaller is better.
        """
        quasi = self.quasi_loglike()
        trace = float(np.trace(linalg.solve(self._independence_naive, self._cov, assume_a="pos")))
        p = len(self.names)
        k = p + (self.correlation is not None)
        qic = -2.0 * (quasi - trace)
        return pd.Series(
            {"QIC": qic, "QICu": -2.0 * (quasi - p), "Quasi Lik": quasi, "CIC": trace, "params": p,
             "QICC": qic + 2.0 * k * (k + 1) / (self.n_clusters - k - 1)}
        )

    def coef_table(self) -> pd.DataFrame:
        """Estimate, robust ``Std.err``, ``Wald`` (z squared) and ``Pr(>|W|)``, as ``summary(geeglm)``."""
        return pd.DataFrame(
            {"Estimate": self.params, "Std.err": self.bse, "Wald": np.square(self.tvalues), "Pr(>|W|)": self.pvalues}
        )

    def summary(self) -> str:
        """Plain text laid out like R's ``summary(geeglm(...))``."""
        lines = [f"Generalized estimating equations: {self.family.name} family, {self.family.link.name} link"]
        if self.formula:
            lines.append(f"Formula: {self.formula}")
        table = self.coef_table()
        both = formatting.format_column(np.concatenate([table["Estimate"], table["Std.err"]]))
        columns = [
            ["Estimate", *both[: len(table)]],
            ["Std.err", *both[len(table) :]],
            ["Wald", *[f"{v:.3f}" for v in table["Wald"]]],
            ["Pr(>|W|)", *formatting.format_pvalues(table["Pr(>|W|)"])],
        ]
        name_width = max(len(n) for n in self.names)
        widths = [max(len(c) for c in col) for col in columns]
        lines += ["", " Coefficients:", " " * name_width + " " + " ".join(c[0].rjust(w) for c, w in zip(columns, widths))]
        for i, name in enumerate(self.names):
            cells = " ".join(c[i + 1].rjust(w) for c, w in zip(columns, widths))
            lines.append(f"{name.ljust(name_width)} {cells} {formatting.significance_stars(table.iloc[i, 3])}".rstrip())
        lines += ["---", formatting.SIGNIF_LEGEND, "", f"Correlation structure = {self.cov_struct}"]
        if self.std_err != "san.se":
            label = {"md": "Mancl-DeRouen", "kc": "Kauermann-Carroll"}[self.std_err]
            lines.append(f"Std.err: sandwich with the {label} small-sample correction")
        lines.append(f"Estimated scale parameter: {self.scale:.4g}")
        if self.correlation is not None:
            lines.append(f"Estimated correlation parameter: alpha = {self.correlation:.4g}")
        lines.append(f"Number of clusters: {self.n_clusters}  Maximum cluster size: {self.max_cluster_size}")
        lines += formatting.warning_lines(self.converged, None)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"<GEEResults {self.family.name}({self.family.link.name}), {self.cov_struct}, {self.n_clusters} clusters>"


def _solve_gee(family, X, y, w, offset, clusters, cov_struct, beta, tol, max_iter):
    alpha, phi = 0.0, 1.0
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        mu, E, e = _pieces(family, X, y, w, offset, beta)
        phi = float(np.sum(np.square(e)) / len(e))
        alpha = _estimate_alpha(cov_struct, clusters, e, phi)
        bread, scores = _whitened_sums(clusters, cov_struct, alpha, E, e)
        step = linalg.cho_solve(linalg.cho_factor(bread), scores.sum(axis=0))
        beta = beta + step
        if np.max(np.abs(step)) < tol * (1.0 + np.max(np.abs(beta))):
            converged = True
            break
    mu, E, e = _pieces(family, X, y, w, offset, beta)
    phi = float(np.sum(np.square(e)) / len(e))
    alpha = _estimate_alpha(cov_struct, clusters, e, phi)
    bread, scores = _whitened_sums(clusters, cov_struct, alpha, E, e)
    factor = linalg.cho_factor(bread)
    bread_inverse = linalg.cho_solve(factor, np.eye(len(beta)))
    cov_robust = {"san.se": bread_inverse @ (scores.T @ scores) @ bread_inverse}
    for name, power in (("md", 1.0), ("kc", 0.5)):
        corrected = _corrected_scores(clusters, cov_struct, alpha, E, e, factor, power)
        cov_robust[name] = bread_inverse @ (corrected.T @ corrected) @ bread_inverse
    return beta, alpha, phi, mu, e, cov_robust, phi * bread_inverse, converged, n_iter


def fit_gee(
    X,
    y,
    groups,
    family: Family | None = None,
    cov_struct: str = "independence",
    time=None,
    weights=None,
    offset=None,
    tol: float = 1e-10,
    max_iter: int = 100,
    feature_names=None,
    formula: str | None = None,
    std_err: str = "san.se",
) -> GEEResults:
    """Fit a marginal model by generalized estimating equations (R's ``geepack::geeglm``).

    Parameters
    ----------
    X : array-like or DataFrame, shape (n, p)
        Design matrix (include the intercept column).
    y : array-like
        Response as for :func:`glm_lib.fit` (Binomial: 0/1, proportions with
        ``weights``, or a (successes, failures) matrix).
    groups : array-like, shape (n,)
        Cluster labels; rows of a cluster need not be contiguous.
    family : Family, optional
        Defaults to ``Gaussian()``.
    cov_struct : {"independence", "exchangeable", "ar1"}
        The working correlation ``R(alpha)``.
    time : array-like, optional
        Orders the observations within each cluster (for ar1, whose
        correlation between positions ``j`` and ``k`` is ``alpha^|j-k|``);
        by default the rows' order within a cluster.
    weights, offset : array-like, optional
        Prior weights and offset, as for :func:`glm_lib.fit`. With weights
        other than 1 the Pearson residuals are weighted throughout; geeglm
        estimates the scale and alpha differently then, so weighted fits do
        not reproduce it (unit weights do).
    tol : float
        Stop when the largest coefficient change is below ``tol (1 + max|beta|)``.
    max_iter : int
    feature_names : sequence of str, optional
    formula : str, optional
        Recorded for the summary (set by :func:`gee`).
    std_err : {"san.se", "md", "kc"}
        Which robust covariance ``bse`` and the Wald tests use: the plain
        sandwich (geepack's ``"san.se"``), or a small-sample correction that
        inflates each cluster's residuals by its own leverage, Mancl and
        DeRouen's (2001) ``"md"``, ``(I - H_i)^{-1}``, or Kauermann and
        Carroll's (2001) ``"kc"``, ``(I - H_i)^{-1/2}``, with ``H_i`` the
        cluster's block of the hat matrix. The plain sandwich is biased
        downwards when there are few clusters (a few dozen or fewer); all
        three are available afterwards from ``cov_params(kind)``.

    Returns
    -------
    GEEResults

    Raises
    ------
    ValueError
        For an unknown ``cov_struct``, ``groups`` or ``time`` of the wrong
        length or with missing values, a rank-deficient design, or the
        response and weight errors of :func:`glm_lib.fit`.

    Warns
    -----
    ConvergenceWarning
        When the iterations stop at ``max_iter``.

    Notes
    -----
    R: ``geepack::geeglm`` (``std_err = "san.se"``); the small-sample corrections
    are those of ``geesmv`` (not installed here, so checked against their definitions).

    Examples
    --------
    >>> import numpy as np
    >>> import glm_lib as gl
    >>> ohio = gl.datasets.load_ohio()
    >>> X = np.column_stack([np.ones(len(ohio)), ohio["age"], ohio["smoke"]])
    >>> res = gl.fit_gee(X, ohio["resp"], groups=ohio["id"], family=gl.Binomial())
    >>> res.cov_struct
    'independence'
    """
    if cov_struct not in _COV_STRUCTS:
        raise ValueError(f"cov_struct must be one of {', '.join(map(repr, _COV_STRUCTS))}, got {cov_struct!r}")
    if std_err not in _STD_ERRS:
        raise ValueError(f"std_err must be one of {', '.join(map(repr, _STD_ERRS))}, got {std_err!r}")
    if not (tol > 0 and max_iter >= 1):
        raise ValueError(f"tol must be positive and max_iter at least 1 (got {tol!r}, {max_iter!r})")
    family = Gaussian() if family is None else family
    if not isinstance(family, Family):
        raise TypeError(f"family must be a glm_lib Family such as gl.Binomial(), not {type(family).__name__}")
    X, names, y, w, offset = prepare_data(X, y, family, weights=weights, offset=offset, feature_names=feature_names)
    n = X.shape[0]
    groups = _labels(groups, n, "groups")
    if time is not None:
        time = _labels(time, n, "time")
        clash = pd.DataFrame({"g": groups, "t": time}).duplicated(keep=False).to_numpy()
        if clash.any():
            raise ValueError(f"time repeats within a cluster at {first_rows(clash)}; each cluster needs distinct times")
    if (w == 0).any():
        raise ValueError(f"weights: zero weights at {first_rows(w == 0)}; drop those rows instead (they would still count in N)")
    aliased = find_aliased_columns(X, w)
    if aliased:
        raise ValueError(
            f"X is rank-deficient: {', '.join(names[j] for j in aliased)} are linear combinations of other "
            f"columns ({_describe_aliasing(X, names, aliased)}); remove them"
        )
    clusters = _Clusters(groups, time)
    o = clusters.order
    with warnings.catch_warnings():
        # The independence GLM is only the starting point (as geepack's glm.fit start).
        warnings.simplefilter("ignore")
        start = fit(X[o], y[o], family=family, weights=w[o], offset=offset[o]).params.to_numpy()
    solved = _solve_gee(family, X[o], y[o], w[o], offset[o], clusters, cov_struct, start, tol, max_iter)
    beta, alpha, phi, mu, e, cov_robust, cov_naive, converged, n_iter = solved
    if cov_struct == "independence":
        independence_naive = cov_naive
    else:
        independence_naive = _solve_gee(family, X[o], y[o], w[o], offset[o], clusters, "independence", start, tol, max_iter)[6]
    if not converged:
        warnings.warn(
            f"the GEE iterations did not converge in {n_iter} iterations; increase max_iter or simplify the model",
            ConvergenceWarning,
            stacklevel=2,
        )
    back = np.empty(n, dtype=int)
    back[o] = np.arange(n)
    return GEEResults(
        family=family, cov_struct=cov_struct, names=names, beta=beta, cov_robust=cov_robust, cov_naive=cov_naive,
        alpha=alpha, phi=phi, mu=mu[back], resid_pearson=e[back], y=y, weights=w, clusters=clusters,
        converged=converged, n_iter=n_iter, formula=formula, independence_naive=independence_naive,
        std_err=std_err,
    )


def _labels(values, n: int, name: str) -> np.ndarray:
    array = np.asarray(values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else values)
    if array.ndim != 1 or array.shape[0] != n:
        raise ValueError(f"{name} must be one label per row ({n}), got shape {array.shape}")
    missing = pd.isna(array)
    if missing.any():
        raise ValueError(f"{name} has missing values at {first_rows(missing)}")
    return array


def gee(formula: str, data: pd.DataFrame, groups: str, family: Family | None = None,
        cov_struct: str = "independence", time: str | None = None, weights=None, offset=None, **options) -> GEEResults:
    """Formula front end of :func:`fit_gee`: ``gee("resp ~ age + smoke", ohio, groups="id", family=gl.Binomial())``.

    Parameters
    ----------
    formula : str
        Parsed exactly as :func:`glm_lib.glm` parses it (``cbind`` included).
    data : pandas.DataFrame
    groups : str
        The column of cluster labels.
    family : Family, optional
        Defaults to ``Gaussian()``.
    cov_struct : {"independence", "exchangeable", "ar1"}
    time : str, optional
        A column ordering the observations within each cluster.
    weights, offset : str or array-like, optional
        Column names of ``data`` or values.
    **options
        Passed to :func:`fit_gee` (``tol``, ``max_iter``, ``std_err``).

    Returns
    -------
    GEEResults

    Raises
    ------
    ValueError, TypeError
        As :func:`fit_gee`, and for a formula or columns that do not fit ``data``.

    Notes
    -----
    R: ``geepack::geeglm(formula, family, data, id = groups, corstr = cov_struct)``.

    Examples
    --------
    >>> import glm_lib as gl
    >>> ohio = gl.datasets.load_ohio()
    >>> res = gl.gee("resp ~ age + smoke", ohio, groups="id", family=gl.Binomial(), cov_struct="exchangeable")
    >>> list(res.params.index)
    ['Intercept', 'age', 'smoke']
    """

    response, design = _model_matrices(formula, data)
    for name, column in (("groups", groups), ("time", time)):
        if column is not None and column not in data.columns:
            raise ValueError(f"{name}={column!r} is not a column of data")
    return fit_gee(
        design, response, data[groups], family=family, cov_struct=cov_struct,
        time=None if time is None else data[time], weights=_column_or_values(data, weights, "weights"),
        offset=_column_or_values(data, offset, "offset"), formula=" ".join(formula.split()), **options,
    )
