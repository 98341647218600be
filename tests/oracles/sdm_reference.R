# Reference figures for nqp_xl/spatial_durbin.py (NQP_SDM), written from SPEC Part 3 and the
# sources, not from our Python.  Run from the repository root:
#
#     Rscript tests/oracles/sdm_reference.R
#
# Cross-section: R spatialreg (Debian r-cran-spatialreg 1.2-6) lagsarlm(Durbin = TRUE,
# method = "eigen") for the SDM, lagsarlm() for the SAR and errorsarlm() for the SEM, LR.Sarlm,
# impacts(fit, listw, R = 10000) after set.seed(1).  One change from the defaults:
# control tol.opt = 1e-13 (default .Machine$double.eps^0.5 stops optimize() about 1e-8 from the
# maximum, the width of our comparison).  Data: the bundled panel, one year, the bundled
# contiguity and inverse-distance weights (row-standardised, style "W").
#
# Panels: no R package fits the Lee-Yu (2010) transformation approach, so this script does it by
# brute force on explicitly transformed data: F_T and F_N are orthonormal eigenvectors of the
# demeaning matrices (I - 11'/T, I - 11'/N) for the eigenvalue 1; the data are premultiplied by
# t(F_T) (x) I_N (region effects), I_T (x) t(F_N) (time effects) or both, W becomes
# t(F_N) W F_N under time effects; log|I - rho W~| by determinant(); rho by uniroot() on the
# score of the concentrated log-likelihood (to 1e-15), bracketed by optimize(); standard errors
# from the information matrix of the transformed model (Lee & Yu 2010, eq. 8 ff.), built from
# dense products in the transformed space; impacts from dense (I - rho W)^-1; simulated SE by
# MASS::mvrnorm (R = 10000, set.seed(1)).  The SAR and SEM for the LR tests likewise.
suppressPackageStartupMessages({library(spdep); library(spatialreg); library(MASS)})
options(digits = 17)
out_dir <- "tests/fixtures/sdm"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
fmt_out <- function(df, name) {
  for (k in names(df)) if (is.numeric(df[[k]])) df[[k]] <- ifelse(is.na(df[[k]]), "", sprintf("%.17g", df[[k]]))
  write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = TRUE, fileEncoding = "UTF-8")
}
read_weights <- function(path) {
  w <- read.csv(path, check.names = FALSE, fileEncoding = "UTF-8", row.names = 1)
  m <- as.matrix(w); dimnames(m) <- list(rownames(w), colnames(w)); m
}
panel <- read.csv("nqp_xl/data/china_province_panel.csv", fileEncoding = "UTF-8", stringsAsFactors = FALSE)
Wm <- list(contiguity = read_weights("nqp_xl/data/china_province_weights_contiguity.csv"),
           distance = read_weights("nqp_xl/data/china_province_weights_distance.csv"))
EQ <- "log(invention_patent_applications) ~ log(rd_personnel_fte) + log(gov_sci_tech_spending) + rd_intensity"
XN <- c("ln(rd_personnel_fte)", "ln(gov_sci_tech_spending)", "rd_intensity")
tight <- list(tol.opt = 1e-13)

