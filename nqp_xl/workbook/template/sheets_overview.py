"""The Overview sheet: the first page a leader reads (SPEC Part 3, "The report a leader reads").

Every figure is a formula over the Data table and the Settings (the same NQP functions the
result sheets use, so it refreshes with them and the content-keyed cache computes each answer
once): the title and agency, the publication date, the coverage and what was left out and why,
the year analysed, the KMO with Kaiser's verdict, the factors kept and the variance they explain,
the mean coupling coordination degree D with its level and change, the Gini of the year with
its trend and largest source, the top and bottom five regions by F (from the Grades sheet) and
a chart of the composite index of the year analysed.

The sentences are built in helper cells to the right of the printed area (column ``HELP``):
numbers stay number cells in the "Value" column, formatted by meaning.
"""
from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ...labels import text
from ..ooxml.addresses import quote_sheet
from .context import Ctx
from .contract import D, GROUPS, I_, L_, REGIONS, YEARS
from .layout import Page, Placed, new_chart

HELP = 8  # first column of the helper cells (I): right of the printed area (A:F)
GAPS_COL = HELP + 12  # the NQP_GAPS table the "Left out" sentence reads (U:X)
GAP_ROWS = 30  # gaps the sentence names at most (a longer list is read in the table beside it)
WIDTHS = (24, 11, 13, 11, 11, 13)  # A:F, about 90 characters: a portrait page at full size

KMO_VERDICT = {  # Kaiser (1974): "in the .90s marvelous, .80s meritorious, .70s middling, ..."
    "en": ("unacceptable", "miserable", "mediocre", "middling", "meritorious", "marvellous"),
    "zh": ("不可接受", "很差", "勉强", "一般", "良好", "极好"),
}


def _q(text: str) -> str:
    """An Excel string literal."""
    return '"' + text.replace('"', '""') + '"'


def overview_page(ctx: Ctx) -> Page:
    """The Overview worksheet, added first so it is the first tab; filled by :func:`overview_sheet`
    once the other sheets are placed (it refers to the Grades table)."""
    return Page(ctx.book, ctx.sheet("overview"), landscape=False)


def title_formula(ctx: Ctx) -> str:
    """Settings' title, or "New quality productive forces: <first region>…, <first>–<last year>"."""
    first = "INDEX(NQP_REGIONS,2)"
    if ctx.lang == "zh":
        span = '&"，"&MIN(NQP_YEARS)&"—"&MAX(NQP_YEARS)&"年"' if ctx.panel else ""
        default = f'"新质生产力评价："&{first}&"等"{span}'
    else:
        span = '&", "&MIN(NQP_YEARS)&"–"&MAX(NQP_YEARS)' if ctx.panel else ""
        default = f'"New quality productive forces: "&{first}&"…"{span}'
    return f'IF(NQP_TITLE="",{default},NQP_TITLE)'


def overview_sheet(ctx: Ctx, page: Page, grades: Placed | None, grades_sheet: str,
                   previous: Placed | None = None) -> Page:
    ws, book = page.ws, ctx.book
    page.title(ctx.t("ov_title"), title_formula(ctx))
    page.heights[0] = 24.0
    # the publication date: ``nqp-xl publish`` writes it into the NQP_PUBLISHED cell (a helper cell)
    ws.write_blank(1, HELP, None)
    book.wb.define_name("NQP_PUBLISHED", f"={quote_sheet(page.name)}!${xl_col_to_name(HELP)}$2")
    published, draft = _q(ctx.t("ov_published")), _q(ctx.t("ov_draft"))
    ws.write_formula(page.row, 0, f'=IF(NQP_AGENCY="","",NQP_AGENCY&" · ")&IF(NQP_PUBLISHED="",{draft},{published}&NQP_PUBLISHED)',
                     book.fmt("gen", italic=True, font_color="#595959"), "")
    page.headings.append((0, 40.0))
    page.row += 2
    # who and what was left out, and why: the table beside the printed area, read into a sentence
    gaps = page.block("ov.gaps", ctx.relabel(f"NQP_GAPS({D},NQP_REGION_COL,NQP_YEAR_COL,{L_},{I_})"), (3, 4),
                      ("gen", "gen", "gen", "int"), row=page.row, col=GAPS_COL, advance=False)
    _key_figures(ctx, page, gaps)
    if grades is not None:
        _top_bottom(ctx, page, grades, grades_sheet, previous)
    _index_chart(ctx, page)
    for c, w in enumerate(WIDTHS):  # the printed columns, whatever the helpers beside them hold
        page.widths[c] = w
    page.print_cols = len(WIDTHS) - 1
    page.items = []  # one page, read top to bottom: no page break of ours
    page.finish()
    return page


