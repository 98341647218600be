# Reference figures for the factor-analysis chain (SPEC "Factor analysis"), computed in R.
#
#   Rscript tests/oracles/factor_psych.R          (from the repository root)
#
# Writes tests/fixtures/factor/<dataset>/...          figures that do not depend on k
#        tests/fixtures/factor/<dataset>__<rule>/...  figures for one factor-count rule
#        tests/fixtures/factor/R_VERSIONS.txt
# Every number is written with 17 significant digits (sprintf("%.17g")), NaN as "NaN".
#
# Conventions (SPSS FACTOR /EXTRACTION=PC /ROTATION=VARIMAX, as SPEC.md states them):
#   listwise complete cases; z-scores with sd (n-1); R = cor(X); psych::KMO (MSA, MSAi);
#   psych::cortest.bartlett(R, n); eigen(R); A = V sqrt(lambda) for the first k, each column
#   reflected so that its sum is positive; varimax with Kaiser normalization iterated to the
#   true optimum (not SPSS's 25 steps); each rotated column reflected so its sum is positive,
#   columns sorted by rotated sum of squares (largest first); B = solve(R, A_rot);
#   scores = Z B; weights = SS / sum(SS); composite F = scores weights; Rank 1 = highest F.
suppressPackageStartupMessages({
  library(psych)
  library(GPArotation)
})

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- normalizePath(file.path(dirname(script), "..", ".."))
data_dir <- file.path(root, "tests", "fixtures", "data")
out_dir <- file.path(root, "tests", "fixtures", "factor")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

datasets <- c("province_2022", "province_2022_missing", "synthetic_2500")
rules <- list(
  eigen1  = list(n_factors = NULL, min_cumvar = NULL),   # eigenvalue > 1 (the default)
  cumvar85 = list(n_factors = NULL, min_cumvar = 0.85),  # smallest k with cumulative >= 85%
  k3      = list(n_factors = 3, min_cumvar = NULL)       # n_factors = 3
)

fmt <- function(x) {
  out <- sprintf("%.17g", x)
  if (is.logical(x)) return(ifelse(is.na(x), "NaN", ifelse(x, "1", "0")))
  out[is.nan(x) | is.na(x)] <- "NaN"
  out
}

write_table <- function(frame, path) {
  # frame: data.frame; numeric columns formatted with 17 significant digits
  text_cols <- which(vapply(frame, is.character, logical(1)))
  for (j in seq_along(frame)) {
    if (is.numeric(frame[[j]]) || is.logical(frame[[j]])) frame[[j]] <- fmt(frame[[j]])
  }
  write.table(frame, path, sep = ",", row.names = FALSE, col.names = TRUE, quote = text_cols,
              qmethod = "double", fileEncoding = "UTF-8")
}

with_names <- function(names, mat, prefix) {
  mat <- as.matrix(mat)
  frame <- data.frame(indicator = names, stringsAsFactors = FALSE)
  for (j in seq_len(ncol(mat))) frame[[paste0(prefix, j)]] <- mat[, j]
  frame
}

reflect <- function(M) {
  # reflect each column so that its sum is positive
  s <- ifelse(colSums(M) < 0, -1, 1)
  sweep(M, 2, s, `*`)
}

varimax_asymmetry <- function(A, T) {
  # Stationarity of the Kaiser-normalized varimax criterion: with L = (A / h) T,
  # M = L' (L^3 - L diag(colMeans(L^2))) must be symmetric at an optimum.
  h <- sqrt(rowSums(A^2))
  L <- (A / h) %*% T
  p <- nrow(L)
  M <- t(L) %*% (L^3 - L %*% diag(colSums(L^2) / p, ncol(L)))
  max(abs(M - t(M)))
}

varimax_to_convergence <- function(A) {
  # Kaiser's normalization and the SVD iteration of stats::varimax, but stopped only when
  # the rotation matrix no longer changes (stats::varimax stops on a relative change of its
  # criterion, which at eps = 1e-15 still leaves the rotation ~1e-8 from the optimum).
  h <- sqrt(rowSums(A^2))
  x <- A / h
  p <- nrow(x)
  nc <- ncol(x)
  TT <- diag(nc)
  iterations <- 0
  for (i in 1:200000) {
    z <- x %*% TT
    B <- t(x) %*% (z^3 - z %*% diag(drop(rep(1, p) %*% z^2), nc) / p)
    sB <- La.svd(B)
    TTnew <- sB$u %*% sB$vt
    change <- max(abs(TTnew - TT))
    TT <- TTnew
    iterations <- i
    if (change < 1e-14) break  # rounding keeps it moving ~1e-15 in some cases
  }
  list(rotmat = TT, iterations = iterations, last_change = change)
}

