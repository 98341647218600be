"""The panel report: nqp-xl new on a panel CSV with --subsystem and --equations, refreshed and
published, read back as a user (and a printer) sees it."""
from __future__ import annotations

import csv
import math
import unicodedata

import openpyxl
import pytest

from workbook_helpers import DATA, ROOT, anchor, nqp, parts

PANEL = ROOT / "nqp_xl" / "data" / "china_province_panel.csv"
NQP = "rd_personnel_fte,rd_expenditure,rd_intensity,gov_sci_tech_spending,valid_invention_patents"
MANU = "ind_rd_personnel_fte,ind_rd_expenditure,ind_new_product_dev_spending"
DIGI = "gov_education_spending,basic_research_spending,invention_patent_applications"
EQS = "ln(rd_expenditure) ~ ln(ind_rd_expenditure) + ln(gov_sci_tech_spending); " \
      "ln(ind_rd_expenditure) = ln(rd_expenditure) + ln(ind_rd_personnel_fte)"
REPORT = ["Factor analysis", "Grades", "Composite index", "Obstacle degree", "Coupling", "Disparity", "Equations", "Dynamics", "Methods"]


def _all_cells(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                yield ws, c


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    src = d / "panel.xlsm"
    proc = nqp("new", PANEL, "-o", src, "--subsystem", f"NQP={NQP}", "--subsystem", f"Manufacturing={MANU}",
               "--subsystem", f"Knowledge={DIGI}", "--equations", EQS)
    out = d / "panel.refreshed.xlsm"
    nqp("refresh", src, "-o", out, "-q")
    pub = d / "panel.xlsx"
    nqp("publish", out, "-o", pub, "-q")
    return src, out, pub, proc


def _data(path):
    ws = openpyxl.load_workbook(path, data_only=True)["Inputs"]
    ref = openpyxl.load_workbook(path)["Inputs"].tables["Data"].ref
    return [[(float(c.value) if isinstance(c.value, (int, float)) and not isinstance(c.value, bool) else c.value)
             for c in row] for row in ws[ref]]


def _block(ws, r0, c0, rows, cols):
    return [[ws.cell(r0 + i, c0 + j).value for j in range(cols)] for i in range(rows)]


def test_new_prints_its_choice_of_columns(panel):
    _src, _out, _pub, proc = panel
    assert "region = province_en, year = year, group = region" in proc.stdout
    assert "subsystems: NQP, Knowledge, Manufacturing" in proc.stdout  # in order of first appearance


def test_refresh_leaves_no_nqp_error(panel):
    _src, out, _pub, _proc = panel
    wb = openpyxl.load_workbook(out, data_only=True)
    bad = [(ws.title, c.coordinate, c.value) for ws, c in _all_cells(wb)
           if isinstance(c.value, str) and c.value.startswith("#")]
    assert not bad, bad[:5]


def test_figures_match_the_functions(panel):
    """Each block equals its function called on the Data table (the year analysed: 2023)."""
    import nqp_udfs

    src, out, _pub, _proc = panel
    data = _data(out)
    wb = openpyxl.load_workbook(out, data_only=True)
    year = nqp_udfs.NQP_SELECT(data, "year", 2023)
    assert {r[3] for r in year[1:]} == {2023.0} and len(year) == 32
    r, c = anchor(src, "Factor analysis", "NQP_KMO(")
    assert math.isclose(wb["Factor analysis"].cell(r, c).value, nqp_udfs.NQP_KMO(year, id_cols=4), rel_tol=1e-12)
    # subsystem indices: three subsystems from the Subsystem row, columns not contiguous
    subs = ["NQP"] * 5 + ["Manufacturing"] * 3 + ["Knowledge"] * 3
    cols = NQP.split(",") + MANU.split(",") + DIGI.split(",")
    row2 = [next((s for s, name in zip(subs, cols) if name == h), None) for h in data[0][4:]]
    expected = nqp_udfs.NQP_SUBINDEX(data, [row2], "entropy", None, "en", 4)
    r, c = anchor(src, "Coupling", "NQP_SUBINDEX(")
    got = _block(wb["Coupling"], r, c, len(expected), 3)
    assert got[0] == ["NQP", "Knowledge", "Manufacturing"]
    for e, g in zip(expected[1:], got[1:]):
        for a, b in zip(e, g):
            assert (a is None and b is None) or math.isclose(a, b, rel_tol=1e-12)
    # mean D by year (Table 5) and by group x year (Table 6)
    cp = nqp_udfs.NQP_COUPLING(expected, None, "standard", "en")
    d = [[row[2]] for row in cp]
    years = [[row[3]] for row in data]
    groups = [[row[2]] for row in data]
    r, c = anchor(src, "Coupling", "NQP_PIVOT(")
    e5 = nqp_udfs.NQP_PIVOT(d, years, None, "mean", "en")
    assert _block(wb["Coupling"], r, c, len(e5), 2)[1:] == [list(x) for x in e5[1:]]
    # Gini by year, grouped by region (East/Central/West/Northeast), not by year
    r, c = anchor(src, "Disparity", "NQP_GINI(")
    index = nqp_udfs.NQP_INDEX(data, "entropy", None, "en", 4)
    gini = nqp_udfs.NQP_GINI(index, groups, years, "en")
    got = _block(wb["Disparity"], r, c, len(gini), len(gini[0]))
    assert got[0] == gini[0] and "G (East)" in " ".join(map(str, got[0]))
    for e, g in zip(gini[1:], got[1:]):
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(e, g) if a is not None)
    # the regression table: OLS, 2SLS, 3SLS side by side
    r, c = anchor(src, "Equations", "NQP_REGTABLE(")
    # as numbers (the sheet's formats show the stars), each coefficient's p-value at the right
    table = nqp_udfs.NQP_REGTABLE(data, EQS, "ols,2sls,3sls", None, "en", 4, None, None, None, True)
    got = _block(wb["Equations"], r, c, len(table), len(table[0]))
    def shown(rows):  # a text table: blanks (which IF() passes on as 0, shown blank) as ""
        return [[("" if v in (None, 0) else v) for v in row] for row in rows]

    from nqp_xl.workbook.template.indicator_labels import bundled_labels

    labels = {k: v[0] for k, v in bundled_labels("en").items()}  # the table's columns are the bundled panel's
    table = nqp_udfs.NQP_RELABEL(table, [list(labels)], [list(labels.values())])
    assert shown(got) == shown(table)


