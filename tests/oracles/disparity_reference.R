# Oracle for nqp_xl/disparity.py: a direct O(n^2) translation of Dagum (1997) and of the
# Theil T decomposition, in plain R (no packages).  Writes tests/fixtures/disparity/*.csv
# with 17 significant digits.  Run from the repository root:
#   Rscript tests/oracles/disparity_reference.R
options(digits = 17)
panel <- read.csv("tests/fixtures/data/panel_2016_2023.csv", stringsAsFactors = FALSE)
regions <- read.csv("nqp_xl/data/china_province_panel.csv", stringsAsFactors = FALSE)
regions <- unique(regions[, c("province_en", "region")])
panel$region <- regions$region[match(panel$province_en, regions$province_en)]
stopifnot(!any(is.na(panel$region)))

dagum <- function(y, g) {
  groups <- unique(g)              # order of first appearance
  n <- length(y); mu <- mean(y)
  G <- 0
  for (i in 1:n) for (r in 1:n) G <- G + abs(y[i] - y[r])
  G <- G / (2 * n^2 * mu)
  k <- length(groups)
  nj <- sapply(groups, function(a) sum(g == a))
  mj <- sapply(groups, function(a) mean(y[g == a]))
  pj <- nj / n; sj <- nj * mj / (n * mu)
  Gjh <- matrix(0, k, k); Djh <- matrix(0, k, k)
  for (j in 1:k) for (h in 1:k) {
    a <- y[g == groups[j]]; b <- y[g == groups[h]]
    s <- 0
    for (ai in a) for (br in b) s <- s + abs(ai - br)
    if (j == h) Gjh[j, j] <- s / (2 * nj[j]^2 * mj[j])
    else Gjh[j, h] <- s / (nj[j] * nj[h] * (mj[j] + mj[h]))
  }
  # Dagum: groups ordered by mean; for a pair, j is the richer group
  for (j in 1:k) for (h in 1:k) if (j != h) {
    if (mj[j] >= mj[h]) { rich <- y[g == groups[j]]; poor <- y[g == groups[h]] }
    else { rich <- y[g == groups[h]]; poor <- y[g == groups[j]] }
    d <- 0; p <- 0
    for (ai in rich) for (br in poor) { d <- d + max(ai - br, 0); p <- p + max(br - ai, 0) }
    Djh[j, h] <- (d - p) / (d + p)
  }
  Gw <- sum(diag(Gjh) * pj * sj)
  Gnb <- 0; Gt <- 0
  for (j in 2:k) for (h in 1:(j - 1)) {
    w <- pj[j] * sj[h] + pj[h] * sj[j]
    Gnb <- Gnb + Gjh[j, h] * w * Djh[j, h]
    Gt <- Gt + Gjh[j, h] * w * (1 - Djh[j, h])
  }
  rows <- data.frame(measure = c("gini_total", "gini_within", "gini_between_net", "gini_transvariation"),
                     group = "", value = c(G, Gw, Gnb, Gt), stringsAsFactors = FALSE)
  for (j in 1:k) rows <- rbind(rows, data.frame(measure = "gini_jj", group = groups[j], value = Gjh[j, j]))
  for (j in 1:(k - 1)) for (h in (j + 1):k) {
    rows <- rbind(rows, data.frame(measure = "gini_jh", group = paste(groups[j], groups[h], sep = "|"), value = Gjh[j, h]))
    rows <- rbind(rows, data.frame(measure = "D_jh", group = paste(groups[j], groups[h], sep = "|"), value = Djh[j, h]))
  }
  rows
}

theil <- function(y, g) {
  tt <- function(v) { r <- v / mean(v); mean(ifelse(r > 0, r * log(r), 0)) }
  groups <- unique(g); n <- length(y); mu <- mean(y)
  nj <- sapply(groups, function(a) sum(g == a))
  mj <- sapply(groups, function(a) mean(y[g == a]))
  sj <- nj * mj / (n * mu)
  Tj <- sapply(groups, function(a) tt(y[g == a]))
  rows <- data.frame(measure = c("theil_total", "theil_within", "theil_between"), group = "",
                     value = c(tt(y), sum(sj * Tj), sum(sj * log(mj / mu))), stringsAsFactors = FALSE)
  rbind(rows, data.frame(measure = "theil_j", group = groups, value = unname(Tj)))
}

cases <- list()
for (yr in 2016:2023) cases[[length(cases) + 1]] <- list(ind = "rd_intensity", year = as.character(yr))
cases[[length(cases) + 1]] <- list(ind = "rd_intensity", year = "all")
cases[[length(cases) + 1]] <- list(ind = "hitech_revenue", year = "2022")
cases[[length(cases) + 1]] <- list(ind = "valid_invention_patents", year = "2019")

out <- NULL
for (cs in cases) {
  sub <- if (cs$year == "all") panel else panel[panel$year == as.integer(cs$year), ]
  sub <- sub[!is.na(sub[[cs$ind]]), ]          # a blank value drops the row
  y <- sub[[cs$ind]]; g <- sub$region
  res <- rbind(dagum(y, g), theil(y, g))
  res$indicator <- cs$ind; res$year <- cs$year; res$n <- length(y)
  out <- rbind(out, res[, c("indicator", "year", "n", "measure", "group", "value")])
}
out$value <- trimws(formatC(out$value, digits = 17, format = "g"))
write.csv(out, "tests/fixtures/disparity/dagum_theil_reference.csv", row.names = FALSE, quote = TRUE)
cat("wrote", nrow(out), "rows\n")
