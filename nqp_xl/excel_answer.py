"""Answers as a worksheet cell takes them, and failures as one ``#NQP! ...`` line.

Pure Python (no xlwings): the Excel face (``udfs/nqp_udfs.py``) and the result objects'
``to_rows`` use these, and the workbook engine calls the same functions.

* :func:`cells` and :func:`per_indicator` lay out numeric blocks with one ``tolist()``
  (no per-cell Python: a 20,000-row answer costs about 2 ms, ``benchmarks/bench_conversion.py``);
* :func:`plain` makes any answer plain cells: ``float`` numbers (never NaN, inf or a numpy
  scalar), ``str``, ``bool`` and ``None`` for a blank, in rectangular rows;
* :func:`com_safe` is the last step on the way to Excel through COM: a blank becomes ""
  (Excel shows an empty variant in an array answer as 0), every other cell is already safe;
* :func:`answer` runs a UDF body and turns any failure into the one-line ``#NQP!`` text,
  repeating an inner function's failure found among the arguments (:func:`inner_error`).
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Callable, Iterable

import numpy as np

from .cell_values import EXCEL_ERROR_CODES, is_error_value
from .collector import gc_paused
from .errors import NQPError, as_cell_text
from .labels import text


class Cells(list):
    """Rows laid out from arrays already proven finite: answered as they are."""


def finite(block: Any) -> np.ndarray:
    """A numeric block as a 2-D float array, refusing NaN or inf (a bug we never show)."""
    arr = np.asarray(block, dtype=float)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if not np.isfinite(arr).all():
        raise FloatingPointError("a result is not a finite number")
    return arr


def beside(first: Any, arr: np.ndarray, after: Any = ()) -> list[list]:
    """Rows of ``first`` columns (texts), the numeric block, then ``after`` columns, made
    with one ``tolist()`` of an object array rather than cell by cell."""
    q = arr.shape[1]
    out = np.empty((arr.shape[0], len(first) + q + len(after)), dtype=object)
    for c, col in enumerate(first):
        out[:, c] = col
    out[:, len(first):len(first) + q] = arr
    for c, col in enumerate(after):
        out[:, len(first) + q + c] = col
    return out.tolist()


def cells(table, block: Any, header: list[str] | None = None, text_cols: Iterable[list[str]] = ()) -> Cells:
    """An aligned answer: header row when the input had one, blank rows where input rows
    were left out.  ``block`` is numeric (m × q) for the complete rows; ``text_cols`` are
    columns of text (one entry per complete row) placed after it.  One ``tolist()`` of the
    block; blank rows go in by index (:meth:`nqp_xl.table.Table.aligned`)."""
    arr = finite(block)
    text_cols = list(text_cols)
    rows = beside((), arr, text_cols) if text_cols else arr.tolist()
    return Cells(table.aligned(rows, header))


def per_indicator(names: Any, block: Any, header: list[str] | None = None) -> Cells:
    """One row per indicator, its name first, after the header row when one is given."""
    rows = beside((list(names),), finite(block))
    return Cells(([list(header)] if header is not None else []) + rows)


def indicator_rows(table, block: Any, header: list[str], lang: str | None = None) -> Cells:
    """One row per indicator of ``table``, its name first; a header row (Indicator, then
    ``header``) when the input had one."""
    return per_indicator(table.names, block, [text("Indicator", lang), *header] if table.has_header else None)


def blank_nan(values: Iterable[float]) -> list:
    """Numbers as floats, NaN as a blank (None): for the cells a method leaves undefined."""
    return [None if x != x else float(x) for x in values]


# --------------------------------------------------------------------------- plain cells

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def _cell(value: Any) -> Any:
    """One cell of an answer as a plain value; NaN or inf is a bug we refuse to show."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if not math.isfinite(x):
            raise FloatingPointError("a result is not a finite number")
        return x
    if isinstance(value, dt.datetime):  # a date cell handed back (NQP_SELECT): its serial number
        return (value.replace(tzinfo=None) - _EXCEL_EPOCH) / dt.timedelta(days=1)
    if isinstance(value, dt.date):
        return float((value - _EXCEL_EPOCH.date()).days)
    return str(value)


