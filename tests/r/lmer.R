# Linear mixed models: lme4::lmer fixtures for tests/test_lmer.py.
# Each model is fitted with a tightly converged bobyqa (rhoend = 1e-10); besides
# the fit, the profiled (REML) deviance (devFunOnly = TRUE) is evaluated at fixed
# theta, which tests the deviance itself to round-off, free of where the optimiser stops.
# Run from the repository root: Rscript tests/r/lmer.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(lme4))

sleepstudy <- lme4::sleepstudy
sleepstudy$w <- (sleepstudy$Days + 1) / 3  # prior weights for the weighted fit
penicillin <- lme4::Penicillin

set.seed(20261207)
n_a <- 12; n_b <- 4; per <- 5
nested <- expand.grid(rep = seq_len(per), b = factor(sprintf("b%d", seq_len(n_b))),
                      a = factor(sprintf("a%02d", seq_len(n_a))))
nested$x <- round(runif(nrow(nested), -1, 1), 3)
u_a <- rnorm(n_a, sd = 1.2); u_ab <- rnorm(n_a * n_b, sd = 0.7)
nested$y <- round(2 + 0.5 * nested$x + u_a[as.integer(nested$a)] +
                  u_ab[(as.integer(nested$a) - 1) * n_b + as.integer(nested$b)] + rnorm(nrow(nested)), 4)
nested <- nested[, c("y", "x", "a", "b")]

models <- list(
  list(name = "sleep_reml", data = "sleepstudy", REML = TRUE, formula = Reaction ~ Days + (Days | Subject)),
  list(name = "sleep_ml", data = "sleepstudy", REML = FALSE, formula = Reaction ~ Days + (Days | Subject)),
  list(name = "sleep_uncorrelated", data = "sleepstudy", REML = TRUE,
       formula = Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)),
  list(name = "sleep_weighted", data = "sleepstudy", REML = TRUE, weights = "w",
       formula = Reaction ~ Days + (Days | Subject)),
  list(name = "penicillin", data = "penicillin", REML = TRUE, formula = diameter ~ 1 + (1 | plate) + (1 | sample)),
  list(name = "penicillin_ml", data = "penicillin", REML = FALSE, formula = diameter ~ 1 + (1 | plate) + (1 | sample)),
  list(name = "nested", data = "nested", REML = TRUE, formula = y ~ x + (1 | a/b)),
  list(name = "interaction", data = "nested", REML = FALSE, formula = y ~ x + (1 | a) + (1 | a:b))
)

control <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
record <- function(spec) {
  data <- get(spec$data)
  # do.call passes the weights' values (lmer looks an unquoted name up in data).
  w <- if (is.null(spec$weights)) NULL else data[[spec$weights]]
  args <- list(formula = spec$formula, data = data, REML = spec$REML, control = control, weights = w)
  fit <- do.call(lmer, args)
  devfun <- do.call(lmer, c(args, devFunOnly = TRUE))
  theta <- unname(getME(fit, "theta"))
  points <- list(theta, 0.7 * theta + 0.1, 1.3 * theta + 0.05)
  re <- ranef(fit, condVar = TRUE)
  vc <- as.data.frame(VarCorr(fit))
  newdata <- data[c(1, 7, 20), , drop = FALSE]
  list(
    formula = paste(deparse(spec$formula), collapse = ""), data = spec$data, REML = spec$REML, weights = spec$weights,
    params = as.list(fixef(fit)), se = unname(sqrt(diag(as.matrix(vcov(fit))))),
    vcov = unname(as.matrix(vcov(fit))),
    sigma = sigma(fit), theta = theta, loglik = as.numeric(logLik(fit)),
    crit = if (spec$REML) unname(summary(fit)$AICtab[["REML"]]) else deviance(fit),
    objective = as.numeric(-2 * logLik(fit)),
    varcorr = list(grp = vc$grp, var1 = ifelse(is.na(vc$var1), "", vc$var1), var2 = ifelse(is.na(vc$var2), "", vc$var2),
                   vcov = vc$vcov, sdcor = vc$sdcor),
    ranef = lapply(re, function(r) list(levels = rownames(r), columns = colnames(r),
                                         values = unname(as.matrix(r)),
                                         postvar = if (is.list(attr(r, "postVar"))) NULL else as.numeric(attr(r, "postVar")))),
    aic = AIC(fit), bic = BIC(fit),
    fitted = unname(fitted(fit)),
    predict_rows = c(1, 7, 20) - 1,
    predict = unname(predict(fit, newdata)), predict_fixed = unname(predict(fit, newdata, re.form = NA)),
    points = lapply(points, function(t) list(theta = t, value = devfun(t)))
  )
}

write_fixture(list(
  data = list(nested = export_data(nested)),
  models = setNames(lapply(models, record), vapply(models, `[[`, "", "name"))
), "lmer")
