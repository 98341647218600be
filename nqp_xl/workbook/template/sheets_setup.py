"""The Settings, Inputs, Methods and xlwings.conf sheets of the template."""
from __future__ import annotations

import math

from ..ooxml.addresses import col_letters, quote_sheet
from .context import Ctx
from .contract import (COMPUTED, CONF_SHEET, DIGEST_NAME, RECORD_NAME, SETTINGS, TABLE_NAME, UDF_MODULE,
                       UDF_MODULES_KEY)
from .input_table import INPUT_HEADER_ROW
from .layout import PAGE, PT_PER_CHAR, PT_PER_COL, ROW_PT, Page, text_width

SETTINGS_FIRST_ROW = 3  # 0-based row of the first setting


def settings_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("settings"), landscape=True)
    ws, book = page.ws, ctx.book
    page.title(ctx.t("settings_title"))
    page.skip(1)
    head = book.fmt("gen", head=True)
    for j, key in enumerate(("setting", "value", "meaning", "name")):
        ws.write_string(2, j, ctx.t(key), head)
    values = {"NQP_LANG": ctx.lang, "NQP_ID_COLS": ctx.table.id_cols, "NQP_REGION_COL": ctx.cols.region,
              "NQP_YEAR_COL": ctx.cols.year, "NQP_GROUP_COL": ctx.cols.group, "NQP_EQUATIONS": ctx.equations or None,
              "NQP_PANEL_EQUATION": ctx.panel_equation or None}
    inp = book.fmt("gen", bg_color="#FFF2CC", border=1)
    inp_int = book.fmt("int", bg_color="#FFF2CC", border=1)
    wrap = book.fmt("gen", text_wrap=True, valign="top")
    for i, (name, en, zh, default, m_en, m_zh, allowed) in enumerate(SETTINGS):
        r = SETTINGS_FIRST_ROW + i
        ws.write_string(r, 0, zh if ctx.lang == "zh" else en, book.fmt("gen", bold=True))
        v = values.get(name, default)
        if v == COMPUTED:
            formula = "IF(NQP_YEAR_CHOSEN=\"\",MAX(NQP_YEARS),NQP_YEAR_CHOSEN)" if ctx.panel else '""'
            ws.write_formula(r, 1, "=" + formula, book.fmt("int", bold=True), "")
        elif v is None:
            ws.write_blank(r, 1, None, inp)
        elif isinstance(v, str) and text_width(v) > 38:  # the equations: wrapped, whole
            ws.write_string(r, 1, v, book.fmt("gen", bg_color="#FFF2CC", border=1, text_wrap=True, valign="top"))
            page.heights[r] = max(page.heights.get(r, ROW_PT), ROW_PT * math.ceil(text_width(v) * 1.1 / 38))
        elif isinstance(v, str):
            ws.write_string(r, 1, v, inp)
        else:
            ws.write_number(r, 1, v, inp_int)
        if allowed:
            ws.data_validation(r, 1, r, 1, {"validate": "list", "source": allowed})
        meaning = m_zh if ctx.lang == "zh" else m_en
        ws.write_string(r, 2, meaning, wrap)
        if text_width(meaning) > 66:  # two lines in the 70-wide column
            page.heights[r] = max(page.heights.get(r, ROW_PT), ROW_PT * 2)
        ws.write_string(r, 3, name, book.fmt("gen", italic=True, font_color="#595959"))
        book.wb.define_name(name, f"={quote_sheet(page.name)}!$B${r + 1}")
    page.row = SETTINGS_FIRST_ROW + len(SETTINGS)
    page.width(0, 30 if ctx.lang == "en" else 22)
    page.width(1, 40)
    page.width(2, 70)
    page.width(3, 20)
    page.items.append((0, page.row))
    page.finish()
    return page