def test_rows_show_region_and_year(panel):
    src, out, _pub, _proc = panel
    wb = openpyxl.load_workbook(out, data_only=True)
    ws = wb["Composite index"]
    r, c = anchor(src, "Composite index", "NQP_REGIONS")
    labels = [(ws.cell(r + i, c).value, ws.cell(r + i, c + 1).value) for i in range(1, 249)]
    assert labels[0] == ("Beijing", 2016) and labels[-1] == ("Heilongjiang", 2023)
    assert len(set(labels)) == 248  # every region-year once
    r, c = anchor(src, "Composite index", "NQP_RANK(")
    ranks = [ws.cell(r + i, c).value for i in range(1, 249)]
    assert max(x for x in ranks if x is not None) <= 31  # ranked within the year, not 1-248


def test_left_out_regions_are_named(panel):
    src, out, _pub, _proc = panel
    ws = openpyxl.load_workbook(out, data_only=True)["Factor analysis"]
    values = [ws.cell(r, 2).value for r in range(1, 8)]
    assert 29 in values
    r, c = anchor(src, "Factor analysis", "NQP_GAPS(")  # who was left out, and the blank indicators
    gaps = [[ws.cell(r + i, c + j).value for j in range(4)] for i in range(4)]
    assert gaps[0] == ["Left out", "Which", "Blank indicators", "Rows"]
    assert [g[1] for g in gaps[1:3]] == ["Tibet", "Xinjiang"] and all(g[2] for g in gaps[1:3])


