# Reference figures for nqp_xl/dynamics.py and nqp_xl/spatial.py: base R (bw.nrd0, bw.nrd,
# dnorm, quantile, cut, table, lm) and spdep (moran.test, localmoran), written from SPEC.md
# ("Dynamic evolution and spatial functions"), not from our Python.  Run from the repository root:
#
#     Rscript tests/oracles/dynamics_reference.R
#
# Inputs: the bundled panel (rd_intensity, real data with no gaps) and the bundled weights;
# plus a synthetic "held-out" panel made here (seeded, with blanks) written to
# tests/fixtures/dynamics/synthetic_panel.csv and synthetic_weights.csv for the Python tests.
# Outputs (17 significant digits) go to tests/fixtures/dynamics/.
suppressPackageStartupMessages(library(spdep))
options(digits = 17)
out_dir <- "tests/fixtures/dynamics"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

fmt_out <- function(df, name) {
  for (k in names(df)) if (is.numeric(df[[k]])) df[[k]] <- ifelse(is.na(df[[k]]), "", sprintf("%.17g", df[[k]]))
  write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = TRUE, fileEncoding = "UTF-8")
}

read_weights <- function(path) {
  w <- read.csv(path, check.names = FALSE, fileEncoding = "UTF-8", row.names = 1)
  m <- as.matrix(w)
  dimnames(m) <- list(rownames(w), colnames(w))
  m
}

panel <- read.csv("nqp_xl/data/china_province_panel.csv", fileEncoding = "UTF-8", stringsAsFactors = FALSE)
real <- data.frame(id = panel$province, year = panel$year, y = panel$rd_intensity)
W_contig <- read_weights("nqp_xl/data/china_province_weights_contiguity.csv")
W_dist <- read_weights("nqp_xl/data/china_province_weights_distance.csv")

# ---------------------------------------------------------------- synthetic held-out panel
set.seed(20261129)
n_syn <- 40
ids_syn <- sprintf("R%02d", 1:n_syn)
xy <- cbind(runif(n_syn), runif(n_syn))
D <- as.matrix(dist(xy))
W_syn <- matrix(0, n_syn, n_syn, dimnames = list(ids_syn, ids_syn))
for (i in 1:n_syn) {                       # 4 nearest neighbours, made symmetric, distance-decay weights
  nn <- order(D[i, ])[2:5]
  W_syn[i, nn] <- 1 / D[i, nn]
}
W_syn <- pmax(W_syn, t(W_syn))
level <- exp(rnorm(n_syn, 0, 0.6) + 1.5 * xy[, 1])
syn <- expand.grid(id = ids_syn, year = 2014:2019, stringsAsFactors = FALSE)
syn$y <- level[match(syn$id, ids_syn)] * exp(0.05 * (syn$year - 2014) + rnorm(nrow(syn), 0, 0.15))
syn$y[c(7, 55, 130, 201)] <- NA           # blanks: those rows drop out
write.csv(syn, file.path(out_dir, "synthetic_panel.csv"), row.names = FALSE, na = "")
w_txt <- matrix(sprintf("%.17g", W_syn), n_syn, n_syn)
writeLines(c(paste(c("", ids_syn), collapse = ","),
             sapply(1:n_syn, function(i) paste(c(ids_syn[i], w_txt[i, ]), collapse = ","))),
           file.path(out_dir, "synthetic_weights.csv"))
W_syn <- read_weights(file.path(out_dir, "synthetic_weights.csv"))   # exactly the numbers Python reads

datasets <- list(real = real, synthetic = syn[!is.na(syn$y), ])