def _key_figures(ctx: Ctx, page: Page, gaps: Placed) -> None:
    """The table Figure | Value | What it says, its sentences built in the helper cells."""
    ws, book = page.ws, ctx.book
    zh = ctx.lang == "zh"
    head = book.fmt("gen", head=True)
    top = page.row
    page.heading(ctx.t("ov_glance"))
    r0 = page.row
    for j, key in enumerate(("ov_figure", "value")):
        ws.write_string(r0, j, ctx.t(key), head)
    ws.merge_range(r0, 2, r0, 5, ctx.t("ov_says"), head)
    values = f"INDEX({ctx.index},0,1)"
    rows: list[tuple[str, str, str, str]] = []  # (label, value formula, value kind, sentence formula)
    rows.append((ctx.t("ov_coverage"), f"COUNT({values})", "int", _coverage(ctx, values)))
    r_gaps = len(rows)
    rows.append((ctx.t("ov_left_out"), f"(COUNTA(NQP_REGIONS)-1)-COUNT({values})", "int",
                 _gaps_sentence(ctx, page, gaps)))
    if ctx.panel:
        rows.append((ctx.t("ov_year"), "NQP_YEAR", "int", _q(ctx.t("ov_year_note"))))
    # factor analysis
    var = f"NQP_VARIANCE({ctx.fa_args},{L_},{I_})"
    kmo = f"NQP_KMO({ctx.year_data},{L_},{I_})"
    verdict = "{" + ",".join(_q(v) for v in KMO_VERDICT[ctx.lang]) + "}"
    r_kmo = len(rows)
    kmo_cell = _a1(r0 + 1 + r_kmo, 1)
    cum = f"MAX(INDEX({var},0,10))"
    s_kmo = (f'LOOKUP({kmo_cell},{{0,0.5,0.6,0.7,0.8,0.9}},{verdict})&' +
             (_q("（Kaiser 标准）") if zh else _q(" (Kaiser's scale)")) +
             f'&IF({kmo_cell}<0.6,{_q(ctx.t("ov_kmo_low"))},"")')
    s_fac = ((f'"累计解释方差 "&TEXT({cum},"0.0")&"%（最大方差旋转）"') if zh else
             (f'"explaining "&TEXT({cum},"0.0")&" % of the variance (varimax rotation)"'))
    rows.append((ctx.t("ov_kmo"), kmo, "num3", s_kmo))
    rows.append((ctx.t("ov_factors"), f"COUNT(INDEX({var},0,5))", "int", s_fac))
    # coupling
    r_d = len(rows)
    rows.append((ctx.t("ov_d"), "", "num3", ""))
    r_g = len(rows)
    rows.append((ctx.t("ov_gini"), "", "num3", ""))
    body = book.fmt("gen", text_wrap=True, valign="top")
    label_f = book.fmt("gen", bold=True, valign="top")
    for i, (label, formula, kind, sentence) in enumerate(rows):
        r = r0 + 1 + i
        ws.write_string(r, 0, label, label_f)
        if formula:
            ws.write_formula(r, 1, "=" + formula, book.fmt(kind, align="center", valign="top"), "")
        ws.merge_range(r, 2, r, 5, "", body)
        page.heights[r] = 28.0
        _sentence(ctx, page, r, sentence)  # in the helper cell beside, shown in the merged cell
    page.heights[r0 + 1 + r_gaps] = 58.0  # four lines
    _d_row(ctx, page, r0 + 1 + r_d)
    _gini_row(ctx, page, r0 + 1 + r_g, values)
    page.items.append((top, r0 + len(rows)))
    page.row = r0 + 1 + len(rows)
    for c, w in ((0, 24), (1, 10), (2, 12), (3, 12), (4, 12), (5, 12)):
        page.width(c, w)


