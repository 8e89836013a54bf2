# Random-intercept GLMs: lme4::glmer fixtures for tests/test_mixed.py.
# Non-canonical links (probit, cloglog, Poisson sqrt) with the Laplace
# approximation and adaptive quadrature, canonical fits as a control (also
# with 25 nodes), and a Poisson fit with offset(log(exposure)) in the formula
# (also with 5 nodes). Besides each fit, the
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
       formula = sqrt_y ~ x + (1 | g)),
  list(name = "cbpp_logit_agq25", data = "cbpp", family = binomial("logit"), nAGQ = 25,
       formula = cbind(incidence, healthy) ~ period + (1 | herd)),
  list(name = "sim_poisson_offset_agq5", data = "sim", family = poisson("log"), nAGQ = 5,
       formula = y ~ x + offset(log(exposure)) + (1 | g))
)

# Tightly converged (as the engine fixtures below): bobyqa to rhoend = 1e-10 and PIRLS to 1e-14,
# so that lme4's estimates and standard errors are those of the optimum to near round-off.
control <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5), tolPwrss = 1e-14)
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

# ---------------------------------------------------------------------------
# The general engine (tests/test_glmer.py): any random structure, Laplace, against
# a tightly converged lme4 (bobyqa rhoend = 1e-10, tolPwrss = 1e-14).
# ---------------------------------------------------------------------------
cbpp$obs <- factor(seq_len(nrow(cbpp)))
cbpp$proportion <- cbpp$incidence / cbpp$size
grouseticks <- lme4::grouseticks

set.seed(20261208)
n_subj <- 40; per_subj <- 12
slopes <- data.frame(subject = factor(sprintf("s%02d", rep(seq_len(n_subj), each = per_subj))),
                     x = round(runif(n_subj * per_subj, -1.5, 1.5), 3))
b0 <- rnorm(n_subj, sd = 0.9); b1 <- 0.5 * b0 + rnorm(n_subj, sd = 0.5)
eta <- -0.3 + 0.8 * slopes$x + b0[as.integer(slopes$subject)] + b1[as.integer(slopes$subject)] * slopes$x
slopes$y <- rbinom(nrow(slopes), 1, plogis(eta))

tight <- glmerControl(optimizer = "bobyqa", tolPwrss = 1e-14, optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
engine_models <- list(
  list(name = "cbpp", data = "cbpp", family = binomial(), formula = cbind(incidence, size - incidence) ~ period + (1 | herd)),
  list(name = "cbpp_obs", data = "cbpp", family = binomial(),
       formula = cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs)),
  list(name = "cbpp_weights", data = "cbpp", family = binomial(), weights = "size",
       formula = proportion ~ period + (1 | herd)),
  list(name = "grouseticks", data = "grouseticks", family = poisson(),
       formula = TICKS ~ YEAR + HEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)),
  list(name = "slopes", data = "slopes", family = binomial(), formula = y ~ x + (1 + x | subject)),
  list(name = "sim_offset", data = "sim", family = poisson(), formula = y ~ x + offset(log(exposure)) + (1 | g))
)

record_engine <- function(spec) {
  data <- get(spec$data)
  w <- if (is.null(spec$weights)) NULL else data[[spec$weights]]
  # do.call passes the weights' values (glmer looks an unquoted name up in data).
  args <- list(formula = spec$formula, data = data, family = spec$family, weights = w, control = tight)
  fit <- do.call(glmer, args)
  devfun <- do.call(glmer, c(args, devFunOnly = TRUE))
  theta <- unname(getME(fit, "theta")); beta <- unname(fixef(fit))
  points <- list(c(theta, beta), c(0.8 * theta + 0.1, beta + 0.05), c(1.2 * theta + 0.05, beta - 0.1))
  re <- ranef(fit, condVar = TRUE)
  vc <- as.data.frame(VarCorr(fit))
  rows <- c(1, 5, 9)
  newdata <- data[rows, , drop = FALSE]
  list(
    formula = paste(deparse(spec$formula), collapse = ""), data = spec$data, family = python_family(spec$family),
    weights = spec$weights,
    params = as.list(fixef(fit)), se = unname(sqrt(diag(as.matrix(vcov(fit))))),
    theta = theta, loglik = as.numeric(logLik(fit)), deviance_fn = deviance(fit), aic = AIC(fit), bic = BIC(fit),
    df_resid = df.residual(fit), singular = isSingular(fit),
    varcorr = list(grp = vc$grp, var1 = ifelse(is.na(vc$var1), "", vc$var1), vcov = vc$vcov, sdcor = vc$sdcor),
    ranef = lapply(re, function(r) list(levels = rownames(r), columns = as.list(colnames(r)),
                                         values = unname(as.matrix(r)),
                                         postvar = as.numeric(attr(r, "postVar")))),
    predict_rows = rows - 1,
    predict_link = unname(predict(fit, newdata)), predict_response = unname(predict(fit, newdata, type = "response")),
    predict_fixed = unname(predict(fit, newdata, re.form = NA)),
    points = lapply(points, function(p) list(theta = p[seq_along(theta)], params = p[-seq_along(theta)], value = devfun(p)))
  )
}

write_fixture(list(
  data = list(sim = export_data(sim), slopes = export_data(slopes)),
  models = setNames(lapply(engine_models, record_engine), vapply(engine_models, `[[`, "", "name"))
), "glmer_engine")
