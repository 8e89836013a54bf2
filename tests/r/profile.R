# Profile-likelihood confidence intervals: MASS's confint() on glm and glm.nb fits
# (R < 4.4; stats has the same method since 4.4), and the exact ends, solved with
# uniroot on the same profile deviance, for glm_lib's exact solver.
# Writes tests/r/fixtures/profile.json.
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages(library(MASS))

control <- tight_control
budworm <- budworm_data()
birth <- birthwt_data(c("low", "age", "lwt", "race", "smoke"))
ships <- ships_data()
cars <- mtcars_data(c("mpg", "wt", "am"))
quine_d <- quine_data()

cases <- list(
  list(name = "binomial_logit_budworm", data = budworm, family = binomial(),
       formula = "cbind(numdead, numalive) ~ sex + ldose"),
  list(name = "binomial_probit_budworm", data = budworm, family = binomial("probit"),
       formula = "cbind(numdead, numalive) ~ sex + ldose"),
  list(name = "binomial_logit_binary_birthwt", data = birth, family = binomial(),
       formula = "low ~ age + lwt + race + smoke"),
  list(name = "poisson_log_insectsprays", data = InsectSprays, family = poisson(),
       formula = "count ~ spray"),
  list(name = "poisson_intercept_only", data = InsectSprays, family = poisson(),
       formula = "count ~ 1"),
  list(name = "poisson_log_offset_ships", data = ships, family = poisson(),
       formula = "incidents ~ type + year + period", offset = "logservice"),
  list(name = "gaussian_identity_warpbreaks", data = warpbreaks, family = gaussian(),
       formula = "breaks ~ wool + tension"),
  list(name = "gamma_log_mtcars", data = cars, family = Gamma("log"),
       formula = "mpg ~ wt + am"),
  list(name = "inverse_gaussian_log_mtcars", data = cars, family = inverse.gaussian("log"),
       formula = "mpg ~ wt"),
  list(name = "quasipoisson_quine", data = quine_d, family = quasipoisson(),
       formula = "Days ~ Eth + Sex + Age"),
  list(name = "quasibinomial_budworm", data = budworm, family = quasibinomial(),
       formula = "cbind(numdead, numalive) ~ sex + ldose")
)

# The profile deviance of coefficient j at b, as MASS's profile.glm computes it.
profile_dev <- function(fit, j, b, offset) {
  X <- model.matrix(fit)
  glm.fit(X[, -j, drop = FALSE], fit$y, weights = fit$prior.weights,
          offset = offset + X[, j] * b, family = family(fit), control = control)$deviance
}

# Solve (D_j(b) - D) / dispersion = qnorm(0.975)^2 on each side, near R's spline ends.
exact_ends <- function(fit, offset) {
  dispersion <- summary(fit)$dispersion
  se <- sqrt(diag(vcov(fit)))
  target <- qnorm(0.975)^2
  t(sapply(seq_along(coef(fit)), function(j) {
    est <- coef(fit)[[j]]
    f <- function(b) (profile_dev(fit, j, b, offset) - deviance(fit)) / dispersion - target
    lower <- uniroot(f, c(est - 10 * se[[j]], est), tol = 1e-13)$root
    upper <- uniroot(f, c(est, est + 10 * se[[j]]), tol = 1e-13)$root
    c(lower, upper)
  }))
}

run_case <- function(case) {
  message(case$name)
  df <- case$data
  offset <- if (is.null(case$offset)) rep(0, nrow(df)) else df[[case$offset]]
  fit <- glm(as.formula(case$formula), family = case$family, data = df, offset = offset,
             control = control)
  ci <- suppressMessages(confint(fit))
  ci <- matrix(ci, ncol = 2)
  list(name = case$name, formula = case$formula, family = python_family(case$family),
       link = case$family$link, offset = case$offset, data = export_data(df),
       coefficients = unname(coef(fit)),
       confint = list(lower = ci[, 1], upper = ci[, 2]),
       exact = {e <- exact_ends(fit, offset); list(lower = e[, 1], upper = e[, 2])})
}

nb <- glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine_d, control = control)
nb_ci <- suppressMessages(confint(nb))
nb_exact <- exact_ends(nb, rep(0, nrow(quine_d)))

# Quasi-complete separation (NV = 1 only with HG = 1): R's spline confint for NV is
# meaningless; the exact lower end solves the profile equation on [0, 10].
suppressPackageStartupMessages(library(brglm2))
data("endometrial", package = "brglm2")
endo <- glm(HG ~ NV + PI + EH, family = binomial(), data = endometrial, control = control)
endo_ci <- suppressWarnings(suppressMessages(confint(endo)))
endo_f <- function(b) (profile_dev(endo, 2, b, rep(0, nrow(endometrial))) - deviance(endo)) - qnorm(0.975)^2
endo_nv_lower <- uniroot(endo_f, c(0, 10), tol = 1e-13)$root

write_fixture(list(
  separated = list(name = "binomial_separated_endometrial", formula = "HG ~ NV + PI + EH",
                   data = export_data(endometrial),
                   confint = list(lower = unname(endo_ci[, 1]), upper = unname(endo_ci[, 2])),
                   nv_lower_exact = endo_nv_lower),
  r_version = R.version.string,
  mass_version = as.character(packageVersion("MASS")),
  glm = lapply(cases, run_case),
  glm_nb = list(name = "negbin_log_quine", formula = "Days ~ Eth + Sex + Age + Lrn",
                data = export_data(quine_d), theta = nb$theta, coefficients = unname(coef(nb)),
                confint = list(lower = unname(nb_ci[, 1]), upper = unname(nb_ci[, 2])),
                exact = list(lower = nb_exact[, 1], upper = nb_exact[, 2]))
), "profile")
