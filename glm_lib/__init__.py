"""glm_lib: generalized linear models for the open GLM course.

>>> import glm_lib as gl
>>> df = gl.datasets.load_dobson()
>>> res = gl.glm("counts ~ outcome + treatment", data=df, family=gl.Poisson())
>>> round(res.deviance, 4)
5.1291

The public API is this namespace (``gl.glm``, ``gl.fit``, the families, the
fitters of the other models) and a few public modules: :mod:`glm_lib.links`,
:mod:`glm_lib.datasets`, :mod:`glm_lib.diagnostics`, :mod:`glm_lib.tables`, :mod:`glm_lib.firth`,
:mod:`glm_lib.priors`, :mod:`glm_lib.profile`, :mod:`glm_lib.survival`, :mod:`glm_lib.symbolic` and
:mod:`glm_lib.derivations`.

The implementation lives in private packages, one per job, whose imports flow
one way (each package's docstring says what it may import):

- ``_model``: links, families, validation, errors, formatting;
- ``_engine``: the IRLS loop and solvers on numpy or dask row-sum backends;
- ``_formula``: the R formula language;
- ``_symbolic``: exponential-family derivations with SymPy;
- ``_data``: shipped data sets and contingency tables;
- ``_glm``: ``fit``, ``glm`` and ``GLMResults``;
- ``_inference``: ``anova``, ``drop1``/``add1`` and diagnostics;
- ``_models``: negative binomial, multinomial, ordinal, GEE, mixed models.
"""

from . import datasets, derivations, diagnostics, firth, links, priors, profile, survival, symbolic, tables
from ._glm._fit import fit
from ._glm._frontend import glm
from ._glm._results import GLMResults
from ._inference._anova import anova
from ._inference._qaic import qaic
from ._inference._selection import add1, drop1
from ._model._errors import AliasedColumnsWarning, ConvergenceWarning, PerfectFitWarning, SeparationWarning
from ._model._families import (
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
    Tweedie,
)
from ._model._formatting import inline
from ._models._bayes import BayesGLMResults, bayes_glm
from ._models._betabinomial import BetaBinomialResults, betabinomial_glm
from ._models._gee import GEEResults, fit_gee, gee
from ._models._glmm import GLMMResults, glmer
from ._models._lmm import LMMResults, SingularFitWarning, lmer
from ._models._mixed import marginal_loglike, random_intercept_glm
from ._models._multinomial import MultinomialResults, fit_multinomial, multinom
from ._models._nb1 import NB1Results, glm_nb1
from ._models._negbin import fit_negative_binomial, glm_nb
from ._models._ordinal import OrdinalResults, fit_ordinal, nominal_test, ordinal_glm
from ._models._zeroinfl import ZeroCountResults, hurdle, zeroinfl

__version__ = "0.1.0"

__all__ = [
    "fit",
    "glm",
    "glm_nb",
    "fit_negative_binomial",
    "glm_nb1",
    "NB1Results",
    "anova",
    "drop1",
    "add1",
    "qaic",
    "inline",
    "GLMResults",
    "fit_multinomial",
    "multinom",
    "MultinomialResults",
    "lmer",
    "glmer",
    "GLMMResults",
    "LMMResults",
    "SingularFitWarning",
    "random_intercept_glm",
    "marginal_loglike",
    "fit_ordinal",
    "ordinal_glm",
    "nominal_test",
    "OrdinalResults",
    "gee",
    "zeroinfl",
    "betabinomial_glm",
    "BetaBinomialResults",
    "bayes_glm",
    "BayesGLMResults",
    "hurdle",
    "ZeroCountResults",
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
    "Tweedie",
    "ConvergenceWarning",
    "SeparationWarning",
    "AliasedColumnsWarning",
    "PerfectFitWarning",
    "datasets",
    "derivations",
    "diagnostics",
    "firth",
    "links",
    "priors",
    "profile",
    "survival",
    "symbolic",
    "tables",
]
