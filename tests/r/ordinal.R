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

# Nominal (partial proportional odds) effects: clm's threshold coefficients
# "1|2.(Intercept)", ..., "1|2.contactyes", ... in clm's order (by nominal column, then threshold).
from_nominal <- function(fit) {
  se <- sqrt(diag(vcov(fit)))
  list(
    params = as.list(fit$beta), bse = as.list(se[names(fit$beta)]),
    thresholds = as.list(fit$alpha), thresholds_bse = as.list(se[names(fit$alpha)]),
    llf = as.numeric(logLik(fit)), aic = AIC(fit), n_params = length(coef(fit)),
    fitted = unname(fitted(fit))
  )
}
# R's nominal_test(fit), refitted here term by term with tight tolerances (nominal_test's own
# refits lose the control argument): each term moved from the formula to `nominal`.
from_nominal_test <- function(fit, data, w = rep(1, nrow(data)), nominal = character(0)) {
  terms <- attr(terms(fit$formula), "term.labels")
  response <- as.character(fit$formula[[2]])
  refits <- lapply(terms, function(term) {
    rest <- setdiff(terms, term)
    formula <- reformulate(if (length(rest)) rest else "1", response = response)
    clm(formula, nominal = reformulate(c(nominal, term)), data = data, weights = w, control = tight_clm)
  })
  llf <- sapply(refits, function(m) as.numeric(logLik(m)))
  df <- sapply(refits, function(m) length(coef(m))) - length(coef(fit))
  lrt <- 2 * (llf - as.numeric(logLik(fit)))
  list(terms = terms, df = df, llf = llf, lrt = lrt, p = pchisq(lrt, df, lower.tail = FALSE))
}

# drop1 on polr fits (stats:::drop1.default refits with update(), keeping the tight control)
from_drop1 <- function(fit, k = 2) {
  tab <- drop1(fit, test = "Chisq", k = k)
  list(terms = rownames(tab)[-1], df = tab$Df[-1], aic = tab$AIC, lrt = tab$LRT[-1], p = tab[["Pr(>Chi)"]][-1])
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
  wine_nominal_contact = from_nominal(
    clm(rating ~ temp, nominal = ~ contact, data = wine, link = "logit", control = tight_clm)),
  wine_nominal_contact_probit = from_nominal(
    clm(rating ~ temp, nominal = ~ contact, data = wine, link = "probit", control = tight_clm)),
  housing_nominal_all = from_nominal(
    clm(Sat ~ 1, nominal = ~ Infl + Type + Cont, data = housing, weights = Freq, control = tight_clm)),
  housing_nominal_type = from_nominal(
    clm(Sat ~ Infl + Cont, nominal = ~ Type, data = housing, weights = Freq, control = tight_clm)),
  housing_nominal_cloglog = from_nominal(
    clm(Sat ~ Infl + Type, nominal = ~ Cont, data = housing, weights = Freq, link = "cloglog", control = tight_clm)),
  housing_nominal_test = from_nominal_test(
    clm(Sat ~ Infl + Type + Cont, data = housing, weights = Freq, control = tight_clm), housing, housing$Freq),
  housing_type_nominal_test = from_nominal_test(
    clm(Sat ~ Infl + Cont, nominal = ~ Type, data = housing, weights = Freq, control = tight_clm), housing,
    housing$Freq, nominal = "Type"),
  wine_nominal_test = from_nominal_test(
    clm(rating ~ temp + contact, data = wine, control = tight_clm), wine),
  housing_drop1 = from_drop1(
    polr(Sat ~ Infl + Type + Cont, data = housing, weights = Freq, Hess = TRUE, control = tight_polr)),
  housing_interaction_drop1_bic = from_drop1(
    polr(Sat ~ Infl * Type + Cont, data = housing, weights = Freq, Hess = TRUE, control = tight_polr),
    k = log(sum(housing$Freq))),
  wine_temp_drop1 = from_drop1(polr(rating ~ temp, data = wine, Hess = TRUE, control = tight_polr)),
  housing_new_rows = which(housing$Sat == "Low") - 1,
  wine_new_rows = as.integer(rownames(wine_new)) - 1
)
write_fixture(fixtures, "ordinal")
