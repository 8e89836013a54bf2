# Multinomial (softmax) regression fixtures from nnet::multinom, refitted with a tight
# tolerance, for tests/test_multinom_r.py and the softmax chapter's checks.
# Run from the repository root: Rscript tests/r/multinom.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(nnet))

read_data <- function(name) read.csv(file.path("glm_lib", "data", paste0(name, ".csv")), stringsAsFactors = FALSE)

record <- function(fit) {
  s <- summary(fit)
  list(
    classes = fit$lev,
    terms = colnames(coef(fit)),
    params = unname(coef(fit)),            # one row per non-baseline class
    bse = unname(s$standard.errors),
    llf = as.numeric(logLik(fit)),
    aic = AIC(fit)
  )
}

iris_data <- read_data("iris")
iris_data$species <- factor(iris_data$species, levels = c("setosa", "versicolor", "virginica"))
gators <- read_data("alligator")
gators$food <- factor(gators$food, levels = c("fish", "bird", "invert", "other", "reptile"))
gators$lake <- factor(gators$lake, levels = c("George", "Hancock", "Oklawaha", "Trafford"))
gators$size <- factor(gators$size, levels = c("large", "small"))

tight <- list(reltol = 1e-15, abstol = 1e-300, maxit = 10000, trace = FALSE, Hess = TRUE)
fit_multinom <- function(formula, data, weights = NULL) {
  args <- c(list(formula = formula, data = data), tight)
  if (!is.null(weights)) args$weights <- data[[weights]]
  do.call(multinom, args)
}

write_fixture(list(
  iris_sepal_length = record(fit_multinom(species ~ sepal_length, iris_data)),
  alligator_lake_size = record(fit_multinom(food ~ lake + size, gators, "count")),
  alligator_lake_size_sex = record(fit_multinom(food ~ lake + size + sex, gators, "count")),
  # the same model without the alligators whose primary food was "other" (IIA refit)
  alligator_lake_size_no_other = record(fit_multinom(food ~ lake + size,
                                                     droplevels(subset(gators, food != "other")), "count"))
), "multinom")
