# The pitfalls-and-model-choice chapter (chapters/pitfalls_and_model_choice.ipynb): R's answers
# that tests/r/firth.R (Firth's fit to the endometrial data) does not record. The school
# absences (quine): the negative binomial likelihood-ratio test of learner status (MASS::glm.nb,
# theta estimated again without Lrn, compared by anova), and QAIC / QAICc of the five candidate
# models with c-hat = Pearson X^2 / df of the quasi-Poisson fit with all four predictors
# (Burnham & Anderson 2002, K = coefficients + 1). The endometrial data: the maximum-likelihood
# fit under quasi-complete separation and its limit, the fit of HG on PI and EH to the NV = 0
# patients alone. Data from glm_lib/data, so R fits the chapter's rows.
# Run from the repository root: Rscript tests/r/chapter_pitfalls_and_model_choice.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(MASS))

quine <- read.csv("glm_lib/data/quine.csv", stringsAsFactors = TRUE)
n <- nrow(quine)

# Learner status under the negative binomial: glm.nb with and without Lrn.
nb_full <- glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine, control = tight_control)
nb_no_lrn <- glm.nb(Days ~ Eth + Sex + Age, data = quine, control = tight_control)
lrn_test <- anova(nb_no_lrn, nb_full)
nb_lrn <- list(lr_stat = lrn_test[["LR stat."]][2], p = lrn_test[["Pr(Chi)"]][2],
               loglik_full = as.numeric(logLik(nb_full)), loglik_no_lrn = as.numeric(logLik(nb_no_lrn)),
               theta_full = nb_full$theta, theta_no_lrn = nb_no_lrn$theta,
               aic_full = AIC(nb_full), aic_no_lrn = AIC(nb_no_lrn))

# QAIC with one c-hat, from the quasi-Poisson fit with all four predictors.
full_quasi <- glm(Days ~ Eth + Sex + Age + Lrn, family = quasipoisson, data = quine, control = tight_control)
c_hat <- sum(residuals(full_quasi, type = "pearson")^2) / df.residual(full_quasi)
candidates <- list("Eth + Sex + Age + Lrn" = Days ~ Eth + Sex + Age + Lrn,
                   "without Sex" = Days ~ Eth + Age + Lrn,
                   "without Lrn" = Days ~ Eth + Sex + Age,
                   "without Age" = Days ~ Eth + Sex + Lrn,
                   "without Eth" = Days ~ Sex + Age + Lrn)
qaic_record <- function(f) {
  fit <- glm(f, family = poisson, data = quine, control = tight_control)
  K <- length(coef(fit)) + 1
  ll <- as.numeric(logLik(fit))
  q <- -2 * ll / c_hat + 2 * K
  list(loglik = ll, K = K, qaic = q, qaicc = q + 2 * K * (K + 1) / (n - K - 1))
}

# Endometrial: ML under separation (glm stops with a large finite NV coefficient; the other
# coefficients approach those of the NV = 0 patients' fit) and that limiting fit.
endometrial <- read.csv("glm_lib/data/endometrial.csv")
endo_ml <- suppressWarnings(glm(HG ~ NV + PI + EH, family = binomial, data = endometrial))
endo_nv0 <- glm(HG ~ PI + EH, family = binomial, data = subset(endometrial, NV == 0), control = tight_control)

write_fixture(list(
  r_version = R.version.string, mass_version = as.character(packageVersion("MASS")),
  nb_lrn = nb_lrn,
  c_hat = c_hat, qaic = lapply(candidates, qaic_record),
  endometrial_ml = list(coefficients = as.list(coef(endo_ml)), converged = endo_ml$converged,
                        iterations = endo_ml$iter),
  endometrial_nv0 = list(coefficients = as.list(coef(endo_nv0)))
), "chapter_pitfalls_and_model_choice")
