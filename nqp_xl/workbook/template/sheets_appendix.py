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
        if j != 4:  # the weights' own header heads column E
            ws.write_string(head, j, ctx.t(key), hfmt)
    weights = f"NQP_WEIGHTS({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I_})"
    # each column one spilled formula over the rows above the Data table (a formula per cell
    # cost 0.8 s of a refresh to compile): blank subsystems and units show blank (format)
    p = ctx.p
    below = head + 1
    page.block("in.sub", "TRANSPOSE(NQP_SUBSYSTEMS)", (p, 1), ("text",), row=below, col=0, header=False, advance=False)
    page.block("in.label", 'IF(TRANSPOSE(NQP_IND_LABELS)="",TRANSPOSE(NQP_IND_NAMES),TRANSPOSE(NQP_IND_LABELS))',
               (p, 1), ("text",), row=below, col=1, header=False, advance=False)
    page.block("in.unit", "TRANSPOSE(NQP_IND_UNITS)", (p, 1), ("textc",), row=below, col=2, header=False, advance=False)
    page.block("in.direction", "TRANSPOSE(NQP_DIRECTIONS)", (p, 1), ("textc",), row=below, col=3, header=False,
               advance=False)
    page.block("in.weight", f"INDEX({weights},0,2)", (p + 1, 1), ("num",), row=head, col=4, advance=False)
    last = page.block("in.column", "TRANSPOSE(NQP_IND_NAMES)", (p, 1), ("text",), row=below, col=5, header=False,
                      advance=False)
    for j, w in enumerate((16, 34, 14, 8, 9, 26)):
        page.width(j, w)
    page.items.append((0, head + ctx.p))
    page.row = last.last_row + 2
    page.finish(repeat_rows=(head, head))
    return page
