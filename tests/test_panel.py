"""Panel functions held to R (tests/oracles/panel_reference.R → tests/fixtures/panel/).

NQP_SELECT, NQP_SUBINDEX, NQP_PIVOT, NQP_LEVEL, NQP_RANK, NQP_CORR and NQP_COMMUNALITIES on the
bundled panel (31 provinces × 2016–2023).  Every figure at 1e-8 (absolute: indices, D,
correlations, communalities are of order one; relative 1e-8 for sums).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import nqp_udfs
from panel_data import PANEL, RANGE, as_range, column

REF = Path(__file__).resolve().parent / "fixtures" / "panel"
NQP = ["rd_personnel_fte", "rd_expenditure", "rd_intensity", "gov_sci_tech_spending", "gov_education_spending",
       "basic_research_spending", "invention_patent_applications", "valid_invention_patents", "tech_market_outflow"]
SUBSYSTEMS = [[None] * 4 + ["NQP" if c in NQP else "Manufacturing" for c in RANGE[0][4:]]]
ATOL = 1e-8


def ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, keep_default_na=True)


def numbers(rows, col: int) -> np.ndarray:
    """One column of an answer (header row skipped) as floats, blanks as NaN."""
    return np.array([np.nan if r[col] is None else r[col] for r in rows[1:]], dtype=float)


def one_line_error(out, *words):
    assert isinstance(out, str) and out.startswith("#NQP! ") and "\n" not in out and len(out) <= 255, out
    for w in words:
        assert w in out, (w, out)


@pytest.fixture(scope="module")
def d_column():
    """D of the two-subsystem coupling, made from NQP_SUBINDEX by NQP_COUPLING (as the workbook does)."""
    u = nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS)
    out = nqp_udfs.NQP_COUPLING(u)
    return [[r[2]] for r in out]


# ----------------------------------------------------------------------------- NQP_SELECT


def test_select_one_year_keeps_header_and_matching_rows():
    out = nqp_udfs.NQP_SELECT(RANGE, "year", 2022.0)
    assert out[0] == RANGE[0] and len(out) == 32
    assert all(r[3] == 2022.0 for r in out[1:])
    assert out[1:] == [r for r in RANGE[1:] if r[3] == 2022.0]
    assert nqp_udfs.NQP_SELECT(RANGE, 4.0, "2022") == out          # column number, year as text
    assert nqp_udfs.NQP_SELECT(RANGE, "YEAR", [[2022.0]]) == out    # case, a 1x1 range
    assert nqp_udfs.NQP_SELECT(RANGE, "region", "West")[1][2] == "West"
    assert nqp_udfs.NQP_SELECT(RANGE, "year", None) == RANGE         # blank value: every row


def test_select_feeds_the_cross_section_functions():
    year = nqp_udfs.NQP_SELECT(RANGE, "year", 2022.0)
    assert nqp_udfs.NQP_KMO(year, None, 4) == nqp_udfs.NQP_KMO(as_range(PANEL[PANEL.year == 2022]), None, 4)


def test_select_passes_error_cells_as_their_text():
    rows = [["name", "year", "x"], ["a", 2022.0, -2146826246], ["b", 2021.0, 1.0]]
    assert nqp_udfs.NQP_SELECT(rows, "year", 2022)[1] == ["a", 2022.0, "#N/A"]


@pytest.mark.parametrize("args,words", [
    (("yr", 2022.0), ['column "yr" is not a header', '"year"']),
    ((30.0, 2022.0), ["column 30 is not a column of data (1 to 24)"]),
    (("year", 2030.0), ['no row of data has "year" = 2030', "2016, 2017"]),
    ((None, 2022.0), ["column is blank"]),
])
def test_select_bad_input(args, words):
    one_line_error(nqp_udfs.NQP_SELECT(RANGE, *args), *words)


# ----------------------------------------------------------------------------- NQP_SUBINDEX


def test_subindex_matches_r_and_drives_the_coupling(d_column):
    r = ref("subindex.csv")
    out = nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS)
    assert out[0] == ["NQP", "Manufacturing"] and len(out) == 249
    assert_allclose(numbers(out, 0), r.NQP, atol=ATOL)        # NaN where R's row is incomplete
    assert_allclose(numbers(out, 1), r.Manufacturing, atol=ATOL)
    assert np.isnan(numbers(out, 0)).sum() == 43
    assert_allclose(numbers(d_column, 0), r.D, atol=ATOL)


def test_subindex_columns_are_exactly_nqp_index_of_each_subsystem():
    """Non-contiguous subsystems, three of them, a '-' direction and a weights method."""
    frame = PANEL[PANEL.year == 2022].dropna()
    rows = as_range(frame)
    cols = rows[0]
    names = {"A": ["rd_personnel_fte", "hitech_profit", "rd_intensity"],
             "B": ["ind_rd_institutions", "basic_research_spending"],
             "C": ["tech_market_outflow", "gov_education_spending", "hitech_profit_margin"]}
    sub = [[next((s for s, cs in names.items() if c in cs), None) for c in cols]]
    dirs = [["-" if c == "hitech_profit_margin" else "+" for c in cols]]
    out = nqp_udfs.NQP_SUBINDEX(rows, sub, "critic", dirs, None, 4)
    order = [s for s in dict.fromkeys(x for x in sub[0] if x)]
    assert out[0] == order == ["A", "C", "B"]                  # order of first appearance
    for k, s in enumerate(order):
        keep = [j for j, c in enumerate(cols) if c in names[s]]
        part = [[r[j] for j in [0, 1, 2, 3] + keep] for r in rows]
        d = [[dirs[0][j] for j in keep]]
        alone = nqp_udfs.NQP_INDEX(part, "critic", d, None, 4)
        assert_allclose(numbers(out, k), numbers(alone, 0), rtol=0, atol=1e-15)


def test_subindex_rows_covering_the_indicator_columns_only():
    """Subsystem and direction rows above the indicators only (not the label columns)."""
    full = nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS, None, [[None] * 4 + ["+"] * 19 + ["-"]])
    short = nqp_udfs.NQP_SUBINDEX(RANGE, [SUBSYSTEMS[0][4:]], None, [["+"] * 19 + ["-"]])
    assert short == full and full != nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS)
    some = [[None] * 4 + ["A", "A", None, "B", "B"] + [None] * 15]
    a = nqp_udfs.NQP_SUBINDEX(RANGE, [some[0][4:]], None, [["-"] * 20])
    b = nqp_udfs.NQP_SUBINDEX(RANGE, some, None, [["-"] * 4])        # one per subsystem indicator
    assert a == b and a[0] == ["A", "B"]


def test_subindex_listwise_looks_only_at_subsystem_indicators():
    rows = [list(r) for r in RANGE[:40]]
    rows[5][RANGE[0].index("hitech_profit")] = None       # a column in no subsystem
    rows[7][RANGE[0].index("rd_intensity")] = None        # a subsystem column
    sub = [[None] * 4 + ["S1" if c in NQP[:4] else ("S2" if c in NQP[4:] else None) for c in RANGE[0][4:]]]
    out = nqp_udfs.NQP_SUBINDEX(rows, sub)
    assert out[5][0] is not None and out[7] == [None, None]


def test_subindex_bad_input():
    one_line_error(nqp_udfs.NQP_SUBINDEX(RANGE, [["A"] * 30]), "subsystems has 30 cells", "24 columns")
    one_line_error(nqp_udfs.NQP_SUBINDEX(RANGE, [[None] * 24]), "names no subsystem")
    one_line_error(nqp_udfs.NQP_SUBINDEX(RANGE, [["X"] + [None] * 3 + ["A"] * 20]), "label column")
    one_line_error(nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS, "magic"), 'weights="magic"')
    one_line_error(nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS, None, [["+", "-"]]), "directions has 2 cells")


# ----------------------------------------------------------------------------- NQP_LEVEL


def test_level_classes_as_coupling_does(d_column):
    r = ref("subindex.csv")
    out = nqp_udfs.NQP_LEVEL(d_column)
    assert out[0] == ["Level", "Grade"]
    assert_allclose(numbers(out, 0), r.level, atol=0)
    coupling = nqp_udfs.NQP_COUPLING(nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS))
    assert [row[3:5] for row in coupling[1:]] == out[1:]
    zh = nqp_udfs.NQP_LEVEL([["D"], [0.1], [0.9], [1.0]], "zh")
    assert zh == [["等级序号", "等级"], [2.0, "严重失调"], [10.0, "优质协调"], [10.0, "优质协调"]]


def test_level_bad_input():
    one_line_error(nqp_udfs.NQP_LEVEL([["D"], [0.2], [1.5]]), "1.5", "[0, 1]")


# ----------------------------------------------------------------------------- NQP_PIVOT


def test_pivot_mean_d_by_year_and_by_year_region_matches_aggregate(d_column):
    r = ref("pivot.csv")
    by_year = nqp_udfs.NQP_PIVOT(d_column, column("year"))
    want = r[(r["stat"] == "mean") & r.region.isna()]
    assert by_year[0] == ["year", "Mean"]
    assert [row[0] for row in by_year[1:]] == [float(y) for y in range(2016, 2024)]
    assert by_year[2] == [2017.0, None]     # no D in 2017 (high-tech columns blank): a blank row, as a key
    assert_allclose(numbers(by_year[:2] + by_year[3:], 1), want.value, atol=ATOL)
    table6 = nqp_udfs.NQP_PIVOT(d_column, column("year"), column("region"))
    assert table6[0] == ["year", "East", "Central", "West", "Northeast"]       # first appearance
    want = r[(r["stat"] == "mean") & r.region.notna()]
    for _, w in want.iterrows():
        row = next(x for x in table6 if x[0] == w.year)
        assert abs(row[table6[0].index(w.region)] - w.value) < ATOL


@pytest.mark.parametrize("stat", ["median", "sum", "count", "min", "max", "sd"])
def test_pivot_statistics_match_aggregate(stat):
    r = ref("pivot.csv")
    want = r[r["stat"] == stat]
    out = nqp_udfs.NQP_PIVOT(column("rd_intensity"), column("year"), column("region"), stat)
    assert len(out) == 1 + 8 and len(want) == 32
    for _, w in want.iterrows():
        row = next(x for x in out if x[0] == w.year)
        assert_allclose(row[out[0].index(w.region)], w.value, rtol=1e-8, atol=ATOL)


def test_pivot_keys_text_and_blanks():
    values = [["v"], [1.0], [2.0], [None], [4.0], [5.0]]
    rows = [["k"], ["b"], ["a"], ["a"], [2.0], ["2"]]
    out = nqp_udfs.NQP_PIVOT(values, rows, None, "count", "zh")
    assert out == [["k", "个数"], [2.0, 2.0], ["b", 1.0], ["a", 1.0]]      # numbers first; 2 = "2"
    out = nqp_udfs.NQP_PIVOT(values, rows, [["c"], ["x"], ["y"], ["x"], ["x"], ["y"]], "sd")
    assert out[0] == ["k", "x", "y"] and out[1] == [2.0, None, None]        # sd of one value: blank


def test_pivot_bad_input():
    one_line_error(nqp_udfs.NQP_PIVOT(column("rd_intensity"), column("year")[:100]), "rows has 100 cells", "249 rows")
    one_line_error(nqp_udfs.NQP_PIVOT(column("rd_intensity"), column("year"), column("region")[1:]), "columns has 248")
    one_line_error(nqp_udfs.NQP_PIVOT(column("rd_intensity"), column("year"), None, "mode"), 'stat="mode"')
    one_line_error(nqp_udfs.NQP_PIVOT(column("rd_intensity"), column("year"), column("region"), None, "fr"), 'lang "fr"')
    one_line_error(nqp_udfs.NQP_GINI(column("rd_intensity"), column("region"), column("year"), "fr"), 'lang "fr"')


# ----------------------------------------------------------------------------- NQP_RANK


def test_rank_within_year_and_change_match_r(d_column):
    r = ref("rank.csv")
    out = nqp_udfs.NQP_RANK(d_column, column("year"), column("province"))
    assert out[0] == ["Rank", "Change"]
    assert_allclose(numbers(out, 0), r["rank"], atol=0)
    assert_allclose(numbers(out, 1), r.change, atol=0)       # blank: first year, 2017, and after it
    assert np.nanmax(numbers(out, 0)) == 30                    # Tibet's D is blank every year


def test_rank_ties_share_the_lowest_rank_and_without_by():
    out = nqp_udfs.NQP_RANK([["x"], [3.0], [5.0], [5.0], [1.0]])
    assert out == [["Rank"], [3.0], [1.0], [1.0], [4.0]]
    out = nqp_udfs.NQP_RANK([[3.0], [5.0], [2.0], [6.0]], [[1.0], [1.0], [2.0], [2.0]], [["a"], ["b"], ["a"], ["b"]], "zh")
    assert out == [[2.0, None], [1.0, None], [2.0, 0.0], [1.0, 0.0]]


def test_rank_bad_input():
    rows = RANGE[:1] + [r for r in RANGE[1:] if not (r[1] == "Beijing" and r[3] == 2019.0)]
    one_line_error(nqp_udfs.NQP_RANK(column("rd_intensity", rows), column("year", rows), column("province_en", rows)),
                   'id "Beijing" has no row for 2019', "before 2020")
    one_line_error(nqp_udfs.NQP_RANK(column("rd_intensity"), column("year"), column("province")[:-1]),
                   "ids has 248 cells", "249 rows")
    one_line_error(nqp_udfs.NQP_RANK(column("rd_intensity"), column("year")[2:]), "by has 247 cells")
    one_line_error(nqp_udfs.NQP_RANK(column("rd_intensity"), column("year"), column("region")), "two rows for 2016")


# ----------------------------------------------------------------------------- NQP_CORR, NQP_COMMUNALITIES


def test_corr_and_communalities_match_psych():
    year = nqp_udfs.NQP_SELECT(RANGE, "year", 2022.0)
    corr = nqp_udfs.NQP_CORR(year, None, 4)
    r = ref("corr_2022.csv")
    assert corr[0] == ["Indicator", *r.indicator] and [row[0] for row in corr[1:]] == list(r.indicator)
    assert_allclose(np.array([row[1:] for row in corr[1:]]), r.iloc[:, 1:].to_numpy(), atol=ATOL)
    c = ref("communalities_2022.csv")
    for k, col in ((None, "eigen1"), (3.0, "k3")):
        out = nqp_udfs.NQP_COMMUNALITIES(year, k, None, "zh", 4)
        assert out[0] == ["指标", "初始", "提取"]
        assert [row[0] for row in out[1:]] == list(c.indicator) and all(row[1] == 1.0 for row in out[1:])
        assert_allclose(numbers(out, 2), c[col], atol=ATOL)


def test_corr_bad_input_and_a_singular_matrix():
    one_line_error(nqp_udfs.NQP_CORR([["a", "b"], [1.0, 2.0], [1.0, 3.0], [1.0, 5.0]]), '"a" is constant')
    one_line_error(nqp_udfs.NQP_CORR([["a", "b"], [1.0, 2.0], [2.0, 3.0]]), "at least 3 complete rows")
    year = nqp_udfs.NQP_SELECT(RANGE, "year", 2022.0)
    few = year[:16]                                  # 15 regions, 20 indicators: R is singular
    assert nqp_udfs.NQP_KMO(few, None, 4).startswith("#NQP! ")
    wide = nqp_udfs.NQP_CORR(few, None, 4)
    assert len(wide) == 21 and wide[1][1] == 1.0
    assert_allclose(wide[3][1], np.corrcoef([r[4] for r in few[1:]], [r[6] for r in few[1:]])[0, 1], atol=1e-15)
    fa = nqp_udfs._fa(year, id_cols=4).correlation
    assert_allclose(np.array([r[1:] for r in nqp_udfs.NQP_CORR(year, None, 4)[1:]]), fa, atol=1e-15)


def test_pivot_list_regions_of_each_grade_by_cluster_number():
    regions = [["Region"], ["Beijing"], ["Hebei"], ["Shanghai"], ["Tibet"], ["Anhui"], [None]]
    clusters = [["Cluster"], [1.0], [3.0], [1.0], [None], [2.0], [3.0]]
    out = nqp_udfs.NQP_PIVOT(regions, clusters, None, "list")
    assert out == [["Cluster", "Region"], [1.0, "Beijing, Shanghai"], [2.0, "Anhui"], [3.0, "Hebei"]]
    zh = nqp_udfs.NQP_PIVOT(regions, clusters, None, "list", "zh")
    assert zh[1] == [1.0, "Beijing、Shanghai"]
    assert nqp_udfs.NQP_PIVOT(regions, clusters, None, "count") == [
        ["Cluster", "Count"], [1.0, 2.0], [2.0, 1.0], [3.0, 1.0]]  # the blank region is not counted


def test_pivot_list_text_keys_without_header_and_numbers():
    # all text, no number anywhere: no header row (as Excel GROUPBY's automatic field headers)
    out = nqp_udfs.NQP_PIVOT([["A"], ["B"], ["C"]], [["Good"], ["Excellent"], ["Good"]], None, "list")
    assert out == [["", "List"], ["Good", "A, C"], ["Excellent", "B"]]
    assert nqp_udfs.NQP_PIVOT([["A"], ["B"], ["C"]], [["Good"], ["Excellent"], ["Good"]], None, "list", "zh")[0] == [
        "", "列表"]
    # numbers are listed as Excel shows them, in order of appearance; a key with only blanks: blank
    out = nqp_udfs.NQP_PIVOT([["v"], [2022.0], [0.5], [None], [3.0]], [["k"], ["a"], ["a"], ["b"], ["a"]], None, "list")
    assert out == [["k", "v"], ["a", "2022, 0.5, 3"], ["b", None]]
    # text values with another stat are still refused, naming the cell
    bad = nqp_udfs.NQP_PIVOT([["v"], ["x"], [1.0]], [["k"], ["a"], ["a"]], None, "mean")
    assert bad.startswith("#NQP! ") and '"x"' in bad


def test_pivot_first_takes_the_first_value_of_each_key():
    """stat "first": the first value of each row key as it is (text or number), e.g. the grade
    name of each cluster number; a key without a value is blank."""
    values = [["Grade"], ["Good"], ["Poor"], ["Good"], [None], ["Excellent"]]
    keys = [["Cluster"], [2.0], [3.0], [2.0], [4.0], [1.0]]
    out = nqp_udfs.NQP_PIVOT(values, keys, None, "first")
    assert out == [["Cluster", "Grade"], [1.0, "Excellent"], [2.0, "Good"], [3.0, "Poor"], [4.0, None]]
