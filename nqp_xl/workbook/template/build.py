"""The workbook template, written from code with XlsxWriter.

``build(path, table)`` writes a macro-enabled workbook: the xlwings VBA project that ships
inside the installed xlwings package, the report's sheets and an active ``xlwings.conf``
sheet naming ``nqp_udfs``.  Sheets (tab names in the workbook's language):

* Settings: the cells that drive every sheet (columns by header, year analysed, factor rule,
  k, grade names, weights, coupling model, equations), each a defined name (``NQP_YEAR``, ...);
* Inputs: the Data table, with a direction row and a Subsystem row above it;
* Factor analysis and Grades of the year analysed (``NQP_SELECT`` of the Data table);
* Composite index, Coupling, Disparity, Equations over every row (panel tables by year), and
  the Obstacle degree of the year analysed;
* Dynamics (kept for the dynamics functions), Methods.

Every formula refers to the Data table and the Settings through defined names, so a new year,
region or indicator needs no formula edits.  Nothing is computed in the file: ``nqp-xl refresh``
fills in the values.  The layout is measured first: the workbook is written once with room to
spare, computed in memory, and written again with every answer given exactly its room, formats
and column widths (see ``layout``).

The output is deterministic (fixed document properties and zip timestamps), so the committed
``workbook_template.xlsm`` can be compared with a fresh build.
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import os
import zipfile
from itertools import chain, repeat
from types import ModuleType
from typing import Sequence

import xlsxwriter

from ... import __version__
from ..engine.recalc import refresh_package
from ..ooxml.fast_worksheet import FastWorksheet
from ..ooxml.package import Package
from .context import Ctx
from .input_table import (INPUT_HEADER_ROW, InputError, InputTable, ReportColumns, choose_columns, default_subsystems,
                          example_table)
from .layout import Book, Measured, text_width
from .indicator_labels import with_bundled_labels
from .sheets_appendix import indicator_sheet
from .sheets_overview import overview_page, overview_sheet
from .sheets_panel import coupling_sheet, disparity_sheet, dynamics_sheet, equations_sheet, weights_sheet
from .sheets_setup import conf_sheet, inputs_sheet, methods_sheet, settings_sheet
from .sheets_year import composite_sheet, factor_sheet, grades_sheet, obstacle_sheet

FIXED_TIME = _dt.datetime(2024, 1, 1, 0, 0, 0)

# The bundled panel's system of equations (seed 003's two-way relation, in logs): new product
# sales of industry and R&D spending explain each other; each equation leaves out two
# exogenous variables of the other (identified).
BUNDLED_EQUATIONS = ("ln(ind_new_product_sales) ~ ln(rd_expenditure) + ln(ind_rd_personnel_fte) + "
                     "ln(gov_education_spending); ln(rd_expenditure) ~ ln(ind_new_product_sales) + "
                     "ln(gov_sci_tech_spending) + ln(valid_invention_patents)")
ZH_SUBSYSTEMS = {"NQP": "新质生产力", "Manufacturing": "制造业升级"}


def default_equations(table: InputTable) -> str:
    """The bundled system when the table has its columns, else none."""
    need = {"ind_new_product_sales", "rd_expenditure", "ind_rd_personnel_fte", "gov_education_spending",
            "gov_sci_tech_spending", "valid_invention_patents"}
    return BUNDLED_EQUATIONS if need <= set(table.indicators) else ""


def build(path: str, table: InputTable | None = None, lang: str = "en", columns: ReportColumns | None = None,
          equations: str | None = None, measure: bool = True,
          udfs: Sequence[ModuleType] | None = None) -> ReportColumns:
    """Write the template (``table`` in the Data table; the bundled panel by default).

    ``columns``: the Region, Year and Group headers (default: chosen from the table);
    ``equations``: the system for the Equations sheet (default: the bundled one when the table
    has its columns); ``udfs``: the UDF modules the measuring pass computes with (the one the
    xlwings.conf sheet names, imported by the caller).  Answers the columns used."""
    if measure and udfs is None:
        raise TypeError("build(measure=True) needs the UDF modules: udfs=[nqp_udfs]")
    if lang not in ("en", "zh"):
        raise InputError(f'language "{lang}" is not known; use en or zh')
    table = table or example_table()
    if lang == "zh" and table.subsystems == default_subsystems(table.indicators):
        # the default names only: names the user gave (--subsystem) stay as written
        table.subsystems = [ZH_SUBSYSTEMS.get(s, s) for s in table.subsystems]
    with_bundled_labels(table, lang)  # the bundled panel's readable names, unless the table has its own
    cols = columns or choose_columns(table, lang)
    eqs = default_equations(table) if equations is None else equations
    sizes = _measure(table, lang, cols, eqs, udfs) if measure else {}
    with open(path, "wb") as fh:
        fh.write(_write(table, lang, cols, eqs, sizes, spacing=0))
    return cols


def _write(table: InputTable, lang: str, cols: ReportColumns, eqs: str, sizes: dict[str, Measured],
           spacing: int, skip_inputs: bool = False) -> tuple[bytes, Book] | bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False, "nan_inf_to_errors": True, "in_memory": True})
    wb.worksheet_class = FastWorksheet
    wb.set_properties({"title": "nqp-xl workbook", "subject": "New quality productive forces evaluation",
                       "author": "nqp-xl", "company": "", "comments": f"nqp-xl {__version__}",
                       "created": FIXED_TIME})
    wb.set_custom_property("nqp-xl template", __version__)
    wb.add_vba_project(io.BytesIO(xlwings_vba_project()), is_stream=True)
    wb.set_vba_name("ThisWorkbook")
    book = Book(wb, lang, sizes, spacing)
    book.skip_inputs = skip_inputs
    ctx = Ctx(book, table, lang, cols, eqs)
    book.title = ctx.default_title
    wb.define_name("NQP_FOOTER_TITLE", '="' + book.title.replace('"', '""') + '"')  # publish compares the title in use
    # the report's order: the Overview, the results, then the appendix; Settings and
    # xlwings.conf last (publish hides Settings and drops xlwings.conf: neither is printed)
    overview = overview_page(ctx)
    overview.ws.activate()
    factor_sheet(ctx)
    grades, grades_table, previous = grades_sheet(ctx)
    composite_sheet(ctx)
    obstacle_sheet(ctx)
    coupling_sheet(ctx)
    disparity_sheet(ctx)
    dynamics_sheet(ctx)
    equations_sheet(ctx)
    indicator_sheet(ctx)
    methods_sheet(ctx)
    book.inputs_name = inputs_sheet(ctx).name
    if ctx.panel:
        weights_sheet(ctx)  # the bundled contiguity matrix the Dynamics sheet's NQP_SPATIAL names
    settings_sheet(ctx)
    overview_sheet(ctx, overview, grades_table, grades.name, previous)
    conf_sheet(ctx)
    for i, ws in enumerate(wb.worksheets()):
        ws.set_vba_name(f"Sheet{i + 1}")
    wb.close()
    data = buf.getvalue()
    if spacing:
        return data, book
    return data


def _measure(table: InputTable, lang: str, cols: ReportColumns, eqs: str,
             udfs: Sequence[ModuleType]) -> dict[str, Measured]:
    """Write the workbook with room to spare, compute it in memory, and read each answer's
    size, header and widest value.  Answers that fail (a function missing, an error) are left
    out: their blocks keep the first guesses."""
    skip = round_trips(table)
    data, book = _write(table, lang, cols, eqs, {}, spacing=len(table.rows) + 12, skip_inputs=skip)
    try:
        pkg = Package(data)
        if skip:
            fill_inputs(pkg.sheet(book.inputs_name), table)
        _report, engine = refresh_package(pkg, udfs)
    except Exception:  # noqa: BLE001 - measuring is a refinement; the guesses still make a workbook
        return {}
    out: dict[str, Measured] = {}
    for sheet, items in engine.formulas.items():
        sh = pkg.sheet(sheet)
        for f in items:
            key = book.anchors.get((sheet, f.cell.row - 1, f.cell.col - 1))
            if key is None or f.new_area is None:
                continue
            r1, c1, r2, c2 = f.new_area
            first = sh.value(r1, c1)
            if r1 == r2 and c1 == c2 and isinstance(first, str) and first.startswith("#"):
                continue
            header = ["" if sh.value(r1, c) is None else str(sh.value(r1, c)) for c in range(c1, c2 + 1)]
            get, rows = sh.values.get, range(r1 + 1, r2 + 1)
            widths = [max(chain(map(_shown_width, map(get, zip(rows, repeat(c)))), (0.0,)))
                      for c in range(c1, c2 + 1)]
            out[key] = Measured(r2 - r1 + 1, c2 - c1 + 1, header, widths)
    return out


def round_trips(table: InputTable) -> bool:
    """Every value of the Data table's rows reads back from the file exactly as
    :func:`fill_inputs` gives it: finite numbers, booleans and plain text (no control
    characters, no ``_xHHHH_`` escapes, within Excel's 32,767 characters)."""
    for row in table.rows:
        for v in row:
            if isinstance(v, str):
                if len(v) > 32767 or "_x" in v or (not v.isprintable() and any(ord(ch) < 32 for ch in v)):
                    return False
            elif v is not None and not isinstance(v, bool) and not math.isfinite(float(v)):
                return False
    return True


def fill_inputs(sheet, table: InputTable) -> None:
    """The Data table's rows put straight into the measuring pass's Inputs sheet (as read from
    the file: numbers as XlsxWriter stores them, ``%.16G``), rather than written to XML by
    XlsxWriter and parsed back: the same values at a fraction of the cost."""
    top = INPUT_HEADER_ROW + 1  # 1-based row of the first data row
    values = sheet.values
    for i, row in enumerate(table.rows):
        r = top + i
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, (str, bool)):
                values[(r, j + 1)] = v
            else:
                values[(r, j + 1)] = float(f"{float(v):.16G}")
    if table.rows:
        width = max(len(row) for row in table.rows)
        sheet.last_row = max(sheet.last_row, top + len(table.rows) - 1)
        sheet.last_col = max(sheet.last_col, width)
        sheet.first_row = min(sheet.first_row, top)
        sheet.first_col = min(sheet.first_col, 1)


def _shown_width(v) -> float:
    if type(v) is float:  # most answers: first
        return len(f"{v:,.2f}") if abs(v) >= 1e5 else len(f"{v:.4f}")
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return 5.0
    if isinstance(v, (int, float)):
        if abs(v) >= 1e5:
            return len(f"{v:,.2f}")
        return len(f"{v:.4f}")
    return text_width(v)


# --------------------------------------------------------------------------- VBA

def xlwings_vba_project() -> bytes:
    """vbaProject.bin of the xlwings standalone quickstart that ships with the installed xlwings."""
    import xlwings  # 0.5 s at import, for this one file name: only when the VBA project is read

    folder = os.path.dirname(xlwings.__file__)
    for name in ("quickstart_standalone.xlsm", "quickstart.xlsm"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            with zipfile.ZipFile(path) as z:
                return z.read("xl/vbaProject.bin")
    raise InputError("the installed xlwings has no quickstart workbook to take its VBA from; reinstall xlwings")


