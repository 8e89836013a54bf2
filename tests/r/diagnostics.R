# Model-checking quantities for glm_lib.diagnostics: influence (hatvalues, rstandard
# of both types, rstudent, cooks.distance, dfbetas), partial residuals and car::vif
# for every family; the Hosmer-Lemeshow test (ResourceSelection::hoslem.test's
# computation, written out because the package is not installed) and rootogram
# expected frequencies. Writes tests/r/fixtures/diagnostics.json.
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages({library(MASS); library(car)})

control <- tight_control
budworm <- budworm_data()
birth <- birthwt_data(c("low", "age", "lwt", "race", "smoke"))
ships <- ships_data()
cars <- mtcars[, c("mpg", "wt", "hp", "disp", "cyl")]; cars$cylf <- factor(cars$cyl); rownames(cars) <- NULL
quine_d <- quine_data()

cases <- list(
  list(name = "gaussian_mtcars", data = cars, family = gaussian(), formula = "mpg ~ wt + hp + disp + cylf"),
  list(name = "binomial_counts_budworm", data = budworm, family = binomial(),
       formula = "cbind(numdead, numalive) ~ sex * ldose"),
  list(name = "binomial_binary_birthwt", data = birth, family = binomial(),
       formula = "low ~ age + lwt + race + smoke"),
  list(name = "poisson_offset_ships", data = ships, family = poisson(),
       formula = "incidents ~ type + year + period", offset = "logservice"),
  list(name = "gamma_log_mtcars", data = cars, family = Gamma("log"), formula = "mpg ~ wt + hp"),
  list(name = "inverse_gaussian_mtcars", data = cars, family = inverse.gaussian("log"), formula = "mpg ~ wt + hp"),
  list(name = "quasipoisson_quine", data = quine_d, family = quasipoisson(), formula = "Days ~ Eth + Sex + Age")
)

gvif_table <- function(fit) {
  v <- suppressWarnings(car::vif(fit))
  if (is.null(dim(v))) v <- cbind(GVIF = v, Df = 1, "GVIF^(1/(2*Df))" = sqrt(v))
  list(terms = rownames(v), GVIF = unname(v[, 1]), Df = unname(v[, 2]), root = unname(v[, 3]))
}

influence_record <- function(fit) {
  partial <- residuals(fit, type = "partial")
  list(coefficients = unname(coef(fit)),
       hatvalues = unname(hatvalues(fit)),
       rstandard_deviance = unname(rstandard(fit)),
       rstandard_pearson = unname(rstandard(fit, type = "pearson")),
       rstudent = unname(rstudent(fit)),
       cooks_distance = unname(cooks.distance(fit)),
       dfbetas = unname(lapply(seq_len(ncol(dfbetas(fit))), function(j) unname(dfbetas(fit)[, j]))),
       partial_terms = colnames(partial),
       partial = lapply(seq_len(ncol(partial)), function(j) unname(partial[, j])),
       vif = if (length(attr(terms(fit), "term.labels")) >= 2) gvif_table(fit) else NULL)
}

run_case <- function(case) {
  message(case$name)
  df <- case$data
  offset <- if (is.null(case$offset)) rep(0, nrow(df)) else df[[case$offset]]
  fit <- glm(as.formula(case$formula), family = case$family, data = df, offset = offset, control = control)
  c(list(name = case$name, formula = case$formula, family = python_family(case$family),
         link = case$family$link, offset = case$offset, data = export_data(df)),
    influence_record(fit))
}

# ResourceSelection::hoslem.test(y, fitted(fit), g), written out.
hoslem <- function(y, yhat, g) {
  qq <- unique(quantile(yhat, probs = seq(0, 1, 1 / g)))
  cutyhat <- cut(yhat, breaks = qq, include.lowest = TRUE)
  observed <- xtabs(cbind(y0 = 1 - y, y1 = y) ~ cutyhat)
  expected <- xtabs(cbind(yhat0 = 1 - yhat, yhat1 = yhat) ~ cutyhat)
  chisq <- sum((observed - expected)^2 / expected)
  list(statistic = chisq, df = g - 2, p_value = 1 - pchisq(chisq, g - 2),
       observed = unname(observed[, 2]), expected = unname(expected[, 2]))
}
birth_fit <- glm(low ~ age + lwt + race + smoke, family = binomial(), data = birth, control = control)

crabs <- read.csv(file.path("glm_lib", "data", "crabs.csv"))
crabs_pois <- glm(satellites ~ width, family = poisson(), data = crabs, control = control)
crabs_nb <- glm.nb(satellites ~ width, data = crabs, control = control)
expected_counts <- function(p) unname(colSums(p))
K <- 0:max(crabs$satellites)

nb_case <- list(name = "negbin_quine", formula = "Days ~ Eth + Sex + Age + Lrn", data = export_data(quine_d))
quine_nb <- glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine_d, control = control)

write_fixture(list(
  r_version = R.version.string, car_version = as.character(packageVersion("car")),
  cases = lapply(cases, run_case),
  negbin = c(nb_case, list(theta = quine_nb$theta), influence_record(quine_nb)),
  hoslem = list(case = "binomial_binary_birthwt",
                g10 = hoslem(birth$low, fitted(birth_fit), 10), g6 = hoslem(birth$low, fitted(birth_fit), 6)),
  rootogram = list(counts = K,
                   poisson = expected_counts(outer(fitted(crabs_pois), K, function(m, k) dpois(k, m))),
                   negbin = expected_counts(outer(fitted(crabs_nb), K, function(m, k) dnbinom(k, size = crabs_nb$theta, mu = m))),
                   theta = crabs_nb$theta)
), "diagnostics")
