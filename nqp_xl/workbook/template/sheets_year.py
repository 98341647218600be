"""The sheets of the year analysed (Factor analysis, Grades) and the Composite index sheet."""
from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from ...labels import text
from ..ooxml.addresses import col_letters
from .context import Ctx
from .contract import D, I_, L_, REGIONS, YEARS
from .layout import Page, Placed, new_chart, room_for, text_width

HELP_COL = 12  # first column of helper answers right of the printed area (M)



def _last_int(j: int, n: int) -> str:
    return "int" if j == n - 1 else "num"


def _first_gen(kind: str):
    return lambda j, n: "gen" if j == 0 else kind


def factor_sheet(ctx: Ctx) -> Page:
    """The paper's tables first (KMO and Bartlett, variance explained with the scree plot, the
    rotated loadings sorted by size with |loading| >= 0.5 in bold, communalities and MSA with
    values < 0.5 flagged, score coefficients, the regions sorted by F); below the printed area
    the descriptives, correlations, unrotated loadings and the scores in the table's order."""
    page = Page(ctx.book, ctx.sheet("factor"), landscape=True)
    ws, book, yd = page.ws, ctx.book, ctx.year_data
    title = ctx.t("fa_title").rstrip("：:")
    page.title(title, ctx.year_title("fa_title") or None)
    page.note(ctx.t("fa_sub"))
    page.skip(1)
    info = page.row
    bold = book.fmt("gen", bold=True)
    ws.write_string(info, 0, ctx.t("n_analysed"), bold)
    ws.write_string(info + 1, 0, ctx.t("kmo"), bold)
    page.block("fa.kmo", f"NQP_KMO({yd},{L_},{I_})", (1, 1), ("num3",), row=info + 1, col=1, scalar=True, advance=False)
    page.items.append((info, info + 1))
    page.row = info + 3
    _paper_tables(ctx, page)
    top, sorted_at, fac = _factor_scores(ctx, page)
    _below_the_print(ctx, page)
    # N analysed, counted from the F column of the unsorted scores
    fcol = col_letters(fac.col + fac.cols - 1)   # F is the last column but one (Rank is last)
    rows = f"{fac.row + 2}:${fcol}${fac.row + max(fac.rows, fac.room)}"
    ws.write_formula(info, 1, f"=COUNT(${fcol}${rows})", book.fmt("int", align="left"), "")
    page.width(0, text_width(ctx.t("kmo")) + 2)
    page.print_cols = max(10, sorted_at.cols - 1)
    page.finish(repeat_rows=(top, top))
    return page


def _paper_tables(ctx: Ctx, page: Page) -> None:
    """Left-out rows, Bartlett, variance explained (scree plot), sorted rotated loadings (chart),
    communalities and MSA, score coefficients: the tables a paper prints."""
    yd, p = ctx.year_data, ctx.p
    page.heading(ctx.t("fa_gaps"))
    page.block("fa.gaps", ctx.relabel(f"NQP_GAPS({yd},NQP_REGION_COL,NQP_YEAR_COL,{L_},{I_})"), (2, 4), ("gen", "gen", "gen", "int"))  # room to grow
    page.heading(ctx.t("bartlett"))
    page.block("fa.bartlett", f"NQP_BARTLETT({yd},{L_},{I_})", (2, 3), ("num3", "int", "p"), grows=False)
    page.heading(ctx.t("variance"))
    var = page.block("fa.variance", f"NQP_VARIANCE({ctx.fa_args},{L_},{I_})", (p + 1, 10), _variance_kinds)
    _scree_chart(ctx, page, var)
    page.heading(ctx.t("loadings_sorted"))
    rot = page.block("fa.loadings", ctx.relabel(f"NQP_LOADINGS({ctx.fa_args},TRUE,{L_},{I_},,TRUE)"), (p + 1, 3),
                     _first_gen("num3"), grow_cols=3)
    _bold_loadings(page, rot)
    _loadings_chart(ctx, page, rot)
    page.items.append((page.row, page.row + 3))  # the heading and note stay with the table
    page.heading(ctx.t("communalities_msa"))
    page.note(ctx.t("low_flag"))
    com = page.block("fa.communalities", ctx.relabel(f"NQP_COMMUNALITIES({ctx.fa_args},{L_},{I_})"), (p + 1, 3), ("gen", "num3"),
                     advance=False)
    msa = page.block("fa.msa", f"INDEX(NQP_MSA({yd},{L_},{I_}),0,2)", (p + 1, 1), ("num3",), col=3)
    _flag_low(page, com, first_col=2)
    _flag_low(page, msa, first_col=0)
    page.heading(ctx.t("scorecoef"))
    page.block("fa.scorecoef", ctx.relabel(f"NQP_SCORECOEF({ctx.fa_args},{L_},{I_})"), (p + 1, 3), _first_gen("num3"),
               grow_cols=3)


