# Reference figures for the panel functions (SPEC Part 2, "Panel functions"), in R, on the
# bundled panel nqp_xl/data/china_province_panel.csv (31 provinces x 2016-2023).
#
#   Rscript tests/oracles/panel_reference.R          (from the repository root)
#
# Written from the SPEC's formulas, not from our Python.  Outputs (17 significant digits) go
# to tests/fixtures/panel/:
#   subindex.csv        entropy index of each subsystem (NQP_SUBINDEX): rows complete on every
#                       subsystem indicator; min-max, entropy weights, index within each subsystem;
#                       then C, T, D of the two-system coupling model and its level 1-10
#   pivot.csv           aggregate(): mean D by year; mean D by year x region; median, sum,
#                       length, min, max, sd of rd_intensity by year x region (NA skipped)
#   disparity_by.csv    Dagum Gini and Theil of D by region, separately for each year
#                       (the plain-R translation of tests/oracles/disparity_reference.R)
#   rank.csv            rank(-D, ties.method = "min") within each year and the change since
#                       the previous year (previous rank - rank now)
#   corr_2022.csv, communalities_2022.csv   psych on the 2022 cross-section (listwise):
#                       cor(); psych::principal(rotate = "none")$communality for k by
#                       eigenvalue > 1 and for k = 3
#   equation_data.csv   the data of the equation system (labels, U columns, raw columns)
#   regtable.csv        systemfit per method (OLS, 2SLS, 3SLS, ireg3; settings as
#                       tests/oracles/sem_systemfit.R) and 3SLS per region: coefficients and
#                       standard errors printed with 3 decimals and stars (* p<0.1, ** p<0.05,
#                       *** p<0.01), N and R-squared, as NQP_REGTABLE prints them.
suppressPackageStartupMessages({
  library(psych)
  library(systemfit)
})
options(digits = 17)
out_dir <- "tests/fixtures/panel"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) ifelse(is.na(x), "", trimws(formatC(x, digits = 17, format = "g")))
write_fmt <- function(df, name) {
  for (k in names(df)) if (is.numeric(df[[k]])) df[[k]] <- fmt(df[[k]])
  write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = TRUE, na = "")
}

panel <- read.csv("nqp_xl/data/china_province_panel.csv", stringsAsFactors = FALSE)
nqp_cols <- c("rd_personnel_fte", "rd_expenditure", "rd_intensity", "gov_sci_tech_spending",
              "gov_education_spending", "basic_research_spending", "invention_patent_applications",
              "valid_invention_patents", "tech_market_outflow")
man_cols <- c("ind_rd_institutions", "ind_rd_personnel_fte", "ind_rd_expenditure",
              "ind_new_product_dev_spending", "ind_new_product_sales", "ind_new_product_exports",
              "ind_tech_renovation_spending", "hitech_enterprises", "hitech_revenue", "hitech_profit",
              "hitech_profit_margin")

# ---------------------------------------------------------------- subsystem indices, coupling
entropy_index <- function(X) {
  Xn <- apply(X, 2, function(x) (x - min(x)) / (max(x) - min(x)))
  P <- sweep(Xn, 2, colSums(Xn), `/`)
  e <- -colSums(ifelse(P > 0, P * log(P), 0)) / log(nrow(X))
  w <- (1 - e) / sum(1 - e)
  as.vector(Xn %*% w)
}
complete <- complete.cases(panel[, c(nqp_cols, man_cols)])
U1 <- rep(NA_real_, nrow(panel)); U2 <- U1
U1[complete] <- entropy_index(as.matrix(panel[complete, nqp_cols]))
U2[complete] <- entropy_index(as.matrix(panel[complete, man_cols]))
C <- 2 * sqrt(U1 * U2) / (U1 + U2)
T <- (U1 + U2) / 2
D <- sqrt(C * T)
level <- pmin(floor(round(D, 9) * 10) + 1, 10)
write_fmt(data.frame(province_en = panel$province_en, region = panel$region, year = panel$year,
                     NQP = U1, Manufacturing = U2, C = C, T = T, D = D, level = level), "subindex.csv")

# ---------------------------------------------------------------- pivots (aggregate)
dd <- data.frame(year = panel$year, region = panel$region, D = D, rd = panel$rd_intensity)
rows <- NULL
a <- aggregate(D ~ year, data = dd, FUN = mean)              # na.action = na.omit: blanks skipped
rows <- rbind(rows, data.frame(stat = "mean", value_col = "D", year = a$year, region = "", value = a$D))
a <- aggregate(D ~ year + region, data = dd, FUN = mean)
rows <- rbind(rows, data.frame(stat = "mean", value_col = "D", year = a$year, region = a$region, value = a$D))
for (st in c("median", "sum", "count", "min", "max", "sd")) {
  f <- switch(st, median = median, sum = sum, count = length, min = min, max = max, sd = sd)
  a <- aggregate(rd ~ year + region, data = dd, FUN = f)
  rows <- rbind(rows, data.frame(stat = st, value_col = "rd_intensity", year = a$year, region = a$region,
                                 value = a$rd))
}
write_fmt(rows, "pivot.csv")

