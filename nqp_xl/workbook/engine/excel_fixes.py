"""Excel built-ins that ``formulas`` 1.3 answers differently from Excel, answered as Excel does.

The report sheets (SPEC Part 3, the Overview) are built from TEXT, LOOKUP, TEXTJOIN, FILTER,
INDEX, IFERROR and TODAY; checked through the refresh engine
(tests/test_workbook_excel_fixes.py), these needed a fix:

* ``TEXT`` with sections (``"+0;-0;0"``, ``"0.0%;-0.0%"``): formulas takes every section as a
  condition and shows 2 as "-2"; Excel picks the first section for a positive number, the
  second for a negative one (shown without its own minus: the section writes the sign), the
  third for zero, and ``formulas`` formats the chosen section;
* ``TEXTJOIN(d, TRUE, ...)`` keeps empty texts ("a, , b"); Excel's ignore_empty skips them;
* ``ROWS`` and ``COLUMNS`` answer #VALUE! for an array (the engine hands ranges over as
  arrays, and FILTER answers one); Excel counts its rows and columns;
* ``LOOKUP(value, array)`` with a two-dimensional array (the array form) answers 0; Excel
  searches the first row when the array is wider than tall, else the first column, and
  answers the matching cell of the last row (column).

Each fix calls the formulas function it corrects for the part formulas does right.
``formulas`` is imported inside the fixes, as in :mod:`.functions` (0.1 s a command that
computes no formula does not pay).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["excel_text", "excel_textjoin", "excel_rows", "excel_columns", "excel_lookup", "fixes"]


def _sections(code: str) -> list[str]:
    """A number format split at its unquoted, unescaped, unbracketed ";"."""
    out, part, quoted, bracket, i = [], [], False, False, 0
    while i < len(code):
        ch = code[i]
        if ch == "\\" and not quoted and i + 1 < len(code):
            part.append(code[i:i + 2])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "[" and not quoted:
            bracket = True
        elif ch == "]" and not quoted:
            bracket = False
        elif ch == ";" and not quoted and not bracket:
            out.append("".join(part))
            part = []
            i += 1
            continue
        part.append(ch)
        i += 1
    out.append("".join(part))
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return None


def excel_text(value: Any, format_code: Any) -> Any:
    """TEXT(value, format) with Excel's choice of section for a number."""
    from formulas.functions.text import xtext

    code = str(format_code)
    x = _number(value)
    parts = _sections(code)
    if x is None or len(parts) < 2 or any(p.lstrip().startswith("[") for p in parts):
        return xtext(value, code)  # one section, text, or conditions: formulas' own reading
    if x < 0:
        return xtext(-x, parts[1]) if parts[1] else ""
    if x == 0 and len(parts) >= 3:
        return xtext(x, parts[2]) if parts[2] else ""
    return xtext(x, parts[0]) if parts[0] else ""


def _without_empty_text(arg: Any) -> Any:
    import schedula as sh

    if isinstance(arg, np.ndarray):
        out = arg.astype(object, copy=True)
        out[np.vectorize(lambda v: isinstance(v, str) and v == "", otypes=[bool])(out)] = sh.EMPTY
        return out
    return sh.EMPTY if isinstance(arg, str) and arg == "" else arg


def excel_textjoin(delimiter: Any, ignore_empty: Any, text: Any, *args: Any) -> Any:
    """TEXTJOIN: with ignore_empty, empty texts are skipped as empty cells are."""
    from formulas.functions.text import xtextjoin

    flag = ignore_empty.ravel()[0] if isinstance(ignore_empty, np.ndarray) and ignore_empty.size else ignore_empty
    if isinstance(flag, (bool, np.bool_, int, float, np.integer, np.floating)) and flag:
        text, args = _without_empty_text(text), tuple(map(_without_empty_text, args))
    return xtextjoin(delimiter, ignore_empty, text, *args)


def _extent(ref: Any, axis: int) -> Any:
    from formulas.functions.look import xcolumns

    if hasattr(ref, "ranges"):
        return xcolumns(ref, axis=axis)
    shape = np.atleast_2d(np.asarray(ref, dtype=object)).shape
    return shape[1] if axis else shape[0]


def excel_rows(ref: Any) -> Any:
    """ROWS of a range or an array."""
    return _extent(ref, 0)


def excel_columns(ref: Any) -> Any:
    """COLUMNS of a range or an array."""
    return _extent(ref, 1)


def excel_lookup(original: Callable) -> Callable:
    """LOOKUP, the array form (two arguments, a 2-D array) turned into the vector form."""
    def lookup(lookup_value, lookup_vector, *result):
        arr = np.asarray(lookup_vector, dtype=object)
        if not result and arr.ndim == 2 and arr.shape[0] > 1 and arr.shape[1] > 1:
            if arr.shape[1] > arr.shape[0]:  # wider than tall: search the first row
                return original(lookup_value, arr[:1, :], arr[-1:, :])
            return original(lookup_value, arr[:, :1], arr[:, -1:])
        return original(lookup_value, lookup_vector, *result)

    return lookup


def fixes(used: set[str] | None = None) -> dict[str, Callable]:
    """The corrected functions (those among ``used``, upper-case names, when given), as entries
    for formulas' function table."""
    from formulas.functions import wrap_func, wrap_ufunc

    makers: dict[str, Callable[[], Callable]] = {
        "TEXT": lambda: wrap_ufunc(excel_text, input_parser=lambda *a: a),
        "TEXTJOIN": lambda: wrap_func(excel_textjoin),
        "ROWS": lambda: wrap_func(excel_rows, ranges=True),
        "COLUMNS": lambda: wrap_func(excel_columns, ranges=True),
        "LOOKUP": _lookup,
    }
    out = {name: make() for name, make in makers.items() if used is None or name in used}
    if "TEXTJOIN" in out:
        out["_XLFN.TEXTJOIN"] = out["TEXTJOIN"]
    return out


def _lookup() -> Callable:
    from formulas.functions.look import FUNCTIONS as LOOK

    return excel_lookup(LOOK["LOOKUP"])
