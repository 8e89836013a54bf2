# Cumulative-link (ordinal) regression fixtures for tests/test_ordinal.py.
# MASS::polr for the logit link and ordinal::clm for logit, probit and cloglog,
# all refitted with tight tolerances (R's defaults stop ~1e-6 short of the optimum).
# Run from the repository root: Rscript tests/r/ordinal.R
source("tests/r/_common.R")
suppressPackageStartupMessages({library(MASS); library(ordinal); library(nnet)})

read_data <- function(name) read.csv(file.path("glm_lib", "data", paste0(name, ".csv")), stringsAsFactors = FALSE)

housing <- read_data("housing")
housing$Sat <- factor(housing$Sat, levels = c("Low", "Medium", "High"), ordered = TRUE)
housing$Infl <- factor(housing$Infl, levels = c("Low", "Medium", "High"))
housing$Type <- factor(housing$Type, levels = c("Tower", "Apartment", "Atrium", "Terrace"))
housing$Cont <- factor(housing$Cont, levels = c("Low", "High"))

wine <- read_data("wine")
wine$rating <- factor(wine$rating, levels = 1:5, ordered = TRUE)
wine$temp <- factor(wine$temp, levels = c("cold", "warm"))
wine$contact <- factor(wine$contact, levels = c("no", "yes"))

tight_polr <- list(reltol = 1e-15, maxit = 10000)
tight_clm <- clm.control(gradTol = 1e-12, relTol = 1e-12, maxIter = 1000)

from_polr <- function(fit, newdata) {
  se <- sqrt(diag(vcov(fit)))
  list(
    params = as.list(coef(fit)), bse = as.list(se[names(coef(fit))]),
    thresholds = as.list(fit$zeta), thresholds_bse = as.list(se[names(fit$zeta)]),
    llf = as.numeric(logLik(fit)), aic = AIC(fit), deviance = deviance(fit),
    predict_proba = unname(as.matrix(predict(fit, newdata = newdata, type = "probs")))
  )
}

from_clm <- function(fit, newdata) {
  se <- sqrt(diag(vcov(fit)))
  probs <- predict(fit, newdata = newdata[, setdiff(names(newdata), names(fit$y.levels))], type = "prob")$fit
  list(
    params = as.list(fit$beta), bse = as.list(se[names(fit$beta)]),
    thresholds = as.list(fit$alpha), thresholds_bse = as.list(se[names(fit$alpha)]),
    llf = as.numeric(logLik(fit)), aic = AIC(fit), deviance = -2 * as.numeric(logLik(fit)),
    predict_proba = unname(as.matrix(probs))
  )
}

housing_new <- housing[housing$Sat == "Low", c("Infl", "Type", "Cont")]
wine_new <- unique(wine[, c("temp", "contact")])

fixtures <- list(
  housing_polr_logit = from_polr(
    polr(Sat ~ Infl + Type + Cont, data = housing, weights = Freq, Hess = TRUE, control = tight_polr), housing_new),
  housing_polr_probit = from_polr(
    polr(Sat ~ Infl + Type + Cont, data = housing, weights = Freq, Hess = TRUE, method = "probit", control = tight_polr), housing_new),
  housing_clm_logit = from_clm(
    clm(Sat ~ Infl + Type + Cont, data = housing, weights = Freq, link = "logit", control = tight_clm), housing_new),
  housing_clm_probit = from_clm(
    clm(Sat ~ Infl + Type + Cont, data = housing, weights = Freq, link = "probit", control = tight_clm), housing_new),
  housing_clm_cloglog = from_clm(
    clm(Sat ~ Infl + Type + Cont, data = housing, weights = Freq, link = "cloglog", control = tight_clm), housing_new),
  wine_polr_logit = from_polr(
    polr(rating ~ temp + contact, data = wine, Hess = TRUE, control = tight_polr), wine_new),
  wine_clm_logit = from_clm(
    clm(rating ~ temp + contact, data = wine, link = "logit", control = tight_clm), wine_new),
  wine_clm_cloglog = from_clm(
    clm(rating ~ temp + contact, data = wine, link = "cloglog", control = tight_clm), wine_new),
  housing_multinom = (function(fit) list(llf = as.numeric(logLik(fit)), deviance = deviance(fit), aic = AIC(fit),
                                         n_params = length(coef(fit))))(
    multinom(Sat ~ Infl + Type + Cont, data = housing, weights = Freq, reltol = 1e-15, abstol = 1e-300,
             maxit = 10000, trace = FALSE)),
  housing_new_rows = which(housing$Sat == "Low") - 1,
  wine_new_rows = as.integer(rownames(wine_new)) - 1
)
write_fixture(fixtures, "ordinal")
