# Shared helpers for the fixture scripts (sourced, not run by `make r-fixtures`).
# Every script runs from the repository root: `Rscript tests/r/NAME.R`.
suppressPackageStartupMessages(library(jsonlite))

fixture_path <- function(name) file.path("tests", "r", "fixtures", paste0(name, ".json"))

# 15 significant digits (I(15)): R's answers to round-off, also for tiny p-values.
write_fixture <- function(x, name) {
  write_json(x, fixture_path(name), digits = I(15), auto_unbox = TRUE, null = "null",
             na = "null", pretty = FALSE)
  message("wrote ", fixture_path(name))
}

# A data frame as named columns, factors as strings, plus each factor's levels in R's order.
export_data <- function(df) {
  factors <- Filter(is.factor, df)
  columns <- lapply(df, function(col) if (is.factor(col)) as.character(col) else unname(col))
  list(columns = columns, levels = lapply(factors, levels),
       ordered = names(Filter(is.ordered, df)))
}

# R's families as glm_lib names them.
python_family <- function(family) {
  switch(family$family,
         gaussian = "Gaussian", binomial = "Binomial", poisson = "Poisson", Gamma = "Gamma",
         inverse.gaussian = "InverseGaussian", quasipoisson = "QuasiPoisson",
         quasibinomial = "QuasiBinomial", stop("no glm_lib family for ", family$family))
}

maybe <- function(expr) tryCatch(expr, error = function(e) NULL)

# Everything a glm_lib fit is compared with.
glm_record <- function(fit, newdata = NULL) {
  s <- summary(fit)
  ll <- maybe(logLik(fit))
  out <- list(
    coefficients = as.list(coef(fit)),
    se = as.list(s$coefficients[, 2]),
    deviance = deviance(fit), null_deviance = fit$null.deviance,
    df_residual = fit$df.residual, df_null = fit$df.null,
    dispersion = s$dispersion,
    loglik = if (is.null(ll)) NULL else as.numeric(ll),
    aic = if (is.null(ll)) NULL else AIC(fit), bic = if (is.null(ll)) NULL else BIC(fit),
    fitted = unname(fitted(fit)), prior_weights = unname(weights(fit, "prior")),
    hatvalues = unname(hatvalues(fit)), rstandard = unname(rstandard(fit)),
    cooks_distance = unname(cooks.distance(fit)),
    iterations = fit$iter
  )
  if (!is.null(newdata)) {
    link <- predict(fit, newdata, type = "link", se.fit = TRUE)
    resp <- predict(fit, newdata, type = "response", se.fit = TRUE)
    out$predict <- list(newdata = export_data(newdata),
                        link = unname(link$fit), link_se = unname(link$se.fit),
                        response = unname(resp$fit), response_se = unname(resp$se.fit))
  }
  out
}
