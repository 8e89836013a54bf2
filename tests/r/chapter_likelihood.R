# R's numbers for the likelihood chapter (chapters/likelihood.ipynb): the Poisson fits of
# von Bortkiewicz's horse kicks (glm_lib/data/horsekicks.csv, the rows the chapter fits).
#   - Fisher's frequency table (the 10 corps he used) fitted with the corps-years as weights,
#     and the same 200 corps-years one per row;
#   - the year trend (x = year - 1875) and the quadratic trend on all 280 corps-years, with
#     the Wald, likelihood-ratio (anova "LRT") and score (anova "Rao") statistics;
#   - the corps factor, the corps with the trends, a factor for the year, and the corps within
#     Fisher's 10 corps (the exercises).
# Every fit uses glm.control(epsilon = 1e-12, maxit = 100). The numbers built from the working
# weights are also recorded for fits stopped by R's default rule (default_control): summary()'s
# standard errors use the weights of the last IRLS step, one iterate behind the estimate, and
# anova(test = "Rao") the restricted fit's last weights, so they differ from the converged
# values in the fourth to sixth significant digit; the chapter's default fits follow R there.
# Run from the repository root: Rscript tests/r/chapter_likelihood.R
source("tests/r/_common.R")

ctl <- glm.control(epsilon = 1e-12, maxit = 100)

kicks <- read.csv(file.path("glm_lib", "data", "horsekicks.csv"))
kicks$x <- kicks$year - 1875
fisher <- subset(kicks, fisher == "yes")
counts <- table(fisher$deaths)
table5 <- data.frame(deaths = as.integer(names(counts)), corps_years = as.integer(counts))
stopifnot(nrow(kicks) == 280, sum(table5$corps_years) == 200)

pearson <- function(fit) sum(residuals(fit, type = "pearson")^2)
record <- function(fit) {
  table <- summary(fit)$coefficients
  list(coefficients = as.list(coef(fit)), se = setNames(as.list(table[, 2]), rownames(table)),
       z = setNames(as.list(table[, 3]), rownames(table)), deviance = deviance(fit),
       df_residual = fit$df.residual, aic = AIC(fit), pearson_chi2 = pearson(fit), iterations = fit$iter)
}
# W = b' V^{-1} b for the coefficients `terms` (from vcov, the inverse expected information).
wald <- function(fit, terms) {
  b <- coef(fit)[terms]
  as.numeric(t(b) %*% solve(vcov(fit)[terms, terms], b))
}
tests <- function(small, big) {
  lrt <- anova(small, big, test = "LRT")
  rao <- anova(small, big, test = "Rao")
  list(lr = lrt$Deviance[2], df = lrt$Df[2], p_lr = lrt[["Pr(>Chi)"]][2],
       rao = rao$Rao[2], p_rao = rao[["Pr(>Chi)"]][2])
}

# Fisher's table: 5 rows weighted by corps-years, and the 200 corps-years one per row.
table_fit <- glm(deaths ~ 1, family = poisson, data = table5, weights = corps_years, control = ctl)
long <- data.frame(deaths = rep(table5$deaths, table5$corps_years))
long_fit <- glm(deaths ~ 1, family = poisson, data = long, control = ctl)

# The trends over the 280 corps-years.
null <- glm(deaths ~ 1, family = poisson, data = kicks, control = ctl)
line <- glm(deaths ~ x, family = poisson, data = kicks, control = ctl)
curve <- glm(deaths ~ x + I(x^2), family = poisson, data = kicks, control = ctl)

# The corps, alone and with the trends; a factor for the year; Fisher's 10 corps.
corps <- glm(deaths ~ corps, family = poisson, data = kicks, control = ctl)
corps_line <- glm(deaths ~ corps + x, family = poisson, data = kicks, control = ctl)
corps_curve <- glm(deaths ~ corps + x + I(x^2), family = poisson, data = kicks, control = ctl)
by_year <- glm(deaths ~ factor(year), family = poisson, data = kicks, control = ctl)
fisher_null <- glm(deaths ~ 1, family = poisson, data = fisher, control = ctl)
fisher_corps <- glm(deaths ~ corps, family = poisson, data = fisher, control = ctl)
corps_terms <- grep("^corps", names(coef(corps)), value = TRUE)
sequential <- anova(corps, corps_line, corps_curve, test = "LRT")

# The numbers built from the working weights (standard errors, Wald and score statistics) of
# fits stopped by R's default rule, glm.control(): what summary() and anova() print by default.
refit_default <- function(fit) update(fit, control = glm.control())
default_control <- list(
  table_weighted = record(refit_default(table_fit)),
  line = record(refit_default(line)),
  curve_wald = wald(refit_default(curve), c("x", "I(x^2)")),
  corps_wald = wald(refit_default(corps), corps_terms),
  corps_line_wald = summary(refit_default(corps_line))$coefficients["x", 3]^2,
  rao = list(line = tests(refit_default(null), refit_default(line))$rao,
             curve = tests(refit_default(null), refit_default(curve))$rao,
             corps = tests(refit_default(null), refit_default(corps))$rao)
)

write_fixture(list(
  r_version = R.version.string,
  table = list(weighted = record(table_fit), one_per_row = record(long_fit)),
  trend = list(line = record(line), curve = record(curve), line_test = tests(null, line),
               curve_test = tests(null, curve), curve_wald = wald(curve, c("x", "I(x^2)"))),
  corps = list(test = tests(null, corps), wald = wald(corps, corps_terms), n_terms = length(corps_terms),
               pearson_chi2 = pearson(corps), df_residual = corps$df.residual),
  corps_trend = list(lr_line = sequential$Deviance[2], lr_curve_step = sequential$Deviance[3],
                     lr_curve = sequential$Deviance[2] + sequential$Deviance[3],
                     wald_line = summary(corps_line)$coefficients["x", 3]^2),
  year_factor = tests(null, by_year),
  fisher_corps = tests(fisher_null, fisher_corps),
  default_control = default_control
), "chapter_likelihood")
