"""The workbook template, written from code with XlsxWriter.

``build(path, table)`` writes a macro-enabled workbook: the xlwings VBA project that ships
inside the installed xlwings package, an active ``xlwings.conf`` sheet naming ``nqp_udfs``,
and the tabs Settings, Inputs, Factor analysis, Composite index, Coupling, Grades,
Disparity and Methods.  Every formula refers to the Inputs table through defined names
(``NQP_DATA`` = ``Data[#All]``, ``NQP_SUB1``/``NQP_SUB2`` = the subsystems' columns of the
table, ``NQP_DIRECTIONS``) and to the Settings cells through names (``NQP_LANG``,
``NQP_K``, ...), so a year with more or fewer regions or indicators needs no formula edits.
The formulas are written as dynamic arrays (cell metadata for Excel 365), which older Excel
opens as array formulas.  Nothing is computed here: ``nqp-xl refresh`` fills in the values.

The output is deterministic (fixed document properties and zip timestamps), so the committed
``workbook_template.xlsm`` can be compared with a fresh build.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import os
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Sequence

from .. import __version__

TABLE_NAME = "Data"
SHEETS = ("Settings", "Inputs", "Factor analysis", "Composite index", "Coupling", "Grades",
          "Disparity", "Methods", "xlwings.conf")
FIXED_TIME = _dt.datetime(2024, 1, 1, 0, 0, 0)
INPUT_HEADER_ROW = 3  # 1-based row of the table header on Inputs (row 1 directions, row 2 subsystems)
DEMO_CSV = "china_province_panel.csv"

# The bundled panel's natural split (nqp_xl/data/README.md): the first nine indicators are
# new quality productive forces, the ind_* and hitech_* columns manufacturing upgrading.
BUNDLED_SUB1 = ("rd_personnel_fte", "rd_expenditure", "rd_intensity", "gov_sci_tech_spending",
                "gov_education_spending", "basic_research_spending", "invention_patent_applications",
                "valid_invention_patents", "tech_market_outflow")


class InputError(ValueError):
    """A problem with the user's file, in the user's words (the CLI shows it on one line)."""


# --------------------------------------------------------------------------- labels

L = {
    "settings_title": ("nqp-xl settings", "nqp-xl 设置"),
    "setting": ("Setting", "设置项"),
    "value": ("Value", "取值"),
    "meaning": ("Meaning", "说明"),
    "inputs_note": ("Paste the year's table over the Data table (region labels first, then one column per indicator). "
                    "Row 1: direction of each indicator (+ more is better, - less is better); row 2: its subsystem.",
                    "将当年数据粘贴到 Data 表中（先地区标签列，后每列一个指标）。第 1 行：指标方向（+ 正向，- 负向）；第 2 行：所属子系统。"),
    "direction": ("Direction", "方向"),
    "subsystem": ("Subsystem", "子系统"),
    "fa_title": ("Factor analysis (SPSS FACTOR: principal components, varimax with Kaiser normalization)",
                 "因子分析（主成分提取，Kaiser 标准化最大方差旋转）"),
    "kmo": ("KMO measure of sampling adequacy", "KMO 取样适切性量数"),
    "bartlett": ("Bartlett's test of sphericity", "Bartlett 球形度检验"),
    "variance": ("Total variance explained", "总方差解释"),
    "loadings": ("Rotated component matrix (loadings)", "旋转后的成分矩阵（载荷）"),
    "scorecoef": ("Component score coefficient matrix", "成分得分系数矩阵"),
    "factors": ("Factor scores, composite F and rank", "因子得分、综合得分 F 与排名"),
    "ci_title": ("Composite index (weights, index, TOPSIS)", "综合指数（权重、指数、TOPSIS）"),
    "weights": ("Indicator weights", "指标权重"),
    "index": ("Composite index and TOPSIS", "综合指数与 TOPSIS"),
    "cp_title": ("Coupling coordination of the two subsystems", "两子系统耦合协调度"),
    "cp_note": ("U1, U2: composite index of each subsystem (NQP_SUB1, NQP_SUB2 columns of the Data table)",
                "U1、U2：各子系统综合指数（Data 表中 NQP_SUB1、NQP_SUB2 两组指标）"),
    "gr_title": ("Grades: k-means on the factor composite score F", "等级：对因子综合得分 F 做 k 均值聚类"),
    "ds_title": ("Regional disparity of the composite index", "综合指数的区域差异"),
    "gini": ("Dagum Gini decomposition", "Dagum 基尼系数分解"),
    "theil": ("Theil index decomposition", "泰尔指数分解"),
    "me_title": ("Methods: what each figure means", "方法说明：各项结果的含义"),
    "version": ("nqp-xl version", "nqp-xl 版本"),
    "digest": ("SHA-256 of the input table", "输入表 SHA-256 摘要"),
    "digest_note": ("(written by nqp-xl publish)", "（由 nqp-xl publish 写入）"),
    "sheet": ("Sheet", "工作表"),
    "figure": ("Figure", "结果"),
    "formula": ("Formula", "公式"),
    "chart_index": ("Composite index by region", "各地区综合指数"),
    "chart_loadings": ("Rotated loadings", "旋转后载荷"),
    "chart_coupling": ("Coupling coordination degree D by region and year", "各地区各年耦合协调度 D"),
}


def t(key: str, lang: str) -> str:
    en, zh = L[key]
    return zh if lang == "zh" else en


# Settings: (name, en label, zh label, default, meaning en, meaning zh, allowed values)
SETTINGS = [
    ("NQP_LANG", "Language", "语言", "en", "Header language of all results: en or zh", "结果表头语言：en 或 zh", ["en", "zh"]),
    ("NQP_ID_COLS", "Label columns", "标签列数", 1, "How many leading columns of the Data table are labels (region, year, ...)",
     "Data 表最前面的标签列数（地区、年份等）", None),
    ("NQP_LABEL_COL", "Label column shown", "显示的标签列", 1, "Which column of the Data table labels the result rows",
     "结果行所用的标签列序号", None),
    ("NQP_LABEL_COL2", "Second label column shown", "第二标签列", 1, "A second label (e.g. the year of a panel)",
     "第二个标签列（如面板数据的年份）", None),
    ("NQP_GROUP_COL", "Group column (disparity)", "分组列（区域差异）", 1, "Column of the Data table holding the groups for Gini/Theil",
     "基尼/泰尔分解所用分组列的序号", None),
    ("NQP_N_FACTORS", "Number of factors (n_factors)", "因子个数 n_factors", None,
     "Leave blank to use min_cumvar, or eigenvalue > 1 when both are blank", "留空则按累计方差或特征值 > 1 确定", None),
    ("NQP_MIN_CUMVAR", "Minimum cumulative variance (min_cumvar)", "最低累计方差 min_cumvar", None,
     "A fraction such as 0.85; used when n_factors is blank", "分数，如 0.85；n_factors 留空时使用", None),
    ("NQP_K", "Number of grades k", "等级数 k", 4, "k-means clusters for the grades", "k 均值聚类的类别数", None),
    ("NQP_GRADE_NAMES", "Grade names", "等级名称", None, "Comma list, best first; blank = Excellent,Good,Medium,Poor (优,良,中,差)",
     "逗号分隔，最好者在前；留空 = 优,良,中,差", None),
    ("NQP_COUPLING_MODEL", "Coupling model", "耦合模型", "standard", "standard, or wang (Wang Shujia et al. 2021 corrected C)",
     "standard 或 wang（王淑佳等 2021 修正模型）", ["standard", "wang"]),
    ("NQP_WEIGHTS_METHOD", "Weights method", "赋权方法", "entropy", "entropy, critic, cv or equal", "entropy、critic、cv 或 equal",
     ["entropy", "critic", "cv", "equal"]),
]

# Methods sheet: (sheet, figure, meaning en, meaning zh, formula)
METHODS = [
    ("Factor analysis", "KMO", "Kaiser-Meyer-Olkin adequacy; above 0.6 factor analysis is reasonable",
     "KMO 取样适切性，> 0.6 适合因子分析", "KMO = Σr²ij / (Σr²ij + Σa²ij), a = anti-image correlations"),
    ("Factor analysis", "Bartlett", "Test that the correlation matrix is not the identity",
     "检验相关矩阵是否为单位阵", "χ² = -(n - 1 - (2p+5)/6) ln|R|, df = p(p-1)/2"),
    ("Factor analysis", "Total variance explained", "Eigenvalues of R and the share of variance of each component",
     "相关矩阵特征值及各成分方差贡献", "λ1 ≥ … ≥ λp; % = 100 λ / p"),
    ("Factor analysis", "Loadings", "Correlation of each indicator with each rotated factor",
     "各指标与旋转后因子的相关", "A = V√λ, varimax with Kaiser normalization"),
    ("Factor analysis", "Score coefficients", "Weights turning z-scores into factor scores",
     "由标准化数据计算因子得分的系数", "B = R⁻¹A"),
    ("Factor analysis", "F, Rank", "Composite factor score and its rank (1 = highest)",
     "综合因子得分及排名（1 = 最高）", "F = Σ (SSi / ΣSS) Fi"),
    ("Composite index", "Weight", "Objective weight of each indicator", "各指标客观权重",
     "entropy: e = -(1/ln m) Σ p ln p, d = 1 - e, w = d / Σd"),
    ("Composite index", "Index", "Weighted sum of min-max normalised indicators, in [0, 1]",
     "极差标准化指标的加权和，位于 [0, 1]", "x' = (x - min)/(max - min) (or (max - x)/(max - min) for -), I = Σ w x'"),
    ("Composite index", "TOPSIS C", "Relative closeness to the ideal solution", "与理想解的相对贴近度",
     "C = D- / (D+ + D-)"),
    ("Coupling", "C, T, D", "Coupling degree, coordination index and coupling coordination degree",
     "耦合度、综合协调指数、耦合协调度", "C = n(ΠU)^(1/n) / ΣU, T = Σ a U, D = √(C T)"),
    ("Coupling", "Level, Grade", "Ten classes of D from extreme imbalance to quality coordination",
     "按 D 划分的十个协调等级", "D in [0,0.1) → 1 … [0.9,1] → 10"),
    ("Grades", "Grade", "k-means classes of F, best first", "对 F 的 k 均值分类，最好者在前",
     "exact one-dimensional k-means (dynamic programming)"),
    ("Disparity", "Gini", "Dagum Gini: total, within groups, between groups, transvariation",
     "Dagum 基尼系数：总体、组内、组间、超变密度", "G = Gw + Gnb + Gt"),
    ("Disparity", "Theil", "Theil index: total, within and between groups", "泰尔指数：总体、组内、组间",
     "T = (1/n) Σ (y/ȳ) ln(y/ȳ)"),
]


# --------------------------------------------------------------------------- the input table

@dataclass
class InputTable:
    """Headers and rows as they go into the Data table (floats, None for blanks, str)."""

    headers: list[str]
    rows: list[list[Any]]
    id_cols: int
    directions: list[str] = field(default_factory=list)
    subsystems: list[str] = field(default_factory=list)

    @property
    def indicators(self) -> list[str]:
        return self.headers[self.id_cols:]


def _cell(text: str) -> Any:
    s = text.strip()
    if s == "":
        return None
    try:
        x = float(s)
    except ValueError:
        return text
    if math.isfinite(x):
        return x
    return text


def _detect_id_cols(rows: list[list[Any]], width: int) -> int:
    n = 0
    for c in range(width - 1):
        cells = [r[c] for r in rows if r[c] is not None]
        if cells and all(isinstance(v, str) for v in cells):
            n += 1
        else:
            break
    return n


def _finish_table(headers: list[Any], rows: list[list[Any]], id_cols: int | None, source: str) -> InputTable:
    if not headers:
        raise InputError(f"{source} is empty")
    headers = ["" if h is None else str(h).strip() for h in headers]
    width = len(headers)
    for j, h in enumerate(headers):
        if not h:
            raise InputError(f"{source}: column {j + 1} has no header; every column needs a name")
    seen: dict[str, int] = {}
    for j, h in enumerate(headers):
        if h.lower() in seen:
            raise InputError(f'{source}: the header "{h}" appears twice (columns {seen[h.lower()] + 1} and {j + 1})')
        seen[h.lower()] = j
    rows = [list(r[:width]) + [None] * (width - len(r)) for r in rows]
    rows = [r for r in rows if any(v is not None for v in r)]
    if not rows:
        raise InputError(f"{source} has a header but no data rows")
    n_id = _detect_id_cols(rows, width) if id_cols is None else id_cols
    if n_id < 0 or n_id >= width:
        raise InputError(f"--id-cols {n_id} leaves no indicator columns in {source} ({width} columns)")
    table = InputTable(headers, rows, n_id)
    table.directions = ["+"] * len(table.indicators)
    table.subsystems = default_subsystems(table.indicators)
    return table


def default_subsystems(indicators: Sequence[str]) -> list[str]:
    """Two contiguous subsystems: the bundled panel's split, else the first and second half."""
    p = len(indicators)
    if p >= 2 and indicators[0] in BUNDLED_SUB1:
        n1 = 0
        while n1 < p and indicators[n1] in BUNDLED_SUB1:
            n1 += 1
        if 0 < n1 < p:
            return ["NQP"] * n1 + ["Manufacturing"] * (p - n1)
    n1 = max(1, (p + 1) // 2)
    return ["S1"] * n1 + ["S2"] * (p - n1)


def read_csv(path: str, id_cols: int | None = None) -> InputTable:
    try:
        with open(path, "r", encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        try:
            with open(path, "r", encoding="gb18030", newline="") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            raise InputError(f"{path} is neither UTF-8 nor GB18030 text; save it as CSV UTF-8") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    records = list(csv.reader(io.StringIO(text), dialect))
    if not records:
        raise InputError(f"{path} is empty")
    headers = records[0]
    rows = [[_cell(v) for v in r] for r in records[1:]]
    return _finish_table(headers, rows, id_cols, os.path.basename(path))


def read_xlsx(path: str, id_cols: int | None = None) -> InputTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # noqa: BLE001 - any unreadable file is a user error
        raise InputError(f"cannot read {os.path.basename(path)} as an Excel workbook ({type(err).__name__})") from None
    try:
        ws = wb["Inputs"] if "Inputs" in wb.sheetnames else wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    # the Inputs tab of an nqp-xl workbook: the table starts at the header row
    if ws.title == "Inputs" and len(rows) >= INPUT_HEADER_ROW:
        rows = rows[INPUT_HEADER_ROW - 1:]
    rows = [[(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else
              (None if v is None or (isinstance(v, str) and not v.strip()) else v)) for v in r] for r in rows]
    while rows and all(v is None for v in rows[0]):
        rows.pop(0)
    if not rows:
        raise InputError(f"{os.path.basename(path)} has no data on its first sheet")
    headers = rows[0]
    while headers and headers[-1] is None:
        headers = headers[:-1]
    return _finish_table(list(headers), rows[1:], id_cols, os.path.basename(path))


def read_table(path: str, id_cols: int | None = None) -> InputTable:
    if not os.path.exists(path):
        raise InputError(f"{path} does not exist")
    ext = os.path.splitext(path)[1].lower()
    if ext in (".csv", ".txt", ".tsv"):
        return read_csv(path, id_cols)
    if ext in (".xlsx", ".xlsm"):
        return read_xlsx(path, id_cols)
    raise InputError(f"{path}: give a .csv or .xlsx file")


def bundled_panel_path() -> str:
    return str(resources.files("nqp_xl") / "data" / DEMO_CSV)


def example_table() -> InputTable:
    """The template's example: the bundled panel's 2022 cross-section (31 provinces)."""
    table = read_csv(bundled_panel_path(), id_cols=4)
    year = table.headers.index("year")
    table.rows = [r for r in table.rows if r[year] == 2022.0]
    return table


# --------------------------------------------------------------------------- VBA

def xlwings_vba_project() -> bytes:
    """vbaProject.bin of the xlwings standalone quickstart that ships with the installed xlwings."""
    import xlwings

    folder = os.path.dirname(xlwings.__file__)
    for name in ("quickstart_standalone.xlsm", "quickstart.xlsm"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with zipfile.ZipFile(path) as z:
                return z.read("xl/vbaProject.bin")
    raise InputError("the installed xlwings has no quickstart workbook to take its VBA from; reinstall xlwings")


# --------------------------------------------------------------------------- formulas

def _sref(col: str) -> str:
    """A column name escaped for a structured reference."""
    out = ""
    for ch in col:
        if ch in "[]#'":
            out += "'"
        out += ch
    return out


def formulas_for(groups: bool = True) -> dict[str, str]:
    """Every formula of the template, by a short key (also used by the tests).

    ``groups``: the table has a group column (Settings: NQP_GROUP_COL) for the Gini and
    Theil decompositions; without one they answer the overall index only."""
    D, L_, I = "NQP_DATA", "NQP_LANG", "NQP_ID_COLS"
    fa = f"{D},NQP_N_FACTORS,NQP_MIN_CUMVAR"
    idx = f"NQP_INDEX({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I})"
    u1 = f"NQP_INDEX(NQP_SUB1,NQP_WEIGHTS_METHOD,NQP_DIR1,{L_},0)"
    u2 = f"NQP_INDEX(NQP_SUB2,NQP_WEIGHTS_METHOD,NQP_DIR2,{L_},0)"
    score = f"NQP_SCORE({fa},{L_},{I})"
    group = f"INDEX({D},0,NQP_GROUP_COL)" if groups else ""
    return {
        "label1": f"INDEX({D},0,NQP_LABEL_COL)",
        "label2": f"INDEX({D},0,NQP_LABEL_COL2)",
        "kmo": f"NQP_KMO({D},{L_},{I})",
        "bartlett": f"NQP_BARTLETT({D},{L_},{I})",
        "variance": f"NQP_VARIANCE({fa},{L_},{I})",
        "loadings": f"NQP_LOADINGS({fa},TRUE,{L_},{I})",
        "scorecoef": f"NQP_SCORECOEF({fa},{L_},{I})",
        "factors": f"NQP_FACTORS({fa},{L_},{I})",
        "weights": f"NQP_WEIGHTS({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I})",
        "index": idx,
        "topsis": f"NQP_TOPSIS({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I})",
        "u1": u1,
        "u2": u2,
        "coupling": f"NQP_COUPLING(CHOOSE({{1,2}},{u1},{u2}),,NQP_COUPLING_MODEL,{L_})",
        "score": score,
        "cluster": f"NQP_CLUSTER({score},NQP_K,NQP_GRADE_NAMES,,{L_})",
        "gini": f"NQP_GINI({idx},{group},,{L_})",
        "theil": f"NQP_THEIL({idx},{group},,{L_})",
        "version": "NQP_VERSION()",
    }


# --------------------------------------------------------------------------- build

def build(path: str, table: InputTable | None = None, lang: str = "en") -> None:
    """Write the template (with ``table`` in the Data table; the bundled 2022 example by default)."""
    import xlsxwriter

    if lang not in ("en", "zh"):
        raise InputError(f'language "{lang}" is not known; use en or zh')
    table = table or example_table()
    n, p, n_id = len(table.rows), len(table.indicators), table.id_cols
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False,
                                    "strings_to_urls": False, "nan_inf_to_errors": True})
    wb.set_properties({"title": "nqp-xl workbook", "subject": "New quality productive forces evaluation",
                       "author": "nqp-xl", "company": "", "comments": f"nqp-xl {__version__}",
                       "created": FIXED_TIME})
    wb.set_custom_property("nqp-xl template", __version__)
    wb.add_vba_project(io.BytesIO(xlwings_vba_project()), is_stream=True)
    wb.set_vba_name("ThisWorkbook")
    group_col, label_col, label2 = _label_columns(table)
    F = formulas_for(groups=group_col is not None)

    title = wb.add_format({"bold": True, "font_size": 14})
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    note = wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": False})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    num = wb.add_format({"num_format": "0.0000"})
    inp = wb.add_format({"bg_color": "#FFF2CC", "border": 1})

    sheets = {name: wb.add_worksheet(name) for name in SHEETS}
    for i, name in enumerate(SHEETS):
        sheets[name].set_vba_name(f"Sheet{i + 1}")

    # ---- Settings
    ws = sheets["Settings"]
    ws.activate()
    ws.write_string(0, 0, t("settings_title", lang), title)
    ws.write_string(2, 0, t("setting", lang), head)
    ws.write_string(2, 1, t("value", lang), head)
    ws.write_string(2, 2, t("meaning", lang), head)
    ws.write_string(2, 3, "Name", head)
    values = {"NQP_LANG": lang, "NQP_ID_COLS": n_id, "NQP_LABEL_COL": label_col,
              "NQP_LABEL_COL2": label2 or label_col, "NQP_GROUP_COL": group_col}
    for i, (name, en, zh, default, m_en, m_zh, allowed) in enumerate(SETTINGS):
        r = 3 + i
        ws.write_string(r, 0, zh if lang == "zh" else en, bold)
        v = values.get(name, default)
        if v is None:
            ws.write_blank(r, 1, None, inp)
        elif isinstance(v, str):
            ws.write_string(r, 1, v, inp)
        else:
            ws.write_number(r, 1, v, inp)
        if allowed:
            ws.data_validation(r, 1, r, 1, {"validate": "list", "source": allowed})
        ws.write_string(r, 2, m_zh if lang == "zh" else m_en)
        ws.write_string(r, 3, name, note)
        wb.define_name(name, f"=Settings!$B${r + 1}")
    ws.set_column(0, 0, 38)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 80)
    ws.set_column(3, 3, 22)

    # ---- Inputs
    ws = sheets["Inputs"]
    h = INPUT_HEADER_ROW - 1
    ws.write_string(0, 0, t("direction", lang), bold)
    ws.write_string(1, 0, t("subsystem", lang), bold)
    if n_id > 1:
        ws.write_string(0, 1, t("inputs_note", lang), note)
    for j in range(p):
        ws.write_string(0, n_id + j, table.directions[j], inp)
        ws.write_string(1, n_id + j, table.subsystems[j], inp)
    for i, row in enumerate(table.rows):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(h + 1 + i, j, v)  # text stays text, even "=..." (no formula injection)
            elif isinstance(v, bool):
                ws.write_boolean(h + 1 + i, j, v)
            else:
                ws.write_number(h + 1 + i, j, float(v))
    ws.add_table(h, 0, h + n, n_id + p - 1, {
        "name": TABLE_NAME, "style": "Table Style Light 9",
        "columns": [{"header": c} for c in table.headers]})
    ws.freeze_panes(h + 1, n_id)
    ws.set_column(0, max(0, n_id - 1), 14)
    ws.set_column(n_id, n_id + p - 1, 12)
    first_ind = h + 1  # unused; the names below carry the geometry
    del first_ind
    wb.define_name("NQP_DATA", f"={TABLE_NAME}[#All]")
    wb.define_name("NQP_DIRECTIONS", f"=Inputs!${_col(n_id)}$1:${_col(n_id + p - 1)}$1")
    subs = _blocks(table.subsystems)
    if len(subs) < 2:
        subs = [(0, max(0, p // 2 - 1)), (p // 2, p - 1)] if p >= 2 else [(0, 0), (0, 0)]
    for k, (a, b) in enumerate(subs[:2], start=1):
        ca, cb = table.indicators[a], table.indicators[b]
        wb.define_name(f"NQP_SUB{k}", f"={TABLE_NAME}[[#All],[{_sref(ca)}]:[{_sref(cb)}]]")
        wb.define_name(f"NQP_DIR{k}", f"=Inputs!${_col(n_id + a)}$1:${_col(n_id + b)}$1")

    # ---- Factor analysis
    ws = sheets["Factor analysis"]
    ws.write_string(0, 0, t("fa_title", lang), title)
    ws.write_string(2, 0, t("kmo", lang), bold)
    _scalar(ws, 2, 1, F["kmo"], num)
    ws.write_string(4, 0, t("bartlett", lang), bold)
    _dyn(ws, 5, 0, F["bartlett"], 2, 3, num)
    ws.write_string(8, 0, t("variance", lang), bold)
    _dyn(ws, 9, 0, F["variance"], p + 1, 10, num)
    load_row = 9 + max(p, 20) + 8
    ws.write_string(load_row - 1, 0, t("loadings", lang), bold)
    _dyn(ws, load_row, 0, F["loadings"], p + 1, 3, num)
    coef_row = load_row + max(p, 20) + 8
    ws.write_string(coef_row - 1, 0, t("scorecoef", lang), bold)
    _dyn(ws, coef_row, 0, F["scorecoef"], p + 1, 3, num)
    ws.write_string(2, 12, t("factors", lang), bold)
    _labels(ws, 12, F, n, label2)
    _dyn(ws, 3, 14, F["factors"], n + 1, 5, num)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 10, 12)
    ws.set_column(12, 13, 14)
    chart = wb.add_chart({"type": "bar"})
    for k in range(2):
        chart.add_series({"name": ["Factor analysis", load_row, 1 + k],
                          "categories": ["Factor analysis", load_row + 1, 0, load_row + p, 0],
                          "values": ["Factor analysis", load_row + 1, 1 + k, load_row + p, 1 + k]})
    chart.set_title({"name": t("chart_loadings", lang)})
    chart.set_size({"width": 620, "height": 520})
    chart.set_y_axis({"reverse": True})
    ws.insert_chart(load_row, 5, chart)

    # ---- Composite index
    ws = sheets["Composite index"]
    ws.write_string(0, 0, t("ci_title", lang), title)
    ws.write_string(2, 0, t("weights", lang), bold)
    _dyn(ws, 3, 0, F["weights"], p + 1, 4, num)
    ws.write_string(2, 6, t("index", lang), bold)
    _labels(ws, 6, F, n, label2)
    _dyn(ws, 3, 8, F["index"], n + 1, 1, num)
    _dyn(ws, 3, 9, F["topsis"], n + 1, 4, num)
    ws.set_column(0, 0, 30)
    ws.set_column(6, 7, 14)
    ws.set_column(8, 12, 11)
    _column_chart(wb, ws, "Composite index", t("chart_index", lang), value_col=8,
                  categories=(6, 6), n=n, at=(3, 14))

    # ---- Coupling
    ws = sheets["Coupling"]
    ws.write_string(0, 0, t("cp_title", lang), title)
    ws.write_string(1, 0, t("cp_note", lang), note)
    _labels(ws, 0, F, n, label2)
    _dyn(ws, 3, 2, F["u1"], n + 1, 1, num)
    _dyn(ws, 3, 3, F["u2"], n + 1, 1, num)
    _dyn(ws, 3, 4, F["coupling"], n + 1, 6, num)
    ws.set_column(0, 1, 14)
    ws.set_column(2, 7, 10)
    ws.set_column(8, 9, 22)
    _column_chart(wb, ws, "Coupling", t("chart_coupling", lang), value_col=6,
                  categories=(0, 1), n=n, at=(3, 11))

    # ---- Grades
    ws = sheets["Grades"]
    ws.write_string(0, 0, t("gr_title", lang), title)
    _labels(ws, 0, F, n, label2)
    _dyn(ws, 3, 2, F["score"], n + 1, 1, num)
    _dyn(ws, 3, 3, F["cluster"], n + 1, 2)
    ws.set_column(0, 1, 14)
    ws.set_column(2, 4, 12)

    # ---- Disparity
    ws = sheets["Disparity"]
    ws.write_string(0, 0, t("ds_title", lang), title)
    ws.write_string(2, 0, t("gini", lang), bold)
    _dyn(ws, 3, 0, F["gini"], 5, 3, num)
    ws.write_string(2, 4, t("theil", lang), bold)  # beside the Gini table, which grows with the groups
    _dyn(ws, 3, 4, F["theil"], 4, 3, num)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 3, 14)
    ws.set_column(4, 4, 24)
    ws.set_column(5, 6, 14)

    # ---- Methods
    ws = sheets["Methods"]
    ws.write_string(0, 0, t("me_title", lang), title)
    ws.write_string(2, 0, t("version", lang), bold)
    _scalar(ws, 2, 1, F["version"])
    ws.write_string(3, 0, t("digest", lang), bold)
    ws.write_string(3, 1, t("digest_note", lang), note)
    # where ``nqp-xl publish`` records the input digest and the version/settings block
    wb.define_name("NQP_METHODS_DIGEST", "=Methods!$B$4")
    wb.define_name("NQP_METHODS_RECORD", "=Methods!$F$3")
    ws.write_string(5, 0, t("sheet", lang), head)
    ws.write_string(5, 1, t("figure", lang), head)
    ws.write_string(5, 2, t("meaning", lang), head)
    ws.write_string(5, 3, t("formula", lang), head)
    for i, (sheet, fig, m_en, m_zh, formula) in enumerate(METHODS):
        ws.write_string(6 + i, 0, sheet)
        ws.write_string(6 + i, 1, fig)
        ws.write_string(6 + i, 2, m_zh if lang == "zh" else m_en, wrap)
        ws.write_string(6 + i, 3, formula, wrap)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 60)
    ws.set_column(3, 3, 60)

    # ---- xlwings.conf (active: no leading underscore)
    ws = sheets["xlwings.conf"]
    ws.write_string(0, 0, "UDF Modules")
    ws.write_string(0, 1, "nqp_udfs")
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 16)

    wb.close()


