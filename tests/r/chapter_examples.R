# R's answers for the worked examples of the Poisson-regression and
# positive-continuous chapters: the crabs' negative binomial (MASS::glm.nb),
# the ships' quasi-Poisson F test, the two clotting lots fitted jointly, and
# Engel's food expenditure under gamma, inverse Gaussian and log-normal models
# (with MASS::gamma.shape's maximum-likelihood shape).
# The chapters quote R's printed digits; tests/test_chapter_examples.py holds
# glm_lib to these numbers.
source("tests/r/_common.R")
suppressPackageStartupMessages(library(MASS))

ctl <- glm.control(epsilon = 1e-12, maxit = 100)

crabs <- read.csv("glm_lib/data/crabs.csv")
nb <- glm.nb(satellites ~ width, data = crabs, control = ctl)
crabs_nb <- list(
  coefficients = as.list(coef(nb)), se = as.list(summary(nb)$coefficients[, 2]),
  theta = nb$theta, se_theta = nb$SE.theta, twologlik = nb$twologlik, aic = AIC(nb),
  deviance = deviance(nb), df_residual = nb$df.residual
)

ships <- read.csv("glm_lib/data/ships.csv")
ships <- subset(ships, service > 0)
ships$year <- factor(ships$year); ships$period <- factor(ships$period)
full <- glm(incidents ~ type + year + period, offset = log(service), family = quasipoisson,
            data = ships, control = ctl)
reduced <- update(full, . ~ . - period)
f_test <- anova(reduced, full, test = "F")
ships_quasi <- list(
  dispersion = summary(full)$dispersion, deviance = deviance(full), df_residual = full$df.residual,
  deviance_drop = f_test$Deviance[2], df = f_test$Df[2], F = f_test$F[2], p_F = f_test[["Pr(>F)"]][2],
  p_chisq = pchisq(f_test$Deviance[2], f_test$Df[2], lower.tail = FALSE)
)

clot <- read.csv("glm_lib/data/clotting.csv")
long <- data.frame(u = rep(clot$u, 2), time = c(clot$lot1, clot$lot2),
                   lot = factor(rep(c("lot1", "lot2"), each = nrow(clot))))
common <- glm(time ~ log(u), family = Gamma, data = long, control = ctl)
shift <- glm(time ~ lot + log(u), family = Gamma, data = long, control = ctl)
separate <- glm(time ~ lot * log(u), family = Gamma, data = long, control = ctl)
tab <- anova(common, shift, separate, test = "F")
clotting_lots <- list(
  separate = list(coefficients = as.list(coef(separate)), se = as.list(summary(separate)$coefficients[, 2]),
                  dispersion = summary(separate)$dispersion, deviance = deviance(separate),
                  df_residual = separate$df.residual),
  anova = list(resid_df = tab[["Resid. Df"]], resid_dev = tab[["Resid. Dev"]], df = tab$Df,
               deviance = tab$Deviance, F = tab$F, p = tab[["Pr(>F)"]])
)

engel <- read.csv("glm_lib/data/engel.csv")
engel_gamma <- glm(foodexp ~ log(income), family = Gamma(link = "log"), data = engel, control = ctl)
engel_ig <- glm(foodexp ~ log(income), family = inverse.gaussian(link = "log"), data = engel, control = ctl)
engel_lognormal <- lm(log(foodexp) ~ log(income), data = engel)
record <- function(fit) list(coefficients = as.list(coef(fit)), se = as.list(summary(fit)$coefficients[, 2]),
                             dispersion = summary(fit)$dispersion, deviance = deviance(fit), aic = AIC(fit))
shape <- gamma.shape(engel_gamma)   # ML shape with the fitted means held fixed
engel_fits <- list(
  gamma = record(engel_gamma), inverse_gaussian = record(engel_ig),
  gamma_shape = list(alpha = shape$alpha, se = shape$SE),
  lognormal = list(coefficients = as.list(coef(engel_lognormal)), aic_log_scale = AIC(engel_lognormal),
                   aic_y_scale = AIC(engel_lognormal) + 2 * sum(log(engel$foodexp)))
)

write_fixture(list(r_version = R.version.string, crabs_nb = crabs_nb, ships_quasi = ships_quasi,
                   clotting_lots = clotting_lots, engel = engel_fits), "chapter_examples")
print(engel_fits$gamma[c("coefficients", "se", "dispersion", "aic")])
print(c(ig = AIC(engel_ig), lognormal_y = engel_fits$lognormal$aic_y_scale))
print(crabs_nb[c("coefficients", "se", "theta", "se_theta", "aic")])
print(ships_quasi)
print(tab)
print(summary(separate)$coefficients)
