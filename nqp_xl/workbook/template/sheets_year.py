"""The sheets of the year analysed (Factor analysis, Grades) and the Composite index sheet."""
from __future__ import annotations

from ...labels import text
from .context import Ctx
from .contract import D, I_, L_, REGIONS, YEARS
from .layout import Page, Placed, new_chart, text_width

SPARE = 2000  # rows below an answer that COUNT/TEXTJOIN look at (blank cells are ignored)


def _last_int(j: int, n: int) -> str:
    return "int" if j == n - 1 else "num"


def _first_gen(kind: str):
    return lambda j, n: "gen" if j == 0 else kind


def factor_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("factor"), landscape=True)
    ws, book, yd, p, n = page.ws, ctx.book, ctx.year_data, ctx.p, ctx.n_year
    title = ctx.t("fa_title").rstrip("：:")
    page.title(title, ctx.year_title("fa_title") or None)
    page.note(ctx.t("fa_sub"))
    page.skip(1)
    info = page.row
    bold = book.fmt("gen", bold=True)
    ws.write_string(info, 0, ctx.t("n_analysed"), bold)
    ws.write_string(info + 1, 0, ctx.t("left_out"), bold)
    ws.write_string(info + 2, 0, ctx.t("kmo"), bold)
    page.block("fa.kmo", f"NQP_KMO({yd},{L_},{I_})", (1, 1), ("num3",), row=info + 2, col=1, scalar=True, advance=False)
    page.items.append((info, info + 2))
    page.row = info + 4
    page.heading(ctx.t("bartlett"))
    page.block("fa.bartlett", f"NQP_BARTLETT({yd},{L_},{I_})", (2, 3), ("num3", "int", "p"), grows=False)
    page.heading(ctx.t("describe"))
    page.block("fa.describe", f"NQP_DESCRIBE({yd},{L_},{I_})", (p + 1, 6), ("gen", "int", "big"))
    page.heading(ctx.t("corr"))
    page.block("fa.corr", f"NQP_CORR({yd},{L_},{I_})", (p + 1, p + 1), _first_gen("r"), head_max=7)
    # one below the other: a column of indicator names beside numbers would widen the page
    page.heading(ctx.t("msa"))
    page.block("fa.msa", f"NQP_MSA({yd},{L_},{I_})", (p + 1, 2), ("gen", "num3"))
    page.heading(ctx.t("communalities"))
    page.block("fa.communalities", f"NQP_COMMUNALITIES({ctx.fa_args},{L_},{I_})", (p + 1, 3), ("gen", "num3"))
    page.heading(ctx.t("variance"))
    var = page.block("fa.variance", f"NQP_VARIANCE({ctx.fa_args},{L_},{I_})", (p + 1, 10), _variance_kinds)
    _scree_chart(ctx, page, var)
    page.heading(ctx.t("component_matrix"))
    page.block("fa.components", f"NQP_LOADINGS({ctx.fa_args},FALSE,{L_},{I_})", (p + 1, 3), _first_gen("num3"),
               grow_cols=3)
    page.heading(ctx.t("loadings"))
    rot = page.block("fa.loadings", f"NQP_LOADINGS({ctx.fa_args},TRUE,{L_},{I_})", (p + 1, 3),
                     _first_gen("num3"), grow_cols=3)
    _loadings_chart(ctx, page, rot)
    page.heading(ctx.t("scorecoef"))
    page.block("fa.scorecoef", f"NQP_SCORECOEF({ctx.fa_args},{L_},{I_})", (p + 1, 3), _first_gen("num3"),
               grow_cols=3)
    # the chart of F first, the scores below it: the scores are the sheet's last table, and
    # their header repeats on the pages they continue on (a table of many cities)
    chart_row = page.row
    page.row += 20  # the chart's 18 rows (340 px) and a gap
    page.heading(ctx.t("factors"))
    top = page.row
    page.labels("fa.labels", ctx.year_regions, n + 1, col=0, row=top)
    # Rank is last: one more factor (another year's data) moves it right, so it is formatted
    # by its header; the columns kept at the right take the scores of more factors
    fac = page.block("fa.factors", f"NQP_FACTORS({ctx.fa_args},{L_},{I_})", (n + 1, 4), ("num",), row=top, col=1,
                     grow_cols=3)
    page.column_formats(fac, {text("Rank", ctx.lang): "int"}, grow_cols=3)
    _scores_chart(ctx, page, fac, row=chart_row)
    # N analysed and the regions left out, counted from the F column of the scores
    from ..ooxml.addresses import col_letters

    fcol = col_letters(fac.col + fac.cols - 1)   # F is the last column but one (Rank is last)
    lcol = col_letters(1)
    rows = f"{fac.row + 2}:${fcol}${fac.row + 1 + SPARE}"
    ws.write_formula(info, 1, f"=COUNT(${fcol}${rows})", book.fmt("int", align="left"), "")
    labels = f"${lcol}${fac.row + 2}:${lcol}${fac.row + 1 + SPARE}"
    none = ctx.t("none")
    ws.write_dynamic_array_formula(info + 1, 1, info + 1, 1,
                                   f'=_xlfn.TEXTJOIN(", ",TRUE,_xlfn._xlws.FILTER({labels},({labels}<>"")*'
                                   f'NOT(ISNUMBER(${fcol}${rows})),"{none}"))', None, "")
    # the scores (one row per region: many pages for a table of cities or counties) are the
    # last table: their header repeats on the pages they continue on
    page.finish(repeat_rows=(top, top))
    return page


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
    page.chart(chart, width_px=720, height_px=max(320, 18 * (rot.rows - 1) + 90))


