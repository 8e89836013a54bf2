# Inference after Firth's fit: penalised profile-likelihood intervals and penalised
# likelihood-ratio tests (Heinze & Schemper 2002; what logistf reports). logistf is not
# installed and brglm2's confint() on a brglmFit is Wald's, so this script computes
# them directly from the definition, independently of glm_lib:
#   l*(beta) = l(beta) + 0.5 log det(X' W(beta) X)   (canonical link, W = w V(mu)),
# maximised over the other coefficients by optim (BFGS with the penalised score)
# with one coefficient (or a term) held fixed, the ends found by uniroot where
# 2 {l*(beta_tilde) - l*_j(b)} = qchisq(0.95, 1). The estimate is brglm2's AS_mean fit.
# Writes tests/r/fixtures/firth_profile.json.
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages(library(brglm2))

data("endometrial", package = "brglm2")
budworm <- budworm_data()
zeros <- data.frame(count = c(0, 0, 0, 3, 5, 2, 4, 1, 6, 8, 7, 9),
                    group = factor(rep(c("a", "b", "c"), each = 4)),
                    x = c(0.2, 1.1, -0.4, 0.8, -1.0, 0.3, 0.9, -0.2, 0.5, 1.4, -0.7, 0.1))

penalised <- function(X, y, w, family) {
  # minus the penalised log-likelihood (up to a constant) and its gradient
  value <- function(beta) {
    eta <- drop(X %*% beta)
    if (family == "binomial") {
      mu <- plogis(eta); V <- mu * (1 - mu)
      ll <- sum(w * (y * eta - log1p(exp(eta))))
    } else {
      mu <- exp(eta); V <- mu
      ll <- sum(w * (y * eta - mu))
    }
    info <- crossprod(X * sqrt(w * V))
    ld <- determinant(info, logarithm = TRUE)$modulus
    -(ll + 0.5 * as.numeric(ld))
  }
  gradient <- function(beta) {
    eta <- drop(X %*% beta)
    if (family == "binomial") {
      mu <- plogis(eta); V <- mu * (1 - mu); dV <- 1 - 2 * mu
    } else {
      mu <- exp(eta); V <- mu; dV <- rep(1, length(mu))
    }
    WX <- X * sqrt(w * V)
    h <- rowSums(WX * t(solve(crossprod(WX), t(WX))))
    -drop(crossprod(X, w * (y - mu) + 0.5 * h * dV))
  }
  list(value = value, gradient = gradient)
}

constrained_min <- function(pen, beta, fixed, values) {
  # minimise over the coefficients not in `fixed`, those held at `values`
  free <- setdiff(seq_along(beta), fixed)
  full <- function(b) { out <- beta; out[fixed] <- values; out[free] <- b; out }
  if (length(free) == 0) return(pen$value(full(numeric(0))))
  fit <- optim(beta[free], function(b) pen$value(full(b)),
               function(b) pen$gradient(full(b))[free],
               method = "BFGS", control = list(reltol = 1e-15, maxit = 5000))
  # polish with a second run from the optimum
  fit <- optim(fit$par, function(b) pen$value(full(b)),
               function(b) pen$gradient(full(b))[free],
               method = "BFGS", control = list(reltol = 1e-16, maxit = 5000))
  fit$value
}

run_case <- function(name, data, formula, family, terms) {
  message(name)
  fam <- if (family == "binomial") binomial() else poisson()
  fit <- glm(as.formula(formula), family = fam, data = data, method = "brglmFit",
             type = "AS_mean", epsilon = 1e-13, maxit = 500)
  X <- model.matrix(fit); w <- weights(fit, "prior"); y <- fit$y
  pen <- penalised(X, y, w, family)
  beta <- coef(fit)
  top <- pen$value(beta)
  cutoff <- qchisq(0.95, 1)
  se <- sqrt(diag(vcov(fit)))
  ends <- t(sapply(seq_along(beta), function(j) {
    excess <- function(b) 2 * (constrained_min(pen, beta, j, b) - top) - cutoff
    side <- function(sign) {
      step <- se[j]
      inner <- beta[j]
      repeat {
        outer <- inner + sign * step
        if (excess(outer) > 0) break
        inner <- outer; step <- 2 * step
      }
      uniroot(excess, sort(c(inner, outer)), tol = 1e-11)$root
    }
    c(side(-1), side(1))
  }))
  assign_ <- attr(X, "assign")
  labels <- attr(terms(fit), "term.labels")
  tests <- lapply(terms, function(term) {
    cols <- which(assign_ == match(term, labels))
    stat <- 2 * (constrained_min(pen, beta, cols, rep(0, length(cols))) - top)
    list(term = term, df = length(cols), statistic = stat,
         p = pchisq(stat, length(cols), lower.tail = FALSE))
  })
  list(name = name, formula = formula, family = python_family(fam), link = fam$link,
       data = export_data(data), names = names(beta),
       coefficients = unname(beta), se = unname(se),
       penalised_deviance = 2 * top, lower = ends[, 1], upper = ends[, 2], tests = tests)
}

cases <- list(
  run_case("endometrial", endometrial, "HG ~ NV + PI + EH", "binomial", c("NV", "PI", "EH")),
  run_case("budworm", budworm, "cbind(numdead, numalive) ~ sex * ldose", "binomial",
           c("sex:ldose")),
  run_case("poisson_zero_group", zeros, "count ~ group + x", "poisson", c("group", "x"))
)

write_fixture(list(r_version = R.version.string,
                   brglm2_version = as.character(packageVersion("brglm2")),
                   cases = cases), "firth_profile")