# ---------------------------------------------------------------- kernel density (exact Gaussian sums)
kd_rows <- list()
for (dn in names(datasets)) {
  d <- datasets[[dn]]
  years <- sort(unique(d$year))
  for (rule in c("nrd0", "scott", "0.25")) {
    bws <- sapply(years, function(t) {
      x <- d$y[d$year == t]
      if (rule == "nrd0") bw.nrd0(x) else if (rule == "scott") bw.nrd(x) else as.numeric(rule)
    })
    lo <- min(sapply(seq_along(years), function(k) min(d$y[d$year == years[k]]) - 3 * bws[k]))
    hi <- max(sapply(seq_along(years), function(k) max(d$y[d$year == years[k]]) + 3 * bws[k]))
    grid <- seq(lo, hi, length.out = 64)
    for (k in seq_along(years)) {
      x <- d$y[d$year == years[k]]
      f <- sapply(grid, function(g) sum(dnorm((g - x) / bws[k])) / (length(x) * bws[k]))
      kd_rows[[length(kd_rows) + 1]] <- data.frame(dataset = dn, rule = rule, year = years[k],
                                                    point = seq_along(grid), x = grid, density = f, bw = bws[k])
    }
  }
}
fmt_out(do.call(rbind, kd_rows), "kdensity.csv")

# ---------------------------------------------------------------- sigma and beta convergence (lm)
sig_rows <- list(); beta_rows <- list()
for (dn in names(datasets)) {
  d <- datasets[[dn]]
  for (t in sort(unique(d$year))) {
    x <- d$y[d$year == t]
    sig_rows[[length(sig_rows) + 1]] <- data.frame(dataset = dn, year = t, n = length(x), mean = mean(x),
                                                   sd = sd(x), cv = sd(x) / mean(x))
  }
  t0 <- min(d$year); t1 <- max(d$year); Tn <- t1 - t0
  a <- d[d$year == t0, c("id", "y")]; b <- d[d$year == t1, c("id", "y")]
  m <- merge(a, b, by = "id", suffixes = c("0", "1"))
  g <- (log(m$y1) - log(m$y0)) / Tn
  fit <- summary(lm(g ~ log(m$y0)))
  co <- fit$coefficients[2, ]
  beta <- unname(co[1])
  lam <- if (beta < 0 && 1 + beta * Tn > 0) -log(1 + beta * Tn) / Tn else NA
  beta_rows[[length(beta_rows) + 1]] <- data.frame(
    dataset = dn, beta = beta, se = unname(co[2]), t = unname(co[3]), p = unname(co[4]),
    r2 = fit$r.squared, n = nrow(m), speed = lam, half_life = if (is.na(lam)) NA else log(2) / lam)
}
fmt_out(do.call(rbind, sig_rows), "sigma.csv")
fmt_out(do.call(rbind, beta_rows), "beta.csv")

# ---------------------------------------------------------------- Markov (quantile, cut, table)
# Transitions are one-year steps: year t to t + 1 of the same region (SPEC Part 3).  The third
# dataset, "composite_gap", is R's own entropy composite index of the bundled panel
# (tests/oracles/composite_reference.R -> tests/fixtures/composite/panel_index.csv): its listwise
# complete rows leave out every region in 2017 (hitech columns blank), so 2016 -> 2018 is no step.
gap <- read.csv("tests/fixtures/composite/panel_index.csv", stringsAsFactors = FALSE)
mk_sets <- c(datasets, list(composite_gap = data.frame(id = gap$province_en, year = gap$year, y = gap$entropy)))
mk_rows <- list(); bound_rows <- list()
for (dn in names(mk_sets)) {
  d <- mk_sets[[dn]]
  for (k in c(3, 4, 5)) {
    br <- quantile(d$y, probs = seq(0, 1, length.out = k + 1), type = 7, names = FALSE)
    d$cls <- as.integer(cut(d$y, breaks = br, include.lowest = TRUE, right = TRUE))
    years <- sort(unique(d$year))
    from <- c(); to <- c()
    for (t in years[(years + 1) %in% years]) {
      a <- d[d$year == t, c("id", "cls")]; b <- d[d$year == t + 1, c("id", "cls")]
      m <- merge(a, b, by = "id")
      from <- c(from, m$cls.x); to <- c(to, m$cls.y)
    }
    tab <- table(factor(from, levels = 1:k), factor(to, levels = 1:k))
    P <- prop.table(tab, 1)
    for (i in 1:k) for (j in 1:k)
      mk_rows[[length(mk_rows) + 1]] <- data.frame(dataset = dn, k = k, from = i, to = j,
                                                   count = tab[i, j], prob = P[i, j])
    bound_rows[[length(bound_rows) + 1]] <- data.frame(dataset = dn, k = k, j = 0:k, bound = br)
  }
}
fmt_out(do.call(rbind, mk_rows), "markov.csv")
fmt_out(do.call(rbind, bound_rows), "markov_bounds.csv")

