# The contingency-tables chapter (chapters/contingency_tables.ipynb): R's answers for the
# Berkeley admissions table as the chapter fits it. The pooled two-way table (chisq.test
# and the independence glm), the nine log-linear models of the three-way table as Poisson
# glms (and MASS::loglm for four of them), the likelihood-ratio test of Admit:Gender given
# department, the Mantel-Haenszel test and the Breslow-Day statistic, and Fisher's exact
# test of the tea-tasting table (an exercise).
# Run from the repository root: Rscript tests/r/chapter_contingency_tables.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(MASS))

berkeley <- ucb_admissions()
ucb <- berkeley$data
table3 <- berkeley$table

# The pooled table, rows Gender, columns Admit (as the chapter prints it).
two_way_table <- margin.table(table3, c(2, 1))
chisq <- chisq.test(two_way_table, correct = FALSE)
two_way <- as.data.frame(margin.table(table3, c(1, 2)))
independence <- glm(Freq ~ Admit + Gender, family = poisson, data = two_way, control = tight_control)

# The nine log-linear models, named as in the chapter's table.
formulas <- list(
  "mutual independence" = Freq ~ Admit + Gender + Dept,
  "Admit*Gender + Dept" = Freq ~ Admit * Gender + Dept,
  "Admit*Dept + Gender" = Freq ~ Admit * Dept + Gender,
  "Gender*Dept + Admit" = Freq ~ Gender * Dept + Admit,
  "Admit*Gender + Admit*Dept" = Freq ~ Admit * Gender + Admit * Dept,
  "Admit*Gender + Gender*Dept" = Freq ~ Admit * Gender + Gender * Dept,
  "conditional independence" = Freq ~ Admit * Dept + Gender * Dept,
  "homogeneous association" = Freq ~ Admit * Gender + Admit * Dept + Gender * Dept,
  "saturated" = Freq ~ Admit * Gender * Dept
)
fits <- lapply(formulas, function(f) glm(f, family = poisson, data = ucb, control = tight_control))
loglinear <- list(
  names = names(fits),
  deviance = unname(sapply(fits, deviance)),
  pearson_chi2 = unname(sapply(fits, function(fit) sum(residuals(fit, "pearson")^2))),
  df_residual = unname(sapply(fits, df.residual)),
  aic = unname(sapply(fits, AIC))
)
# The same G2 from iterative proportional fitting (loglin), tightly converged.
loglm_names <- c("mutual independence", "Admit*Gender + Dept", "conditional independence",
                 "homogeneous association")
loglm_fits <- lapply(loglm_names, function(name) {
  fit <- loglm(update(formulas[[name]], NULL ~ .), data = table3, eps = 1e-12, iter = 1000)
  list(G2 = fit$lrt, df = fit$df)
})
names(loglm_fits) <- loglm_names

# Admit:Gender given department: conditional independence against homogeneous association.
lr <- anova(fits[["conditional independence"]], fits[["homogeneous association"]], test = "Chisq")

# Mantel-Haenszel (no continuity correction) and Breslow-Day. The Breslow-Day statistic is written
# out from Breslow and Day (1980, section 4.4), as tests/r/tables.R does and as
# Rows Admit, columns Gender, strata Dept (as the chapter calls glm_lib's mantelhaen).
cmh <- mantelhaen.test(table3, correct = FALSE)

# Fisher's tea-tasting experiment: 4 cups of each kind, 3 of 4 guessed right.
tea <- matrix(c(3, 1, 1, 3), 2)
tea_two_sided <- fisher.test(tea)
tea_greater <- fisher.test(tea, alternative = "greater")

write_fixture(list(
  r_version = R.version.string,
  two_way = list(X2 = unname(chisq$statistic), df = unname(chisq$parameter), p = chisq$p.value,
                 G2 = deviance(independence), df_residual = independence$df.residual),
  loglinear = loglinear,
  loglm = loglm_fits,
  lr_gender_given_dept = list(deviance = lr$Deviance[2], df = lr$Df[2], p = lr[["Pr(>Chi)"]][2]),
  mantel_haenszel = list(statistic = unname(cmh$statistic), df = unname(cmh$parameter), p = cmh$p.value,
                         estimate = unname(cmh$estimate), conf_int = as.numeric(cmh$conf.int)),
  breslow_day = breslow_day_r(table3),
  tea = list(p_two_sided = tea_two_sided$p.value, p_greater = tea_greater$p.value)
), "chapter_contingency_tables")
print(loglinear[c("deviance", "df_residual")])
print(cmh)
