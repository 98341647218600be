"""Every NQP_ function as Excel on Windows calls it: through xlwings' own ``call_udf``,
``conversion.read``/``conversion.write`` with the options each function declares, and the
Windows engine's value cleaning from the installed xlwings source (``tests/excel_com.py``).

Arguments arrive as COM hands them over (tuples of rows, a single cell as its value, error
cells as int codes, dates as pywin32 datetimes, omitted arguments as DISP_E_PARAMNOTFOUND).
Each answer must equal the direct call's (blanks "" instead of None), hold only what COM
takes without help (str, float, bool; rectangular rows), and pass xlwings' default writer
unchanged.
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqp_udfs
from excel_com import MISSING, ComRange, com_value, decimal_cell, excel
from nqp_xl.excel_answer import com_safe
from nqp_xl.provinces import bundled_weights
from panel_data import RANGE as PANEL
from panel_data import as_range

HERE = Path(__file__).resolve().parent
EQUATION_DATA = as_range(pd.read_csv(HERE / "fixtures" / "panel" / "equation_data.csv"))
EQS = ("NQP ~ ln(gov_education_spending) + ln(rd_expenditure) + ln(valid_invention_patents) + Manufacturing; "
       "Manufacturing ~ ln(invention_patent_applications) + ln(tech_market_outflow) + hitech_profit_margin + NQP")


class Ref:
    """A cell reference in the formula (COM hands a Range object over); other arguments are
    values typed into the formula."""

    def __init__(self, rows):
        self.rows = rows


def col(rows, name):
    j = rows[0].index(name)
    return [[r[j]] for r in rows]


YEAR = PANEL[0].index("year")
INDICATORS = PANEL[0][4:12]
CROSS = [["province_en", *INDICATORS]] + [[r[1], *r[4:12]] for r in PANEL[1:] if r[YEAR] == 2022.0]
PANEL_X = [[r[1], r[2], r[3], *r[4:12]] for r in PANEL]  # province_en, region, year, 8 indicators
SUBS = [[None] + ["Innovation"] * 4 + ["Industry"] * 4]
DIRS = [["+"] * 7 + ["-"]]
F_COL = [[r[-2]] for r in nqp_udfs.NQP_FACTORS(CROSS, 2)]
SYSTEMS = nqp_udfs.NQP_SUBINDEX(CROSS, SUBS)
INDEX = nqp_udfs.NQP_INDEX(PANEL_X, None, None, None, 3)  # the composite index of the panel (3 label columns)
D_COL = [[r[2]] for r in nqp_udfs.NQP_COUPLING(SYSTEMS)]
W = bundled_weights("contiguity", lang="en")
IDS, YEARS, REGIONS = col(PANEL_X, "province_en"), col(PANEL_X, "year"), col(PANEL_X, "region")
CROSS_IDS = [[r[0]] for r in CROSS]
LOADINGS = nqp_udfs.NQP_LOADINGS(CROSS, 2)
PEQ = "ln(rd_expenditure) ~ ln(rd_personnel_fte) + rd_intensity"
SDM_EQ = "ln(invention_patent_applications) ~ ln(rd_personnel_fte) + ln(gov_sci_tech_spending) + rd_intensity"
BEIJING = [r for r in PANEL_X if r[0] == "Beijing"]
AHP_MATRIX = [[None, "Tech", "Green", "Open"], ["Tech", 1.0, 3.0, "5"], ["Green", "1/3", 1.0, 2.0], ["Open", 0.2, 0.5, 1.0]]

# (label, function, arguments as written in the formula)
CALLS = [
    ("version", "NQP_VERSION", ()),
    ("kmo", "NQP_KMO", (Ref(CROSS),)),
    ("msa zh", "NQP_MSA", (Ref(CROSS), "zh")),
    ("bartlett", "NQP_BARTLETT", (Ref(CROSS),)),
    ("variance", "NQP_VARIANCE", (Ref(CROSS), 2.0)),
    ("loadings unrotated", "NQP_LOADINGS", (Ref(CROSS), MISSING, 0.85, False)),
    ("scorecoef", "NQP_SCORECOEF", (Ref(CROSS), 2.0)),
    ("factors", "NQP_FACTORS", (Ref(CROSS), 2.0)),
    ("score", "NQP_SCORE", (Ref(CROSS), MISSING, MISSING, "zh")),
    ("describe", "NQP_DESCRIBE", (Ref(CROSS),)),
    ("cluster", "NQP_CLUSTER", (Ref(F_COL), 4.0, "优,良,中,差")),
    ("standardize", "NQP_STANDARDIZE", (Ref(CROSS), "minmax", Ref(DIRS))),
    ("weights", "NQP_WEIGHTS", (Ref(CROSS), "critic")),
    ("index panel", "NQP_INDEX", (Ref(PANEL_X), MISSING, MISSING, MISSING, Ref([[3.0]]))),
    ("topsis", "NQP_TOPSIS", (Ref(CROSS), MISSING, Ref(DIRS))),
    ("obstacle", "NQP_OBSTACLE", (Ref(CROSS),)),
    ("coupling", "NQP_COUPLING", (Ref(SYSTEMS),)),
    ("gini", "NQP_GINI", (Ref(INDEX), Ref([["region"]] + REGIONS[1:]))),
    ("gini by", "NQP_GINI", (Ref(INDEX), Ref(REGIONS), Ref(YEARS))),
    ("theil by", "NQP_THEIL", (Ref(INDEX), Ref(REGIONS), Ref(YEARS), "zh")),
    ("3sls", "NQP_3SLS", (Ref(EQUATION_DATA), EQS)),
    ("select", "NQP_SELECT", (Ref(PANEL), "year", Ref([[2022.0]]))),
    ("subindex", "NQP_SUBINDEX", (Ref(CROSS), Ref(SUBS))),
    ("pivot", "NQP_PIVOT", (Ref(INDEX), Ref(YEARS), Ref(REGIONS))),
    ("pivot sd", "NQP_PIVOT", (Ref(INDEX), Ref(YEARS), MISSING, "sd")),
    ("level", "NQP_LEVEL", (Ref(D_COL),)),
    ("rank", "NQP_RANK", (Ref(INDEX), Ref(YEARS), Ref(IDS))),
    ("corr", "NQP_CORR", (Ref(CROSS),)),
    ("communalities", "NQP_COMMUNALITIES", (Ref(CROSS), 2.0)),
    ("regtable", "NQP_REGTABLE", (Ref(EQUATION_DATA), EQS)),
    ("kdensity", "NQP_KDENSITY", (Ref(INDEX), Ref(YEARS), 20.0)),
    ("convergence sigma", "NQP_CONVERGENCE", (Ref(INDEX), Ref(IDS), Ref(YEARS))),
    ("convergence beta", "NQP_CONVERGENCE", (Ref(INDEX), Ref(IDS), Ref(YEARS), "beta")),
    ("markov", "NQP_MARKOV", (Ref(INDEX), Ref(IDS), Ref(YEARS), 4.0)),
    ("moran", "NQP_MORAN", (Ref(INDEX), Ref(IDS), Ref(W), Ref(YEARS))),
    ("lisa", "NQP_LISA", (Ref([r[-1:] for r in nqp_udfs.NQP_INDEX(CROSS)]), Ref(CROSS_IDS), Ref(W), 99.0)),
    ("gaps", "NQP_GAPS", (Ref(PANEL), Ref([["province_en"]]), "year", MISSING, 4.0)),
    ("sort top 5", "NQP_SORT", (Ref(CROSS), INDICATORS[1], False, 5.0)),
    ("relabel", "NQP_RELABEL", (Ref(LOADINGS), Ref([INDICATORS[:2]]), Ref([["R&D staff", "R&D 经费"]]))),
    ("panelreg twoways dk", "NQP_PANELREG", (Ref(PANEL_X), PEQ, Ref([["province_en"]]), "year", "fe", "twoways", "dk")),
    ("hausman zh", "NQP_HAUSMAN", (Ref(PANEL_X), PEQ, MISSING, MISSING, "zh")),
    ("threshold", "NQP_THRESHOLD", (Ref(PANEL_X), "ln(rd_expenditure) ~ gov_education_spending", "rd_intensity",
                                    "rd_personnel_fte", "province_en", "year", 1.0, 10.0)),
    ("mediation", "NQP_MEDIATION", (Ref(PANEL_X), "gov_sci_tech_spending", "rd_personnel_fte", "rd_expenditure",
                                    Ref([["rd_intensity"]]), "province_en", "year", "fe", 20.0)),
    ("grey", "NQP_GREY", (Ref(CROSS), MISSING, 0.5, Ref(DIRS))),
    ("grey reference", "NQP_GREY", (Ref(CROSS), INDICATORS[1])),
    ("gm11", "NQP_GM11", (Ref([[r[3]] for r in BEIJING]), Ref([[r[2]] for r in BEIJING]), 2.0, "zh")),
    ("ahp", "NQP_AHP", (Ref(AHP_MATRIX),)),
    ("rsr", "NQP_RSR", (Ref(CROSS), Ref(DIRS), MISSING, MISSING, MISSING, 4.0)),
    ("geodetector", "NQP_GEODETECTOR", (Ref([r[:2] for r in CROSS]), Ref([r[2:5] for r in CROSS]), 4.0)),
    ("smarkov", "NQP_SMARKOV", (Ref(INDEX), Ref(IDS), Ref(YEARS), Ref(W), 3.0)),
    ("sdm", "NQP_SDM", (Ref(PANEL_X), SDM_EQ, Ref([["province_en"]]), Ref(W), "year", "individual",
                        MISSING, MISSING, MISSING, 100.0)),
]


@pytest.fixture(scope="module")
def xl():
    with excel() as session:
        yield session


def through_com(args) -> tuple:
    return tuple(ComRange(com_value(a.rows)) if isinstance(a, Ref) else a for a in args)


def direct(name, args):
    """The direct call, as the workbook engine and a notebook make it (lists of rows)."""
    fn = getattr(nqp_udfs, name)
    return fn(*[a.rows if isinstance(a, Ref) else (None if a is MISSING else a) for a in args])


def assert_com_safe(answer) -> None:
    """What COM takes without help: a str, float or bool, or rectangular rows of them."""
    cells = [answer] if not isinstance(answer, list) else [v for r in answer for v in r]
    if isinstance(answer, list):
        assert all(type(r) is list for r in answer) and len({len(r) for r in answer}) == 1
    for v in cells:
        assert type(v) in (str, float, bool), (type(v), v)
        assert not (type(v) is float and not math.isfinite(v))


def test_every_function_is_called():
    assert {name for _, name, _ in CALLS} == set(nqp_udfs.__all__)


def test_every_function_is_declared_by_nqp_udf():
    """@nqp_udf records __xlfunc__ off Windows too (xw.func alone records nothing here)."""
    assert all(hasattr(getattr(nqp_udfs, n), "__xlfunc__") for n in nqp_udfs.__all__)


def test_every_argument_is_raw_and_ranges_are_two_dimensional(xl):
    for name in sorted(nqp_udfs.__all__):
        xlf = getattr(xl.module, name).__xlfunc__
        mine = getattr(nqp_udfs, name).__xlfunc__  # recorded by the decorator off Windows
        assert xlf["category"] == "nqp-xl" and xlf["ret"]["options"]["convert"].__name__ == "ExcelAnswer"
        for a, b in zip(xlf["args"], mine["args"]):
            assert a["options"]["convert"] == "raw" and a["options"] == b["options"] and a["name"] == b["name"]
            assert a["doc"] == b["doc"] and a.get("optional", "-") == b.get("optional", "-")
        assert len(xlf["args"]) == len(mine["args"])


@pytest.mark.parametrize("label,name,args", CALLS, ids=[c[0] for c in CALLS])
def test_answer_through_xlwings_equals_the_direct_call(xl, label, name, args):
    from xlwings import conversion

    got = xl.call(name, *through_com(args))
    want = direct(name, args)
    assert not (isinstance(want, str) and want.startswith("#NQP!")), want
    assert got == com_safe(want)
    assert_com_safe(got)
    # xlwings' default writer (the Windows engine's prepare_xl_data_element) leaves it as it is
    assert conversion.write(got, None, {}) == (got if isinstance(got, list) else [[got]])


# ----------------------------------------------------------------------------- cells Excel sends

ROWS = [["region", "a", "b", "c"], ["p", 1.0, 2.0, 4.0], ["q", 3.0, 1.0, 2.5], ["r", 4.0, 1.5, 1.0],
        ["s", 5.0, 0.5, 3.0], ["t", 2.0, 2.5, 2.0], ["u", 3.5, 3.0, 0.5]]


def with_cell(rows, i, j, value):
    out = [list(r) for r in rows]
    out[i][j] = value
    return out


@pytest.mark.parametrize("error", ["#DIV/0!", "#N/A", "#VALUE!", "#REF!"])
def test_an_error_cell_is_missing_its_row_left_out(xl, error):
    """An error cell arrives as its int code (the default converters made it None, unseen)."""
    rows = with_cell(ROWS, 3, 2, error)
    got = xl.call("NQP_INDEX", ComRange(com_value(rows)), MISSING, MISSING, MISSING, MISSING, MISSING)
    assert got[3] == [""] and got == com_safe(nqp_udfs.NQP_INDEX(with_cell(ROWS, 3, 2, None)))
    refused = xl.call("NQP_INDEX", ComRange(com_value(rows)), MISSING, MISSING, MISSING, MISSING, "error")
    assert refused == ('#NQP! indicator "b", region "r" (row 4, column C of the range) is blank or an error; '
                       'fill it in, or leave missing="listwise" to skip the row')


def test_blank_cells_as_none_or_empty_text_are_missing(xl):
    for blank in (None, ""):
        got = xl.call("NQP_STANDARDIZE", ComRange(com_value(with_cell(ROWS, 2, 1, blank))))
        assert got[2] == ["", "", ""] and all(v != "" for r in got[1:2] + got[3:] for v in r)


def test_a_date_in_an_indicator_column_is_an_error_naming_the_cell(xl):
    rows = with_cell(ROWS, 5, 3, dt.datetime(2021, 3, 1))
    got = xl.call("NQP_WEIGHTS", ComRange(com_value(rows)))
    assert got == ('#NQP! indicator "c", region "t" (row 6, column D of the range) holds the date 2021-03-01, '
                   'not a number; format the cell as a number')


def test_currency_cells_are_numbers(xl):
    """A Currency-formatted cell's Value is a Decimal (pywin32, VT_CY)."""
    rows = [[decimal_cell(v) if type(v) is float else v for v in r] for r in ROWS]
    assert xl.call("NQP_INDEX", ComRange(com_value(rows))) == com_safe(nqp_udfs.NQP_INDEX(ROWS))


