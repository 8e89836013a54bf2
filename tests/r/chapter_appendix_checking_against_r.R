# R's numbers for the appendix on checking against R (chapters/appendix_checking_against_r.ipynb).
# The appendix is about what R prints after its default stopping rule, so each model whose standard
# errors or dispersion the appendix compares with their values at the exact maximum (the seven
# models of fits() below, and the sparse fit of lag_outputs) is fitted with R's default
# glm.control() (default_control), as `glm(...)` without `control` does, and again with
# glm.control(epsilon = 1e-12, maxit = 100) (tight), where the standard errors and the dispersion
# no longer carry the lag of the last IRLS step's working weights. The other fits (conventions,
# zero_weight, added) use one control each, as their comments say. Besides the
# numbers to 15 significant digits, the fixture holds the text R prints for them:
#   - coef(summary(fit)) printed by print.default (7 significant digits, one format per column),
#   - the coefficient table of summary(fit) (printCoefmat), read off its printed lines,
#   - the dispersion at R's default 7 significant digits,
#   - under `quoted`, the lines R prints for each call whose output the appendix quotes.
# Models: Dobson's table (?glm), the Pima women (glm_lib/data/pima.csv, checked equal to
# rbind(MASS::Pima.tr, MASS::Pima.te)), the Challenger O-rings (glm_lib/data/challenger.csv,
# checked equal to na.omit(vcd::SpaceShuttle)), the clotting times of lot 1 (gamma, inverse and
# log links), the horseshoe crabs with at least one satellite (glm_lib/data/crabs.csv), and a sparse
# logistic regression on a small made-up data set (rare: x = 1, ..., 100 with events at x = 60, 80,
# 100), where the stopping lag is larger than in the fits with much information.
# Under `conventions`, the numbers of the appendix's list of conventions: the Rao score test of bmi
# added to glu (Pima), R's AIC for a weighted Gaussian and the gamma fit, the gamma's maximum
# likelihood dispersion (MASS::gamma.shape), the Challenger fit grouped and as 138 Bernoulli rows,
# Dobson's outcome with level 3 as reference, a fit with an aliased column, and (prior_weights) the
# weighted Gaussian fit against the same data with each row repeated as often as its weight says.
# Run from the repository root: Rscript tests/r/chapter_appendix_checking_against_r.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(MASS))

tight <- glm.control(epsilon = 1e-12, maxit = 100)
data_file <- function(name) read.csv(file.path("glm_lib", "data", paste0(name, ".csv")))

dobson <- data_file("dobson")
dobson$outcome <- factor(dobson$outcome); dobson$treatment <- factor(dobson$treatment)
pima <- data_file("pima")
mass_pima <- rbind(MASS::Pima.tr, MASS::Pima.te)
stopifnot(isTRUE(all.equal(unname(as.list(pima[, 1:7])), unname(as.list(mass_pima[, 1:7])))),
          all((mass_pima$type == "Yes") == (pima$diabetes == 1)))
challenger <- data_file("challenger")
shuttle <- na.omit(vcd::SpaceShuttle)
stopifnot(all(shuttle$Temperature == challenger$temp), all(shuttle$nFailures == challenger$distressed))
clotting <- data_file("clotting")
crabs <- data_file("crabs")
crabs$any_satellite <- as.integer(crabs$satellites > 0)
rare <- data.frame(x = 1:100, y = as.integer(1:100 %in% c(60, 80, 100)))

# The coefficient table as print(coef(summary(fit))) shows it, and as summary(fit) shows it.
printed_columns <- function(fit) {
  cs <- coef(summary(fit))
  list(estimate = as.list(trimws(format(cs[, 1], digits = 7))), se = as.list(trimws(format(cs[, 2], digits = 7))))
}
summary_columns <- function(fit) {
  lines <- capture.output(print(summary(fit)))
  rows <- lapply(rownames(coef(summary(fit))), function(name) {
    line <- lines[startsWith(lines, paste0(name, " "))]
    stopifnot(length(line) == 1)
    strsplit(trimws(line), " +")[[1]][2:3]
  })
  names(rows) <- rownames(coef(summary(fit)))
  list(estimate = lapply(rows, `[`, 1), se = lapply(rows, `[`, 2))
}
record <- function(fit) {
  s <- summary(fit)
  list(coefficients = as.list(coef(fit)), se = setNames(as.list(s$coefficients[, 2]), rownames(s$coefficients)),
       deviance = deviance(fit), dispersion = s$dispersion, iterations = fit$iter,
       printed = printed_columns(fit), summary_printed = summary_columns(fit),
       dispersion_printed = format(s$dispersion, digits = 7))
}

