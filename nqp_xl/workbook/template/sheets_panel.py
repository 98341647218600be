"""The sheets over all rows of the panel: Coupling, Disparity, Equations, Dynamics."""
from __future__ import annotations

import math

from ...labels import text
from ...provinces import bundled_weights, region_key
from ..ooxml.addresses import col_letters, quote_sheet
from .context import Ctx
from .contract import D, GROUPS, I_, L_, REGIONS, YEARS
from .layout import ROW_PT, Page, Placed, new_chart


def coupling_sheet(ctx: Ctx) -> Page:
    """The tables over years (seed 003's Tables 5 and 6) and their chart first, then the long
    table of every row (its header repeated on each printed page)."""
    page = Page(ctx.book, ctx.sheet("coupling"), landscape=True)
    page.title(ctx.t("cp_title"))
    page.note(ctx.t("cp_note"))
    if ctx.n_subsystems == 2 or ctx.n_subsystems < 2:  # the relative type is that of two subsystems
        rule = (('IF(NQP_COUPLING_TYPE="difference","|U1 − U2| ≤ 0.1 为同步型，否则较低者为滞后型",'
                 '"U1/U2 在 [0.8, 1.25] 内为同步型，否则较低者为滞后型")') if ctx.lang == "zh" else
                ('IF(NQP_COUPLING_TYPE="difference","|U1 − U2| ≤ 0.1 is synchronous; otherwise the lower subsystem lags",'
                 '"U1/U2 within [0.8, 1.25] is synchronous; otherwise the lower subsystem lags")'))
        page.ws.write_formula(page.row, 0, f'="{ctx.t("cp_rule")}"&{rule}',
                              ctx.book.fmt("gen", italic=True, font_color="#595959"), "")
        page.headings.append((0, 80.0))
        page.row += 1
    page.skip(1)
    n, s = ctx.n_all, max(ctx.n_subsystems, 2)
    d_col = f"INDEX({ctx.coupling},0,3)"
    if ctx.panel:
        top = page.row
        page.heading(ctx.t("d_by_year"), row=top)
        cap = ctx.book.fmt("gen", bold=True, align="center")
        for j, name in ((1, "D"), (4, "C"), (5, "T")):  # the pivots' headers say only "Mean"
            page.ws.write_string(top + 1, j, name, cap)
        by_year = f'NQP_PIVOT({d_col},{YEARS},,"mean",{L_})'
        py = page.block("cp.d_year", by_year, (ctx.n_years + 1, 2), ("int", "num"), row=top + 2, advance=False)
        page.block("cp.d_year_level", f"NQP_LEVEL(INDEX({by_year},0,2),{L_})", (ctx.n_years + 1, 2), ("int", "gen"),
                   row=top + 2, col=2, advance=False)
        for k, (key, j) in enumerate((("cp.c_year", 1), ("cp.t_year", 2))):  # seed 003 Table 5: C and T too
            page.block(key, f'INDEX(NQP_PIVOT(INDEX({ctx.coupling},0,{j}),{YEARS},,"mean",{L_}),0,2)',
                       (ctx.n_years + 1, 1), ("num",), row=top + 2, col=4 + k, advance=False)
        page.row = py.last_row + 3
        if ctx.has_group:
            top = page.row
            page.heading(ctx.t("d_by_group"), row=top)
            pg = page.block("cp.d_group", f'NQP_PIVOT({d_col},{YEARS},{GROUPS},"mean",{L_})',
                            (ctx.n_years + 1, ctx.n_groups + 1), ("int", "num"), row=top + 1, advance=False)
            _d_by_group_chart(ctx, page, pg, top, max(pg.cols, 6) + 1)
            page.row = max(pg.last_row, top + 16) + 3
    if ctx.panel:  # the paper's table: D of each region (down) and year (across)
        page.heading(ctx.t("d_by_region"))
        page.block("cp.d_region", f'NQP_PIVOT({d_col},{REGIONS},{YEARS},"mean",{L_})',
                   (ctx.n_regions + 1, ctx.n_years + 1), lambda j, n: "gen" if j == 0 else "num", grow_cols=1)
        page.print_rows = page.row - 3
        page.note(ctx.t("not_printed"))
    page.heading(ctx.t("cp_table"))
    head = page.row
    col = ctx.row_labels(page, "cp", head)
    # C, T, D, level, grade, type first and the U of each subsystem last: a subsystem added on
    # the Subsystem row widens that answer, which then has room to its right
    cp = page.block("cp.coupling", ctx.coupling, (n + 1, 6), ("num", "num", "num", "int", "gen", "gen"),
                    row=head, col=col, advance=False)
    sub = page.block("cp.sub", ctx.subindex, (n + 1, s), ("num",), row=head, col=cp.col + max(cp.cols, 6),
                     advance=False, grow_cols=2)
    if not ctx.panel:
        _d_by_region_chart(ctx, page, cp, head, sub.col + sub.cols + 2)
    page.row = cp.last_row + 2
    page.finish(repeat_rows=(head, head))
    return page