def _factor_scores(ctx: Ctx, page: Page) -> tuple[int, Placed, Placed]:
    """The regions sorted by F (with its chart) in the print, and the unsorted scores they are
    sorted from, in the Data table's order, below it; answers the sorted table's top row, the
    sorted and the unsorted answers."""
    n = ctx.n_year
    # the regions sorted by F (the unsorted table, in the Data table's order, is below the print)
    page.heading(ctx.t("factors_sorted"))
    top = page.row
    m = page.size("fa.factors", (n + 1, 4))
    room = room_for(m.rows)
    src_top = top + room + 8  # the unsorted scores: below the sorted table's room and the notes
    by_f = '"' + text("F", ctx.lang) + '"'
    sorted_at = page.block("fa.sorted", f"NQP_SORT({_area(src_top, 0, m.cols + 1, room)},{by_f},TRUE,,{L_})",
                           (n + 1, m.cols + 1), _sorted_kinds, row=top, col=0, grow_cols=3)
    _scores_chart(ctx, page, sorted_at, row=top)
    page.row = max(page.row, sorted_at.last_row + 2)
    page.print_rows = page.row - 2
    page.note(ctx.t("fa_more"))
    page.heading(ctx.t("factors"))
    page.row = max(page.row, src_top)
    top_src = page.row
    page.labels("fa.labels", ctx.year_regions, n + 1, col=0, row=top_src)
    # Rank is last: one more factor (another year's data) moves it right, so it is formatted
    # by its header; the columns kept at the right take the scores of more factors
    fac = page.block("fa.factors", f"NQP_FACTORS({ctx.fa_args},{L_},{I_})", (n + 1, 4), ("num",), row=top_src, col=1,
                     grow_cols=3)
    page.column_formats(fac, {text("Rank", ctx.lang): "int"}, grow_cols=3)
    return top, sorted_at, fac


def _below_the_print(ctx: Ctx, page: Page) -> None:
    """The descriptives, correlations and unrotated loadings, below the printed area."""
    yd, p = ctx.year_data, ctx.p
    page.heading(ctx.t("describe"))
    page.block("fa.describe", ctx.relabel(f"NQP_DESCRIBE({yd},{L_},{I_})"), (p + 1, 6), ("gen", "int", "big"))
    page.heading(ctx.t("corr"))
    page.block("fa.corr", ctx.relabel(f"NQP_CORR({yd},{L_},{I_})"), (p + 1, p + 1), _first_gen("r"), head_max=7)
    page.heading(ctx.t("component_matrix"))
    page.block("fa.components", ctx.relabel(f"NQP_LOADINGS({ctx.fa_args},FALSE,{L_},{I_})"), (p + 1, 3), _first_gen("num3"),
               grow_cols=3)


def _area(row: int, col: int, cols: int, rows: int) -> str:
    """An absolute reference to ``rows`` × ``cols`` cells from (row, col), 0-based."""
    return f"${xl_col_to_name(col)}${row + 1}:${xl_col_to_name(col + cols - 1)}${row + rows}"


