"""Inference on fitted GLMs: analysis of deviance, drop1/add1, model-checking diagnostics.

May import: ``glm_lib._model``, ``glm_lib._engine``, ``glm_lib._formula``, ``glm_lib._glm``.
"""