varimax_kaiser_pairwise <- function(A) {
  # Kaiser's (1958) pairwise planar rotations (the algorithm SPSS uses), on the
  # Kaiser-normalized loadings, swept until no angle exceeds 1e-15: an independent check.
  h <- sqrt(rowSums(A^2))
  x <- A / h
  p <- nrow(x)
  k <- ncol(x)
  sweeps <- 0
  for (sweep in 1:100000) {
    biggest <- 0
    for (j in 1:(k - 1)) for (l in (j + 1):k) {
      a <- x[, j]; b <- x[, l]
      u <- a^2 - b^2; v <- 2 * a * b
      num <- 2 * sum(u * v) - 2 * sum(u) * sum(v) / p
      den <- sum(u^2 - v^2) - (sum(u)^2 - sum(v)^2) / p
      phi <- atan2(num, den) / 4
      if (abs(phi) > biggest) biggest <- abs(phi)
      x[, j] <- a * cos(phi) + b * sin(phi)
      x[, l] <- -a * sin(phi) + b * cos(phi)
    }
    sweeps <- sweep
    if (biggest < 1e-15) break
  }
  list(loadings = x * h, sweeps = sweeps, last_angle = biggest)
}

align <- function(M, ref) {
  # reflect / permute the columns of M to best match ref (for comparing two rotations)
  k <- ncol(ref)
  out <- ref * NA
  used <- integer(0)
  for (j in 1:k) {
    best <- NA; bestv <- Inf
    for (c in setdiff(1:k, used)) for (s in c(-1, 1)) {
      v <- max(abs(s * M[, c] - ref[, j]))
      if (v < bestv) { bestv <- v; best <- c(c, s) }
    }
    used <- c(used, best[1])
    out[, j] <- best[2] * M[, best[1]]
  }
  out
}

versions <- c(
  R.version.string,
  paste("psych", as.character(packageVersion("psych"))),
  paste("GPArotation", as.character(packageVersion("GPArotation"))),
  paste("BLAS", extSoftVersion()[["BLAS"]]),
  paste("LAPACK", La_library()),
  paste("LAPACK version", La_version())
)
writeLines(versions, file.path(out_dir, "R_VERSIONS.txt"))

diagnostics <- data.frame()

