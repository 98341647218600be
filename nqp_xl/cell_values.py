"""Cell values as Excel hands them over: error codes and texts, blanks, labels, and the
indicator block turned into floats without a Python step per cell.

Split from :mod:`nqp_xl.table` (the input boundary), which is the only caller of
:func:`convert_block`; the small predicates here are shared by the modules that read
aligned key columns (``by``, ``groups``, ``ids``).
"""
from __future__ import annotations

import datetime as dt
import decimal
import itertools
import math
import operator
from typing import Any

import numpy as np

from .errors import NQPError

# Excel error values as xlwings delivers them on Windows (COM error codes) ...
EXCEL_ERROR_CODES: dict[int, str] = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
    -2146826245: "#GETTING_DATA",
}
# ... and as text (xlwings' err_to_str, openpyxl, LibreOffice, newer Excel errors).
EXCEL_ERROR_TEXTS = frozenset(
    {
        "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
        "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
        "#BUSY!", "#UNKNOWN!", "#N/A!", "#NA",
    }
)


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA" (position inside the range): openpyxl's
    ``get_column_letter(index + 1)``, which tests/test_table.py holds it to.  Not imported from
    openpyxl because the core never imports it otherwise and it costs 115 ms at the start of
    Excel's Python process (``python -X importtime``)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, col: int) -> str:
    """A cell by its place in the range, e.g. ``row 3, column B of the range``."""
    return f"row {row + 1}, column {column_letter(col)} of the range"


