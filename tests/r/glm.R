# R's glm on real data, families x links, with weights, offsets, factors and
# interactions: estimates, inference, influence, predictions with standard errors
# and analysis-of-deviance tables. Writes tests/r/fixtures/glm.json.
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages(library(MASS))

control <- glm.control(epsilon = 1e-12, maxit = 100)
unorder <- function(df) { for (v in names(df)) if (is.ordered(df[[v]])) df[[v]] <- factor(df[[v]], ordered = FALSE); df }

# --- data (every column a model uses, with factors in R's level order) -------------
esoph_d <- unorder(esoph)
warp <- warpbreaks; warp$w <- rep(1:3, 18)
budworm <- data.frame(ldose = rep(0:5, 2),
                      numdead = c(1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16),
                      sex = factor(rep(c("M", "F"), c(6, 6))))
budworm$numalive <- 20 - budworm$numdead
budworm$prop <- budworm$numdead / 20
budworm$total <- 20
budworm$w <- rep(c(1, 2, 3), 4)
insurance <- unorder(Insurance); insurance$logHolders <- log(insurance$Holders)
ships <- subset(MASS::ships, service > 0)
ships$year <- factor(ships$year); ships$period <- factor(ships$period)
ships$logservice <- log(ships$service)
cars <- mtcars[, c("mpg", "wt", "hp", "cyl", "am", "carb")]
cars$cylf <- factor(cars$cyl)
rownames(cars) <- NULL
quine_d <- quine
birth <- birthwt[, c("low", "age", "lwt", "race", "smoke")]
birth$race <- factor(birth$race, labels = c("white", "black", "other"))
rownames(birth) <- NULL
sprays <- InsectSprays

cases <- list(
  list(name = "gaussian_identity_warpbreaks", data = warp, family = gaussian(),
       formula = "breaks ~ wool * tension", small = "breaks ~ wool + tension", test = "F"),
  list(name = "gaussian_log_warpbreaks", data = warp, family = gaussian("log"),
       formula = "breaks ~ wool + tension"),
  list(name = "gaussian_inverse_weighted_mtcars", data = cars, family = gaussian("inverse"),
       formula = "mpg ~ wt + hp", weights = "carb"),
  list(name = "binomial_logit_esoph", data = esoph_d, family = binomial(),
       formula = "cbind(ncases, ncontrols) ~ agegp + tobgp + alcgp",
       small = "cbind(ncases, ncontrols) ~ agegp + alcgp", test = "Chisq"),
  list(name = "binomial_probit_budworm", data = budworm, family = binomial("probit"),
       formula = "cbind(numdead, numalive) ~ sex + ldose"),
  list(name = "binomial_cloglog_budworm", data = budworm, family = binomial("cloglog"),
       formula = "cbind(numdead, numalive) ~ sex * ldose",
       small = "cbind(numdead, numalive) ~ sex + ldose", test = "Chisq"),
  list(name = "binomial_cauchit_budworm", data = budworm, family = binomial("cauchit"),
       formula = "cbind(numdead, numalive) ~ sex + ldose"),
  list(name = "binomial_log_birthwt", data = birth, family = binomial("log"),
       formula = "low ~ race + smoke", start = c(log(mean(birth$low)), 0, 0, 0)),
  list(name = "binomial_logit_cbind_weights_budworm", data = budworm, family = binomial(),
       formula = "cbind(numdead, numalive) ~ sex + ldose", weights = "w"),
  list(name = "binomial_logit_proportion_budworm", data = budworm, family = binomial(),
       formula = "prop ~ sex + ldose", weights = "total"),
  list(name = "binomial_logit_binary_birthwt", data = birth, family = binomial(),
       formula = "low ~ age + lwt + race + smoke", small = "low ~ lwt + race", test = "Chisq"),
  list(name = "poisson_log_insectsprays", data = sprays, family = poisson(),
       formula = "count ~ spray", small = "count ~ 1", test = "Chisq"),
  list(name = "poisson_identity_insectsprays", data = sprays, family = poisson("identity"),
       formula = "count ~ spray"),
  list(name = "poisson_sqrt_warpbreaks", data = warp, family = poisson("sqrt"),
       formula = "breaks ~ wool + tension"),
  list(name = "poisson_log_weighted_warpbreaks", data = warp, family = poisson(),
       formula = "breaks ~ wool * tension", weights = "w"),
  list(name = "poisson_log_offset_insurance", data = insurance, family = poisson(),
       formula = "Claims ~ District + Group + Age", offset = "logHolders",
       small = "Claims ~ District + Age", test = "Chisq"),
  list(name = "poisson_log_offset_ships", data = ships, family = poisson(),
       formula = "incidents ~ type + year + period", offset = "logservice"),
  list(name = "gamma_inverse_mtcars", data = cars, family = Gamma(),
       formula = "mpg ~ wt + cylf", small = "mpg ~ wt", test = "F"),
  list(name = "gamma_log_mtcars", data = cars, family = Gamma("log"),
       formula = "mpg ~ wt * am"),
  list(name = "gamma_identity_mtcars", data = cars, family = Gamma("identity"),
       formula = "mpg ~ wt + hp"),
  list(name = "inverse_gaussian_canonical_mtcars", data = cars, family = inverse.gaussian(),
       formula = "mpg ~ wt"),
  list(name = "inverse_gaussian_log_mtcars", data = cars, family = inverse.gaussian("log"),
       formula = "mpg ~ wt + hp"),
  list(name = "quasipoisson_quine", data = quine_d, family = quasipoisson(),
       formula = "Days ~ Eth * Sex + Age", small = "Days ~ Eth + Sex + Age", test = "F"),
  list(name = "quasibinomial_esoph", data = esoph_d, family = quasibinomial(),
       formula = "cbind(ncases, ncontrols) ~ agegp + alcgp")
)

