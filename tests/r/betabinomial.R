# Beta-binomial regression (VGAM::vglm(..., betabinomial)) on VGAM's lirat, tightly
# converged, for tests/test_betabinomial.py: mean coefficients, logit(rho) and the
# log-likelihood (VGAM's standard errors come from the expected information).
source("tests/r/_common.R")
suppressPackageStartupMessages(library(VGAM))
data(lirat, package = "VGAM")
lirat$grp <- factor(lirat$grp)
tight <- vglm.control(epsilon = 1e-13, maxit = 500, trace = FALSE)
record <- function(fit) {
  cf <- coef(fit)
  list(coefficients = unname(cf[names(cf) != "(Intercept):2"]), logit_rho = unname(cf["(Intercept):2"]),
       loglik = as.numeric(logLik(fit)), aic = AIC(fit), se_expected = unname(sqrt(diag(vcov(fit)))),
       fitted = unname(fitted(fit)[c(1, 20, 40), 1]))
}
fit_hb <- suppressWarnings(vglm(cbind(R, N - R) ~ hb, betabinomial, data = lirat, control = tight))
fit_grp <- suppressWarnings(vglm(cbind(R, N - R) ~ grp, betabinomial, data = lirat, control = tight))
binom <- glm(cbind(R, N - R) ~ hb, binomial, data = lirat)
write_fixture(list(hb = record(fit_hb), grp = record(fit_grp),
                   binomial_deviance = deviance(binom), binomial_df = df.residual(binom)), "betabinomial")