def inputs_sheet(ctx: Ctx) -> Page:
    table = ctx.table
    page = Page(ctx.book, ctx.sheet("inputs"), landscape=True)
    ws, book = page.ws, ctx.book
    n, p, n_id = len(table.rows), len(table.indicators), table.id_cols
    h = INPUT_HEADER_ROW - 1
    _rows_above_table(ctx, page)
    centred = book.fmt("int", align="center")
    # The measuring pass hands the rows to the engine itself (template.fill_inputs), unless
    # one of them would not come back from the file as it went in.
    # text stays text, even "=..." (no formula injection); a year among the labels is centred,
    # clear of the names beside it
    number_formats = [centred if j < n_id else None for j in range(max(map(len, table.rows), default=0))]
    for i, row in enumerate(() if book.skip_inputs else table.rows):
        ws.write_values(h + 1 + i, row, number_formats)
    ws.add_table(h, 0, h + n, n_id + p - 1, {
        "name": TABLE_NAME, "style": "Table Style Light 9",
        "columns": [{"header": c, "header_format": book.fmt("gen", text_wrap=True, bold=True, valign="top")}
                    for c in table.headers]})
    ws.freeze_panes(h + 1, n_id)
    page.frozen = True
    for j, head in enumerate(table.headers):
        texts = {r[j] for r in table.rows if isinstance(r[j], str)}  # each label once (a county's ten years)
        widest = max([text_width(v) for v in texts] + [8.0])
        page.width(j, min(max(text_width(head) / 2 + 2, widest + 2, 9), 16))
    page.heights[h] = ROW_PT * 3
    if n_id > 1:
        _inputs_note(ctx, page, n_id)
    if any(table.labels):
        page.heights[2] = max(page.heights.get(2, ROW_PT), ROW_PT * 2)
    _input_names(ctx, page, n_id, p)
    page.row = h + n + 1
    page.last_col = n_id + p - 1
    page.items.append((h, h))
    page.finish(repeat_rows=(h, h))
    if n_id:
        ws.repeat_columns(0, n_id - 1)  # a page of the table's right part still names its rows
    _fit_inputs_print(page, n_id, p)
    return page


def _rows_above_table(ctx: Ctx, page: Page) -> None:
    """Inputs rows 1-4 above the Data table: each indicator's direction, subsystem, label and unit."""
    table, ws, book = ctx.table, page.ws, ctx.book
    n_id, p = table.id_cols, len(table.indicators)
    bold = book.fmt("gen", bold=True)
    inp = book.fmt("gen", bg_color="#FFF2CC", border=1, align="center")
    ws.write_string(0, 0, ctx.t("direction"), bold)
    ws.write_string(1, 0, ctx.t("subsystem"), bold)
    ws.write_string(2, 0, ctx.t("label_row"), bold)
    ws.write_string(3, 0, ctx.t("unit_row"), bold)
    wrap_inp = book.fmt("gen", bg_color="#FFF2CC", border=1, align="center", text_wrap=True, valign="top")
    for j in range(p):
        ws.write_string(0, n_id + j, table.directions[j], inp)
        for r, values, f in ((1, table.subsystems, inp), (2, table.labels, wrap_inp), (3, table.units, inp)):
            v = values[j] if j < len(values) else ""
            if v:
                ws.write_string(r, n_id + j, v, f)
            else:
                ws.write_blank(r, n_id + j, None, f)


def _inputs_note(ctx: Ctx, page: Page, n_id: int) -> None:
    """The note beside "Direction" and "Subsystem", wrapped within the label columns."""
    ws, book, h = page.ws, ctx.book, INPUT_HEADER_ROW - 1
    note = ctx.t("inputs_note")
    room = sum(page.widths.get(j, 8.43) for j in range(1, n_id))
    lines = max(2, math.ceil(text_width(note) * 0.8 / max(room - 1, 1.0)))  # 8-point text
    f = book.fmt("gen", italic=True, font_color="#595959", font_size=8, text_wrap=True, valign="top")
    ws.merge_range(0, 1, h - 1, n_id - 1, note, f)
    for r in range(h):
        page.heights[r] = max(ROW_PT, math.ceil(lines / h) * 11.0)