def _col(index0: int) -> str:
    from .xlsx import col_letters

    return col_letters(index0 + 1)


def _blocks(labels: Sequence[str]) -> list[tuple[int, int]]:
    """Contiguous runs of equal subsystem labels, as (first, last) indicator positions."""
    out: list[tuple[int, int]] = []
    start = 0
    for j in range(1, len(labels) + 1):
        if j == len(labels) or labels[j] != labels[start]:
            out.append((start, j - 1))
            start = j
    return out


def _label_columns(table: InputTable) -> tuple[int | None, int, int | None]:
    """Which label columns (1-based, of the Data table) the sheets use: the group column for
    Gini/Theil ("region", else a label column with 2 to n/2 distinct values, else none), the
    region name ("province_en", else the first) and a second label ("year", else another label
    column, else none: then the sheets show one label column)."""
    n_id, heads, rows = table.id_cols, table.headers, table.rows
    labels = list(range(n_id))

    def named(name: str) -> int | None:
        return heads.index(name) if name in heads[:n_id] else None

    first = named("province_en")
    first = 0 if first is None else first
    group = named("region")
    if group is None:
        for c in labels:
            distinct = len({str(r[c]) for r in rows})
            if c != first and 2 <= distinct <= len(rows) // 2:
                group = c
                break
    second = named("year")
    if second is None:
        second = next((c for c in labels if c not in (first, group)), None)
    return (None if group is None else group + 1), first + 1, (None if second is None else second + 1)


