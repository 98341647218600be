"""nqp-xl new + refresh: real files, read back with openpyxl and LibreOffice."""
from __future__ import annotations

import math

import openpyxl
import pytest
import xlsxwriter

from workbook_helpers import DATA, anchor, cell_element, digest, lo_sheets, nqp, nqp_udfs_has, parts, soffice


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A fresh template holding the 2022 provincial table, and its refreshed copy."""
    d = tmp_path_factory.mktemp("refresh")
    src = d / "p2022.xlsm"
    nqp("new", DATA / "province_2022.csv", "-o", src)
    out = d / "p2022.refreshed.xlsm"
    proc = nqp("refresh", src, "-o", out)
    return src, out, proc


def _rows(path):
    import csv

    with open(path, encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_new_puts_the_table_in(book):
    src, _out, _proc = book
    wb = openpyxl.load_workbook(src)
    ws = wb["Inputs"]
    rows = _rows(DATA / "province_2022.csv")
    t = ws.tables["Data"]
    assert t.ref.split(":")[1].endswith(str(5 + len(rows) - 1))  # header on row 5 (rows 1-4: direction .. unit)
    assert [ws.cell(5, j + 1).value for j in range(len(rows[0]))] == rows[0]


def test_refresh_stores_values_that_match_the_udfs(book):
    import nqp_udfs

    _src, out, proc = book
    assert "wrote" in proc.stdout
    assert "evaluating" in proc.stderr  # progress on stderr
    wb = openpyxl.load_workbook(out, data_only=True)
    ws = wb["Composite index"]
    # the expected answer: the UDF called as xlwings would call it on the Inputs table
    inputs = openpyxl.load_workbook(out, data_only=True)["Inputs"]
    tref = openpyxl.load_workbook(out)["Inputs"].tables["Data"].ref
    table = [[(float(c.value) if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) else c.value)
              for c in row] for row in inputs[tref]]
    id_cols = wb["Settings"]["B5"].value
    expected = nqp_udfs.NQP_INDEX(table, "entropy", None, "en", float(id_cols))
    r0, c0 = anchor(out, "Composite index", "NQP_INDEX(")
    got = [ws.cell(r0 + i, c0).value for i in range(len(expected))]
    assert got[0] == expected[0][0]
    for e, g in zip(expected[1:], got[1:]):
        if e[0] is None:
            assert g is None
        else:
            assert math.isclose(g, e[0], rel_tol=1e-12, abs_tol=1e-15)
    # the dynamic array's range was sized from the answer
    from openpyxl.utils import get_column_letter

    sheet = "xl/worksheets/sheet4.xml"  # Composite index, the fourth tab (after Overview, Factor analysis, Grades)
    col = get_column_letter(c0)
    f = cell_element(out, sheet, f"{col}{r0}").find("{*}f")
    assert f.get("t") == "array" and f.get("ref") == f"{col}{r0}:{col}{r0 + len(expected) - 1}"
    assert cell_element(out, sheet, f"{get_column_letter(c0 + 1)}{r0}").get("cm") == "1"  # TOPSIS beside it
    assert "xl/metadata.xml" in parts(out) and "xl/vbaProject.bin" in parts(out)


def test_refresh_never_touches_its_input(book):
    src, out, _proc = book
    before = digest(src)
    proc = nqp("refresh", src, "-o", src, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert digest(src) == before


def test_in_place_keeps_a_backup(book, tmp_path):
    src, _out, _proc = book
    work = tmp_path / "w.xlsm"
    work.write_bytes(src.read_bytes())
    before = digest(work)
    nqp("refresh", work, "--in-place", "-q")
    backup = tmp_path / "w.bak.xlsm"
    assert backup.exists() and digest(backup) == before
    assert digest(work) != before
    wb = openpyxl.load_workbook(work, data_only=True)
    r0, c0 = anchor(work, "Composite index", "NQP_INDEX(")
    assert isinstance(wb["Composite index"].cell(r0 + 1, c0).value, float)


def _data_sheet(wb) -> None:
    """Sheet "Data": the first 12 rows and 6 columns of the province table (A1:F12)."""
    ws = wb.add_worksheet("Data")
    for i, r in enumerate(_rows(DATA / "province_2022.csv")[:12]):
        for j, v in enumerate(r[:6]):
            try:
                ws.write_number(i, j, float(v))
            except ValueError:
                ws.write_string(i, j, v)


def _user_book(path, formulas: dict[str, str], bad_sheet=False):
    """A workbook a user made: a data block and formulas on a sheet of their own."""
    wb = xlsxwriter.Workbook(path)
    _data_sheet(wb)
    mine = wb.add_worksheet("My analysis")
    for cell, f in formulas.items():
        mine.write_dynamic_array_formula(cell + ":" + cell, f)
    wb.close()


@pytest.mark.skipif(not nqp_udfs_has("NQP_INDEX", "NQP_WEIGHTS", "NQP_VERSION"), reason="UDFs not there yet")
def test_nested_formulas_on_a_user_sheet(tmp_path):
    import nqp_udfs

    src = tmp_path / "mine.xlsx"
    _user_book(src, {"A1": "=ROUND(INDEX(NQP_INDEX(Data!A1:F12),2,1),3)",
                     "A2": "=INDEX(NQP_WEIGHTS(Data!A1:F12,\"critic\"),3,2)",
                     "A3": "=NQP_VERSION()",
                     "C1": "=NQP_INDEX(Data!A1:F12,,,\"zh\")"})
    out = tmp_path / "mine.refreshed.xlsx"
    nqp("refresh", src, "-o", out)
    ws = openpyxl.load_workbook(out, data_only=True)["My analysis"]
    data = [[(float(v) if isinstance(v, (int, float)) else v) for v in row]
            for row in openpyxl.load_workbook(src)["Data"].iter_rows(min_row=1, max_row=12, max_col=6, values_only=True)]
    idx = nqp_udfs.NQP_INDEX(data)
    assert ws["A1"].value == round(idx[1][0], 3)
    assert ws["A2"].value == nqp_udfs.NQP_WEIGHTS(data, "critic")[2][1]
    assert ws["A3"].value == nqp_udfs.NQP_VERSION()
    zh = nqp_udfs.NQP_INDEX(data, None, None, "zh")
    assert ws["C1"].value == zh[0][0]  # omitted arguments take the defaults, as in xlwings
    assert [ws.cell(2 + i, 3).value for i in range(len(zh) - 1)] == [r[0] for r in zh[1:]]


def test_failure_leaves_every_file_unchanged(tmp_path):
    src = tmp_path / "bad.xlsx"
    _user_book(src, {"A1": "=NQP_INDEX('No such sheet'!A1:F12)"})
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"precious")
    before = digest(src)
    proc = nqp("refresh", src, "-o", out, "--force", check=False)  # (without --force: refused, out exists)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and lines[-1].startswith("nqp-xl: error:")
    assert "No such sheet" in lines[-1]
    assert digest(src) == before and out.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx", "out.xlsx"]  # no temp files left


def test_not_a_workbook(tmp_path):
    bad = tmp_path / "x.xlsm"
    bad.write_text("hello")
    proc = nqp("refresh", bad, check=False)
    assert proc.returncode == 1 and "not an Excel workbook" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_shows_the_same_numbers_as_the_cached_values(book, tmp_path):
    """The published copy (values only) read by LibreOffice equals the refreshed file's cached values.

    (LibreOffice 7.x recalculates array formulas when it opens a file, so the refreshed
    .xlsm itself shows #NAME? there for the NQP spills; the published copy is the one to read
    without Python.)"""
    _src, out, _proc = book
    pub = tmp_path / "p.xlsx"
    nqp("publish", out, "-o", pub, "-q")
    lo = lo_sheets(pub, tmp_path)
    wb = openpyxl.load_workbook(out, data_only=True)
    checked = 0
    for sheet in ("Factor analysis", "Composite index", "Coupling", "Grades", "Disparity"):
        ws = wb[sheet]
        rows = lo[sheet]
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            for c, v in enumerate(row):
                if isinstance(v, float) and not isinstance(v, bool):
                    assert math.isclose(float(rows[r][c]), v, rel_tol=1e-12, abs_tol=1e-14), (sheet, r, c)
                    checked += 1
    assert checked > 100


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_shows_the_refreshed_workbooks_single_value_formulas(book, tmp_path):
    """LibreOffice opens the refreshed .xlsm itself and shows the cached answers of its
    ordinary formulas (KMO, version): those are written as plain formulas, not arrays."""
    _src, out, _proc = book
    lo = lo_sheets(out, tmp_path)
    wb = openpyxl.load_workbook(out, data_only=True)
    r, c = anchor(out, "Factor analysis", "NQP_KMO(")
    kmo = wb["Factor analysis"].cell(r, c).value
    assert isinstance(kmo, float) and 0 < kmo < 1
    assert math.isclose(float(lo["Factor analysis"][r - 1][c - 1]), kmo, rel_tol=1e-12)
    assert lo["Methods"][2][1] == wb["Methods"]["B3"].value


def _as_shared(path, sheet_xml: str, cells: list[str]):
    """Rewrite formulas in ``cells`` (a column, first one the master) as Excel stores a
    copied-down formula: the master keeps its text with t="shared" ref=.. si="0", the others
    carry only <f t="shared" si="0"/> and a stale cached value."""
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    root = etree.fromstring(parts[sheet_xml])
    first, last = cells[0], cells[-1]
    by_ref = {c.get("r"): c for c in root.iter("{*}c")}
    for i, ref in enumerate(cells):
        c = by_ref[ref]
        f, v = c.find("{*}f"), c.find("{*}v")
        assert f is not None and v is not None, ref
        f.attrib.update({"t": "shared", "si": "0"})
        if i == 0:
            f.set("ref", f"{first}:{last}")
        else:
            f.text = None
        v.text = "-1"
    parts[sheet_xml] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    with zipfile.ZipFile(path, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)


@pytest.mark.skipif(not nqp_udfs_has("NQP_INDEX"), reason="UDFs not there yet")
def test_copied_down_shared_formulas_are_computed_for_every_cell(tmp_path):
    import nqp_udfs
    import xlsxwriter

    src = tmp_path / "shared.xlsx"
    wb = xlsxwriter.Workbook(src)
    _data_sheet(wb)
    mine = wb.add_worksheet("My analysis")
    for i in range(4):  # the followers' own text is dropped below: only A1's counts
        mine.write_formula(i, 0, f"=ROUND(INDEX(NQP_INDEX(Data!$A$1:$F$12),2,1),4)+B{i + 1}", None, 0)
        mine.write_number(i, 1, float(i))
    wb.close()
    # store A2:A4 as followers of A1, as Excel does after a copy-down (stale values -1)
    _as_shared(src, "xl/worksheets/sheet2.xml", ["A1", "A2", "A3", "A4"])
    out = tmp_path / "shared.refreshed.xlsx"
    nqp("refresh", src, "-o", out)
    got = [openpyxl.load_workbook(out, data_only=True)["My analysis"].cell(1 + i, 1).value for i in range(4)]
    data = [[(float(v) if isinstance(v, (int, float)) else v) for v in row] for row in
            openpyxl.load_workbook(src)["Data"].iter_rows(min_row=1, max_row=12, max_col=6, values_only=True)]
    idx = nqp_udfs.NQP_INDEX(data)
    # followers shift B1 -> B2.. (relative) but keep Data!$A$1:$F$12 and the INDEX row of the master
    assert got == [round(idx[1][0], 4) + float(i) for i in range(4)]


# --------------------------------------------------------------------------- the UDF module

def test_refresh_imports_the_udf_module_the_xlwings_conf_sheet_names(tmp_path):
    """As Excel's xlwings add-in: the "UDF Modules" row of xlwings.conf (``;`` between names),
    ``nqp_udfs`` when the sheet says nothing; a module that cannot be imported is one line."""
    from workbook_helpers import ROOT

    from nqp_xl.workbook.commands.refresh import udf_module_names, udf_modules
    from nqp_xl.workbook.engine.engine import RefreshError
    from nqp_xl.workbook.ooxml.package import read_package

    pkg = read_package(ROOT / "workbook_template.xlsm")
    assert udf_module_names(pkg) == ["nqp_udfs"]
    assert [m.__name__ for m in udf_modules(pkg)] == ["nqp_udfs"]
    conf = pkg.sheet("xlwings.conf")
    row = next(r for (r, c), v in conf.values.items() if c == 1 and v == "UDF Modules")
    conf.values[(row, 2)] = " nqp_udfs ; json.py"
    assert udf_module_names(pkg) == ["nqp_udfs", "json"]
    conf.values[(row, 2)] = "no_such_udfs_module"
    with pytest.raises(RefreshError, match='"no_such_udfs_module" that the xlwings.conf sheet names'):
        udf_modules(pkg)
    conf.values[(row, 1)] = "Something else"
    assert udf_module_names(pkg) == ["nqp_udfs"]
