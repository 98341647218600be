"""A large plain sheet's values read by calamine (Rust), the rest by lxml.

A county workbook's Inputs sheet holds 860,000 cells; streaming them through lxml into Python
costs about 3.5 s, python-calamine reads them in about 0.6 s.  calamine answers values only:
an error becomes "", so does empty text, a date-formatted number a ``datetime``, a formula its
cached value.  So it is used only where its answer is exactly what
:class:`~nqp_xl.workbook.ooxml.sheet.Sheet`'s own reader would give:

* the part is over 2 MB and unchanged since the file was read (calamine reads the file);
* its bytes hold no formula, no error, ISO-date, inline or formula-text cell (``t="e"``,
  ``t="d"``, ``inlineStr``, ``t="str"``), no row style (``customFormat``), no DTD, no
  namespace prefix on ``sheetData``, and no cell value naming an empty shared string; so every
  ``<c>`` calamine answers "" for is a blank one (formatting only);
* every value is a float, a bool or a string of the shared-strings table this package read,
  none a date or time, and no more values came back than the part has ``<c>`` elements;
* the part's ``<dimension>`` is the rectangle the values fill (so formatted blanks lie inside
  it, and the sheet's bounds are the same either way).

Anything else, or calamine missing or failing, answers None and the sheet is read by lxml.
The two counts on a part's bytes (its cells, before anything is parsed, for the size cap;
its formulas) live here too.  ``tests/test_workbook_sheet_fast_read.py`` reads sheets both
ways and compares.
"""
from __future__ import annotations

import io
from itertools import chain, repeat
from typing import Any

from lxml import etree

MIN_BYTES = 2_000_000  # smaller parts: lxml reads them in well under a second
_PLAIN = frozenset((float, str, bool))


def count_cells(data: bytes) -> int:
    """The ``<c>`` elements of a sheet part, counted on its bytes before it is parsed (C speed: a
    hostile sheet is refused in a fraction of a second, not after parsing 1.5 million cells); the
    prefix is the one ``sheetData`` carries (``<x:c r=...>`` in a prefixed part).  Markup in a
    comment or CDATA may count too: an upper bound."""
    if data.find(b"sheetData") < 0:
        return 0
    tag = _start_tag(data, b"c")
    return data.count(tag + b" ") + data.count(tag + b">") + data.count(tag + b"/>")


def has_formula(data: bytes) -> bool:
    """Whether the part may hold an ``<f>`` element (its bytes counted, as :func:`count_cells`
    counts cells: an upper bound, so a false yes only costs the slower reader)."""
    tag = _start_tag(data, b"f")
    return any(tag + end in data for end in (b" ", b">", b"/>"))


def _start_tag(data: bytes, local: bytes) -> bytes:
    """``<`` and the element's name with the prefix ``sheetData`` carries (``<x:c`` in a
    prefixed part, ``<c`` otherwise)."""
    at = data.find(b"sheetData")
    start = data.rfind(b"<", 0, at) if at >= 0 else -1
    prefix = data[start + 1:at] if start >= 0 and at - start <= 32 else b""
    return b"<" + prefix + local


_REFUSED = (b"<!DOCTYPE", b"customFormat", b't="d"', b't="e"', b"inlineStr", b't="str"')


def _names_string(part: bytes, index: int) -> bool:
    """Whether a cell may name shared string ``index``: some ``<v>index</v>`` whose cell's
    start tag (the last ``<c `` before it: ``<`` cannot stand in an attribute) has a ``t`` of
    "s", either quote."""
    needle = b"<v>%d</v>" % index
    at = part.find(needle)
    while at >= 0:
        head = part[part.rfind(b"<c ", 0, at):at]
        if b't="s"' in head or b"t='s'" in head:
            return True
        at = part.find(needle, at + 1)
    return False


def plain_cells(zip_data: bytes, name: str, part: bytes, shared: list[str], cells_in_part: int) -> list[list[Any]] | None:
    """The sheet's values from A1 as rows (blank cells ""), or None (see the module's docstring);
    ``cells_in_part``: :func:`count_cells` of the part."""
    if len(part) < MIN_BYTES or b"<sheetData" not in part or any(k in part for k in _REFUSED):
        return None
    if has_formula(part) or any(_names_string(part, i) for i, text in enumerate(shared) if text == ""):
        return None
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        return None
    try:
        rows = CalamineWorkbook.from_filelike(io.BytesIO(zip_data)).get_sheet_by_name(name).to_python(
            skip_empty_area=False)
    except Exception:  # noqa: BLE001 - any trouble: the lxml reader decides
        return None
    cells = list(chain.from_iterable(rows))
    kinds = set(map(type, cells))
    if not kinds <= _PLAIN:
        return None
    if str in kinds:
        known = set(shared)
        known.add("")
        if not {v for v in cells if type(v) is str} <= known:
            return None
    if len(cells) - cells.count("") > cells_in_part:
        return None
    return rows


def cell_dict(rows: list[list[Any]]) -> dict[tuple[int, int], Any]:
    """``values[(row, col)]`` of the rows from A1, "" left out."""
    values: dict[tuple[int, int], Any] = {}
    for i, row in enumerate(rows, start=1):
        if "" in row:
            values.update(((i, j), v) for j, v in enumerate(row, start=1) if v != "")
        else:
            values.update(zip(zip(repeat(i), range(1, len(row) + 1)), row))
    return values


def dense_bounds(rows: list[list[Any]]) -> tuple[int, int, int, int] | None:
    """(first_row, first_col, last_row, last_col) of the cells of the rows from A1 that are
    not "", or None when all are."""
    first_row = first_col = 1 << 30
    last_row = last_col = 0
    for i, row in enumerate(rows, start=1):
        if not row:
            continue
        if "" in row:
            filled = [j for j, v in enumerate(row, start=1) if v != ""]
            if not filled:
                continue
            lo, hi = filled[0], filled[-1]
        else:
            lo, hi = 1, len(row)
        first_row, last_row = min(first_row, i), i
        first_col, last_col = min(first_col, lo), max(last_col, hi)
    return None if not last_row else (first_row, first_col, last_row, last_col)


def sheet_head(part: bytes) -> tuple[list[tuple[int, int, str]], str | None]:
    """The ``<col min max style>`` entries and the ``<dimension ref>`` before ``sheetData``
    (the parse stops there)."""
    styles, dimension = [], None
    for _ev, el in etree.iterparse(io.BytesIO(part), events=("start",), resolve_entities=False, no_network=True):
        tag = el.tag if isinstance(el.tag, str) else ""
        local = tag[tag.rfind("}") + 1:]
        if local == "sheetData":
            break
        if local == "dimension":
            dimension = el.get("ref")
        elif local == "col" and el.get("style"):
            try:
                styles.append((int(el.get("min", "0")), int(el.get("max", "0")), el.get("style")))
            except ValueError:
                pass
    return styles, dimension


__all__ = ["cell_dict", "count_cells", "dense_bounds", "has_formula", "plain_cells", "sheet_head"]
