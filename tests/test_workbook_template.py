"""The template: written from code, deterministic, committed, carrying xlwings' VBA."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from workbook_helpers import ROOT, anchor, nqp, parts

# the report's order (issue 14): the Overview, the results, the appendix, then Settings and xlwings.conf
SHEETS = ["Overview", "Factor analysis", "Grades", "Composite index", "Obstacle degree", "Coupling", "Disparity",
          "Dynamics", "Equations", "Indicator system", "Methods", "Inputs", "Weights", "Settings", "xlwings.conf"]
SHEETS_ZH = ["概览", "因子分析", "等级划分", "综合指数", "障碍度", "耦合协调", "区域差异", "动态演进", "联立方程", "指标体系",
             "方法说明", "输入数据", "空间权重", "设置", "xlwings.conf"]


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
        assert new[name] == committed[name], f"{name} differs: run `nqp-xl template -o workbook_template.xlsm --force`"


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


def _formulas(path):
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                text = getattr(c.value, "text", c.value)
                if isinstance(text, str) and "NQP_" in text and text.startswith("="):
                    out.append((ws.title, c.coordinate, text))
    return out


def test_formulas_refer_to_the_table_through_names(fresh):
    p = parts(fresh)
    wb_xml = p["xl/workbook.xml"].decode()
    assert "<definedName name=\"NQP_DATA\">Data[#All]</definedName>" in wb_xml
    assert re.search(r'<definedName name="NQP_SUBSYSTEMS">Inputs!\$E\$2:\$[A-Z]+\$2</definedName>', wb_xml)
    assert '<definedName name="NQP_YEARS">INDEX(NQP_DATA,0,NQP_YEAR_NUM)</definedName>' in wb_xml
    formulas = _formulas(fresh)
    assert len(formulas) >= 40
    for sheet, cell, text in formulas:
        # no A1 references into Inputs: a year with more regions needs no formula edits
        assert "Inputs!" not in text, (sheet, cell, text)
    texts = " ".join(t for _s, _c, t in formulas)
    for fn in ["NQP_KMO", "NQP_BARTLETT", "NQP_VARIANCE", "NQP_LOADINGS", "NQP_FACTORS", "NQP_WEIGHTS",
               "NQP_INDEX", "NQP_TOPSIS", "NQP_COUPLING", "NQP_CLUSTER", "NQP_GINI", "NQP_THEIL", "NQP_VERSION",
               "NQP_SELECT", "NQP_SUBINDEX", "NQP_PIVOT", "NQP_LEVEL", "NQP_RANK", "NQP_CORR", "NQP_COMMUNALITIES",
               "NQP_DESCRIBE", "NQP_MSA", "NQP_OBSTACLE", "NQP_REGTABLE", "NQP_3SLS", "NQP_KDENSITY",
               "NQP_CONVERGENCE", "NQP_MARKOV", "NQP_MORAN", "NQP_LISA"]:
        assert fn + "(" in texts, fn


def test_year_analysed_feeds_the_cross_section_sheets(fresh):
    """Factor analysis and Grades take the rows of the year analysed, never the pooled panel."""
    for sheet, cell, text in _formulas(fresh):
        if sheet in ("Factor analysis", "Grades") and re.search(r"NQP_(KMO|FACTORS|SCORE|LOADINGS)\(", text):
            # the year analysed; the Grades sheet's rank change also reads the year before
            year = "NQP_SELECT(NQP_DATA,NQP_YEAR_COL,NQP_YEAR-1)" if "NQP_YEAR-1" in text else \
                "NQP_SELECT(NQP_DATA,NQP_YEAR_COL,NQP_YEAR)"
            assert year in text, (sheet, cell, text)
        if sheet == "Disparity" and "NQP_GINI(" in text:
            assert ",NQP_GROUPS,NQP_YEARS," in text  # grouped by region, one row per year
    wb = openpyxl.load_workbook(fresh)
    s = wb["Settings"]
    names = {s.cell(r, 4).value: s.cell(r, 2).value for r in range(4, 40) if s.cell(r, 4).value}
    assert names["NQP_REGION_COL"] == "province_en" and names["NQP_YEAR_COL"] == "year"
    assert names["NQP_GROUP_COL"] == "region"
    assert names["NQP_YEAR_CHOSEN"] is None  # blank: the latest year
    assert "MAX(NQP_YEARS)" in names["NQP_YEAR"]


def test_dynamic_array_metadata(fresh):
    p = parts(fresh)
    assert "xl/metadata.xml" in p and b"XLDAPR" in p["xl/metadata.xml"]
    sheet = p["xl/worksheets/sheet2.xml"].decode()  # Factor analysis
    anchors = re.findall(r'<c r="([A-Z]+[0-9]+)"[^>]*cm="1"[^>]*><f t="array" ref="[^"]+">NQP_', sheet)
    assert len(anchors) >= 10
    # KMO answers one number: an ordinary formula, so LibreOffice keeps its cached value
    r, c = anchor(fresh, "Factor analysis", "NQP_KMO(")
    from openpyxl.utils import get_column_letter

    ref = f"{get_column_letter(c)}{r}"
    assert re.search(rf'<c r="{ref}"[^>]*><f>NQP_KMO\(', sheet) and f'r="{ref}" cm=' not in sheet


def test_inputs_table_with_direction_and_subsystem_rows(fresh):
    wb = openpyxl.load_workbook(fresh)
    ws = wb["Inputs"]
    assert "Data" in ws.tables
    ref = ws.tables["Data"].ref
    assert ref.startswith("A5:")  # rows 1-4: direction, subsystem, label, unit
    first_indicator = wb["Settings"]["B5"].value + 1  # NQP_ID_COLS
    assert ws.cell(1, first_indicator).value in ("+", "-")
    assert ws.cell(2, first_indicator).value == "NQP"
    assert [ws.cell(r, 1).value for r in range(1, 5)] == ["Direction", "Subsystem", "Label", "Unit"]
    assert ws.cell(3, first_indicator).value == "R&D personnel (FTE)"  # the bundled panel's labels
    assert ws.cell(4, first_indicator).value == "person-years"
    assert sum(1 for n in parts(fresh) if n.startswith("xl/charts/chart")) >= 5


def test_chinese_labels(tmp_path):
    path = tmp_path / "zh.xlsm"
    nqp("template", "-o", path, "--lang", "zh")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS_ZH
    assert wb["设置"]["B4"].value == "zh"
    assert wb["设置"]["A4"].value == "语言"
    assert "因子分析" in wb["因子分析"]["A1"].value
    assert wb["输入数据"].cell(2, 5).value == "新质生产力"
    charts = [v.decode("utf-8") for n, v in parts(path).items() if n.startswith("xl/charts/chart")]
    titles = [re.findall(r"<a:t>([^<]+)</a:t>", c) for c in charts]
    assert all(t and all(re.search(r"[\u4e00-\u9fff]", x) for x in t[:1]) for t in titles), titles


def test_template_refuses_a_non_xlsm_name(tmp_path):
    proc = nqp("template", "-o", tmp_path / "t.xlsx", check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def _inputs_of_measuring_pass(table, skip: bool) -> dict:
    from nqp_xl.workbook.ooxml.package import Package
    from nqp_xl.workbook.template import build as template
    from nqp_xl.workbook.template.input_table import choose_columns

    cols = choose_columns(table, "en")
    data, book = template._write(table, "en", cols, "", {}, spacing=len(table.rows) + 12, skip_inputs=skip)
    sheet = Package(data).sheet(book.inputs_name)
    if skip:
        template.fill_inputs(sheet, table)
    return {"values": dict(sheet.values), "bounds": (sheet.first_row, sheet.first_col, sheet.last_row, sheet.last_col)}


def test_measuring_pass_fills_the_inputs_as_the_file_reads_back():
    """The measuring pass puts the Data rows into the engine's Inputs sheet directly: the same
    values (numbers as stored, %.16G), labels, years and bounds as writing and parsing them."""
    from nqp_xl.workbook.template import build as template
    from nqp_xl.workbook.template.input_table import example_table

    table = example_table()
    table.rows[0][3] = 0.1 + 0.2             # 0.30000000000000004 is stored as 0.3
    table.rows[1][3] = 1 / 3
    table.rows[2][3] = 123456789.123456789e10
    table.rows[3][3] = None                  # a blank cell
    table.rows[4][0] = " Anhui  (east) "     # spaces kept
    assert template.round_trips(table)
    assert _inputs_of_measuring_pass(table, True) == _inputs_of_measuring_pass(table, False)


def test_text_that_may_not_read_back_is_written_through_the_file():
    from nqp_xl.workbook.template import build as template
    from nqp_xl.workbook.template.input_table import example_table

    table = example_table()
    assert template.round_trips(table)
    table.rows[0][0] = "Anhui_x0041_"
    assert not template.round_trips(table)
    table.rows[0][0] = "An\x01hui"
    assert not template.round_trips(table)


def test_one_text_table_for_the_workbook():
    """The sheets' texts live in template/texts only: the titles of the rows above the Data table
    that reading recognises and the Inputs tab's names are taken from it, and so are the words
    publish writes on Methods; every key has an English and a Chinese text."""
    from nqp_xl.workbook.template.input_table import INPUT_SHEET_NAMES, ROW_TITLES
    from nqp_xl.workbook.template.texts import SHEET_NAMES, TEXT, t

    assert ROW_TITLES == {"Direction", "方向", "Subsystem", "子系统", "Label", "标签", "Unit", "单位"}
    assert INPUT_SHEET_NAMES == SHEET_NAMES["inputs"] == ("Inputs", "输入数据")
    assert t("record_digest", "zh") == "输入表 SHA-256" and t("record_published", "en") == "Published with nqp-xl"
    assert all(len(v) == 2 and isinstance(v[0], str) and v[1] for v in TEXT.values())
