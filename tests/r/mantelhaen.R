# Cochran-Mantel-Haenszel tests (stats::mantelhaen.test) on UCBAdmissions and on the
# penicillin-and-rabbits table of R's ?mantelhaen.test, with the Breslow-Day and
# Tarone statistics computed here from their definitions (no installed package has them).
source("tests/r/_common.R")

breslow_day <- function(x) {
  K <- dim(x)[3]
  a <- x[1, 1, ]; row1 <- apply(x, c(1, 3), sum)[1, ]; col1 <- apply(x, c(2, 3), sum)[1, ]
  n <- apply(x, 3, sum)
  psi <- mantelhaen.test(x)$estimate
  expected <- sapply(seq_len(K), function(k) {
    lo <- max(0, row1[k] + col1[k] - n[k]); hi <- min(row1[k], col1[k])
    if (hi <= lo) return(lo)  # a stratum whose margins fix its table
    uniroot(function(e) e * (n[k] - row1[k] - col1[k] + e) - psi * (row1[k] - e) * (col1[k] - e),
            c(lo, hi), tol = 1e-14)$root
  })
  v <- 1 / (1 / expected + 1 / (row1 - expected) + 1 / (col1 - expected) + 1 / (n - row1 - col1 + expected))
  ok <- is.finite(v) & v > 0  # degenerate strata carry no information on the odds ratio
  bd <- sum(((a - expected)^2 / v)[ok])
  list(breslow_day = bd, tarone = bd - sum((a - expected)[ok])^2 / sum(v[ok]), df = sum(ok) - 1)
}

record <- function(x, correct = TRUE) {
  t <- mantelhaen.test(x, correct = correct)
  c(list(long = export_data(as.data.frame(as.table(x))), statistic = unname(t$statistic),
         p_value = t$p.value, odds_ratio = unname(t$estimate), conf_int = as.numeric(t$conf.int)),
    breslow_day(x))
}

rabbits <- array(c(0, 0, 6, 5, 3, 0, 3, 6, 6, 2, 0, 4, 5, 6, 1, 0, 2, 5, 0, 0), dim = c(2, 2, 5),
                 dimnames = list(Delay = c("None", "1.5h"), Response = c("Cured", "Died"),
                                 Penicillin.Level = c("1/8", "1/4", "1/2", "1", "4")))
write_fixture(list(
  ucb = record(UCBAdmissions),
  ucb_uncorrected = record(UCBAdmissions, correct = FALSE),
  rabbits = record(rabbits)
), "mantelhaen")