def test_published_copy_prints_well(panel):
    """Print setup, number formats by meaning and headers that fit, as the published copy holds them."""
    _src, out, pub, _proc = panel
    wb = openpyxl.load_workbook(pub)
    assert "xlwings.conf" not in wb.sheetnames
    assert not any("xlwings.conf" in n for n in parts(pub)["xl/workbook.xml"].decode().split('"'))
    for name in REPORT:
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0, name
        assert ws.page_setup.paperSize in (9, "9"), name
        assert ws.print_area, name
        assert ws.print_title_rows, name
    # number formats by meaning
    formats = {}
    for ws, c in _all_cells(wb):
        if isinstance(c.value, str) and c.fill.fgColor.rgb in ("FFDDEBF7", "00DDEBF7"):
            below = ws.cell(c.row + 1, c.column)
            formats.setdefault((ws.title, c.value), below.number_format)
    assert formats[("Composite index", "Rank")] == "0"
    assert formats[("Composite index", "Change")] == "+0;-0;0"
    assert formats[("Coupling", "Level")] == "0"
    assert formats[("Factor analysis", "Sig.")] == '[<0.001]"<0.001";0.000'
    assert formats[("Disparity", "G")] == "0.0000"
    assert formats[("Dynamics", "P")] == '[<0.001]"<0.001";0.000'
    # no cut headers: a header's width fits its column, on as many lines as its row is high
    for ws, c in _all_cells(wb):
        if not (isinstance(c.value, str) and c.fill.fgColor.rgb in ("FFDDEBF7", "00DDEBF7")):
            continue
        letter = c.column_letter
        width = ws.column_dimensions[letter].width if letter in ws.column_dimensions else 8.43
        height = ws.row_dimensions[c.row].height or 15
        lines = max(1, round(height / 15))
        need = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in c.value)
        assert need <= width * lines + 1, (ws.title, c.coordinate, c.value, width, lines)


def test_chinese_report(tmp_path):
    src = tmp_path / "zh.xlsm"
    nqp("new", PANEL, "-o", src, "--lang", "zh")
    out = tmp_path / "zh.xlsx"
    nqp("publish", src, "-o", out, "-q")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["概览", "因子分析", "等级划分"] and "xlwings.conf" not in wb.sheetnames
    ws = wb["耦合协调"]
    heads = [c.value for row in ws.iter_rows(max_row=6) for c in row if isinstance(c.value, str)]
    assert any("耦合协调" in h for h in heads)
    assert wb["因子分析"]["A1"].value == "因子分析：2023年"
    methods = [c.value for row in wb["方法说明"].iter_rows(min_row=7, max_row=10, max_col=3) for c in row
               if c.column != 2]  # sheet and meaning (figure names may be KMO, MSA)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in v) for v in methods if isinstance(v, str))


def test_cross_section_gets_no_panel_tables(tmp_path):
    """A table without a year column: the cross-section report, without errors."""
    rows = list(csv.reader(open(PANEL, encoding="utf-8")))
    data = tmp_path / "cs.csv"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([h for j, h in enumerate(rows[0]) if j != 3])
        for r in rows[1:]:
            if r[3] == "2022":
                w.writerow([v for j, v in enumerate(r) if j != 3])
    src = tmp_path / "cs.xlsm"
    proc = nqp("new", data, "-o", src)
    assert "year = (none: a cross-section)" in proc.stdout
    out = tmp_path / "cs.r.xlsm"
    nqp("refresh", src, "-o", out, "-q")
    wb = openpyxl.load_workbook(out, data_only=True)
    bad = [(ws.title, c.coordinate, c.value) for ws, c in _all_cells(wb)
           if isinstance(c.value, str) and c.value.startswith("#")]
    assert not bad, bad[:5]
    texts = " ".join(str(getattr(c.value, "text", c.value)) for _ws, c in _all_cells(openpyxl.load_workbook(src))
                     if str(getattr(c.value, "text", c.value)).startswith("="))
    assert "NQP_SELECT" not in texts
    assert "NQP_YEARS" not in texts


def test_subsystem_option_errors(tmp_path):
    proc = nqp("new", PANEL, "-o", tmp_path / "x.xlsm", "--subsystem", "A=rd_expenditure,nope",
               "--subsystem", "B=rd_intensity", check=False)
    assert proc.returncode == 1 and '"nope" is not a column' in proc.stderr and "Traceback" not in proc.stderr
    proc = nqp("new", PANEL, "-o", tmp_path / "x.xlsm", "--subsystem", "A=rd_expenditure", check=False)
    assert proc.returncode == 1 and "at least two subsystems" in proc.stderr


