"""The engine: the IRLS loop and the other solvers, and the row-sum backends they run on.

``_irls`` holds Fisher scoring, Newton-Raphson, gradient descent and the closed
form; ``_backends`` (numpy) and ``_dask`` (dask arrays on a cluster) compute the
sums over rows X'WX, X'Wz and the deviance; ``_linalg`` forms X'WX in
blocks and checks the rank; ``_separation`` detects separation; ``_firth`` is
Firth's bias-reduced scoring.

May import: ``glm_lib._model``.
"""
