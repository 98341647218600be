# Oracle for nqp_xl/simultaneous.py: R systemfit with the settings that reproduce Stata reg3.
#   Rscript tests/oracles/sem_systemfit.R       (from the repository root)
# Writes tests/fixtures/sem/{panel_system,synthetic_system}.csv (the data, 17 digits) and
# tests/fixtures/sem/sem_systemfit_reference.csv (estimates, 17 digits).
#
# Stata reg3 <-> systemfit:
#   reg3, ols    equation-by-equation OLS, dfk + small: sigma_ii = e'e/(n - k_i), t statistics
#                -> systemfit(method = "OLS", methodResidCov = "geomean")
#   reg3, 2sls   equation-by-equation 2SLS on all exogenous variables, dfk + small
#                -> systemfit(method = "2SLS", inst = ~ all exogenous, methodResidCov = "geomean")
#   reg3         3SLS, Sigma = E'E/n from the 2SLS residuals, V = (Xhat'(Sigma^-1 (x) I)Xhat)^-1, z
#                -> systemfit(method = "3SLS", inst = ~ all exogenous, methodResidCov = "noDfCor",
#                             method3sls = "GLS")
#   reg3, ireg3  the same, Sigma re-estimated from the 3SLS residuals until convergence
#                -> plus maxiter = 1000, tol = 1e-12
# P-values: z -> 2 pnorm(-|z|); t -> 2 pt(-|t|, n - k_1) (reg3 "small": the degrees of freedom
# of the first equation are used for every equation).
suppressPackageStartupMessages(library(systemfit))
options(digits = 17)
fmt <- function(x) trimws(formatC(x, digits = 17, format = "g"))

# --- the panel system (real data): innovation output <-> industrial new-product sales -------
panel <- read.csv("tests/fixtures/data/panel_2016_2023.csv", stringsAsFactors = FALSE)
pan <- data.frame(
  province_en = panel$province_en, year = panel$year,
  ln_patents = log(panel$valid_invention_patents),
  ln_newprod = log(panel$ind_new_product_sales),
  ln_rd_personnel = log(panel$rd_personnel_fte),
  ln_gov_sci_tech = log(panel$gov_sci_tech_spending),
  ln_ind_rd_exp = log(panel$ind_rd_expenditure),
  ln_hitech_ent = log(panel$hitech_enterprises))
out <- pan; for (j in 3:ncol(out)) out[[j]] <- ifelse(is.na(out[[j]]), NA, fmt(out[[j]]))
write.csv(out, "tests/fixtures/sem/panel_system.csv", row.names = FALSE, na = "", quote = FALSE)
pan <- read.csv("tests/fixtures/sem/panel_system.csv")        # exactly the numbers Python reads
pan <- na.omit(pan)                                             # listwise

# --- a synthetic system with known coefficients (3 equations, correlated errors) -----------
set.seed(20260517)
n <- 400
z <- matrix(rnorm(n * 5), n, 5); colnames(z) <- paste0("z", 1:5)
S <- matrix(c(1, 0.5, 0.3, 0.5, 1, 0.4, 0.3, 0.4, 1), 3, 3)
u <- matrix(rnorm(n * 3), n, 3) %*% chol(S)
# y1 = 1 + 0.5 y2 + 1.0 z1 - 0.5 z2 + u1
# y2 = 2 - 0.3 y1 + 0.8 z3 + 0.4 z4 + u2
# y3 = 0.5 + 0.7 y1 + 0.2 z1 + 0.6 z5 + u3
A <- matrix(c(1, -0.5, 0.3, 1), 2, 2, byrow = TRUE)
rhs <- cbind(1 + z[, 1] - 0.5 * z[, 2] + u[, 1], 2 + 0.8 * z[, 3] + 0.4 * z[, 4] + u[, 2])
y12 <- t(solve(A, t(rhs)))
y3 <- 0.5 + 0.7 * y12[, 1] + 0.2 * z[, 1] + 0.6 * z[, 5] + u[, 3]
syn <- data.frame(unit = sprintf("unit%03d", 1:n), y1 = y12[, 1], y2 = y12[, 2], y3 = y3, z)
out <- syn; for (j in 2:ncol(out)) out[[j]] <- fmt(out[[j]])
write.csv(out, "tests/fixtures/sem/synthetic_system.csv", row.names = FALSE, quote = FALSE)
syn <- read.csv("tests/fixtures/sem/synthetic_system.csv")

systems <- list(
  panel = list(data = pan,
               eqs = list(ln_patents = ln_patents ~ ln_newprod + ln_rd_personnel + ln_gov_sci_tech,
                          ln_newprod = ln_newprod ~ ln_patents + ln_ind_rd_exp + ln_hitech_ent),
               inst = ~ ln_rd_personnel + ln_gov_sci_tech + ln_ind_rd_exp + ln_hitech_ent),
  synthetic = list(data = syn,
                   eqs = list(y1 = y1 ~ y2 + z1 + z2, y2 = y2 ~ y1 + z3 + z4, y3 = y3 ~ y1 + z1 + z5),
                   inst = ~ z1 + z2 + z3 + z4 + z5))