def _d_by_group_chart(ctx: Ctx, page: Page, pg: Placed, row: int, col: int) -> None:
    chart = new_chart(ctx, "line", ctx.t("chart_d_group"))
    for k in range(1, max(pg.cols, 2)):
        chart.add_series({"name": [page.name, pg.row, pg.col + k],
                          "categories": [page.name, pg.row + 1, pg.col, pg.end, pg.col],
                          "values": [page.name, pg.row + 1, pg.col + k, pg.end, pg.col + k],
                          "marker": {"type": "circle", "size": 4}})
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"name": "D", "min": 0, "major_gridlines": {"visible": True}})  # a trend starts at 0
    chart.set_x_axis({"name": ctx.t("year_axis")})
    chart.show_blanks_as("gap")  # a year without values is a gap, not a step to the next
    page.chart(chart, col=col, width_px=520, height_px=300, row=row)


def _d_by_region_chart(ctx: Ctx, page: Page, cp: Placed, head: int, col: int) -> None:
    chart = new_chart(ctx, "column", ctx.t("chart_coupling"))
    d = cp.col + 2
    chart.add_series({"name": [page.name, cp.row, d], "categories": [page.name, cp.row + 1, 0, cp.end, 0],
                      "values": [page.name, cp.row + 1, d, cp.end, d]})
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
        page.block("ds.gini", f"NQP_GINI({values},{groups},,{L_})", (5 + g, 3), ("gen", "num", "pct"))
        page.heading(ctx.t("theil"))
        page.block("ds.theil", f"NQP_THEIL({values},{groups},,{L_})", (4 + g, 3), ("gen", "num", "pct"))
    page.finish(repeat_rows=(0, 0))
    return page


def _gini_chart(ctx: Ctx, page: Page, gini: Placed) -> None:
    chart = new_chart(ctx, "line", ctx.t("chart_gini"))
    for k in range(1, min(5, max(gini.cols, 2))):
        chart.add_series({"name": [page.name, gini.row, gini.col + k],
                          "categories": [page.name, gini.row + 1, gini.col, gini.end, gini.col],
                          "values": [page.name, gini.row + 1, gini.col + k, gini.end, gini.col + k],
                          "marker": {"type": "circle", "size": 4}})
    chart.set_legend({"position": "bottom"})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}})  # a trend starts at 0
    chart.set_x_axis({"name": ctx.t("year_axis")})
    chart.show_blanks_as("gap")
    page.chart(chart, width_px=640, height_px=300)


