"""glm_lib: generalized linear models for the open GLM course.

>>> import glm_lib as gl
>>> df = gl.datasets.load_dobson()
>>> res = gl.glm("counts ~ outcome + treatment", data=df, family=gl.Poisson())
>>> round(res.deviance, 4)
5.1291

Modules: :mod:`~glm_lib.links` (link functions), :mod:`~glm_lib.families`
(distributions), :mod:`~glm_lib.fitting` (solvers), :mod:`~glm_lib.backends`
(IRLS's sums over rows, in memory), :mod:`~glm_lib.dask_backend` and
:mod:`~glm_lib.dask_formula` (the same fits on dask arrays and DataFrames), :mod:`~glm_lib.results`
(inference and display), :mod:`~glm_lib.formula` (R-style formulas),
:mod:`~glm_lib.anova`, :mod:`~glm_lib.selection` (``drop1``/``add1``),
:mod:`~glm_lib.diagnostics` (model checking), :mod:`~glm_lib.profile`
(profile-likelihood intervals), :mod:`~glm_lib.firth` (bias-reduced fits), :mod:`~glm_lib.negbin` (negative binomial with alpha
estimated), :mod:`~glm_lib.multinomial` (softmax regression),
:mod:`~glm_lib.mixed` (random-intercept GLMs), :mod:`~glm_lib.ordinal` (cumulative-link models),
:mod:`~glm_lib.gee` (marginal models by estimating equations), :mod:`~glm_lib.tables`
(contingency tables), :mod:`~glm_lib.datasets`, and
:mod:`~glm_lib.symbolic` (exponential-family derivations with sympy), with
:mod:`~glm_lib.derivations` showing them in the book's notation.
"""

from . import datasets, diagnostics, firth, links, profile, tables, terms
from .anova import anova
from .errors import AliasedColumnsWarning, ConvergenceWarning, PerfectFitWarning, SeparationWarning
from .families import (
    Binomial,
    Family,
    Gamma,
    Gaussian,
    InverseGaussian,
    NegativeBinomial,
    Poisson,
    Quasi,
    QuasiBinomial,
    QuasiPoisson,
)
from .fitting import fit
from .formatting import inline
from .formula import glm, glm_nb
from .gee import GEEResults, fit_gee, gee
from .mixed import RandomInterceptResults, fit_random_intercept, marginal_loglike, random_intercept_glm
from .multinomial import MultinomialResults, fit_multinomial
from .negbin import fit_negative_binomial
from .ordinal import OrdinalResults, fit_ordinal, nominal_test, ordinal_glm
from .results import GLMResults
from .selection import add1, drop1

__version__ = "0.1.0"

__all__ = [
    "fit",
    "glm",
    "glm_nb",
    "fit_negative_binomial",
    "anova",
    "drop1",
    "add1",
    "diagnostics",
    "inline",
    "links",
    "datasets",
    "tables",
    "GLMResults",
    "fit_multinomial",
    "MultinomialResults",
    "fit_random_intercept",
    "random_intercept_glm",
    "marginal_loglike",
    "RandomInterceptResults",
    "fit_ordinal",
    "ordinal_glm",
    "nominal_test",
    "OrdinalResults",
    "gee",
    "fit_gee",
    "GEEResults",
    "Family",
    "Gaussian",
    "Binomial",
    "Poisson",
    "Gamma",
    "InverseGaussian",
    "NegativeBinomial",
    "QuasiPoisson",
    "Quasi",
    "QuasiBinomial",
    "ConvergenceWarning",
    "SeparationWarning",
    "AliasedColumnsWarning",
    "PerfectFitWarning",
]
