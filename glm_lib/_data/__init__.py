"""Data shipped with the package (loaders reading ``glm_lib/data``) and contingency-table helpers.

May import: ``glm_lib._model``.
"""
