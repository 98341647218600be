"""An XlsxWriter worksheet that writes its plain cells' XML faster, byte for byte the same.

A county workbook has about two million cells: numbers and labels on Inputs, formatted
blanks in the rows kept for each answer.  XlsxWriter writes each through a general path
(attribute lists, escaping checks, a type name compared as text); for a number, a shared
string or a blank the element is built here in one f-string, exactly as ``Worksheet._write_cell`` builds it
(``<c r="A1" s="3"><v>1.5</v></c>``, ``%.16G`` numbers), with the same fallback to the row's
or the column's format.  Every other cell goes the
general way.  ``tests/test_workbook_template.py`` compares the output with the plain worksheet's.
"""
from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

_COLS: dict[int, str] = {}


class FastWorksheet(Worksheet):
    """``Workbook.worksheet_class`` for the template (see the module's docstring)."""

    def _write_cell(self, row: int, col: int, cell) -> None:
        kind = type(cell)
        if kind is not CellNumberTuple and kind is not CellBlankTuple and (
                kind is not CellStringTuple or self.constant_memory):
            return super()._write_cell(row, col, cell)
        fmt = cell.format
        if not fmt:  # the row's format, else the column's, as Worksheet._write_cell falls back
            info = self.row_info.get(row)
            fmt = info.row_format if info is not None else None
            if not fmt:
                info = self.col_info.get(col)
                fmt = info.column_format if info is not None else None
        s = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
        letters = _COLS.get(col)
        if letters is None:
            letters = _COLS[col] = xl_col_to_name(col)
        if kind is CellNumberTuple:
            self.fh.write(f'<c r="{letters}{row + 1}"{s}><v>{cell.number:.16G}</v></c>')
        elif kind is CellBlankTuple:
            self.fh.write(f'<c r="{letters}{row + 1}"{s}/>')
        else:  # the shared string's index
            self.fh.write(f'<c r="{letters}{row + 1}"{s} t="s"><v>{cell.string}</v></c>')
