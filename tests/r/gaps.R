# R's behaviour where glm_lib used to differ (issue 17): one model's analysis of
# deviance, predictions after dotted column names and `y ~ .`, a proportion
# response s/m with weights m, non-integer binomial successes (fitted with a
# warning), and multinom's formula interface.
source("tests/r/_common.R")
suppressPackageStartupMessages(library(nnet))

anova_record <- function(fit, test) {
  a <- anova(fit, test = test)
  list(terms = rownames(a), df = unname(a$Df), deviance = unname(a$Deviance),
       resid_df = unname(a[["Resid. Df"]]), resid_dev = unname(a[["Resid. Dev"]]),
       p = unname(a[[ncol(a)]]), f = if ("F" %in% names(a)) unname(a$F) else NULL)
}

dobson <- data.frame(counts = c(18, 17, 15, 20, 10, 20, 25, 13, 12), outcome = gl(3, 1, 9), treatment = gl(3, 3))
budworm <- budworm_data()
budworm$m <- 20
cars <- mtcars_data(c("mpg", "wt", "hp", "cyl"))
cars$cyl <- factor(cars$cyl)
clotting <- data.frame(u = c(5, 10, 15, 20, 30, 40, 60, 80, 100),
                       lot1 = c(118, 58, 42, 35, 27, 25, 21, 19, 18))

# Dotted names (R's own style, e.g. airquality's Solar.R) and y ~ .
air <- na.omit(airquality)[, c("Ozone", "Solar.R", "Wind", "Temp")]
rownames(air) <- NULL
dotted <- glm(Ozone ~ Solar.R + Wind, family = Gamma(link = "log"), data = air, control = tight_control)
everything <- glm(Ozone ~ ., family = Gamma(link = "log"), data = air, control = tight_control)
new_air <- air[c(1, 10, 50), ]

proportion <- glm(numdead / m ~ ldose + sex, family = binomial, weights = m, data = budworm, control = tight_control)
half <- transform(budworm, numdead = numdead + 0.5)
non_integer <- suppressWarnings(glm(cbind(numdead, numalive) ~ ldose, family = binomial, data = half, control = tight_control))

gators <- read.csv(file.path("glm_lib", "data", "alligator.csv"), stringsAsFactors = TRUE)
gator_fit <- multinom(food ~ lake + size, data = gators, weights = count, trace = FALSE,
                      reltol = 1e-15, abstol = 1e-300, maxit = 10000, Hess = TRUE)

write_fixture(list(
  anova = list(
    dobson = c(list(data = export_data(dobson)), anova_record(glm(counts ~ outcome + treatment, poisson, dobson, control = tight_control), "Chisq")),
    budworm = c(list(data = export_data(budworm)), anova_record(glm(cbind(numdead, numalive) ~ ldose * sex, binomial, budworm, control = tight_control), "Chisq")),
    mtcars = c(list(data = export_data(cars)), anova_record(glm(mpg ~ wt + cyl + hp, gaussian, cars, control = tight_control), "F")),
    clotting = c(list(data = export_data(clotting)), anova_record(glm(lot1 ~ log(u), Gamma, clotting, control = tight_control), "F"))
  ),
  dotted = list(data = export_data(air), newdata = export_data(new_air),
                dotted = c(glm_record(dotted), list(predicted = unname(predict(dotted, new_air, type = "response")))),
                everything = c(glm_record(everything), list(predicted = unname(predict(everything, new_air, type = "response"))))),
  proportion = c(list(data = export_data(budworm)), glm_record(proportion)),
  non_integer = c(list(data = export_data(half)), glm_record(non_integer)),
  multinom = list(classes = gator_fit$lev, terms = colnames(coef(gator_fit)),
                  params = unname(coef(gator_fit)), bse = unname(summary(gator_fit)$standard.errors),
                  llf = as.numeric(logLik(gator_fit)), aic = AIC(gator_fit), deviance = deviance(gator_fit),
                  probs = unname(predict(gator_fit, gators[c(1, 2, 41), ], type = "probs")))
), "gaps")
