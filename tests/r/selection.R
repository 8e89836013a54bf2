# drop1 and add1 on glm fits, with R's quirks: marginality (drop1 keeps main effects
# of an interaction; add1 adds an interaction only after its main effects), the AIC
# column on extractAIC's scale (absent for quasi families), LRT scaled by the
# current dispersion, and the two F tests. Writes tests/r/fixtures/selection.json.
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages(library(MASS))

control <- tight_control
budworm <- budworm_data()
birth <- birthwt_data(c("low", "age", "lwt", "race", "smoke", "ht"))
ships <- ships_data()
cars <- mtcars_data(c("mpg", "wt", "hp", "disp", "qsec"))
quine_d <- quine_data()

cases <- list(
  list(name = "binomial_interaction_budworm", data = budworm, family = binomial(),
       formula = "cbind(numdead, numalive) ~ sex * ldose", tests = c("Chisq", "F")),
  list(name = "binomial_binary_birthwt", data = birth, family = binomial(),
       formula = "low ~ age + lwt + race", tests = c("Chisq"),
       add = "~ . + smoke + ht + race:smoke"),
  list(name = "poisson_offset_ships", data = ships, family = poisson(),
       formula = "incidents ~ type + year", offset = "logservice", tests = c("Chisq"),
       add = "~ . + period + type:year"),
  list(name = "gaussian_mtcars", data = cars, family = gaussian(), formula = "mpg ~ wt + hp",
       tests = c("Chisq", "F"), add = "~ . + disp + qsec"),
  list(name = "gamma_log_mtcars", data = cars, family = Gamma("log"), formula = "mpg ~ wt + hp + disp",
       tests = c("Chisq", "F"), add = "~ . + qsec + wt:hp"),
  list(name = "quasipoisson_quine", data = quine_d, family = quasipoisson(), formula = "Days ~ Eth + Sex + Age",
       tests = c("Chisq", "F"), add = "~ . + Lrn + Eth:Sex")
)

table_record <- function(tab) {
  list(rows = rownames(tab), columns = names(tab), values = lapply(as.list(tab), unname))
}

run_case <- function(case) {
  message(case$name)
  df <- case$data
  offset <- if (is.null(case$offset)) rep(0, nrow(df)) else df[[case$offset]]
  df$.offset <- offset
  fit <- glm(as.formula(case$formula), family = case$family, data = df, offset = .offset, control = control)
  out <- list(name = case$name, formula = case$formula, family = python_family(case$family),
              link = case$family$link, offset = case$offset, data = export_data(case$data),
              drop1 = list(none = table_record(drop1(fit))), add1 = NULL, add_scope = case$add)
  for (test in case$tests) out$drop1[[test]] <- table_record(suppressWarnings(drop1(fit, test = test)))
  if (!is.null(case$add)) {
    out$add1 <- list(none = table_record(add1(fit, as.formula(case$add))))
    for (test in case$tests) out$add1[[test]] <- table_record(suppressWarnings(add1(fit, as.formula(case$add), test = test)))
  }
  out
}

write_fixture(list(r_version = R.version.string, cases = lapply(cases, run_case)), "selection")
