"""nqp-xl publish: values only, no macros, no NQP formulas, text stays text."""
from __future__ import annotations

import csv
import hashlib

import openpyxl
import pytest

from workbook_helpers import DATA, formula_cells, nqp, parts

INJECTIONS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(1,2)", "=cmd|' /C calc'!A0"]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    d = tmp_path_factory.mktemp("publish")
    rows = list(csv.reader(open(DATA / "province_2022.csv", encoding="utf-8")))
    for i, text in enumerate(INJECTIONS, start=1):
        rows[i][0] = text  # region names a spreadsheet could take for formulas
    data = d / "regions.csv"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    src = d / "book.xlsm"
    nqp("new", data, "-o", src)
    out = d / "book.xlsx"
    proc = nqp("publish", src, "-o", out)
    return src, out, proc


def test_no_macros_and_plain_xlsx(published):
    _src, out, _proc = published
    p = parts(out)
    assert not any("vbaproject" in n.lower() for n in p)
    ct = p["[Content_Types].xml"].decode()
    assert "macroEnabled" not in ct and "vbaProject" not in ct
    assert "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml" in ct
    assert b"vbaProject" not in p["xl/_rels/workbook.xml.rels"]
    assert sum(n.startswith("xl/charts/chart") for n in p) >= 4  # charts kept
    wb = openpyxl.load_workbook(out)  # opens as a normal workbook
    assert "Methods" in wb.sheetnames


def test_no_formulas_left(published):
    _src, out, _proc = published
    assert formula_cells(out) == []
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)


def test_values_are_the_refreshed_values(published, tmp_path):
    src, out, _proc = published
    ref = tmp_path / "r.xlsm"
    nqp("refresh", src, "-o", ref, "-q")
    a = openpyxl.load_workbook(ref, data_only=True)["Composite index"]
    b = openpyxl.load_workbook(out)["Composite index"]
    va = [[c.value for c in r] for r in a.iter_rows(min_row=4, max_row=36, max_col=13)]
    vb = [[c.value for c in r] for r in b.iter_rows(min_row=4, max_row=36, max_col=13)]
    assert va == vb and any(isinstance(v, float) for r in vb for v in r)


def test_formula_injection_text_stays_text(published):
    _src, out, _proc = published
    wb = openpyxl.load_workbook(out)
    ws = wb["Inputs"]
    for i, text in enumerate(INJECTIONS):
        c = ws.cell(6 + i, 1)  # the Data table starts on row 6 (rows 1-4: direction .. unit, 5: header)
        assert c.value == text and c.data_type == "s"
    # and the labels the formulas echoed are text as well
    ci = wb["Composite index"]
    echoed = {c.value: c for row in ci.iter_rows() for c in row if c.value in INJECTIONS}
    assert set(echoed) == set(INJECTIONS)
    for text, c in echoed.items():
        assert c.data_type == "s", (c.coordinate, c.value)


def test_methods_sheet_records_version_settings_digest(published):
    src, out, proc = published
    import nqp_xl

    wb = openpyxl.load_workbook(out)
    m = wb["Methods"]
    values = [c.value for row in m.iter_rows() for c in row if c.value is not None]
    assert nqp_xl.__version__ in values
    assert any(isinstance(v, str) and "NQP_WEIGHTS_METHOD" in v for v in values)
    # the digest: header and data rows of the Data table, tab-separated, as documented
    inp = openpyxl.load_workbook(src)["Inputs"]
    ref = inp.tables["Data"].ref

    def cell(v):
        if v is None:
            return ""
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            x = float(v)
            return str(int(x)) if x == int(x) and abs(x) < 1e15 else repr(x)
        return str(v)

    text = "\n".join("\t".join(cell(c.value) for c in row) for row in inp[ref])
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert m["B4"].value == expected
    assert expected in proc.stdout


def test_publish_wants_xlsx(published, tmp_path):
    src, _out, _proc = published
    proc = nqp("publish", src, "-o", tmp_path / "x.xlsm", check=False)
    assert proc.returncode == 1 and ".xlsx" in proc.stderr and "Traceback" not in proc.stderr