def _gaps_sentence(ctx: Ctx, page: Page, gaps: Placed) -> str:
    """'2017 (High-tech enterprises, …); Tibet (New product exports); …' from the NQP_GAPS table:
    a helper cell per gap joins who and which indicator, TEXTJOIN joins the gaps."""
    # at most GAP_ROWS gaps in the sentence (the measuring pass gives every block thousands of rows:
    # a formula for each was 2,000 formulas to compile for a county table)
    first = gaps.row + 1
    last = min(gaps.row + max(gaps.rows, gaps.room) - 1, first + GAP_ROWS - 1)
    who, why = gaps.col + 1, gaps.col + 2
    for r in range(first, last + 1):
        w, y = _a1(r, who).replace("$", ""), _a1(r, why).replace("$", "")
        page.ws.write_formula(r, gaps.col - 1, f'=IF(OR({w}="",{y}=""),"",{w}&"（"&{y}&"）")' if ctx.lang == "zh"
                              else f'=IF(OR({w}="",{y}=""),"",{w}&" ("&{y}&")")', None, "")
    joined = f'TEXTJOIN({_q("；" if ctx.lang == "zh" else "; ")},TRUE,{_a1(first, gaps.col - 1)}:{_a1(last, gaps.col - 1)})'
    none = _q(ctx.t("ov_nothing_left"))
    return f'IF({joined}="",{none},{joined})'



def _a1(r: int, c: int) -> str:
    return xl_rowcol_to_cell(r, c, row_abs=True, col_abs=True)


def _sentence(ctx: Ctx, page: Page, row: int, formula: str) -> None:
    """``formula`` (a text) in the helper cell of ``row``, shown in the row's merged sentence cell."""
    if not formula:
        return
    page.ws.write_formula(row, HELP, "=" + formula, None, "")
    page.ws.write_formula(row, 2, "=" + _a1(row, HELP), ctx.book.fmt("gen", text_wrap=True, valign="top"), "")


def _coverage(ctx: Ctx, values: str) -> str:
    zh = ctx.lang == "zh"
    regions = f'COUNT(INDEX(NQP_PIVOT({YEARS if ctx.panel else values},{REGIONS},,"count",{L_}),0,2))'
    if not ctx.panel:
        return (f'"分析 "&COUNT({values})&" 个地区（共 "&(COUNTA(NQP_REGIONS)-1)&" 个）"' if zh else
                f'COUNT({values})&" of "&(COUNTA(NQP_REGIONS)-1)&" regions analysed"')
    years = f'COUNT(INDEX(NQP_PIVOT({YEARS},{YEARS},,"count",{L_}),0,2))'
    if zh:
        return (f'"共 "&({regions})&" 个地区 × "&({years})&" 年（"&MIN(NQP_YEARS)&"—"&MAX(NQP_YEARS)&"），"'
                f'&(COUNTA(NQP_REGIONS)-1)&" 个地区-年份，分析 "&COUNT({values})&" 个；剔除情况见下表"')
    return (f'({regions})&" regions × "&({years})&" years ("&MIN(NQP_YEARS)&"–"&MAX(NQP_YEARS)&"): "'
            f'&COUNT({values})&" of "&(COUNTA(NQP_REGIONS)-1)&" region-years analysed; what was left out and why is below"')


