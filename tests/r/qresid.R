# Randomized quantile residuals (Dunn & Smyth 1996) from statmod::qresid. Continuous
# families are deterministic and compared exactly; for discrete ones the fixture
# holds the interval [Phi^-1(F(y-1)), Phi^-1(F(y))] each residual must fall in.
source("tests/r/_common.R")
suppressPackageStartupMessages(library(statmod))
suppressPackageStartupMessages(library(MASS))

clotting <- data.frame(u = c(5, 10, 15, 20, 30, 40, 60, 80, 100),
                       lot1 = c(118, 58, 42, 35, 27, 25, 21, 19, 18))
gamma_fit <- glm(lot1 ~ log(u), family = Gamma, data = clotting, control = tight_control)
ig_fit <- glm(lot1 ~ log(u), family = inverse.gaussian(link = "log"), data = clotting, control = tight_control)
cars <- mtcars_data(c("mpg", "wt"))
gauss_fit <- glm(mpg ~ wt, gaussian, cars, control = tight_control)

budworm <- budworm_data()
binom_fit <- glm(cbind(numdead, numalive) ~ ldose + sex, binomial, budworm, control = tight_control)
p <- fitted(binom_fit); n <- 20; y <- budworm$numdead
crabs <- read.csv(file.path("glm_lib", "data", "crabs.csv"))
pois_fit <- glm(satellites ~ width, poisson, crabs, control = tight_control)
mu <- fitted(pois_fit)
nb_fit <- glm.nb(satellites ~ width, data = crabs, control = tight_control)
mu_nb <- fitted(nb_fit); size <- nb_fit$theta

write_fixture(list(
  gamma = list(data = export_data(clotting), qresid = unname(qresid(gamma_fit))),
  invgauss = list(data = export_data(clotting), qresid = unname(qresid(ig_fit))),
  gaussian = list(data = export_data(cars), qresid = unname(qresid(gauss_fit))),
  binomial = list(data = export_data(budworm), lower = qnorm(pbinom(y - 1, n, p)), upper = qnorm(pbinom(y, n, p))),
  poisson = list(lower = qnorm(ppois(crabs$satellites - 1, mu)), upper = qnorm(ppois(crabs$satellites, mu))),
  negbin = list(theta = size, lower = qnorm(pnbinom(crabs$satellites - 1, size = size, mu = mu_nb)),
                upper = qnorm(pnbinom(crabs$satellites, size = size, mu = mu_nb)))
), "qresid")