def equations_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("equations"), landscape=False)
    page.title(ctx.t("eq_title"))
    page.note(ctx.t("eq_note"))
    page.skip(1)
    none = '"' + ctx.t("eq_none") + '"'

    def guarded(formula: str) -> str:
        """Without equations at hand, a note instead of an error; with them the formula alone
        (IF() would pass the answer's blanks on as zeros)."""
        return formula if ctx.equations else f'IF(NQP_EQUATIONS="",{none},{formula})'

    n_eq = max(1, ctx.equations.count(";") + 1) if ctx.equations else 1
    rows = n_eq * 12 + 2
    page.heading(ctx.t("eq_methods"))
    page.note(ctx.t("eq_p_note"))
    tables = [page.block("eq.methods", ctx.relabel(guarded(
        f"NQP_REGTABLE({D},NQP_EQUATIONS,NQP_EQ_METHODS,,{L_},{I_},,,,TRUE)")), (rows, 7), _regtable_kinds(7))]
    if ctx.has_group and ctx.panel:  # a cross-section has too few rows per group for a system
        page.heading(ctx.t("eq_groups"))
        w = 2 * ctx.n_groups + 1
        tables.append(page.block("eq.groups", ctx.relabel(guarded(
            f'NQP_REGTABLE({D},NQP_EQUATIONS,"3sls",{GROUPS},{L_},{I_},,,,TRUE)')), (rows, w), _regtable_kinds(w)))
    for placed in tables:
        _regtable_formats(ctx, page, placed)
    page.heading(ctx.t("eq_detail"))
    detail = page.block("eq.detail", ctx.relabel(guarded(f'NQP_3SLS({D},NQP_EQUATIONS,"3sls",{L_},{I_})')), (rows, 6),
                        ("text", "text", "num3", "num3", "num3", "p"))
    page.row_formats(detail, 1, {text("N", ctx.lang): "int"}, first_col=2)  # N = 242, not 242.000
    if ctx.panel:
        _panel_blocks(ctx, page)
    page.finish(repeat_rows=(0, 0))
    return page


def _panel_blocks(ctx: Ctx, page: Page) -> None:
    """The panel regression of the Panel equation setting (model, effects and standard errors
    from Settings) with the Hausman test, and the spatial Durbin model with its direct, indirect
    and total effects on the Weights sheet's matrix (a cross-section of the year analysed, or
    the panel with the effects Settings name)."""
    none = '"' + ctx.t("eq_panel_none") + '"'
    eq = "NQP_PANEL_EQUATION"
    guard = (lambda f: f) if ctx.panel_equation else (lambda f: f'IF({eq}="",{none},{f})')
    ids = "NQP_REGION_COL,NQP_YEAR_COL"
    page.heading(ctx.t("eq_panel"))
    page.note(ctx.t("eq_panel_note"))
    pr = page.block("eq.panel", ctx.relabel(guard(
        f"NQP_PANELREG({D},{eq},{ids},NQP_PANEL_MODEL,NQP_PANEL_EFFECTS,NQP_PANEL_SE,{L_},{I_})")), (20, 7),
        ("text", "num3", "num3", "num3", "p", "num3", "num3"))
    counts = {text(k, ctx.lang): "int" for k in ("N", "Groups", "DK lag")}
    page.row_formats(pr, 0, {**counts, text("P (all u_i = 0)", ctx.lang): "p"}, first_col=1)
    page.heading(ctx.t("eq_hausman"))
    hs = page.block("eq.hausman", guard(f"NQP_HAUSMAN({D},{eq},{ids},{L_},{I_})"), (4, 2), ("text", "num3"))
    page.row_formats(hs, 0, {"df": "int", text("df", ctx.lang): "int", "P": "p", text("P", ctx.lang): "p"}, first_col=1)
    page.heading(ctx.t("eq_sdm"))
    if not regions_in_weights(ctx):
        page.note(ctx.t("weights_missing"))
        return
    page.note(ctx.t("eq_sdm_note"))
    # blank effects: the year analysed as a cross-section; else the panel (IF() on the scalar
    # arguments: around the answer it would show the answer's blanks as zeros)
    cross = 'NQP_SDM_EFFECTS=""'
    # NQP_SELECT of a blank year is every row: the choice is made on the scalars
    sdm_f = (f'NQP_SDM(NQP_SELECT({D},NQP_YEAR_COL,IF({cross},NQP_YEAR,"")),{eq},NQP_REGION_COL,NQP_SPATIAL,'
             f'IF({cross},"",NQP_YEAR_COL),NQP_SDM_EFFECTS,{L_},{I_})')
    sdm = page.block("eq.sdm", ctx.relabel(guard(sdm_f)), (34, 5), ("text", "num3", "num3", "num3", "p"))
    ints = {text(k, ctx.lang): "int" for k in ("N", "Regions", "Years", "Simulation draws")}
    page.row_formats(sdm, 0, ints, first_col=1)


