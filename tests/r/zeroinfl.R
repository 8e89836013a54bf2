# Zero-inflated and hurdle count models (pscl) on pscl's bioChemists, refitted to a
# tight optimum (pscl's default BFGS stops at reltol 1e-8), for tests/test_zeroinfl.py.
source("tests/r/_common.R")
suppressPackageStartupMessages(library(pscl))

data("bioChemists", package = "pscl")
tight_zi <- zeroinfl.control(method = "BFGS", reltol = 1e-15, maxit = 100000)
tight_h <- hurdle.control(method = "BFGS", reltol = 1e-15, maxit = 100000)
record <- function(fit) {
  s <- summary(fit)$coefficients
  out <- list(count = list(names = rownames(s$count), estimate = unname(s$count[, 1]), se = unname(s$count[, 2])),
              zero = list(names = rownames(s$zero), estimate = unname(s$zero[, 1]), se = unname(s$zero[, 2])),
              loglik = as.numeric(logLik(fit)), aic = AIC(fit), df_residual = fit$df.residual,
              theta = if (is.null(fit$theta)) NULL else unname(fit$theta))
  new <- bioChemists[c(1, 100, 500), ]
  out$predict <- lapply(c(response = "response", count = "count", zero = "zero"),
                        function(type) unname(predict(fit, new, type = type)))
  out$predict$prob0 <- unname(predict(fit, new, type = "prob")[, 1])
  out$pearson <- unname(residuals(fit, type = "pearson")[c(1, 100, 500)])
  out
}
write_fixture(list(
  zip = record(zeroinfl(art ~ fem + mar + kid5 + phd + ment | ment, data = bioChemists, control = tight_zi)),
  zinb = record(zeroinfl(art ~ fem + mar + kid5 + phd + ment | ment, data = bioChemists, dist = "negbin", control = tight_zi)),
  zip_same = record(zeroinfl(art ~ fem + kid5 + ment, data = bioChemists, control = tight_zi)),
  hurdle_pois = record(hurdle(art ~ fem + mar + kid5 + phd + ment, data = bioChemists, control = tight_h)),
  hurdle_nb = record(hurdle(art ~ fem + mar + kid5 + phd + ment | ment, data = bioChemists, dist = "negbin", control = tight_h))
), "zeroinfl")