fits <- function(control) {
  pima_fit <- glm(diabetes ~ glu + bmi, family = binomial, data = pima, control = control)
  profile_ci <- suppressMessages(confint(pima_fit))   # MASS's confint.glm: profile likelihood
  wald_ci <- confint.default(pima_fit)
  list(
    dobson = record(glm(counts ~ outcome + treatment, family = poisson, data = dobson, control = control)),
    pima = c(record(pima_fit), list(
      confint_profile = list(lower = as.list(profile_ci[, 1]), upper = as.list(profile_ci[, 2])),
      confint_wald = list(lower = as.list(wald_ci[, 1]), upper = as.list(wald_ci[, 2])),
      confint_wald_printed = list(lower = as.list(trimws(format(wald_ci[, 1], digits = 7))),
                                  upper = as.list(trimws(format(wald_ci[, 2], digits = 7)))))),
    challenger = record(glm(cbind(distressed, n - distressed) ~ temp, family = binomial,
                            data = challenger, control = control)),
    clotting_inverse = record(glm(lot1 ~ log(u), family = Gamma, data = clotting, control = control)),
    clotting_log = record(glm(lot1 ~ log(u), family = Gamma(link = "log"), data = clotting, control = control)),
    crabs = record(glm(any_satellite ~ width, family = binomial, data = crabs, control = control)),
    rare = record(glm(y ~ x, family = binomial, data = rare, control = control))
  )
}

# R's output that the appendix quotes, line by line, each produced by the very call the text names.
quoted <- local({
  counts <- c(18, 17, 15, 20, 10, 20, 25, 13, 12)   # ?glm's example (Dobson, 1990)
  outcome <- gl(3, 1, 9)
  treatment <- gl(3, 3)
  glm.D93 <- glm(counts ~ outcome + treatment, family = poisson())
  g <- glm(cbind(nFailures, 6 - nFailures) ~ Temperature, binomial, na.omit(vcd::SpaceShuttle))
  clot_fit <- glm(lot1 ~ log(u), data = clotting, family = Gamma)
  clot_log <- glm(lot1 ~ log(u), data = clotting, family = Gamma(link = "log"))
  list(
    dobson_coef = capture.output(print(coef(summary(glm.D93)))),
    pima_summary = capture.output(summary(glm(type ~ glu + bmi, family = binomial,
                                              data = rbind(MASS::Pima.tr, MASS::Pima.te)))),
    challenger_coef_12 = capture.output(print(coef(summary(g)), digits = 12)),
    clotting_dispersion = capture.output(print(summary(clot_fit)$dispersion)),
    clotting_dispersion_12 = capture.output(print(summary(clot_fit)$dispersion, digits = 12)),
    clotting_log_coef = capture.output(print(coef(clot_log))),
    clotting_log_table = capture.output(print(coef(summary(clot_log)))),
    clotting_log_coef_tight = capture.output(print(coef(update(clot_log, control = tight)))))
})
quoted <- lapply(quoted, I)   # one-line outputs stay lists of lines in the JSON

