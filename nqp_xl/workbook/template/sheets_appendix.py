"""The appendix's Indicator system sheet (the papers' Table 1): subsystem, indicator (its
readable label), unit, direction and weight of every indicator, with the Data table's column
name beside it.  Formulas over the rows above the Data table on Inputs and ``NQP_WEIGHTS``, so
a label, unit, direction or subsystem changed there shows here after a refresh."""
from __future__ import annotations

from .context import Ctx
from .contract import D, I_, L_
from .layout import Page


def indicator_sheet(ctx: Ctx) -> Page:
    page = Page(ctx.book, ctx.sheet("indicators"), landscape=False)
    ws, book = page.ws, ctx.book
    page.title(ctx.t("in_title"))
    page.note(ctx.t("in_note"))
    page.skip(1)
    head = page.row
    keys = ("in_subsystem", "in_indicator", "in_unit", "direction", "in_weight", "in_column")
    hfmt = book.fmt("gen", head=True)
    for j, key in enumerate(keys):
        ws.write_string(head, j, ctx.t(key), hfmt)
    weights = f"NQP_WEIGHTS({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I_})"
    text_f = book.fmt("gen", text_wrap=True, valign="top")
    centre = book.fmt("gen", align="center", valign="top")
    num = book.fmt("num", valign="top")
    for i in range(ctx.p):
        r = head + 1 + i
        j = ctx.table.id_cols + i + 1  # the indicator's column on Inputs
        name = f"INDEX(NQP_NAMES,1,{j})"
        row = lambda rows: f'IF(INDEX({rows},1,{j})="","",INDEX({rows},1,{j}))'  # noqa: E731
        cells = ("=" + row("NQP_SUBSYSTEM_ROW"), f'=IF(INDEX(NQP_LABELS,1,{j})="",{name},INDEX(NQP_LABELS,1,{j}))',
                 "=" + row("NQP_UNITS"), "=" + row("NQP_DIRECTION_ROW"),
                 f'=IFERROR(INDEX(INDEX({weights},0,2),MATCH({name},INDEX({weights},0,1),0)),"")', f"={name}")
        for j, (formula, fmt) in enumerate(zip(cells, (text_f, text_f, centre, centre, num, text_f))):
            ws.write_formula(r, j, formula, fmt, "")
    for j, w in enumerate((16, 34, 14, 8, 9, 26)):
        page.width(j, w)
    page.items.append((0, head + ctx.p))
    page.row = head + 1 + ctx.p + 1
    page.finish(repeat_rows=(head, head))
    return page