# ---------------------------------------------------------------- cross-section (spatialreg)
coef_rows <- list(); stat_rows <- list(); imp_rows <- list()
for (kind in names(Wm)) {
  d <- panel[panel$year == 2022, ]
  lw <- mat2listw(Wm[[kind]][d$province, d$province], row.names = d$province, style = "W")
  sdm <- lagsarlm(as.formula(EQ), data = d, listw = lw, Durbin = TRUE, method = "eigen", control = tight)
  sar <- lagsarlm(as.formula(EQ), data = d, listw = lw, method = "eigen", control = tight)
  sem <- errorsarlm(as.formula(EQ), data = d, listw = lw, method = "eigen", control = tight)
  case <- paste0("cross_", kind)
  cf <- c(coef(sdm)[-1], sdm$rho)    # coef(): rho first, then (Intercept), x, lag.x
  se <- c(sdm$rest.se, sdm$rho.se)
  # optimize() stops where the flat maximum is resolved (~1e-7 in rho at tol.opt = 1e-13); the
  # root of the concentrated score, started from lagsarlm's rho, pins rho and the coefficients
  # to 1e-8: score(rho) = n e_d'(e0 - rho e_d)/SSR - sum(lambda/(1 - rho lambda)).
  Z <- sdm$X                           # lagsarlm's own design: (Intercept), x, lag.x
  yv <- sdm$y; wyv <- lag.listw(lw, yv)
  e0 <- lm.fit(Z, yv)$residuals; ed <- lm.fit(Z, wyv)$residuals
  ev <- eigen(listw2mat(lw), only.values = TRUE)$values
  score <- function(r) length(yv) * sum(ed * (e0 - r * ed)) / sum((e0 - r * ed)^2) - Re(sum(ev / (1 - r * ev)))
  rho_root <- uniroot(score, sdm$rho + c(-1e-4, 1e-4), tol = 1e-15)$root
  cf_root <- c(lm.fit(Z, yv - rho_root * wyv)$coefficients, rho_root)
  names_out <- c("_cons", XN, paste0("W*", XN), "rho")
  coef_rows[[length(coef_rows) + 1]] <- data.frame(case = case, variable = names_out, coef = unname(cf), se = unname(se),
                                                   coef_root = unname(cf_root))
  lr_sar <- LR.Sarlm(sdm, sar); lr_sem <- LR.Sarlm(sdm, sem)
  stat_rows[[length(stat_rows) + 1]] <- data.frame(
    case = case, loglik = as.numeric(logLik(sdm)), aic = AIC(sdm), sigma2 = sdm$s2, n = nrow(d),
    lr_sar = unname(lr_sar$statistic), lr_sar_df = unname(lr_sar$parameter), lr_sar_p = lr_sar$p.value,
    lr_sem = unname(lr_sem$statistic), lr_sem_df = unname(lr_sem$parameter), lr_sem_p = lr_sem$p.value,
    loglik_sar = as.numeric(logLik(sar)), loglik_sem = as.numeric(logLik(sem)))
  set.seed(1)
  imp <- impacts(sdm, listw = lw, R = 10000)
  sm <- summary(imp, zstats = TRUE, short = TRUE)
  imp_rows[[length(imp_rows) + 1]] <- data.frame(
    case = case, variable = XN, direct = imp$res$direct, indirect = imp$res$indirect, total = imp$res$total,
    se_direct = sm$semat[, "Direct"], se_indirect = sm$semat[, "Indirect"], se_total = sm$semat[, "Total"])
}

# ---------------------------------------------------------------- synthetic cross-section (spatialreg)
# 120 regions, W = 5 nearest neighbours NOT symmetrised (complex eigenvalues), data drawn from an
# SDM with rho = 0.4: its simulated SE are stable (rho + 4 SE < 1), unlike the provinces'.
set.seed(20261207)
n_syn <- 120
ids_syn <- sprintf("S%03d", 1:n_syn)
xy <- cbind(runif(n_syn), runif(n_syn))
D <- as.matrix(dist(xy))
C_syn <- matrix(0, n_syn, n_syn, dimnames = list(ids_syn, ids_syn))
for (i in 1:n_syn) C_syn[i, order(D[i, ])[2:6]] <- 1
W_syn <- C_syn / rowSums(C_syn)
X_syn <- cbind(x1 = rnorm(n_syn), x2 = rnorm(n_syn, 2, 1))
y_syn <- solve(diag(n_syn) - 0.4 * W_syn, 1 + X_syn %*% c(1, -0.5) + W_syn %*% X_syn %*% c(0.5, 0.3) + rnorm(n_syn, 0, 0.5))
syn <- data.frame(id = ids_syn, y = as.vector(y_syn), X_syn)
fmt_out(syn, "synthetic_cross.csv")
writeLines(c(paste(c("", ids_syn), collapse = ","),
             sapply(1:n_syn, function(i) paste(c(ids_syn[i], C_syn[i, ]), collapse = ","))),
           file.path(out_dir, "synthetic_weights.csv"))
syn <- read.csv(file.path(out_dir, "synthetic_cross.csv"))     # exactly the numbers Python reads
lw <- mat2listw(C_syn, row.names = ids_syn, style = "W")
f_syn <- y ~ x1 + x2
sdm <- lagsarlm(f_syn, data = syn, listw = lw, Durbin = TRUE, method = "eigen", control = tight)
sar <- lagsarlm(f_syn, data = syn, listw = lw, method = "eigen", control = tight)
sem <- errorsarlm(f_syn, data = syn, listw = lw, method = "eigen", control = tight)
Z <- sdm$X; yv <- sdm$y; wyv <- lag.listw(lw, yv)
e0 <- lm.fit(Z, yv)$residuals; ed <- lm.fit(Z, wyv)$residuals
ev <- eigen(listw2mat(lw), only.values = TRUE)$values
score <- function(r) length(yv) * sum(ed * (e0 - r * ed)) / sum((e0 - r * ed)^2) - Re(sum(ev / (1 - r * ev)))
rho_root <- uniroot(score, sdm$rho + c(-1e-4, 1e-4), tol = 1e-15)$root
coef_rows[[length(coef_rows) + 1]] <- data.frame(
  case = "cross_synthetic", variable = c("_cons", "x1", "x2", "W*x1", "W*x2", "rho"),
  coef = unname(c(coef(sdm)[-1], sdm$rho)), se = unname(c(sdm$rest.se, sdm$rho.se)),
  coef_root = unname(c(lm.fit(Z, yv - rho_root * wyv)$coefficients, rho_root)))
