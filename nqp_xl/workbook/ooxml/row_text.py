"""A spilled answer's row written as text: the bytes lxml would write for it, faster.

A county workbook's refresh fills about 600,000 answer cells into rows of formatted blanks
(``<c r="B9" s="4"/>``), every cell of such a row at once.  Patching each as an lxml element
costs about 7 µs a cell; writing the row as text, as XlsxWriter writes cells, about 1.5 µs.
The row's start tag is lxml's own (its serialisation of the row, up to the first ``>``, which
lxml escapes in attribute values), so the bytes are the ones lxml writes, namespace
declarations included, and a later refresh that rewrites the row through lxml keeps them.
Only that case takes this way: one cell per column, the patched ones side by side, each an
unprefixed ``<c>`` with just ``r`` and ``s`` and no content, each answer a float, text or
blank, no formula.  Any other row answers None and is patched through lxml by
:mod:`~nqp_xl.workbook.ooxml.sheet_write`; ``tests/test_workbook_row_text.py`` compares the
two ways byte for byte.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from .addresses import cell_of, col_letters
from .values import number_text, xml_text

_UNSAFE = frozenset('&<>"\n\r\t')
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})  # as lxml escapes text
_RS = ["r", "s"]


def filled_row_text(sheet: Any, row_el: etree._Element, row: int, dirty_cols: list[int]) -> str | None:
    """The row with every cell given its answer, as text; None unless it is the case above."""
    known = sheet.blank_row(row)
    if known is not None:
        return _known_row_text(sheet, row_el, row, dirty_cols, *known)
    n = len(row_el)
    if not n or row_el.text is not None or row_el.prefix or dirty_cols[-1] - dirty_cols[0] + 1 != len(dirty_cols):
        return None
    first, last = row_el[0].get("r"), row_el[-1].get("r")
    if not first or not last:
        return None
    (r0, c0), (r1, c1) = cell_of(first), cell_of(last)
    if r0 != row or r1 != row or c1 - c0 + 1 != n or dirty_cols[0] < c0 or dirty_cols[-1] > c1:
        return None  # not one cell per column from the first to the last, the patched ones among them
    if row_el.tail:
        return None
    whole = etree.tostring(row_el)  # the start tag as lxml writes it (declarations, escaping)
    values, formulas = sheet.values, sheet.formula_cells
    out = [whole[:whole.find(b">") + 1].decode()]
    lo, hi = dirty_cols[0] - c0, dirty_cols[-1] - c0
    for i, c_el in enumerate(row_el):
        if c_el.keys() != _RS or len(c_el) or c_el.tail is not None or c_el.prefix:
            return None
        r, s = c_el.get("r"), c_el.get("s")
        if not _UNSAFE.isdisjoint(s) or not _UNSAFE.isdisjoint(r):
            return None
        key = (row, c0 + i)
        value = values.get(key) if lo <= i <= hi else None  # a cell beside the answer stays blank
        if key in formulas:
            return None
        if value is None:
            out.append(f'<c r="{r}" s="{s}"/>')
        elif type(value) is float:
            out.append(f'<c r="{r}" s="{s}"><v>{number_text(value)}</v></c>')
        elif type(value) is str:
            out.append(f'<c r="{r}" s="{s}" t="inlineStr"><is>{_text_element(value)}</is></c>')
        else:
            return None
    out.append("</row>")
    return "".join(out)


def _known_row_text(sheet: Any, row_el: etree._Element, row: int, dirty_cols: list[int], c0: int,
                    styles: list[str]) -> str | None:
    """:func:`filled_row_text` for a row the reader saw as blank cells side by side
    (``Sheet.blank_row``): lxml's serialisation of the row is compared, in one piece, with
    the plain blanks ``<c r=".." s=".."/>`` those styles make (so no attribute, prefix, text
    or tail is missed), and the cells are not looked at one by one."""
    n = len(styles)
    if dirty_cols[-1] - dirty_cols[0] + 1 != len(dirty_cols) or dirty_cols[0] < c0 or dirty_cols[-1] >= c0 + n:
        return None
    tail = f"{row}"
    blanks = [f'<c r="{_letters(c0 + i)}{tail}" s="{s}"/>' for i, s in enumerate(styles)]
    whole = etree.tostring(row_el)  # with its tail: a row followed by text is not plain
    start = whole.find(b">") + 1
    if whole[start:] != ("".join(blanks) + "</row>").encode():
        return None
    values, formulas = sheet.values, sheet.formula_cells
    out = [whole[:start].decode()]
    lo, hi = dirty_cols[0] - c0, dirty_cols[-1] - c0
    for i, blank in enumerate(blanks):
        if not lo <= i <= hi:
            out.append(blank)
            continue
        key = (row, c0 + i)
        value = values.get(key)
        if key in formulas:
            return None
        if value is None:
            out.append(blank)
        elif type(value) is float:
            out.append(f'{blank[:-2]}><v>{number_text(value)}</v></c>')
        elif type(value) is str:
            out.append(f'{blank[:-2]} t="inlineStr"><is>{_text_element(value)}</is></c>')
        else:
            return None
    out.append("</row>")
    return "".join(out)


_LETTERS: dict[int, str] = {}


def _letters(col: int) -> str:
    letters = _LETTERS.get(col)
    if letters is None:
        letters = _LETTERS[col] = col_letters(col)
    return letters


def _text_element(value: str) -> str:
    """``<t>`` as ``sheet_write._patch`` builds it for text: control characters dropped,
    ``xml:space`` kept where the text has outer spaces, ``<t/>`` for none."""
    text = xml_text(value)
    if not text:
        return "<t/>"
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{text.translate(_ESCAPE)}</t>"


__all__ = ["filled_row_text"]