# ---------------------------------------------------------------- Dagum Gini and Theil by year
dagum <- function(y, g) {
  groups <- unique(g); n <- length(y); mu <- mean(y)
  G <- sum(abs(outer(y, y, "-"))) / (2 * n^2 * mu)
  k <- length(groups)
  nj <- sapply(groups, function(a) sum(g == a)); mj <- sapply(groups, function(a) mean(y[g == a]))
  pj <- nj / n; sj <- nj * mj / (n * mu)
  Gjh <- matrix(0, k, k); Djh <- matrix(0, k, k)
  for (j in 1:k) for (h in 1:k) {
    a <- y[g == groups[j]]; b <- y[g == groups[h]]
    s <- sum(abs(outer(a, b, "-")))
    Gjh[j, h] <- if (j == h) s / (2 * nj[j]^2 * mj[j]) else s / (nj[j] * nj[h] * (mj[j] + mj[h]))
    if (j != h) {
      if (mj[j] >= mj[h]) { rich <- a; poor <- b } else { rich <- b; poor <- a }
      dif <- outer(rich, poor, "-")
      Djh[j, h] <- (sum(pmax(dif, 0)) - sum(pmax(-dif, 0))) / (sum(pmax(dif, 0)) + sum(pmax(-dif, 0)))
    }
  }
  Gw <- sum(diag(Gjh) * pj * sj); Gnb <- 0; Gt <- 0
  for (j in 2:k) for (h in 1:(j - 1)) {
    w <- pj[j] * sj[h] + pj[h] * sj[j]
    Gnb <- Gnb + Gjh[j, h] * w * Djh[j, h]; Gt <- Gt + Gjh[j, h] * w * (1 - Djh[j, h])
  }
  out <- data.frame(measure = c("G", "Gw", "Gnb", "Gt"), group = "", value = c(G, Gw, Gnb, Gt))
  out <- rbind(out, data.frame(measure = "Gjj", group = groups, value = diag(Gjh)))
  for (j in 1:(k - 1)) for (h in (j + 1):k)
    out <- rbind(out, data.frame(measure = "Gjh", group = paste(groups[j], groups[h], sep = "|"), value = Gjh[j, h]))
  out
}
theil <- function(y, g) {
  tt <- function(v) { r <- v / mean(v); mean(ifelse(r > 0, r * log(r), 0)) }
  groups <- unique(g); n <- length(y); mu <- mean(y)
  nj <- sapply(groups, function(a) sum(g == a)); mj <- sapply(groups, function(a) mean(y[g == a]))
  sj <- nj * mj / (n * mu); Tj <- sapply(groups, function(a) tt(y[g == a]))
  rbind(data.frame(measure = c("T", "Tw", "Tb"), group = "", value = c(tt(y), sum(sj * Tj), sum(sj * log(mj / mu)))),
        data.frame(measure = "Tj", group = groups, value = unname(Tj)))
}
out <- NULL
for (yr in sort(unique(dd$year))) {
  s <- dd[dd$year == yr & !is.na(dd$D), ]
  if (nrow(s) == 0) next                     # 2017: no complete row (high-tech columns blank)
  res <- rbind(dagum(s$D, s$region), theil(s$D, s$region))
  out <- rbind(out, data.frame(year = yr, n = nrow(s), res))
}
write_fmt(out, "disparity_by.csv")

# ---------------------------------------------------------------- ranks within year, change
rk <- rep(NA_real_, nrow(panel))
for (yr in unique(panel$year)) {
  i <- which(panel$year == yr & !is.na(D))
  rk[i] <- rank(-D[i], ties.method = "min")
}
years <- sort(unique(panel$year))
change <- rep(NA_real_, nrow(panel))
for (i in seq_len(nrow(panel))) {
  p <- match(panel$year[i], years)
  if (p > 1) {
    j <- which(panel$province_en == panel$province_en[i] & panel$year == years[p - 1])
    change[i] <- rk[j] - rk[i]
  }
}
write_fmt(data.frame(province_en = panel$province_en, year = panel$year, rank = rk, change = change), "rank.csv")

