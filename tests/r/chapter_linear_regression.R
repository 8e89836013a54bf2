# The linear-regression chapter (chapters/linear_regression.ipynb): R's answers for Dobson and
# Barnett's birthweights and for mtcars, on the data glm_lib ships (glm_lib/data/birthweight.csv,
# glm_lib/data/mtcars.csv), so both sides fit the same rows. Least squares is exact, so lm needs
# no convergence control; MASS::rlm (Huber's M-estimator) is iterated to acc = 1e-13.
# Rows are numbered from 1, as R numbers them.
# Run from the repository root: Rscript tests/r/chapter_linear_regression.R
source("tests/r/_common.R")
suppressPackageStartupMessages({library(MASS); library(car)})

unnamed <- function(x) unname(as.numeric(x))
coef_table <- function(fit) {
  s <- summary(fit)$coefficients
  list(names = rownames(s), estimate = unnamed(s[, 1]), se = unnamed(s[, 2]),
       t = unnamed(s[, 3]), p = unnamed(s[, 4]))
}
f_test <- function(small, large) {
  tab <- anova(small, large)
  list(F = tab$F[2], p = tab[["Pr(>F)"]][2], df = tab$Df[2], df_residual = tab$Res.Df[2])
}

births <- read.csv("glm_lib/data/birthweight.csv")
births$sex <- factor(births$sex, levels = c("boy", "girl"))

# The age-only line.
f <- lm(weight ~ age, data = births)
s <- summary(f)
at_40 <- data.frame(age = 40)
conf_40 <- predict(f, at_40, interval = "confidence")
pred_40 <- predict(f, at_40, interval = "prediction")
age_line <- c(coef_table(f), list(
  sigma = s$sigma, df_residual = f$df.residual, r_squared = s$r.squared,
  adj_r_squared = s$adj.r.squared, f_statistic = unnamed(s$fstatistic["value"]),
  at_40 = list(fit = conf_40[1, "fit"], conf_lower = conf_40[1, "lwr"], conf_upper = conf_40[1, "upr"],
               pred_lower = pred_40[1, "lwr"], pred_upper = pred_40[1, "upr"]),
  working_hotelling = sqrt(2 * qf(0.95, 2, f$df.residual)),
  se_hc0 = unnamed(sqrt(diag(hccm(f, type = "hc0")))),
  se_hc3 = unnamed(sqrt(diag(hccm(f, type = "hc3")))),
  rstandard_range = range(rstandard(f))
))

# Residuals by sex, a variable not in the model.
births$e <- resid(f)
resid_sex <- t.test(e ~ sex, data = births, var.equal = TRUE)
births$e <- NULL

# The largest deletion residual, leverage and influence.
r_del <- rstudent(f)
top <- unname(which.max(abs(r_del)))
outlier <- list(row = top, rstudent = unnamed(r_del[top]),
                p = 2 * pt(-abs(unnamed(r_del[top])), f$df.residual - 1),
                bonferroni_p = unnamed(outlierTest(f)$bonf.p))
cook <- cooks.distance(f)
cook_order <- order(cook, decreasing = TRUE)
boy <- cook_order[1]
g <- lm(weight ~ age, data = births[-boy, ])
influence <- list(
  row = boy, hat = unnamed(hatvalues(f)[boy]),
  cooks_rows = cook_order[1:2], cooks = unnamed(cook[cook_order[1:2]]),
  dfbetas_age = unnamed(dfbetas(f)[cook_order[1:2], "age"]), dffits = unnamed(dffits(f)[cook_order[1:2]]),
  f_median = qf(0.5, 2, f$df.residual),
  without = list(age = unnamed(coef(g)["age"]), se = summary(g)$coefficients["age", 2],
                 t = summary(g)$coefficients["age", 3], lower = confint(g)["age", 1],
                 upper = confint(g)["age", 2], sigma = summary(g)$sigma)
)
# Huber's M-estimator, MASS::rlm's defaults (k = 1.345, scale re-estimated as the MAD of the residuals)
# iterated to convergence
huber_fit <- rlm(weight ~ age, data = births, acc = 1e-13, maxit = 1000)
stopifnot(huber_fit$converged)
huber <- list(age = unnamed(coef(huber_fit)["age"]), weight_boy = huber_fit$w[boy])

