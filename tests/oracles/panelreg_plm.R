# Reference figures for NQP_PANELREG and NQP_HAUSMAN (SPEC Part 3, "Panel econometrics"), by
# R's plm, sandwich and lmtest (Debian r-cran-plm, r-cran-sandwich, r-cran-lmtest).
#
#   Rscript tests/oracles/panelreg_plm.R          (from the repository root)
#
# Panels:
#   province_bal    the bundled panel, ln(ind_new_product_dev_spending) ~ ln(rd_expenditure) +
#                   rd_intensity + ln(gov_sci_tech_spending): 31 x 8 = 248 rows, balanced
#   province_unbal  ln(ind_new_product_sales) ~ ln(rd_expenditure) + ln(hitech_revenue) +
#                   rd_intensity*ln(gov_sci_tech_spending): the 2017 hitech columns are blank and
#                   ind_new_product_sales has 6 more blanks, so the panel is unbalanced (211 rows)
#   grunfeld        plm's Grunfeld data (10 firms x 20 years), inv ~ value + capital
#   grunfeld_unbal  the same with inv blanked in 7 rows (written to tests/fixtures/panelreg/)
#
# Per panel, model (pooling; within and random with individual and time effects; within two-ways;
# random two-ways on the balanced panels)
# and standard error kind:
#   conventional  vcov(model)
#   robust        vcovHC(model, method = "white1", type = "HC1")
#   cluster       vcovHC(model, method = "arellano", type = "sss", cluster = "group")
#   dk            vcovSCC(model, type = "HC0", maxlag = m) * T/(T-1) * (N-1)/(N-k-1),
#                 m = floor(4 (T/100)^(2/9)): Stata xtscc's lag rule and small-sample factor
#                 (xtscc 1.4: V = (TT/(TT-1))*((nObs-1)/(nObs-rank))*VCV, rank counting _cons)
# For "within" models Stata's average intercept _cons = mean(y) - mean(x)'b and its standard error
# come from lm() of (within y + mean y) on (within X + mean X) with sandwich's vcovHC / vcovCL /
# vcovPL and the same factors; its slope block is checked against plm's.
# t tests: df = G - 1 (cluster), T - 1 (dk), df.residual(model) otherwise.
# Statistics: R-squared within / between / overall as Stata's xtreg defines them (squared
# correlations of xb with y after the within transformation, of region means, and overall);
# within models: pFtest against pooling (two-ways: against the time-effects model), sigma_e =
# sqrt(deviance/df), sigma_u = sd(fixef()) (two-ways: of the dummy regression's region effects); random: ercomp()'s sigma2 and theta.
# Hausman: phtest(within, random) (individual effects).
# Outputs (17 significant digits) in tests/fixtures/panelreg/: coefficients.csv, statistics.csv,
# hausman.csv, grunfeld.csv, grunfeld_unbal.csv.
suppressPackageStartupMessages({
  library(plm)
  library(sandwich)
  library(lmtest)
})
out_dir <- "tests/fixtures/panelreg"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) ifelse(is.na(x), "", trimws(formatC(x, digits = 17, format = "g")))

panel <- read.csv("nqp_xl/data/china_province_panel.csv", stringsAsFactors = FALSE)
data("Grunfeld", package = "plm")
grun <- Grunfeld[, c("firm", "year", "inv", "value", "capital")]
grun_unbal <- grun
blank <- (grun$firm == 2 & grun$year %in% 1935:1937) | (grun$firm == 5 & grun$year == 1944) |
  (grun$firm == 7 & grun$year %in% c(1950, 1954)) | (grun$firm == 9 & grun$year == 1953)
grun_unbal$inv[blank] <- NA
write.csv(grun, file.path(out_dir, "grunfeld.csv"), row.names = FALSE, na = "")
write.csv(grun_unbal, file.path(out_dir, "grunfeld_unbal.csv"), row.names = FALSE, na = "")

