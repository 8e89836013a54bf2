"""Models beyond one GLM: negative binomial, multinomial, ordinal, GEE and mixed models.

Each reuses the shared validation, formula and summary machinery.

May import: ``glm_lib._model``, ``glm_lib._engine``, ``glm_lib._formula``, ``glm_lib._glm``, ``glm_lib._inference``.
"""
