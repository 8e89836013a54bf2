# statmod's tweedie(var.power = xi, link.power = 0) family (quasi-likelihood with V(mu) = mu^xi and
# the log link) on shipped data: Engel's food expenditure at xi = 2.5 and 1.5 (the positive-continuous
# chapter's model, log food expenditure against log income), the biochemists' article counts, which
# include zeros, at xi = 1.5, and lot 1 of the clotting times at xi = 3, cross-checked against
# quasi(variance = "mu^3"). Estimates, standard errors, dispersion, deviances and degrees of freedom.
# Writes tests/r/fixtures/tweedie.json. Data from glm_lib/data.
# Run from the repository root: Rscript tests/r/tweedie.R
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages(library(statmod))

engel <- read.csv("glm_lib/data/engel.csv")
engel$log_income <- log(engel$income)
biochemists <- read.csv("glm_lib/data/biochemists.csv")
clotting <- read.csv("glm_lib/data/clotting.csv")

cases <- list(
  list(name = "engel_2.5", data = engel, formula = "foodexp ~ log_income", var_power = 2.5),
  list(name = "engel_1.5", data = engel, formula = "foodexp ~ log_income", var_power = 1.5),
  list(name = "biochemists_1.5", data = biochemists, formula = "art ~ fem + mar + kid5 + phd + ment",
       var_power = 1.5),
  list(name = "clotting_3", data = clotting, formula = "lot1 ~ log(u)", var_power = 3)
)

run_case <- function(case) {
  message(case$name)
  fit <- glm(as.formula(case$formula), family = tweedie(var.power = case$var_power, link.power = 0),
             data = case$data, control = tight_control)
  s <- summary(fit)
  list(name = case$name, formula = case$formula, var_power = case$var_power,
       coefficients = unname(coef(fit)), se = unname(s$coefficients[, 2]), dispersion = s$dispersion,
       deviance = deviance(fit), null_deviance = fit$null.deviance,
       df_residual = fit$df.residual, df_null = fit$df.null, aic = AIC(fit),
       n_zeros = sum(fit$y == 0))
}

results <- lapply(cases, run_case)
names(results) <- vapply(cases, function(case) case$name, "")

# xi = 3 is quasi(variance = "mu^3"): the same fit.
quasi3 <- glm(lot1 ~ log(u), family = quasi(link = "log", variance = "mu^3"), data = clotting,
              control = tight_control)
s3 <- summary(quasi3)
results$clotting_3$quasi_mu3 <- list(coefficients = unname(coef(quasi3)), se = unname(s3$coefficients[, 2]),
                                     dispersion = s3$dispersion, deviance = deviance(quasi3),
                                     null_deviance = quasi3$null.deviance)
stopifnot(isTRUE(all.equal(results$clotting_3$coefficients, results$clotting_3$quasi_mu3$coefficients,
                           tolerance = 1e-10)))

write_fixture(list(r_version = R.version.string, statmod_version = as.character(packageVersion("statmod")),
                   cases = results), "tweedie")
