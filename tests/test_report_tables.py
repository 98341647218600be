"""Report helpers (nqp_xl.report_tables): NQP_GAPS, NQP_SORT, NQP_RELABEL.

No reference software computes these: NQP_GAPS is checked against the rows that
``check_table`` itself leaves out (``Table.keep``), row for row, on the bundled panel and on
small tables whose gaps are written out by hand; NQP_SORT against Python's stable sort.
"""
from __future__ import annotations

import numpy as np
import pytest

import nqp_udfs as udf
from nqp_xl.report_tables import gaps, relabel, sort_rows
from nqp_xl.table import check_table
from panel_data import RANGE

HITECH = "hitech_enterprises, hitech_revenue, hitech_profit, hitech_profit_margin"


def covered(res) -> set[int]:
    return set().union(*(g.members for g in res.entries)) if res.entries else set()


def left_out(data, id_cols=None) -> set[int]:
    return set(np.flatnonzero(~check_table(data, id_cols=id_cols).keep).tolist())


# ----------------------------------------------------------------------------- gaps


def test_bundled_panel_gaps_name_2017_tibet_and_xinjiang():
    out = udf.NQP_GAPS(RANGE, "province_en", "year", None, 4)
    assert out == [
        ["Left out", "Which", "Blank indicators", "Rows"],
        ["Year", 2017.0, HITECH, 31.0],
        ["Region", "Tibet", "ind_new_product_exports", 8.0],
        ["Region-year", "Xinjiang 2018, 2020, 2021, 2022, 2023", "ind_new_product_exports", 5.0],
    ]
    res = gaps(RANGE, "province_en", "year", id_cols=4)
    assert covered(res) == left_out(RANGE, 4)
    zh = udf.NQP_GAPS(RANGE, "province", "year", "zh", 4)
    assert zh[0] == ["剔除", "对象", "缺失指标", "行数"]
    assert zh[1] == ["年份", 2017.0, HITECH.replace(", ", "、"), 31.0]
    assert zh[2] == ["地区", "西藏", "ind_new_product_exports", 8.0]
    assert zh[3] == ["地区-年份", "新疆 2018、2020、2021、2022、2023", "ind_new_product_exports", 5.0]
    # by column number too, and as 1 x 1 ranges (as Excel hands a cell over)
    assert udf.NQP_GAPS(RANGE, 2, 4, None, 4) == out
    assert udf.NQP_GAPS(RANGE, [["province_en"]], [["year"]], None, 4) == out
    # by default: the first label column, and the column headed "year" (a number column after the labels)
    assert udf.NQP_GAPS(RANGE, None, None, "zh") == zh
    assert udf.NQP_GAPS(RANGE, "province_en") == out


def test_the_rows_named_are_exactly_those_check_table_leaves_out():
    rng = np.random.default_rng(7)
    head = ["Region", "Year", "a", "b", "c"]
    rows = [head]
    for r in range(6):
        for y in (2019.0, 2020.0, 2021.0):
            rows.append([f"R{r}", y] + rng.random(3).tolist())
    for i, j in zip(rng.integers(1, len(rows), 8).tolist(), rng.integers(2, 5, 8).tolist()):
        rows[i][j] = None if (i + j) % 2 else "#N/A"
    for r in rows[1:]:
        if r[1] == 2020.0:
            r[3] = None  # a year blank for every region
    res = gaps(rows, id_cols=2)
    assert covered(res) == left_out(rows, 2)
    assert res.entries[0].kind == "Year" and res.entries[0].which == 2020.0
    # each left-out row is named by a year, a region or a region-year entry
    assert sum(g.rows for g in res.entries if g.kind == "Region-year") == len(
        left_out(rows, 2) - set().union(*(g.members for g in res.entries if g.kind != "Region-year")))


