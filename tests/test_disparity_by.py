"""NQP_GINI / NQP_THEIL with by (nqp_xl.disparity_by) held to R at 1e-8.

Reference: tests/oracles/panel_reference.R, the Dagum (1997) and Theil decompositions of the
coupling coordination degree D by NBS region, separately for each year of the bundled panel
(tests/fixtures/panel/disparity_by.csv).  D is made here as the workbook makes it
(NQP_SUBINDEX → NQP_COUPLING) and checked against R's D in tests/test_panel.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import nqp_udfs
from nqp_xl import disparity
from panel_data import RANGE, column
from test_panel import SUBSYSTEMS, one_line_error

REF = pd.read_csv(Path(__file__).resolve().parent / "fixtures" / "panel" / "disparity_by.csv")
REF["group"] = REF["group"].fillna("")
GROUPS = ["East", "Central", "West", "Northeast"]
PAIRS = [(GROUPS[j], GROUPS[h]) for j in range(4) for h in range(j + 1, 4)]
ATOL = 1e-8


@pytest.fixture(scope="module")
def d_column():
    return [[r[2]] for r in nqp_udfs.NQP_COUPLING(nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS))]


def want(year: int, measure: str, group: str = "") -> float:
    hit = REF[(REF.year == year) & (REF.measure == measure) & (REF.group == group)]
    assert len(hit) == 1, (year, measure, group)
    return float(hit.value.iloc[0])


def pair_value(year: int, a: str, b: str) -> float:
    hit = REF[(REF.year == year) & (REF.measure == "Gjh") & REF.group.isin([f"{a}|{b}", f"{b}|{a}"])]
    return float(hit.value.iloc[0])


def test_gini_by_year_matches_r(d_column):
    out = nqp_udfs.NQP_GINI(d_column, column("region"), column("year"))
    assert out[0] == ["year", "G", "Gw", "Gnb", "Gt", "Gw %", "Gnb %", "Gt %",
                      *(f"G ({g})" for g in GROUPS), *(f"G ({a}–{b})" for a, b in PAIRS)]
    years = sorted(REF.year.unique())
    # ascending; 2017 has no D (its hitech columns are blank): its row stays, blank (a gap)
    assert [r[0] for r in out[1:]] == [float(y) for y in sorted(set(years) | {2017})]
    assert [r for r in out[1:] if r[0] == 2017.0] == [[2017.0] + [None] * (len(out[0]) - 1)]
    for row in out[1:]:
        y = int(row[0])
        if y == 2017:
            continue
        g = want(y, "G")
        assert_allclose(row[1:5], [g, want(y, "Gw"), want(y, "Gnb"), want(y, "Gt")], atol=ATOL)
        assert_allclose(row[5:8], [100 * want(y, m) / g for m in ("Gw", "Gnb", "Gt")], atol=1e-6)
        assert abs(sum(row[5:8]) - 100) < 1e-9
        assert_allclose(row[8:12], [want(y, "Gjj", grp) for grp in GROUPS], atol=ATOL)
        assert_allclose(row[12:], [pair_value(y, a, b) for a, b in PAIRS], atol=ATOL)


def test_theil_by_year_matches_r(d_column):
    out = nqp_udfs.NQP_THEIL(d_column, column("region"), column("year"), "zh")
    assert out[0] == ["year", "T", "Tw", "Tb", "Tw %", "Tb %", *(f"T ({g})" for g in GROUPS)]
    for row in out[1:]:
        y = int(row[0])
        if y == 2017:  # no D that year: a blank row
            assert row[1:] == [None] * (len(row) - 1)
            continue
        t = want(y, "T")
        assert_allclose(row[1:4], [t, want(y, "Tw"), want(y, "Tb")], atol=ATOL)
        assert_allclose(row[4:6], [100 * want(y, "Tw") / t, 100 * want(y, "Tb") / t], atol=1e-6)
        assert_allclose(row[6:], [want(y, "Tj", g) for g in GROUPS], atol=ATOL)


def test_each_year_equals_the_cross_section_of_that_year(d_column):
    year = [r[0] for r in column("year")]
    region = [r[0] for r in column("region")]
    out = nqp_udfs.NQP_GINI(d_column, column("region"), column("year"))
    for row in out[1:]:
        if row[1] is None:  # 2017: no value (a blank row)
            continue
        rows = [i for i in range(1, len(year)) if year[i] == row[0]]
        one = disparity.dagum_gini([d_column[i] for i in [0] + rows], [[region[i]] for i in [0] + rows])
        assert row[1:5] == list(one.components)


def test_by_without_groups_and_a_missing_group():
    values = [["x"], [1.0], [2.0], [3.0], [4.0], [5.0], [7.0]]
    by = [["yr"], ["b"], ["b"], ["a"], ["a"], ["a"], ["b"]]
    out = nqp_udfs.NQP_GINI(values, None, by)
    assert out[0] == ["yr", "G"] and [r[0] for r in out[1:]] == ["b", "a"]   # text keys: first appearance
    groups = [["g"], ["P"], ["Q"], ["P"], ["P"], ["R"], ["R"]]
    out = nqp_udfs.NQP_THEIL(values, groups, by)
    assert out[0][-3:] == ["T (P)", "T (Q)", "T (R)"]
    rows = dict((r[0], r) for r in out[1:])
    assert None not in rows["b"]
    assert rows["a"][-2:] == [None, 0.0] and rows["a"][-3] > 0   # Q absent in "a": blank
    g = nqp_udfs.NQP_GINI(values, groups, by)
    assert g[0][-3:] == ["G (P–Q)", "G (P–R)", "G (Q–R)"]
    assert dict((r[0], r) for r in g[1:])["a"][-3] is None       # pair P–Q absent in "a"


@pytest.mark.parametrize("fn", [nqp_udfs.NQP_GINI, nqp_udfs.NQP_THEIL])
def test_by_bad_input(fn):
    one_line_error(fn(column("rd_intensity"), column("region"), column("year")[:10]), "by has 10 cells", "249 rows")
    east = [["region"]] + [["East"]] * 248
    one_line_error(fn(column("rd_intensity"), east, column("year")), 'only one group ("East")')
    one_line_error(fn([["x"], [1.0], [2.0], [3.0]], [["g"], ["A"], ["B"], ["B"]], [["y"], [1.0], [2.0], [2.0]]),
                   "1 needs at least 2 values")
    one_line_error(fn([["x"], [1.0], [2.0], [3.0], [4.0]], [["g"], ["A"], ["B"], ["A"], ["A"]],
                      [["y"], [1.0], [1.0], [2.0], [2.0]]), '2 has values of one group only ("A")')
