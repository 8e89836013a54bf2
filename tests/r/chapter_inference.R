# R's numbers for the inference chapter (chapters/inference.ipynb):
#   - the car-insurance claims (glm_lib/data/insurance.csv, MASS's Insurance with Group and Age
#     as unordered factors): the Poisson fit with offset log(Holders), its sequential (anova) and
#     type II (drop1) analyses of deviance, and its profile (MASS's confint) and Wald intervals,
#     with the exact profile limits (the deviance rise solved for 3.84 by uniroot) beside
#     confint's spline-interpolated ones;
#   - the two lots of clotting times (glm_lib/data/clotting.csv): gamma fits with two lines and
#     with a quadratic term, and their F and chi-squared tests;
#   - the biochemists' articles (glm_lib/data/biochemists.csv, pscl's bioChemists): Poisson and
#     quasi-Poisson fits with and without `mar`.
# Every fit uses glm.control(epsilon = 1e-12, maxit = 100). The estimated dispersions, and the
# tests that divide by them, are also recorded for fits stopped by R's default rule
# (default_control): summary.glm's dispersion uses the working weights of the last IRLS step, one
# iterate behind the estimate, as the chapter's default fits do.
# Run from the repository root: Rscript tests/r/chapter_inference.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(MASS))

ctl <- glm.control(epsilon = 1e-12, maxit = 100)
default_ctl <- glm.control()

# --- insurance ----------------------------------------------------------------------------
insurance <- read.csv(file.path("glm_lib", "data", "insurance.csv"))
insurance$District <- factor(insurance$District)
insurance$Group <- factor(insurance$Group, levels = c("<1l", "1-1.5l", "1.5-2l", ">2l"))
insurance$Age <- factor(insurance$Age, levels = c("<25", "25-29", "30-35", ">35"))
stopifnot(nrow(insurance) == 64, !anyNA(insurance))

full <- glm(Claims ~ District + Group + Age + offset(log(Holders)), family = poisson,
            data = insurance, control = ctl)
sequential <- anova(full, test = "Chisq")
type2 <- drop1(full, test = "Chisq")
profile_ci <- suppressMessages(confint(full))   # MASS's confint.glm: profile likelihood
wald_ci <- confint.default(full)

# The exact profile limits: where the deviance, minimised over the other coefficients with
# coefficient j held at b, exceeds its minimum by the 95% point of chi-squared(1).
X <- model.matrix(full)
exact_profile <- t(sapply(seq_len(ncol(X)), function(j) {
  rise <- function(b) {
    held <- glm.fit(X[, -j, drop = FALSE], full$y, offset = full$offset + b * X[, j],
                    family = poisson(), control = ctl)
    held$deviance - deviance(full) - qchisq(0.95, 1)
  }
  b <- coef(full)[j]; se <- sqrt(vcov(full)[j, j])
  c(uniroot(rise, c(b - 3 * se, b), tol = 1e-12)$root, uniroot(rise, c(b, b + 3 * se), tol = 1e-12)$root)
}))

insurance_record <- list(
  names = names(coef(full)), coefficients = unname(coef(full)),
  deviance = deviance(full), df_residual = full$df.residual,
  null_deviance = full$null.deviance, df_null = full$df.null,
  pearson_chi2 = sum(residuals(full, type = "pearson")^2),
  sequential = list(terms = rownames(sequential)[-1], df = sequential$Df[-1],
                    deviance = sequential$Deviance[-1], p = sequential[["Pr(>Chi)"]][-1],
                    resid_deviance = sequential[["Resid. Dev"]]),
  drop1 = list(terms = rownames(type2)[-1], df = type2$Df[-1], lrt = type2$LRT[-1],
               p = type2[["Pr(>Chi)"]][-1]),
  confint_profile = list(lower = unname(profile_ci[, 1]), upper = unname(profile_ci[, 2])),
  profile_exact = list(lower = unname(exact_profile[, 1]), upper = unname(exact_profile[, 2])),
  confint_wald = list(lower = unname(wald_ci[, 1]), upper = unname(wald_ci[, 2]))
)

# --- clotting times, both lots ------------------------------------------------------------
clotting <- read.csv(file.path("glm_lib", "data", "clotting.csv"))
clot <- data.frame(u = rep(clotting$u, 2), time = c(clotting$lot1, clotting$lot2),
                   lot = factor(rep(c("lot1", "lot2"), each = nrow(clotting))))
clotting_tests <- function(control) {
  lines <- glm(time ~ log(u) * lot, family = Gamma, data = clot, control = control)
  curved <- glm(time ~ log(u) * lot + I(log(u)^2), family = Gamma, data = clot, control = control)
  f <- anova(lines, curved, test = "F")
  chisq <- anova(lines, curved, test = "Chisq")
  list(lines = list(dispersion = summary(lines)$dispersion, deviance = deviance(lines),
                    df_residual = lines$df.residual),
       curved = list(dispersion = summary(curved)$dispersion, deviance = deviance(curved),
                     df_residual = curved$df.residual),
       deviance_drop = f$Deviance[2], F = f$F[2], p_F = f[["Pr(>F)"]][2], p_chisq = chisq[["Pr(>Chi)"]][2])
}

# --- biochemists ---------------------------------------------------------------------------
articles <- read.csv(file.path("glm_lib", "data", "biochemists.csv"))
articles$fem <- factor(articles$fem, levels = c("Men", "Women"))
articles$mar <- factor(articles$mar, levels = c("Single", "Married"))
stopifnot(nrow(articles) == 915)
biochemists_tests <- function(control) {
  pois <- glm(art ~ fem + mar + kid5 + phd + ment, family = poisson, data = articles, control = control)
  quasi <- glm(art ~ fem + mar + kid5 + phd + ment, family = quasipoisson, data = articles, control = control)
  pois0 <- update(pois, . ~ . - mar)
  quasi0 <- update(quasi, . ~ . - mar)
  chisq <- anova(pois0, pois, test = "Chisq")
  f <- anova(quasi0, quasi, test = "F")
  list(n = nrow(articles), pearson_chi2 = sum(residuals(pois, type = "pearson")^2),
       df_residual = pois$df.residual, quasi_dispersion = summary(quasi)$dispersion,
       lr = chisq$Deviance[2], p_lr = chisq[["Pr(>Chi)"]][2], F = f$F[2], p_F = f[["Pr(>F)"]][2],
       p_wald_poisson = summary(pois)$coefficients["marMarried", 4],
       p_wald_quasi = summary(quasi)$coefficients["marMarried", 4])
}

write_fixture(list(
  r_version = R.version.string,
  insurance = insurance_record,
  clotting = clotting_tests(ctl),
  biochemists = biochemists_tests(ctl),
  default_control = list(clotting = clotting_tests(default_ctl), biochemists = biochemists_tests(default_ctl))
), "chapter_inference")