conventions <- local({
  # Rao's score test as anova.glm computes it (R's default fits, so the restricted fit's lagged weights)
  pima_glu <- glm(diabetes ~ glu, family = binomial, data = pima)
  pima_both <- glm(diabetes ~ glu + bmi, family = binomial, data = pima)
  rao <- anova(pima_glu, pima_both, test = "Rao")
  # AIC with an estimated dispersion: a Gaussian fit with prior weights 1, ..., 9 and the gamma fit
  gauss_w <- glm(lot1 ~ log(u), family = gaussian, data = clotting, weights = seq_len(nrow(clotting)))
  clot_fit <- glm(lot1 ~ log(u), family = Gamma, data = clotting, control = tight)
  # grouped binomial against the same flights as 0/1 rows (6 joints each)
  bern <- challenger[rep(seq_len(nrow(challenger)), challenger$n), c("temp", "distressed")]
  bern$y <- unlist(lapply(seq_len(nrow(challenger)), function(i)
    rep(c(1L, 0L), c(challenger$distressed[i], challenger$n[i] - challenger$distressed[i]))))
  grouped <- glm(cbind(distressed, n - distressed) ~ temp, family = binomial, data = challenger, control = tight)
  ungrouped <- glm(y ~ temp, family = binomial, data = bern, control = tight)
  binomial_record <- function(fit) list(coefficients = as.list(coef(fit)), deviance = deviance(fit),
                                        null_deviance = fit$null.deviance, loglik = as.numeric(logLik(fit)),
                                        aic = AIC(fit), nobs = nobs(fit))
  dobson3 <- dobson; dobson3$outcome <- relevel(dobson3$outcome, ref = "3")
  dobson_ref3 <- glm(counts ~ outcome + treatment, family = poisson, data = dobson3)
  dobson_alias <- glm(counts ~ outcome + treatment + I(as.integer(treatment == "2")), family = poisson, data = dobson)
  # prior weights 1, ..., 9 against frequency weights: each row repeated w_i times
  expanded <- clotting[rep(seq_len(nrow(clotting)), seq_len(nrow(clotting))), ]
  gauss_expanded <- glm(lot1 ~ log(u), family = gaussian, data = expanded)
  weight_record <- function(fit) list(coefficients = as.list(coef(fit)), se = as.list(coef(summary(fit))[, 2]),
                                      df_residual = fit$df.residual, dispersion = summary(fit)$dispersion)
  list(
    rao = list(statistic = rao$Rao[2], p = rao[["Pr(>Chi)"]][2]),
    aic_gaussian_weighted = list(aic = AIC(gauss_w), deviance = deviance(gauss_w), nobs = nrow(clotting),
                                 sum_weights = sum(weights(gauss_w, "prior")), dispersion = summary(gauss_w)$dispersion),
    aic_gamma = list(aic = AIC(clot_fit), deviance = deviance(clot_fit), nobs = nrow(clotting),
                     dispersion = summary(clot_fit)$dispersion),
    gamma_ml = list(shape = MASS::gamma.shape(clot_fit)$alpha, dispersion_ml = 1 / MASS::gamma.shape(clot_fit)$alpha,
                    dispersion_deviance = deviance(clot_fit) / df.residual(clot_fit),
                    dispersion_pearson = summary(clot_fit)$dispersion),
    challenger_grouped = binomial_record(grouped), challenger_ungrouped = binomial_record(ungrouped),
    dobson_ref3 = list(coefficients = as.list(coef(dobson_ref3)), deviance = deviance(dobson_ref3)),
    dobson_aliased = list(coefficients = as.list(coef(dobson_alias)), deviance = deviance(dobson_alias)),
    prior_weights = list(weighted = weight_record(gauss_w), expanded = weight_record(gauss_expanded)))
})

# Which of R's other outputs inherit the lag of the working weights: the sparse fit (rare) with R's
# default control and with the tight one, through vcov, confint.default, hatvalues, rstandard,
# cooks.distance and predict(..., se.fit = TRUE) (all built from fit$weights or fit$qr).
lag_outputs <- local({
  outputs <- function(fit) {
    pred <- predict(fit, type = "link", se.fit = TRUE)
    wald <- confint.default(fit)
    list(vcov_diag = unname(diag(vcov(fit))), confint_default_lower = unname(wald[, 1]),
         confint_default_upper = unname(wald[, 2]), hatvalues = unname(hatvalues(fit)),
         rstandard = unname(rstandard(fit)), cooks_distance = unname(cooks.distance(fit)),
         predict_link = unname(pred$fit), predict_link_se = unname(pred$se.fit),
         residuals_default = unname(residuals(fit)), residuals_deviance = unname(residuals(fit, type = "deviance")),
         predict_default = unname(predict(fit)))
  }
  list(default = outputs(glm(y ~ x, family = binomial, data = rare)),
       tight = outputs(glm(y ~ x, family = binomial, data = rare, control = tight)))
})