def test_region_year_table_with_id_cols_2(tmp_path):
    """Region | Year | indicators with --id-cols 2: result rows show region and year."""
    rows = list(csv.reader(open(PANEL, encoding="utf-8")))
    data = tmp_path / "ry.csv"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        for r in rows:
            w.writerow([r[0], r[3]] + r[4:13])
    src = tmp_path / "ry.xlsm"
    proc = nqp("new", data, "-o", src, "--id-cols", "2")
    assert "region = province, year = year, group = (none)" in proc.stdout
    out = tmp_path / "ry.r.xlsm"
    nqp("refresh", src, "-o", out, "-q")
    wb = openpyxl.load_workbook(out, data_only=True)
    bad = [(ws.title, c.coordinate, c.value) for ws, c in _all_cells(wb)
           if isinstance(c.value, str) and c.value.startswith("#")]
    assert not bad, bad[:5]
    for sheet in ("Composite index", "Coupling"):
        r, c = anchor(src, sheet, "NQP_REGIONS")
        ws = wb[sheet]
        assert (ws.cell(r + 1, c).value, ws.cell(r + 1, c + 1).value) == ("北京", 2016)
        assert (ws.cell(r + 32, c).value, ws.cell(r + 32, c + 1).value) == ("北京", 2017)


def test_settings_and_subsystem_row_drive_the_sheets(panel, tmp_path):
    """Edit the year analysed and the Subsystem row (as a user would, in any program), refresh:
    the factor analysis is of that year and the U columns follow the new subsystems."""
    import nqp_udfs

    src, _out, _pub, _proc = panel
    wb = openpyxl.load_workbook(src, keep_vba=True)
    s = wb["Settings"]
    row = next(r for r in range(4, 40) if s.cell(r, 4).value == "NQP_YEAR_CHOSEN")
    s.cell(row, 2).value = 2020
    inputs = wb["Inputs"]
    heads = [inputs.cell(5, c).value for c in range(1, inputs.max_column + 1)]  # rows 1-4: direction .. unit
    for name in ("rd_expenditure", "rd_intensity"):  # two NQP indicators join a fourth subsystem
        inputs.cell(2, heads.index(name) + 1).value = "Funding"
    edited = tmp_path / "edited.xlsm"
    wb.save(edited)
    out = tmp_path / "edited.refreshed.xlsm"
    nqp("refresh", edited, "-o", out, "-q")
    v = openpyxl.load_workbook(out, data_only=True)
    assert v["Factor analysis"]["A1"].value == "Factor analysis of 2020"
    data = _data(out)
    year = nqp_udfs.NQP_SELECT(data, "year", 2020)
    r, c = anchor(src, "Factor analysis", "NQP_KMO(")
    assert math.isclose(v["Factor analysis"].cell(r, c).value, nqp_udfs.NQP_KMO(year, id_cols=4), rel_tol=1e-12)
    r, c = anchor(src, "Coupling", "NQP_SUBINDEX(")
    assert [v["Coupling"].cell(r, c + j).value for j in range(4)] == ["NQP", "Funding", "Knowledge", "Manufacturing"]
    bad = [(ws.title, c.coordinate) for ws, c in _all_cells(v) if isinstance(c.value, str) and c.value.startswith("#")]
    assert not bad, bad[:5]


def _rule_formats(ws):
    """{criteria formula: number format} of the sheet's conditional formats."""
    out = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            if rule.dxf is not None and rule.dxf.numFmt is not None:
                out[rule.formula[0]] = (str(rng.sqref), rule.dxf.numFmt.formatCode)
    return out


def test_count_rows_print_as_integers(panel, tmp_path):
    """N of the detailed 3SLS and of β-convergence is a count among coefficients: a
    conditional format by the row's label gives it "0" (and β's P>|t| the p-value format),
    so it prints 242, not 242.000, wherever the rows fall after an edit."""
    from workbook_helpers import lo_sheets, soffice

    _src, _out, pub, _proc = panel
    wb = openpyxl.load_workbook(pub)
    eq = _rule_formats(wb["Equations"])
    n_rule = [v for k, v in eq.items() if k.endswith('="N"')]
    assert n_rule and n_rule[0][1] == "0", eq
    dy = _rule_formats(wb["Dynamics"])
    assert [v[1] for k, v in dy.items() if k.endswith('="N"')] == ["0"], dy
    assert [v[1] for k, v in dy.items() if k.endswith('="P>|t|"')] == ['[<0.001]"<0.001";0.000'], dy
    if not soffice():
        return
    shown = lo_sheets(pub, tmp_path)
    eq_rows = [r for r in shown["Equations"] if len(r) > 2 and r[1] == "N"]
    assert eq_rows and all(r[2].isdigit() for r in eq_rows), eq_rows  # 248, not 248.000
    beta = [r for r in shown["Dynamics"] if "N" in r]
    assert any(r[r.index("N") + 1] == "29" for r in beta), beta
    coef = [r for r in shown["Equations"] if len(r) > 2 and r[1] == "_cons"]
    assert coef and all("." in r[2] for r in coef)  # coefficients keep their decimals