def _input_names(ctx: Ctx, page: Page, n_id: int, p: int) -> None:
    """The defined names over the Data table and the rows above it that every sheet's formulas use."""
    book, h = ctx.book, INPUT_HEADER_ROW - 1
    name = quote_sheet(page.name)
    last = col_letters(n_id + p)
    book.wb.define_name("NQP_DATA", f"={TABLE_NAME}[#All]")
    book.wb.define_name("NQP_HEADERS", f"={TABLE_NAME}[#Headers]")
    book.wb.define_name("NQP_DIRECTIONS", f"={name}!${col_letters(n_id + 1)}$1:${last}$1")
    book.wb.define_name("NQP_SUBSYSTEMS", f"={name}!${col_letters(n_id + 1)}$2:${last}$2")
    # the readable names: NQP_RELABEL(answer, NQP_NAMES, NQP_LABELS) shows a label wherever a
    # table names an indicator; wide enough for indicators added later (blank labels keep names)
    wide = col_letters(max(n_id + p + 60, 100))
    book.wb.define_name("NQP_NAMES", f"={name}!$A${h + 1}:${wide}${h + 1}")
    book.wb.define_name("NQP_LABELS", f"={name}!$A$3:${wide}$3")
    book.wb.define_name("NQP_UNITS", f"={name}!$A$4:${wide}$4")
    book.wb.define_name("NQP_DIRECTION_ROW", f"={name}!$A$1:${wide}$1")
    first = col_letters(n_id + 1)  # the indicator columns only (the Indicator system sheet)
    book.wb.define_name("NQP_IND_NAMES", f"={name}!${first}${h + 1}:${last}${h + 1}")
    book.wb.define_name("NQP_IND_LABELS", f"={name}!${first}$3:${last}$3")
    book.wb.define_name("NQP_IND_UNITS", f"={name}!${first}$4:${last}$4")
    book.wb.define_name("NQP_SUBSYSTEM_ROW", f"={name}!$A$2:${wide}$2")
    book.wb.define_name("NQP_ROW_DIRECTIONS", f"={name}!$A$1:${last}$1")  # one per column of the table
    book.wb.define_name("NQP_REGION_NUM", "=MATCH(NQP_REGION_COL,NQP_HEADERS,0)")
    book.wb.define_name("NQP_REGIONS", "=INDEX(NQP_DATA,0,NQP_REGION_NUM)")
    if ctx.panel:
        book.wb.define_name("NQP_YEAR_NUM", "=MATCH(NQP_YEAR_COL,NQP_HEADERS,0)")
        book.wb.define_name("NQP_YEARS", "=INDEX(NQP_DATA,0,NQP_YEAR_NUM)")
    if ctx.has_group:
        book.wb.define_name("NQP_GROUP_NUM", "=MATCH(NQP_GROUP_COL,NQP_HEADERS,0)")
        book.wb.define_name("NQP_GROUPS", "=INDEX(NQP_DATA,0,NQP_GROUP_NUM)")


def _fit_inputs_print(page: Page, n_id: int, p: int) -> None:
    """The raw table of many indicators printed as many pages wide as keep it readable (about
    80 % of full size, the label columns repeated on each), not one page at 40 %."""
    width_pt = sum(page.widths.get(c, 8.43) * PT_PER_CHAR + PT_PER_COL for c in range(n_id + p))
    label_pt = sum(page.widths.get(c, 8.43) * PT_PER_CHAR + PT_PER_COL for c in range(n_id))
    usable = PAGE["landscape"][0] / 0.8 - label_pt
    wide = max(1, math.ceil((width_pt - label_pt) / usable)) if usable > 0 else 1
    page.ws.fit_to_pages(wide, 0)