def test_a_single_cell_arrives_as_its_value(xl):
    """One-cell ranges (a key column of one row, a 1 x 1 weights range) come as scalars."""
    got = xl.call("NQP_SELECT", ComRange(com_value(ROWS)), ComRange("region"), ComRange("q"))
    assert got == [ROWS[0], ROWS[2]]
    assert xl.call("NQP_PIVOT", ComRange(5.0), ComRange(2020.0)) == [["", "Mean"], [2020.0, 5.0]]


def test_an_inner_failure_is_passed_on(xl):
    bad = xl.call("NQP_INDEX", ComRange(com_value(with_cell(ROWS, 2, 1, "n/a"))))
    assert bad.startswith("#NQP! ") and "n/a" in bad
    assert xl.call("NQP_RANK", ComRange(bad), ComRange(2020.0), ComRange("x")) == bad
    ref = xl.call("NQP_PIVOT", ComRange(-2146826265), ComRange(((2020.0,), (2021.0,))))
    assert ref.startswith("#NQP! an argument is the single error #REF!")


def test_scalar_options_as_cells(xl):
    """A scalar argument given as a cell: its value; an error cell is named, not taken as a number."""
    assert xl.call("NQP_CLUSTER", ComRange(com_value(F_COL)), ComRange(3.0)) == com_safe(nqp_udfs.NQP_CLUSTER(F_COL, 3))
    got = xl.call("NQP_CLUSTER", ComRange(com_value(F_COL)), ComRange(-2146826246))
    assert got == "#NQP! k is the error #N/A; the cell it refers to must hold a value"
    assert nqp_udfs.NQP_CLUSTER(F_COL, "#N/A") == got  # the engine hands the error over as its text
    inner = xl.call("NQP_INDEX", ComRange(com_value(with_cell(ROWS, 2, 1, "n/a"))))
    assert xl.call("NQP_CLUSTER", ComRange(com_value(F_COL)), ComRange(inner)) == inner
    assert xl.call("NQP_KMO", ComRange(com_value(CROSS)), "fr") == '#NQP! lang "fr" is not known; use "en" or "zh"'


def test_a_failure_answers_one_line_not_a_traceback(xl):
    got = xl.call("NQP_VARIANCE", ComRange(com_value(CROSS)), "many")
    assert got == '#NQP! n_factors must be a whole number, not "many"'
    np.testing.assert_equal(xl.call("NQP_KMO", ComRange(com_value(CROSS))), nqp_udfs.NQP_KMO(CROSS))


def test_label_cells_as_com_hands_them_over():
    """Tuples of rows; a label cell holding an error code or a date reads as its text."""
    from nqp_xl.table import check_table

    rows = com_value([["region", "a", "b"], ["x", 1.0, 2.0], ["#N/A", 2.0, 3.0], [dt.datetime(2020, 1, 2), 3.0, 1.0],
                      ["w", 4.0, 5.0]])
    t = check_table(rows, id_cols=1)
    assert t.labels == (("x",), ("#N/A",), ("2020-01-02",), ("w",)) and t.values.tolist()[1] == [2.0, 3.0]
    assert check_table(rows, id_cols=1) is t  # the same COM range again: recognised, not converted
