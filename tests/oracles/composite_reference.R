# Reference figures for nqp_xl/composite.py and nqp_xl/coupling.py, in plain base R.
#
# Written from the formulas of SPEC.md ("Composite indices", "Coupling coordination"), not
# from our Python, so that the two implementations check each other.  Run from the
# repository root:
#
#     Rscript tests/oracles/composite_reference.R
#
# Outputs (17 significant digits) go to tests/fixtures/composite/ and tests/fixtures/coupling/.
# Directions with "-" are chosen for testing only (they are not claims about the indicators).

fmt_out <- function(df, path) {
  for (k in names(df)) if (is.numeric(df[[k]])) df[[k]] <- sprintf("%.17g", df[[k]])
  write.csv(df, path, row.names = FALSE, quote = TRUE)
}

# ---------------------------------------------------------------- composite indices

minmax <- function(X, dirs) {
  out <- X
  for (j in seq_len(ncol(X))) {
    lo <- min(X[, j]); hi <- max(X[, j])
    out[, j] <- if (dirs[j] > 0) (X[, j] - lo) / (hi - lo) else (hi - X[, j]) / (hi - lo)
  }
  out
}

zscore <- function(X, dirs) sweep(scale(X), 2, dirs, `*`)

entropy <- function(Xn, shift = 0) {
  m <- nrow(Xn)
  Y <- Xn + shift
  P <- sweep(Y, 2, colSums(Y), `/`)
  PL <- ifelse(P > 0, P * log(P), 0)
  e <- -colSums(PL) / log(m)
  d <- 1 - e
  list(e = e, d = d, w = d / sum(d))
}

critic <- function(Xn) {
  s <- apply(Xn, 2, sd)
  R <- cor(Xn)
  conflict <- colSums(1 - R)
  info <- s * conflict
  list(sigma = s, conflict = conflict, w = info / sum(info))
}

cvw <- function(X) {
  v <- apply(X, 2, sd) / colMeans(X)
  v / sum(v)
}

topsis <- function(Xn, w) {
  V <- sweep(Xn, 2, w, `*`)
  best <- apply(V, 2, max); worst <- apply(V, 2, min)
  dp <- sqrt(rowSums(sweep(V, 2, best)^2))
  dm <- sqrt(rowSums(sweep(V, 2, worst)^2))
  C <- dm / (dp + dm)
  data.frame(d_plus = dp, d_minus = dm, C = C, rank = rank(-C, ties.method = "min"))
}

obstacle <- function(Xn, w) {
  G <- sweep(1 - Xn, 2, w, `*`)
  tot <- rowSums(G)
  O <- G / tot * 100
  O[tot == 0, ] <- 0
  O
}

composite_all <- function(X, dirs, labels, prefix, outdir, with_obstacle = TRUE, with_std = TRUE) {
  Xn <- minmax(X, dirs)
  ent <- entropy(Xn)
  ent01 <- entropy(Xn, 0.01)
  ent0001 <- entropy(Xn, 1e-4)
  cr <- critic(Xn)
  cv <- cvw(X)
  eq <- rep(1 / ncol(X), ncol(X))
  given <- seq_len(ncol(X)) / sum(seq_len(ncol(X)))
  fmt_out(data.frame(indicator = colnames(X), entropy_w = ent$w, entropy_e = ent$e, entropy_d = ent$d,
                     entropy_shift0.01_w = ent01$w, entropy_shift0.01_e = ent01$e,
                     entropy_shift0.0001_w = ent0001$w,
                     critic_w = cr$w, critic_sigma = cr$sigma, critic_conflict = cr$conflict,
                     cv_w = cv, equal_w = eq, check.names = FALSE),
          file.path(outdir, paste0(prefix, "_weights.csv")))
  idx <- function(w) as.vector(Xn %*% w)
  fmt_out(cbind(labels, data.frame(entropy = idx(ent$w), entropy_shift0.01 = idx(ent01$w),
                                   critic = idx(cr$w), cv = idx(cv), equal = idx(eq), given = idx(given),
                                   check.names = FALSE)),
          file.path(outdir, paste0(prefix, "_index.csv")))
  te <- topsis(Xn, ent$w); names(te) <- paste0("entropy_", names(te))
  tc <- topsis(Xn, cr$w); names(tc) <- paste0("critic_", names(tc))
  fmt_out(cbind(labels, te, tc), file.path(outdir, paste0(prefix, "_topsis.csv")))
  if (with_obstacle) {
    O <- obstacle(Xn, ent$w)
    fmt_out(cbind(labels, as.data.frame(O)), file.path(outdir, paste0(prefix, "_obstacle.csv")))
  }
  if (with_std) {
    fmt_out(cbind(labels, as.data.frame(Xn)), file.path(outdir, paste0(prefix, "_minmax.csv")))
    fmt_out(cbind(labels, as.data.frame(zscore(X, dirs))), file.path(outdir, paste0(prefix, "_zscore.csv")))
  }
  invisible(list(Xn = Xn, w = ent$w))
}

# ---------------------------------------------------------------- coupling coordination

ccd_standard <- function(U) ncol(U) * apply(U, 1, prod)^(1 / ncol(U)) / rowSums(U)

ccd_wang <- function(U) {
  n <- ncol(U)
  spread <- rep(0, nrow(U))
  for (i in 1:(n - 1)) for (j in (i + 1):n) spread <- spread + abs(U[, i] - U[, j])
  spread <- spread / sum(seq_len(n - 1))
  ratio <- apply(U / apply(U, 1, max), 1, prod)^(1 / (n - 1))
  sqrt(pmax(1 - spread, 0) * ratio)
}

