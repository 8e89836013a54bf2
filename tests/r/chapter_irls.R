# R's numbers for the IRLS chapter (chapters/irls.ipynb):
#   - Dobson's 3x3 table (glm_lib/data/dobson.csv), the example of R's ?glm:
#     glm(counts ~ outcome + treatment, poisson);
#   - the Challenger O-rings (glm_lib/data/challenger.csv, vcd's SpaceShuttle without the lost
#     flight): glm(cbind(distressed, n - distressed) ~ temp, binomial);
#   - the clotting times of lot 1 (glm_lib/data/clotting.csv): gamma fits of lot1 ~ log(u) with
#     the inverse link (the ?glm example) and the log link.
# Each model is fitted with glm.control(epsilon = 1e-12, maxit = 100) (tight) and with R's
# default glm.control() (default_control), because the chapter reproduces what R reports after
# its default stopping rule: the number of iterations, and standard errors and a dispersion
# built from the working weights of the last IRLS step, one iterate behind the estimate.
# Run from the repository root: Rscript tests/r/chapter_irls.R
source("tests/r/_common.R")

ctl <- glm.control(epsilon = 1e-12, maxit = 100)

dobson <- read.csv(file.path("glm_lib", "data", "dobson.csv"))
dobson$outcome <- factor(dobson$outcome); dobson$treatment <- factor(dobson$treatment)
challenger <- read.csv(file.path("glm_lib", "data", "challenger.csv"))
clotting <- read.csv(file.path("glm_lib", "data", "clotting.csv"))
stopifnot(nrow(dobson) == 9, nrow(challenger) == 23, nrow(clotting) == 9)

record <- function(fit) {
  s <- summary(fit)
  list(coefficients = as.list(coef(fit)), se = setNames(as.list(s$coefficients[, 2]), rownames(s$coefficients)),
       deviance = deviance(fit), df_residual = fit$df.residual,
       null_deviance = fit$null.deviance, df_null = fit$df.null,
       dispersion = s$dispersion, aic = AIC(fit), iterations = fit$iter,
       pearson_chi2 = sum(residuals(fit, type = "pearson")^2),
       pearson_residuals = unname(residuals(fit, type = "pearson")))
}
fits <- function(control) list(
  dobson = record(glm(counts ~ outcome + treatment, family = poisson, data = dobson, control = control)),
  challenger = record(glm(cbind(distressed, n - distressed) ~ temp, family = binomial,
                          data = challenger, control = control)),
  clotting_inverse = record(glm(lot1 ~ log(u), family = Gamma, data = clotting, control = control)),
  clotting_log = record(glm(lot1 ~ log(u), family = Gamma(link = "log"), data = clotting, control = control))
)

write_fixture(c(list(r_version = R.version.string), fits(ctl),
                list(default_control = fits(glm.control()))), "chapter_irls")
