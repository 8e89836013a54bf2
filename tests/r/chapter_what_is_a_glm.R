# The chapter "What is a GLM?" (chapters/what_is_a_glm.ipynb): R's answers for its worked
# examples and exercise solutions, on the data glm_lib ships (glm_lib/data/*.csv), so both
# sides fit the same rows. Dobson and Barnett's birthweights (lm), the Challenger O-rings
# (binomial, logit and probit; with the leak-check pressure under the shipped coding and
# under the other widely copied one), Dobson's 3x3 table, the ships with an offset, the
# clotting times (gamma, inverse link) and the offset exercise (Poisson and quasi-Poisson).
# Run from the repository root: Rscript tests/r/chapter_what_is_a_glm.R
source("tests/r/_common.R")

ctl <- tight_control
coefs <- function(fit) as.list(coef(fit))

# Birthweight against gestational age.
births <- read.csv("glm_lib/data/birthweight.csv")
births$sex <- factor(births$sex, levels = c("boy", "girl"))
fit_births <- lm(weight ~ age, data = births)

# Challenger: the shipped table (vcd::SpaceShuttle's coding) and the other coding of the
# pressure (flight 8 at 100 psi, 41-B at 200 psi).
orings <- read.csv("glm_lib/data/challenger.csv", colClasses = c(flight = "character"))
orings_alt <- orings
orings_alt$pressure[orings_alt$flight == "8"] <- 100
orings_alt$pressure[orings_alt$flight == "41B"] <- 200
fit_orings <- glm(cbind(distressed, n - distressed) ~ temp, family = binomial, data = orings, control = ctl)
pressure_record <- function(data) {
  base <- glm(cbind(distressed, n - distressed) ~ temp, family = binomial, data = data, control = ctl)
  with_pressure <- update(base, . ~ . + pressure)
  tab <- anova(base, with_pressure, test = "Chisq")
  list(deviance_drop = tab$Deviance[2], df = tab$Df[2], p = tab[["Pr(>Chi)"]][2],
       temp = unname(coef(with_pressure)["temp"]))
}
# the chance that 8 or more of the 9 distressed O-rings fall on the 15 flights at 200 psi
at_200_alt <- orings_alt$pressure == 200
tail_200_alt <- pbinom(sum(orings_alt$distressed[at_200_alt]) - 1, sum(orings$distressed),
                       sum(at_200_alt) / nrow(orings), lower.tail = FALSE)
launch <- data.frame(temp = c(31, 36))
link <- predict(fit_orings, launch, type = "link", se.fit = TRUE)
z <- qnorm(0.975)
fit_probit <- glm(cbind(distressed, n - distressed) ~ temp, family = binomial(link = "probit"),
                  data = orings, control = ctl)

# Dobson's table.
dobson <- read.csv("glm_lib/data/dobson.csv")
dobson$outcome <- factor(dobson$outcome); dobson$treatment <- factor(dobson$treatment)
fit_dobson <- glm(counts ~ outcome + treatment, family = poisson, data = dobson, control = ctl)

# Ships with months of service as an offset (the rows with service > 0), and the offset exercise.
ships <- subset(read.csv("glm_lib/data/ships.csv"), service > 0)
ships$type <- factor(ships$type); ships$year <- factor(ships$year); ships$period <- factor(ships$period)
fit_ships <- glm(incidents ~ type + offset(log(service)), family = poisson, data = ships, control = ctl)
log_service <- function(fam, formula) {
  fit <- glm(formula, family = fam, data = ships, control = ctl)
  s <- summary(fit)
  est <- unname(coef(fit)["log(service)"]); se <- unname(s$coefficients["log(service)", 2])
  # Wald interval with the reference distribution glm_lib uses: normal when the dispersion is
  # fixed, t on the residual degrees of freedom when it is estimated
  q <- if (fam$family == "poisson") qnorm(0.975) else qt(0.975, fit$df.residual)
  list(estimate = est, se = se, lower = est - q * se, upper = est + q * se,
       dispersion = s$dispersion, deviance = deviance(fit), df_residual = fit$df.residual)
}
type_only <- incidents ~ type + log(service)
with_periods <- incidents ~ type + year + period + log(service)
offset_exercise <- list(
  poisson_type = log_service(poisson(), type_only), poisson_full = log_service(poisson(), with_periods),
  quasi_type = log_service(quasipoisson(), type_only), quasi_full = log_service(quasipoisson(), with_periods)
)
# confint.default is the normal-quantile interval of the Poisson fits
stopifnot(all.equal(offset_exercise$poisson_type$lower,
                    unname(confint.default(glm(type_only, family = poisson, data = ships, control = ctl))["log(service)", 1])))

# Clotting times: each lot alone, and the two lots in one model.
clot <- read.csv("glm_lib/data/clotting.csv")
fit_lot1 <- glm(lot1 ~ log(u), family = Gamma, data = clot, control = ctl)
fit_lot2 <- glm(lot2 ~ log(u), family = Gamma, data = clot, control = ctl)
lots <- data.frame(u = rep(clot$u, 2), time = c(clot$lot1, clot$lot2),
                   lot = factor(rep(c("lot1", "lot2"), each = nrow(clot))))
common <- glm(time ~ log(u), family = Gamma, data = lots, control = ctl)
separate <- glm(time ~ lot * log(u), family = Gamma, data = lots, control = ctl)
lots_test <- anova(common, separate, test = "F")

write_fixture(list(
  births = list(coefficients = coefs(fit_births)),
  orings = list(coefficients = coefs(fit_orings), deviance = deviance(fit_orings),
                df_residual = fit_orings$df.residual,
                pearson_chi2 = sum(residuals(fit_orings, "pearson")^2)),
  pressure = pressure_record(orings), pressure_alt = pressure_record(orings_alt),
  tail_200_alt = tail_200_alt,
  launch = list(temp = launch$temp, link = unname(link$fit), link_se = unname(link$se.fit),
                fit = unname(plogis(link$fit)), lower = unname(plogis(link$fit - z * link$se.fit)),
                upper = unname(plogis(link$fit + z * link$se.fit))),
  probit = list(coefficients = coefs(fit_probit)),
  dobson = list(coefficients = coefs(fit_dobson), deviance = deviance(fit_dobson),
                df_residual = fit_dobson$df.residual),
  ships_offset = list(coefficients = coefs(fit_ships), deviance = deviance(fit_ships),
                      df_residual = fit_ships$df.residual),
  offset_exercise = offset_exercise,
  clotting = list(lot1 = coefs(fit_lot1), lot2 = coefs(fit_lot2),
                  lots = list(resid_deviance = lots_test[["Resid. Dev"]], resid_df = lots_test[["Resid. Df"]],
                              F = lots_test$F[2], p = lots_test[["Pr(>F)"]][2],
                              dispersion = summary(separate)$dispersion,
                              df_residual = separate$df.residual))
), "chapter_what_is_a_glm")
