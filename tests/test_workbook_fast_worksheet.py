"""FastWorksheet writes the same bytes as XlsxWriter's own worksheet."""
from __future__ import annotations

import io
import zipfile

from nqp_xl.workbook.ooxml.fast_worksheet import FastWorksheet


def _book(fast: bool, constant_memory: bool = False) -> dict[str, bytes]:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": constant_memory})
    if fast:
        wb.worksheet_class = FastWorksheet
    wb.set_properties({"created": __import__("datetime").datetime(2024, 1, 1)})
    ws = wb.add_worksheet("S")
    bold, grey = wb.add_format({"bold": True}), wb.add_format({"bg_color": "#DDDDDD"})
    ws.set_row(3, None, grey)            # a row format the cells without their own take
    ws.set_column(5, 5, 12, bold)        # ... and a column format
    for r in range(8):
        ws.write_number(r, 0, r / 3)
        ws.write_number(r, 1, 1e20 * (r + 1), bold)
        ws.write_string(r, 2, f"label {r % 3} <&>")
        ws.write_string(r, 3, "same", grey)
        ws.write_blank(r, 4, None, bold)
        ws.write_number(r, 5, -r)
        ws.write_boolean(r, 6, r % 2 == 0)
        ws.write_formula(r, 7, f"=A{r + 1}*2", None, r)
        ws.write_blank(r, 30, None, grey)
    ws.write_number(3, 8, 2.5)
    ws.write_string(3, 9, "in the formatted row")
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_same_bytes_as_xlsxwriter():
    plain, fast = _book(False), _book(True)
    assert plain["xl/worksheets/sheet1.xml"].count(b"<c ") > 70
    assert fast == plain


def test_same_bytes_with_inline_strings():
    assert _book(True, constant_memory=True) == _book(False, constant_memory=True)


def _rows_book(bulk: bool) -> dict[str, bytes]:
    import math

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True})
    wb.worksheet_class = FastWorksheet
    wb.set_properties({"created": __import__("datetime").datetime(2024, 1, 1)})
    ws = wb.add_worksheet("S")
    centred, bold = wb.add_format({"align": "center"}), wb.add_format({"bold": True})
    rows = [["a", 2014, 1.5, None, True], ["x", 2015.0, math.nan, -math.inf, 2.0], [None, 1, 2, 3, 4], ["b", 3, 4, 5, None],
            ["=1+1", None, None, None, "c"]]
    formats = [centred, centred, None, None, None]
    blanks = [[bold, centred], [centred, None, bold], [bold]]
    for i, row in enumerate(rows):
        if bulk:
            ws.write_values(i + 2, row, formats)
        else:
            for j, v in enumerate(row):
                if isinstance(v, str):
                    ws.write_string(i + 2, j, v)
                elif isinstance(v, bool):
                    ws.write_boolean(i + 2, j, v)
                elif v is not None:
                    ws.write_number(i + 2, j, float(v), formats[j])
    for i, fmts in enumerate(blanks):
        if bulk:
            ws.write_blanks(i + 10, 3, fmts)
        else:
            for j, f in enumerate(fmts):
                ws.write_blank(i + 10, 3 + j, None, f)
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_rows_stored_at_once_as_cell_by_cell():
    """write_values / write_blanks: the same cells and dimensions as one call per cell
    (texts, booleans, NaN and inf as errors, blanks at a row's ends, None formats)."""
    bulk, single = _rows_book(True), _rows_book(False)
    assert b"#NUM!" in single["xl/worksheets/sheet1.xml"]
    assert bulk == single
