# QAIC (Burnham & Anderson 2002, eq. 2.16 and the small-sample QAICc) written out in R:
# Poisson log-likelihoods of the crabs models and c-hat = Pearson X^2 / df of the most general.
source("tests/r/_common.R")
crabs <- read.csv(file.path("glm_lib", "data", "crabs.csv"))
general <- glm(satellites ~ width + weight, poisson, crabs, control = tight_control)
c_hat <- sum(residuals(general, type = "pearson")^2) / df.residual(general)
record <- function(fit) {
  K <- length(coef(fit)) + 1; n <- nobs(fit); ll <- as.numeric(logLik(fit))
  q <- -2 * ll / c_hat + 2 * K
  list(formula = deparse(formula(fit)), loglik = ll, K = K, qaic = q, qaicc = q + 2 * K * (K + 1) / (n - K - 1))
}
write_fixture(list(c_hat = c_hat, models = list(
  record(glm(satellites ~ 1, poisson, crabs, control = tight_control)),
  record(glm(satellites ~ width, poisson, crabs, control = tight_control)),
  record(general))), "qaic")