panels <- list(
  province_bal = list(data = panel, index = c("province", "year"),
                      f = log(ind_new_product_dev_spending) ~ log(rd_expenditure) + rd_intensity + log(gov_sci_tech_spending)),
  province_unbal = list(data = panel, index = c("province", "year"),
                        f = log(ind_new_product_sales) ~ log(rd_expenditure) + log(hitech_revenue) +
                          I(rd_intensity * log(gov_sci_tech_spending))),
  grunfeld = list(data = grun, index = c("firm", "year"), f = inv ~ value + capital),
  grunfeld_unbal = list(data = grun_unbal, index = c("firm", "year"), f = inv ~ value + capital)
)
specs <- list(c("pooling", "individual"), c("within", "individual"), c("within", "time"),
              c("within", "twoways"), c("random", "individual"), c("random", "time"), c("random", "twoways"))

coef_rows <- list()
stat_rows <- list()
haus_rows <- list()
corr2 <- function(a, b) cor(a, b)^2

for (pname in names(panels)) {
  P <- panels[[pname]]
  pdat <- pdata.frame(P$data, index = P$index)
  for (s in specs) {
    model <- s[1]; effect <- s[2]
    if (model == "random" && effect == "twoways" && !is.pbalanced(pdat[!is.na(pdat[[all.vars(P$f)[1]]]), ])) next
    m <- plm(P$f, data = pdat, model = model, effect = effect)
    mf <- model.frame(m)
    idx <- index(m)
    id <- idx[[1]]; tt <- idx[[2]]
    y <- as.numeric(pmodel.response(m, model = "pooling"))
    X <- model.matrix(m, model = "pooling")
    X <- X[, colnames(X) != "(Intercept)", drop = FALSE]
    N <- length(y); k <- ncol(X); G <- length(unique(id)); TT <- length(unique(tt))
    lag <- floor(4 * (TT / 100)^(2 / 9))
    dk_factor <- TT / (TT - 1) * (N - 1) / (N - k - 1)
    b <- coef(m)
    V <- list(
      conventional = vcov(m),
      robust = vcovHC(m, method = "white1", type = "HC1"),
      cluster = vcovHC(m, method = "arellano", type = "sss", cluster = "group"),
      dk = vcovSCC(m, type = "HC0", maxlag = lag) * dk_factor
    )
    if (model == "within") {
      # Stata's average intercept from the augmented least-squares fit
      Xw <- model.matrix(m, model = "within", effect = effect)
      yw <- as.numeric(pmodel.response(m, model = "within", effect = effect))
      Xa <- sweep(Xw, 2, colMeans(X), "+")
      ya <- yw + mean(y)
      la <- lm(ya ~ Xa)
      stopifnot(isTRUE(all.equal(unname(coef(la)[-1]), unname(b), tolerance = 1e-10)))
      dfw <- df.residual(m)
      kp <- k
      Va <- list(
        conventional = vcov(la) * (N - k - 1) / dfw,
        robust = sandwich::vcovHC(la, type = "HC0") * N / (N - kp),
        cluster = sandwich::vcovCL(la, cluster = id, type = "HC0", cadjust = FALSE) * G / (G - 1) * (N - 1) / (N - kp),
        dk = sandwich::vcovPL(la, cluster = id, order.by = tt, lag = lag, adjust = FALSE) * dk_factor
      )
      for (v in names(Va)) {
        ord <- c(2:(k + 1), 1)
        Va[[v]] <- Va[[v]][ord, ord]
        stopifnot(isTRUE(all.equal(as.numeric(Va[[v]][1:k, 1:k]), as.numeric(V[[v]]), tolerance = 1e-9)))
      }
      b <- c(b, "(Intercept)" = mean(y) - sum(colMeans(X) * b))
      V <- Va
      names_out <- c(colnames(X), "_cons")
    } else {
      ord <- c(2:(k + 1), 1)
      b <- b[ord]
      V <- lapply(V, function(v) v[ord, ord])
      names_out <- c(colnames(X), "_cons")
    }
    for (v in names(V)) {
      se <- sqrt(diag(V[[v]]))
      df <- switch(v, cluster = G - 1, dk = TT - 1, df.residual(m))
      tv <- b / se
      coef_rows[[length(coef_rows) + 1]] <- data.frame(
        panel = pname, model = model, effect = effect, se_kind = v, term = names_out,
        coef = fmt(b), se = fmt(se), t = fmt(tv), p = fmt(2 * pt(-abs(tv), df)),
        lo = fmt(b - qt(0.975, df) * se), hi = fmt(b + qt(0.975, df) * se), stringsAsFactors = FALSE)
    }
    slopes <- b[1:k]
    xb <- as.numeric(X %*% slopes)
    weff <- if (model == "within") effect else "individual"
    st <- c(N = N, Groups = G)
    if (model == "within") {
      st["R2_within"] <- summary(m)$r.squared[["rsq"]]
      st["R2_within_corr"] <- corr2(as.numeric(Within(pdata.frame(data.frame(id, tt, xb), index = c("id", "tt"))$xb, effect = weff)),
                                    as.numeric(pmodel.response(m, model = "within", effect = effect)))
    } else {
      pxb <- pdata.frame(data.frame(id, tt, xb, y), index = c("id", "tt"))
      st["R2_within"] <- corr2(as.numeric(Within(pxb$xb)), as.numeric(Within(pxb$y)))
    }
    st["R2_between"] <- corr2(tapply(xb, id, mean), tapply(y, id, mean))
    st["R2_overall"] <- corr2(xb, y)
    if (model == "within") {
      restricted <- if (effect == "twoways") plm(P$f, data = pdat, model = "within", effect = "time") else
        plm(P$f, data = pdat, model = "pooling")
      ft <- pFtest(m, restricted)
      st["F"] <- ft$statistic; st["F_df1"] <- ft$parameter[1]; st["F_df2"] <- ft$parameter[2]; st["F_p"] <- ft$p.value
      st["sigma_e"] <- sqrt(deviance(m) / df.residual(m))
      if (effect == "twoways") {
        # the region effects of the dummy-variable regression (xtreg y x i.year, fe); plm's fixef()
        # of an unbalanced two-ways model normalises them differently (sd 88.26 against 91.47 on
        # grunfeld_unbal), on a balanced panel the two agree
        lsdv <- lm(y ~ X + factor(id) + factor(tt))
        fx <- c(0, coef(lsdv)[grep("^factor\\(id\\)", names(coef(lsdv)))])
      } else {
        fx <- fixef(m, effect = if (effect == "time") "time" else "individual")
      }
      st["sigma_u"] <- sd(as.numeric(fx))
    }
    if (model == "random") {
      s2 <- m$ercomp$sigma2
      st["sigma_e"] <- sqrt(s2[["idios"]])
      st["sigma_u"] <- sqrt(s2[[if (effect == "time") "time" else "id"]])
      th <- m$ercomp$theta
      if (effect == "twoways") {
        st["sigma_time"] <- sqrt(s2[["time"]])
        st["theta_id"] <- th$id; st["theta_time"] <- th$time; st["theta_total"] <- th$total
      } else {
        st["theta_min"] <- min(th); st["theta_max"] <- max(th)
      }
    }
    if (model != "pooling") st["rho"] <- st[["sigma_u"]]^2 / (st[["sigma_u"]]^2 + st[["sigma_e"]]^2)
    st["dk_lag"] <- lag
    stat_rows[[length(stat_rows) + 1]] <- data.frame(panel = pname, model = model, effect = effect,
                                                     stat = names(st), value = fmt(unname(st)), stringsAsFactors = FALSE)
  }
  fe <- plm(P$f, data = pdat, model = "within")
  re <- plm(P$f, data = pdat, model = "random")
  h <- phtest(fe, re)
  haus_rows[[length(haus_rows) + 1]] <- data.frame(panel = pname, chi2 = fmt(unname(h$statistic)),
                                                   df = fmt(unname(h$parameter)), p = fmt(h$p.value))
}
write.csv(do.call(rbind, coef_rows), file.path(out_dir, "coefficients.csv"), row.names = FALSE)
write.csv(do.call(rbind, stat_rows), file.path(out_dir, "statistics.csv"), row.names = FALSE)
write.csv(do.call(rbind, haus_rows), file.path(out_dir, "hausman.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("plm", packageVersion("plm")), paste("sandwich", packageVersion("sandwich")),
             paste("lmtest", packageVersion("lmtest"))), file.path(out_dir, "R_VERSIONS.txt"))
