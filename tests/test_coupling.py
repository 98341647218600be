"""Coupling coordination degree (nqp_xl.coupling, NQP_COUPLING).

Reference figures:
* tests/oracles/composite_reference.R (base R from the SPEC's formulas) in
  tests/fixtures/coupling/, 17 significant digits, compared at 1e-8;
* the published output of the CRAN package `coupling` 0.1 (Wenbo Lyu), vignette "ccd":
  repository stscl/coupling, file articles/ccd.md (the rendered vignettes/ccd.Rmd), the first six
  rows of `coupling::ccd(dt)` and `coupling::ccd(dt, method = "wang")` on the gzma data;
* Table 5 of docs/papers/coupling-coordination-nqp-manufacturing.txt (D → Level).
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqp_udfs as udf
from nqp_xl import composite as comp
from nqp_xl.coupling import GRADES, coupling, coupling_degree, grade, level
from nqp_xl.errors import NQPError

HERE = Path(__file__).resolve().parent
DATA = HERE / "fixtures" / "data"
REF = HERE / "fixtures" / "coupling"
RTOL, ATOL = 1e-8, 1e-10


def close(actual, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol)


def ref(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name)


def excel_rows(frame: pd.DataFrame, n_labels: int) -> list[list]:
    """A frame as xlwings hands a range over: header texts, label texts, floats."""
    out = [list(map(str, frame.columns))]
    for rec in frame.itertuples(index=False):
        out.append([str(v) for v in rec[:n_labels]] + [float(v) for v in rec[n_labels:]])
    return out


SYSTEMS = ref("province_systems.csv")


def check_against(res, r: pd.DataFrame, model: str):
    close(res.T, r["T"])
    close(res.C, r[f"{model}_C"])
    close(res.D, r[f"{model}_D"])
    np.testing.assert_array_equal(res.level, r[f"{model}_level"])


# ----------------------------------------------------------------------------- against R


def test_subsystem_indices_are_entropy_indices():
    """The U columns of the R fixture are our own entropy indices of indicator groups."""
    with open(DATA / "province_2022.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    data = [rows[0]] + [[r[0]] + [float(c) for c in r[1:]] for r in rows[1:]]
    minus = {5, 10}
    groups = {"U1": range(1, 9), "U2": range(9, 16), "V1": range(1, 6), "V2": range(6, 11), "V3": range(11, 16)}
    for name, cols in groups.items():
        sub = [[r[0]] + [r[c] for c in cols] for r in data]
        dirs = [["-" if c in minus else "+" for c in cols]]
        close(comp.composite_index(sub, "entropy", dirs).index, SYSTEMS[name])


@pytest.mark.parametrize("model", ["standard", "wang"])
@pytest.mark.parametrize("fixture,cols,weights", [
    ("province_2sys.csv", ["U1", "U2"], None),
    ("province_2sys_weighted.csv", ["U1", "U2"], [0.6, 0.4]),
    ("province_3sys.csv", ["V1", "V2", "V3"], None),
    ("province_3sys_weighted.csv", ["V1", "V2", "V3"], [5.0, 3.0, 2.0]),
])
def test_province_matches_r(model, fixture, cols, weights):
    r = ref(fixture)
    rows = excel_rows(SYSTEMS[["region_name"] + cols], 1)
    res = coupling(rows, weights, model)
    check_against(res, r, model)
    if len(cols) == 2:
        assert res.relative_type() == r["type_ratio"].tolist()  # the default rule
        diff = coupling(rows, weights, model, rule="difference")
        assert diff.relative_type() == r["type"].tolist()
    # through the UDF, as Excel calls it
    out = udf.NQP_COUPLING(rows, None if weights is None else [weights], model)
    header = ["C", "T", "D", "Level", "Grade"] + (["Type"] if len(cols) == 2 else [])
    assert out[0] == header and len(out) == 32
    close([o[:4] for o in out[1:]], np.column_stack([r[f"{model}_C"], r["T"], r[f"{model}_D"], r[f"{model}_level"]]))
    assert [o[4] for o in out[1:]] == [GRADES[int(v) - 1] for v in r[f"{model}_level"]]
    if len(cols) == 2:
        assert [o[5] for o in out[1:]] == r["type_ratio"].tolist()
        out = udf.NQP_COUPLING(rows, None if weights is None else [weights], model, None, None, None, "difference")
        assert [o[5] for o in out[1:]] == r["type"].tolist()


@pytest.mark.parametrize("model", ["standard", "wang"])
def test_panel_matches_r(model):
    r = ref("panel_2sys.csv")
    rows = excel_rows(r[["province_en", "year", "U1", "U2"]], 1)  # year as a number, id_cols=2
    res = coupling(rows, None, model, id_cols=2)
    assert res.table.names == ("U1", "U2")
    check_against(res, r, model)
    out = udf.NQP_COUPLING(rows, None, model, None, 2)
    close([o[2] for o in out[1:]], r[f"{model}_D"])
    assert [o[5] for o in out[1:]] == r["type_ratio"].tolist()
    assert res.relative_type() == r["type_ratio"].tolist()
    assert coupling(rows, None, model, id_cols=2, rule="difference").relative_type() == r["type"].tolist()


@pytest.mark.parametrize("model", ["standard", "wang"])
def test_four_systems_match_r(model):
    r = ref("synthetic_4sys.csv")
    rows = excel_rows(r[["unit", "S1", "S2", "S3", "S4"]], 1)
    res = coupling(rows, None, model)
    check_against(res, r, model)
    assert res.relative_type() is None
    out = udf.NQP_COUPLING(rows, None, model)
    assert out[0] == ["C", "T", "D", "Level", "Grade"] and len(out) == 2501


# ----------------------------------------------------------------------------- published figures

# stscl/coupling, articles/ccd.md: `dt` (min-max of the four gzma scores, printed with 7
# significant digits) and the printed C and D of coupling::ccd(dt) and ccd(dt, method = "wang").
CRAN_DT = [
    [0.8179733, 0.3246648, 0.6590316, 0.1308531],
    [0.3020233, 0.1318888, 0.4046987, 0.5173794],
    [0.9209903, 0.3353516, 0.6921477, 0.3141320],
    [0.9604095, 0.3914758, 0.7099999, 0.4316421],
    [0.9061589, 0.3473603, 0.7297774, 0.6909494],
    [0.9456379, 0.4391423, 0.7304117, 0.4792905],
]
CRAN_STANDARD = [  # C, D
    [0.8051958, 0.6237105], [0.8914577, 0.5497290], [0.8999423, 0.7134825],
    [0.9346128, 0.7632959], [0.9440912, 0.7944703], [0.9519923, 0.7858001],
]
CRAN_WANG = [
    [0.4722274, 0.4776480], [0.6211236, 0.4588675], [0.5375842, 0.5514412],
    [0.5861986, 0.6045044], [0.6640321, 0.6662930], [0.6319211, 0.6402164],
]


@pytest.mark.parametrize("model,expected", [("standard", CRAN_STANDARD), ("wang", CRAN_WANG)])
def test_cran_coupling_vignette(model, expected):
    """Inputs and outputs are printed to 7 significant digits, so agreement is to 2e-7 (half a
    unit in the 7th digit, plus the inputs' own rounding), not 1e-8."""
    rows = [["PS_Score", "EL_Score", "OH_Score", "IL_Score"]] + CRAN_DT
    res = coupling(rows, None, model)
    close(np.column_stack([res.C, res.D]), expected, rtol=0, atol=2e-7)
    out = udf.NQP_COUPLING(rows, None, model)
    close([[o[0], o[2]] for o in out[1:]], expected, rtol=0, atol=2e-7)


# Table 5 of the manufacturing paper: yearly mean D and the Level it prints.
PAPER_TABLE5 = [
    (2011, 0.123, 2), (2012, 0.17, 2), (2013, 0.229, 3), (2014, 0.354, 4), (2015, 0.505, 6),
    (2016, 0.398, 4), (2017, 0.559, 6), (2018, 0.681, 7), (2019, 0.806, 9), (2020, 0.92, 10),
    (2021, 0.795, 8), (2022, 0.834, 9),
]


def test_paper_table5_levels_from_d():
    d = [row[1] for row in PAPER_TABLE5]
    assert level(d).tolist() == [float(row[2]) for row in PAPER_TABLE5]
    assert grade(level([0.505]), "zh") == ["勉强协调"]  # the paper: 2015 "barely coordinated"


# ----------------------------------------------------------------------------- the rules


def test_level_boundaries_and_grades():
    assert level([0.0, 0.0999999, 0.1, 0.1 + 0.2, 0.5, 0.8999, 0.9, 1.0]).tolist() == \
        [1, 1, 2, 4, 6, 9, 10, 10]
    assert grade(range(1, 11), "en") == list(GRADES)
    assert grade(range(1, 11), "zh") == ["极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调",
                                         "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调"]


def test_two_system_forms():
    rng = np.random.default_rng(3)
    u = rng.uniform(0.01, 1.0, size=(50, 2))
    u1, u2 = u[:, 0], u[:, 1]
    close(coupling_degree(u, "standard"), 2 * np.sqrt(u1 * u2) / (u1 + u2))
    close(coupling_degree(u, "wang"), np.sqrt((1 - abs(u1 - u2)) * u.min(1) / u.max(1)))
    # equal subsystems are perfectly coupled in both models
    close(coupling_degree(np.full((3, 3), 0.4), "standard"), 1.0)
    close(coupling_degree(np.full((3, 3), 0.4), "wang"), 1.0)


def test_relative_type_rule_and_names():
    rows = [["Region", "NQP", "MFG"], ["a", 0.5, 0.4], ["b", 0.5, 0.39], ["c", 0.3, 0.45], ["d", 0.2, 0.3]]
    res = coupling(rows, rule="difference")
    assert res.relative_type("en") == ["Synchronous", "MFG lagging", "NQP lagging", "Synchronous"]
    assert res.relative_type("zh") == ["同步型", "MFG滞后型", "NQP滞后型", "同步型"]
    # ratio (default): 0.5/0.4 = 1.25 synchronous, 0.5/0.39 > 1.25, 0.3/0.45 and 0.2/0.3 < 0.8
    assert coupling(rows).relative_type("en") == ["Synchronous", "MFG lagging", "NQP lagging", "NQP lagging"]
    out = udf.NQP_COUPLING(rows, None, None, "zh", None, None, "difference")
    assert out[0] == ["C", "T", "D", "等级序号", "等级", "类型"]
    assert [o[5] for o in out[1:]] == ["同步型", "MFG滞后型", "NQP滞后型", "同步型"]
    bare = coupling([[0.9, 0.2], [0.2, 0.9]])
    assert bare.relative_type() == ["U2 lagging", "U1 lagging"]


@pytest.mark.parametrize("u1,u2,expected", [
    (0.08, 0.1, "Synchronous"),      # ratio 0.8 exactly: inside the band
    (0.1, 0.08, "Synchronous"),      # 1.25 exactly
    (0.4, 0.5, "Synchronous"),       # 0.8 with floating-point noise
    (0.5, 0.4, "Synchronous"),       # 1.25
    (0.0799999, 0.1, "U1 lagging"),  # just below 0.8
    (0.1000001, 0.08, "U2 lagging"),  # just above 1.25
    (0.09, 0.03, "U2 lagging"),      # three times the other, gap 0.06 < 0.1
    (0.0, 0.0, "Synchronous"),       # both zero
    (0.0, 0.2, "U1 lagging"),
    (0.2, 0.0, "U2 lagging"),
])
def test_ratio_rule_boundaries(u1, u2, expected):
    assert coupling([[u1, u2]]).relative_type("en") == [expected]
    assert coupling([[u1, u2]], rule="RATIO").relative_type("en") == [expected]


@pytest.mark.parametrize("u1,u2,expected", [
    (0.5, 0.4, "Synchronous"),       # gap 0.1 exactly (0.09999999999999998 in floating point)
    (0.4, 0.5, "Synchronous"),
    (0.7, 0.6, "Synchronous"),       # 0.09999999999999998 or 0.1000000000000001: rounded to 0.1
    (0.5000001, 0.4, "U2 lagging"),
    (0.4, 0.5000001, "U1 lagging"),
    (0.09, 0.03, "Synchronous"),     # the misleading case the ratio rule fixes
])
def test_difference_rule_boundaries(u1, u2, expected):
    assert coupling([[u1, u2]], rule="difference").relative_type("en") == [expected]


def test_rule_is_checked():
    good = [["Region", "NQP", "MFG"], ["Beijing", 0.5, 0.4], ["Hebei", 0.3, 0.2]]
    nqp_error(udf.NQP_COUPLING(good, None, None, None, None, None, "gap"), 'rule="gap"', '"ratio"', '"difference"')


def test_weights_shape_t_and_are_normalised():
    rows = [["r", "A", "B"], ["x", 0.2, 0.6], ["y", 0.5, 0.5]]
    a = coupling(rows, [3.0, 1.0])
    close(a.T, [0.75 * 0.2 + 0.25 * 0.6, 0.5])
    close(coupling(rows, [[0.75], [0.25]]).D, a.D)


def test_single_zero_is_allowed_and_blank_rows_align():
    rows = [["r", "A", "B"], ["x", 0.0, 0.6], ["y", None, 0.5], ["z", 0.5, 0.5]]
    res = coupling(rows)
    close(res.C, [0.0, 1.0])
    out = udf.NQP_COUPLING(rows, None, "wang")
    assert out[1][:3] == [0.0, 0.3, 0.0]
    assert out[2] == [None] * 6
    assert out[3][3] == 8.0  # D = sqrt(1 * 0.5) = 0.707


# ----------------------------------------------------------------------------- refusals


def nqp_error(answer, *fragments):
    assert isinstance(answer, str) and answer.startswith("#NQP! "), answer
    assert len(answer) <= 255
    for f in fragments:
        assert f in answer, (f, answer)


def test_bad_input_is_named():
    good = [["Region", "NQP", "MFG"], ["Beijing", 0.5, 0.4], ["Hebei", 0.3, 0.2]]
    over = [r[:] for r in good]
    over[2][2] = 1.5
    nqp_error(udf.NQP_COUPLING(over), 'subsystem "MFG"', 'region "Hebei"', "1.5", "[0, 1]")
    neg = [r[:] for r in good]
    neg[1][1] = -0.2
    nqp_error(udf.NQP_COUPLING(neg), 'subsystem "NQP"', 'region "Beijing"')
    nqp_error(udf.NQP_COUPLING([r[:2] for r in good]), "at least 2 subsystem", "has 1")
    text = [r[:] for r in good]
    text[1][2] = "40%"
    nqp_error(udf.NQP_COUPLING(text), 'indicator "MFG"', '"Beijing"', "40%")
    nqp_error(udf.NQP_COUPLING(good, [[0.5, 0.3, 0.2]]), "weights has 3 numbers", "2 subsystems")
    nqp_error(udf.NQP_COUPLING(good, [[0.5, "x"]]), 'subsystem "MFG"', "not a number")
    nqp_error(udf.NQP_COUPLING(good, [[0.0, 0.0]]), "all zero")
    nqp_error(udf.NQP_COUPLING(good, None, "fan"), 'model="fan"', '"standard"', '"wang"')
    nqp_error(udf.NQP_COUPLING(good, None, None, "de"), 'lang "de"')
    with pytest.raises(NQPError):
        coupling([[1.2, 0.3]])


def test_rounding_noise_above_one_is_accepted():
    res = coupling([[1.0 + 1e-15, 0.5], [0.4, 0.5]])
    assert math.isfinite(res.D[0]) and res.C[0] <= 1.0


def test_relative_type_falls_back_to_u1_u2_when_headers_repeat():
    import nqp_udfs

    out = nqp_udfs.NQP_COUPLING([["Index", "Index"], [0.8, 0.2], [0.5, 0.5]])  # ratio rule
    assert out[1][-1] == "U2 lagging" and out[2][-1] == "Synchronous"


def test_all_zero_row_is_extreme_imbalance_not_an_error():
    """A panel's weakest region in the first year has U = 0 in every subsystem (min-max
    normalisation): D <= sqrt(T) = 0, so C = T = D = 0, level 1, in both models."""
    rows = [["Region", "NQP", "MFG", "GRN"], ["Beijing", 0.5, 0.4, 0.6], ["Xizang", 0.0, 0.0, 0.0],
            ["Hebei", 0.3, 0.0, 0.2]]
    for model in ("standard", "wang"):
        res = coupling(rows, model=model)
        assert res.C[1] == 0.0 and res.T[1] == 0.0 and res.D[1] == 0.0
        assert res.level[1] == 1
        assert res.C[2] == 0.0 and res.C[0] > 0.5
        assert np.isfinite(res.C).all()
    answer = udf.NQP_COUPLING([r[:3] for r in rows])
    assert answer[2][:5] == [0.0, 0.0, 0.0, 1.0, "Extreme imbalance"]
