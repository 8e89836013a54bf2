# Shared helpers for the fixture scripts (sourced, not run by `make r-fixtures`).
# Every script runs from the repository root: `Rscript tests/r/NAME.R`.
suppressPackageStartupMessages(library(jsonlite))

fixture_path <- function(name) file.path("tests", "r", "fixtures", paste0(name, ".json"))

# 15 significant digits (I(15)): R's answers to round-off, also for tiny p-values.
write_fixture <- function(x, name) {
  write_json(x, fixture_path(name), digits = I(15), auto_unbox = TRUE, null = "null",
             na = "null", pretty = FALSE)
  message("wrote ", fixture_path(name))
}

# A data frame as named columns, factors as strings, plus each factor's levels in R's order.
export_data <- function(df) {
  factors <- Filter(is.factor, df)
  columns <- lapply(df, function(col) if (is.factor(col)) as.character(col) else unname(col))
  list(columns = columns, levels = lapply(factors, levels),
       ordered = names(Filter(is.ordered, df)))
}

# R's families as glm_lib names them.
python_family <- function(family) {
  switch(family$family,
         gaussian = "Gaussian", binomial = "Binomial", poisson = "Poisson", Gamma = "Gamma",
         inverse.gaussian = "InverseGaussian", quasipoisson = "QuasiPoisson",
         quasibinomial = "QuasiBinomial", stop("no glm_lib family for ", family$family))
}

maybe <- function(expr) tryCatch(expr, error = function(e) NULL)

# Everything a glm_lib fit is compared with.
glm_record <- function(fit, newdata = NULL) {
  s <- summary(fit)
  ll <- maybe(logLik(fit))
  out <- list(
    coefficients = as.list(coef(fit)),
    se = as.list(s$coefficients[, 2]),
    deviance = deviance(fit), null_deviance = fit$null.deviance,
    df_residual = fit$df.residual, df_null = fit$df.null,
    dispersion = s$dispersion,
    loglik = if (is.null(ll)) NULL else as.numeric(ll),
    aic = if (is.null(ll)) NULL else AIC(fit), bic = if (is.null(ll)) NULL else BIC(fit),
    fitted = unname(fitted(fit)), prior_weights = unname(weights(fit, "prior")),
    hatvalues = unname(hatvalues(fit)), rstandard = unname(rstandard(fit)),
    cooks_distance = unname(cooks.distance(fit)),
    iterations = fit$iter
  )
  if (!is.null(newdata)) {
    link <- predict(fit, newdata, type = "link", se.fit = TRUE)
    resp <- predict(fit, newdata, type = "response", se.fit = TRUE)
    out$predict <- list(newdata = export_data(newdata),
                        link = unname(link$fit), link_se = unname(link$se.fit),
                        response = unname(resp$fit), response_se = unname(resp$se.fit))
  }
  out
}

# The data sets several scripts fit, prepared once. R's own, from datasets and MASS.
tight_control <- glm.control(epsilon = 1e-12, maxit = 100)

# Bliss's budworms (Venables & Ripley, MASS 4th ed., sec. 7.2): 20 moths per cell.
budworm_data <- function() {
  df <- data.frame(ldose = rep(0:5, 2),
                   numdead = c(1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16),
                   sex = factor(rep(c("M", "F"), c(6, 6))))
  df$numalive <- 20 - df$numdead
  df
}

birthwt_data <- function(columns = c("low", "age", "lwt", "race", "smoke")) {
  df <- MASS::birthwt[, columns]
  df$race <- factor(df$race, labels = c("white", "black", "other"))
  rownames(df) <- NULL
  df
}

ships_data <- function() {
  df <- subset(MASS::ships, service > 0)
  df$year <- factor(df$year); df$period <- factor(df$period)
  df$logservice <- log(df$service)
  rownames(df) <- NULL
  df
}

mtcars_data <- function(columns) {
  df <- mtcars[, columns]
  rownames(df) <- NULL
  df
}

# quine with its ordered factors unordered (treatment contrasts, as the Python side fits them).
quine_data <- function() {
  df <- MASS::quine
  for (v in names(df)) if (is.ordered(df[[v]])) df[[v]] <- factor(df[[v]], ordered = FALSE)
  df
}

# The Berkeley admissions data with R's level order, and its Admit x Gender x Dept table
# (tests/r/tables.R and the contingency-tables chapter).
ucb_admissions <- function() {
  ucb <- read.csv(file.path("glm_lib", "data", "ucb_admissions.csv"), stringsAsFactors = FALSE)
  ucb$Admit <- factor(ucb$Admit, levels = c("Admitted", "Rejected"))
  ucb$Gender <- factor(ucb$Gender, levels = c("Male", "Female"))
  ucb$Dept <- factor(ucb$Dept)
  list(data = ucb, table = xtabs(Freq ~ Admit + Gender + Dept, ucb))
}

# Breslow-Day test of a common odds ratio over the strata of a 2 x 2 x K table (DescTools is not
# installed): the fitted a_k under the Mantel-Haenszel odds ratio from the quadratic, strata
# without a free cell skipped; tarone = TRUE subtracts Tarone's correction.
breslow_day_r <- function(x, tarone = FALSE) {
  psi <- mantelhaen.test(x)$estimate
  stat <- 0; gaps <- 0; vars <- 0; used <- 0
  for (k in seq_len(dim(x)[3])) {
    a <- x[1, 1, k]; m1 <- sum(x[1, , k]); n1 <- sum(x[, 1, k]); N <- sum(x[, , k])
    if (min(m1, n1) - max(0, m1 + n1 - N) <= 0) next
    used <- used + 1
    # psi (m1 - e)(n1 - e) = e (N - m1 - n1 + e): (1 - psi) e^2 + (N - m1 - n1 + psi (m1 + n1)) e - psi m1 n1 = 0
    roots <- Re(polyroot(c(-psi * m1 * n1, N - m1 - n1 + psi * (m1 + n1), 1 - psi)))
    e <- roots[roots >= max(0, m1 + n1 - N) - 1e-9 & roots <= min(m1, n1) + 1e-9][1]
    v <- 1 / (1 / e + 1 / (m1 - e) + 1 / (n1 - e) + 1 / (N - m1 - n1 + e))
    stat <- stat + (a - e)^2 / v; gaps <- gaps + a - e; vars <- vars + v
  }
  if (tarone) stat <- stat - gaps^2 / vars
  list(statistic = unname(stat), df = used - 1, p = unname(pchisq(stat, used - 1, lower.tail = FALSE)))
}

# The Challenger logit fit (distressed O-rings of 6 on temperature, tight control) and its fitted
# probability at 31 F with the Wald interval on the logit scale (two chapters quote it).
challenger_oring_fit <- function() {
  challenger <- read.csv("glm_lib/data/challenger.csv")
  glm(cbind(distressed, n - distressed) ~ temp, family = binomial, data = challenger, control = tight_control)
}
wald_forecast <- function(fit, newdata, level = 0.95) {
  at <- predict(fit, newdata, type = "link", se.fit = TRUE)
  z <- qnorm(1 - (1 - level) / 2)
  list(fit = plogis(unname(at$fit)), lower = plogis(unname(at$fit - z * at$se.fit)),
       upper = plogis(unname(at$fit + z * at$se.fit)))
}
