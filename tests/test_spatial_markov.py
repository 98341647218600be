"""nqp_xl.spatial_markov against PySAL giddy's Spatial_Markov (tests/oracles/smarkov_giddy.py,
fixtures in tests/fixtures/spatial_markov/): the bundled panel's rd_intensity with the bundled
contiguity and distance weights, and the same panel without 2017 (one-year steps)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqp_udfs
from nqp_xl.datasets import load_panel
from nqp_xl.provinces import bundled_weights
from nqp_xl.spatial_markov import homogeneity_test, spatial_markov

FIX = Path(__file__).parent / "fixtures" / "spatial_markov"
TOL = dict(rtol=1e-8, atol=1e-12)
CASES = [("real", "contiguity", 3, None), ("real", "contiguity", 4, None), ("real", "contiguity", 5, None),
         ("real_distance", "distance", 4, None), ("gap2017", "contiguity", 4, 2017)]


def panel(drop_year=None) -> pd.DataFrame:
    p = load_panel()
    return p if drop_year is None else p[p.year != drop_year]


def as_range(series: pd.Series, head: str) -> list[list]:
    return [[head]] + [[v if isinstance(v, str) else float(v)] for v in series.tolist()]


def is_nqp_error(answer) -> bool:
    return isinstance(answer, str) and answer.startswith("#NQP! ") and len(answer) <= 255 and "\n" not in answer


@pytest.mark.parametrize("name,kind,k,drop", CASES)
def test_matches_giddy(name, kind, k, drop):
    p = panel(drop)
    res = spatial_markov(p["rd_intensity"], p["province"], p["year"], bundled_weights(kind), k)
    mat = pd.read_csv(FIX / "giddy_matrix.csv")
    mat = mat[(mat.dataset == name) & (mat.k == k)].sort_values(["lag", "source", "target"])
    np.testing.assert_array_equal(res.counts, mat["count"].to_numpy().reshape(k, k, k))
    b = pd.read_csv(FIX / "giddy_bounds.csv")
    b = b[(b.dataset == name) & (b.k == k)].sort_values("j")
    np.testing.assert_allclose(res.bounds[1:-1], b.bound.to_numpy()[:k - 1], **TOL)
    np.testing.assert_allclose(res.lag_bounds[1:-1], b.lag_bound.to_numpy()[:k - 1], **TOL)
    t = pd.read_csv(FIX / "giddy_test.csv")
    t = t[(t.dataset == name) & (t.k == k)].iloc[0]
    assert res.test.df == t.dof
    np.testing.assert_allclose([res.test.Q, res.test.LR, res.test.Q_p, res.test.LR_p],
                               [t.Q, t.LR, t.Q_p, t.LR_p], **TOL)


def test_gap_year_counts_one_year_steps_only():
    p = panel(2017)
    res = spatial_markov(p["rd_intensity"], p["province"], p["year"], bundled_weights(), 4)
    assert res.counts.sum() == 31 * 5  # 2018 -> 2023; 2016 -> 2018 is no step
    full = panel()
    res = spatial_markov(full["rd_intensity"], full["province"], full["year"], bundled_weights(), 4)
    assert res.counts.sum() == 31 * 7


def test_udf_layout_matches_the_result():
    p = panel()
    out = nqp_udfs.NQP_SMARKOV(as_range(p["rd_intensity"], "rd"), as_range(p["province"], "region"),
                               as_range(p["year"], "year"), bundled_weights(lang="en"), 4)
    res = spatial_markov(p["rd_intensity"], p["province"], p["year"], bundled_weights(), 4)
    assert out[0] == ["Lag class", "Class", 1.0, 2.0, 3.0, 4.0, "N"]
    body = np.array([r[2:6] for r in out[1:17]], dtype=float)
    np.testing.assert_allclose(body, res.probabilities.reshape(16, 4), **TOL)
    assert [r[:2] for r in out[1:17]] == [[float(l), float(c)] for l in range(1, 5) for c in range(1, 5)]
    assert [r[6] for r in out[1:17]] == res.n.reshape(16).astype(float).tolist()
    assert [r[0] for r in out[17:21]] == ["Lower bound", "Upper bound", "Lag lower bound", "Lag upper bound"]
    assert out[21][:5] == ["Homogeneity test", None, "Value", "df", "P"]
    assert out[22][:4] == ["Q", None, res.test.Q, 15.0] and out[23][:4] == ["LR", None, res.test.LR, 15.0]
    assert all(len(r) == 7 for r in out)
    zh = nqp_udfs.NQP_SMARKOV(as_range(p["rd_intensity"], "rd"), as_range(p["province"], "region"),
                              as_range(p["year"], "year"), bundled_weights(lang="en"), 4, "zh")
    assert zh[0][:2] == ["空间滞后类型", "类型"] and zh[21][0] == "同质性检验"


def _brute_force(df: pd.DataFrame, W: pd.DataFrame, k: int) -> np.ndarray:
    """Counts by loops: lags among the regions observed that year (re-standardised), pooled
    type-7 quantile classes, moves from year t to t + 1."""
    lag = {}
    for yr, g in df.groupby("year"):
        present = list(g.id)
        for _, row in g.iterrows():
            wts = W.loc[row.id, present]
            lag[(row.id, yr)] = float((wts * g.set_index("id").y.loc[present]).sum() / wts.sum())

    def classes(values):
        q = np.quantile(values, np.arange(k + 1) / k)
        return lambda v: int(min(max(np.searchsorted(q, v, side="left") - 1, 0), k - 1))

    cls = classes(df.y.to_numpy())
    lcls = classes(np.array(list(lag.values())))
    val = {(r.id, r.year): r.y for r in df.itertuples()}
    counts = np.zeros((k, k, k), dtype=int)
    for (rid, yr), v in val.items():
        if (rid, yr + 1) in val:
            counts[lcls(lag[(rid, yr)]), cls(v), cls(val[(rid, yr + 1)])] += 1
    return counts


def test_region_missing_in_a_year_leaves_that_years_lags():
    p = panel()
    df = pd.DataFrame({"id": p["province"], "year": p["year"], "y": p["rd_intensity"]})
    df = df.drop(df[(df.id == "江苏") & (df.year == 2019)].index)  # one region-year blank
    rows = bundled_weights()
    W = pd.DataFrame([r[1:] for r in rows[1:]], index=[r[0] for r in rows[1:]], columns=rows[0][1:])
    res = spatial_markov(df.y, df.id, df.year, rows, 4)
    np.testing.assert_array_equal(res.counts, _brute_force(df, W, 4))
    assert res.counts.sum() == 31 * 7 - 2  # 江苏 2018 -> 2019 and 2019 -> 2020 are gone


def test_homogeneity_of_identical_regimes_is_zero():
    T = np.array([[5, 1], [2, 4]])
    h = homogeneity_test(np.stack([T, 2 * T]))
    assert h.Q == pytest.approx(0, abs=1e-12) and h.LR == pytest.approx(0, abs=1e-12) and h.df == 2
    assert h.Q_p == pytest.approx(1.0)
    h = homogeneity_test(np.stack([np.diag([3, 3]), np.diag([2, 2])]))
    assert h.df == 0 and h.Q_p is None and h.LR_p is None


def _small(values, ids, years):
    return [[v] for v in values], [[i] for i in ids], [[y] for y in years]


def test_bad_input_is_one_line():
    p = panel()
    v, i, y = as_range(p["rd_intensity"], "rd"), as_range(p["province"], "region"), as_range(p["year"], "year")
    w = bundled_weights()
    i_bad = [row[:] for row in i]
    i_bad[3] = ["Atlantis"]
    answer = nqp_udfs.NQP_SMARKOV(v, i_bad, y, w)
    assert is_nqp_error(answer) and '"Atlantis"' in answer and "weights" in answer, answer
    one_year = p[p.year == 2020]
    answer = nqp_udfs.NQP_SMARKOV(as_range(one_year["rd_intensity"], "rd"), as_range(one_year["province"], "r"),
                                  as_range(one_year["year"], "y"), w)
    assert is_nqp_error(answer) and "two or more years" in answer, answer
    few = p[p.province.isin(["北京", "天津", "河北"])]
    answer = nqp_udfs.NQP_SMARKOV(as_range(few["rd_intensity"], "rd"), as_range(few["province"], "r"),
                                  as_range(few["year"], "y"), w, 2)
    assert is_nqp_error(answer) and "at least 4 regions" in answer, answer
    answer = nqp_udfs.NQP_SMARKOV(v, i, y, w, 1)
    assert is_nqp_error(answer) and "k=" in answer, answer
    answer = nqp_udfs.NQP_SMARKOV(v, i, None, w)
    assert is_nqp_error(answer) and "years" in answer, answer
    gap = p[p.year.isin([2016, 2018, 2020])]
    answer = nqp_udfs.NQP_SMARKOV(as_range(gap["rd_intensity"], "rd"), as_range(gap["province"], "r"),
                                  as_range(gap["year"], "y"), w)
    assert is_nqp_error(answer) and "consecutive years" in answer, answer
    assert not math.isnan(spatial_markov(p["rd_intensity"], p["province"], p["year"], w, 2).test.Q)
