"""The sheets over all rows of the panel: Coupling, Disparity, Equations, Dynamics."""
from __future__ import annotations

from .context import D, GROUPS, I_, L_, REGIONS, YEARS, Ctx
from .layout import Page, Placed
from .sheets_year import _chart


def coupling_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("coupling"), landscape=True)
    page.title(ctx.t("cp_title"))
    page.note(ctx.t("cp_note"))
    top = page.row + 1
    page.heading(ctx.t("cp_table"), row=top)
    head = top + 1
    n, s = ctx.n_all, max(ctx.n_subsystems, 2)
    page.labels("cp.regions", REGIONS, n + 1, col=0, row=head)
    col = 1
    if ctx.panel:
        page.labels("cp.years", YEARS, n + 1, col=1, row=head, kind="int")
        col = 2
    sub = page.block("cp.sub", ctx.subindex, (n + 1, s), ("num",), row=head, col=col, advance=False)
    cp = page.block("cp.coupling", ctx.coupling, (n + 1, 6), ("num", "num", "num", "int", "gen", "gen"),
                    row=head, col=sub.col + sub.cols, advance=False)
    right = cp.col + cp.cols + 1
    page.width(right - 1, 3)
    d_col = f"INDEX({ctx.coupling},0,3)"
    if ctx.panel:
        page.heading(ctx.t("d_by_year"), row=top, col=right)
        by_year = f'NQP_PIVOT({d_col},{YEARS},,"mean",{L_})'
        py = page.block("cp.d_year", by_year, (ctx.n_years + 1, 2), ("int", "num"), row=head, col=right,
                        advance=False)
        page.block("cp.d_year_level", f"NQP_LEVEL(INDEX({by_year},0,2),{L_})", (ctx.n_years + 1, 2), ("int", "gen"),
                   row=head, col=right + 2, advance=False)
        r = py.last_row + 3
        if ctx.has_group:
            page.heading(ctx.t("d_by_group"), row=r - 1, col=right)
            pg = page.block("cp.d_group", f'NQP_PIVOT({d_col},{YEARS},{GROUPS},"mean",{L_})',
                            (ctx.n_years + 1, ctx.n_groups + 1), ("int", "num"), row=r, col=right, advance=False)
            _d_by_group_chart(ctx, page, pg, pg.last_row + 2, right)
    else:
        _d_by_region_chart(ctx, page, cp, head, right)
    page.row = max(cp.last_row, page.row) + 2
    page.finish(repeat_rows=(head, head))
    return page


def _d_by_group_chart(ctx: Ctx, page: Page, pg: Placed, row: int, col: int) -> None:
    chart = _chart(ctx, "line", ctx.t("chart_d_group"))
    for k in range(1, max(pg.cols, 2)):
        chart.add_series({"name": [page.name, pg.row, pg.col + k],
                          "categories": [page.name, pg.row + 1, pg.col, pg.last_row, pg.col],
                          "values": [page.name, pg.row + 1, pg.col + k, pg.last_row, pg.col + k],
                          "marker": {"type": "circle", "size": 4}})
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"name": "D", "major_gridlines": {"visible": True}})
    page.chart(chart, col=col, width_px=520, height_px=300, row=row)


def _d_by_region_chart(ctx: Ctx, page: Page, cp: Placed, head: int, col: int) -> None:
    chart = _chart(ctx, "column", ctx.t("chart_coupling"))
    d = cp.col + 2
    chart.add_series({"name": [page.name, cp.row, d], "categories": [page.name, cp.row + 1, 0, cp.last_row, 0],
                      "values": [page.name, cp.row + 1, d, cp.last_row, d]})
    chart.set_legend({"none": True})
    page.chart(chart, col=col, width_px=620, height_px=320, row=head)


def _gini_kinds(j: int, n: int) -> str:
    return "int" if j == 0 else ("pct" if j in (5, 6, 7) else "num")


def _theil_kinds(j: int, n: int) -> str:
    return "int" if j == 0 else ("pct" if j in (4, 5) else "num")


def disparity_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("disparity"), landscape=True)
    page.title(ctx.t("ds_title"))
    page.note(ctx.t("ds_note") if ctx.has_group else ctx.t("no_groups"))
    page.skip(1)
    values = f"INDEX({ctx.index},0,1)"
    groups = GROUPS if ctx.has_group else ""
    g = ctx.n_groups
    if ctx.panel:
        page.heading(ctx.t("gini"))
        gini = page.block("ds.gini", f"NQP_GINI({values},{groups},{YEARS},{L_})",
                          (ctx.n_years + 1, 8 + g + g * (g - 1) // 2), _gini_kinds)
        _gini_chart(ctx, page, gini)
        page.heading(ctx.t("theil"))
        page.block("ds.theil", f"NQP_THEIL({values},{groups},{YEARS},{L_})", (ctx.n_years + 1, 6 + g), _theil_kinds)
    else:
        page.heading(ctx.t("gini"))
        page.block("ds.gini", f"NQP_GINI({values},{groups},{L_})", (5 + g, 3), ("gen", "num", "pct"))
        page.heading(ctx.t("theil"))
        page.block("ds.theil", f"NQP_THEIL({values},{groups},{L_})", (4 + g, 3), ("gen", "num", "pct"))
    page.finish(repeat_rows=(0, 0))
    return page


def _gini_chart(ctx: Ctx, page: Page, gini: Placed) -> None:
    chart = _chart(ctx, "line", ctx.t("chart_gini"))
    for k in range(1, min(5, max(gini.cols, 2))):
        chart.add_series({"name": [page.name, gini.row, gini.col + k],
                          "categories": [page.name, gini.row + 1, gini.col, gini.last_row, gini.col],
                          "values": [page.name, gini.row + 1, gini.col + k, gini.last_row, gini.col + k],
                          "marker": {"type": "circle", "size": 4}})
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"major_gridlines": {"visible": True}})
    page.chart(chart, width_px=640, height_px=300)


def equations_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("equations"), landscape=False)
    page.title(ctx.t("eq_title"))
    page.note(ctx.t("eq_note"))
    page.skip(1)
    none = '"' + ctx.t("eq_none") + '"'

    def guarded(formula: str) -> str:
        return f'IF(NQP_EQUATIONS="",{none},{formula})'

    n_eq = max(1, ctx.equations.count(";") + 1) if ctx.equations else 1
    rows = n_eq * 12 + 2
    page.heading(ctx.t("eq_methods"))
    page.block("eq.methods", guarded(f"NQP_REGTABLE({D},NQP_EQUATIONS,NQP_EQ_METHODS,,{L_},{I_})"), (rows, 4), ("text",))
    if ctx.has_group:
        page.heading(ctx.t("eq_groups"))
        page.block("eq.groups", guarded(f'NQP_REGTABLE({D},NQP_EQUATIONS,"3sls",{GROUPS},{L_},{I_})'),
                   (rows, ctx.n_groups + 1), ("text",))
    page.heading(ctx.t("eq_detail"))
    page.block("eq.detail", guarded(f'NQP_3SLS({D},NQP_EQUATIONS,"3sls",{L_},{I_})'), (rows, 6),
               ("text", "text", "num3", "num3", "num3", "p"))
    page.finish(repeat_rows=(0, 0))
    return page


def dynamics_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("dynamics"), landscape=True)
    page.title(ctx.t("dy_title"))
    page.note(ctx.t("dy_wait") if ctx.panel else ctx.t("no_year"))
    page.width(0, 60)
    page.width(1, 60)
    page.items.append((0, page.row))
    page.finish(repeat_rows=(0, 0))
    return page
