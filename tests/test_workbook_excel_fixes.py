"""Excel built-ins the report sheets use, evaluated by the refresh engine as Excel evaluates them.

Each formula is written into a small workbook (XlsxWriter), refreshed by
``nqp_xl.workbook.engine.recalc.refresh_package`` and read back (openpyxl).  The expected answers are
Excel's, from Microsoft's function references: TEXT (number format sections: positive;negative;
zero, the negative section shown without an automatic minus), TEXTJOIN (ignore_empty skips
empty cells and empty texts), LOOKUP (vector form; array form: first row when wider than tall,
else first column, the answer from the last row or column), FILTER (spills; if_empty), INDEX,
IFERROR, TODAY (the date of the recalculation), ROWS/COLUMNS (of a range or an array).
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import xlsxwriter

import nqp_udfs
from nqp_xl.workbook.engine.recalc import refresh_package
from nqp_xl.workbook.ooxml.package import read_package

KAISER = ('LOOKUP({x},{{0,0.5,0.6,0.7,0.8,0.9}},{{"unacceptable","miserable","mediocre","middling",'
          '"meritorious","marvellous"}})')

CASES = [
    ('=TEXT(0.8234,"0.000")', "0.823"),
    ('=TEXT(0.5,"0.0%")', "50.0%"),
    ('=TEXT(2017,"0")', "2017"),
    ('=TEXT(-3,"0.0")', "-3.0"),
    ('=TEXT(2,"+0;-0;0")', "+2"),          # rank change: positive section
    ('=TEXT(-2,"+0;-0;0")', "-2"),         # negative section, no second minus
    ('=TEXT(0,"+0;-0;0")', "0"),           # zero section
    ('=TEXT(-0.05,"+0.0%;-0.0%")', "-5.0%"),
    ('=TEXT(0.05,"+0.0%;-0.0%")', "+5.0%"),
    ('=TEXT(-1.5,"0.0;(0.0)")', "(1.5)"),
    ('=TEXT(1234.5,"#,##0.0")', "1,234.5"),
    ('=' + KAISER.format(x="0.75"), "middling"),
    ('=' + KAISER.format(x="0.93"), "marvellous"),
    ('=' + KAISER.format(x="0.5"), "miserable"),
    ('=' + KAISER.format(x="0.41"), "unacceptable"),
    ('=LOOKUP(0.65,{0;0.5;0.6;0.7},{"u";"m";"me";"mi"})', "me"),
    ('=IFERROR(LOOKUP(0.1,{0.5,1},{"a","b"}),"below")', "below"),
    ('=LOOKUP(0.3,{0,0.5,1;10,20,30})', 10.0),   # array form, wider than tall: first row, last row
    ('=LOOKUP(0.3,{0,10;0.5,20;1,30})', 10.0),   # taller than wide: first column, last column
    ('=TEXTJOIN(", ",TRUE,"a","","b")', "a, b"),
    ('=TEXTJOIN("、",TRUE,A2:A5)', "Beijing、Hebei、Tibet"),   # A5 is blank
    ('=TEXTJOIN(", ",FALSE,"a","","b")', "a, , b"),
    ('=TEXTJOIN(", ",TRUE,FILTER(A2:A4,B2:B4>0.1))', "Beijing, Hebei"),
    ('=IFERROR(INDEX(FILTER(A2:A4,B2:B4>5),1),"none")', "none"),
    ('=FILTER(A2:A4,B2:B4>5,"none")', "none"),
    ('=INDEX(A1:B4,2,1)', "Beijing"),
    ('=INDEX(A2:A4,MATCH(MAX(B2:B4),B2:B4,0))', "Beijing"),
    ('=IFERROR(1/0,"x")', "x"),
    ('=IFERROR(NA(),"y")', "y"),
    ('=ROWS(A2:A4)', 3.0),
    ('=COLUMNS(A1:B1)', 2.0),
    ('=ROWS(FILTER(A2:A4,B2:B4>0.1))', 2.0),
    ('=ROWS({1;2})', 2.0),
]


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("excel_fixes")
    src = folder / "builtins.xlsx"
    wb = xlsxwriter.Workbook(src)
    ws = wb.add_worksheet("S")
    ws.write_column("A1", ["Region", "Beijing", "Hebei", "Tibet"])
    ws.write_column("B1", ["F", 0.9, 0.2, 0.05])
    for i, (formula, _) in enumerate(CASES, start=1):
        ws.write_formula(f"D{i}", formula)
    ws.write_formula("F1", "=TODAY()")
    ws.write_formula("F2", '=TEXT(TODAY(),"yyyy-mm-dd")')
    ws.write_dynamic_array_formula("H1", "=FILTER(A2:B4,B2:B4>0.1)")
    wb.close()
    pkg = read_package(str(src))
    before = dt.date.today()
    report, _engine = refresh_package(pkg, [nqp_udfs])
    after = dt.date.today()
    out = folder / "builtins.refreshed.xlsx"
    out.write_bytes(pkg.to_bytes())
    return openpyxl.load_workbook(out, data_only=True)["S"], report, (before, after)


@pytest.mark.parametrize("row", range(1, len(CASES) + 1), ids=[c[0] for c in CASES])
def test_builtin_answers_as_excel(refreshed, row):
    sheet, _report, _days = refreshed
    formula, expected = CASES[row - 1]
    assert sheet[f"D{row}"].value == expected, formula


def test_today_is_the_refresh_date(refreshed):
    sheet, report, (before, after) = refreshed
    assert "S!F1" not in report.kept
    serial = sheet["F1"].value
    day = dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))
    assert before <= day <= after
    assert sheet["F2"].value in (before.isoformat(), after.isoformat())


def test_filter_spills_the_matching_rows(refreshed):
    sheet, _report, _days = refreshed
    assert [[c.value for c in r] for r in sheet["H1:I2"]] == [["Beijing", 0.9], ["Hebei", 0.2]]
    assert sheet["H3"].value is None