def test_long_tables_repeat_their_header_and_inputs_repeat_the_labels(panel):
    """The factor scores and the kernel density grid (the last tables of their sheets) repeat
    their header row on the pages they continue on; Inputs repeats its label columns."""
    src, _out, pub, _proc = panel
    wb = openpyxl.load_workbook(pub)
    r, _c = anchor(src, "Factor analysis", "NQP_SORT(")  # the regions sorted by F: the last printed table
    assert wb["Factor analysis"].print_title_rows == f"${r}:${r}"
    r, _c = anchor(src, "Dynamics", "NQP_KDENSITY(")
    assert wb["Dynamics"].print_title_rows == f"${r}:${r}"
    assert wb["Inputs"].print_title_cols == "$A:$D"  # province, province_en, region, year
    # 24 columns: two pages wide (about 80 % of full size), not one page at 40 %
    assert wb["Inputs"].page_setup.fitToWidth == 2 and wb["Inputs"].page_setup.fitToHeight == 0
    settings = openpyxl.load_workbook(src)["Settings"]  # the workbook's own (the published copy has none)
    assert settings.max_row <= 30 and settings.page_setup.fitToHeight in (0, None)


def test_markov_classes_are_a_setting(panel, tmp_path):
    """The Markov matrix's k is the Settings cell NQP_MARKOV_K (4), and the answer has room to
    grow: k = 5 gives a 5-class matrix without a spill error."""
    src, _out, _pub, _proc = panel
    wb = openpyxl.load_workbook(src, keep_vba=True)
    s = wb["Settings"]
    row = next(r for r in range(4, 40) if s.cell(r, 4).value == "NQP_MARKOV_K")
    assert s.cell(row, 2).value == 4
    r, c = anchor(src, "Dynamics", "NQP_MARKOV(")
    s.cell(row, 2).value = 5
    edited = tmp_path / "k5.xlsm"
    wb.save(edited)
    out = tmp_path / "k5.r.xlsm"
    nqp("refresh", edited, "-o", out, "-q")
    ws = openpyxl.load_workbook(out, data_only=True)["Dynamics"]
    assert [ws.cell(r, c + j).value for j in range(7)][1:] == [1, 2, 3, 4, 5, "N"]
    bad = [(w.title, x.coordinate) for w, x in _all_cells(openpyxl.load_workbook(out, data_only=True))
           if isinstance(x.value, str) and x.value.startswith("#")]
    assert not bad, bad[:5]


def test_methods_sheet_describes_dynamics_and_spatial_figures(panel, tmp_path):
    """Kernel density (nrd0), σ/β convergence, Markov, Moran and LISA have rows on Methods, in
    English and in Chinese; the published record of settings is in the workbook's language."""
    _src, _out, pub, _proc = panel
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(pub)["Methods"].iter_rows(max_col=4)]
    dyn = [r for r in rows if r[0] == "Dynamics"]
    text_all = " ".join(str(v) for r in dyn for v in r)
    for needle in ("nrd0", "σ-convergence", "β-convergence", "half-life", "Markov", "Moran", "LISA", "spdep"):
        assert needle in text_all, needle
    zh = tmp_path / "zh.xlsm"
    nqp("new", PANEL, "-o", zh, "--lang", "zh")
    zpub = tmp_path / "zh.xlsx"
    nqp("publish", zh, "-o", zpub, "-q")
    ws = openpyxl.load_workbook(zpub)["方法说明"]
    zrows = [[c.value for c in r] for r in ws.iter_rows(max_col=7)]
    zdyn = [r for r in zrows if r[0] == "动态演进"]
    assert len(zdyn) == len(dyn) == 6
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in r[2]) for r in zdyn)
    record = " ".join(str(r[5]) for r in zrows if r[5])
    assert "设置" in record and "Published" not in record and "马尔可夫类型数 k (NQP_MARKOV_K)" in record


