"""NQP_PANELREG and NQP_HAUSMAN against R's plm (tests/oracles/panelreg_plm.R), linearmodels as a
second opinion, and the bad input each panel function refuses in one line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nqp_xl.errors import NQPError
from nqp_xl.panelreg import hausman, panel_regression, xtscc_lag
from panel_data import RANGE, as_range

FIX = Path(__file__).parent / "fixtures" / "panelreg"
GRUN = pd.read_csv(FIX / "grunfeld.csv")
GRUN_UNBAL = pd.read_csv(FIX / "grunfeld_unbal.csv")
PANELS = {
    "province_bal": (RANGE, "ln(ind_new_product_dev_spending) ~ ln(rd_expenditure) + rd_intensity + "
                            "ln(gov_sci_tech_spending)", "province", "year"),
    "province_unbal": (RANGE, "ln(ind_new_product_sales) ~ ln(rd_expenditure) + ln(hitech_revenue) + "
                              "rd_intensity*ln(gov_sci_tech_spending)", "province", "year"),
    "grunfeld": (as_range(GRUN), "inv ~ value + capital", "firm", "year"),
    "grunfeld_unbal": (as_range(GRUN_UNBAL), "inv ~ value + capital", "firm", "year"),
}
MODEL = {"pooling": "pooled", "within": "fe", "random": "re"}
COEF = pd.read_csv(FIX / "coefficients.csv")
STATS = pd.read_csv(FIX / "statistics.csv")
HAUSMAN = pd.read_csv(FIX / "hausman.csv")
REL = 1e-8


def fit(panel, model, effect, se):
    data, eq, ids, years = PANELS[panel]
    return panel_regression(data, eq, ids, years, MODEL[model], effect, se)


def close(mine, ref, what):
    mine, ref = np.asarray(mine, float), np.asarray(ref, float)
    rel = np.abs(mine - ref) / np.maximum(np.abs(ref), 1e-300)
    assert rel.max() < REL, (what, mine, ref, rel)


@pytest.mark.parametrize("key", sorted(COEF.groupby(["panel", "model", "effect", "se_kind"]).groups))
def test_coefficients_standard_errors_and_tests_match_plm(key):
    panel, model, effect, se = key
    ref = COEF[(COEF.panel == panel) & (COEF.model == model) & (COEF.effect == effect) & (COEF.se_kind == se)]
    res = fit(panel, model, effect, se)
    assert len(res.names) == len(ref)
    mine = np.column_stack([res.params, res.std_errors, res.tstats, res.pvalues, res.conf_int])
    for j, col in enumerate(["coef", "se", "t", "p", "lo", "hi"]):
        close(mine[:, j], ref[col], (key, col))


@pytest.mark.parametrize("key", sorted(STATS.groupby(["panel", "model", "effect"]).groups))
def test_statistics_match_plm(key):
    panel, model, effect = key
    ref = STATS[(STATS.panel == panel) & (STATS.model == model) & (STATS.effect == effect)]
    ref = dict(zip(ref.stat, ref.value))
    res = fit(panel, model, effect, "dk")
    r2 = res.rsquared
    mine = {"N": res.data.n, "Groups": res.data.n_groups, "R2_within": r2["within"], "R2_between": r2["between"],
            "R2_overall": r2["overall"], "dk_lag": res.dk_lag}
    if model == "within":
        f, q, df, p = res.f_test
        mine.update(F=f, F_df1=q, F_df2=df, F_p=p, R2_within_corr=r2["within"])
    if model != "pooling":
        su, se = res.sigmas
        mine.update(sigma_u=su, sigma_e=se, rho=su * su / (su * su + se * se))
    if model == "random" and effect == "twoways":
        th1, th2, th3 = res._design["theta2"]
        mine.update(sigma_time=np.sqrt(res._design["sigma2"][2]), theta_id=th1, theta_time=th2, theta_total=th3)
    elif model == "random":
        mine.update(theta_min=res.theta.min(), theta_max=res.theta.max())
    assert set(mine) == set(ref)
    for k in ref:
        close(mine[k], ref[k], (key, k))


@pytest.mark.parametrize("panel", list(PANELS))
def test_hausman_matches_phtest(panel):
    ref = HAUSMAN[HAUSMAN.panel == panel].iloc[0]
    data, eq, ids, years = PANELS[panel]
    res = hausman(data, eq, ids, years)
    close([res.chi2, res.df, res.p], [ref.chi2, ref.df, ref.p], panel)
    assert res.note is None


def test_the_oracle_panels_are_what_they_claim():
    bal = fit("province_bal", "within", "individual", "cluster").data
    unbal = fit("province_unbal", "within", "individual", "cluster").data
    assert bal.balanced and bal.n == 248 and bal.dropped == 0
    assert not unbal.balanced and "2017" not in unbal.time_names and unbal.n_groups == 31
    assert xtscc_lag(8) == 2 and xtscc_lag(20) == 2 and xtscc_lag(100) == 4 and xtscc_lag(3) == 1


def test_layout_english_and_chinese():
    res = fit("province_bal", "within", "twoways", "cluster")
    rows = res.to_rows("en")
    assert rows[0] == ["Variable", "Coef.", "Std. Err.", "t", "P>|t|", "[95% Conf.", "Interval]"]
    assert [r[0] for r in rows[1:5]] == ["ln(rd_expenditure)", "rd_intensity", "ln(gov_sci_tech_spending)", "_cons"]
    labels = [r[0] for r in rows[5:]]
    assert labels == ["N", "Groups", "R² within", "R² between", "R² overall", "F (all u_i = 0)", "P (all u_i = 0)",
                      "sigma_u", "sigma_e", "rho"]
    re_rows = fit("province_unbal", "random", "individual", "dk").to_rows("zh")
    assert re_rows[0][1] == "系数" and re_rows[-1][0] == "DK 滞后阶数"
    assert any(str(r[0]).startswith("θ") for r in re_rows)
    tw = [r[0] for r in fit("grunfeld", "random", "twoways", "cluster").to_rows("en")]
    assert tw[-5:] == ["rho", "sigma_λ", "theta", "theta (year)", "theta (total)"]
    for r in rows + re_rows:
        assert len(r) == 7


def test_linearmodels_second_opinion():
    from linearmodels.panel import PanelOLS, PooledOLS, RandomEffects

    df = GRUN.set_index(["firm", "year"])
    exog = df[["value", "capital"]].assign(const=1.0)
    fe = PanelOLS(df.inv, exog, entity_effects=True).fit(cov_type="clustered", cluster_entity=True)
    ours = fit("grunfeld", "within", "individual", "cluster")
    np.testing.assert_allclose(ours.params[:2], fe.params[["value", "capital"]], rtol=1e-10)
    np.testing.assert_allclose(ours.params[2], fe.params["const"], rtol=1e-10)  # the average intercept
    tw = PanelOLS(df.inv, exog, entity_effects=True, time_effects=True).fit(cov_type="unadjusted")
    np.testing.assert_allclose(fit("grunfeld", "within", "twoways", "conventional").params[:2],
                               tw.params[["value", "capital"]], rtol=1e-10)
    np.testing.assert_allclose(fit("grunfeld", "within", "twoways", "conventional").std_errors[:2],
                               tw.std_errors[["value", "capital"]], rtol=1e-10)
    re = RandomEffects(df.inv, exog).fit(cov_type="unadjusted")
    ours_re = fit("grunfeld", "random", "individual", "conventional")
    np.testing.assert_allclose(ours_re.params, re.params[["value", "capital", "const"]], rtol=1e-8)
    np.testing.assert_allclose(ours_re.theta, np.asarray(re.theta).ravel()[0], rtol=1e-8)
    po = PooledOLS(df.inv, exog).fit(cov_type="clustered", cluster_entity=True)
    np.testing.assert_allclose(fit("grunfeld", "pooling", "individual", "conventional").params,
                               po.params[["value", "capital", "const"]], rtol=1e-10)


def test_hausman_says_when_the_difference_is_not_positive_definite():
    rng = np.random.default_rng(3)
    ids = np.repeat(np.arange(12), 6)
    yrs = np.tile(np.arange(2000, 2006), 12)
    x1 = rng.normal(size=72)
    x2 = rng.normal(size=72) + np.repeat(rng.normal(size=12), 6)
    y = 1 + x1 - x2 + np.repeat(rng.normal(size=12), 6) + rng.normal(size=72)
    rows = [["region", "year", "y", "x1", "x2"]] + [[f"r{i}", float(t), a, b, c] for i, t, a, b, c in
                                                     zip(ids, yrs, y, x1, x2)]
    found = set()
    for seed in range(40):
        r2 = np.random.default_rng(seed)
        yy = y + r2.normal(scale=2.0, size=72)
        data = [rows[0]] + [r[:2] + [v] + r[3:] for r, v in zip(rows[1:], yy)]
        res = hausman(data, "y ~ x1 + x2", "region", "year")
        if res.note:
            found.add(res.note)
            if res.chi2 is None:
                assert res.p is None and "chi2<0" in res.note
            else:
                assert res.chi2 >= 0 and "not positive definite" in res.note
        out = res.to_rows("en")
        assert out[0] == ["Statistic", "Value"] and out[1][0] == "chi2"
    assert found, "no seed gave a covariance difference that is not positive definite"


def _tiny(rows_extra=None):
    head = [["region", "year", "y", "x", "z", "x2"]]
    body = [[f"r{i}", float(2000 + t), float(i + t + (i * t) % 3), float((i * 7 + t * 3) % 5), float(i),
             2.0 * ((i * 7 + t * 3) % 5) + 1.0] for i in range(5) for t in range(4)]
    return head + body + (rows_extra or [])


@pytest.mark.parametrize("data,equation,kw,words", [
    ([r for r in _tiny() if r[0] in ("region", "r1")], "y ~ x", {}, ["one region", '"r1"']),
    ([r for r in _tiny() if r[1] in ("year", 2001.0)], "y ~ x", {}, ["one year", "2001"]),
    (_tiny(), "y ~ x + z", {"model": "fe"}, ['"z"', "does not change within every region"]),
    (_tiny(), "y ~ x + x2", {"model": "pooled"}, ['"x2"', "collinear"]),
    (_tiny(), "y ~ x + x2", {"model": "fe"}, ['"x2"', "collinear", "fixed effects"]),
    ([r if r[0] != "r3" or r[1] == 2000.0 else r[:3] + [None] + r[4:] for r in _tiny()], "y ~ x", {},
     ['"r3"', "one year only", "2000"]),
    (_tiny(), "y ~ w", {}, ['"w" is not a column']),
    (_tiny(), "y ~ x", {"years": "when"}, ['"when" is not a column']),
    (_tiny(), "y ~ x", {"model": "gmm"}, ['model="gmm"']),
    ([r for r in _tiny() if r[:2] != ["r2", 2003.0]], "y ~ x", {"model": "re", "effects": "twoways"},
     ["two-way random effects need a balanced panel"]),
    (_tiny([["r0", 2000.0, 1.0, 2.0, 0.0, 5.0]]), "y ~ x", {}, ['"r0" has two rows', "2000"]),
    (_tiny(), "y ~ x; z ~ x", {}, ["2 equations"]),
])
def test_bad_input_answers_one_line(data, equation, kw, words):
    with pytest.raises(NQPError) as err:
        panel_regression(data, equation, kw.pop("ids", "region"), kw.pop("years", "year"), **kw)
    msg = str(err.value)
    assert "\n" not in msg and len(err.value.as_cell()) <= 255
    for w in words:
        assert w in msg, (w, msg)


def test_listwise_deletion_looks_only_at_the_equation_columns_and_defaults():
    data = _tiny()
    data[3][4] = None  # z blank in one row: irrelevant to y ~ x
    res = panel_regression(data, "y ~ x", None, None, "fe")
    assert res.data.n == 20 and res.data.dropped == 0 and res.data.group_names[0] == "r0"
    data[3][3] = None
    assert panel_regression(data, "y ~ x", "region", "year").data.dropped == 1


def test_did_product_term_two_way_fe():
    rng = np.random.default_rng(7)
    rows = [["region", "year", "y", "treat", "post"]]
    for i in range(20):
        for t in range(2010, 2018):
            treat, post = float(i < 8), float(t >= 2014)
            rows.append([f"r{i}", float(t), 0.5 * i + 0.2 * (t - 2010) + 1.5 * treat * post + rng.normal(scale=0.1),
                         treat, post])
    res = panel_regression(rows, "y ~ treat*post", "region", "year", "fe", "twoways", "cluster")
    assert res.names == ["treat*post", "_cons"]
    assert abs(res.params[0] - 1.5) < 0.1


def test_udfs_answer_the_table_or_one_line():
    import nqp_udfs

    data, eq, ids, years = PANELS["province_bal"]
    out = nqp_udfs.NQP_PANELREG(data, eq, ids, years, "fe", "twoways", "dk")
    ref = fit("province_bal", "within", "twoways", "dk")
    assert out[0][0] == "Variable" and out[1][1] == pytest.approx(ref.params[0], rel=1e-14)
    assert all(isinstance(v, (str, float)) or v is None for r in out for v in r)
    # defaults: region = first label column (province), year = the column headed "year"
    assert nqp_udfs.NQP_PANELREG(data, eq) == nqp_udfs.NQP_PANELREG(data, eq, "province", "year", "fe", "individual", "cluster")
    h = nqp_udfs.NQP_HAUSMAN(data, eq, None, None, "zh")
    assert h[0] == ["统计量", "值"] and h[1][1] == pytest.approx(HAUSMAN.chi2[0], rel=1e-8)
    bad = nqp_udfs.NQP_PANELREG(data, "y ~ x")
    assert isinstance(bad, str) and bad.startswith("#NQP! ") and '"y" is not a column' in bad