def _column_chart(wb, ws, sheet: str, title: str, value_col: int, categories: tuple[int, int],
                  n: int, at: tuple[int, int]) -> None:
    """A column chart of one spilled answer column (header in row 4, n rows below), by region
    (the label columns ``categories``); refresh stretches its ranges to the real spill size."""
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": [sheet, 3, value_col],
                      "categories": [sheet, 4, categories[0], 3 + n, categories[1]],
                      "values": [sheet, 4, value_col, 3 + n, value_col]})
    chart.set_title({"name": title})
    chart.set_legend({"none": True})
    chart.set_size({"width": 900, "height": 420})
    ws.insert_chart(at[0], at[1], chart)


def _labels(ws, col: int, F: dict[str, str], n: int, label2: int | None) -> None:
    """The region labels of an aligned answer in columns col (and col + 1 when the table has
    a second label, e.g. the year of a panel), spilling from row 4."""
    _dyn(ws, 3, col, F["label1"], n + 1, 1)
    if label2:
        _dyn(ws, 3, col + 1, F["label2"], n + 1, 1)


def _scalar(ws, row: int, col: int, formula: str, fmt=None) -> None:
    """A formula answering one value, written as an ordinary formula: Excel 365 shows it
    as ``=@NQP_...`` and, unlike array formulas, LibreOffice keeps its cached value."""
    ws.write_formula(row, col, "=" + formula, fmt, "")


def _dyn(ws, row: int, col: int, formula: str, rows: int, cols: int, fmt=None) -> None:
    """A dynamic-array formula anchored at (row, col); the range is a first guess that
    ``nqp-xl refresh`` resizes to the real answer."""
    ws.write_dynamic_array_formula(row, col, row, col, "=" + formula, fmt, "")
    if fmt is not None and (rows > 1 or cols > 1):
        for r in range(row, row + rows):
            for c in range(col, col + cols):
                if (r, c) != (row, col):
                    ws.write_blank(r, c, None, fmt)
