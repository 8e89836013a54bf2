# The survival chapter (chapters/survival.ipynb): R's answers that tests/r/survival.R does not
# record (the chapter reads the exponential and Weibull survreg fits and the Breslow Cox fit of
# sex and age from tests/r/fixtures/survival.json). Kaplan-Meier medians and the estimate with its
# log-log Greenwood interval at day 365; the Cox fit with Efron's ties; the score (log-rank)
# tests of sex; the Poisson GLM on every piece of follow-up before the last death; grouped
# months as a binomial GLM with the complementary log-log link; a time-varying effect of sex
# (coxph's tt); delayed entry (Cox and piecewise-exponential fits); and the ECOG exercise (Cox and
# Weibull fits, each with and without ph_ecog); the martingale and deviance residuals of the Breslow Cox
# fit of sex and age, one per patient in file order.
# Data: glm_lib/data/lung.csv, coded as glm_lib's loader codes it (status 1 died, 0 censored).
# Run from the repository root: Rscript tests/r/chapter_survival.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(survival))

lung <- read.csv(file.path("glm_lib", "data", "lung.csv"))
lung$event <- as.integer(lung$status == 2)
lung$female <- as.integer(lung$sex == 2)
lung <- lung[, c("time", "event", "age", "female", "ph_ecog")]

cox_control <- coxph.control(eps = 1e-12, toler.chol = 1e-14, iter.max = 100)
cox_record <- function(fit) list(coefficients = as.list(coef(fit)), se = as.list(sqrt(diag(vcov(fit)))))
glm_coef_record <- function(fit, terms) {
  s <- summary(fit)$coefficients
  list(coefficients = as.list(coef(fit)[terms]), se = as.list(s[terms, 2]))
}
death_times <- function(df) sort(unique(df$time[df$event == 1]))

# Kaplan-Meier by sex, and Greenwood's pointwise 95 % interval on the log(-log) scale at day 365.
km <- survfit(Surv(time, event) ~ female, data = lung, conf.type = "log-log")
km_table <- summary(km)$table
at_365 <- summary(km, times = 365)
sex_names <- c("male", "female")   # female = 0, 1: the strata in this order
kaplan_meier <- list(
  median = setNames(as.list(unname(km_table[, "median"])), sex_names),
  surv_365 = setNames(as.list(at_365$surv), sex_names),
  lower_365 = setNames(as.list(at_365$lower), sex_names),
  upper_365 = setNames(as.list(at_365$upper), sex_names)
)

# Cox model of sex and age with Efron's handling of ties (coxph's default).
cox_efron <- coxph(Surv(time, event) ~ female + age, data = lung, ties = "efron", control = cox_control)

# Martingale and deviance residuals (Therneau et al., 1990) of the Breslow Cox fit of sex and age.
cox_breslow <- coxph(Surv(time, event) ~ female + age, data = lung, ties = "breslow", control = cox_control)
cox_residuals <- list(martingale = unname(residuals(cox_breslow, type = "martingale")),
                      deviance = unname(residuals(cox_breslow, type = "deviance")))

# Score tests of sex alone: Breslow's partial likelihood (binomial variance at tied deaths),
# the exact partial likelihood and survdiff's log-rank test (both hypergeometric variance).
score_breslow <- coxph(Surv(time, event) ~ female, data = lung, ties = "breslow", control = cox_control)
score_exact <- coxph(Surv(time, event) ~ female, data = lung, ties = "exact", control = cox_control)
logrank <- list(score_breslow = unname(summary(score_breslow)$sctest["test"]),
                score_exact = unname(summary(score_exact)$sctest["test"]),
                survdiff = survdiff(Surv(time, event) ~ female, data = lung)$chisq)

# Every piece of follow-up, split at the death times, with its own exposure; the pieces after
# the last death (no deaths, so their interval's constant would run to minus infinity) left out.
all_pieces <- survSplit(Surv(time, event) ~ ., data = lung, cut = death_times(lung), episode = "interval")
all_pieces <- subset(all_pieces, tstart < max(death_times(lung)))
partial <- glm(event ~ factor(interval) + female + age + offset(log(time - tstart)), family = poisson,
               data = all_pieces, control = tight_control)

