# Firth's bias-reduced estimates: brglm2::brglmFit with type = "AS_mean" (mean-bias
# reduction = Jeffreys-prior penalty for canonical links), for the logit (with and
# without separation, binary and binomial counts) and the Poisson log link.
# Writes tests/r/fixtures/firth.json.
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages({library(MASS); library(brglm2)})

data("endometrial", package = "brglm2")
budworm <- budworm_data()
# A Poisson table with an all-zero group: the ML estimate of its effect is -Inf.
zeros <- data.frame(count = c(0, 0, 0, 3, 5, 2, 4, 1, 6, 8, 7, 9),
                    group = factor(rep(c("a", "b", "c"), each = 4)),
                    x = c(0.2, 1.1, -0.4, 0.8, -1.0, 0.3, 0.9, -0.2, 0.5, 1.4, -0.7, 0.1))

cases <- list(
  list(name = "logit_separated_endometrial", data = endometrial, family = binomial(),
       formula = "HG ~ NV + PI + EH"),
  list(name = "logit_counts_budworm", data = budworm, family = binomial(),
       formula = "cbind(numdead, numalive) ~ sex + ldose"),
  list(name = "poisson_insectsprays", data = InsectSprays, family = poisson(),
       formula = "count ~ spray"),
  list(name = "poisson_zero_group", data = zeros, family = poisson(),
       formula = "count ~ group + x")
)

run_case <- function(case) {
  message(case$name)
  fit <- glm(as.formula(case$formula), family = case$family, data = case$data,
             method = "brglmFit", type = "AS_mean", epsilon = 1e-12, maxit = 200)
  list(name = case$name, formula = case$formula, family = python_family(case$family),
       link = case$family$link, data = export_data(case$data),
       coefficients = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       deviance = deviance(fit), fitted = unname(fitted(fit)), converged = fit$converged)
}

write_fixture(list(r_version = R.version.string,
                   brglm2_version = as.character(packageVersion("brglm2")),
                   cases = lapply(cases, run_case)), "firth")