def _sorted_kinds(j: int, n: int) -> str:
    return "gen" if j == 0 else ("int" if j == n - 1 else "num")


def _bold_loadings(page: Page, placed: Placed) -> None:
    """|loading| >= 0.5 in bold (SPSS users read the sorted matrix by these)."""
    r0, r1 = placed.row + 1, placed.row + max(placed.rows, placed.room) - 1
    c0, c1 = placed.col + 1, placed.col + placed.cols + 2
    first = f"{xl_col_to_name(c0)}{r0 + 1}"
    page.ws.conditional_format(r0, c0, r1, c1, {
        "type": "formula", "criteria": f"=AND(ISNUMBER({first}),ABS({first})>=0.5)",
        "format": page.book.wb.add_format({"bold": True})})


def _flag_low(page: Page, placed: Placed, first_col: int) -> None:
    """Values below 0.5 (MSA, communality) on an orange fill: the note above says why."""
    r0, r1 = placed.row + 1, placed.row + max(placed.rows, placed.room) - 1
    c = placed.col + first_col
    cell = f"{xl_col_to_name(c)}{r0 + 1}"
    page.ws.conditional_format(r0, c, r1, c, {
        "type": "formula", "criteria": f"=AND(ISNUMBER({cell}),{cell}<0.5)",
        "format": page.book.wb.add_format({"bg_color": "#F8CBAD", "bold": True})})


def _variance_kinds(j: int, n: int) -> str:
    return "int" if j == 0 else ("num3" if j in (1, 4, 7) else "pct")


def _scree_chart(ctx: Ctx, page: Page, var: Placed) -> None:
    chart = new_chart(ctx, "line", ctx.t("chart_scree"))
    r1, r2 = var.row + 1, var.end
    chart.add_series({"name": ctx.t("eigenvalue"), "categories": [page.name, r1, var.col, r2, var.col],
                      "values": [page.name, r1, var.col + 1, r2, var.col + 1],
                      "marker": {"type": "circle", "size": 5}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"name": var.header[0] if var.header else ""})
    chart.set_y_axis({"name": ctx.t("eigenvalue"), "major_gridlines": {"visible": True}})
    page.chart(chart, width_px=560, height_px=300)


def _loadings_chart(ctx: Ctx, page: Page, rot: Placed) -> None:
    chart = new_chart(ctx, "bar", ctx.t("chart_loadings"))
    r1, r2 = rot.row + 1, rot.end
    for k in range(1, max(rot.cols, 2)):
        chart.add_series({"name": [page.name, rot.row, rot.col + k],
                          "categories": [page.name, r1, rot.col, r2, rot.col],
                          "values": [page.name, r1, rot.col + k, r2, rot.col + k]})
    chart.set_y_axis({"reverse": True, "label_position": "low"})  # names at the left edge, not over the bars
    chart.set_x_axis({"min": -1, "max": 1, "major_unit": 0.5,  # loadings lie in [-1, 1]
                      "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom"})
    # beside the table (its rows are the chart's bars): the two print on one page
    height = max(300, 18 * (rot.rows - 1) + 90)
    page.chart(chart, col=rot.col + rot.cols + 1, width_px=520, height_px=height, row=rot.row)
    page.row = max(page.row, rot.row + page.charts[-1][2] + 2)


def _scores_chart(ctx: Ctx, page: Page, fac: Placed, row: int) -> None:
    chart = new_chart(ctx, "column", ctx.t("chart_scores"))
    col = fac.col + max(fac.cols - 2, 0)
    chart.add_series({"name": [page.name, fac.row, col],
                      "categories": [page.name, fac.row + 1, 0, fac.end, 0],
                      "values": [page.name, fac.row + 1, col, fac.end, col]})
    chart.set_legend({"none": True})
    # region names below the plot, not over the bars of negative scores
    chart.set_x_axis({"num_font": {"rotation": -45, "size": 8}, "label_position": "low"})
    # beside the sorted table: regions in the same order, bars falling from the highest F
    page.chart(chart, col=fac.col + fac.cols + 1, width_px=540, height_px=360, row=row)


