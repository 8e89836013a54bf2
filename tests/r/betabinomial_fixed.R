# Beta-binomial regression with the intra-class correlation rho held fixed, for
# tests/test_betabinomial.py (gl.betabinomial_glm(..., rho = value)): the mean
# coefficients maximise sum(VGAM::dbetabinom(s, m, prob = mu, rho = rho, log = TRUE))
# over beta alone (BFGS, then Newton steps on optimHess to round-off); the standard
# errors are those of the observed information given rho (numDeriv::hessian, and
# optimHess as a check). Data: the
# shipped lirat.csv and challenger.csv, so that Python fits exactly these rows.
# VGAM's own vglm reaches the same fit with rho's linear predictor an offset.
source("tests/r/_common.R")
suppressPackageStartupMessages(library(VGAM))
lirat <- read.csv("glm_lib/data/lirat.csv")
challenger <- read.csv("glm_lib/data/challenger.csv")

fit_fixed <- function(formula, data, rho) {
  mf <- model.frame(formula, data)
  X <- model.matrix(formula, mf)
  y <- model.response(mf)
  s <- y[, 1]
  m <- rowSums(y)
  nll <- function(b) -sum(dbetabinom(s, m, prob = plogis(drop(X %*% b)), rho = rho, log = TRUE))
  start <- coef(glm(y ~ X - 1, family = binomial))
  names(start) <- colnames(X)
  opt <- optim(start, nll, method = "BFGS", control = list(reltol = 1e-14, maxit = 1000))
  b <- opt$par
  for (i in 1:20) {  # Newton polish on the numerical Hessian of the objective
    H <- optimHess(b, nll, control = list(parscale = abs(b), ndeps = rep(1e-4, length(b))))
    h <- 1e-6 * pmax(1, abs(b))
    g <- sapply(seq_along(b), function(j) {
      e <- replace(numeric(length(b)), j, h[j]); (nll(b + e) - nll(b - e)) / (2 * h[j])
    })
    step <- solve(H, g)
    if (nll(b - step) > nll(b)) break
    b <- b - step
    if (max(abs(step)) < 1e-12) break
  }
  # optimHess with steps relative to each coefficient (its default, 1e-3 absolute, is too coarse for
  # the slope on temperature) agrees with numDeriv's Richardson-extrapolated Hessian to about 4e-6;
  # the standard errors use the latter, the more accurate.
  H_optim <- optimHess(b, nll, control = list(parscale = abs(b), ndeps = rep(1e-4, length(b))))
  H <- numDeriv::hessian(nll, b)
  stopifnot(max(abs(H_optim / H - 1)) < 1e-5)
  # VGAM: rho's linear predictor a fixed offset, the mean's terms constrained to the first one
  cons <- setNames(rep(list(rbind(1, 0)), ncol(X)), colnames(X))
  data$zero_offset <- 0
  data$logit_rho_offset <- qlogis(rho)
  # (VGAM warns that the working weights of the fixed second predictor are tiny; it has no coefficient)
  vg <- suppressWarnings(vglm(formula, betabinomial(zero = NULL), data = data, constraints = cons,
             offset = cbind(zero_offset, logit_rho_offset),
             control = vglm.control(epsilon = 1e-13, maxit = 500)))
  list(rho = rho, coefficients = unname(b), se = unname(sqrt(diag(solve(H)))),
       se_optimhess = unname(sqrt(diag(solve(H_optim)))),
       loglik = -nll(b), aic = 2 * nll(b) + 2 * length(b),
       bic = 2 * nll(b) + log(nrow(X)) * length(b), df_residual = nrow(X) - length(b),
       vglm_coefficients = unname(coef(vg)), vglm_loglik = as.numeric(logLik(vg)))
}

cases <- list(
  lirat_hb = list(formula = cbind(R, N - R) ~ hb, data = lirat),
  challenger_temp = list(formula = cbind(distressed, n - distressed) ~ temp, data = challenger)
)
out <- list()
for (name in names(cases)) {
  for (rho in c(0.1, 0.3)) {
    out[[paste0(name, "_rho", rho)]] <- fit_fixed(cases[[name]]$formula, cases[[name]]$data, rho)
  }
}
write_fixture(out, "betabinomial_fixed")
