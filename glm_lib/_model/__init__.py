"""The model's pieces: link functions, families, input validation, errors and warnings, text formatting.

Imports nothing else from glm_lib: every other package builds on this one.
"""