def _d_row(ctx: Ctx, page: Page, row: int) -> None:
    zh = ctx.lang == "zh"
    d_col = f"INDEX({ctx.coupling},0,3)"
    ws, h = page.ws, HELP
    if ctx.panel:
        piv = f'NQP_PIVOT({d_col},{YEARS},,"mean",{L_})'
        now = f"INDEX({piv},MATCH(NQP_YEAR,INDEX({piv},0,1),0),2)"
        prev = f'IFERROR(INDEX({piv},MATCH(NQP_YEAR-1,INDEX({piv},0,1),0),2),"")'
    else:
        now, prev = f"AVERAGE({d_col})", '""'
    ws.write_formula(row, 1, "=" + now, ctx.book.fmt("num3", align="center", valign="top"), "")
    d, p = _a1(row, 1), _a1(row, h + 1)
    ws.write_formula(row, h + 1, "=" + prev, None, "")
    level = f"NQP_LEVEL({d},{L_})"
    ws.write_formula(row, h + 2, f"=INDEX({level},1,1)", None, "")
    ws.write_formula(row, h + 3, f"=INDEX({level},1,2)", None, "")
    lv, gr = _a1(row, h + 2), _a1(row, h + 3)
    if zh:
        change = f'IF(ISNUMBER({p}),"；较上年"&IF({d}>={p},"提高 ","下降 ")&TEXT(ABS({d}-{p}),"0.000"),"")'
        s = f'"第 "&{lv}&" 级（"&{gr}&"）"&{change}'
    else:
        change = (f'IF(ISNUMBER({p}),"; "&IF({d}>={p},"up ","down ")&TEXT(ABS({d}-{p}),"0.000")&" from "&(NQP_YEAR-1),"")')
        s = f'"level "&{lv}&" of 10 ("&{gr}&")"&{change}'
    _sentence(ctx, page, row, s)


def _gini_row(ctx: Ctx, page: Page, row: int, values: str) -> None:
    zh = ctx.lang == "zh"
    ws, h = page.ws, HELP
    groups = GROUPS if ctx.has_group else ""
    if ctx.panel:
        g = f"NQP_GINI({values},{groups},{YEARS},{L_})"
        at = f"MATCH(NQP_YEAR,INDEX({g},0,1),0)"
        now = f"INDEX({g},{at},2)"
        ws.write_formula(row, h + 1, f"=INDEX({g},2,2)", None, "")   # the first year's G
        ws.write_formula(row, h + 2, f"=INDEX({g},2,1)", None, "")   # the first year
        first, year0 = _a1(row, h + 1), _a1(row, h + 2)
    else:
        g = f"NQP_GINI({values},{groups},,{L_})"
        now = f"INDEX({g},2,2)"
    ws.write_formula(row, 1, "=" + now, ctx.book.fmt("num3", align="center", valign="top"), "")
    gv = _a1(row, 1)
    trend = ""
    if ctx.panel:
        if zh:
            trend = (f'IF(AND(ISNUMBER({first}),{year0}<NQP_YEAR),IF({gv}>={first},"，高于 ","，低于 ")&{year0}&"年的 "'
                     f'&TEXT({first},"0.000"),"")')
        else:
            trend = (f'IF(AND(ISNUMBER({first}),{year0}<NQP_YEAR),IF({gv}>={first},", up from ",", down from ")'
                     f'&TEXT({first},"0.000")&" in "&{year0},"")')
    source = '""'
    if ctx.has_group and ctx.panel:
        at = f"MATCH(NQP_YEAR,INDEX({g},0,1),0)"
        for k, col in enumerate((6, 7, 8)):
            ws.write_formula(row, h + 3 + k, f"=INDEX({g},{at},{col})", None, "")
        w, b, t = (_a1(row, h + 3 + k) for k in range(3))
        names = ("组内差异", "组间差异", "超变密度") if zh else ("within groups", "between groups", "overlap (transvariation)")
        pick = (f'IF(AND({w}>={b},{w}>={t}),{_q(names[0])}&" ("&TEXT({w},"0.0")&" %)",'
                f'IF({b}>={t},{_q(names[1])}&" ("&TEXT({b},"0.0")&" %)",{_q(names[2])}&" ("&TEXT({t},"0.0")&" %)"))')
        source = (f'"；最大来源："&{pick}' if zh else f'"; largest source: "&{pick}')
    lead = '"Dagum 基尼系数"' if zh else '"Dagum Gini of the composite index"'
    s = f"{lead}&{trend or chr(34) * 2}&{source}"
    _sentence(ctx, page, row, s)


