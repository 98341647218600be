"""Cell addresses and ranges as formulas and sheet parts write them, through ``openpyxl.utils``.

``cell_of`` is the fast path the sheet reader and writer use for the ``r`` attribute of a cell:
column letters are looked up once (``LETTER_COLUMNS``) and the row read off the digits.
"""
from __future__ import annotations

import re

from openpyxl.utils.cell import (coordinate_from_string, column_index_from_string, get_column_letter,
                                 range_boundaries)
from openpyxl.utils.exceptions import CellCoordinatesException

_R1C1 = re.compile(r"R\d*C?\d*|C\d*", re.IGNORECASE)  # R1C1, R2, C3, R, C: addresses in R1C1 style


def parse_cell(ref: str) -> tuple[int, int]:
    """``"B3"`` or ``"$B$3"`` -> (3, 2) as (row, col), 1-based."""
    try:
        letters, row = coordinate_from_string(ref.replace("$", "").strip())
        return row, column_index_from_string(letters)
    except (ValueError, TypeError, CellCoordinatesException):
        raise ValueError(f"not a cell address: {ref}") from None


LETTER_COLUMNS: dict[str, int] = {}
DIGITS = "0123456789"


def cell_of(ref: str) -> tuple[int, int]:
    """``"AB12"`` as a cell's ``r`` attribute stores it -> (12, 28); the fast path of
    :func:`parse_cell` (column letters looked up once through openpyxl.utils)."""
    letters = ref.rstrip(DIGITS)
    col = LETTER_COLUMNS.get(letters)
    if col is None or len(letters) == len(ref):
        row, col = parse_cell(ref)
        if letters.isalpha():
            LETTER_COLUMNS[letters] = col
        return row, col
    return int(ref[len(letters):]), col


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """``"A1:C3"`` -> (r1, c1, r2, c2); a single cell is a 1×1 range."""
    try:
        c1, r1, c2, r2 = range_boundaries(ref.replace("$", "").strip())
    except (ValueError, TypeError, CellCoordinatesException):
        raise ValueError(f"not a range: {ref}") from None
    if None in (c1, r1, c2, r2):
        raise ValueError(f"not a bounded range: {ref}")
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def col_letters(index: int) -> str:
    return get_column_letter(index)


def cell_ref(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def range_ref(r1: int, c1: int, r2: int, c2: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    a = f"{d}{get_column_letter(c1)}{d}{r1}"
    if (r1, c1) == (r2, c2):
        return a
    return f"{a}:{d}{get_column_letter(c2)}{d}{r2}"


def quote_sheet(name: str) -> str:
    """A sheet name as a formula or a defined name writes it: bare when it is a plain ASCII name
    (a letter or _ first, then letters, digits, _ and .) that cannot be read as an address (A1,
    XFD1048576, R1C1, R, C); otherwise quoted, inner apostrophes doubled ('Bob''s data').
    Excel's own rule; a Chinese name is quoted too, which every office program reads."""
    if name and name.isascii() and (name[0].isalpha() or name[0] == "_") and \
            all(ch.isalnum() or ch in "_." for ch in name) and not _R1C1.fullmatch(name):
        try:
            parse_cell(name)
        except ValueError:
            return name
    return "'" + name.replace("'", "''") + "'"


__all__ = ["DIGITS", "LETTER_COLUMNS", "cell_of", "cell_ref", "col_letters", "parse_cell", "parse_range",
           "quote_sheet", "range_ref"]