# Methods sheet: (sheet key, figure en, figure zh, meaning en, meaning zh, formula)
METHODS = [
    ("factor", "Descriptives, correlations", "描述统计、相关矩阵", "Of the year analysed, over complete rows (listwise)",
     "分析年份的完整样本（成列剔除）", "r = Pearson correlation"),
    ("factor", "KMO, MSA", "KMO、MSA", "Kaiser-Meyer-Olkin adequacy; above 0.6 factor analysis is reasonable",
     "KMO 取样适切性，> 0.6 适合因子分析", "KMO = Σr²ij / (Σr²ij + Σa²ij), a = anti-image correlations"),
    ("factor", "Bartlett", "Bartlett 检验", "Test that the correlation matrix is not the identity",
     "检验相关矩阵是否为单位阵", "χ² = -(n - 1 - (2p+5)/6) ln|R|, df = p(p-1)/2"),
    ("factor", "Communalities", "公因子方差", "Share of each indicator's variance the kept factors explain",
     "保留因子解释的各指标方差比例", "h²j = Σk a²jk"),
    ("factor", "Total variance explained", "总方差解释", "Eigenvalues of R and the share of variance of each component",
     "相关矩阵特征值及各成分方差贡献", "λ1 ≥ … ≥ λp; % = 100 λ / p"),
    ("factor", "Loadings", "载荷", "Correlation of each indicator with each factor, before and after rotation",
     "各指标与因子的相关（旋转前、后）", "A = V√λ, varimax with Kaiser normalization"),
    ("factor", "Score coefficients", "得分系数", "Weights turning z-scores into factor scores",
     "由标准化数据计算因子得分的系数", "B = R⁻¹A"),
    ("factor", "F, Rank", "F、排名", "Composite factor score and its rank (1 = highest)",
     "综合因子得分及排名（1 = 最高）", "F = Σ (SSi / ΣSS) Fi"),
    ("grades", "Grade", "等级", "k-means classes of F, best first; centre = mean F of a class",
     "对 F 的 k 均值分类，最好者在前；中心 = 类内 F 均值", ("exact one-dimensional k-means (dynamic programming)", "一维 k 均值精确解（动态规划）")),
    ("overview", "Change", "位次变化", "Of the top and bottom five: the region's rank by F in the previous year (its own factor "
     "analysis) minus its rank now; + = moved up", "前五位与后五位地区：上一年（按当年数据单独做因子分析）的 F 排名减去本年排名；正数 = 上升",
     ("rank(y - 1) - rank(y)", "排名(y - 1) - 排名(y)")),
    ("composite", "Weight", "权重", "Objective weight of each indicator, pooled over all rows", "各指标客观权重（全部行）",
     ("entropy: e = -(1/ln m) Σ p ln p, d = 1 - e, w = d / Σd", "熵值法：e = -(1/ln m) Σ p ln p，d = 1 - e，w = d / Σd")),
    ("composite", "Index", "综合指数", "Weighted sum of min-max normalised indicators, in [0, 1]",
     "极差标准化指标的加权和，位于 [0, 1]", ("x' = (x - min)/(max - min) (or (max - x)/(max - min) for -), I = Σ w x'", "x' = (x - min)/(max - min)（负向指标为 (max - x)/(max - min)），I = Σ w x'")),
    ("composite", "TOPSIS C", "TOPSIS 贴近度 C", "Relative closeness to the ideal solution", "与理想解的相对贴近度",
     "C = D- / (D+ + D-)"),
    ("composite", "Rank, Change", "排名、变化", "Rank within the year; change = last year's rank minus this year's (+ = up)",
     "年内排名；变化 = 上年排名 − 本年排名（正 = 上升）", ("rank 1 = highest", "排名 1 = 最高")),
    ("obstacle", "Obstacle degree", "障碍度", "Share (%) of each indicator in the distance from the ideal, year analysed",
     "各指标对偏离理想值的贡献（%），分析年份", "O = w (1 - x') / Σ w (1 - x') × 100"),
    ("coupling", "U", "U", "Composite index of each subsystem (Inputs row 2), weights within the subsystem",
     "各子系统综合指数（输入数据第 2 行），子系统内赋权", "U = Σ w x'"),
    ("coupling", "C, T, D", "C、T、D", "Coupling degree, coordination index and coupling coordination degree",
     "耦合度、综合协调指数、耦合协调度", "C = n(ΠU)^(1/n) / ΣU, T = Σ a U, D = √(C T)"),
    ("coupling", "Type", "类型", "Relative development of two subsystems, by the rule set in Settings (Coupling type rule)",
     "两个子系统的相对发展类型，按设置中的“耦合类型判定”规则", ("ratio: U1/U2 in [0.8, 1.25] synchronous, else the lower lags; "
     "difference: |U1 - U2| ≤ 0.1", "ratio：U1/U2 在 [0.8, 1.25] 内为同步型，否则较低者滞后；difference：|U1 - U2| ≤ 0.1")),
    ("overview", "Left out", "剔除样本", "A region-year with a blank indicator is left out of every figure that uses that "
     "indicator (listwise, as SPSS); the Overview and each sheet name who and which indicator",
     "某地区某年份任一所用指标为空即从相应结果中剔除（成列剔除，同 SPSS）；概览页与各表列出剔除对象及缺失指标",
     ("listwise deletion", "成列剔除")),
    ("coupling", "Level, Grade", "协调等级", "Ten classes of D from extreme imbalance to quality coordination",
     "按 D 划分的十个协调等级", "D in [0,0.1) → 1 … [0.9,1] → 10"),
    ("disparity", "Gini", "基尼系数", "Dagum Gini by year: total, within groups, between groups, transvariation",
     "逐年 Dagum 基尼系数：总体、组内、组间、超变密度", "G = Gw + Gnb + Gt"),
    ("disparity", "Theil", "泰尔指数", "Theil index by year: total, within and between groups", "逐年泰尔指数：总体、组内、组间",
     "T = (1/n) Σ (y/ȳ) ln(y/ȳ)"),
    ("equations", "OLS, 2SLS, 3SLS", "OLS、2SLS、3SLS", "Each dependent variable endogenous; all exogenous variables instrument every equation",
     "各因变量为内生变量；全部外生变量作为每个方程的工具变量", ("Stata reg3; * p<0.1, ** p<0.05, *** p<0.01", "同 Stata reg3；* p<0.1，** p<0.05，*** p<0.01")),
]
# the Dynamics sheet's rows (a panel only): the composite index over the years
METHODS_DYNAMICS = [
    ("dynamics", "σ-convergence", "σ 收敛", "Dispersion of the index across regions in each year; a falling CV is σ-convergence",
     "各年地区间离散程度；变异系数下降即 σ 收敛", "CV = s / ȳ, s with n - 1"),
    ("dynamics", "β-convergence", "β 收敛", "Absolute β-convergence: do regions that start low grow faster? (OLS over the regions of the first and last year)",
     "绝对 β 收敛：初始水平低的地区是否增长更快（首末年均有数据的地区，OLS）",
     "(ln y_iT - ln y_i0)/T = α + β ln y_i0 + ε; λ = -ln(1 + βT)/T, half-life = ln 2 / λ"),
    ("dynamics", "Markov matrix", "马尔可夫转移矩阵", "Probability that a region in class a moves to class b the next year; classes are k quantile intervals of all values (Settings: Markov classes k)",
     "某类地区下一年转入各类的概率；类型为全部取值的 k 个分位数区间（设置：马尔可夫类型数 k）",
     ("P_ab = n_ab / n_a; bounds = type-7 quantiles (R cut); one-year steps only", "P_ab = n_ab / n_a；分界点为第 7 类分位数（同 R cut）；仅计相邻一年的转移")),
    ("dynamics", "Moran's I", "全局 Moran's I", "Global spatial autocorrelation of the index in each year, on the Weights sheet's matrix (row-standardised), as R spdep moran.test",
     "各年综合指数的全局空间自相关，用空间权重表的矩阵（行标准化），同 R spdep moran.test",
     ("I = (n/S0) z'Wz / z'z, E[I] = -1/(n-1), z = (I - E)/√Var (randomisation)", "I = (n/S0) z'Wz / z'z，E[I] = -1/(n-1)，z = (I - E)/√Var（随机化假设）")),
    ("dynamics", "LISA", "局部 Moran（LISA）", "Local Moran of each region in the year analysed; P by 999 seeded conditional permutations; quadrant HH, LH, LL, HL",
     "分析年份各地区的局部 Moran；P 值由 999 次条件置换（固定种子）得到；象限 HH、LH、LL、HL",
     "I_i = (z_i / m2) Σ_j w_ij z_j, m2 = Σ z² / n"),
    ("dynamics", "Kernel density", "核密度", "Distribution of the index across regions in each year (Gaussian kernel, bandwidth nrd0 as R density)",
     "各年综合指数的地区分布（高斯核，带宽 nrd0，同 R density）",
     "f(x) = (1/nh) Σ φ((x - x_i)/h), h = 0.9 min(s, IQR/1.34) n^(-1/5)"),
]


