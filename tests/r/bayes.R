# Bayesian GLMs with rstanarm::stan_glm (NUTS) and the priors of gl.bayes_glm, for
# tests/test_bayes.py: posterior means and standard deviations with their Monte
# Carlo standard errors. autoscale = FALSE keeps the priors' scales as written.
# rstanarm puts prior_intercept on the intercept of centred predictors, so the
# predictors are centred here (and in the test): then both intercepts are the same.
source("tests/r/_common.R")
suppressPackageStartupMessages(library(rstanarm))

challenger <- read.csv("glm_lib/data/challenger.csv")
challenger$temp_c <- challenger$temp - mean(challenger$temp)
crabs <- read.csv("glm_lib/data/crabs.csv")
crabs$width_c <- crabs$width - mean(crabs$width)
separated <- data.frame(x = c(-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2), y = c(0, 0, 0, 0, 1, 1, 1, 1))

record <- function(fit) {
  draws <- as.matrix(fit)
  s <- summary(fit)  # rstan's n_eff and mcse of the mean
  rows <- colnames(draws)
  n_eff <- s[rows, "n_eff"]
  sds <- apply(draws, 2, sd)
  list(names = rows, mean = unname(colMeans(draws)), sd = unname(sds),
       mcse_mean = unname(s[rows, "mcse"]),
       # the Monte Carlo standard error of a standard deviation, sd / sqrt(2 n_eff)
       mcse_sd = unname(sds / sqrt(2 * n_eff)), n_eff = unname(n_eff),
       rhat = unname(s[rows, "Rhat"]), draws = nrow(draws))
}
run <- function(formula, data, family, prior, prior_intercept) {
  fit <- stan_glm(formula, data = data, family = family, prior = prior,
                  prior_intercept = prior_intercept, chains = 4, iter = 6000, warmup = 1000,
                  seed = 20261207, refresh = 0, cores = 1)
  record(fit)
}

write_fixture(list(
  challenger_normal = run(cbind(distressed, n - distressed) ~ temp_c, challenger, binomial(),
                          normal(0, 2.5, autoscale = FALSE), normal(0, 10, autoscale = FALSE)),
  challenger_t = run(cbind(distressed, n - distressed) ~ temp_c, challenger, binomial(),
                     student_t(3, 0, 2.5, autoscale = FALSE), student_t(3, 0, 10, autoscale = FALSE)),
  separated_normal = run(y ~ x, separated, binomial(),
                         normal(0, 2.5, autoscale = FALSE), normal(0, 10, autoscale = FALSE)),
  crabs_poisson = run(satellites ~ width_c, crabs, poisson(),
                      normal(0, 2.5, autoscale = FALSE), normal(0, 10, autoscale = FALSE)),
  separated = separated
), "bayes")
