# The model-checking chapter (chapters/model_checking.ipynb): R's answers for the Challenger
# O-ring fit (the forecast at 31 F with its Wald and profile-likelihood intervals, and the
# influence measures of every flight, covratio among them), the car-insurance Poisson fit's diagnostics, the Pima
# logistic fit with a cubic B-spline in age, and the crabs' NB1 (Var = phi mu, by maximum
# likelihood) and NB2 (MASS::glm.nb) fits. Data from glm_lib/data.
# Run from the repository root: Rscript tests/r/chapter_model_checking.R
source("tests/r/_common.R")
suppressPackageStartupMessages({library(MASS); library(splines)})

# Challenger: the logit fit of distressed O-rings (of 6) on temperature.
challenger <- read.csv("glm_lib/data/challenger.csv")
oring <- challenger_oring_fit()
forecast_31 <- wald_forecast(oring, data.frame(temp = 31))

# The profile-likelihood interval for the logit at 31 F (the intercept of the centred fit).
# confint() (MASS's profile method) interpolates between grid points of the profile; the ends
# are also found exactly here: the intercept held at b by an offset, the deviance of the
# constrained fit exceeding the minimum by qchisq(0.95, 1).
centred <- glm(cbind(distressed, n - distressed) ~ I(temp - 31), family = binomial, data = challenger,
               control = tight_control)
profile_confint <- suppressMessages(confint(centred))["(Intercept)", ]
excess <- function(b) {
  fixed <- glm(cbind(distressed, n - distressed) ~ 0 + I(temp - 31), offset = rep(b, nrow(challenger)),
               family = binomial, data = challenger, control = tight_control)
  deviance(fixed) - deviance(centred) - qchisq(0.95, 1)
}
b0 <- coef(centred)[1]; se0 <- sqrt(vcov(centred)[1, 1])
profile_exact <- c(uniroot(excess, c(b0 - 10 * se0, b0), tol = 1e-13)$root,
                   uniroot(excess, c(b0, b0 + 10 * se0), tol = 1e-13)$root)

infl <- influence(oring)
challenger_influence <- list(
  hatvalues = unname(hatvalues(oring)), rstandard = unname(rstandard(oring)),
  rstudent = unname(rstudent(oring)), cooks_distance = unname(cooks.distance(oring)),
  dfbetas = list(intercept = unname(dfbetas(oring)[, 1]), temp = unname(dfbetas(oring)[, 2])),
  sigma = unname(infl$sigma),   # the leave-one-out scale R's rstudent and dfbetas use
  # covratio() applies the linear-model formula, (sigma_(i)/s)^(2p)/(1 - h), with the deviance residuals
  # and sigma_(i) above even for the binomial, where phi = 1
  covratio = unname(covratio(oring))
)

# Car insurance (MASS::Insurance), Group and Age as unordered factors (treatment contrasts, as
# glm_lib codes them; the fitted values and diagnostics do not depend on the contrasts).
insurance <- read.csv("glm_lib/data/insurance.csv")
insurance$District <- factor(insurance$District)
insurance$Group <- factor(insurance$Group, levels = c("<1l", "1-1.5l", "1.5-2l", ">2l"))
insurance$Age <- factor(insurance$Age, levels = c("<25", "25-29", "30-35", ">35"))
full <- glm(Claims ~ District + Group + Age + offset(log(Holders)), family = poisson, data = insurance,
            control = tight_control)
insurance_diagnostics <- list(
  hatvalues = unname(hatvalues(full)), cooks_distance = unname(cooks.distance(full)),
  rstandard = unname(rstandard(full)), rstudent = unname(rstudent(full))
)

# Pima: age as a cubic B-spline with 3 df (no interior knots).
pima <- read.csv("glm_lib/data/pima.csv")
pima_cubic <- glm(diabetes ~ npreg + glu + bmi + ped + bs(age, df = 3), family = binomial, data = pima,
                  control = tight_control)

# Crabs: NB1, Var(y) = phi mu with size mu / (phi - 1), by maximum likelihood in
# (beta, log(phi - 1)) with the analytic gradient (nlminb, then Newton steps); and NB2 by MASS::glm.nb.
crabs <- read.csv("glm_lib/data/crabs.csv")
X <- cbind(1, crabs$width); y <- crabs$satellites
nb1_negloglik <- function(par) {
  mu <- exp(drop(X %*% par[1:2])); a <- exp(par[3])
  -sum(dnbinom(y, size = mu / a, prob = 1 / (1 + a), log = TRUE))
}
nb1_gradient <- function(par) {
  mu <- exp(drop(X %*% par[1:2])); a <- exp(par[3]); r <- mu / a
  common <- digamma(y + r) - digamma(r) - log1p(a)        # d loglik / d size
  d_mu <- common / a
  d_a <- -common * mu / a^2 - r / (1 + a) + y / a - y / (1 + a)
  -c(crossprod(X, d_mu * mu), sum(d_a) * a)
}
start <- c(coef(glm(satellites ~ width, family = poisson, data = crabs)), log(2))
nb1 <- nlminb(start, nb1_negloglik, nb1_gradient, control = list(rel.tol = 1e-15, x.tol = 1e-15,
                                                                  eval.max = 1000, iter.max = 1000))
for (step in 1:3) {   # polish with Newton steps (Hessian by differences of the analytic gradient)
  nb1$par <- nb1$par - solve(optimHess(nb1$par, nb1_negloglik, nb1_gradient), nb1_gradient(nb1$par))
}
nb1$value <- nb1_negloglik(nb1$par)
crab_nb <- glm.nb(satellites ~ width, data = crabs, control = tight_control)

write_fixture(list(
  r_version = R.version.string,
  challenger = list(forecast_31 = forecast_31,
                    logit_31_profile = list(confint = unname(profile_confint), exact = profile_exact),
                    influence = challenger_influence),
  insurance = insurance_diagnostics,
  pima_cubic = list(deviance = deviance(pima_cubic), aic = AIC(pima_cubic), df_residual = pima_cubic$df.residual),
  crab_nb1 = list(coefficients = unname(nb1$par[1:2]), alpha = exp(nb1$par[3]), loglik = -nb1$value,
                  aic = 2 * nb1$value + 2 * 3, gradient = nb1_gradient(nb1$par)),
  crab_nb2_aic = AIC(crab_nb)
), "chapter_model_checking")
print(forecast_31); print(profile_confint, digits = 10); print(profile_exact, digits = 10)
print(c(nb1$par, -nb1$value), digits = 10); print(nb1_gradient(nb1$par))