def methods_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("methods"), landscape=True)
    ws, book = page.ws, ctx.book
    page.title(ctx.t("me_title"))
    page.skip(1)
    bold = book.fmt("gen", bold=True)
    ws.write_string(2, 0, ctx.t("version"), bold)
    ws.write_formula(2, 1, "=NQP_VERSION()", None, "")
    ws.write_string(3, 0, ctx.t("digest"), bold)
    ws.write_string(3, 1, ctx.t("digest_note"), book.fmt("gen", italic=True, font_color="#595959"))
    # where ``nqp-xl publish`` records the input digest and the version/settings block
    book.wb.define_name(DIGEST_NAME, f"={quote_sheet(page.name)}!$B$4")
    book.wb.define_name(RECORD_NAME, f"={quote_sheet(page.name)}!$F$3")
    head = book.fmt("gen", head=True)
    for j, key in enumerate(("sheet", "figure", "meaning", "formula")):
        ws.write_string(5, j, ctx.t(key), head)

    wrap = book.fmt("gen", text_wrap=True, valign="top")
    widths = ((0, 16), (1, 22), (2, 50), (3, 46), (4, 2), (5, 34), (6, 40))
    rows = METHODS + (METHODS_DYNAMICS if ctx.panel else [])
    for i, (sheet, f_en, f_zh, m_en, m_zh, formula) in enumerate(rows):
        if isinstance(formula, tuple):  # a formula in words: in the workbook's language
            formula = formula[1] if ctx.lang == "zh" else formula[0]
        texts = (ctx.sheet(sheet), f_zh if ctx.lang == "zh" else f_en, m_zh if ctx.lang == "zh" else m_en, formula)
        lines = 2
        for j, t in enumerate(texts):
            ws.write_string(6 + i, j, t, wrap)
            lines = max(lines, math.ceil(text_width(t) * 1.25 / (widths[j][1] - 1)))  # CJK prints wider
        page.heights[6 + i] = ROW_PT * lines  # every line of the longest text shows
    # ``nqp-xl publish`` writes the version and the settings in F3:G…: wrapped there, the
    # equations on as many lines as they need
    n_set = len(SETTINGS) + 3
    for r in range(2, 2 + n_set):
        ws.write_blank(r, 5, None, wrap)
        ws.write_blank(r, 6, None, wrap)
    if ctx.equations:
        r = 2 + 3 + [s[0] for s in SETTINGS].index("NQP_EQUATIONS")
        need = ROW_PT * math.ceil(text_width(ctx.equations) * 1.05 / (widths[6][1] - 1))
        page.heights[r] = max(page.heights.get(r, ROW_PT), need)
    page.row = max(6 + len(rows), 2 + n_set)
    for col, w in widths:
        page.width(col, w)
    page.items.append((0, page.row))
    page.finish(repeat_rows=(5, 5))
    return page


def conf_sheet(ctx: Ctx) -> None:
    ws = ctx.book.wb.add_worksheet(CONF_SHEET)  # active (no leading underscore): xlwings reads it
    ws.write_string(0, 0, UDF_MODULES_KEY)
    ws.write_string(0, 1, UDF_MODULE)
    ws.set_column(0, 1, 16)
