# The Poisson-regression chapter (chapters/poisson_regression.ipynb): R's answers for the
# horseshoe crabs (Poisson, MASS::glm.nb, and pscl's zero-inflated and hurdle models), the
# ships' Poisson and quasi-Poisson fits with the offset log(service), their tests of period
# and the profile-likelihood interval of type C, and Long's biochemists (an exercise:
# glm.nb, zero-inflated and hurdle negative binomial). Data from glm_lib/data, so R fits
# the chapter's rows.
# Run from the repository root: Rscript tests/r/chapter_poisson_regression.R
source("tests/r/_common.R")
suppressPackageStartupMessages({library(MASS); library(pscl)})

coef_record <- function(fit) {
  s <- summary(fit)$coefficients
  list(coefficients = as.list(coef(fit)), se = as.list(s[, 2]))
}

crabs <- read.csv("glm_lib/data/crabs.csv")
crab_poisson <- glm(satellites ~ width, family = poisson, data = crabs, control = tight_control)
crab_nb <- glm.nb(satellites ~ width, data = crabs, control = tight_control)
# glm.nb's SE.theta is computed at the fitted means of its last-but-one alternation; theta.ml at
# the final fitted means gives the standard error at the joint maximum.
se_theta_at_fit <- attr(theta.ml(crabs$satellites, fitted(crab_nb), limit = 100, eps = 1e-14), "SE")

ships <- read.csv("glm_lib/data/ships.csv", stringsAsFactors = TRUE)
ships <- subset(ships, service > 0)
ships$year <- factor(ships$year); ships$period <- factor(ships$period)
ships_full <- glm(incidents ~ type + year + period, offset = log(service), family = poisson,
                  data = ships, control = tight_control)
ships_no_period <- update(ships_full, . ~ . - period)
period_lr <- anova(ships_no_period, ships_full, test = "Chisq")
quasi_full <- update(ships_full, family = quasipoisson)
quasi_no_period <- update(quasi_full, . ~ . - period)
period_f <- anova(quasi_no_period, quasi_full, test = "F")

# pscl: BFGS to a tight relative tolerance (its default stops at reltol = 1e-8). pscl's
# standard errors come from optim's finite-difference Hessian of the analytic score.
zi_control <- zeroinfl.control(reltol = 1e-14, maxit = 10000)
hurdle_ctl <- hurdle.control(reltol = 1e-14, maxit = 10000)
count_record <- function(fit) {
  s <- summary(fit)$coefficients
  se <- c(setNames(s$count[, 2], paste0("count_", rownames(s$count))),
          setNames(s$zero[, 2], paste0("zero_", rownames(s$zero))))
  list(coefficients = as.list(coef(fit)), se = as.list(se[names(coef(fit))]),
       loglik = as.numeric(logLik(fit)), aic = AIC(fit),
       theta = if (is.null(fit$theta)) NULL else unname(fit$theta),
       expected_zeros = sum(predict(fit, type = "prob")[, 1]))
}
zero_models <- list(
  zip = zeroinfl(satellites ~ width | width, data = crabs, dist = "poisson", control = zi_control),
  zinb = zeroinfl(satellites ~ width | width, data = crabs, dist = "negbin", control = zi_control),
  hurdle_poisson = hurdle(satellites ~ width | width, data = crabs, dist = "poisson", control = hurdle_ctl),
  hurdle_nb = hurdle(satellites ~ width | width, data = crabs, dist = "negbin", control = hurdle_ctl)
)

# Long (1990): articles of 915 biochemistry PhD students.
articles <- read.csv("glm_lib/data/biochemists.csv")
articles$fem <- factor(articles$fem, levels = c("Men", "Women"))       # pscl's bioChemists levels,
articles$mar <- factor(articles$mar, levels = c("Single", "Married"))  # as glm_lib's loader sets them
bio_formula <- art ~ fem + mar + kid5 + phd + ment
bio_nb <- glm.nb(bio_formula, data = articles, control = tight_control)
bio_zinb <- zeroinfl(bio_formula, data = articles, dist = "negbin", control = zi_control)
bio_hnb <- hurdle(bio_formula, data = articles, dist = "negbin", control = hurdle_ctl)

write_fixture(list(
  r_version = R.version.string, pscl_version = as.character(packageVersion("pscl")),
  crab_poisson = c(coef_record(crab_poisson),
                   list(deviance = deviance(crab_poisson), df_residual = crab_poisson$df.residual)),
  crab_nb = c(coef_record(crab_nb),
              list(theta = crab_nb$theta, se_theta = crab_nb$SE.theta, se_theta_at_fit = se_theta_at_fit,
                   aic = AIC(crab_nb))),
  ships = list(deviance = deviance(ships_full), df_residual = ships_full$df.residual,
               pearson_chi2 = sum(residuals(ships_full, "pearson")^2),
               # MASS's confint.glm: the profile-likelihood interval for type C (log scale)
               profile_type_c = as.list(setNames(confint(ships_full, "typeC", trace = FALSE), c("lower", "upper")))),
  ships_period_lr = list(deviance = period_lr$Deviance[2], df = period_lr$Df[2], p = period_lr[["Pr(>Chi)"]][2]),
  ships_period_f = list(F = period_f$F[2], df = period_f$Df[2], p = period_f[["Pr(>F)"]][2]),
  zero_models = lapply(zero_models, count_record),
  biochemists = list(nb_aic = AIC(bio_nb), zinb = count_record(bio_zinb), hurdle_nb = count_record(bio_hnb))
), "chapter_poisson_regression")
print(lapply(zero_models, function(fit) c(logLik = as.numeric(logLik(fit)), converged = fit$converged)))
print(c(bio_zinb = bio_zinb$converged, bio_hnb = bio_hnb$converged))
