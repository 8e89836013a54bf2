# NB1 negative binomial regression, Var(y) = kappa mu with kappa > 1, for tests/test_nb1.py:
# y ~ NB(size = mu / (kappa - 1), prob = 1 / kappa), log link, fitted by maximum likelihood in
# (beta, log(kappa - 1)) on the exact log-likelihood (dnbinom) with its analytic gradient: nlminb,
# then Newton steps (at tolerances of 1e-15 nlminb reports "singular convergence"; the Newton steps
# bring the gradient to round-off, which the fixture records); standard errors from numDeriv's
# Hessian of the log-likelihood at the optimum.
# Data: the crabs (satellites ~ width), the ships (factors and an exposure offset, rows with
# service > 0) and quine (factors, counts up to 81).
source("tests/r/_common.R")
suppressPackageStartupMessages(library(numDeriv))

fit_nb1 <- function(formula, data) {
  mf <- model.frame(formula, data)
  X <- model.matrix(formula, mf); y <- model.response(mf)
  off <- model.offset(mf); if (is.null(off)) off <- rep(0, length(y))
  p <- ncol(X)
  negloglik <- function(par) {
    mu <- exp(drop(X %*% par[1:p]) + off); a <- exp(par[p + 1])
    -sum(dnbinom(y, size = mu / a, prob = 1 / (1 + a), log = TRUE))
  }
  gradient <- function(par) {
    mu <- exp(drop(X %*% par[1:p]) + off); a <- exp(par[p + 1]); r <- mu / a
    common <- digamma(y + r) - digamma(r) - log1p(a)        # d loglik / d size
    d_a <- -common * mu / a^2 - r / (1 + a) + y / a - y / (1 + a)
    -c(crossprod(X, common / a * mu), sum(d_a) * a)
  }
  poisson_fit <- glm(formula, poisson, data, control = tight_control)
  x2df <- sum(residuals(poisson_fit, "pearson")^2) / poisson_fit$df.residual
  start <- c(coef(poisson_fit), log(max(x2df - 1, 0.1)))
  opt <- nlminb(start, negloglik, gradient,
                control = list(rel.tol = 1e-15, x.tol = 1e-15, eval.max = 5000, iter.max = 5000))
  par <- opt$par
  for (step in 1:5) {   # polish with Newton steps (Hessian by differences of the analytic gradient)
    par <- par - solve(optimHess(par, negloglik, gradient), gradient(par))
  }
  hessian <- numDeriv::hessian(negloglik, par)   # Richardson extrapolation on the exact log-likelihood
  cov <- solve(hessian)
  se <- sqrt(diag(cov))
  n <- length(y); k <- p + 1; ll <- -negloglik(par)
  a <- exp(par[p + 1])
  mu <- exp(drop(X %*% par[1:p]) + off)
  list(formula = deparse(formula), nobs = n, names = colnames(X),
       coefficients = unname(par[1:p]), se = unname(se[1:p]),
       log_kappa_minus_one = par[p + 1], log_kappa_minus_one_se = se[p + 1],
       kappa = 1 + a, kappa_se = a * se[p + 1],
       loglik = ll, aic = -2 * ll + 2 * k, bic = -2 * ll + log(n) * k,
       fitted = unname(mu[c(1, 2, n)]), gradient = unname(gradient(par)),
       cov = unname(cov), start = unname(start), nlminb_message = opt$message)
}

crabs <- read.csv("glm_lib/data/crabs.csv")
ships <- subset(read.csv("glm_lib/data/ships.csv"), service > 0)
quine <- read.csv("glm_lib/data/quine.csv", stringsAsFactors = TRUE)
crab_fit <- fit_nb1(satellites ~ width, crabs)
ships_fit <- fit_nb1(incidents ~ type + factor(year) + factor(period) + offset(log(service)), ships)
quine_fit <- fit_nb1(Days ~ Eth + Sex + Age + Lrn, quine)
write_fixture(list(r_version = R.version.string, crabs = crab_fit, ships = ships_fit, quine = quine_fit), "nb1")
for (f in list(crab_fit, ships_fit, quine_fit)) {
  print(c(f$coefficients, f$kappa, f$loglik), digits = 10); print(f$gradient)
}