def _scores_chart(ctx: Ctx, page: Page, fac: Placed, row: int) -> None:
    chart = new_chart(ctx, "column", ctx.t("chart_scores"))
    col = fac.col + max(fac.cols - 2, 0)
    chart.add_series({"name": [page.name, fac.row, col],
                      "categories": [page.name, fac.row + 1, 0, fac.end, 0],
                      "values": [page.name, fac.row + 1, col, fac.end, col]})
    chart.set_legend({"none": True})
    # region names below the plot, not over the bars of negative scores
    chart.set_x_axis({"num_font": {"rotation": -45, "size": 8}, "label_position": "low"})
    page.chart(chart, width_px=900, height_px=340, row=row)


def grades_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("grades"), landscape=False)
    title = ctx.t("gr_title").rstrip("，,")
    page.title(title, ctx.year_title("gr_title") or None)
    page.skip(1)
    top = page.row
    page.heading(ctx.t("grades"), row=top)
    n = ctx.n_year
    lab = page.labels("gr.labels", ctx.year_regions, n + 1, col=0, row=top + 1)
    page.block("gr.score", ctx.score, (n + 1, 1), ("num",), row=top + 1, col=1, advance=False)
    cluster = f"NQP_CLUSTER({ctx.score},NQP_K,NQP_GRADE_NAMES,,{L_})"
    page.block("gr.cluster", cluster, (n + 1, 2), ("textc", "int"), row=top + 1, col=2, advance=False)  # grade names centred, clear of F
    page.heading(ctx.t("centres"), row=top, col=5)
    key = f"INDEX({cluster},0,2)"
    cen = page.block("gr.centres", f'NQP_PIVOT({ctx.score},{key},,"mean",{L_})', (5, 2), ("int", "num"),
                     row=top + 1, col=5, advance=False)
    page.block("gr.counts", f'INDEX(NQP_PIVOT({ctx.score},{key},,"count",{L_}),0,2)', (5, 1), ("int",),
               row=top + 1, col=7, advance=False)
    page.width(4, 3)
    page.row = max(lab.last_row, cen.last_row) + 2
    page.finish(repeat_rows=(top + 1, top + 1))
    return page


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
    page.block("ob.obstacle", f"NQP_OBSTACLE({ctx.year_data},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I_})",
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
    page.block("ci.weights", f"NQP_WEIGHTS({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I_})",
               (ctx.p + 1, 4), _first_gen("num"))
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
