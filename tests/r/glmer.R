# Random-intercept GLMs: lme4::glmer fixtures for tests/test_mixed.py.
# Non-canonical links (probit, cloglog, Poisson sqrt) with the Laplace
# approximation and adaptive quadrature, a canonical fit as a control, and a
# Poisson fit with offset(log(exposure)) in the formula. Besides each fit, the
# deviance function (devFunOnly = TRUE, -2 logLik as a function of
# c(sigma, beta)) is evaluated at fixed points, which tests the approximation
# itself to round-off, free of where lme4's optimiser happens to stop.
# Run from the repository root: Rscript tests/r/glmer.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(lme4))

cbpp <- lme4::cbpp
cbpp$healthy <- cbpp$size - cbpp$incidence

set.seed(20240607)
n_groups <- 25
per_group <- 6
sim <- data.frame(g = factor(sprintf("g%02d", rep(seq_len(n_groups), each = per_group))),
                  x = round(runif(n_groups * per_group, -1, 1), 3),
                  exposure = round(runif(n_groups * per_group, 1, 5), 2))
u <- rnorm(n_groups, sd = 0.6)
sim$y <- rpois(nrow(sim), sim$exposure * exp(0.2 + 0.5 * sim$x + u[as.integer(sim$g)]))
sim$sqrt_y <- rpois(nrow(sim), (1.5 + 0.5 * sim$x + 0.4 * u[as.integer(sim$g)])^2)

models <- list(
  list(name = "cbpp_probit_laplace", data = "cbpp", family = binomial("probit"), nAGQ = 1,
       formula = cbind(incidence, healthy) ~ period + (1 | herd)),
  list(name = "cbpp_cloglog_laplace", data = "cbpp", family = binomial("cloglog"), nAGQ = 1,
       formula = cbind(incidence, healthy) ~ period + (1 | herd)),
  list(name = "cbpp_probit_agq9", data = "cbpp", family = binomial("probit"), nAGQ = 9,
       formula = cbind(incidence, healthy) ~ period + (1 | herd)),
  list(name = "cbpp_logit_laplace", data = "cbpp", family = binomial("logit"), nAGQ = 1,
       formula = cbind(incidence, healthy) ~ period + (1 | herd)),
  list(name = "sim_poisson_offset", data = "sim", family = poisson("log"), nAGQ = 1,
       formula = y ~ x + offset(log(exposure)) + (1 | g)),
  list(name = "sim_poisson_sqrt", data = "sim", family = poisson("sqrt"), nAGQ = 1,
       formula = sqrt_y ~ x + (1 | g))
)

control <- glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5), tolPwrss = 1e-12)
record <- function(spec) {
  data <- get(spec$data)
  fit <- glmer(spec$formula, data = data, family = spec$family, nAGQ = spec$nAGQ, control = control)
  devfun <- glmer(spec$formula, data = data, family = spec$family, nAGQ = spec$nAGQ, control = control,
                  devFunOnly = TRUE)
  sigma <- unname(getME(fit, "theta"))
  beta <- unname(fixef(fit))
  # The fit and two points away from it, where -2 logLik is compared exactly.
  points <- list(c(sigma, beta), c(0.8 * sigma + 0.1, beta + 0.05), c(1.3 * sigma, beta - 0.1))
  list(
    formula = paste(deparse(spec$formula), collapse = ""), data = spec$data,
    family = python_family(spec$family), link = spec$family$link, nAGQ = spec$nAGQ,
    params = as.list(fixef(fit)), sigma = sigma, se = unname(sqrt(diag(as.matrix(vcov(fit))))),
    loglik = as.numeric(logLik(fit)),
    ranef = unname(ranef(fit)[[1]][, 1]),
    points = lapply(points, function(p) list(sigma = p[1], params = p[-1], minus2loglik = devfun(p)))
  )
}

write_fixture(list(
  data = list(cbpp = export_data(cbpp), sim = export_data(sim)),
  models = setNames(lapply(models, record), vapply(models, `[[`, "", "name"))
), "glmer")