for (ds in datasets) {
  raw <- read.csv(file.path(data_dir, paste0(ds, ".csv")), check.names = FALSE,
                  stringsAsFactors = FALSE)
  labels <- raw[[1]]
  X_all <- as.matrix(raw[, -1])
  keep <- complete.cases(X_all)
  X <- X_all[keep, , drop = FALSE]
  names_ <- colnames(X)
  n <- nrow(X)
  p <- ncol(X)

  ddir <- file.path(out_dir, ds)
  dir.create(ddir, showWarnings = FALSE)

  # --- rule-independent figures -------------------------------------------------------
  Z <- scale(X)                              # (x - mean) / sd, sd with n - 1
  R <- cor(X)
  km <- KMO(R)
  bt <- cortest.bartlett(R, n)
  ev <- eigen(R, symmetric = TRUE)
  lambda <- ev$values
  V <- reflect(ev$vectors)

  write_table(data.frame(indicator = names_, N = rep(n, p), mean = colMeans(X),
                         sd = apply(X, 2, sd), min = apply(X, 2, min), max = apply(X, 2, max),
                         stringsAsFactors = FALSE),
              file.path(ddir, "describe.csv"))
  zf <- data.frame(row = which(keep), label = labels[keep], stringsAsFactors = FALSE)
  for (j in 1:p) zf[[names_[j]]] <- Z[, j]
  write_table(zf, file.path(ddir, "z.csv"))
  write_table(data.frame(row = seq_along(keep), label = labels, complete = as.integer(keep),
                         stringsAsFactors = FALSE), file.path(ddir, "rows.csv"))
  cf <- data.frame(indicator = names_, stringsAsFactors = FALSE)
  for (j in 1:p) cf[[names_[j]]] <- R[, j]
  write_table(cf, file.path(ddir, "correlation.csv"))
  write_table(data.frame(component = 1:p, eigenvalue = lambda), file.path(ddir, "eigenvalues.csv"))
  write_table(with_names(names_, V, "V"), file.path(ddir, "eigenvectors.csv"))
  write_table(data.frame(kmo = km$MSA, n = n, p = p), file.path(ddir, "kmo.csv"))
  write_table(data.frame(indicator = names_, msa = unname(km$MSAi), stringsAsFactors = FALSE),
              file.path(ddir, "msa.csv"))
  write_table(data.frame(chi2 = bt$chisq, df = bt$df, sig = bt$p.value, det = det(R)),
              file.path(ddir, "bartlett.csv"))

  # --- per factor-count rule ----------------------------------------------------------
  for (rule in names(rules)) {
    opt <- rules[[rule]]
    if (!is.null(opt$n_factors)) {
      k <- opt$n_factors
    } else if (!is.null(opt$min_cumvar)) {
      k <- which(cumsum(lambda) / p >= opt$min_cumvar)[1]
    } else {
      k <- sum(lambda > 1)
    }
    rdir <- file.path(out_dir, paste0(ds, "__", rule))
    dir.create(rdir, showWarnings = FALSE)

    A <- V[, 1:k, drop = FALSE] %*% diag(sqrt(lambda[1:k]), k)
    A <- reflect(A)

    # varimax: stats::varimax at eps 1e-15, then the same iteration to a fixed point
    sv <- stats::varimax(A, normalize = TRUE, eps = 1e-15)
    conv <- varimax_to_convergence(A)
    T <- conv$rotmat
    # restart stats::varimax from its own output until it no longer moves
    L_restart <- unclass(sv$loadings)
    restarts <- 0
    repeat {  # (rounding can make it move by ~1e-16 forever; 50 restarts at most)
      again <- stats::varimax(L_restart, normalize = TRUE, eps = 1e-15)
      moved <- max(abs(unclass(again$loadings) - L_restart))
      L_restart <- unclass(again$loadings)
      restarts <- restarts + 1
      if (moved < 1e-14 || restarts >= 50) break
    }
    # GPArotation's line search stalls near a gradient norm of 1e-8 (its step test cannot
    # see criterion changes below rounding), so it is a check at ~1e-8 only.
    gp <- suppressWarnings(GPArotation::Varimax(A, normalize = TRUE, eps = 1e-9, maxit = 3000))
    kp <- varimax_kaiser_pairwise(A)

    Arot <- A %*% T
    s <- ifelse(colSums(Arot) < 0, -1, 1)
    ss <- colSums(Arot^2)
    ord <- order(-ss)
    Tfin <- sweep(T, 2, s, `*`)[, ord, drop = FALSE]
    Arot <- A %*% Tfin
    ss <- colSums(Arot^2)

    diag_row <- data.frame(
      dataset = ds, rule = rule, k = k, n = n,
      own_iterations = conv$iterations, own_last_change = conv$last_change,
      asym_own = varimax_asymmetry(A, T),
      asym_stats_eps15 = varimax_asymmetry(A, sv$rotmat),
      maxdiff_stats_eps15 = max(abs(align(unclass(sv$loadings), Arot) - Arot)),
      restarts = restarts,
      maxdiff_stats_restarted = max(abs(align(L_restart, Arot) - Arot)),
      kaiser_sweeps = kp$sweeps, kaiser_last_angle = kp$last_angle,
      maxdiff_kaiser_pairwise = max(abs(align(kp$loadings, Arot) - Arot)),
      gpa_converged = gp$convergence, gpa_iterations = nrow(gp$Table) - 1,
      maxdiff_gparotation = max(abs(align(unclass(gp$loadings), Arot) - Arot)),
      stringsAsFactors = FALSE
    )
    diagnostics <- rbind(diagnostics, diag_row)

    Bc <- solve(R, Arot)
    scores <- Z %*% Bc
    weights <- ss / sum(ss)
    composite <- drop(scores %*% weights)
    rk <- rank(-composite, ties.method = "min")
    comm <- rowSums(A^2)

    vt <- matrix(NaN, p, 10)
    vt[, 1] <- 1:p
    vt[, 2] <- lambda
    vt[, 3] <- 100 * lambda / p
    vt[, 4] <- cumsum(vt[, 3])
    vt[1:k, 5:7] <- vt[1:k, 2:4]
    vt[1:k, 8] <- ss
    vt[1:k, 9] <- 100 * ss / p
    vt[1:k, 10] <- cumsum(vt[1:k, 9])
    colnames(vt) <- c("Component", "Initial Total", "Initial % of Variance",
                      "Initial Cumulative %", "Extraction Total", "Extraction % of Variance",
                      "Extraction Cumulative %", "Rotation Total", "Rotation % of Variance",
                      "Rotation Cumulative %")

    write_table(data.frame(n_factors = k, n = n, p = p,
                           n_factors_rule = ifelse(is.null(opt$n_factors), NA, opt$n_factors),
                           min_cumvar = ifelse(is.null(opt$min_cumvar), NA, opt$min_cumvar)),
                file.path(rdir, "meta.csv"))
    write_table(with_names(names_, A, "F"), file.path(rdir, "loadings.csv"))
    write_table(with_names(names_, Arot, "F"), file.path(rdir, "rotated_loadings.csv"))
    write_table(with_names(paste0("F", 1:k), Tfin, "F"), file.path(rdir, "rotation.csv"))
    write_table(data.frame(factor = paste0("F", 1:k), rotated_ss = ss, weight = weights,
                           stringsAsFactors = FALSE), file.path(rdir, "rotated_ss.csv"))
    write_table(with_names(names_, Bc, "F"), file.path(rdir, "score_coefficients.csv"))
    sf <- data.frame(row = which(keep), label = labels[keep], stringsAsFactors = FALSE)
    for (j in 1:k) sf[[paste0("F", j)]] <- scores[, j]
    sf$F <- composite
    sf$Rank <- rk
    write_table(sf, file.path(rdir, "scores.csv"))
    write_table(data.frame(indicator = names_, initial = rep(1, p), extraction = comm,
                           stringsAsFactors = FALSE), file.path(rdir, "communalities.csv"))
    write_table(as.data.frame(vt, check.names = FALSE), file.path(rdir, "variance_table.csv"))
  }
}

write_table(diagnostics, file.path(out_dir, "varimax_convergence.csv"))
print(diagnostics)