# ---------------------------------------------------------------- Moran's I (spdep::moran.test)
listw_of <- function(W, ids, style) {
  sub <- W[ids, ids, drop = FALSE]
  mat2listw(sub, row.names = ids, style = style)
}
cases <- list(
  list(dataset = "real", weights = "contiguity", W = W_contig, style = "W"),
  list(dataset = "real", weights = "distance", W = W_dist, style = "W"),
  list(dataset = "real", weights = "distance", W = W_dist, style = "B"),
  list(dataset = "synthetic", weights = "synthetic", W = W_syn, style = "W"),
  list(dataset = "synthetic", weights = "synthetic", W = W_syn, style = "B")
)
mo_rows <- list()
for (cs in cases) {
  d <- datasets[[cs$dataset]]
  for (t in sort(unique(d$year))) {
    s <- d[d$year == t, ]
    lw <- listw_of(cs$W, s$id, cs$style)
    for (rand in c(TRUE, FALSE)) {
      mt <- moran.test(s$y, lw, randomisation = rand, alternative = "two.sided")
      mo_rows[[length(mo_rows) + 1]] <- data.frame(
        dataset = cs$dataset, weights = cs$weights, style = cs$style,
        assumption = if (rand) "randomization" else "normality", year = t,
        I = unname(mt$estimate[1]), EI = unname(mt$estimate[2]), VI = unname(mt$estimate[3]),
        z = unname(mt$statistic), p = mt$p.value)
    }
  }
}
fmt_out(do.call(rbind, mo_rows), "moran.csv")

# ---------------------------------------------------------------- local Moran (spdep::localmoran)
# Ii, E.Ii, Var.Ii, Z.Ii exactly; the pseudo p-value from 99,999 conditional permutations drawn
# WITHOUT replacement (spdep's localmoran_perm samples with replacement), folded as esda's p_sim.
perm_p <- function(z, lw, Ii, nsim) {
  n <- length(z); m2 <- sum(z^2) / n
  sapply(1:n, function(i) {
    nb <- lw$neighbours[[i]]; wt <- lw$weights[[i]]; k <- length(nb)
    others <- z[-i]
    sims <- replicate(nsim, sum(sample(others, k) * wt))
    sims <- z[i] / m2 * sims
    larger <- sum(sims >= Ii[i])
    (min(larger, nsim - larger) + 1) / (nsim + 1)
  })
}
set.seed(1)
lisa_cases <- list(
  list(dataset = "real", weights = "contiguity", W = W_contig, style = "W", year = 2023),
  list(dataset = "real", weights = "distance", W = W_dist, style = "B", year = 2016),
  list(dataset = "synthetic", weights = "synthetic", W = W_syn, style = "W", year = 2019)
)
li_rows <- list()
for (cs in lisa_cases) {
  d <- datasets[[cs$dataset]]
  s <- d[d$year == cs$year, ]
  lw <- listw_of(cs$W, s$id, cs$style)
  lm_ <- localmoran(s$y, lw)
  z <- s$y - mean(s$y)
  lag <- lag.listw(lw, z)
  quad <- ifelse(z > 0, ifelse(lag > 0, "HH", "HL"), ifelse(lag > 0, "LH", "LL"))
  p <- perm_p(z, lw, lm_[, "Ii"], 99999)
  li_rows[[length(li_rows) + 1]] <- data.frame(
    dataset = cs$dataset, weights = cs$weights, style = cs$style, year = cs$year, id = s$id,
    Ii = lm_[, "Ii"], EIi = lm_[, "E.Ii"], VarIi = lm_[, "Var.Ii"], Z = lm_[, "Z.Ii"],
    p_perm = p, quadrant = quad)
}
fmt_out(do.call(rbind, li_rows), "lisa.csv")
cat("wrote", out_dir, "\n")
