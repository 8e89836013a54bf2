# Survival fixtures for tests/test_survival.py: survival::survSplit, coxph (Breslow ties),
# survreg (exponential, Weibull), survfit (Kaplan-Meier), and the Poisson GLMs on split data.
# The data are survival::lung, shipped as glm_lib/data/lung.csv (checked equal below).
# Run from the repository root: Rscript tests/r/survival.R
source("tests/r/_common.R")
suppressPackageStartupMessages(library(survival))

shipped <- read.csv(file.path("glm_lib", "data", "lung.csv"))
lung <- survival::lung
stopifnot(identical(dim(shipped), dim(lung)),
          isTRUE(all.equal(unname(as.list(shipped)), unname(as.list(lung)))))
lung$event <- as.integer(lung$status == 2)  # 1 died, 0 censored: the coding glm_lib's loader gives
lung$female <- as.integer(lung$sex == 2)

event_times <- sort(unique(lung$time[lung$event == 1]))

# survSplit's rows: one per subject and interval, in R's row order.
split_record <- function(df, cut, start = NULL) {
  if (is.null(start)) {
    s <- survSplit(Surv(time, event) ~ ., data = df, cut = cut, id = "id", episode = "episode")
  } else {
    s <- survSplit(Surv(entry, time, event) ~ ., data = df, cut = cut, id = "id", episode = "episode")
  }
  tstart <- if (is.null(start)) s$tstart else s[[start]]  # survSplit keeps a start column's name
  list(id = s$id - 1, tstart = tstart, tstop = s$time, event = s$event, episode = s$episode,
       age = s$age)
}

coarse <- c(90, 180, 365, 540)
delayed <- lung[1:40, c("time", "event", "age", "sex")]
delayed$entry <- floor(delayed$time / 3)

cox_record <- function(fit) {
  list(coefficients = as.list(coef(fit)), se = as.list(sqrt(diag(vcov(fit)))),
       loglik = fit$loglik[2], loglik_null = fit$loglik[1])
}

survreg_record <- function(fit) {
  s <- summary(fit)
  out <- list(coefficients = as.list(coef(fit)), scale = fit$scale,
              se = as.list(s$table[, 2]), z = as.list(s$table[, 3]),
              loglik = fit$loglik[2], loglik_null = fit$loglik[1],
              chisq = s$chi, iterations = fit$iter[1], df = fit$df, n = nrow(lung),
              var = unname(fit$var))
  out
}

tight <- survreg.control(rel.tolerance = 1e-12, maxiter = 100)

# The Poisson GLM on survSplit's rows at every event time (partial pieces kept), as R fits it.
long <- survSplit(Surv(time, event) ~ ., data = lung, cut = event_times, episode = "episode")
long$exposure <- long$time - long$tstart
naive <- glm(event ~ factor(episode) + female + age + offset(log(exposure)), family = poisson,
             data = long, control = glm.control(epsilon = 1e-12, maxit = 100))

km <- survfit(Surv(time, event) ~ sex, data = lung)
km_strata <- rep(c("male", "female"), km$strata)

fixtures <- list(
  event_times = event_times,
  split_coarse = c(list(cut = coarse), split_record(lung, coarse)),
  split_event_times = split_record(lung, event_times),
  split_delayed = c(list(cut = coarse, entry = delayed$entry), split_record(delayed, coarse, start = "entry")),
  coxph_breslow = cox_record(coxph(Surv(time, event) ~ female + age, data = lung, ties = "breslow",
                                      control = coxph.control(eps = 1e-12, toler.chol = 1e-14, iter.max = 100))),
  coxph_breslow_sex = cox_record(coxph(Surv(time, event) ~ female, data = lung, ties = "breslow",
                                      control = coxph.control(eps = 1e-12, toler.chol = 1e-14, iter.max = 100))),
  poisson_survsplit = list(coefficients = as.list(coef(naive)[c("female", "age")]),
                           se = as.list(summary(naive)$coefficients[c("female", "age"), 2]),
                           n_rows = nrow(long)),
  survreg_exponential = survreg_record(survreg(Surv(time, event) ~ female + age, data = lung,
                                               dist = "exponential", control = tight)),
  survreg_weibull = survreg_record(survreg(Surv(time, event) ~ female + age, data = lung,
                                           dist = "weibull", control = tight)),
  survreg_weibull_sex = survreg_record(survreg(Surv(time, event) ~ female, data = lung,
                                               dist = "weibull", control = tight)),
  kaplan_meier = list(sex = km_strata, time = km$time, surv = km$surv, n_risk = km$n.risk,
                      n_event = km$n.event)
)
write_fixture(fixtures, "survival")