fitone <- function(sys, method) {
  d <- sys$data
  eqs <- sys$eqs; names(eqs) <- paste0("eq", seq_along(eqs))   # labels may not hold "_"
  sys$eqs <- eqs
  switch(method,
    ols = systemfit(sys$eqs, method = "OLS", data = d, methodResidCov = "geomean"),
    "2sls" = systemfit(sys$eqs, method = "2SLS", inst = sys$inst, data = d, methodResidCov = "geomean"),
    "3sls" = systemfit(sys$eqs, method = "3SLS", inst = sys$inst, data = d, methodResidCov = "noDfCor",
                       method3sls = "GLS"),
    ireg3 = systemfit(sys$eqs, method = "3SLS", inst = sys$inst, data = d, methodResidCov = "noDfCor",
                      method3sls = "GLS", maxiter = 1000, tol = 1e-12))
}

rows <- NULL
for (sname in names(systems)) for (m in c("ols", "2sls", "3sls", "ireg3")) {
  sys <- systems[[sname]]
  fit <- fitone(sys, m)
  nobs <- nrow(sys$data)
  k1 <- length(coef(fit$eq[[1]]))
  for (e in seq_along(fit$eq)) {
    eq <- fit$eq[[e]]
    b <- coef(eq); se <- sqrt(diag(vcov(eq))); st <- b / se
    p <- if (m %in% c("ols", "2sls")) 2 * pt(-abs(st), nobs - k1) else 2 * pnorm(-abs(st))
    vars <- names(b); vars[vars == "(Intercept)"] <- "_cons"
    y <- sys$data[[names(sys$eqs)[e]]]
    r2 <- 1 - sum(residuals(eq)^2) / sum((y - mean(y))^2)
    rows <- rbind(rows, data.frame(system = sname, method = m, equation = names(sys$eqs)[e],
                                   variable = c(vars, "N", "R-squared"),
                                   coef = c(fmt(b), fmt(nobs), fmt(r2)),
                                   se = c(fmt(se), "", ""), stat = c(fmt(st), "", ""),
                                   p = c(fmt(p), "", ""), stringsAsFactors = FALSE))
  }
  if (m == "ireg3") cat(sname, "ireg3 iterations:", fit$iter, "\n")
}
write.csv(rows, "tests/fixtures/sem/sem_systemfit_reference.csv", row.names = FALSE, quote = TRUE)
cat("wrote", nrow(rows), "rows\n")

# Self-checks of the settings (stop if systemfit changes behaviour):
# OLS standard errors equal lm()'s; 3SLS equals the textbook matrix formula with Sigma/n.
sys <- systems$synthetic
o <- fitone(sys, "ols")
stopifnot(max(abs(sqrt(diag(vcov(o$eq[[1]]))) - sqrt(diag(vcov(lm(sys$eqs[[1]], data = sys$data)))))) < 1e-12)
d <- sys$data; Z <- cbind(1, as.matrix(d[, paste0("z", 1:5)])); P <- Z %*% solve(crossprod(Z), t(Z))
X <- list(cbind(1, d$y2, d$z1, d$z2), cbind(1, d$y1, d$z3, d$z4), cbind(1, d$y1, d$z1, d$z5))
Y <- list(d$y1, d$y2, d$y3)
E <- sapply(1:3, function(i) { Xh <- P %*% X[[i]]; Y[[i]] - X[[i]] %*% solve(crossprod(Xh), crossprod(Xh, Y[[i]])) })
Sig <- crossprod(E) / nrow(d); Si <- solve(Sig)
Xh <- lapply(X, function(x) P %*% x)
kk <- sapply(X, ncol); idx <- split(seq_len(sum(kk)), rep(1:3, kk))
M <- matrix(0, sum(kk), sum(kk)); v <- numeric(sum(kk))
for (i in 1:3) { for (j in 1:3) M[idx[[i]], idx[[j]]] <- Si[i, j] * crossprod(Xh[[i]], Xh[[j]])
                 v[idx[[i]]] <- Reduce(`+`, lapply(1:3, function(j) Si[i, j] * crossprod(Xh[[i]], Y[[j]]))) }
b3 <- solve(M, v); V3 <- solve(M)
t3 <- fitone(sys, "3sls")
stopifnot(max(abs(coef(t3) - b3)) < 1e-10, max(abs(sqrt(diag(vcov(t3))) - sqrt(diag(V3)))) < 1e-10)
cat("self-checks passed\n")
