"""Dagum Gini and Theil: R oracle (tests/oracles/disparity_reference.R), identities, edge cases."""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from nqp_xl import cache
from nqp_xl.disparity import dagum_gini, theil
from nqp_xl.errors import NQPError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "udfs"))
import nqp_udfs  # noqa: E402

REF = pd.read_csv(ROOT / "tests/fixtures/disparity/dagum_theil_reference.csv", dtype={"year": str},
                  keep_default_na=False)
PANEL = pd.read_csv(ROOT / "tests/fixtures/data/panel_2016_2023.csv")
_REGION = pd.read_csv(ROOT / "nqp_xl/data/china_province_panel.csv")[["province_en", "region"]].drop_duplicates()
PANEL = PANEL.merge(_REGION, on="province_en", how="left", validate="many_to_one")
CASES = sorted({(i, y) for i, y in zip(REF.indicator, REF.year)})


def ranges(indicator: str, year: str):
    """The case as Excel hands it over: Region | value with a header, and a groups column."""
    sub = PANEL if year == "all" else PANEL[PANEL.year == int(year)]
    values = [["province", indicator]] + [
        [p, None if pd.isna(v) else float(v)] for p, v in zip(sub.province_en, sub[indicator])]
    groups = [["region"]] + [[g] for g in sub.region]
    return values, groups


def reference(indicator: str, year: str) -> dict:
    sub = REF[(REF.indicator == indicator) & (REF.year == year)]
    return {(m, g): float(v) for m, g, v in zip(sub.measure, sub.group, sub.value)}


@pytest.mark.parametrize("indicator,year", CASES)
def test_dagum_matches_r_oracle(indicator, year):
    values, groups = ranges(indicator, year)
    ref = reference(indicator, year)
    r = dagum_gini(values, groups)
    assert_allclose(r.components, [ref[("gini_total", "")], ref[("gini_within", "")],
                                   ref[("gini_between_net", "")], ref[("gini_transvariation", "")]],
                    rtol=1e-8)
    for j, g in enumerate(r.groups):
        assert_allclose(r.within_gini[j], ref[("gini_jj", g)], rtol=1e-8)
    for j, h in r.pairs:
        key = f"{r.groups[j]}|{r.groups[h]}"
        assert_allclose(r.between_gini[j, h], ref[("gini_jh", key)], rtol=1e-8)
        assert_allclose(r.affluence[j, h], ref[("D_jh", key)], rtol=1e-8)
    n_ref = int(REF[(REF.indicator == indicator) & (REF.year == year)].n.iloc[0])
    assert r.n == n_ref  # rows with a blank value drop out


@pytest.mark.parametrize("indicator,year", CASES)
def test_theil_matches_r_oracle(indicator, year):
    values, groups = ranges(indicator, year)
    ref = reference(indicator, year)
    t = theil(values, groups)
    assert_allclose([t.total, t.within, t.between],
                    [ref[("theil_total", "")], ref[("theil_within", "")], ref[("theil_between", "")]],
                    rtol=1e-8)
    for j, g in enumerate(t.groups):
        assert_allclose(t.group_theil[j], ref[("theil_j", g)], rtol=1e-8, atol=1e-15)


def test_udf_layout_matches_oracle_and_sums_to_100():
    values, groups = ranges("rd_intensity", "2022")
    ref = reference("rd_intensity", "2022")
    out = nqp_udfs.NQP_GINI(values, groups)
    assert out[0] == ["Decomposition", "Value", "Contribution %"]
    assert [r[0] for r in out[1:5]] == ["Total G", "Within Gw", "Between (net) Gnb", "Transvariation Gt"]
    assert_allclose(out[1][1], ref[("gini_total", "")], rtol=1e-8)
    assert out[1][2] == 100.0
    assert_allclose(sum(r[2] for r in out[2:5]), 100.0, rtol=1e-12)
    # 4 groups then 6 pairs, in the order the groups first appear (East, Central, West, Northeast)
    assert [r[0] for r in out[5:9]] == [f"Within G ({g})" for g in ("East", "Central", "West", "Northeast")]
    assert out[9][0] == "Between G (East–Central)" and len(out) == 1 + 4 + 4 + 6
    assert_allclose(out[9][1], ref[("gini_jh", "East|Central")], rtol=1e-8)
    assert all(r[2] is None for r in out[5:])

    th = nqp_udfs.NQP_THEIL(values, groups, None, "zh")
    assert th[0] == ["分解项", "值", "贡献率 %"]
    assert [r[0] for r in th[1:4]] == ["总体 T", "组内 Tw", "组间 Tb"]
    assert_allclose(th[2][2] + th[3][2], 100.0, rtol=1e-12)
    assert th[4][0] == "T (East)" and len(th) == 8
    zh = nqp_udfs.NQP_GINI(values, groups, None, "zh")
    assert zh[1][0] == "总体 G" and zh[3][0] == "组间净值 Gnb" and zh[4][0] == "超变密度 Gt"


