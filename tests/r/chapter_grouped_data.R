# The grouped-data chapter (chapters/grouped_data.ipynb): the lme4 numbers that tests/r/glmer.R,
# tests/r/ohio_nagq.R and tests/r/gee.R do not record.
# - The random-intercept logit of the CBPP data with lme4's *default* control, as a user who
#   types the model gets it: the chapter shows that it stops a little short of the maximum and
#   that its standard errors come out slightly small (the tight refit is glmer_engine.json's "cbpp").
# - The likelihood-ratio test of period, anova(update(m, . ~ . - period), m), for the herd model
#   and the herd + herd-period model, tightly converged (bobyqa rhoend = 1e-10, PIRLS to 1e-14).
# The data are glm_lib's copy of lme4's cbpp (glm_lib/data/cbpp.csv, the same rows).
# Run from the repository root: Rscript tests/r/chapter_grouped_data.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(lme4))

cbpp <- read.csv(file.path("glm_lib", "data", "cbpp.csv"))
cbpp$herd <- factor(cbpp$herd)
cbpp$period <- factor(cbpp$period)
cbpp$obs <- factor(seq_len(nrow(cbpp)))

tight <- glmerControl(optimizer = "bobyqa", tolPwrss = 1e-14, optCtrl = list(rhoend = 1e-10, maxfun = 1e5))

default_fit <- glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), family = binomial, data = cbpp)
ll <- logLik(default_fit)
default_record <- list(
  params = as.list(fixef(default_fit)), se = unname(sqrt(diag(as.matrix(vcov(default_fit))))),
  theta = unname(getME(default_fit, "theta")), loglik = as.numeric(ll),
  aic = AIC(default_fit), bic = BIC(default_fit), deviance = -2 * as.numeric(ll),
  df_resid = df.residual(default_fit), lme4_version = as.character(packageVersion("lme4"))
)

period_test <- function(formula) {
  full <- glmer(formula, family = binomial, data = cbpp, control = tight)
  reduced <- suppressMessages(update(full, . ~ . - period))   # without period the herd SD may be 0 (singular)
  a <- anova(reduced, full)
  list(chisq = a$Chisq[2], df = a$Df[2], p = a[["Pr(>Chisq)"]][2],
       loglik = as.numeric(logLik(full)), loglik_without_period = as.numeric(logLik(reduced)),
       singular_without_period = isSingular(reduced))
}

write_fixture(list(
  cbpp_default_control = default_record,
  period_lr = list(
    herd = period_test(cbind(incidence, size - incidence) ~ period + (1 | herd)),
    herd_obs = period_test(cbind(incidence, size - incidence) ~ period + (1 | herd) + (1 | obs))
  )
), "chapter_grouped_data")