def test_order_year_region_region_year_and_indicator_choice():
    rows = [["Region", "Year", "x", "y", "z"],
            ["A", 2020.0, 1.0, 2.0, 3.0], ["B", 2020.0, 1.0, None, 3.0], ["C", 2020.0, None, 2.0, 3.0],
            ["A", 2021.0, None, 2.0, None], ["B", 2021.0, None, 2.0, 3.0], ["C", 2021.0, None, None, 3.0],
            ["A", 2019.0, 1.0, 2.0, 3.0], ["B", 2019.0, 1.0, None, 3.0], ["C", 2019.0, 1.0, 2.0, None],
            ["A", 2022.0, 1.0, 2.0, 3.0], ["B", 2022.0, 1.0, None, 3.0], ["C", 2022.0, 1.0, 2.0, 3.0]]
    res = gaps(rows)  # defaults: Region, and Year (a number column headed "Year" after the labels)
    out = res.to_rows()
    # 2021: x blank for every region; B: blank in every year (y outside 2021); C 2019, 2020
    assert out == [["Left out", "Which", "Blank indicators", "Rows"],
                   ["Year", 2021.0, "x", 3.0],
                   ["Region", "B", "y", 4.0],
                   ["Region-year", "C 2019, 2020", "x, z", 2.0]]
    assert out == gaps(rows, id_cols=2).to_rows()
    assert covered(res) == left_out(rows, 2)


def test_years_whose_regions_share_no_blank_list_the_union():
    rows = [["Region", "Year", "x", "y"], ["A", 2020.0, None, 1.0], ["B", 2020.0, 1.0, None],
            ["A", 2021.0, 1.0, 1.0], ["B", 2021.0, 1.0, 1.0]]
    assert udf.NQP_GAPS(rows, None, None, None, 2)[1] == ["Year", 2020.0, "x, y", 2.0]


def test_cross_section_names_each_incomplete_region():
    rows = [["Region", "x", "y"], ["A", 1.0, 2.0], ["B", None, 2.0], ["C", 1.0, "#DIV/0!"], ["D", None, None]]
    out = udf.NQP_GAPS(rows)
    assert out == [["Left out", "Which", "Blank indicators", "Rows"], ["Region", "B", "x", 1.0],
                   ["Region", "C", "y", 1.0], ["Region", "D", "x, y", 1.0]]
    assert covered(gaps(rows)) == left_out(rows)


def test_nothing_left_out_is_one_none_row():
    rows = [["Region", "x"], ["A", 1.0], ["B", 2.0]]
    assert udf.NQP_GAPS(rows) == [["Left out", "Which", "Blank indicators", "Rows"], ["None", None, None, 0.0]]
    # rows blank in every cell (a range reaching below the table) hold no region: not named
    assert udf.NQP_GAPS(rows + [[None, None], ["", None]]) == udf.NQP_GAPS(rows)
    panel = [["Region", "Year", "x"], ["A", 2020.0, 1.0], ["B", 2020.0, None], ["A", 2021.0, 2.0], ["B", 2021.0, 3.0]]
    out = udf.NQP_GAPS(panel + [[None, None, None]], None, None, None, 2)
    assert out == udf.NQP_GAPS(panel, None, None, None, 2) and out[1] == ["Region-year", "B 2020", "x", 1.0]
    assert udf.NQP_GAPS(rows, None, None, "zh")[1] == ["无", None, None, 0.0]


def test_gaps_refusals_name_the_argument():
    rows = [["Region", "Year", "x"], ["A", 2020.0, 1.0], ["B", 2020.0, None]]
    out = udf.NQP_GAPS(rows, "province", None, None, 2)
    assert out.startswith("#NQP! ") and 'ids "province" is not a header' in out
    out = udf.NQP_GAPS(rows, None, 9, None, 2)
    assert out.startswith("#NQP! ") and "years 9 is not a column" in out
    out = udf.NQP_GAPS([["Region", "x"], ["A", "1,5"]])
    assert out.startswith("#NQP! ") and '"x"' in out


# ----------------------------------------------------------------------------- sort

SCORES = [["Region", "F", "Grade"], ["A", 0.2, "Good"], ["B", None, "n/a"], ["C", 0.9, "Excellent"],
          [None, None, None], ["D", 0.2, "Good"], ["E", "x", "n/a"], ["F", -0.5, "Poor"]]


def test_sort_descending_keeps_header_drops_blank_rows_and_is_stable():
    out = udf.NQP_SORT(SCORES, "F")
    assert [r[0] for r in out] == ["Region", "C", "A", "D", "F", "B", "E"]
    assert out[1] == ["C", 0.9, "Excellent"] and out[5] == ["B", None, "n/a"]
    assert udf.NQP_SORT(SCORES, 2) == out
    assert udf.NQP_SORT(SCORES, [["F"]]) == out
    assert udf.NQP_SORT(SCORES, "f") == out  # header names are case-insensitive


