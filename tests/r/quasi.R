# R's quasi(link, variance) family with each built-in variance function: estimates,
# standard errors, dispersion and deviance. Writes tests/r/fixtures/quasi.json.
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages(library(MASS))

control <- tight_control
budworm <- budworm_data()
budworm$prop <- budworm$numdead / 20
budworm$total <- 20
cars <- mtcars_data(c("mpg", "wt", "hp"))
quine_d <- quine_data()

cases <- list(
  list(name = "constant_identity_mtcars", data = cars, link = "identity", variance = "constant",
       formula = "mpg ~ wt + hp"),
  list(name = "mu1mu_logit_budworm", data = budworm, link = "logit", variance = "mu(1-mu)",
       formula = "prop ~ sex + ldose", weights = "total"),
  list(name = "mu_log_quine", data = quine_d, link = "log", variance = "mu", formula = "Days ~ Eth + Sex + Age"),
  list(name = "mu2_log_mtcars", data = cars, link = "log", variance = "mu^2", formula = "mpg ~ wt + hp"),
  list(name = "mu3_log_mtcars", data = cars, link = "log", variance = "mu^3", formula = "mpg ~ wt")
)

run_case <- function(case) {
  message(case$name)
  df <- case$data
  w <- if (is.null(case$weights)) rep(1, nrow(df)) else df[[case$weights]]
  fit <- glm(as.formula(case$formula), family = do.call(quasi, list(link = case$link, variance = case$variance)),
             data = df, weights = w, control = control)
  s <- summary(fit)
  list(name = case$name, formula = case$formula, link = case$link, variance = case$variance,
       weights = case$weights, data = export_data(df),
       coefficients = unname(coef(fit)), se = unname(s$coefficients[, 2]),
       dispersion = s$dispersion, deviance = deviance(fit), null_deviance = fit$null.deviance)
}

write_fixture(list(r_version = R.version.string, cases = lapply(cases, run_case)), "quasi")
