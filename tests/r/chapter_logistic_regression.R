# The logistic-regression chapter (chapters/logistic_regression.ipynb): R's answers for the
# horseshoe crabs' binary fit, Bliss's budworms (sex * ldose), the Challenger forecast at
# 31 F, the rat litters' binomial fit and VGAM's beta-binomial fits, and Firth's estimates
# (brglm2) for the chapter's six quasi-separated points. Data from glm_lib/data.
# Run from the repository root: Rscript tests/r/chapter_logistic_regression.R
source("tests/r/_common.R")
suppressPackageStartupMessages({library(VGAM); library(brglm2)})

coef_record <- function(fit) {
  s <- summary(fit)$coefficients
  list(coefficients = as.list(coef(fit)), se = as.list(s[, 2]), deviance = deviance(fit),
       df_residual = fit$df.residual)
}

crabs <- read.csv("glm_lib/data/crabs.csv")
crabs$has_satellite <- as.integer(crabs$satellites > 0)
crab_logit <- glm(has_satellite ~ width, family = binomial, data = crabs, control = tight_control)

budworm <- read.csv("glm_lib/data/budworm.csv")
budworm$sex <- factor(budworm$sex, levels = c("F", "M"))
bud <- glm(cbind(dead, alive) ~ sex * ldose, family = binomial, data = budworm, control = tight_control)

# Challenger: the fitted probability at 31 F with the Wald interval on the logit scale.
oring <- challenger_oring_fit()
forecast_31 <- wald_forecast(oring, data.frame(temp = 31))

# Rat litters (VGAM's lirat): binomial, and beta-binomial with logit(mu) and logit(rho).
rats <- read.csv("glm_lib/data/lirat.csv")
rats_hb <- glm(cbind(R, N - R) ~ hb, family = binomial, data = rats, control = tight_control)
rats$grp <- factor(rats$grp)
tight_vglm <- vglm.control(epsilon = 1e-13, maxit = 500, trace = FALSE)
bb_record <- function(fit) {
  cf <- coef(fit)
  list(coefficients = unname(cf[names(cf) != "(Intercept):2"]), logit_rho = unname(cf["(Intercept):2"]),
       loglik = as.numeric(logLik(fit)), aic = AIC(fit))
}
bb_hb <- suppressWarnings(vglm(cbind(R, N - R) ~ hb, betabinomial, data = rats, control = tight_vglm))
bb_grp <- suppressWarnings(vglm(cbind(R, N - R) ~ grp, betabinomial, data = rats, control = tight_vglm))

# Firth's estimates for the six points x = 1, 2, 3, 3, 4, 5 with y = 0, 0, 0, 1, 1, 1.
six <- data.frame(x = c(1, 2, 3, 3, 4, 5), y = c(0, 0, 0, 1, 1, 1))
firth_six <- glm(y ~ x, family = binomial, data = six, method = "brglmFit", type = "AS_mean",
                 epsilon = 1e-12, maxit = 200)

write_fixture(list(
  r_version = R.version.string, VGAM_version = as.character(packageVersion("VGAM")),
  brglm2_version = as.character(packageVersion("brglm2")),
  crab_logit = coef_record(crab_logit),
  budworm = coef_record(bud),
  challenger_31 = forecast_31,
  rats_hb = coef_record(rats_hb),
  betabinomial = list(hb = bb_record(bb_hb), grp = bb_record(bb_grp)),
  firth_six = list(coefficients = unname(coef(firth_six)), se = unname(sqrt(diag(vcov(firth_six)))))
), "chapter_logistic_regression")
print(forecast_31)
print(coef(firth_six))
