# R's rank check on nearly collinear columns, for the chapter "GLMs at scale".
# Poisson fits of y on 1, z and z + delta * e for shrinking delta, with R's
# default glm.control(): glm.fit declares a column aliased when its pivoted QR
# (LINPACK dqrdc2) leaves it a relative residual below tol = min(1e-7, epsilon / 1000),
# 1e-11 with the default epsilon = 1e-8. (The tight control of the other scripts
# would change that tolerance, so it is not used here.)
# The rows come from formulas, not a random generator, so that Python rebuilds
# exactly the same data: z = sqrt(2) sin(i), e = sqrt(2) sin(sqrt(2) i),
# y = (i mod 3) + 2 [z > 0], i = 1, ..., 20000.
source("tests/r/_common.R")

n <- 20000
i <- seq_len(n)
z <- sqrt(2) * sin(i)
e <- sqrt(2) * sin(sqrt(2) * i)
y <- (i %% 3) + 2 * (z > 0)
deltas <- c(1e-5, 1e-8, 1e-10, 1e-12)

fits <- lapply(deltas, function(delta) {
  x2 <- z + delta * e
  fit <- glm(y ~ z + x2, family = poisson)
  qr_fit <- fit$qr
  p <- ncol(qr_fit$qr)
  # |R_33| relative to the weighted column's norm: what dqrdc2 compares with tol
  # (the last column of sqrt(W) X, W the working weights of the last iteration).
  weighted <- sqrt(fit$weights) * cbind(1, z, x2)
  list(delta = delta, rank = fit$rank, tol = qr_fit$tol,
       aliased = I(names(coef(fit))[is.na(coef(fit))]),
       x2_relative_residual = abs(qr_fit$qr[p, p]) / sqrt(sum(weighted[, 3]^2)),
       pivot = qr_fit$pivot,
       coefficients = as.list(coef(fit)), iterations = fit$iter, converged = fit$converged)
})
write_fixture(list(n = n, control_epsilon = glm.control()$epsilon, fits = fits), "chapter_glms_at_scale")
