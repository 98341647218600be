"""Columns of a range that travel beside a table: keys (``by``, ``groups``, ``ids``, ``rows``,
``columns``) and column subsets taken by header name.

SPEC Part 2: an "aligned" argument is one column holding one cell per data row of the table it
goes with, plus a header cell when that table's range has a header row.  Keys compare as the
user reads them: the number 2022 and the text "2022" are the same key; blank and error cells
are no key (the row drops out of whatever is grouped by it).

Ordering (``order_keys``): numbers ascending, then texts in order of first appearance.

Column subsets (``take_columns``): the panel functions pick columns out of a whole Data table
by name (the subsystems of NQP_SUBINDEX, the variables of an equation system) before its one
conversion by :func:`nqp_xl.table.check_table`, so that rows drop out only for blanks in the
columns actually used.
"""
from __future__ import annotations

import math
import re
from typing import Any, Sequence

import numpy as np

from .errors import NQPError
from .options import is_blank, one_cell, whole_number
from .table import EXCEL_ERROR_CODES, Table, check_table, is_error_value

__all__ = ["key_of", "key_text", "key_cells", "one_column_table", "aligned_keys", "order_keys",
           "range_rows", "is_text_cell", "label_count", "take_columns", "column_position", "plain_cell", "YEAR_HEADERS", "is_year_header", "holds_years", "is_year_column", "year_column"]
# headers that mark a column of years (the workbook's Data table reads such a column as a label)
YEAR_HEADERS = ("year", "years", "yr", "年份", "年", "年度")
FIRST_YEAR, LAST_YEAR = 1800, 2200  # the whole numbers a year column may hold
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def key_of(cell: Any) -> float | str | None:
    """A cell as a key: a finite number, a stripped text, or None (blank or error)."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, (int, np.integer)) and int(cell) in EXCEL_ERROR_CODES:
        return None
    if isinstance(cell, (int, float, np.integer, np.floating)):
        x = float(cell)
        return x if math.isfinite(x) else None
    text = str(cell).strip()
    if not text or is_error_value(text):
        return None
    if _NUMBER.match(text):
        return float(text)
    return text


def is_year_header(header: Any) -> bool:
    """A header that names a column of years: one of YEAR_HEADERS, case and spaces aside."""
    return str(header).strip().lower() in YEAR_HEADERS


def holds_years(cells: Sequence[Any]) -> bool:
    """Every non-blank cell a whole number FIRST_YEAR..LAST_YEAR (a number, not a logical or a
    text), and at least one such cell."""
    seen = False
    for v in cells:
        if v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip()):
            continue
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
            return False
        if not (math.isfinite(v) and v == int(v) and FIRST_YEAR <= v <= LAST_YEAR):
            return False
        seen = True
    return seen


def is_year_column(header: Any, cells: Sequence[Any]) -> bool:
    """The one rule for a column of years, used by the functions (NQP_GAPS), the template's
    reading of a table and ``nqp-xl update``: headed like a year (YEAR_HEADERS: year, years, yr,
    年份, 年, 年度) and holding whole numbers 1800..2200 (blanks aside).  Such a column is a label
    column of the Data table although its cells are numbers."""
    return is_year_header(header) and holds_years(cells)


def year_column(headers: Sequence[Any], columns: Sequence[Sequence[Any]]) -> int | None:
    """Among label columns (``headers[j]`` over the cells ``columns[j]``): the first that
    :func:`is_year_column`, else the first merely headed like a year (its cells may hold a
    mistake the caller names), else None (a cross-section)."""
    found = next((j for j, (h, c) in enumerate(zip(headers, columns)) if is_year_column(h, c)), None)
    return found if found is not None else next((j for j, h in enumerate(headers) if is_year_header(h)), None)


def key_text(key: float | str) -> str:
    """A key inside a message or a header: 2022.0 → "2022", 0.5 → "0.5" (ten digits: distinct
    keys stay distinct, as %g's six may not).  The one key-as-text rule (dynamics, disparity)."""
    if isinstance(key, float):
        return str(int(key)) if key == int(key) else f"{key:.10g}"
    return str(key)


def one_column_table(values: Any, id_cols: Any, missing: Any, select: str) -> Table:
    """``values`` through check_table, refused unless it holds one numeric column;
    ``select`` ends the message, e.g. "select the one indicator to compare"."""
    t = check_table(values, id_cols=id_cols, missing=missing)
    if t.shape[1] != 1:
        shown = ", ".join(f'"{n}"' for n in t.names[:4])
        raise NQPError(f"values must be one column of numbers; the range has {t.shape[1]} ({shown}); {select}")
    return t


def key_cells(arg: Any, what: str) -> list:
    """An aligned argument as a flat list of cells (one column; one row is accepted too)."""
    try:
        import pandas as pd  # 0.3 s of start-up (-X importtime), paid only here
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(arg, (pd.Series, pd.Index)):
        return arg.tolist()
    if pd is not None and isinstance(arg, pd.DataFrame):
        if arg.shape[1] != 1:
            raise NQPError(f"{what} must be one column; it has {arg.shape[1]}")
        return arg.iloc[:, 0].tolist()
    if isinstance(arg, np.ndarray):
        arg = arg.tolist()
    if not isinstance(arg, (list, tuple)):
        return [arg]
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in arg]
    widths = {len(r) for r in rows}
    if widths == {1}:
        return [r[0] for r in rows]
    if len(rows) == 1:
        return rows[0]
    raise NQPError(f"{what} must be one column, one cell per row; it is {len(rows)} rows by "
                   f"{max(widths)} columns")