# Sex and age.
age_only <- f
one_way <- lm(weight ~ sex, data = births)
parallel <- lm(weight ~ sex + age, data = births)
separate <- lm(weight ~ sex * age, data = births)
three <- anova(age_only, parallel, separate)
parallel_wo <- summary(lm(weight ~ sex + age, data = births[-boy, ]))$coefficients
separate_40 <- summary(lm(weight ~ sex * I(age - 40), data = births))$coefficients
sex_models <- list(
  one_way = list(F = anova(one_way)$F[1], p = anova(one_way)[["Pr(>F)"]][1]),
  parallel = coef_table(parallel),
  parallel_without_boy = list(girl = parallel_wo["sexgirl", 1], p = parallel_wo["sexgirl", 4]),
  three = list(rss = three$RSS, df_residual = three$Res.Df, F = three$F[2:3], p = three[["Pr(>F)"]][2:3]),
  slope_difference_ci = unnamed(confint(separate)["sexgirl:age", ]),
  shift = f_test(age_only, parallel), sex = f_test(age_only, separate),
  separate_40 = list(girl = separate_40["sexgirl", 1], se = separate_40["sexgirl", 2]),
  sum_coded = unnamed(coef(lm(weight ~ sex + age, data = births, contrasts = list(sex = "contr.sum"))))
)

# Exercises on the birthweights.
quadratic <- lm(weight ~ age + I(age^2), data = births)
quad <- summary(quadratic)$coefficients
exercises <- list(
  wls = unnamed(coef(lm(weight ~ age, data = births, weights = 1 / age))),
  quadratic = list(coefficient = quad["I(age^2)", 1], t = quad["I(age^2)", 3], se_age = quad["age", 2],
                   test = f_test(f, quadratic), cor_age_age2 = cor(births$age, births$age^2)),
  lack_of_fit = f_test(f, lm(weight ~ factor(age), data = births)),
  lack_of_fit_sex = f_test(parallel, lm(weight ~ sex + factor(age), data = births))
)

# mtcars: three groups and a covariate, two factors, added variables.
cars <- read.csv("glm_lib/data/mtcars.csv")
cars$cyl_f <- factor(cars$cyl); cars$am_f <- factor(cars$am)
cyl_fit <- lm(mpg ~ cyl_f, data = cars)
contrast <- c(0, 1, -1)
cyl68 <- linearHypothesis(cyl_fit, contrast)
cyl_wt <- lm(mpg ~ cyl_f + wt, data = cars)
six_eight <- subset(cars, cyl != 4)
welch <- t.test(mpg ~ cyl, data = six_eight)
pooled <- t.test(mpg ~ cyl, data = six_eight, var.equal = TRUE)
three_groups <- list(
  coefficients = unnamed(coef(cyl_fit)), sigma = summary(cyl_fit)$sigma,
  cyl = f_test(lm(mpg ~ 1, data = cars), cyl_fit),
  six_eight = list(F = cyl68$F[2], p = cyl68[["Pr(>F)"]][2],
                   se_hc2 = sqrt(drop(contrast %*% hccm(cyl_fit, type = "hc2") %*% contrast))),
  cyl_given_wt = c(f_test(lm(mpg ~ wt, data = cars), cyl_wt), list(cyl8 = unnamed(coef(cyl_wt)["cyl_f8"]))),
  sd_by_cyl = unnamed(tapply(cars$mpg, cars$cyl, sd)),
  welch = list(t = unnamed(welch$statistic), df = unnamed(welch$parameter), p = welch$p.value),
  pooled = list(t = unnamed(pooled$statistic), df = unnamed(pooled$parameter), p = pooled$p.value)
)
cyl_first <- anova(lm(mpg ~ cyl_f * am_f, data = cars))
am_first <- anova(lm(mpg ~ am_f * cyl_f, data = cars))
marginal <- drop1(lm(mpg ~ cyl_f + am_f, data = cars), test = "F")
two_factors <- list(
  cyl_first = list(ss = cyl_first[["Sum Sq"]][1:3], F = cyl_first$F[1:3], p = cyl_first[["Pr(>F)"]][1:3]),
  am_first = list(ss = am_first[["Sum Sq"]][1:3], F = am_first$F[1:3], p = am_first[["Pr(>F)"]][1:3]),
  drop1 = list(F = marginal$F[2:3], p = marginal[["Pr(>F)"]][2:3])
)
both <- lm(mpg ~ wt + disp, data = cars)
wt_only <- lm(mpg ~ wt, data = cars)
added_variable <- list(
  both = list(wt = unnamed(coef(both)["wt"]), se = summary(both)$coefficients["wt", 2], sigma = summary(both)$sigma),
  wt_only = list(wt = unnamed(coef(wt_only)["wt"]), se = summary(wt_only)$coefficients["wt", 2],
                 sigma = summary(wt_only)$sigma),
  vif_wt = unnamed(vif(both)["wt"]), r_squared_wt_disp = summary(lm(wt ~ disp, data = cars))$r.squared
)

write_fixture(list(
  n = nrow(births), age_line = age_line,
  resid_by_sex_t = unnamed(resid_sex$statistic), outlier = outlier, influence = influence, huber = huber,
  sex_models = sex_models, exercises = exercises,
  mtcars = list(n = nrow(cars), three_groups = three_groups, two_factors = two_factors,
                added_variable = added_variable)
), "chapter_linear_regression")
