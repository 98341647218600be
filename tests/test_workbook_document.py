"""The published report as a leader receives it (issue 14; SPEC Part 3, "The report a leader
reads"): made as a user makes it (``nqp-xl new`` with the bundled panel, all 20 indicators, so
2017 and Tibet are left out; ``refresh``; ``publish``), then read back with openpyxl.

Pinned here: the sheet order (Overview first, results, appendix; Settings hidden, no
xlwings.conf), the Overview's figures against the sheets they summarise, no number stored as
text, frozen header rows, the document properties and app.xml, only print names left, the
footer's title, the gap notes, and the labels shown instead of column names."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parent.parent
PANEL = ROOT / "nqp_xl" / "data" / "china_province_panel.csv"
CLI = [sys.executable, "-m", "nqp_xl.workbook.commands.cli"]
NUMBER_TEXT = re.compile(r"\s*[-+]?\d+(\.\d+)?\s*")
RESULTS_EN = ["Overview", "Factor analysis", "Grades", "Composite index", "Obstacle degree", "Coupling", "Disparity",
              "Dynamics", "Equations", "Indicator system", "Methods", "Inputs", "Weights"]
RESULTS_ZH = ["概览", "因子分析", "等级划分", "综合指数", "障碍度", "耦合协调", "区域差异", "动态演进", "联立方程", "指标体系",
              "方法说明", "输入数据", "空间权重"]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    run = subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return run


@pytest.fixture(scope="module", params=["en", "zh"])
def report(request, tmp_path_factory):
    lang = request.param
    folder = tmp_path_factory.mktemp(f"report_{lang}")
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    _run("new", str(PANEL), "-o", "r.xlsm", "--lang", lang, cwd=folder)
    _run("refresh", "r.xlsm", "-o", "rr.xlsm", "-q", cwd=folder)
    _run("publish", "rr.xlsm", "-o", "p.xlsx", "-q", cwd=folder)
    after = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1)
    path = folder / "p.xlsx"
    return lang, path, openpyxl.load_workbook(path), (before, after)


def _find(ws, text: str) -> tuple[int, int]:
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.strip().startswith(text):
                return c.row, c.column
    raise AssertionError(f"{text!r} not on {ws.title}")


def test_sheet_order_overview_first_no_settings(report):
    """The Overview, the results, the appendix; Settings and xlwings.conf are not in the copy
    (LibreOffice would print a hidden sheet), their values recorded on the Methods sheet."""
    lang, _path, wb, _ = report
    assert wb.sheetnames == (RESULTS_ZH if lang == "zh" else RESULTS_EN)
    assert wb.active.title == wb.sheetnames[0]
    assert all(ws.sheet_state == "visible" for ws in wb.worksheets)
    methods = {c.value for row in wb[wb.sheetnames[10]].iter_rows() for c in row if isinstance(c.value, str)}
    assert any("NQP_YEAR_CHOSEN" in v for v in methods)  # the settings as they were


def test_no_number_is_stored_as_text(report):
    _lang, _path, wb, _ = report
    bad = [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb for row in ws.iter_rows() for c in row
           if isinstance(c.value, str) and NUMBER_TEXT.fullmatch(c.value)]
    assert not bad, bad[:10]


def test_overview_figures_equal_the_sheets_they_summarise(report):
    lang, _path, wb, _ = report
    ov = wb.worksheets[0]
    fa, ds, cp = wb.worksheets[1], wb.worksheets[6], wb.worksheets[5]
    kmo_label = "KMO 取样适切性" if lang == "zh" else "KMO (sampling adequacy)"
    r, c = _find(ov, kmo_label)
    kmo = ov.cell(r, c + 1).value
    r2, c2 = _find(fa, "KMO")
    assert kmo == pytest.approx(fa.cell(r2, c2 + 1).value, abs=0) and 0.5 < kmo < 1
    year = ov.cell(*(lambda rc: (rc[0], rc[1] + 1))(_find(ov, "分析年份" if lang == "zh" else "Year analysed"))).value
    assert year == 2023
    # the Gini of the year: the Disparity sheet's row of 2023, column G
    r, c = _find(ov, "综合指数基尼系数" if lang == "zh" else "Gini of the composite index")
    g = ov.cell(r, c + 1).value
    rows = [[x.value for x in row] for row in ds.iter_rows()]
    hit = [row for row in rows if row and row[0] == 2023 and isinstance(row[1], float)]
    assert hit and g == pytest.approx(hit[0][1], abs=0)
    # mean D of the year: the Coupling sheet's D by year table
    r, c = _find(ov, "耦合协调度 D 均值" if lang == "zh" else "Mean coupling coordination D")
    d = ov.cell(r, c + 1).value
    rows = [[x.value for x in row] for row in cp.iter_rows(max_row=20)]
    hit = [row for row in rows if row and row[0] == 2023 and isinstance(row[1], float)]
    assert hit and d == pytest.approx(hit[0][1], abs=0)


def test_overview_top_five_are_the_grades_sheet_best(report):
    lang, _path, wb, _ = report
    ov, gr = wb.worksheets[0], wb.worksheets[2]
    r, _c = _find(ov, "综合因子得分 F 前五位" if lang == "zh" else "Top five regions")
    top = [[ov.cell(r + 2 + i, j).value for j in range(1, 6)] for i in range(5)]
    rows = [[x.value for x in row][:5] for row in gr.iter_rows()]
    body = [row for row in rows if isinstance(row[1], float) and isinstance(row[0], str)]
    best = sorted(body, key=lambda row: -row[1])[:5]
    assert [t[:4] for t in top] == [b[:4] for b in best]
    assert [t[2] for t in top] == [1, 2, 3, 4, 5]


def test_gaps_are_named_with_their_indicators(report):
    """The Overview says who was left out and which indicator's blank caused it: the year 2017
    (the high-tech columns), Tibet and Xinjiang's years, by their labels."""
    lang, _path, wb, _ = report
    ov = wb.worksheets[0]
    r, c = _find(ov, "剔除的地区-年份数" if lang == "zh" else "Region-years left out")
    assert ov.cell(r, c + 1).value == 43  # 248 region-years, 205 analysed
    sentence = ov.cell(r, c + 2).value
    hitech = "高技术产业企业数" if lang == "zh" else "High-tech enterprises"
    tibet = "西藏" if lang == "zh" else "Tibet"
    assert sentence.startswith("2017") and hitech in sentence and tibet in sentence, sentence
    assert "hitech_" not in sentence and "ind_" not in sentence  # labels, not column names