# ----------------------------------------------------------------------------- identities


def _random(n=300, k=4, seed=7, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.lognormal(1.0, 0.8, size=n)
    if ties:
        y = np.round(y, 0)
    g = rng.choice([f"G{j}" for j in range(k)], size=n)
    return y, list(g)


@pytest.mark.parametrize("ties", [False, True])
def test_dagum_identities(ties):
    """G = Gw + Gnb + Gt holds exactly (Dagum 1997, eq. 18): the within and between double
    sums partition sum_i sum_r |y_i - y_r| over pairs of rows.  And because
    d_jh - p_jh = mu_j - mu_h and d_jh + p_jh = G_jh (mu_j + mu_h), the net between term equals
    sum_{j<h} p_j p_h |mu_j - mu_h| / mu exactly: the issue's identity is true (it is the Gini
    of group means), provided D_jh is oriented with the richer group first as Dagum orders them."""
    y, g = _random(ties=ties)
    r = dagum_gini(pd.Series(y, name="x"), g)
    assert_allclose(r.within + r.between_net + r.transvariation, r.total, rtol=1e-13)
    nb = sum(r.p[j] * r.p[h] * abs(r.means[j] - r.means[h]) for j, h in r.pairs) / r.mu
    assert_allclose(r.between_net, nb, rtol=1e-12)
    d = r._pairs["d"]
    for j, h in r.pairs:
        assert_allclose(d[j, h] - d[h, j], r.means[j] - r.means[h], rtol=1e-10, atol=1e-12)
        assert_allclose(d[j, h] + d[h, j], r.between_gini[j, h] * (r.means[j] + r.means[h]), rtol=1e-12)
        assert 0 <= r.affluence[j, h] <= 1
    # gross between = Gnb + Gt = sum G_jh (p_j s_h + p_h s_j)
    gross = sum(r.between_gini[j, h] * (r.p[j] * r.s[h] + r.p[h] * r.s[j]) for j, h in r.pairs)
    assert_allclose(r.between_net + r.transvariation, gross, rtol=1e-12)
    t = theil(pd.Series(y, name="x"), g)
    assert_allclose(t.within + t.between, t.total, rtol=1e-12)


def test_vectorised_sums_equal_brute_force():
    y, g = _random(n=257, k=5, seed=3, ties=True)
    y[:5] = 0.0  # zeros are allowed
    r = dagum_gini(pd.Series(y, name="x"), g)
    ga = np.asarray(g)
    a = np.abs(y[:, None] - y[None, :])
    assert_allclose(r.total, a.sum() / (2 * len(y) ** 2 * y.mean()), rtol=1e-12)
    for j, name in enumerate(r.groups):
        m = ga == name
        assert_allclose(r.within_gini[j], a[np.ix_(m, m)].sum() / (2 * m.sum() ** 2 * y[m].mean()), rtol=1e-12)
        for h, other in enumerate(r.groups):
            if h <= j:
                continue
            o = ga == other
            want = a[np.ix_(m, o)].sum() / (m.sum() * o.sum() * (y[m].mean() + y[o].mean()))
            assert_allclose(r.between_gini[j, h], want, rtol=1e-12)


def test_large_input_is_fast():
    y, g = _random(n=50_000, k=8, seed=11)
    cache.clear()
    t0 = time.perf_counter()
    r = dagum_gini(pd.Series(y, name="x"), g)
    r.components
    assert time.perf_counter() - t0 < 2.0  # O(n log n); an n x n approach would need 20 GB
    assert_allclose(r.within + r.between_net + r.transvariation, r.total, rtol=1e-12)


# ----------------------------------------------------------------------------- decisions and errors


def test_blank_value_or_group_drops_the_row():
    values = [["x"], [1.0], [None], [3.0], [4.0], [6.0]]
    groups = [["g"], ["A"], ["A"], [None], ["B"], ["B"]]
    r = dagum_gini(values, groups)
    assert r.n == 3 and r.groups == ("A", "B")
    full = dagum_gini([["x"], [1.0], [4.0], [6.0]], [["g"], ["A"], ["B"], ["B"]])
    assert_allclose(r.components, full.components, rtol=1e-15)
    out = nqp_udfs.NQP_GINI(values, groups, None, None, None, "error")
    assert out.startswith("#NQP! ") and "blank" in out


def test_single_member_group_is_allowed():
    r = dagum_gini([["x"], [1.0], [2.0], [3.0], [10.0]], [["g"], ["A"], ["A"], ["A"], ["B"]])
    assert r.within_gini[1] == 0.0
    assert_allclose(r.within + r.between_net + r.transvariation, r.total, rtol=1e-14)
    t = theil([["x"], [1.0], [2.0], [3.0], [10.0]], [["g"], ["A"], ["A"], ["A"], ["B"]])
    assert t.group_theil[1] == 0.0


def test_without_groups_answers_the_total_only():
    values = [["x"], [1.0], [2.0], [3.0], [10.0]]
    out = nqp_udfs.NQP_GINI(values)
    assert len(out) == 2 and out[1][0] == "Total G" and out[1][2] == 100.0
    y = np.array([1.0, 2, 3, 10])
    assert_allclose(out[1][1], np.abs(y[:, None] - y).sum() / (2 * 16 * y.mean()))
    th = nqp_udfs.NQP_THEIL(values)
    assert len(th) == 2 and th[1][0] == "Total T"


def test_all_equal_values_have_zero_index_and_blank_shares():
    out = nqp_udfs.NQP_GINI([["x"], [5.0], [5.0], [5.0], [5.0]], [["g"], ["A"], ["A"], ["B"], ["B"]])
    assert [r[1] for r in out[1:5]] == [0.0, 0.0, 0.0, 0.0]
    assert all(r[2] is None for r in out[1:])
    th = nqp_udfs.NQP_THEIL([["x"], [5.0], [5.0], [5.0], [5.0]], [["g"], ["A"], ["A"], ["B"], ["B"]])
    assert th[1][1] == 0.0 and th[1][2] is None


@pytest.mark.parametrize("values,groups,words", [
    ([["r", "x"], ["Beijing", 1.0], ["Tianjin", -2.0], ["Hebei", 3.0]], [["g"], ["A"], ["B"], ["B"]],
     ['region "Tianjin"', "row 3, column B", "-2"]),
    ([["x"], [0.0], [0.0], [0.0]], [["g"], ["A"], ["B"], ["B"]], ["0 everywhere"]),
    ([["x"], [1.0], [2.0], [3.0]], [["g"], ["A"], ["A"], ["A"]], ['only one group ("A")', "leave groups out"]),
    ([["x"], [1.0], [2.0], [3.0]], [["g"], ["A"], ["B"]], ["3 cells", "4 rows", "same height"]),
    ([["x"], [0.0], [0.0], [3.0]], [["g"], ["A"], ["A"], ["B"]], ['group "A"', "only zero"]),
    ([["x", "y"], [1.0, 2.0], [2.0, 3.0]], [["g"], ["A"], ["B"]], ["one column", '"x", "y"']),
    ([["x"], [1.0]], [["g"], ["A"]], ["at least 2"]),
    ([["x"], ["1,5"], [2.0]], [["g"], ["A"], ["B"]], ['"1,5"']),
])
def test_bad_input_is_refused_in_the_users_words(values, groups, words):
    for fn in (nqp_udfs.NQP_GINI, nqp_udfs.NQP_THEIL):
        out = fn(values, groups)
        assert isinstance(out, str) and out.startswith("#NQP! "), out
        for w in words:
            assert w in out, (w, out)
        assert len(out) <= 255


def test_numeric_group_codes_and_dataframe_input():
    sub = PANEL[PANEL.year == 2022]
    codes = sub.region.map({"East": 1, "Central": 2, "West": 3, "Northeast": 4}).astype(float).tolist()
    a = dagum_gini(sub[["rd_intensity"]], codes)
    b = dagum_gini(ranges("rd_intensity", "2022")[0], ranges("rd_intensity", "2022")[1])
    assert a.groups == ("1", "2", "3", "4")
    assert_allclose(a.components, b.components, rtol=1e-15)
    with pytest.raises(NQPError, match="same height"):
        dagum_gini(sub[["rd_intensity"]], codes[:-1])


def test_cache_reuses_the_fit():
    values, groups = ranges("rd_intensity", "2021")
    cache.clear()
    dagum_gini(values, groups)
    dagum_gini(values, groups)
    assert cache.stats["hits"] == 1
    assert not math.isnan(dagum_gini(values, groups).to_rows()[1][1])
    assert theil(values, groups).to_rows()[1][2] == 100.0