def test_sort_ascending_and_top_n():
    up = udf.NQP_SORT(SCORES, "F", False)
    assert [r[0] for r in up] == ["Region", "F", "A", "D", "C", "B", "E"]
    assert [r[0] for r in udf.NQP_SORT(SCORES, "F", True, 2)] == ["Region", "C", "A"]
    assert [r[0] for r in udf.NQP_SORT(SCORES, "F", False, 1)] == ["Region", "F"]


def test_sort_without_header_and_text_column_header():
    plain = [["A", 1.0], ["B", 3.0], ["C", 2.0]]
    assert udf.NQP_SORT(plain, 2) == [["B", 3.0], ["C", 2.0], ["A", 1.0]]
    # no column holds numbers: row 1 is a header when by names one of its cells
    words = [["Grade", "Regions"], ["Good", "A, D"], ["Excellent", "C"]]
    assert udf.NQP_SORT(words, "Grade") == words
    out = udf.NQP_SORT(plain, "F")
    assert out.startswith("#NQP! ") and "no header row" in out


def test_sort_matches_a_stable_sort_on_many_rows():
    rng = np.random.default_rng(3)
    vals = rng.integers(0, 20, 500).astype(float)
    rows = [["id", "v"]] + [[f"r{i}", v] for i, v in enumerate(vals.tolist())]
    out = sort_rows(rows, "v")
    expected = sorted(rows[1:], key=lambda r: -r[1])
    assert out[1:] == expected


def test_sort_refusals():
    out = udf.NQP_SORT(SCORES, "G")
    assert out.startswith("#NQP! ") and 'by "G" is not a header' in out
    out = udf.NQP_SORT(SCORES, "F", True, 0)
    assert out.startswith("#NQP! ") and "n=0" in out
    out = udf.NQP_SORT(SCORES, "F", "maybe")
    assert out.startswith("#NQP! ") and "descending" in out


# ----------------------------------------------------------------------------- relabel


def test_relabel_replaces_names_and_log_forms_leaves_numbers():
    table = [["Variable", "Coef."], ["ln(rd_fte)", 0.31], ["rd_fte", 0.2], ["LOG(patents)", 1.0],
             ["patents", None], ["_cons", 2.0], [3.0, "other"]]
    names = [["rd_fte", "patents", "hitech"]]
    labels = [["R&D staff", None, "High-tech"]]
    out = relabel(table, names, labels)
    assert out == [["Variable", "Coef."], ["ln(R&D staff)", 0.31], ["R&D staff", 0.2], ["LOG(patents)", 1.0],
                   ["patents", None], ["_cons", 2.0], [3.0, "other"]]


def test_relabel_lists_of_names_as_gaps_joins_them():
    names, labels = [["rd_fte", "hitech"]], [["R&D staff", "High-tech"]]
    out = relabel([["rd_fte, hitech", "hitech、rd_fte", "rd_fte, other"]], names, labels)
    assert out == [["R&D staff, High-tech", "High-tech、R&D staff", "rd_fte, other"]]  # all names, or left as is
    titles = relabel([["Equation 1: ln(rd_fte)", "方程 2：hitech", "Note: other", "W*ln(hitech)", "W*other"]],
                     names, labels)
    assert titles == [["Equation 1: ln(R&D staff)", "方程 2：High-tech", "Note: other", "W*ln(High-tech)", "W*other"]]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_relabel_column_shapes(lang):
    names = [["a"], ["b"]]
    labels = [["甲"], ["乙"]]
    assert relabel([["a", "b", "c"]], names, labels) == [["甲", "乙", "c"]]


def test_relabel_through_the_udf():
    loadings = [["Indicator", "F1"], ["rd_fte", 0.9], ["hitech", 0.2]]
    out = udf.NQP_RELABEL(loadings, [["rd_fte"], ["hitech"]], [["R&D 人员"], ["高技术企业"]])
    assert out == [["Indicator", "F1"], ["R&D 人员", 0.9], ["高技术企业", 0.2]]
    assert udf.NQP_RELABEL("ln(rd_fte)", [["rd_fte"]], [["R&D staff"]]) == "ln(R&D staff)"
    bad = udf.NQP_RELABEL(loadings, [["rd_fte", "hitech"]], [["R&D staff"]])
    assert bad.startswith("#NQP! ") and "names has 2 cells but labels has 1" in bad