# Rows of prior weight 0 are dropped from n: the weighted Gaussian fit of the clotting times with
# the first row's weight set to 0 (weights 0, 2, ..., 9).
zero_weight <- local({
  w0 <- seq_len(nrow(clotting)); w0[1] <- 0
  fit <- suppressWarnings(glm(lot1 ~ log(u), family = gaussian, data = clotting, weights = w0))
  s <- suppressWarnings(summary(fit))
  list(weights = w0, df_residual = fit$df.residual, dispersion = s$dispersion,
       se = as.list(coef(s)[, 2]), nobs = nobs(fit), nrow = nrow(clotting))
})

# Added after the entries above (which are unchanged): (wald_estimated_phi) confint.default on a fit
# whose dispersion is estimated, the gamma log-link clotting fit with R's default control: it uses
# N(0, 1) quantiles, where summary() refers the Wald ratios to t; (aic_zero_weight) R's AIC of the
# zero-weight Gaussian fit above, infinite because gaussian()$aic counts length(y) observations and
# subtracts sum(log(wt)), and of the same fit with the zero-weight row dropped; (rao_printed) the
# Rao statistic of the Pima test as print(anova(pima_glu, pima_both, test = "Rao")) shows it.
added <- local({
  clot_log <- glm(lot1 ~ log(u), data = clotting, family = Gamma(link = "log"))
  wald <- confint.default(clot_log)
  w0 <- seq_len(nrow(clotting)); w0[1] <- 0
  zero_fit <- suppressWarnings(glm(lot1 ~ log(u), family = gaussian, data = clotting, weights = w0))
  dropped_fit <- glm(lot1 ~ log(u), family = gaussian, data = clotting[w0 > 0, ], weights = w0[w0 > 0])
  pima_glu <- glm(diabetes ~ glu, family = binomial, data = pima)
  pima_both <- glm(diabetes ~ glu + bmi, family = binomial, data = pima)
  rao_lines <- capture.output(print(anova(pima_glu, pima_both, test = "Rao")))
  header <- rao_lines[startsWith(trimws(rao_lines), "Resid. Df")]
  row_2 <- strsplit(trimws(rao_lines[startsWith(rao_lines, "2 ")]), " +")[[1]]
  stopifnot(length(header) == 1, length(row_2) >= 7)
  list(
    wald_estimated_phi = list(lower = as.list(wald[, 1]), upper = as.list(wald[, 2]),
                              df_residual = clot_log$df.residual, quantile = qnorm(0.975)),
    aic_zero_weight = list(aic_printed = format(AIC(zero_fit)), aic_is_infinite = is.infinite(AIC(zero_fit)),
                           nobs = nobs(zero_fit), length_y = length(zero_fit$y),
                           aic_dropped = AIC(dropped_fit), nobs_dropped = nobs(dropped_fit)),
    rao_printed = list(statistic_printed = row_2[6], statistic = anova(pima_glu, pima_both, test = "Rao")$Rao[2],
                       lines = I(rao_lines)))
})

# Added after the entries above (which are unchanged): (quasi_aic) a quasi-family has a free
# dispersion but no likelihood, and R's AIC of a quasi-Poisson fit of Dobson's table is NA
# (quasipoisson()$aic returns NA), written as null.
added_quasi <- local({
  quasi_fit <- glm(counts ~ outcome + treatment, family = quasipoisson, data = dobson)
  list(quasi_aic = list(aic = AIC(quasi_fit), aic_is_na = is.na(AIC(quasi_fit)),
                        family_aic_is_na = is.na(quasipoisson()$aic(quasi_fit$y, 1, fitted(quasi_fit), 1, deviance(quasi_fit)))))
})

write_fixture(c(list(r_version = R.version.string, default_control = fits(glm.control()), tight = fits(tight),
                     quoted = quoted, conventions = conventions, lag_outputs = lag_outputs,
                     zero_weight = zero_weight), added, added_quasi),
              "chapter_appendix_checking_against_r")