# New data for predictions: a few rows of the data (every factor level still seen),
# numeric covariates moved a little so the predictions are not the fitted values.
new_rows <- function(df, formula) {
  rows <- df[unique(round(seq(1, nrow(df), length.out = 4))), , drop = FALSE]
  for (v in names(rows)) if (is.numeric(rows[[v]]) && v %in% all.vars(as.formula(formula)[[3]]))
    rows[[v]] <- rows[[v]] * 1.05
  rownames(rows) <- NULL
  rows
}

run_case <- function(case) {
  message(case$name)
  df <- case$data
  args <- list(formula = as.formula(case$formula), family = case$family, data = df, control = control)
  if (!is.null(case$weights)) args$weights <- df[[case$weights]]
  if (!is.null(case$offset)) args$offset <- df[[case$offset]]
  if (!is.null(case$start)) args$start <- case$start
  fit <- do.call(glm, args)
  newdata <- new_rows(df, case$formula)
  record <- glm_record(fit, if (is.null(case$offset)) newdata else NULL)
  if (!is.null(case$offset)) {
    # predict.glm with offset = an argument of glm(): give the new offset explicitly
    args_off <- args; args_off$offset <- NULL
    args_off$formula <- as.formula(paste(case$formula, "+ offset(", case$offset, ")"))
    fit_off <- do.call(glm, args_off)
    stopifnot(isTRUE(all.equal(coef(fit_off), coef(fit))))
    record$predict <- glm_record(fit_off, newdata)$predict
  }
  out <- list(name = case$name, formula = case$formula, family = python_family(case$family),
              link = case$family$link, weights = case$weights, offset = case$offset, start = case$start,
              data = export_data(df), r = record)
  if (!is.null(case$small)) {
    args$formula <- as.formula(case$small)
    small <- do.call(glm, args)
    tab <- anova(small, fit, test = case$test)
    out$anova <- list(small = case$small, test = case$test,
                      table = lapply(as.list(tab), unname))
  }
  out
}

nb_record <- function(fit, newdata) {
  record <- glm_record(fit, newdata)
  record$theta <- fit$theta
  record$theta_se <- fit$SE.theta
  record$twologlik <- fit$twologlik
  record
}

quine_nb <- glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine_d, control = control)
quine_nb_small <- glm.nb(Days ~ Eth + Sex, data = quine_d, control = control)
quine_nb_sqrt <- glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine_d, link = sqrt, control = control)
nb_anova <- anova(quine_nb_small, quine_nb)
nb_new <- new_rows(quine_d, "Days ~ Eth + Sex + Age + Lrn")

# Issue 8's bugs, at R's default control where the default matters.
collect_warnings <- function(expr) {
  messages <- character()
  value <- withCallingHandlers(expr, warning = function(w) {
    messages <<- c(messages, conditionMessage(w)); invokeRestart("muffleWarning") })
  list(value = value, warnings = unique(messages))
}
# 1: prior weights with cbind(): logLik is sum(w * dbinom(s, n, mu)); mustart uses n, not w * n,
#    which shows at the default epsilon (one-step-behind weights, iteration count).
bw_default <- glm(cbind(numdead, numalive) ~ sex + ldose, binomial, data = budworm, weights = w)
# 3: a log-binomial fit whose maximum is on the boundary mu = 1.
boundary_data <- data.frame(x = c(1, 2, 3, 4, 5, 6, 7, 8), y = c(0, 0, 1, 0, 1, 1, 1, 1))
boundary <- collect_warnings(glm(y ~ x, binomial("log"), data = boundary_data, start = c(-2, 0.1)))
# 5: glm.nb with the sqrt link at the default control.
nb_sqrt_default <- glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine_d, link = sqrt)
bugs <- list(
  cbind_weights_default = list(data = export_data(budworm), formula = "cbind(numdead, numalive) ~ sex + ldose",
                               weights = "w", r = glm_record(bw_default)),
  boundary = list(data = export_data(boundary_data), formula = "y ~ x", link = "log", start = c(-2, 0.1),
                  warnings = boundary$warnings, coefficients = as.list(coef(boundary$value)),
                  fitted = unname(fitted(boundary$value))),
  nb_sqrt_default = list(theta = nb_sqrt_default$theta, coefficients = as.list(coef(nb_sqrt_default)))
)

fixture <- list(
  bugs = bugs,
  r_version = R.version.string,
  glm = lapply(cases, run_case),
  glm_nb = list(
    list(name = "negbin_log_quine", formula = "Days ~ Eth + Sex + Age + Lrn", link = "log",
         data = export_data(quine_d), r = nb_record(quine_nb, nb_new)),
    list(name = "negbin_sqrt_quine", formula = "Days ~ Eth + Sex + Age + Lrn", link = "sqrt",
         data = export_data(quine_d), r = nb_record(quine_nb_sqrt, nb_new)),
    list(name = "negbin_log_quine_small", formula = "Days ~ Eth + Sex", link = "log",
         data = export_data(quine_d), r = nb_record(quine_nb_small, nb_new))
  ),
  glm_nb_anova = list(small = "negbin_log_quine_small", large = "negbin_log_quine",
                      table = lapply(as.list(nb_anova), function(col) unname(if (is.factor(col)) as.character(col) else col)))
)
write_fixture(fixture, "glm")