def _regtable_kinds(width: int):
    """The columns of NQP_REGTABLE(..., numbers=TRUE): names, the figures (3 decimals unless a
    conditional format says otherwise), then the p-values behind the stars."""
    models = (width - 1) // 2
    return lambda j, n: "text" if j == 0 else ("num3" if j <= max((n - 1) // 2, models) else "p")


def _regtable_formats(ctx: Ctx, page: Page, placed: Placed) -> None:
    """Stars and parentheses by number format (SPEC Part 3, "Numbers stay numbers"): a
    coefficient's format follows its p-value k columns to the right (0.000"***" below 0.01, ...);
    a standard error (the row's name blank) shows as (0.120); N as a whole number; the title
    row of each equation in bold.  Conditional formats, so they follow the rows when the system
    changes."""
    k = max((placed.cols - 1) // 2, 1)
    r0, r1 = placed.row + 1, placed.row + max(placed.rows, placed.room) - 1
    c0, c1 = placed.col + 1, placed.col + k
    name = f"${col_letters(placed.col + 1)}{r0 + 1}"      # the row's name (column A of the answer)
    x = f"{col_letters(c0 + 1)}{r0 + 1}"                  # the figure, relative
    p = f"{col_letters(c0 + k + 1)}{r0 + 1}"              # its p-value, k columns to the right
    rules = [(f'=AND({name}="",ISNUMBER({x}))', '(0.000)'),
             (f'=AND({name}<>"",ISNUMBER({x}),ISNUMBER({p}),{p}<0.01)', '0.000"***"'),
             (f'=AND({name}<>"",ISNUMBER({x}),ISNUMBER({p}),{p}<0.05)', '0.000"**"'),
             (f'=AND({name}<>"",ISNUMBER({x}),ISNUMBER({p}),{p}<0.1)', '0.000"*"'),
             (f'={name}="{text("N", ctx.lang)}"', '0')]
    for criteria, fmt in rules:
        page.ws.conditional_format(r0, c0, r1, c1, {"type": "formula", "criteria": criteria, "stop_if_true": True,
                                                    "format": page.book.wb.add_format({"num_format": fmt})})
    last = f"${col_letters(c1 + 1)}{r0 + 1}"
    foot = text("Standard errors in parentheses; * p<0.1, ** p<0.05, *** p<0.01", ctx.lang).replace('"', '""')
    title = f'=AND({name}<>"",{name}<>"{foot}",SUMPRODUCT(LEN(${col_letters(c0 + 1)}{r0 + 1}:{last}))=0)'
    page.ws.conditional_format(r0, placed.col, r1, c1, {"type": "formula", "criteria": title, "format": page.book.wb.add_format(
        {"bold": True, "top": 1, "bg_color": "#F2F2F2"})})


def regions_in_weights(ctx: Ctx) -> bool:
    """Every region of the table is a province of the bundled weights (by any of its names)."""
    if ctx.cols.region is None:
        return False
    known = {region_key(n) for n in bundled_weights("contiguity", "zh")[0][1:]}
    j = ctx.table.headers.index(ctx.cols.region)
    return all(region_key(r[j]) in known for r in ctx.table.rows)


def weights_sheet(ctx: Ctx) -> Page:
    """The bundled 31-province contiguity matrix (replaceable by the user's own)."""
    page = Page(ctx.book, ctx.sheet("weights_w"), landscape=True)
    rows = bundled_weights("contiguity", ctx.lang)
    ws = page.ws
    head = ctx.book.fmt("gen", head=True)
    # the names across the top run upwards in English (a 5-wide column would break "Beijing")
    top_head = ctx.book.fmt("gen", head=True, rotation=90, text_wrap=False) if ctx.lang == "en" else head
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if i == 0 or j == 0:
                ws.write_string(i, j, str(v), (top_head if i == 0 else head) if (i, j) != (0, 0) else ctx.book.fmt("gen"))
            else:
                ws.write_number(i, j, float(v), ctx.book.fmt("int"))
    n = len(rows)
    ws.write_string(n + 1, 0, ctx.t("weights_note"), ctx.book.fmt("gen", italic=True, font_color="#595959"))
    ctx.book.wb.define_name("NQP_SPATIAL", f"={quote_sheet(page.name)}!$A$1:${col_letters(n)}${n}")
    page.width(0, 16 if ctx.lang == "en" else 9)
    for j in range(1, n):
        page.width(j, 4 if ctx.lang == "zh" else 5)
    page.heights[0] = ROW_PT * (3 if ctx.lang == "zh" else 6)
    page.ws.set_row(0, page.heights[0])
    page.row = n + 2
    page.items.append((0, page.row))
    page.finish()
    return page


def _sigma_kinds(j: int, n: int) -> str:
    return "int" if j in (0, 1) else "num"


def dynamics_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("dynamics"), landscape=True)
    page.title(ctx.t("dy_title"))
    if not ctx.panel:
        page.note(ctx.t("no_year"))
        page.width(0, 60)
        page.items.append((0, page.row))
        page.finish(repeat_rows=(0, 0))
        return page
    page.skip(1)
    values = f"INDEX({ctx.index},0,1)"
    top = page.row
    page.heading(ctx.t("sigma"), row=top)
    sig = page.block("dy.sigma", f'NQP_CONVERGENCE({values},{REGIONS},{YEARS},"sigma",{L_})',
                     (ctx.n_years + 1, 5), _sigma_kinds, row=top + 1, advance=False)
    page.heading(ctx.t("beta"), row=top, col=6)
    beta = page.block("dy.beta", f'NQP_CONVERGENCE({values},{REGIONS},{YEARS},"beta",{L_})', (9, 2),
                      ("gen", "num"), row=top + 1, col=6, advance=False, grows=False)
    page.row_formats(beta, 0, {text("N", ctx.lang): "int", text("P>|t|", ctx.lang): "p"}, first_col=1)
    # the CV chart beside the two tables (below them it would fall on a page of its own)
    rows = _sigma_chart(ctx, page, sig, row=top, col=beta.col + 3)
    page.row = max(sig.last_row, beta.last_row, top + rows) + 2
    page.heading(ctx.t("markov"))
    page.block("dy.markov", f"NQP_MARKOV({values},{REGIONS},{YEARS},NQP_MARKOV_K,{L_})", (8, 6),
               lambda j, n: "int" if j in (0, n - 1) else "num")  # room for a larger Markov k
    if regions_in_weights(ctx):  # the Markov matrices by the neighbours' class (Rey 2001)
        page.heading(ctx.t("smarkov"))
        page.block("dy.smarkov", f"NQP_SMARKOV({values},{REGIONS},{YEARS},NQP_SPATIAL,NQP_MARKOV_K,{L_})", (36, 6),
                   lambda j, n: "int" if j in (0, n - 1) else "num", min_room=50, grow_cols=2)  # k up to 6
    page.heading(ctx.t("moran"))
    if regions_in_weights(ctx):
        page.block("dy.moran", f"NQP_MORAN({values},{REGIONS},NQP_SPATIAL,{YEARS},,,{L_})", (ctx.n_years + 1, 6),
                   ("int", "num", "num", "num", "num", "p"))
        year_rows = f"NQP_SELECT(CHOOSE({{1,2,3}},{REGIONS},{YEARS},{values}),2,NQP_YEAR)"
        page.ws.write_formula(page.row, 0, "=" + ctx.year_title("lisa"), ctx.book.fmt("gen", bold=True, font_size=12), "")
        page.heights[page.row] = 18.0
        page.row += 1
        top = page.row
        page.labels("dy.lisa_labels", f"INDEX({year_rows},0,1)", ctx.n_year + 1, col=0, row=top)
        page.block("dy.lisa", f"NQP_LISA(INDEX({year_rows},0,3),INDEX({year_rows},0,1),NQP_SPATIAL,999,1,,{L_})",
                   (ctx.n_year + 1, 4), ("num", "num", "p", "textc"), row=top, col=1)  # quadrant clear of P
    else:
        page.note(ctx.t("weights_missing"))
        page.skip(1)
    # the density curves: the chart first, the 100 grid points below it
    m = page.size("dy.kdensity", (51, ctx.n_years + 1))
    chart_row = page.row
    page.row += 20
    # the grid the curves are drawn from is not read line by line: kept below the printed area
    page.print_rows = page.row - 1
    page.note(ctx.t("kd_not_printed"))
    page.heading(ctx.t("kdensity"))
    kd = page.block("dy.kdensity", f"NQP_KDENSITY({values},{YEARS},50,,{L_})", (m.rows, m.cols), ("num",),
                    grow_cols=2)  # a column per year: next year's data adds one
    _kdensity_chart(ctx, page, kd, row=chart_row, col=0)
    # the long grid of densities is the sheet's last table: its header row repeats on the
    # pages it continues on (print titles repeat from the page where they first appear)
    page.finish(repeat_rows=(kd.row, kd.row))
    return page


def _sigma_chart(ctx: Ctx, page: Page, sig: Placed, row: int, col: int) -> int:
    chart = new_chart(ctx, "line", ctx.t("chart_sigma"))
    k = sig.col + max(sig.cols - 1, 1)
    chart.add_series({"name": [page.name, sig.row, k],
                      "categories": [page.name, sig.row + 1, sig.col, sig.end, sig.col],
                      "values": [page.name, sig.row + 1, k, sig.end, k], "marker": {"type": "circle", "size": 4}})
    chart.set_legend({"none": True})
    chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}, "name": "CV"})  # a trend starts at 0
    chart.set_x_axis({"name": ctx.t("year_axis")})
    chart.show_blanks_as("gap")
    page.chart(chart, width_px=480, height_px=260, row=row, col=col)
    return page.charts[-1][2]


