# The linear-mixed-models chapter (chapters/linear_mixed_models.ipynb): lme4 numbers that
# tests/r/lmer.R does not record. Random-intercept fits, likelihood-ratio tests of the random
# slope (REML and lme4's ML refit), Kenward-Roger and Satterthwaite degrees of freedom
# (pbkrtest), profile intervals for the fixed effects, the two singular fits the chapter
# shows, the fit to days 2-9 (an exercise) and the penicillin fits without one of the two
# crossed terms. Each fit uses a tightly converged bobyqa.
# Run from the repository root: Rscript tests/r/lmm_chapter.R
source("tests/r/_common.R")
suppressPackageStartupMessages({library(lme4); library(pbkrtest)})

control <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5))
sleep <- lme4::sleepstudy
sleep$Dayf <- factor(sleep$Days)
penicillin <- lme4::Penicillin

fit_record <- function(fit) {
  vc <- as.data.frame(VarCorr(fit))
  list(params = as.list(fixef(fit)), se = unname(sqrt(diag(as.matrix(vcov(fit))))),
       sigma = sigma(fit), theta = unname(getME(fit, "theta")),
       loglik = as.numeric(logLik(fit)), singular = isSingular(fit),
       varcorr = list(grp = vc$grp, var1 = ifelse(is.na(vc$var1), "", vc$var1),
                      var2 = ifelse(is.na(vc$var2), "", vc$var2), vcov = vc$vcov, sdcor = vc$sdcor))
}
quietly <- function(expr) suppressMessages(suppressWarnings(expr))

slope_reml <- lmer(Reaction ~ Days + (Days | Subject), sleep, control = control)
slope_ml <- lmer(Reaction ~ Days + (Days | Subject), sleep, REML = FALSE, control = control)
icept_reml <- lmer(Reaction ~ Days + (1 | Subject), sleep, control = control)
icept_ml <- lmer(Reaction ~ Days + (1 | Subject), sleep, REML = FALSE, control = control)

# anova() refits REML fits by ML before comparing them.
refit <- quietly(anova(icept_reml, slope_reml))
lr_test <- list(ml_chisq = refit$Chisq[2], ml_df = refit$Df[2], ml_p = refit[["Pr(>Chisq)"]][2],
                reml_lambda = as.numeric(2 * (logLik(slope_reml) - logLik(icept_reml))))

# Denominator degrees of freedom for each fixed effect alone (L = a row of the identity).
ddf <- function(fit, f) vapply(seq_along(fixef(fit)), function(j) {
  L <- matrix(0, 1, length(fixef(fit))); L[1, j] <- 1; f(fit, L)
}, 0.0)
kr_ddf <- ddf(slope_reml, function(fit, L) get_Lb_ddf(fit, L))
sat <- SATmodcomp(slope_reml, update(slope_reml, . ~ . - Days))
kr <- KRmodcomp(slope_reml, update(slope_reml, . ~ . - Days))

profile_ml <- quietly(confint(slope_ml, parm = "beta_", method = "profile", oldNames = FALSE))
wald_ml <- confint(slope_ml, parm = "beta_", method = "Wald")

# Singular fits: a day effect shared by all subjects, and the random slope model for three subjects.
day_effect <- quietly(lmer(Reaction ~ Days + (Days | Subject) + (1 | Dayf), sleep, control = control))
three <- droplevels(subset(sleep, Subject %in% c("308", "309", "310")))
three_fit <- quietly(lmer(Reaction ~ Days + (Days | Subject), three, control = control))

# Days 2-9, counted from the baseline day 2 (lme4's help page: days 0-1 were adaptation and training).
deprived <- transform(subset(sleep, Days >= 2), since = Days - 2)
deprived_fit <- quietly(lmer(Reaction ~ since + (since | Subject), deprived, control = control))

# Penicillin without one of its two crossed terms (REML, same fixed effects).
pen_both <- lmer(diameter ~ 1 + (1 | plate) + (1 | sample), penicillin, control = control)
pen_plate <- lmer(diameter ~ 1 + (1 | plate), penicillin, control = control)
pen_sample <- lmer(diameter ~ 1 + (1 | sample), penicillin, control = control)

# Per-subject least squares (lme4's lmList).
own <- coef(lmList(Reaction ~ Days | Subject, sleep))

write_fixture(list(
  slope_reml = fit_record(slope_reml), slope_ml = fit_record(slope_ml),
  intercept_reml = fit_record(icept_reml), intercept_ml = fit_record(icept_ml),
  lr_test = lr_test,
  kr_ddf = kr_ddf, kr = list(F = kr$test["Ftest", "stat"], ddf = kr$test["Ftest", "ddf"], p = kr$test["Ftest", "p.value"]),
  sat = list(F = sat$test[1, "statistic"], ddf = sat$test[1, "ddf"], p = sat$test[1, "p.value"]),
  profile_ml = list(names = rownames(profile_ml), lower = unname(profile_ml[, 1]), upper = unname(profile_ml[, 2])),
  wald_ml = list(names = rownames(wald_ml), lower = unname(wald_ml[, 1]), upper = unname(wald_ml[, 2])),
  day_effect = fit_record(day_effect), three_subjects = fit_record(three_fit),
  deprived = fit_record(deprived_fit),
  penicillin_both = fit_record(pen_both), penicillin_plate = fit_record(pen_plate),
  penicillin_sample = fit_record(pen_sample),
  lmlist = list(subjects = rownames(own), intercept = unname(own[, 1]), slope = unname(own[, 2]))
), "lmm_chapter")
