"""Inference after Firth's bias-reduced fit (``gl.fit(..., method="firth")``).

Wald statistics are unreliable near separation; Heinze and Schemper (2002) test
and estimate with the penalised likelihood ``l(beta) + 0.5 log det I(beta)``:
``penalised_lrt`` tests terms (as ``gl.drop1`` on a Firth fit does), and
``conf_int(method="profile")`` gives penalised profile-likelihood intervals.
``penalised_deviance`` is ``-2`` times that penalised log-likelihood, up to a constant.
"""

# The API is the implementation modules' public names, and nothing else.
from ._engine._firth import penalised_deviance  # noqa: F401
from ._inference._firth import penalised_lrt  # noqa: F401

__all__ = ["penalised_lrt", "penalised_deviance"]
