# lmer's optimiser on simulated data: lme4 answers for tests/test_lmer.py.
# Responses are simulated from the REML random-intercept fit of sleepstudy
# (lme4's simulate, seed 1, rounded to 0.01 ms) and both the random-slope model
# Reaction ~ Days + (Days | Subject) and the random-intercept model nested in it
# are fitted by REML and ML, each with a tightly converged bobyqa and with
# Nelder-Mead (the better of the two is the reference). The data sets kept are a
# subset of the 1000: those where glm_lib's earlier bounded L-BFGS-B optimiser
# stopped at a false optimum with the intercept variance at 0 (up to 37 REML
# deviance units worse than the nested model), those where it stopped short of
# the optimum by more than 1e-3 or reported no convergence, and six ordinary ones.
# Run from the repository root: Rscript tests/r/lmer_sim.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(lme4))

sleep <- lme4::sleepstudy
tight <- list(
  bobyqa = lmerControl(optimizer = "bobyqa", optCtrl = list(rhoend = 1e-10, maxfun = 1e5), calc.derivs = FALSE),
  nelder_mead = lmerControl(optimizer = "Nelder_Mead", optCtrl = list(FtolAbs = 1e-12, FtolRel = 1e-15, maxfun = 1e5),
                            calc.derivs = FALSE)
)
null_fit <- lmer(Reaction ~ Days + (1 | Subject), sleep, control = tight$bobyqa)
sims <- simulate(null_fit, nsim = 1000, seed = 1)

kept <- list(
  false_optimum = c(2, 13, 20, 47, 140, 190, 201, 245, 255, 258, 259, 287),
  short = c(16, 90, 111, 205, 410, 554, 689, 753),
  no_convergence = c(28, 66, 241, 449, 543, 641),
  ordinary = c(0, 1, 3, 4, 5, 6)
)  # 0-based positions among the 1000 simulations

best_fit <- function(formula, data, REML) {
  fits <- lapply(tight, function(control) suppressMessages(suppressWarnings(
    lmer(formula, data, REML = REML, control = control))))
  crit <- vapply(fits, function(f) -2 * as.numeric(logLik(f)), 0.0)
  f <- fits[[which.min(crit)]]
  list(criterion = min(crit), bobyqa = crit[["bobyqa"]], theta = unname(getME(f, "theta")),
       params = unname(fixef(f)), singular = isSingular(f))
}

records <- list()
for (kind in names(kept)) for (b in kept[[kind]]) {
  data <- sleep
  # Rounded to 0.01 and read back from the decimal text, as Python parses the JSON.
  data$Reaction <- as.numeric(sprintf("%.2f", sims[[b + 1]]))
  records[[length(records) + 1]] <- list(
    simulation = b, kind = kind, Reaction = data$Reaction,
    slope_reml = best_fit(Reaction ~ Days + (Days | Subject), data, TRUE),
    intercept_reml = best_fit(Reaction ~ Days + (1 | Subject), data, TRUE),
    slope_ml = best_fit(Reaction ~ Days + (Days | Subject), data, FALSE),
    intercept_ml = best_fit(Reaction ~ Days + (1 | Subject), data, FALSE)
  )
}

write_fixture(list(lme4 = as.character(packageVersion("lme4")), seed = 1, nsim = 1000, data_sets = records), "lmer_sim")
