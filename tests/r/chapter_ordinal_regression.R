# The ordinal-regression chapter (chapters/ordinal_regression.ipynb): the numbers that
# tests/r/ordinal.R does not record. The saturated multinomial fit of the housing table
# (Sat ~ Infl * Type * Cont, one probability vector per covariate pattern), which the
# chapter's goodness-of-fit deviance is measured against, and the proportional-odds fits
# with interactions that the chapter compares, with the model stepAIC selects from the
# main-effects fit within ~ .^2 (Venables and Ripley, 2002, sec. 7.3). polr refitted with a
# tight tolerance (its default BFGS stops about 1e-6 short of the optimum), multinom too.
# Coefficient names are glm_lib's ("Infl[T.High]:Type[T.Atrium]" for R's "InflHigh:TypeAtrium").
# Run from the repository root: Rscript tests/r/chapter_ordinal_regression.R
source("tests/r/_common.R")
suppressPackageStartupMessages({library(MASS); library(nnet); library(ordinal)})

housing <- read.csv(file.path("glm_lib", "data", "housing.csv"), stringsAsFactors = FALSE)
housing$Sat <- factor(housing$Sat, levels = c("Low", "Medium", "High"), ordered = TRUE)
housing$Infl <- factor(housing$Infl, levels = c("Low", "Medium", "High"))
housing$Type <- factor(housing$Type, levels = c("Tower", "Apartment", "Atrium", "Terrace"))
housing$Cont <- factor(housing$Cont, levels = c("Low", "High"))

tight_polr <- list(reltol = 1e-15, maxit = 10000)

# R's "InflHigh:TypeAtrium" as glm_lib names it.
python_name <- function(name) {
  parts <- strsplit(name, ":", fixed = TRUE)[[1]]
  parts <- vapply(parts, function(p) {
    factor_name <- c("Infl", "Type", "Cont")[startsWith(p, c("Infl", "Type", "Cont"))]
    sprintf("%s[T.%s]", factor_name, substring(p, nchar(factor_name) + 1))
  }, "")
  paste(parts, collapse = ":")
}

fit_polr <- function(formula) polr(formula, data = housing, weights = Freq, Hess = TRUE, control = tight_polr)

polr_record <- function(fit) {
  b <- coef(fit)
  list(params = setNames(as.list(unname(b)), vapply(names(b), python_name, "")),
       thresholds = as.list(fit$zeta), llf = as.numeric(logLik(fit)), aic = AIC(fit),
       n_params = length(b) + length(fit$zeta))
}

# The saturated model of the grouped table: multinom with one probability vector per pattern,
# and the same log-likelihood in closed form, sum of y log(y / y+) over the 72 cells.
saturated <- multinom(Sat ~ Infl * Type * Cont, data = housing, weights = Freq, reltol = 1e-15, abstol = 1e-300,
                      maxit = 10000, trace = FALSE)
totals <- ave(housing$Freq, housing$Infl, housing$Type, housing$Cont, FUN = sum)
saturated_closed_form <- sum(housing$Freq * log(housing$Freq / totals))

main <- fit_polr(Sat ~ Infl + Type + Cont)
formulas <- list(
  "main effects" = Sat ~ Infl + Type + Cont,
  "+ Infl:Cont" = Sat ~ Infl + Type + Cont + Infl:Cont,
  "+ Type:Cont" = Sat ~ Infl + Type + Cont + Type:Cont,
  "+ Infl:Type" = Sat ~ Infl + Type + Cont + Infl:Type,
  "+ Infl:Type + Type:Cont" = Sat ~ Infl + Type + Cont + Infl:Type + Type:Cont,
  "all two-way" = Sat ~ (Infl + Type + Cont)^2
)
interactions <- lapply(formulas, function(f) polr_record(fit_polr(f)))

# Venables and Ripley's selection: stepAIC from the main effects within all two-way interactions.
selected <- stepAIC(main, scope = ~ .^2, trace = 0)

# The wine exercise: clm's profile-likelihood interval for the temperature coefficient
# (log odds ratio), confint on a tightly converged fit.
wine <- read.csv(file.path("glm_lib", "data", "wine.csv"), stringsAsFactors = FALSE)
wine$rating <- factor(wine$rating, levels = 1:5, ordered = TRUE)
wine$temp <- factor(wine$temp, levels = c("cold", "warm"))
wine$contact <- factor(wine$contact, levels = c("no", "yes"))
wine_fit <- clm(rating ~ temp + contact, data = wine,
                control = clm.control(gradTol = 1e-12, relTol = 1e-12, maxIter = 1000))
wine_profile <- confint(wine_fit, level = 0.95)  # profile intervals of the slopes

write_fixture(list(
  saturated_multinom_llf = as.numeric(logLik(saturated)),
  saturated_llf = saturated_closed_form,
  g2_proportional_odds = 2 * (as.numeric(logLik(saturated)) - as.numeric(logLik(main))),
  interactions = interactions,
  stepaic_terms = attr(terms(selected), "term.labels"),
  wine_temp_profile = unname(wine_profile["tempwarm", ])
), "chapter_ordinal_regression")
