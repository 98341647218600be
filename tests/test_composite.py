"""Composite indices (nqp_xl.composite, NQP_STANDARDIZE/WEIGHTS/INDEX/TOPSIS/OBSTACLE).

Reference figures: tests/oracles/composite_reference.R (plain base R written from the SPEC's
formulas) on the shared datasets, committed in tests/fixtures/composite/ with 17 significant
digits; compared at 1e-8 (relative, with 1e-10 absolute for values that are 0).
"""
from __future__ import annotations

import csv
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqp_udfs as udf
from nqp_xl import cache
from nqp_xl import composite as comp
from nqp_xl.errors import NQPError

HERE = Path(__file__).resolve().parent
DATA = HERE / "fixtures" / "data"
REF = HERE / "fixtures" / "composite"

RTOL, ATOL = 1e-8, 1e-10


def close(actual, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol)


def excel_rows(path: Path, n_labels: int = 1) -> list[list]:
    """A CSV as xlwings hands a range over: header texts, label texts, floats, None for blanks."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    out = [rows[0]]
    for r in rows[1:]:
        out.append(r[:n_labels] + [None if c == "" else float(c) for c in r[n_labels:]])
    return out


def ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)


# The datasets as the R script reads them, with the same directions.
PROVINCE = excel_rows(DATA / "province_2022.csv")
PANEL = excel_rows(DATA / "panel_2016_2023.csv", n_labels=1)  # year stays a number, as in Excel
SYNTH = excel_rows(DATA / "synthetic_2500.csv")


def dirs_row(p: int, minus: list[int]) -> list[list]:
    """A one-row directions range (1-based positions of "-")."""
    return [["-" if j + 1 in minus else "+" for j in range(p)]]


CASES = {
    # name: (rows, directions range, id_cols, number of complete rows)
    "province": (PROVINCE, dirs_row(15, [5, 10]), None, 31),
    "panel": (PANEL, dirs_row(20, [3, 16]), 2, 205),
    "synthetic": (SYNTH, dirs_row(12, [3, 7]), None, 2500),
}


def case(name):
    rows, dirs, id_cols, m = CASES[name]
    return rows, dirs, id_cols, m


# ----------------------------------------------------------------------------- standardisation


def test_minmax_and_zscore_match_r():
    rows, dirs, _, _ = case("province")
    for method in ("minmax", "zscore"):
        expected = ref(f"province_{method}.csv").iloc[:, 1:].to_numpy()
        res = comp.standardize(rows, method, dirs)
        close(res.values, expected)
        out = udf.NQP_STANDARDIZE(rows, method, dirs)
        assert out[0] == list(res.names) and len(out) == 32
        close(np.array(out[1:], dtype=float), expected)


def test_minmax_is_best_at_one_for_both_directions():
    x = comp.minmax([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]], "+,-")
    close(x, [[0, 1], [0.5, 0.5], [1, 0]])


def test_zscore_default_and_sample_sd():
    x = np.array([[1.0], [2.0], [4.0]])
    z = comp.standardize(x).values[:, 0]
    close(z, (x[:, 0] - x.mean()) / x.std(ddof=1))


# ----------------------------------------------------------------------------- weights


@pytest.mark.parametrize("name", ["province", "panel", "synthetic"])
def test_weights_match_r(name):
    rows, dirs, id_cols, m = case(name)
    r = ref(f"{name}_weights.csv")
    ent = comp.entropy_weights(rows, dirs, id_cols=id_cols)
    assert ent.table.values.shape[0] == m
    assert list(ent.names) == r["indicator"].tolist()
    close(ent.weights, r["entropy_w"])
    close(ent.entropy, r["entropy_e"])
    close(ent.redundancy, r["entropy_d"])
    close(comp.entropy_weights(rows, dirs, 0.01, id_cols=id_cols).weights, r["entropy_shift0.01_w"])
    close(comp.entropy_weights(rows, dirs, 0.01, id_cols=id_cols).entropy, r["entropy_shift0.01_e"])
    close(comp.entropy_weights(rows, dirs, 1e-4, id_cols=id_cols).weights, r["entropy_shift0.0001_w"])
    cr = comp.critic_weights(rows, dirs, id_cols=id_cols)
    close(cr.weights, r["critic_w"])
    close(cr.sigma, r["critic_sigma"])
    close(cr.conflict, r["critic_conflict"])
    close(comp.cv_weights(rows, dirs, id_cols=id_cols).weights, r["cv_w"])
    close(comp.equal_weights(rows, dirs, id_cols=id_cols).weights, r["equal_w"])
    for method in ("entropy", "critic", "cv", "equal"):
        assert math.isclose(comp.weights(rows, method, dirs, id_cols=id_cols).weights.sum(), 1.0)


def test_nqp_weights_layout_and_values():
    rows, dirs, _, _ = case("province")
    r = ref("province_weights.csv")
    out = udf.NQP_WEIGHTS(rows, "entropy", dirs)
    assert out[0] == ["Indicator", "Weight", "Entropy e", "Redundancy d"]
    assert [row[0] for row in out[1:]] == r["indicator"].tolist()
    close([row[1:] for row in out[1:]], r[["entropy_w", "entropy_e", "entropy_d"]])
    # default method is entropy; zh headers
    assert udf.NQP_WEIGHTS(rows, None, dirs, "zh")[0] == ["指标", "权重", "信息熵 e", "冗余度 d"]
    crit = udf.NQP_WEIGHTS(rows, "CRITIC", dirs)
    assert crit[0] == ["Indicator", "Weight"] and len(crit[1]) == 2
    close([row[1] for row in crit[1:]], r["critic_w"])
    # SPSSAU's shift as the extra last argument
    shifted = udf.NQP_WEIGHTS(rows, "entropy", dirs, None, None, None, 0.01)
    close([row[1] for row in shifted[1:]], r["entropy_shift0.01_w"])
    # no header in the input: no header row in the answer
    bare = udf.NQP_WEIGHTS([row[1:] for row in rows[1:]], "cv")
    assert bare[0][0] == "X1" and len(bare) == 15
    close([row[1] for row in bare], r["cv_w"])


# ----------------------------------------------------------------------------- index, TOPSIS, obstacle


@pytest.mark.parametrize("name", ["province", "panel", "synthetic"])
def test_index_matches_r(name):
    rows, dirs, id_cols, m = case(name)
    r = ref(f"{name}_index.csv")
    p = len(comp.entropy_weights(rows, dirs, id_cols=id_cols).weights)
    for method in ("entropy", "critic", "cv", "equal"):
        close(comp.composite_index(rows, method, dirs, id_cols=id_cols).index, r[method])
    close(comp.composite_index(rows, "entropy", dirs, shift=0.01, id_cols=id_cols).index, r["entropy_shift0.01"])
    given = list(range(1, p + 1))  # not summing to 1: normalised
    close(comp.composite_index(rows, given, dirs, id_cols=id_cols).index, r["given"])
    idx = comp.composite_index(rows, "entropy", dirs, id_cols=id_cols).index
    assert idx.min() >= 0 and idx.max() <= 1


def test_nqp_index_aligned_with_header():
    rows, dirs, _, _ = case("province")
    r = ref("province_index.csv")
    out = udf.NQP_INDEX(rows, None, dirs)
    assert out[0] == ["Index"] and len(out) == 32 and all(len(x) == 1 for x in out)
    close([x[0] for x in out[1:]], r["entropy"])
    assert udf.NQP_INDEX(rows, "equal", dirs, "zh")[0] == ["综合指数"]
    # weights as a range (one row of numbers, as a column, or the NQP_WEIGHTS answer)
    given = [float(j) for j in range(1, 16)]
    close([x[0] for x in udf.NQP_INDEX(rows, [given], dirs)[1:]], r["given"])
    close([x[0] for x in udf.NQP_INDEX(rows, [[g] for g in given], dirs)[1:]], r["given"])
    critic_block = udf.NQP_WEIGHTS(rows, "critic", dirs)
    close([x[0] for x in udf.NQP_INDEX(rows, critic_block, dirs)[1:]], r["critic"])
    # names above weights, in another order: matched by name
    names = rows[0][1:]
    order = list(reversed(range(15)))
    block = [[names[j] for j in order], [given[j] for j in order]]
    close([x[0] for x in udf.NQP_INDEX(rows, block, dirs)[1:]], r["given"])


@pytest.mark.parametrize("name", ["province", "panel", "synthetic"])
def test_topsis_matches_r(name):
    rows, dirs, id_cols, _ = case(name)
    r = ref(f"{name}_topsis.csv")
    for method in ("entropy", "critic"):
        t = comp.topsis(rows, method, dirs, id_cols=id_cols)
        close(t.d_plus, r[f"{method}_d_plus"])
        close(t.d_minus, r[f"{method}_d_minus"])
        close(t.closeness, r[f"{method}_C"])
        np.testing.assert_array_equal(t.rank, r[f"{method}_rank"])


def test_nqp_topsis_layout():
    rows, dirs, _, _ = case("province")
    r = ref("province_topsis.csv")
    out = udf.NQP_TOPSIS(rows, None, dirs)
    assert out[0] == ["D+", "D-", "C", "Rank"] and len(out) == 32
    close(out[1:], r[["entropy_d_plus", "entropy_d_minus", "entropy_C", "entropy_rank"]])
    assert udf.NQP_TOPSIS(rows, "critic", dirs, "zh")[0] == ["D+", "D-", "C", "排名"]


def test_topsis_ties_share_the_better_rank():
    data = [[1.0, 2.0], [1.0, 2.0], [3.0, 1.0], [0.0, 0.0]]
    t = comp.topsis(data, "equal")
    assert t.rank.tolist() == [2.0, 2.0, 1.0, 4.0]


@pytest.mark.parametrize("name", ["province", "panel"])
def test_obstacle_matches_r(name):
    rows, dirs, id_cols, _ = case(name)
    r = ref(f"{name}_obstacle.csv")
    n_lab = 2 if name == "panel" else 1
    o = comp.obstacle_degree(rows, "entropy", dirs, id_cols=id_cols)
    close(o.degree, r.iloc[:, n_lab:].to_numpy())
    close(o.degree.sum(axis=1), 100.0)


def test_nqp_obstacle_layout():
    rows, dirs, _, _ = case("province")
    r = ref("province_obstacle.csv")
    out = udf.NQP_OBSTACLE(rows, None, dirs)
    assert out[0] == rows[0][1:] and len(out) == 32
    close(out[1:], r.iloc[:, 1:].to_numpy())


def test_obstacle_of_a_row_best_everywhere_is_zero():
    o = comp.obstacle_degree([[1.0, 5.0], [2.0, 6.0], [3.0, 7.0]], "equal")
    close(o.degree[2], [0.0, 0.0])
    close(o.degree[0], [50.0, 50.0])


# ----------------------------------------------------------------------------- panels


def test_panel_pools_all_region_years():
    """id_cols=2: one min-max and one entropy over all region-years (SPEC), so the index of a
    region in 2016 and in 2023 is on one scale; the year column is a label, not an indicator."""
    rows, dirs, _, m = case("panel")
    res = comp.composite_index(rows, "entropy", dirs, id_cols=2)
    t = res.table
    assert t.values.shape == (m, 20) and "year" not in t.names
    assert t.label_names == ("province_en", "year")
    x = res.normalized
    close(x.min(axis=0), 0.0)
    close(x.max(axis=0), 1.0)
    # within a single year the pooled x' does not reach both 0 and 1 for every indicator ...
    years = np.array([lab[1] for lab, k in zip(t.labels, t.keep) if k])
    x2016 = x[years == "2016"]
    assert not (np.allclose(x2016.min(axis=0), 0) and np.allclose(x2016.max(axis=0), 1))
    # ... and the pooled index differs from an entropy index computed on 2016 alone
    rows2016 = [rows[0]] + [r for r in rows[1:] if r[1] == 2016.0]
    alone = comp.composite_index(rows2016, "entropy", dirs, id_cols=2).index
    pooled = res.index[years == "2016"]
    assert alone.shape == pooled.shape and not np.allclose(alone, pooled)
    # index rises on average from 2016 to 2023 on the common scale
    assert res.index[years == "2023"].mean() > pooled.mean()


def test_panel_udf_listwise_rows_blank():
    rows, dirs, _, m = case("panel")
    r = ref("panel_index.csv")
    out = udf.NQP_INDEX(rows, None, dirs, None, 2)
    assert len(out) == len(rows)
    assert sum(x[0] is None for x in out[1:]) == len(rows) - 1 - m
    close([x[0] for x in out[1:] if x[0] is not None], r["entropy"])
    # the blank rows are those with a blank cell
    for src, ans in zip(rows[1:], out[1:]):
        assert (ans[0] is None) == any(c is None for c in src[2:])


# ----------------------------------------------------------------------------- other inputs


def test_dataframe_and_weight_mappings():
    df = pd.read_csv(DATA / "province_2022.csv")
    r = ref("province_index.csv")
    dirs = dirs_row(15, [5, 10])
    close(comp.composite_index(df, "entropy", dirs).index, r["entropy"])
    w = pd.Series(np.arange(1.0, 16.0), index=df.columns[1:])
    close(comp.composite_index(df, w[::-1], dirs).index, r["given"])
    close(comp.composite_index(df, dict(w), dirs).index, r["given"])
    close(comp.composite_index(df, np.arange(1.0, 16.0), dirs).index, r["given"])
    ent = comp.entropy_weights(df, dirs)
    close(comp.composite_index(df, ent, dirs).index, r["entropy"])


def test_weights_not_summing_to_one_are_normalised():
    rows, dirs, _, _ = case("province")
    a = comp.composite_index(rows, [1.0] * 15, dirs).index
    b = comp.composite_index(rows, [1 / 15] * 15, dirs).index
    c = comp.composite_index(rows, "equal", dirs).index
    close(a, c)
    close(b, c)


def test_results_are_cached_by_content():
    rows, dirs, _, _ = case("province")
    cache.clear()
    comp.entropy_weights(rows, dirs)
    misses = cache.stats["misses"]
    again = [list(r) for r in rows]  # an equal copy: same digest
    comp.entropy_weights(again, dirs)
    assert cache.stats["misses"] == misses and cache.stats["hits"] >= 1
    changed = [list(r) for r in rows]
    changed[1][1] = 1.0
    assert not np.allclose(comp.entropy_weights(changed, dirs).weights, comp.entropy_weights(rows, dirs).weights)
    with pytest.raises(ValueError):  # cached arrays are read-only
        comp.entropy_weights(rows, dirs).weights[0] = 1.0


def test_fast_at_20000_by_40():
    rng = np.random.default_rng(7)
    x = rng.gamma(2.0, 10.0, size=(20000, 40))
    rows = [[f"X{j + 1}" for j in range(40)]] + x.tolist()
    cache.clear()
    t0 = time.perf_counter()
    comp.entropy_weights(x)
    comp.composite_index(x, "critic")
    comp.topsis(x)
    comp.obstacle_degree(x)
    core = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = udf.NQP_TOPSIS(rows)
    excel = time.perf_counter() - t0
    assert len(out) == 20001 and isinstance(out[1][3], float)
    assert core < 3.0, core
    assert excel < 6.0, excel


# ----------------------------------------------------------------------------- refusals


def nqp_error(answer, *fragments):
    assert isinstance(answer, str) and answer.startswith("#NQP! "), answer
    assert len(answer) <= 255
    for f in fragments:
        assert f in answer, (f, answer)


def test_constant_indicator_is_named():
    rows = [["region", "a", "b"], ["x", 1.0, 5.0], ["y", 2.0, 5.0], ["z", 3.0, 5.0]]
    with pytest.raises(NQPError, match='indicator "b" is constant'):
        comp.entropy_weights(rows)
    for f in (udf.NQP_WEIGHTS, udf.NQP_INDEX, udf.NQP_TOPSIS, udf.NQP_OBSTACLE, udf.NQP_STANDARDIZE):
        nqp_error(f(rows), 'indicator "b" is constant', "5")


def test_bad_weights_are_refused_by_name_and_count():
    rows, dirs, _, _ = case("province")
    nqp_error(udf.NQP_INDEX(rows, [[0.5, 0.5]], dirs), "weights has 2 numbers", "15 indicators")
    nqp_error(udf.NQP_INDEX(rows, [[1.0] * 14 + [-1.0]], dirs), 'indicator "hitech_revenue"', "non-negative")
    nqp_error(udf.NQP_INDEX(rows, [[1.0] * 14 + ["x"]], dirs), 'indicator "hitech_revenue"', "not a number")
    nqp_error(udf.NQP_INDEX(rows, [[0.0] * 15], dirs), "all zero")
    nqp_error(udf.NQP_TOPSIS(rows, "magic", dirs), 'weights="magic"', '"entropy"')
    block = udf.NQP_WEIGHTS(rows, "entropy", dirs)[:-1]  # last indicator missing
    nqp_error(udf.NQP_OBSTACLE(rows, block, dirs), 'no weight for indicator "hitech_revenue"')


def test_bad_options_are_refused():
    rows, dirs, _, _ = case("province")
    nqp_error(udf.NQP_WEIGHTS(rows, "pca", dirs), 'method="pca"')
    nqp_error(udf.NQP_STANDARDIZE(rows, "robust", dirs), 'method="robust"', '"zscore"')
    nqp_error(udf.NQP_WEIGHTS(rows, "entropy", [["+", "-"]]), "directions has 2 cells", "15 indicators")
    bad_dirs = [["+"] * 14 + ["up"]]
    nqp_error(udf.NQP_INDEX(rows, None, bad_dirs), 'indicator "hitech_revenue"', '"up"')
    nqp_error(udf.NQP_WEIGHTS(rows, "entropy", dirs, None, None, None, -0.01), "shift")
    nqp_error(udf.NQP_WEIGHTS(rows, "critic", dirs, None, None, None, 0.01), "shift only applies")
    nqp_error(udf.NQP_OBSTACLE(rows, None, dirs, "fr"), 'lang "fr"')
    nqp_error(udf.NQP_STANDARDIZE(rows, None, dirs, "fr"), 'lang "fr"')


def test_bad_cells_are_named():
    rows = [list(r) for r in PROVINCE]
    rows[3][2] = "1,234"
    nqp_error(udf.NQP_INDEX(rows), 'indicator "rd_expenditure"', '"Hebei"', "1,234")
    nqp_error(udf.NQP_WEIGHTS([["a", "b"], [1.0, 2.0]]), "at least 2 complete rows")


def test_cv_needs_positive_means():
    rows = [["r", "a", "b"], ["x", 1.0, -5.0], ["y", 2.0, -4.0], ["z", 3.0, -6.0]]
    nqp_error(udf.NQP_WEIGHTS(rows, "cv"), 'indicator "b"', "positive mean")
    assert isinstance(udf.NQP_WEIGHTS(rows, "entropy"), list)


def test_no_answer_holds_nan():
    rows, dirs, _, _ = case("province")
    for f in (udf.NQP_STANDARDIZE, udf.NQP_WEIGHTS, udf.NQP_INDEX, udf.NQP_TOPSIS, udf.NQP_OBSTACLE):
        out = f(rows, None, dirs)
        flat = [v for r in out for v in r if isinstance(v, float)]
        assert flat and all(math.isfinite(v) for v in flat)


def test_cache_never_mixes_tables_with_equal_numbers():
    a = [["r", "x", "y"], ["Beijing", 1.0, 3.0], ["Tianjin", 2.0, 1.0], ["Hebei", 4.0, 2.0]]
    b = [["r", "x", "y"], ["Anhui", 1.0, 3.0], ["Fujian", 2.0, 1.0], ["Jiangxi", 4.0, 2.0]]
    assert comp.entropy_weights(a).table.row_names == ["Beijing", "Tianjin", "Hebei"]
    assert comp.entropy_weights(b).table.row_names == ["Anhui", "Fujian", "Jiangxi"]


def test_method_names_as_one_cell_ranges_and_missing_error():
    rows, dirs, _, _ = case("province")
    r = ref("province_index.csv")
    close([x[0] for x in udf.NQP_INDEX(rows, [["critic"]], dirs)[1:]], r["critic"])
    close([x[0] for x in udf.NQP_INDEX(rows, [[None]], dirs)[1:]], r["entropy"])
    panel, pdirs, _, _ = case("panel")
    nqp_error(udf.NQP_INDEX(panel, None, pdirs, None, 2, "error"), "blank", 'indicator "')


def test_minmax_subsets_share_the_tables_normalisation():
    """Each subset's x' is the table's x' for its columns, bit for bit what the subset alone
    gives; a constant indicator leaves the subsets to name it themselves."""
    rng = np.random.default_rng(11)
    data = rng.lognormal(size=(50, 6))
    dirs = ["+", "-", "+", "+", "-", "-"]
    groups = [[0, 1, 2], [3, 5], [4]]
    cache.clear()
    table = comp.check_table(data)
    subsets = comp.minmax_subsets(table, dirs, groups)
    shared = [comp.minmax(s, [dirs[j] for j in g]) for s, g in zip(subsets, groups)]
    assert np.shares_memory(shared[0], comp.minmax(table, dirs))  # side by side: a view
    cache.clear()
    for s, g, x in zip(subsets, groups, shared):
        alone = comp.minmax(comp.check_table(data[:, g]), [dirs[j] for j in g])
        assert np.array_equal(x, alone)
        assert s.names == tuple(table.names[j] for j in g)
    data[:, 3] = 2.0
    cache.clear()
    subsets = comp.minmax_subsets(comp.check_table(data), dirs, groups)
    with pytest.raises(NQPError, match="X4.*constant"):
        comp.composite_index(subsets[1], "entropy", [dirs[j] for j in groups[1]])


@pytest.mark.parametrize("shift", [None, 0, 0.01])
def test_minmax_subsets_share_the_tables_entropy(shift):
    """With entropy=True, each subset's entropy weights come from the table's e_j and d_j
    (nothing computed again), bit for bit what the subset alone gives (a one-column subset
    computes its own).  A blank shift (as a UDF passes it) is no shift."""
    rng = np.random.default_rng(12)
    data = rng.lognormal(size=(300, 7)) * rng.uniform(0.1, 1000, size=7)
    dirs = ["+", "-", "+", "+", "-", "-", "+"]
    groups = [[0, 1, 2], [3, 5], [4], [6, 2]]
    cache.clear()
    table = comp.check_table(data)
    subsets = comp.minmax_subsets(table, dirs, groups, entropy=True, shift=shift)
    misses = cache.stats["misses"]
    shared = [comp.entropy_weights(s, [dirs[j] for j in g], shift) for s, g in zip(subsets, groups)]
    assert cache.stats["misses"] == misses + 1  # only the one-column subset was computed
    for s, g, w in zip(subsets, groups, shared):
        cache.clear()
        alone = comp.entropy_weights(comp.check_table(data[:, g]), [dirs[j] for j in g], shift)
        for field in ("weights", "entropy", "redundancy"):
            assert np.array_equal(getattr(w, field), getattr(alone, field)), (g, field)


@pytest.mark.parametrize("seed", range(5))
def test_topsis_matches_the_formula_with_ideal_points_taken_from_the_data(seed):
    """v⁺ and v⁻ are the columns' max and min of w·x' (equal to w and 0: x' spans [0, 1])."""
    rng = np.random.default_rng(seed)
    data = np.round(rng.lognormal(size=(200, 7)) * 10.0 ** seed, seed)
    dirs = ["+" if d else "-" for d in rng.random(7) < 0.5]
    for w in ("entropy", "critic", rng.random(7).tolist()):
        cache.clear()
        t = comp.topsis(data, w, dirs)
        v = t.weights.normalized * t.weights.weights
        d_plus = np.sqrt(((v - v.max(axis=0)) ** 2).sum(axis=1))
        d_minus = np.sqrt(((v - v.min(axis=0)) ** 2).sum(axis=1))
        close(t.d_plus, d_plus, rtol=1e-14, atol=0)
        close(t.d_minus, d_minus, rtol=1e-14, atol=0)
        close(t.closeness, d_minus / (d_plus + d_minus), rtol=1e-14, atol=0)