# Months (365.25 / 12 days) as a binomial GLM with the cloglog link; months without a death left out.
months <- survSplit(Surv(time, event) ~ ., data = lung, cut = (1:33) * 365.25 / 12, episode = "month")
months <- months[months$month %in% unique(months$month[months$event == 1]), ]
cloglog <- glm(event ~ factor(month) + female + age, family = binomial(link = "cloglog"),
               data = months, control = tight_control)

# A log hazard ratio of women that changes linearly in log time.
cox_tt <- coxph(Surv(time, event) ~ female + age + tt(female), data = lung, ties = "breslow",
                tt = function(x, t, ...) x * log(t), control = cox_control)

# Delayed entry: patient i = 0, 1, ... (file order) enters at (7 i mod 100) days and counts only
# if still followed then.
delayed <- lung
delayed$entry <- (7 * (seq_len(nrow(lung)) - 1)) %% 100
delayed <- delayed[delayed$time > delayed$entry, ]
cox_delayed <- coxph(Surv(entry, time, event) ~ female + age, data = delayed, ties = "breslow",
                     control = cox_control)
delayed_pieces <- survSplit(Surv(entry, time, event) ~ ., data = delayed, cut = death_times(delayed),
                            episode = "interval")   # survSplit keeps the start column's name, entry
delayed_pieces <- subset(delayed_pieces, entry < max(death_times(delayed)))
pe_delayed <- glm(event ~ factor(interval) + female + age + offset(log(time - entry)), family = poisson,
                  data = delayed_pieces, control = tight_control)

# The ECOG exercise: the patients with a physician's ECOG score.
ecog <- subset(lung, !is.na(ph_ecog))
cox_ecog <- coxph(Surv(time, event) ~ female + age + ph_ecog, data = ecog, ties = "breslow", control = cox_control)
cox_ecog_base <- coxph(Surv(time, event) ~ female + age, data = ecog, ties = "breslow", control = cox_control)
survreg_control <- survreg.control(rel.tolerance = 1e-12, maxiter = 100)
survreg_record <- function(fit) list(coefficients = as.list(coef(fit)), scale = fit$scale, loglik = fit$loglik[2])
weib_ecog <- survreg(Surv(time, event) ~ female + age + ph_ecog, data = ecog, control = survreg_control)
weib_ecog_base <- survreg(Surv(time, event) ~ female + age, data = ecog, control = survreg_control)

# Stratified on sex (the chapter's stratification recipe): Breslow's stratified Cox model of age.
cox_strata <- coxph(Surv(time, event) ~ age + strata(female), data = lung, ties = "breslow", control = cox_control)

write_fixture(list(
  kaplan_meier = kaplan_meier,
  coxph_efron = cox_record(cox_efron),
  coxph_breslow_residuals = cox_residuals,
  logrank = logrank,
  poisson_all_pieces = c(glm_coef_record(partial, c("female", "age")), n_rows = nrow(all_pieces)),
  cloglog_months = c(glm_coef_record(cloglog, c("female", "age")), n_rows = nrow(months),
                     n_months = length(unique(months$month))),
  coxph_tt = cox_record(cox_tt),
  delayed = list(n_patients = nrow(delayed), coxph_breslow = cox_record(cox_delayed),
                 poisson_all_pieces = c(glm_coef_record(pe_delayed, c("female", "age")),
                                        n_rows = nrow(delayed_pieces))),
  ecog = list(n_patients = nrow(ecog), coxph_breslow = cox_record(cox_ecog),
              coxph_breslow_sex_age = cox_record(cox_ecog_base),
              survreg_weibull = survreg_record(weib_ecog),
              survreg_weibull_sex_age = survreg_record(weib_ecog_base)),
  coxph_strata_sex = cox_record(cox_strata)
), "chapter_survival")