def _rectangular(rows: list[list]) -> list[list]:
    """Rows padded with blanks to the widest (COM and xlwings' writer refuse ragged rows)."""
    widths = set(map(len, rows))
    if len(widths) <= 1:
        return rows
    width = max(widths)
    return [r if len(r) == width else r + [None] * (width - len(r)) for r in rows]


def plain(result: Any) -> Any:
    """Scalars stay scalars; arrays and lists become rectangular rows of plain values.

    :class:`Cells` (laid out from arrays proven finite) are taken as they are."""
    if isinstance(result, Cells):
        return _rectangular(list(result))
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if isinstance(result, (list, tuple)):
        rows = [r.tolist() if isinstance(r, np.ndarray) else r for r in result]
        return _rectangular([[_cell(v) for v in r] if isinstance(r, (list, tuple)) else [_cell(r)] for r in rows])
    return _cell(result)


def com_safe(value: Any) -> Any:
    """A plain answer as COM hands it to Excel: blanks as "" (rows without one untouched,
    found by a C-level ``None in row``)."""
    if value is None or (type(value) is list and not value):
        return ""
    if type(value) is list:
        return [[("" if v is None else v) for v in r] if None in r else r for r in value]
    return value


# --------------------------------------------------------------------------- failures

def _single(v: Any) -> Any:
    while isinstance(v, (list, tuple)) and len(v) == 1:
        v = v[0]
    return v


def inner_error(arguments: Iterable[Any], ranges: Iterable[Any] | None = None) -> str | None:
    """The ``#NQP!`` answer of an inner formula that one of the arguments holds (a single
    cell, as ``INDEX(NQP_INDEX(...),0,1)`` of a failed answer is), or None.

    A function given a failed inner answer repeats its message, as Excel passes an error on,
    rather than saying "no row is complete" about the one text cell it received.  A range
    argument (``ranges``: their values; default all arguments) that is one Excel error
    (``#REF!`` from ``INDEX`` of a failed answer, or its COM code) is named as such; an option
    holding one is named by :func:`nqp_xl.options.option_cell`."""
    arguments = list(arguments)
    for v in map(_single, arguments):
        if isinstance(v, str) and v.startswith("#NQP! "):
            return v
    excel_error = None
    for v in map(_single, arguments if ranges is None else ranges):
        if isinstance(v, (str, int)) and not isinstance(v, bool) and is_error_value(v):
            excel_error = EXCEL_ERROR_CODES[v] if isinstance(v, int) else v
            break
    if excel_error is not None:
        return as_cell_text(f"an argument is the single error {excel_error}, not a range of values: an inner "
                            "formula failed (another NQP cell of the sheet shows why) or a reference is wrong")
    return None


def answer(compute: Callable[[], Any], function: str, arguments: Iterable[Any] = (),
           ranges: Iterable[Any] | None = None) -> Any:
    """Run ``compute`` and answer its plain value, or a ``#NQP!`` text; never a traceback.

    ``arguments`` are the call's arguments and ``ranges`` the values of its range arguments,
    looked at only when ``compute`` fails with an :class:`NQPError` (see :func:`inner_error`).  The garbage collector pauses meanwhile: a
    large range means tens of thousands of row lists, and collections triggered by creating
    them cost more than the numerics (``nqp_xl.collector``).
    """
    with gc_paused():
        try:
            return plain(compute())
        except NQPError as err:
            return inner_error(arguments, ranges) or err.as_cell()
        except FloatingPointError:
            return as_cell_text(f"{function} could not compute a finite result for this data; "
                                "check for constant or collinear indicators")
        except Exception as err:  # noqa: BLE001 - a cell must never show a traceback
            return as_cell_text(f"{function} failed unexpectedly ({type(err).__name__}: {err}); "
                                "please report this with your data")


__all__ = ["Cells", "answer", "beside", "blank_nan", "cells", "com_safe", "finite", "indicator_rows",
           "inner_error", "per_indicator", "plain"]
