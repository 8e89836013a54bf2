# Generalized estimating equations: geepack::geeglm fixtures for tests/test_gee.py.
# Binomial (ohio wheeze), Poisson (epil seizures) and Gaussian (dietox pig weights),
# each with independence, exchangeable and ar1 working correlations, refitted with a
# tight convergence tolerance. Run from the repository root: Rscript tests/r/gee.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(geepack))

read_data <- function(name) read.csv(file.path("glm_lib", "data", paste0(name, ".csv")), stringsAsFactors = FALSE)
tight <- geese.control(epsilon = 1e-12, maxit = 200)

ohio <- read_data("ohio")
epil <- read_data("epil")
epil$trt <- factor(epil$trt, levels = c("placebo", "progabide"))
dietox <- read_data("dietox")
dietox$Cu <- factor(dietox$Cu, levels = c("Cu000", "Cu035", "Cu175"))
stopifnot(!is.unsorted(ohio$id), !is.unsorted(epil$subject), !is.unsorted(dietox$Pig))

record <- function(fit) {
  s <- summary(fit)
  list(
    params = as.list(coef(fit)),
    bse = setNames(as.list(s$coefficients[, "Std.err"]), names(coef(fit))),
    bse_naive = setNames(as.list(sqrt(diag(fit$geese$vbeta.naiv))), names(coef(fit))),
    correlation = if (length(fit$geese$alpha)) unname(fit$geese$alpha) else NULL,
    scale = unname(fit$geese$gamma),
    qic = as.list(QIC(fit)),
    n_clusters = length(unique(fit$id))
  )
}

cases <- list(
  ohio = list(formula = resp ~ age + smoke, data = ohio, id = "id", family = binomial()),
  epil = list(formula = y ~ lbase + trt + lage + V4, data = epil, id = "subject", family = poisson()),
  dietox = list(formula = Weight ~ Time + Cu, data = dietox, id = "Pig", family = gaussian())
)

fixtures <- list()
for (name in names(cases)) {
  case <- cases[[name]]
  for (corstr in c("independence", "exchangeable", "ar1")) {
    data <- case$data
    data$.id <- data[[case$id]]
    fit <- geeglm(case$formula, family = case$family, data = data, id = .id, corstr = corstr, control = tight)
    fixtures[[paste(name, corstr, sep = "_")]] <- record(fit)
  }
}
write_fixture(fixtures, "gee")
