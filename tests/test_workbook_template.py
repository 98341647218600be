"""The template: written from code, deterministic, committed, carrying xlwings' VBA."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from workbook_helpers import ROOT, nqp, parts

SHEETS = ["Settings", "Inputs", "Factor analysis", "Composite index", "Coupling", "Grades",
          "Disparity", "Methods", "xlwings.conf"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "template.xlsm"
    nqp("template", "-o", path)
    return path


def test_committed_template_is_up_to_date(fresh):
    committed = parts(ROOT / "workbook_template.xlsm")
    new = parts(fresh)
    sheets = sorted(n for n in new if n.startswith("xl/worksheets/"))
    assert sheets, "no worksheet parts"
    assert sheets == sorted(n for n in committed if n.startswith("xl/worksheets/"))
    for name in sheets + ["xl/workbook.xml", "xl/tables/table1.xml", "xl/sharedStrings.xml"]:
        assert new[name] == committed[name], f"{name} differs: run `nqp-xl template -o workbook_template.xlsm`"


def test_output_is_deterministic(fresh, tmp_path):
    again = tmp_path / "again.xlsm"
    nqp("template", "-o", again)
    assert again.read_bytes() == fresh.read_bytes()


def test_carries_the_installed_xlwings_vba(fresh):
    import os

    import xlwings

    with zipfile.ZipFile(os.path.join(os.path.dirname(xlwings.__file__), "quickstart_standalone.xlsm")) as z:
        vba = z.read("xl/vbaProject.bin")
    p = parts(fresh)
    assert p["xl/vbaProject.bin"] == vba
    assert b"application/vnd.ms-excel.sheet.macroEnabled.main+xml" in p["[Content_Types].xml"]


def test_tabs_and_active_xlwings_conf(fresh):
    wb = openpyxl.load_workbook(fresh, keep_vba=True)
    assert wb.sheetnames == SHEETS
    conf = wb["xlwings.conf"]
    assert conf["A1"].value == "UDF Modules" and conf["B1"].value == "nqp_udfs"


def test_formulas_refer_to_the_table_through_names(fresh):
    p = parts(fresh)
    wb_xml = p["xl/workbook.xml"].decode()
    assert "<definedName name=\"NQP_DATA\">Data[#All]</definedName>" in wb_xml
    assert re.search(r'<definedName name="NQP_SUB1">Data\[\[#All\],\[[^]]+\]:\[[^]]+\]\]</definedName>', wb_xml)
    wb = openpyxl.load_workbook(fresh)
    formulas = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                text = getattr(v, "text", v)
                if isinstance(text, str) and "NQP_" in text and text.startswith("="):
                    formulas.append((ws.title, c.coordinate, text))
    assert len(formulas) >= 20
    for sheet, cell, text in formulas:
        # no A1 references into Inputs: a year with more regions needs no formula edits
        assert "Inputs!" not in text, (sheet, cell, text)
    texts = " ".join(t for _s, _c, t in formulas)
    for fn in ["NQP_KMO", "NQP_BARTLETT", "NQP_VARIANCE", "NQP_LOADINGS", "NQP_FACTORS", "NQP_WEIGHTS",
               "NQP_INDEX", "NQP_TOPSIS", "NQP_COUPLING", "NQP_CLUSTER", "NQP_GINI", "NQP_THEIL", "NQP_VERSION"]:
        assert fn + "(" in texts, fn


def test_dynamic_array_metadata(fresh):
    p = parts(fresh)
    assert "xl/metadata.xml" in p and b"XLDAPR" in p["xl/metadata.xml"]
    sheet = p["xl/worksheets/sheet3.xml"].decode()  # Factor analysis
    anchors = re.findall(r'<c r="([A-Z]+[0-9]+)"[^>]*cm="1"[^>]*><f t="array" ref="[^"]+">NQP_', sheet)
    assert "A6" in anchors and "A10" in anchors  # Bartlett and variance tables spill
    # KMO answers one number: an ordinary formula, so LibreOffice keeps its cached value
    assert re.search(r'<c r="B3"[^>]*><f>NQP_KMO\(', sheet) and 'r="B3" cm=' not in sheet


def test_inputs_table_with_direction_and_subsystem_rows(fresh):
    wb = openpyxl.load_workbook(fresh)
    ws = wb["Inputs"]
    assert "Data" in ws.tables
    ref = ws.tables["Data"].ref
    assert ref.startswith("A3:")
    first_indicator = wb["Settings"]["B5"].value + 1  # NQP_ID_COLS
    assert ws.cell(1, first_indicator).value in ("+", "-")
    assert ws.cell(2, first_indicator).value
    assert len(wb.charts if hasattr(wb, "charts") else []) >= 0
    assert sum(1 for n in parts(fresh) if n.startswith("xl/charts/chart")) == 3


def test_chinese_labels(tmp_path):
    path = tmp_path / "zh.xlsm"
    nqp("template", "-o", path, "--lang", "zh")
    wb = openpyxl.load_workbook(path)
    assert wb["Settings"]["B4"].value == "zh"
    assert wb["Settings"]["A4"].value == "语言"
    assert "因子分析" in wb["Factor analysis"]["A1"].value


def test_template_refuses_a_non_xlsm_name(tmp_path):
    proc = nqp("template", "-o", tmp_path / "t.xlsx", check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