def grades_sheet(ctx: Ctx) -> tuple[Page, Placed, Placed | None]:
    """Region | F | Rank | Grade of the year analysed (the Overview's top and bottom five read
    columns A:D), then the regions of each grade with its centre and count; beside the print, the
    previous year's regions and their ranks by F (its own factor analysis), from which the
    Overview works out the rank change of the regions it names.  Answers the page, the table and
    the previous year's block (None for a cross-section)."""
    page = Page(ctx.book, ctx.sheet("grades"), landscape=True)
    ws, book = page.ws, ctx.book
    title = ctx.t("gr_title").rstrip("，,")
    page.title(title, ctx.year_title("gr_title") or None)
    page.skip(1)
    top = page.row
    page.heading(ctx.t("grades"), row=top)
    n = ctx.n_year
    lab = page.labels("gr.labels", ctx.year_regions, n + 1, col=0, row=top + 1)
    page.block("gr.score", ctx.score, (n + 1, 1), ("num",), row=top + 1, col=1, advance=False)
    page.block("gr.rank", f"NQP_RANK({ctx.score},,,{L_})", (n + 1, 1), ("int",), row=top + 1, col=2, advance=False)
    cluster = f"NQP_CLUSTER({ctx.score},NQP_K,NQP_GRADE_NAMES,,{L_})"
    page.block("gr.grade", f"INDEX({cluster},0,1)", (n + 1, 1), ("textc",), row=top + 1, col=3, advance=False)
    head = top + 1
    room = max(lab.room, lab.rows)
    prev_block = None
    if ctx.panel:  # spilled answers, not a formula per region (a county table has thousands)
        prev = "NQP_SELECT(NQP_DATA,NQP_YEAR_COL,NQP_YEAR-1)"
        first = "NQP_YEAR=MIN(NQP_YEARS)"
        prev_block = page.block("gr.prev_regions", f'IF({first},"",INDEX({prev},0,NQP_REGION_NUM))', (n + 1, 1),
                                ("gen",), row=head, col=HELP_COL, advance=False)
        page.block("gr.prev_rank", f'IF({first},"",NQP_RANK(NQP_SCORE({prev},NQP_N_FACTORS,NQP_MIN_CUMVAR,{L_},{I_}),,,{L_}))',
                   (n + 1, 1), ("int",), row=head, col=HELP_COL + 1, advance=False)
    page.width(4, 3)
    g0 = 5
    page.heading(ctx.t("gr_lists"), row=top, col=g0)
    key = f"INDEX({cluster},0,2)"
    lists = page.block("gr.lists", f'NQP_PIVOT({ctx.year_regions},{key},,"list",{L_})', (5, 2), ("int", "gen"),
                       row=top + 1, col=g0, advance=False)
    cen = page.block("gr.centres", f'INDEX(NQP_PIVOT({ctx.score},{key},,"mean",{L_}),0,2)', (5, 1), ("num",),
                     row=top + 1, col=g0 + 2, advance=False)
    page.block("gr.counts", f'INDEX(NQP_PIVOT({ctx.score},{key},,"count",{L_}),0,2)', (5, 1), ("int",),
               row=top + 1, col=g0 + 3, advance=False)
    ws.write_string(top + 1, g0 + 2, text("Mean", ctx.lang) + " F", book.fmt("gen", head=True))
    ws.write_string(top + 1, g0 + 3, text("N", ctx.lang), book.fmt("gen", head=True))
    # each cluster's grade name beside its number: the first grade name of the cluster's rows
    page.block("gr.names", f'INDEX(NQP_PIVOT(INDEX({cluster},0,1),{key},,"first",{L_}),0,2)', (5, 1), ("textc",),
               row=top + 1, col=g0 + 4, advance=False)
    page.width(g0 + 1, 46)
    page.width(g0 + 4, 8)
    page.row = max(lab.last_row, lists.last_row, cen.last_row) + 2
    page.print_cols = g0 + 4
    placed = Placed(head, 0, lab.rows, 4, [], room)
    page.finish(repeat_rows=(head, head))
    return page, placed, prev_block