def is_error_value(value: Any) -> bool:
    """True for an Excel error as an int code or as its text, or for a ``#NQP!`` answer."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value in EXCEL_ERROR_CODES
    if isinstance(value, str):
        text = value.strip().upper()
        return text in EXCEL_ERROR_TEXTS or text.startswith("#NQP!")
    return False


def is_blank_cell(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def is_text_label(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = value.lstrip()
    return bool(text) and not (text[0] == "#" and is_error_value(text))


def label_column(cells: list) -> list[str]:
    if set(map(type, cells)) == {str}:
        return list(map(str.strip, cells))  # no Python step per cell
    return ["" if is_blank_cell(v) else label_text(v) for v in cells]


_NONE = type(None)
_ERROR_CODE_ARRAY = np.array(sorted(EXCEL_ERROR_CODES), dtype=float)


def convert_block(body: list[list], n_lab: int, names, labels, start: int) -> np.ndarray:
    """The indicator block as floats (NaN = missing), without a Python step per cell.

    One pass counts the indicator cells that are floats (C-level loops; the first rows
    first, so a range that is not all floats is seen early).  When they all are, one more
    pass reads them straight into a float array.
    Otherwise every cell goes into an object array and the cells' types into another,
    and only the cells that are not floats are looked at: blanks (``None``) and Excel
    error codes (ints, recognised by value in one vectorised ``isin``) become NaN, plain
    ints their value; text is looked at one cell at a time (blank or an error text is
    missing, anything else is refused), and a logical value is refused.  A range with
    blanks and errors therefore costs a few vectorised passes more, not one Python step
    per cell.  The first refused cell in reading order (row by row) is named, as the
    cell-by-cell path (:func:`_convert_slow`, for exotic cell types) names it.
    """
    n, width = len(body), len(body[0])
    p = width - n_lab
    # the first rows tell whether counting the other rows' float cells is worth it
    head = min(n, 64)
    mixed = _indicator_floats(body[:head], n_lab) != head * p
    if not mixed and n > head:
        mixed = _indicator_floats(body[head:], n_lab) != (n - head) * p
    odd = bad = None
    if not mixed:  # every indicator cell a float: read them as floats, nothing else to do
        cells = body if not n_lab else map(operator.itemgetter(slice(n_lab, None)), body)
        values = np.fromiter(itertools.chain.from_iterable(cells), dtype=float, count=n * p).reshape(n, p)
    else:
        flat = np.fromiter(itertools.chain.from_iterable(body), dtype=object, count=n * width)
        grid = flat.reshape(n, width)
        kinds = np.fromiter(map(type, itertools.chain.from_iterable(body)), dtype=object, count=n * width)
        odd_mask = kinds != float
        if n_lab:
            odd_mask.reshape(n, width)[:, :n_lab] = False
        odd = np.flatnonzero(odd_mask)
        fill = _fill_odd_cells(flat[odd], kinds[odd])
        if fill is None:  # numpy scalars, decimals, ...: the cell-by-cell path
            return _convert_slow(grid[:, n_lab:], names, labels, start, n_lab)
        replacement, bad = fill
        flat[odd] = replacement  # our own array: the caller's cells are untouched
        values = grid[:, n_lab:].astype(float)
    inf_at = np.flatnonzero(np.isinf(values)) if not np.isfinite(values).all() else ()
    if bad is not None or len(inf_at):
        # both in reading order; compare their places in the range
        first_bad = int(odd[bad]) if bad is not None else n * width
        first_inf = int(inf_at[0]) // p * width + int(inf_at[0]) % p + n_lab if len(inf_at) else n * width
        at = min(first_bad, first_inf)
        i, c = divmod(at, width)
        _refuse_cell(i, c - n_lab, body[i][c], names, labels, start, n_lab)
    return values


def _indicator_floats(rows: list[list], n_lab: int) -> int:
    """How many of the rows' indicator cells (after ``n_lab`` label cells) are floats: one
    count over all their cells, less the float cells of the label columns."""
    floats = operator.countOf(map(type, itertools.chain.from_iterable(rows)), float)
    if n_lab:
        floats -= sum(operator.countOf(map(type, [r[c] for r in rows]), float) for c in range(n_lab))
    return floats


def _fill_odd_cells(cells: np.ndarray, kinds: np.ndarray) -> tuple[np.ndarray, int | None] | None:
    """Numbers for the cells of an indicator block that are not floats (NaN = missing),
    and the position among them of the first one to refuse (None if none is).

    None when a cell is of a type only the cell-by-cell path knows.
    """
    out = np.full(cells.shape[0], np.nan)
    is_int = kinds == int
    if is_int.any():
        try:
            ints = np.array(cells[is_int].tolist(), dtype=float)
        except OverflowError:
            return None
        out[is_int] = np.where(np.isin(ints, _ERROR_CODE_ARRAY), np.nan, ints)
    is_str = kinds == str
    refused = kinds == bool
    if is_str.any():
        at = np.flatnonzero(is_str)
        refused[at] = [bool(v.strip()) and not is_error_value(v) for v in cells[at].tolist()]
    known = is_int | is_str | refused | (kinds == _NONE)
    if not known.all():
        return None
    first = int(np.argmax(refused)) if refused.any() else None
    return out, first


def _refuse_cell(i: int, j: int, v: Any, names, labels, start: int, n_lab: int) -> None:
    """Raise the message for an indicator cell that cannot be taken as a number or missing."""
    t = type(v)
    if t is bool or isinstance(v, np.bool_):
        raise_cell(i, j, v, names, labels, start, n_lab,
                    f"holds the logical value {str(bool(v)).upper()}, not a number")
    if isinstance(v, str):
        shown = v.strip()[:40]
        hint = "; type it as a number (no thousands separators, no % sign)" if _looks_numeric(v) else "; indicator cells must hold numbers"
        raise_cell(i, j, v, names, labels, start, n_lab, f'holds the text "{shown}"{hint}')
    if isinstance(v, (int, float, np.floating, np.integer, decimal.Decimal)):
        raise_cell(i, j, v, names, labels, start, n_lab, "holds an infinite value")
    if isinstance(v, dt.date):  # Excel hands a date-formatted cell over as a datetime
        raise_cell(i, j, v, names, labels, start, n_lab,
                   f"holds the date {v:%Y-%m-%d}, not a number; format the cell as a number")
    raise_cell(i, j, v, names, labels, start, n_lab, f"holds {t.__name__}, not a number")


def label_text(v: Any) -> str:
    """A label cell as text: TRUE/FALSE, 2022 (not 2022.0), an Excel error code as its text
    (#N/A), a date as 2021-03-01."""
    if isinstance(v, bool):
        return str(v).upper()
    if isinstance(v, (float, np.floating)) and math.isfinite(v) and v == int(v):
        return str(int(v))
    if type(v) is int and v in EXCEL_ERROR_CODES:
        return EXCEL_ERROR_CODES[v]
    if isinstance(v, dt.date):
        return f"{v:%Y-%m-%d}"
    return str(v).strip()


def raise_cell(i: int, j: int, value: Any, names, labels, start: int, n_lab: int, what: str) -> None:
    where = cell_name(start + i, n_lab + j)
    region = " ".join(p for p in labels[i] if p) if labels else ""
    who = f'indicator "{names[j]}"' + (f', region "{region}"' if region else "")
    raise NQPError(f"{who} ({where}) {what}")


# numbers of other types: numpy scalars, and Decimal (pywin32 gives a Currency-formatted cell's value so)
_OTHER_NUMBERS = (np.floating, np.integer, decimal.Decimal)


def _convert_slow(block: np.ndarray, names, labels, start: int, n_lab: int) -> np.ndarray:
    """Cell-by-cell conversion, for blocks holding cell types other than floats, ints, text,
    blanks and logicals (numpy scalars, Decimals, dates); messages as :func:`_refuse_cell` writes them."""
    n, p = block.shape
    values = np.empty((n, p), dtype=float)
    for i in range(n):
        row = block[i]
        for j in range(p):
            v = row[j]
            t = type(v)
            if t is float or (t is int and v not in EXCEL_ERROR_CODES) or isinstance(v, _OTHER_NUMBERS):
                x = float(v)
                if math.isinf(x):
                    _refuse_cell(i, j, v, names, labels, start, n_lab)
                values[i, j] = x
            elif v is None or t is int or (isinstance(v, str) and (not v.strip() or is_error_value(v))):
                values[i, j] = np.nan
            else:
                _refuse_cell(i, j, v, names, labels, start, n_lab)
    return values


def _looks_numeric(text: str) -> bool:
    t = text.strip().replace(",", "").replace("%", "").replace("，", "").replace(" ", "")
    try:
        float(t)
    except ValueError:
        return False
    return True
