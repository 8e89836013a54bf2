# R's formula language as R users write it: offset() terms, factor(), I(x^2), poly(),
# ordered factors (contr.poly), factor responses, cbind() with calls inside.
# glm_lib must fit each formula string unchanged. Writes tests/r/fixtures/formula.json.
source(file.path("tests", "r", "_common.R"))
suppressPackageStartupMessages(library(MASS))

control <- glm.control(epsilon = 1e-12, maxit = 100)

insurance <- Insurance  # Group and Age are ordered factors: R uses contr.poly for them
cars <- mtcars[, c("mpg", "wt", "hp", "cyl")]
rownames(cars) <- NULL
birth <- birthwt[, c("low", "lwt", "smoke", "race")]
birth$outcome <- ifelse(birth$low == 1, "low", "normal")  # strings: R needs factor(), glm_lib takes them
birth$outcome_factor <- factor(birth$outcome, levels = c("normal", "low"))
rownames(birth) <- NULL
budworm <- data.frame(ldose = rep(0:5, 2),
                      numdead = c(1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16),
                      sex = factor(rep(c("M", "F"), c(6, 6))))
ships <- subset(MASS::ships, service > 0)
rownames(ships) <- NULL

new_rows <- function(df, rows, changes = list()) {
  out <- df[rows, , drop = FALSE]
  for (v in names(changes)) out[[v]] <- changes[[v]]
  rownames(out) <- NULL
  out
}

cases <- list(
  list(name = "offset_in_formula_ordered_factors", data = insurance, family = poisson(),
       formula = "Claims ~ District + Group + Age + offset(log(Holders))",
       newdata = new_rows(insurance, c(1, 20, 40, 64), list(Holders = c(100, 250, 1000, 20)))),
  list(name = "factor_call", data = cars, family = Gamma("log"), formula = "mpg ~ wt + factor(cyl)",
       newdata = new_rows(cars, c(1, 3, 5), list(wt = c(2.5, 3, 3.5)))),
  list(name = "power_inside_I", data = cars, family = gaussian(), formula = "mpg ~ wt + I(wt^2)",
       newdata = new_rows(cars, c(2, 9), list(wt = c(2.2, 4.4)))),
  list(name = "orthogonal_poly", data = cars, family = gaussian("log"), formula = "mpg ~ poly(hp, 2) + wt",
       newdata = new_rows(cars, c(4, 7, 11), list(hp = c(90, 150, 300)))),
  list(name = "factor_response", data = birth, family = binomial(), formula = "outcome_factor ~ lwt + smoke",
       newdata = new_rows(birth, c(1, 2))),
  list(name = "string_response", data = birth, family = binomial(), formula = "outcome ~ lwt + smoke",
       r_formula = "factor(outcome) ~ lwt + smoke",  # levels sorted: "low" is failure, as in glm_lib
       newdata = new_rows(birth, c(1, 2))),
  list(name = "cbind_with_calls", data = budworm, family = binomial("cauchit"),
       formula = "cbind(numdead, round(20 - numdead, 0)) ~ sex + ldose",
       newdata = new_rows(budworm, c(2, 9), list(ldose = c(1.5, 4.5))))
)

run_case <- function(case) {
  message(case$name)
  r_formula <- if (is.null(case$r_formula)) case$formula else case$r_formula
  fit <- glm(as.formula(r_formula), family = case$family, data = case$data, control = control)
  list(name = case$name, formula = case$formula, family = python_family(case$family),
       link = case$family$link, data = export_data(case$data),
       coefficient_names = names(coef(fit)), r = glm_record(fit, case$newdata))
}

nb <- glm.nb(incidents ~ type + factor(period) + offset(log(service)), data = ships, control = control)
nb_new <- new_rows(ships, c(1, 10, 20), list(service = c(100, 1000, 5000)))
nb_record <- glm_record(nb, nb_new)
nb_record$theta <- nb$theta

write_fixture(list(
  glm = lapply(cases, run_case),
  glm_nb = list(name = "glm_nb_offset_in_formula", formula = "incidents ~ type + factor(period) + offset(log(service))",
                data = export_data(ships), r = nb_record)
), "formula")