def _top_bottom(ctx: Ctx, page: Page, grades: Placed, sheet: str, previous: Placed | None) -> None:
    """The top and bottom five regions by F with rank and grade (the Grades table) and the rank
    change: the region's rank in the previous year's own factor analysis (beside the Grades
    table) minus its rank now, one formula per named region (ten in all)."""
    name = quote_sheet(sheet)
    r1, r2 = grades.row + 1, grades.row + max(grades.rows, grades.room)
    rng = f"{name}!$A${r1}:$D${r2}"
    ws, book = page.ws, ctx.book
    for key, desc in (("ov_top", "TRUE"), ("ov_bottom", "FALSE")):
        page.skip(1)
        if ctx.panel:
            title = ctx.t(key)
            formula = (f'"{title}"&NQP_YEAR&"年"' if ctx.lang == "zh" else f'"{title} "&NQP_YEAR')
            ws.write_formula(page.row, 0, "=" + formula, book.fmt("gen", bold=True, font_size=12), "")
            page.heights[page.row] = 18.0
            page.headings.append((0, 40.0))
            page.row += 1
        else:
            page.heading(ctx.t(key))
        top = page.row
        page.block(f"ov.{key}", f"NQP_SORT({rng},2,{desc},5,{L_})", (6, 4), ("gen", "num", "int", "textc"),
                   grows=False)
        if previous is None:
            continue
        ws.write_string(top, 4, text("Change", ctx.lang), book.fmt("gen", head=True))
        p1, p2 = previous.row + 1, previous.row + max(previous.rows, previous.room)
        pc = previous.col
        names = f"{name}!${xl_col_to_name(pc)}${p1 + 1}:${xl_col_to_name(pc)}${p2}"
        ranks = f"{name}!${xl_col_to_name(pc + 1)}${p1 + 1}:${xl_col_to_name(pc + 1)}${p2}"
        for i in range(1, 6):
            r = top + i
            ws.write_formula(r, 4, f'=IFERROR(INDEX({ranks},MATCH($A{r + 1},{names},0))-$C{r + 1},"")',
                             book.fmt("change"), "")


def _index_chart(ctx: Ctx, page: Page) -> None:
    """The composite index of the year analysed, regions sorted from highest, as columns."""
    values = f"INDEX({ctx.index},0,1)"
    src = (f"NQP_SELECT(CHOOSE({{1,2,3}},{REGIONS},{YEARS},{values}),2,NQP_YEAR)" if ctx.panel
           else f"CHOOSE({{1,2}},{REGIONS},{values})")
    vcol = 3 if ctx.panel else 2
    m = page.size("ov.index_sorted", (ctx.n_year + 1, vcol))
    placed = page.block("ov.index_sorted", f"NQP_SORT({src},{vcol},TRUE,,{L_})", (m.rows, m.cols), ("gen", "int", "num"),
                        row=page.row + 1, col=HELP + 6, advance=False)
    page.skip(1)
    chart = new_chart(ctx, "column", ctx.t("ov_chart"))
    c = placed.col
    chart.add_series({"name": ctx.t("ov_chart_series"),
                      "categories": [page.name, placed.row + 1, c, placed.end, c],
                      "values": [page.name, placed.row + 1, c + vcol - 1, placed.end, c + vcol - 1],
                      "fill": {"color": "#2F5597"}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"rotation": -45, "size": 8}, "label_position": "low"})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}, "name": ctx.t("ov_chart_series")})
    page.chart(chart, width_px=640, height_px=250)
