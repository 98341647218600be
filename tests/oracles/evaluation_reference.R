# Oracle for nqp_xl.grey_forecast (GM(1,1)) and nqp_xl.rsr (rank-sum ratio), base R only:
#   Rscript tests/oracles/evaluation_reference.R
# writes tests/fixtures/evaluation/*.csv.  The formulas are those of the modules' docstrings,
# written independently here: lm() for the least squares, rank(ties = "average"), qnorm().
out <- "tests/fixtures/evaluation"
dir.create(out, showWarnings = FALSE, recursive = TRUE)
wr <- function(df, name) write.csv(df, file.path(out, name), row.names = FALSE)
options(digits = 17)

gm11 <- function(x0, horizon) {
  n <- length(x0)
  x1 <- cumsum(x0)
  z <- (x1[-1] + x1[-n]) / 2
  fit <- lm(x0[-1] ~ I(-z))                 # x0(k) = b + a * (-z(k))
  a <- unname(coef(fit)[2]); b <- unname(coef(fit)[1])
  k <- 0:(n + horizon - 1)
  x1hat <- (x0[1] - b / a) * exp(-a * k) + b / a
  x0hat <- c(x0[1], diff(x1hat))
  e <- x0 - x0hat[1:n]
  s1 <- sqrt(mean((x0 - mean(x0))^2)); s2 <- sqrt(mean((e - mean(e))^2))
  list(a = a, b = b, fitted = x0hat, C = s2 / s1, P = mean(abs(e - mean(e)) < 0.6745 * s1))
}

# Liu Sifeng's textbook series and the bundled panel's Beijing R&D expenditure 2016-2023
series <- list(liu = c(2.874, 3.278, 3.337, 3.390, 3.679))
panel <- read.csv("tests/fixtures/data/panel_2016_2023.csv", check.names = FALSE)
series$beijing <- panel[panel[[1]] == panel[[1]][1], 3]
for (nm in names(series)) {
  g <- gm11(series[[nm]], 3)
  wr(data.frame(fitted = g$fitted), paste0("gm11_", nm, "_fitted.csv"))
  wr(data.frame(a = g$a, b = g$b, C = g$C, P = g$P), paste0("gm11_", nm, "_stats.csv"))
}

rsr <- function(X, dirs) {
  n <- nrow(X); m <- ncol(X)
  R <- sapply(seq_len(m), function(j) rank(dirs[j] * X[[j]], ties.method = "average"))
  v <- rowSums(R) / (m * n)
  u <- sort(unique(v)); f <- as.vector(table(factor(v, levels = u))); cf <- cumsum(f)
  p <- (cf - (f - 1) / 2) / n; p[length(p)] <- 1 - 1 / (4 * n)
  probit <- 5 + qnorm(p)
  fit <- lm(u ~ probit)
  pr <- probit[match(v, u)]
  list(rsr = v, probit = pr, a = unname(coef(fit)[1]), b = unname(coef(fit)[2]),
       r2 = summary(fit)$r.squared)
}

# Sun Zhenqiu (ed.), Medical Statistics: maternal and child health of ten regions
mch <- data.frame(check = c(99.54, 96.52, 99.36, 92.83, 91.71, 95.35, 96.09, 99.27, 94.76, 84.80),
                  maternal = c(60.27, 59.67, 43.91, 58.99, 35.40, 44.71, 49.81, 31.69, 22.91, 81.49),
                  perinatal = c(16.15, 20.10, 15.60, 17.04, 15.01, 13.93, 17.43, 13.89, 19.87, 23.63))
prov <- read.csv("tests/fixtures/data/province_2022.csv", check.names = FALSE)[, 2:8]
cases <- list(mch = list(mch, c(1, -1, -1)), province = list(prov, c(1, 1, 1, 1, -1, 1, 1)))
for (nm in names(cases)) {
  r <- rsr(cases[[nm]][[1]], cases[[nm]][[2]])
  wr(data.frame(rsr = r$rsr, probit = r$probit), paste0("rsr_", nm, "_rows.csv"))
  wr(data.frame(a = r$a, b = r$b, r2 = r$r2), paste0("rsr_", nm, "_stats.csv"))
}
