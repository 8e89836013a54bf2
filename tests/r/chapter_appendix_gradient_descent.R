# R's numbers for the appendix on gradient descent (chapters/appendix_gradient_descent.ipynb):
#   - the horse-kick trend, glm(deaths ~ I(year - 1875), poisson), on all 280 corps-years
#     (glm_lib/data/horsekicks.csv);
#   - the Challenger O-rings (glm_lib/data/challenger.csv), the binomial logit in the launch
#     temperature, raw and centred at its mean (the exercise).
# Fitted with glm.control(epsilon = 1e-12, maxit = 100).
# Run from the repository root: Rscript tests/r/chapter_appendix_gradient_descent.R
source("tests/r/_common.R")

ctl <- glm.control(epsilon = 1e-12, maxit = 100)
kicks <- read.csv(file.path("glm_lib", "data", "horsekicks.csv"))
challenger <- read.csv(file.path("glm_lib", "data", "challenger.csv"))
stopifnot(nrow(kicks) == 280, nrow(challenger) == 23)
challenger$temp_centred <- challenger$temp - mean(challenger$temp)

record <- function(fit) list(coefficients = unname(coef(fit)), deviance = deviance(fit), iterations = fit$iter)
write_fixture(list(
  r_version = R.version.string,
  horsekick_trend = record(glm(deaths ~ I(year - 1875), family = poisson, data = kicks, control = ctl)),
  challenger = record(glm(cbind(distressed, n - distressed) ~ temp, family = binomial,
                          data = challenger, control = ctl)),
  challenger_centred = record(glm(cbind(distressed, n - distressed) ~ temp_centred, family = binomial,
                                  data = challenger, control = ctl))
), "chapter_appendix_gradient_descent")