def test_frozen_header_rows_on_long_sheets(report):
    _lang, _path, wb, _ = report
    for ws in wb.worksheets:
        if ws.max_row > 40:
            assert ws.freeze_panes is not None, ws.title


def test_the_file_says_what_it_is(report):
    lang, path, wb, (before, after) = report
    title = wb.worksheets[0]["A1"].value
    assert title.startswith("新质生产力评价" if lang == "zh" else "New quality productive forces")
    props = wb.properties
    assert props.title == title and props.creator
    for when in (props.created, props.modified):
        assert before.replace(tzinfo=None) <= when <= after.replace(tzinfo=None)
    with zipfile.ZipFile(path) as z:
        app = z.read("docProps/app.xml").decode()
        book = z.read("xl/workbook.xml").decode()
        sheet1 = z.read("xl/worksheets/sheet1.xml").decode()
    listed = re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", app)
    assert listed[1:] == wb.sheetnames and "xlwings.conf" not in app
    names = re.findall(r'definedName name="([^"]+)"', book)
    assert names and all(n.startswith("_xlnm.") for n in names)
    page = "第 &amp;P 页，共 &amp;N 页" if lang == "zh" else "page &amp;P of &amp;N"
    assert f"{title.replace('&', '&amp;&amp;')} — {page}" in sheet1


def test_tables_show_labels_not_column_names(report):
    lang, _path, wb, _ = report
    fa = wb.worksheets[1]
    texts = {c.value for row in fa.iter_rows() for c in row if isinstance(c.value, str)}
    assert ("R&D经费内部支出" if lang == "zh" else "R&D expenditure") in texts
    assert "rd_expenditure" not in texts
    ind = wb.worksheets[9]
    units = {c.value for row in ind.iter_rows() for c in row}
    assert ("亿元" if lang == "zh" else "100 million yuan") in units


def test_named_cell_reads_the_target_through_split_reference(tmp_path):
    """A defined name's "Sheet!A1" target is read by formula_text.split_reference: a quoted
    sheet name with "!" and a doubled apostrophe in it, a relative or absolute cell."""
    from openpyxl.workbook.defined_name import DefinedName

    from nqp_xl.workbook.commands.document import named_cell, named_value
    from nqp_xl.workbook.ooxml.package import read_package

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bob's!data"
    ws["C4"] = 7.0
    wb.defined_names["ONE"] = DefinedName("ONE", attr_text="'Bob''s!data'!$C$4")
    wb.defined_names["TWO"] = DefinedName("TWO", attr_text="'Bob''s!data'!C4:D5")
    wb.defined_names["THREE"] = DefinedName("THREE", attr_text="Nowhere!$A$1")
    wb.save(tmp_path / "n.xlsx")
    pkg = read_package(tmp_path / "n.xlsx")
    assert named_cell(pkg, "ONE") == ("Bob's!data", 4, 3) and named_value(pkg, "ONE") == 7.0
    assert named_cell(pkg, "TWO") is None and named_cell(pkg, "THREE") is None and named_cell(pkg, "FOUR") is None