def obstacle_sheet(ctx: Ctx) -> Page:
    """The obstacle degree of each indicator for each region in the year analysed: a sheet of
    its own, since one column per indicator is wider than the Composite index tables."""
    page = Page(ctx.book, ctx.sheet("obstacle"), landscape=True)
    if ctx.panel:
        page.title(ctx.t("obstacle"), ctx.year_title("obstacle"))
    else:
        page.title(ctx.t("obstacle").rstrip("，,:： in"))
    page.note(ctx.t("obstacle_note"))
    page.skip(1)
    top = page.row
    page.labels("ob.labels", ctx.year_regions, ctx.n_year + 1, col=0, row=top)
    page.block("ob.obstacle", ctx.relabel(f"NQP_OBSTACLE({ctx.year_data},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I_})"),
               (ctx.n_year + 1, ctx.p), ("pct",), row=top, col=1, head_max=9, rotate_from=0)  # names upwards
    page.finish(repeat_rows=(top, top))
    return page


def composite_sheet(ctx: Ctx) -> Page:
    """The weights first, then the long table of every row (its header repeated on each
    printed page); the obstacle degree follows on its own sheet."""
    page = Page(ctx.book, ctx.sheet("composite"), landscape=True)
    page.title(ctx.t("ci_title"))
    page.note(ctx.t("ci_note"))
    page.skip(1)
    page.heading(ctx.t("weights"))
    page.block("ci.weights", ctx.relabel(f"NQP_WEIGHTS({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I_})"),
               (ctx.p + 1, 4), _first_gen("num"))
    if ctx.panel:  # the paper's table: regions down, years across
        page.heading(ctx.t("ci_by_year"))
        page.block("ci.by_year", f'NQP_PIVOT(INDEX({ctx.index},0,1),{REGIONS},{YEARS},"mean",{L_})',
                   (ctx.n_regions + 1, ctx.n_years + 1), _first_gen("num"), grow_cols=1)
        page.print_rows = page.row - 3
        page.note(ctx.t("not_printed"))
    page.heading(ctx.t("index") if ctx.panel else ctx.t("index_cs"))
    caption = page.row  # over the TOPSIS and the rank columns: which rank is which
    head = page.row + 1
    page.items.append((caption - 1, head + 1))  # the heading stays with the table
    n = ctx.n_all
    col = ctx.row_labels(page, "ci", head)
    idx = page.block("ci.index", ctx.index, (n + 1, 1), ("num",), row=head, col=col, advance=False)
    top_ = page.block("ci.topsis", f"NQP_TOPSIS({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I_})", (n + 1, 4),
                      _last_int, row=head, col=col + 1, advance=False)
    cap = ctx.book.fmt("gen", italic=True, align="center", bottom=1)
    page.ws.merge_range(caption, top_.col, caption, top_.col + 3, ctx.t("topsis_caption"), cap)
    if ctx.panel:
        rk = page.block("ci.rank", f"NQP_RANK(INDEX({ctx.index},0,1),{YEARS},{REGIONS},{L_})", (n + 1, 2),
                        ("int", "change"), row=head, col=top_.col + top_.cols, advance=False)
        page.ws.merge_range(caption, rk.col, caption, rk.col + 1, ctx.t("rank_caption"), cap)
        for j in (0, 1):  # room for the caption over the two columns
            page.width(rk.col + j, text_width(ctx.t("rank_caption")) / 2 + 2)
    page.row = idx.last_row + 2
    page.finish(repeat_rows=(caption, head))
    return page
