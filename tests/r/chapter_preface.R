# The preface (chapters/preface.ipynb): R's fits of its two small examples, on the data
# glm_lib ships. Dobson's 3x3 table (the example of R's ?glm) as a Poisson log-linear
# model, and the horseshoe crabs' satellites on carapace width (Poisson, log link).
# Run from the repository root: Rscript tests/r/chapter_preface.R
source("tests/r/_common.R")

dobson <- read.csv("glm_lib/data/dobson.csv")
dobson$outcome <- factor(dobson$outcome); dobson$treatment <- factor(dobson$treatment)
fit_dobson <- glm(counts ~ outcome + treatment, family = poisson, data = dobson, control = tight_control)

crabs <- read.csv("glm_lib/data/crabs.csv")
fit_crabs <- glm(satellites ~ width, family = poisson, data = crabs, control = tight_control)

write_fixture(list(
  dobson = list(deviance = deviance(fit_dobson), df_residual = fit_dobson$df.residual),
  crabs = list(coefficients = as.list(coef(fit_crabs)), n = nrow(crabs))
), "chapter_preface")
