"""One GLM: ``fit`` and the formula front end ``glm``, its results, profile-likelihood intervals.

``_fit`` runs the engine and wraps the converged state in ``GLMResults``;
``_frontend`` and ``_dask`` turn a formula and a DataFrame (in memory or dask)
into a fit.

May import: ``glm_lib._model``, ``glm_lib._engine``, ``glm_lib._formula``.
"""