ccd_level <- function(D) pmin(floor(round(D, 9) * 10) + 1, 10)

ccd_type <- function(U) {
  g <- round(U[, 1] - U[, 2], 12)
  ifelse(g > 0.1, "U2 lagging", ifelse(g < -0.1, "U1 lagging", "Synchronous"))
}

# the "ratio" rule (SPEC Part 3): U1/U2 within [0.8, 1.25] synchronous, else the lower lags;
# U2 = 0 < U1: U2 lags; both 0: synchronous
ccd_type_ratio <- function(U) {
  r <- ifelse(U[, 2] > 0, U[, 1] / U[, 2], ifelse(U[, 1] > 0, Inf, 1))
  r <- round(r, 12)
  ifelse(r > 1.25, "U2 lagging", ifelse(r < 0.8, "U1 lagging", "Synchronous"))
}

ccd_all <- function(U, a = NULL) {
  if (is.null(a)) a <- rep(1 / ncol(U), ncol(U))
  a <- a / sum(a)
  T <- as.vector(U %*% a)
  Cs <- ccd_standard(U); Cw <- ccd_wang(U)
  Ds <- sqrt(Cs * T); Dw <- sqrt(Cw * T)
  out <- data.frame(T = T, standard_C = Cs, standard_D = Ds, standard_level = ccd_level(Ds),
                    wang_C = Cw, wang_D = Dw, wang_level = ccd_level(Dw))
  if (ncol(U) == 2) {
    out$type <- ccd_type(U)
    out$type_ratio <- ccd_type_ratio(U)
  }
  out
}

entropy_index <- function(X, dirs) {
  Xn <- minmax(X, dirs)
  as.vector(Xn %*% entropy(Xn)$w)
}

# ---------------------------------------------------------------- the datasets

comp <- "tests/fixtures/composite"
coup <- "tests/fixtures/coupling"
dir.create(comp, showWarnings = FALSE, recursive = TRUE)
dir.create(coup, showWarnings = FALSE, recursive = TRUE)

# 31 provinces x 15 indicators, 2022
prov <- read.csv("tests/fixtures/data/province_2022.csv", check.names = FALSE)
Xp <- as.matrix(prov[, -1])
dirs_p <- rep(1, ncol(Xp)); dirs_p[c(5, 10)] <- -1   # gov_education_spending, ind_rd_institutions
composite_all(Xp, dirs_p, prov[1], "province", comp)

# panel 2016-2023, Region | Year | 20 indicators, listwise complete rows, pooled
panel <- read.csv("tests/fixtures/data/panel_2016_2023.csv", check.names = FALSE)
panel <- panel[complete.cases(panel), ]
Xq <- as.matrix(panel[, -(1:2)])
dirs_q <- rep(1, ncol(Xq)); dirs_q[c(3, 16)] <- -1    # rd_intensity, ind_tech_renovation_spending
composite_all(Xq, dirs_q, panel[1:2], "panel", comp, with_std = FALSE)

# 2,500 synthetic counties x 12 indicators
syn <- read.csv("tests/fixtures/data/synthetic_2500.csv", check.names = FALSE)
Xs <- as.matrix(syn[, -1])
dirs_s <- rep(1, ncol(Xs)); dirs_s[c(3, 7)] <- -1
composite_all(Xs, dirs_s, syn[1], "synthetic", comp, with_obstacle = FALSE, with_std = FALSE)

# Coupling: subsystem indices are entropy indices of groups of indicators (own min-max and
# entropy per subsystem), then the CCD of 2, 3 or 4 subsystems.
sub2 <- list(1:8, 9:15)
sub3 <- list(1:5, 6:10, 11:15)
Up2 <- sapply(sub2, function(g) entropy_index(Xp[, g, drop = FALSE], dirs_p[g]))
Up3 <- sapply(sub3, function(g) entropy_index(Xp[, g, drop = FALSE], dirs_p[g]))
colnames(Up2) <- c("U1", "U2"); colnames(Up3) <- c("V1", "V2", "V3")
fmt_out(cbind(prov[1], as.data.frame(Up2), as.data.frame(Up3)), file.path(coup, "province_systems.csv"))
fmt_out(cbind(prov[1], ccd_all(Up2)), file.path(coup, "province_2sys.csv"))
fmt_out(cbind(prov[1], ccd_all(Up2, c(0.6, 0.4))), file.path(coup, "province_2sys_weighted.csv"))
fmt_out(cbind(prov[1], ccd_all(Up3)), file.path(coup, "province_3sys.csv"))
fmt_out(cbind(prov[1], ccd_all(Up3, c(5, 3, 2))), file.path(coup, "province_3sys_weighted.csv"))

# panel: two subsystems, pooled over all region-years
Uq <- sapply(list(1:10, 11:20), function(g) entropy_index(Xq[, g, drop = FALSE], dirs_q[g]))
colnames(Uq) <- c("U1", "U2")
fmt_out(cbind(panel[1:2], as.data.frame(Uq), ccd_all(Uq)), file.path(coup, "panel_2sys.csv"))

# synthetic: four subsystems of three indicators
Us <- sapply(list(1:3, 4:6, 7:9, 10:12), function(g) entropy_index(Xs[, g, drop = FALSE], dirs_s[g]))
colnames(Us) <- paste0("S", 1:4)
fmt_out(cbind(syn[1], as.data.frame(Us), ccd_all(Us)), file.path(coup, "synthetic_4sys.csv"))

cat("wrote", comp, "and", coup, "\n")