lr_sar <- LR.Sarlm(sdm, sar); lr_sem <- LR.Sarlm(sdm, sem)
stat_rows[[length(stat_rows) + 1]] <- data.frame(
  case = "cross_synthetic", loglik = as.numeric(logLik(sdm)), aic = AIC(sdm), sigma2 = sdm$s2, n = n_syn,
  lr_sar = unname(lr_sar$statistic), lr_sar_df = unname(lr_sar$parameter), lr_sar_p = lr_sar$p.value,
  lr_sem = unname(lr_sem$statistic), lr_sem_df = unname(lr_sem$parameter), lr_sem_p = lr_sem$p.value,
  loglik_sar = as.numeric(logLik(sar)), loglik_sem = as.numeric(logLik(sem)))
set.seed(1)
imp <- impacts(sdm, listw = lw, R = 10000)
sm <- summary(imp, zstats = TRUE, short = TRUE)
imp_rows[[length(imp_rows) + 1]] <- data.frame(
  case = "cross_synthetic", variable = c("x1", "x2"), direct = imp$res$direct, indirect = imp$res$indirect,
  total = imp$res$total, se_direct = sm$semat[, "Direct"], se_indirect = sm$semat[, "Indirect"],
  se_total = sm$semat[, "Total"])

# ---------------------------------------------------------------- panels (brute force, Lee-Yu)
orth <- function(m) {                     # orthonormal basis of the demeaned space (m x (m - 1))
  e <- eigen(diag(m) - matrix(1 / m, m, m), symmetric = TRUE)
  e$vectors[, e$values > 0.5, drop = FALSE]
}
lag_ml <- function(yt, Xt, Wt, Tst, n_eff) {
  # y~ = rho (I_T* (x) W~) y~ + X~ b + e, log-likelihood by determinant(), rho by the score's root
  BW <- kronecker(diag(Tst), Wt)
  wy <- BW %*% yt
  XtXi <- solve(crossprod(Xt))
  e0 <- yt - Xt %*% (XtXi %*% crossprod(Xt, yt)); ed <- wy - Xt %*% (XtXi %*% crossprod(Xt, wy))
  ssr <- function(r) sum((e0 - r * ed)^2)
  ll <- function(r) -n_eff / 2 * (log(2 * pi) + log(ssr(r) / n_eff) + 1) +
    Tst * as.numeric(determinant(diag(nrow(Wt)) - r * Wt, logarithm = TRUE)$modulus)
  score <- function(r) n_eff * sum(ed * (e0 - r * ed)) / ssr(r) -
    Tst * sum(diag(Wt %*% solve(diag(nrow(Wt)) - r * Wt)))
  ev <- Re(eigen(Wt, only.values = TRUE)$values)
  lo <- 1 / min(ev) + 1e-9; hi <- min(1, 1 / max(ev)) - 1e-9   # rho < 1 also when W~ has lost the eigenvalue 1
  r0 <- optimize(ll, c(lo, hi), maximum = TRUE, tol = 1e-12)$maximum
  rho <- uniroot(score, c(max(lo, r0 - 1e-3), min(hi, r0 + 1e-3)), tol = 1e-15)$root
  b <- XtXi %*% crossprod(Xt, yt - rho * wy)
  s2 <- ssr(rho) / n_eff
  Gt <- Wt %*% solve(diag(nrow(Wt)) - rho * Wt)
  GXb <- kronecker(diag(Tst), Gt) %*% (Xt %*% b)
  p <- ncol(Xt)
  info <- matrix(0, p + 2, p + 2)
  info[1:p, 1:p] <- crossprod(Xt) / s2
  info[1:p, p + 1] <- info[p + 1, 1:p] <- crossprod(Xt, GXb) / s2
  info[p + 1, p + 1] <- Tst * (sum(diag(Gt %*% Gt)) + sum(diag(crossprod(Gt)))) + sum(GXb^2) / s2
  info[p + 1, p + 2] <- info[p + 2, p + 1] <- Tst * sum(diag(Gt)) / s2
  info[p + 2, p + 2] <- n_eff / (2 * s2^2)
  list(rho = rho, b = as.vector(b), s2 = s2, ll = ll(rho), cov = solve(info)[1:(p + 1), 1:(p + 1)],
       interval = c(lo, hi))
}
err_ml <- function(yt, Xt, Wt, Tst, n_eff) {
  BW <- kronecker(diag(Tst), Wt)
  ssr <- function(l) { ys <- yt - l * BW %*% yt; Xs <- Xt - l * BW %*% Xt
    sum(lm.fit(Xs, ys)$residuals^2) }
  ll <- function(l) -n_eff / 2 * (log(2 * pi) + log(ssr(l) / n_eff) + 1) +
    Tst * as.numeric(determinant(diag(nrow(Wt)) - l * Wt, logarithm = TRUE)$modulus)
  ev <- Re(eigen(Wt, only.values = TRUE)$values)
  optimize(ll, c(1 / min(ev) + 1e-9, min(1, 1 / max(ev)) - 1e-9), maximum = TRUE, tol = 1e-12)$objective
}
for (kind in c("contiguity", "distance")) for (eff in c("individual", "time", "twoways")) {
  d <- panel[order(panel$year, panel$province), ]
  ids <- sort(unique(d$province)); yrs <- sort(unique(d$year))
  N <- length(ids); Tn <- length(yrs)
  C <- Wm[[kind]][ids, ids]; W <- C / rowSums(C)
  y <- log(d$invention_patent_applications)
  X <- cbind(log(d$rd_personnel_fte), log(d$gov_sci_tech_spending), d$rd_intensity)
  WX <- kronecker(diag(Tn), W) %*% X
  region <- eff %in% c("individual", "twoways"); time <- eff %in% c("time", "twoways")
  QT <- if (region) t(orth(Tn)) else diag(Tn)
  QN <- if (time) t(orth(N)) else diag(N)
  Q <- kronecker(QT, QN)
  Wt <- QN %*% W %*% t(QN)
  Tst <- nrow(QT); n_eff <- nrow(Q)
  yt <- Q %*% y; Xt <- Q %*% cbind(X, WX); Xs <- Q %*% X
  f <- lag_ml(yt, Xt, Wt, Tst, n_eff)
  ll_sar <- lag_ml(yt, Xs, Wt, Tst, n_eff)$ll
  ll_sem <- err_ml(yt, Xs, Wt, Tst, n_eff)
  case <- paste0("panel_", kind, "_", eff)
  se <- sqrt(diag(f$cov))
  coef_rows[[length(coef_rows) + 1]] <- data.frame(case = case, variable = c(XN, paste0("W*", XN), "rho"),
                                                   coef = c(f$b, f$rho), se = se, coef_root = c(f$b, f$rho))
  k <- 3
  lrs <- 2 * (f$ll - ll_sar); lre <- 2 * (f$ll - ll_sem)
  stat_rows[[length(stat_rows) + 1]] <- data.frame(
    case = case, loglik = f$ll, aic = -2 * f$ll + 2 * (2 * k + 2), sigma2 = f$s2, n = N * Tn,
    lr_sar = lrs, lr_sar_df = k, lr_sar_p = pchisq(lrs, k, lower.tail = FALSE),
    lr_sem = lre, lr_sem_df = k, lr_sem_p = pchisq(lre, k, lower.tail = FALSE),
    loglik_sar = ll_sar, loglik_sem = ll_sem)
  eff_of <- function(rho, beta, theta) {
    A <- solve(diag(N) - rho * W)
    sapply(1:k, function(j) { S <- A %*% (beta[j] * diag(N) + theta[j] * W)
      c(mean(diag(S)), mean(rowSums(S)) - mean(diag(S)), mean(rowSums(S))) })
  }
  pt <- eff_of(f$rho, f$b[1:k], f$b[k + 1:k])
  # simulated SE: draws of (rho, beta, theta) from N(estimate, covariance), rho inside the interval
  idx <- c(2 * k + 1, 1:(2 * k))
  set.seed(1)
  sims <- mvrnorm(10000, c(f$rho, f$b), f$cov[idx, idx])
  sims <- sims[sims[, 1] > f$interval[1] & sims[, 1] < f$interval[2], ]
  ev <- eigen(W, only.values = TRUE)$values
  draws <- t(apply(sims, 1, function(s) {
    tra <- Re(sum(1 / (1 - s[1] * ev))); traw <- Re(sum(ev / (1 - s[1] * ev)))
    dir <- (s[1 + 1:k] * tra + s[1 + k + 1:k] * traw) / N; tot <- (s[1 + 1:k] + s[1 + k + 1:k]) / (1 - s[1])
    c(dir, tot - dir, tot) }))
  sds <- matrix(apply(draws, 2, sd), k, 3)
  imp_rows[[length(imp_rows) + 1]] <- data.frame(
    case = case, variable = XN, direct = pt[1, ], indirect = pt[2, ], total = pt[3, ],
    se_direct = sds[, 1], se_indirect = sds[, 2], se_total = sds[, 3])
}
fmt_out(do.call(rbind, coef_rows), "coefficients.csv")
fmt_out(do.call(rbind, stat_rows), "statistics.csv")
fmt_out(do.call(rbind, imp_rows), "impacts.csv")
cat("wrote", out_dir, "\n")