def _kdensity_chart(ctx: Ctx, page: Page, kd: Placed, row: int, col: int) -> None:
    chart = ctx.book.wb.add_chart({"type": "scatter", "subtype": "smooth"})
    chart.set_title({"name": ctx.t("chart_kdensity"), "name_font": {"size": 12, "bold": True}})
    # one series per year, and room for the years still to come: refresh stretches a series'
    # rows but cannot add series, so a year added later (nqp-xl update) is drawn too
    years = max(kd.cols - 1, 1)
    for k in range(1, int(math.ceil((years + 1) / 5.0) * 5) + 1):
        chart.add_series({"name": [page.name, kd.row, kd.col + k],
                          "categories": [page.name, kd.row + 1, kd.col, kd.end, kd.col],
                          "values": [page.name, kd.row + 1, kd.col + k, kd.end, kd.col + k]})
    # the columns without a year yet have no legend entry (LibreOffice would name them "Column I")
    chart.set_legend({"position": "right", "delete_series": list(range(years, k))})
    # the y axis crosses at the left edge of the grid (the data's range ± 3 bandwidths), so its
    # labels never run across the curves; both axes titled
    chart.set_x_axis({"name": ctx.t("kd_x"), "crossing": "min", "label_position": "low"})
    chart.set_y_axis({"name": ctx.t("kd_y"), "min": 0, "label_position": "low", "crossing": "min"})
    page.chart(chart, col=col, width_px=620, height_px=360, row=row)
