# The positive-continuous chapter (chapters/positive_continuous.ipynb): R's answers for the
# clotting times (Gamma, inverse link: each lot, and the two lots fitted jointly with their
# F tests) and Engel's food expenditure (Gamma with log link, MASS::gamma.shape, inverse
# Gaussian and log-normal AICs, Cook's distances and leverages, an independence GEE's
# sandwich standard errors, and a statmod::tweedie fit with the variance power the chapter
# estimates). Data from glm_lib/data.
# Run from the repository root: Rscript tests/r/chapter_positive_continuous.R
source("tests/r/_common.R")
suppressPackageStartupMessages({library(MASS); library(geepack); library(statmod)})

record <- function(fit) {
  s <- summary(fit)
  list(coefficients = unname(coef(fit)), se = unname(s$coefficients[, 2]), dispersion = s$dispersion,
       deviance = deviance(fit), df_residual = fit$df.residual,
       aic = if (is.na(AIC(fit))) NULL else AIC(fit))
}

clot <- read.csv("glm_lib/data/clotting.csv")
lot1 <- glm(lot1 ~ log(u), family = Gamma, data = clot, control = tight_control)
lot2 <- glm(lot2 ~ log(u), family = Gamma, data = clot, control = tight_control)
long <- data.frame(u = rep(clot$u, 2), time = c(clot$lot1, clot$lot2),
                   lot = factor(rep(c("lot1", "lot2"), each = nrow(clot))))
common <- glm(time ~ log(u), family = Gamma, data = long, control = tight_control)
shift <- glm(time ~ lot + log(u), family = Gamma, data = long, control = tight_control)
separate <- glm(time ~ lot * log(u), family = Gamma, data = long, control = tight_control)
lots_anova <- anova(common, shift, separate, test = "F")

engel <- read.csv("glm_lib/data/engel.csv")
gamma_fit <- glm(foodexp ~ log(income), family = Gamma(link = "log"), data = engel, control = tight_control)
shape <- gamma.shape(gamma_fit, it.lim = 100, eps.max = 1e-10)   # ML shape, fitted means held fixed (Newton, absolute step)
ig_fit <- glm(foodexp ~ log(income), family = inverse.gaussian(link = "log"), data = engel, control = tight_control)
lognormal <- lm(log(foodexp) ~ log(income), data = engel)

# The sandwich standard errors: an independence GEE with one household per cluster.
engel$household <- seq_len(nrow(engel))
gee <- geeglm(foodexp ~ log(income), family = Gamma(link = "log"), data = engel, id = household,
              corstr = "independence", control = geese.control(epsilon = 1e-12, maxit = 100))

# The variance power xi at which (y - mu)^2 / mu^xi shows no linear trend in log mu (the Gamma's
# fitted means), and quasi-likelihood with V(mu) = mu^xi at that power (statmod's tweedie family).
mu <- fitted(gamma_fit); y <- engel$foodexp
trend <- function(xi) sum((log(mu) - mean(log(mu))) * (y - mu)^2 / mu^xi)
xi_hat <- uniroot(trend, c(0, 6), tol = 1e-14)$root
tweedie_fit <- glm(foodexp ~ log(income), family = tweedie(var.power = xi_hat, link.power = 0), data = engel,
                   control = tight_control)

write_fixture(list(
  r_version = R.version.string,
  clotting = list(lot1 = record(lot1), lot2 = record(lot2),
                  anova = list(resid_dev = lots_anova[["Resid. Dev"]], df = lots_anova$Df,
                               deviance = lots_anova$Deviance, F = lots_anova$F, p = lots_anova[["Pr(>F)"]])),
  engel = list(
    gamma = c(record(gamma_fit), list(cooks_distance = unname(cooks.distance(gamma_fit)),
                                      hatvalues = unname(hatvalues(gamma_fit)))),
    gamma_shape = list(alpha = shape$alpha, se = shape$SE),
    inverse_gaussian_aic = AIC(ig_fit),
    lognormal_aic = AIC(lognormal), lognormal_aic_y_scale = AIC(lognormal) + 2 * sum(log(engel$foodexp)),
    gee = list(coefficients = unname(coef(gee)), se = unname(summary(gee)$coefficients[, "Std.err"])),
    tweedie = list(var_power = xi_hat, coefficients = unname(coef(tweedie_fit)),
                   se = unname(summary(tweedie_fit)$coefficients[, 2]),
                   dispersion = summary(tweedie_fit)$dispersion, deviance = deviance(tweedie_fit),
                   df_residual = tweedie_fit$df.residual)
  )
), "chapter_positive_continuous")
print(lots_anova)
print(c(alpha = shape$alpha, se = shape$SE, xi = xi_hat))
print(summary(gee)$coefficients)
print(summary(tweedie_fit)$coefficients)
