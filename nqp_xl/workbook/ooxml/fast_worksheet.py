"""An XlsxWriter worksheet that writes its plain cells' XML faster, byte for byte the same.

A county workbook has about two million cells: numbers and labels on Inputs, formatted
blanks in the rows kept for each answer.  XlsxWriter writes each through a general path
(attribute lists, escaping checks, a type name compared as text); for a number, a shared
string or a blank the element is built here in one f-string, exactly as
``Worksheet._write_cell`` builds it (``<c r="A1" s="3"><v>1.5</v></c>``, ``%.16G`` numbers),
with the same fallback to the row's or the column's format.  Every other cell goes the
general way.  ``write_values`` and ``write_blanks`` store a row's cells at once, as
``write_number`` / ``write_blank`` would one by one.  This leans on XlsxWriter's internals
(``table``, ``_write_cell``): ``tests/test_workbook_fast_worksheet.py`` compares the bytes with
the plain worksheet's, and the committed template with a fresh build.
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

    # -- storing many cells at once (what write_number / write_blank do cell by cell)
    def write_values(self, row: int, values, number_formats) -> None:
        """``values[j]`` at (row, j) as ``write_string``, ``write_boolean`` and ``write_number``
        (with ``number_formats[j]``) store it; None is skipped.  Finite numbers are stored
        directly, the rest go through the worksheet's own methods."""
        ends = bool(values) and values[0] is not None and values[-1] is not None  # the dimensions
        cells = self._row_cells(row, len(values) - 1) if ends else None
        for j, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, str):
                self._write_string(row, j, v)
            elif isinstance(v, bool):
                self._write_boolean(row, j, v)
            else:
                x = float(v)
                if cells is not None and x - x == 0.0:  # finite, and the row's cells at hand
                    cells[j] = CellNumberTuple(x, number_formats[j])
                else:
                    self._write_number(row, j, x, number_formats[j])

    def write_blanks(self, row: int, col: int, formats) -> None:
        """A formatted blank at (row, col + j) for each ``formats[j]`` (None: nothing)."""
        cells = self._row_cells(row, col + len(formats) - 1, col) if None not in formats else None
        if cells is None:
            for j, f in enumerate(formats):
                self._write_blank(row, col + j, None, f)
            return
        for j, f in enumerate(formats):
            if f is not None:
                cells[col + j] = CellBlankTuple(f)

    def _row_cells(self, row: int, last_col: int, first_col: int = 0):
        """The row's cell dict with the sheet's dimensions grown to (row, first_col..last_col),
        or None when the cells must go one by one (constant memory, out of bounds, empty)."""
        if self.constant_memory or last_col < first_col:
            return None
        if self._check_dimensions(row, first_col) or self._check_dimensions(row, last_col):
            return None
        return self.table[row]