def test_headings_at_the_right_print_whole_and_weights_names_run_upwards(panel):
    """The β-convergence heading (beside the σ table) lies inside the print area, whose last
    column reaches past its text; the English province names across the Weights matrix are
    rotated rather than broken inside 5-wide columns ("Beijin|g")."""
    from openpyxl.utils import column_index_from_string

    src, _out, pub, _proc = panel
    wb = openpyxl.load_workbook(pub)
    ws = wb["Dynamics"]
    r, c = next((x.row, x.column) for row in ws.iter_rows() for x in row if x.value == "Absolute β-convergence")
    heading = ws.cell(r, c).value
    last = column_index_from_string(ws.print_area.split(":")[-1].split("$")[1])
    widths = sum(ws.column_dimensions[ws.cell(1, k).column_letter].width for k in range(c, last + 1))
    assert widths >= len(heading) * 1.2, (widths, last)
    w = wb["Weights"]
    assert w["B1"].value == "Beijing" and w["B1"].alignment.textRotation == 90


def test_settings_and_inputs_print_whole(panel):
    """The Equations setting wraps in its cell (its row tall enough for every line), and the
    Inputs note sits wrapped in the label columns beside Direction/Subsystem rather than
    running under the direction cells (where print cut it off)."""
    src, _out, pub, _proc = panel
    wb = openpyxl.load_workbook(pub)
    s = openpyxl.load_workbook(src)["Settings"]  # the workbook's own: the published copy has no Settings
    row = next(r for r in range(4, 40) if s.cell(r, 4).value == "NQP_EQUATIONS")
    cell = s.cell(row, 2)
    assert cell.value == EQS and cell.alignment.wrap_text
    lines = math.ceil(len(EQS) * 1.1 / 38)
    assert s.row_dimensions[row].height >= 14.25 * lines - 0.01
    ws = wb["Inputs"]
    assert "B1:D4" in {str(m) for m in ws.merged_cells.ranges}  # beside direction, subsystem, label, unit
    assert ws["B1"].alignment.wrap_text and "Row 1" in ws["B1"].value
    assert ws["D6"].value == 2016 and ws["D6"].alignment.horizontal == "center"


def test_methods_rows_are_tall_enough_and_headers_keep_short_words_whole(panel):
    """Each Methods row is as tall as its longest text needs; a short header word such as the
    subsystem name "Manufacturing" widens its column rather than breaking inside."""
    from nqp_xl.workbook.template.layout import text_width

    src, _out, pub, _proc = panel
    wb = openpyxl.load_workbook(pub)
    ws = wb["Methods"]
    for r in range(7, ws.max_row + 1):
        texts = [ws.cell(r, c).value for c in range(1, 5)]
        if not isinstance(texts[2], str):
            continue
        for c, t in enumerate(texts, start=1):
            width = ws.column_dimensions[ws.cell(1, c).column_letter].width
            lines = math.ceil(text_width(t) / (width - 1))
            assert (ws.row_dimensions[r].height or 15) >= 14.25 * lines - 0.01, (r, t)
    cp = wb["Coupling"]
    r, c = anchor(src, "Coupling", "NQP_SUBINDEX(")
    for j in range(3):
        head = cp.cell(r, c + j).value
        width = cp.column_dimensions[cp.cell(r, c + j).column_letter].width
        assert len(head) <= width, (head, width)


