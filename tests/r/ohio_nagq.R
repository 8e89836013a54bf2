# The Ohio wheeze random-intercept logit under lme4::glmer with the Laplace
# approximation (nAGQ = 1) and adaptive Gauss-Hermite quadrature with 3 to 25
# nodes: estimates, standard errors, child SD and log-likelihood, for the
# node-convergence table of chapters/grouped_data.ipynb, with lme4's deviance
# function (devFunOnly = TRUE) at fixed (sigma_u, beta); and the random-slope
# model (1 + age | id) by Laplace. Tightly converged (bobyqa rhoend = 1e-10;
# PIRLS to 1e-12, as 1e-14 makes lme4's step halving fail on these data).
# Run from the repository root: Rscript tests/r/ohio_nagq.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(lme4))

ohio <- read.csv(file.path("glm_lib", "data", "ohio.csv"))
control <- glmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5), tolPwrss = 1e-12)
fits <- list()
for (k in c(1, 3, 5, 9, 15, 25)) {
  fit <- glmer(resp ~ age + smoke + (1 | id), family = binomial, data = ohio, nAGQ = k, control = control)
  devfun <- glmer(resp ~ age + smoke + (1 | id), family = binomial, data = ohio, nAGQ = k, control = control,
                  devFunOnly = TRUE)
  point <- c(2, -3, -0.2, 0.4)
  fits[[as.character(k)]] <- list(nAGQ = k, params = as.list(fixef(fit)), se = unname(sqrt(diag(as.matrix(vcov(fit))))),
                                  sigma = unname(getME(fit, "theta")), loglik = as.numeric(logLik(fit)),
                                  point = list(sigma = point[1], params = point[-1], minus2loglik = devfun(point)))
}
slope <- glmer(resp ~ age + smoke + (1 + age | id), family = binomial, data = ohio, control = control)
vc <- as.data.frame(VarCorr(slope))
fits[["slope"]] <- list(formula = "resp ~ age + smoke + (1 + age | id)", params = as.list(fixef(slope)),
                        se = unname(sqrt(diag(as.matrix(vcov(slope))))), theta = unname(getME(slope, "theta")),
                        loglik = as.numeric(logLik(slope)), singular = isSingular(slope),
                        varcorr = list(grp = vc$grp, var1 = vc$var1, var2 = ifelse(is.na(vc$var2), "", vc$var2),
                                       vcov = vc$vcov, sdcor = vc$sdcor))
write_fixture(fits, "ohio_nagq")
