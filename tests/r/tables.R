# Log-linear models for contingency tables: MASS::loglm and glm fixtures for
# tests/test_tables.py and the contingency-table chapter (Berkeley admissions).
# Run from the repository root: Rscript tests/r/tables.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(MASS))

ucb <- read.csv(file.path("glm_lib", "data", "ucb_admissions.csv"), stringsAsFactors = FALSE)
ucb$Admit <- factor(ucb$Admit, levels = c("Admitted", "Rejected"))
ucb$Gender <- factor(ucb$Gender, levels = c("Male", "Female"))
ucb$Dept <- factor(ucb$Dept)
table3 <- xtabs(Freq ~ Admit + Gender + Dept, ucb)

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
write_fixture(list(
  loglm = lapply(models, loglm_record),
  two_way = list(X2 = unname(chisq$statistic), df = unname(chisq$parameter), p = chisq$p.value,
                 expected = unname(as.vector(chisq$expected))),
  logit_gender_dept = list(coefficients = as.list(coef(logit)), se = as.list(sqrt(diag(vcov(logit)))),
                           deviance = deviance(logit), df = logit$df.residual)
), "tables")
