# The Ohio wheeze random-intercept logit under lme4::glmer with the Laplace
# approximation (nAGQ = 1) and adaptive Gauss-Hermite quadrature with 3 to 25
# nodes: estimates, child SD and log-likelihood, for the node-convergence table
# of chapters/grouped_data.ipynb. Run from the repository root: Rscript tests/r/ohio_nagq.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(lme4))

ohio <- read.csv(file.path("glm_lib", "data", "ohio.csv"))
control <- glmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5), tolPwrss = 1e-10)
fits <- list()
for (k in c(1, 3, 5, 9, 15, 25)) {
  fit <- glmer(resp ~ age + smoke + (1 | id), family = binomial, data = ohio, nAGQ = k, control = control)
  fits[[as.character(k)]] <- list(nAGQ = k, params = as.list(fixef(fit)),
                                  sigma = unname(getME(fit, "theta")), loglik = as.numeric(logLik(fit)))
}
write_fixture(fits, "ohio_nagq")