def aligned_keys(arg: Any, table: Table, what: str, data_name: str = "values",
                 from_range: bool = True) -> tuple[list, Any]:
    """The keys of ``arg`` for each data row of ``table`` and the header cell (or None).

    ``arg`` must have one cell per data row, plus one for the header row when ``table`` came
    from a range with a header.  A pandas Series or array of ``n_rows`` cells is accepted
    without a header cell.
    """
    cells = key_cells(arg, what)
    n = table.n_rows
    height = n + (1 if table.has_header else 0)
    head = None
    if table.has_header and len(cells) == height:
        head, cells = cells[0], cells[1:]
    elif not (len(cells) == n and (not from_range or not table.has_header)):
        raise NQPError(f"{what} has {len(cells)} cells but {data_name} has {height} rows; "
                       "select two ranges of the same height, side by side")
    memo: dict = {}
    keys = []
    for c in cells:
        try:
            k = memo[(type(c), c)]
        except KeyError:
            k = memo[(type(c), c)] = key_of(c)
        except TypeError:
            k = key_of(c)
        keys.append(k)
    header = None if head is None or key_of(head) is None else key_text(key_of(head))
    return keys, header


def order_keys(keys: Sequence) -> list:
    """Distinct keys: numbers ascending, then texts in order of first appearance."""
    seen = list(dict.fromkeys(k for k in keys if k is not None))
    numbers = sorted(k for k in seen if isinstance(k, float))
    texts = [k for k in seen if not isinstance(k, float)]
    return numbers + texts


# ----------------------------------------------------------------------------- column subsets


def range_rows(data: Any) -> list[list]:
    """A range (list of rows) or DataFrame as a rectangular list of rows, header first."""
    try:
        import pandas as pd  # 0.3 s of start-up (-X importtime), paid only here
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(data, pd.DataFrame):
        body = data.astype(object).where(data.notna(), None).values.tolist()
        return [[str(c) for c in data.columns]] + body
    if isinstance(data, np.ndarray):
        data = data.tolist()
    if data is None or not isinstance(data, (list, tuple)) or not data:
        raise NQPError("the data range is empty")
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in data]
    width = len(rows[0])
    for i, r in enumerate(rows):
        if len(r) != width:
            raise NQPError(f"the range is ragged: row {i + 1} has {len(r)} cells but row 1 has {width}; "
                           "select a rectangular block")
    return rows


def is_text_cell(v: Any) -> bool:
    """A cell holding text (not blank, not an Excel error)."""
    return isinstance(v, str) and bool(v.strip()) and not is_error_value(v)


def label_count(rows: list[list], id_cols: Any, start: int = 1) -> int:
    """Leading label columns of a range: ``id_cols`` when given, else the leading columns whose
    data cells are all text or blank (at least one text), as check_table detects them."""
    n_id = whole_number(id_cols, "id_cols", low=0)
    width = len(rows[0])
    if n_id is not None:
        if n_id >= width:
            raise NQPError(f"id_cols={n_id} leaves no columns in a range {width} columns wide")
        return n_id
    body = rows[start:] or rows
    count = 0
    for c in range(width - 1):
        cells = [r[c] for r in body]
        if not any(is_text_cell(v) for v in cells):
            break
        if not all(is_text_cell(v) or v is None or (isinstance(v, str) and not v.strip())
                   or is_error_value(v) for v in cells):
            break
        count += 1
    return count


def take_columns(rows: list[list], columns: Sequence[int], n_labels: int) -> list[list]:
    """The label columns, then ``columns`` (positions in the range), of every row."""
    pick = list(range(n_labels)) + list(columns)
    return [[r[c] for c in pick] for r in rows]


# ----------------------------------------------------------------------------- columns by name


def column_position(header: list, column: Any, width: int, has_header: bool, what: str = "column") -> int:
    """The 0-based position of ``column`` (a header name, or a 1-based number); ``what`` names
    the argument in a message."""
    col = one_cell(column)
    if is_blank(col):
        raise NQPError(f"{what} is blank; give a header name (e.g. \"year\") or a column number (1, 2, ...)")
    if isinstance(col, (int, float)) and not isinstance(col, bool):
        if col != int(col) or not 1 <= col <= width:
            raise NQPError(f"{what} {col:g} is not a column of data (1 to {width})")
        return int(col) - 1
    name = str(col).strip()
    if has_header:
        names = [str(h).strip() if h is not None else "" for h in header]
        if name in names:
            return names.index(name)
        lower = [n.lower() for n in names]
        if name.lower() in lower:
            return lower.index(name.lower())
    if isinstance(key_of(name), float):  # "3" typed as text: the column number
        return column_position(header, key_of(name), width, has_header, what)
    shown = ", ".join(f'"{h}"' for h in header[:6] if h is not None) if has_header else ""
    raise NQPError(f'{what} "{name}" is not a header of data' + (f"; the headers are {shown}" if shown else
                                                                 " (data has no header row; give a column number)"))


def plain_cell(cell: Any) -> Any:
    """A cell passed through: Excel error codes become their texts (still read as missing)."""
    if isinstance(cell, int) and not isinstance(cell, bool) and cell in EXCEL_ERROR_CODES:
        return EXCEL_ERROR_CODES[cell]
    return cell
