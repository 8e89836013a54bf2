"""The R formula language: parsing, model frames, factors and their levels, terms.

Turns ``"y ~ x + factor(g)"`` and a DataFrame into a response, a design and an
offset; fits nothing.

May import: ``glm_lib._model``.
"""
