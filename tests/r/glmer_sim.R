# glmer's optimiser on simulated data: lme4 answers for tests/test_glmer.py.
# Each data set has 30 groups of 8 rows, x ~ N(0, 1) rounded to 0.01, and a
# correlated random intercept and slope, (1 + x | g), with standard deviations
# U(0, 1.2) and U(0.2, 1) and correlation U(-0.9, 0.9) drawn per seed; binary
# responses (logit, fixed effects -0.3 + 0.5 x) or Poisson counts (log,
# 0.5 + 0.3 x). The seeds kept are those of 150 per family where glm_lib's
# earlier bounded L-BFGS-B optimiser stopped at a false optimum (the
# intercept's diagonal entry of T at 0 with the slope's off-diagonal entry of
# the wrong sign, up to 1.2 log-likelihood units short; or the slope's diagonal
# entry at 0), those where lme4's own bounded bobyqa does (up to 5 units
# short), and four ordinary ones.
# The slope model is fitted by glmer with a tight bobyqa and a tight
# Nelder-Mead, and lme4's own Laplace deviance (devFunOnly) is minimised by
# bobyqa over (theta, beta) without bounds (a column of T may change sign:
# T T' and the deviance do not change), its diagonal then made non-negative
# and glmer refitted from there; the reference is the best of the three. The
# random-intercept model nested in it is fitted by the tight bobyqa.
# Run from the repository root: Rscript tests/r/glmer_sim.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(lme4))

simulate_data <- function(seed, family) {
  set.seed(seed)
  m <- 30; k <- 8
  g <- rep(seq_len(m), each = k)
  x <- round(rnorm(m * k), 2)
  sd_int <- runif(1, 0, 1.2); sd_slope <- runif(1, 0.2, 1); rho <- runif(1, -0.9, 0.9)
  Sigma <- matrix(c(sd_int^2, rho * sd_int * sd_slope, rho * sd_int * sd_slope, sd_slope^2), 2)
  b <- matrix(rnorm(2 * m), m) %*% chol(Sigma)
  eta <- if (family == "binomial") -0.3 + 0.5 * x else 0.5 + 0.3 * x
  eta <- eta + b[g, 1] + b[g, 2] * x
  y <- if (family == "binomial") rbinom(m * k, 1, plogis(eta)) else rpois(m * k, exp(eta))
  data.frame(y = y, x = x, g = factor(g))
}

kept <- list(
  binomial = list(false_optimum = c(32, 134, 137), lme4_false_optimum = c(56, 89), ordinary = c(1, 2)),
  poisson = list(false_optimum = c(6, 8, 30, 38, 78, 103, 129), lme4_false_optimum = c(34, 53, 125),
                 ordinary = c(1, 2))
)

tight <- list(
  bobyqa = glmerControl(optimizer = "bobyqa", tolPwrss = 1e-14, optCtrl = list(rhoend = 1e-10, maxfun = 1e5)),
  nelder_mead = glmerControl(optimizer = "Nelder_Mead", tolPwrss = 1e-14,
                             optCtrl = list(FtolAbs = 1e-12, FtolRel = 1e-15, maxfun = 1e5))
)

quiet <- function(expr) suppressMessages(suppressWarnings(expr))

record_of <- function(fit) list(loglik = as.numeric(logLik(fit)), theta = unname(getME(fit, "theta")),
                                params = unname(fixef(fit)), singular = isSingular(fit))

# lme4's deviance over (theta, beta) without bounds, then glmer from the optimum with its diagonal made >= 0.
unbounded_fit <- function(formula, data, family, start) {
  devfun <- quiet(glmer(formula, data, family = family, control = tight$bobyqa, devFunOnly = TRUE))
  opt <- minqa::bobyqa(start, devfun, control = list(rhoend = 1e-10, maxfun = 1e5))
  theta <- opt$par[1:3]
  if (theta[1] < 0) theta[1:2] <- -theta[1:2]  # column 1 of T
  theta[3] <- abs(theta[3])                     # column 2 of T
  quiet(glmer(formula, data, family = family, control = tight$bobyqa,
              start = list(theta = theta, fixef = opt$par[4:5])))
}

records <- list()
for (family in names(kept)) for (kind in names(kept[[family]])) for (seed in kept[[family]][[kind]]) {
  data <- simulate_data(seed, family)
  fam <- get(family)
  fits <- lapply(tight, function(control) quiet(glmer(y ~ x + (1 + x | g), data, family = fam, control = control)))
  start <- c(getME(fits$bobyqa, "theta"), fixef(fits$bobyqa))
  fits$unbounded <- unbounded_fit(y ~ x + (1 + x | g), data, fam, start)
  loglik <- vapply(fits, function(f) as.numeric(logLik(f)), 0.0)
  best <- record_of(fits[[which.max(loglik)]])
  best$by_optimiser <- as.list(loglik)
  nested <- quiet(glmer(y ~ x + (1 | g), data, family = fam, control = tight$bobyqa))
  records[[length(records) + 1]] <- list(
    family = family, seed = seed, kind = kind, y = data$y, x = data$x, g = as.integer(data$g),
    slope = best, intercept = record_of(nested)
  )
}

write_fixture(list(lme4 = as.character(packageVersion("lme4")), data_sets = records), "glmer_sim")
