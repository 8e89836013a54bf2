# Log-linear models for contingency tables: MASS::loglm and glm fixtures for
# tests/test_tables.py and the contingency-table chapter (Berkeley admissions).
# Run from the repository root: Rscript tests/r/tables.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(MASS))

berkeley <- ucb_admissions()
ucb <- berkeley$data
table3 <- berkeley$table

models <- list(
  mutual = ~ Admit + Gender + Dept,
  joint_AG_D = ~ Admit * Gender + Dept,
  conditional_AD_GD = ~ Admit * Dept + Gender * Dept,
  homogeneous = ~ Admit * Gender + Admit * Dept + Gender * Dept
)
loglm_record <- function(formula) {
  fit <- loglm(formula, data = table3, eps = 1e-12, iter = 1000)  # loglin: tight IPF convergence
  list(G2 = fit$lrt, X2 = fit$pearson, df = fit$df)
}
two_way <- margin.table(table3, c(1, 2))
chisq <- chisq.test(two_way, correct = FALSE)
logit <- glm(cbind(Admitted, Rejected) ~ Gender + Dept, family = binomial,
             data = reshape(ucb, idvar = c("Gender", "Dept"), timevar = "Admit", direction = "wide",
                            v.names = "Freq") |> setNames(c("Gender", "Dept", "Admitted", "Rejected")),
             control = glm.control(epsilon = 1e-12, maxit = 100))
# Stratified tables: mantelhaen.test, and the Breslow-Day statistic written out from Breslow and Day
# (1980, section 4.4): fitted a_k under the Mantel-Haenszel odds ratio from the quadratic (polyroot),
# as DescTools::BreslowDayTest computes it (DescTools is not installed here). A stratum whose margins
# fix its table (a zero row or column total) carries no information on the odds ratio: it is skipped
# and costs its degree of freedom (its term would be 0/0).
htest_record <- function(h) list(statistic = unname(h$statistic), df = unname(h$parameter), p = h$p.value,
                                 estimate = if (is.null(h$estimate)) NULL else unname(h$estimate),
                                 conf_int = if (is.null(h$conf.int)) NULL else as.numeric(h$conf.int))
# R's ?mantelhaen.test example: penicillin and rabbits (Rabbits), 2 x 2 x 5, with empty cells.
rabbits <- array(c(0, 0, 6, 5,  3, 0, 3, 6,  6, 2, 0, 4,  5, 6, 1, 0,  2, 5, 0, 0), dim = c(2, 2, 5),
                 dimnames = list(Delay = c("None", "1.5h"), Response = c("Cured", "Died"),
                                 Penicillin.Level = c("1/8", "1/4", "1/2", "1", "4")))
housing <- MASS::housing
housing_sic <- xtabs(Freq ~ Sat + Infl + Cont, housing)
stratified <- list(
  ucb_correct = htest_record(mantelhaen.test(table3)),
  ucb_uncorrected = htest_record(mantelhaen.test(table3, correct = FALSE)),
  ucb_admit_dept_by_gender = htest_record(mantelhaen.test(aperm(table3, c(1, 3, 2)))),
  rabbits_correct = htest_record(mantelhaen.test(rabbits)),
  rabbits_uncorrected = htest_record(mantelhaen.test(rabbits, correct = FALSE, conf.level = 0.9)),
  housing_sat_infl_by_cont = htest_record(mantelhaen.test(housing_sic)),
  ucb_breslow_day = breslow_day_r(table3),
  ucb_breslow_day_tarone = breslow_day_r(table3, tarone = TRUE),
  rabbits_breslow_day = breslow_day_r(rabbits),
  rabbits_breslow_day_tarone = breslow_day_r(rabbits, tarone = TRUE),
  rabbits = list(counts = as.vector(rabbits), dims = dimnames(rabbits))
)

write_fixture(list(
  stratified = stratified,
  loglm = lapply(models, loglm_record),
  two_way = list(X2 = unname(chisq$statistic), df = unname(chisq$parameter), p = chisq$p.value,
                 expected = unname(as.vector(chisq$expected))),
  logit_gender_dept = list(coefficients = as.list(coef(logit)), se = as.list(sqrt(diag(vcov(logit)))),
                           deviance = deviance(logit), df = logit$df.residual)
), "tables")