def test_answers_that_widen_keep_their_formats(panel):
    """One more factor (next year's data) moves Rank right and adds a score column; a new year
    adds a kernel-density column.  Rank is formatted by its header (a conditional format), so
    the composite F never prints as a whole number, and the columns kept at the right of the
    scores, loadings and densities carry number formats (a new column does not print
    2.611709351) and are inside the print area."""
    from openpyxl.utils import column_index_from_string

    src, _out, pub, _proc = panel
    wb = openpyxl.load_workbook(pub)
    fa = wb["Factor analysis"]
    rules = _rule_formats(fa)
    assert [v[1] for k, v in rules.items() if k.endswith('="Rank"')] == ["0"], rules
    r, c = anchor(src, "Factor analysis", "NQP_FACTORS(")
    width = next(j for j in range(c, c + 20) if fa.cell(r, j).value is None) - c  # F1.., F, Rank
    for j in range(c, c + width + 3):
        assert fa.cell(r + 1, j).number_format == "0.0000", (j, fa.cell(r + 1, j).number_format)
    last = column_index_from_string(fa.print_area.split(":")[-1].split("$")[1])
    assert last >= c + width + 2
    dy = wb["Dynamics"]
    r, c = anchor(src, "Dynamics", "NQP_KDENSITY(")
    width = next(j for j in range(c, c + 30) if dy.cell(r, j).value is None) - c
    for j in range(c + width, c + width + 2):
        assert dy.cell(r + 1, j).number_format == "0.0000"


def test_obstacle_headers_run_upwards_whole(panel):
    """One column per indicator: the long indicator names stand upright in a header row tall
    enough for the longest, instead of breaking into pieces in 9-wide columns."""
    from nqp_xl.workbook.template.layout import text_width

    src, _out, pub, _proc = panel
    ws = openpyxl.load_workbook(pub)["Obstacle degree"]
    r, c = anchor(src, "Obstacle degree", "NQP_OBSTACLE(")
    heads = [ws.cell(r, j) for j in range(c, c + 20) if ws.cell(r, j).value]
    assert len(heads) == 20 and all(h.alignment.textRotation == 90 for h in heads)
    longest = max(text_width(h.value) for h in heads)
    assert ws.row_dimensions[r].height >= min(longest * 1.1 * 6.5, 220) - 1
    gr = openpyxl.load_workbook(pub)["Grades"]
    r, c = anchor(src, "Grades", "INDEX(NQP_CLUSTER(")
    assert gr.cell(r + 1, c).alignment.horizontal == "center"  # grade names clear of the F beside them


def test_new_names_text_cells_before_anyone_refreshes(tmp_path):
    """A text such as 暂缺 ("not available") in an indicator column: `new` says which cell, and
    that a blank is how to mark a missing value, instead of leaving the user to meet a sheet
    full of #NQP! after refresh."""
    rows = list(csv.reader(open(PANEL, encoding="utf-8")))
    data = tmp_path / "t.csv"
    rows[9][6] = "暂缺"
    with open(data, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    proc = nqp("new", data, "-o", tmp_path / "t.xlsm")
    assert 'indicator "rd_intensity", region "Guangdong" 2016: "暂缺"' in proc.stderr
    assert "blank for a missing value" in proc.stderr
    clean = nqp("new", PANEL, "-o", tmp_path / "c.xlsm")
    assert "note:" not in clean.stderr


def test_titles_and_notes_print_whole_on_narrow_sheets(tmp_path):
    """A sheet whose tables are narrow (Equations without a system: one message cell) still
    takes its title and note into the print area, in Chinese too (where they were cut at
    column A)."""
    from openpyxl.utils import column_index_from_string

    from nqp_xl.workbook.template.layout import text_width

    src, out, pub = tmp_path / "n.xlsm", tmp_path / "r.xlsm", tmp_path / "p.xlsx"
    nqp("new", DATA / "province_2022.csv", "-o", src, "--lang", "zh")
    nqp("refresh", src, "-o", out, "-q")
    nqp("publish", out, "-o", pub, "-q")
    wb = openpyxl.load_workbook(pub)
    checked = 0
    for ws in wb.worksheets:
        if not ws.print_area:
            continue
        last = column_index_from_string(ws.print_area.split(":")[-1].split("$")[1])
        room = sum(ws.column_dimensions[ws.cell(1, k).column_letter].width or 8.43 for k in range(1, last + 1))
        for r in (1, 2):
            text = ws.cell(r, 1).value
            if isinstance(text, str) and ws.cell(r, 2).value is None:
                assert room >= text_width(text) * (1.3 if r == 1 else 1.0), (ws.title, r, text, room)
                checked += 1
    assert checked >= 10
    eq = next(ws for ws in wb.worksheets if ws.title == "联立方程")
    assert "Stata" in eq["A1"].value