# ---------------------------------------------------------------- psych: 2022 cross-section
X <- na.omit(panel[panel$year == 2022, c(nqp_cols, man_cols)])
R <- cor(X)
write_fmt(data.frame(indicator = colnames(R), R, check.names = FALSE), "corr_2022.csv")
k1 <- sum(eigen(R)$values > 1)
com1 <- psych::principal(X, nfactors = k1, rotate = "none")$communality
com3 <- psych::principal(X, nfactors = 3, rotate = "none")$communality
write_fmt(data.frame(indicator = names(com1), eigen1 = unname(com1), k3 = unname(com3[names(com1)])),
          "communalities_2022.csv")
cat("2022: n =", nrow(X), " k (eigenvalue > 1) =", k1, "\n")

# ---------------------------------------------------------------- equations: systemfit
eqd <- data.frame(province_en = panel$province_en, region = panel$region, year = panel$year,
                  NQP = U1, Manufacturing = U2,
                  panel[, c("gov_education_spending", "rd_expenditure", "valid_invention_patents",
                            "invention_patent_applications", "tech_market_outflow", "hitech_profit_margin")])
write_fmt(eqd, "equation_data.csv")
eqd <- read.csv(file.path(out_dir, "equation_data.csv"), stringsAsFactors = FALSE)  # the numbers Python reads
eqs <- list(eq1 = NQP ~ log(gov_education_spending) + log(rd_expenditure) + log(valid_invention_patents) + Manufacturing,
            eq2 = Manufacturing ~ log(invention_patent_applications) + log(tech_market_outflow) + hitech_profit_margin + NQP)
inst <- ~ log(gov_education_spending) + log(rd_expenditure) + log(valid_invention_patents) +
  log(invention_patent_applications) + log(tech_market_outflow) + hitech_profit_margin
used <- c("NQP", "Manufacturing", "gov_education_spending", "rd_expenditure", "valid_invention_patents",
          "invention_patent_applications", "tech_market_outflow", "hitech_profit_margin")
deps <- c("NQP", "Manufacturing")
fitone <- function(d, method) switch(method,
  ols = systemfit(eqs, method = "OLS", data = d, methodResidCov = "geomean"),
  "2sls" = systemfit(eqs, method = "2SLS", inst = inst, data = d, methodResidCov = "geomean"),
  "3sls" = systemfit(eqs, method = "3SLS", inst = inst, data = d, methodResidCov = "noDfCor", method3sls = "GLS"),
  ireg3 = systemfit(eqs, method = "3SLS", inst = inst, data = d, methodResidCov = "noDfCor", method3sls = "GLS",
                    maxiter = 1000, tol = 1e-12))
f3 <- function(x) { s <- sprintf("%.3f", x); s[s == "-0.000"] <- "0.000"; s }
star <- function(p) ifelse(p < 0.01, "***", ifelse(p < 0.05, "**", ifelse(p < 0.1, "*", "")))
table_rows <- function(d, method, column) {
  fit <- fitone(d, method)
  n <- nrow(d); k1 <- length(coef(fit$eq[[1]]))
  out <- NULL
  for (e in seq_along(fit$eq)) {
    eq <- fit$eq[[e]]
    b <- coef(eq); se <- sqrt(diag(vcov(eq))); st <- b / se
    p <- if (method %in% c("ols", "2sls")) 2 * pt(-abs(st), n - k1) else 2 * pnorm(-abs(st))
    vars <- sub("^log\\((.*)\\)$", "ln(\\1)", names(b)); vars[vars == "(Intercept)"] <- "_cons"
    ord <- c(setdiff(seq_along(b), which(vars == "_cons")), which(vars == "_cons"))
    y <- d[[deps[e]]]
    r2 <- 1 - sum(residuals(eq)^2) / sum((y - mean(y))^2)
    out <- rbind(out, data.frame(column = column, equation = deps[e],
                                 variable = c(vars[ord], "N", "R2"),
                                 coef = c(paste0(f3(b[ord]), star(p[ord])), as.character(n), f3(r2)),
                                 se = c(paste0("(", f3(se[ord]), ")"), "", ""),
                                 coef17 = c(fmt(b[ord]), "", ""), stringsAsFactors = FALSE))
  }
  out
}
d <- na.omit(eqd[, c("province_en", "region", "year", used)])
reg <- NULL
for (m in c("ols", "2sls", "3sls", "ireg3")) reg <- rbind(reg, table_rows(d, m, m))
for (g in unique(d$region)) reg <- rbind(reg, table_rows(d[d$region == g, ], "3sls", g))
write.csv(reg, file.path(out_dir, "regtable.csv"), row.names = FALSE, quote = TRUE)
cat("equations: n =", nrow(d), "\n")
writeLines(c(R.version.string, paste("psych", packageVersion("psych")),
             paste("systemfit", packageVersion("systemfit"))), file.path(out_dir, "R_VERSIONS.txt"))
cat("wrote tests/fixtures/panel\n")
