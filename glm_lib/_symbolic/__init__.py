"""The symbolic engine: exponential-family forms derived with SymPy, in the book's notation.

May import: ``glm_lib._model``.
"""
