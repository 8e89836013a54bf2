# R's numbers for the exponential-family chapter (chapters/exponential_family.ipynb): the gamma
# regression of McCullagh and Nelder's clotting times, lot 1 (glm_lib/data/clotting.csv), on
# log(u) with the inverse link, the example of R's ?glm. The chapter fits it with the gamma
# family that SymPy derives (canonical link -1/mu, so the coefficients change sign) and with
# gl.Gamma(). Fitted with glm.control(epsilon = 1e-12, maxit = 100) (tight) and with R's default
# glm.control() (default_control): the chapter's fits stop by R's default rule, and summary()'s
# dispersion and standard errors use the working weights of the last IRLS step.
# Run from the repository root: Rscript tests/r/chapter_exponential_family.R
source("tests/r/_common.R")

clotting <- read.csv(file.path("glm_lib", "data", "clotting.csv"))
stopifnot(nrow(clotting) == 9)

record <- function(control) {
  fit <- glm(lot1 ~ log(u), family = Gamma, data = clotting, control = control)
  s <- summary(fit)
  list(coefficients = as.list(coef(fit)), se = setNames(as.list(s$coefficients[, 2]), rownames(s$coefficients)),
       dispersion = s$dispersion, deviance = deviance(fit), df_residual = fit$df.residual,
       iterations = fit$iter)
}

write_fixture(list(r_version = R.version.string,
                   clotting_inverse = record(glm.control(epsilon = 1e-12, maxit = 100)),
                   default_control = list(clotting_inverse = record(glm.control()))),
              "chapter_exponential_family")
